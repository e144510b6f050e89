"""MinHash signatures of shingle sets, bit-identical to datasketch's, without datasketch.

For a set ``S`` of byte strings and ``k = 1..num_perm``:

    h(s)   = fmix32(first 4 bytes of SHA-1(s), little-endian)    (MurmurHash3 finalizer)
    sig[k] = min over s in S of (a_k * h(s) + b_k) mod 2^32,

with ``a_k`` odd and ``b_k`` drawn from ``numpy.random.RandomState(seed)`` exactly as
datasketch >= 2.0 draws them for ``MinHash(num_perm, seed)`` (its default "affine32"
scheme), so ``P[sig_A[k] = sig_B[k]] = Jaccard(A, B)`` and the signatures, the stored
ones and the LSH buckets are the same as before this module existed. An empty set's
signature is all ``2^32 - 1``.

Why not datasketch's ``MinHash``: importing the ``datasketch`` package imports its LSH
and through it SciPy's integrators (0.6-2 s), which every command that only reads
features paid; and its per-set objects cost a copy of the permutations each. A
:class:`Signature` satisfies what datasketch's ``MinHashLSH`` and ``LeanMinHash.jaccard``
read of a MinHash (``seed``, ``scheme``, ``hashvalues``, ``len``), so the two mix.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
from collections.abc import Iterable

import numpy as np

SCHEME = "affine32"
# The largest 32-bit hash (by definition: datasketch's _max_hash, the empty minimum).
_MAX = np.uint32(0xFFFFFFFF)
# MurmurHash3's 32-bit finaliser (fmix32), by definition: its two multipliers (its shifts,
# 16, 13, 16, are written where they apply).
FMIX32_C1 = np.uint32(0x85EBCA6B)
FMIX32_C2 = np.uint32(0xC2B2AE35)
# Permutation tables kept (chosen: a process uses one or two (num_perm, seed) pairs).
PERMUTATIONS_CACHE = 8
# Signature length when none is given (by definition: Config.num_perm's default).
DEFAULT_NUM_PERM = 128


@dataclasses.dataclass(frozen=True, slots=True, eq=False)
class Signature:
    """A MinHash signature: ``hashvalues`` (uint32, one per permutation) and its seed."""

    seed: int
    hashvalues: np.ndarray
    scheme: str = SCHEME

    def __len__(self) -> int:
        return len(self.hashvalues)

    def __eq__(self, other: object) -> bool:
        # By value, as datasketch's LeanMinHash compares: same seed, scheme and minima
        # (so features from a worker process equal those made in this one).
        if not isinstance(other, Signature):
            return NotImplemented
        return (
            self.seed == other.seed
            and self.scheme == other.scheme
            and np.array_equal(self.hashvalues, other.hashvalues)
        )

    __hash__ = None  # type: ignore[assignment]  # mutable array inside: not hashable

    def jaccard(self, other: Signature) -> float:
        """Estimated Jaccard: the share of permutations whose minima agree."""
        if getattr(other, "scheme", None) != self.scheme or other.seed != self.seed:
            raise ValueError("cannot compare MinHashes of different schemes or seeds")
        if len(other) != len(self):
            raise ValueError("cannot compare MinHashes of different lengths")
        return float(np.count_nonzero(self.hashvalues == other.hashvalues)) / len(self)


@functools.lru_cache(maxsize=PERMUTATIONS_CACHE)
def permutations(num_perm: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """``(a, b)`` of the affine permutations, as datasketch's ``MinHash`` draws them."""
    gen = np.random.RandomState(seed)
    a = gen.randint(0, 1 << 31, num_perm, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
    b = gen.randint(0, 1 << 32, num_perm, dtype=np.uint32)
    a.setflags(write=False)
    b.setflags(write=False)
    return a, b


def base_hashes(items: Iterable[bytes]) -> np.ndarray:
    """``fmix32(sha1_32(s))`` of each item, as uint32."""
    sha1 = hashlib.sha1
    digests = b"".join([sha1(item).digest()[:4] for item in items])
    return _fmix32(np.frombuffer(digests, dtype="<u4").astype(np.uint32))


def item_digests(items: Iterable[bytes]) -> bytes:
    """The first 8 bytes of ``SHA-1(s)`` of each item, one after the other: read as
    little-endian uint64 (``np.frombuffer(_, "<u8")``), each item's key, whose low 32 bits
    are the ``sha1_32`` that :func:`signature` reads (:func:`signature_of_keys`). Two
    distinct items share a key with probability 2^-64."""
    sha1 = hashlib.sha1
    return b"".join([sha1(item).digest()[:8] for item in items])


def signature_of_keys(
    keys: np.ndarray, num_perm: int = DEFAULT_NUM_PERM, seed: int = 1
) -> Signature:
    """:func:`signature` of the items whose :func:`item_keys` are ``keys`` (repeats are
    harmless): the same values, from the keys' low 32 bits."""
    return _signature_of_hashes(_fmix32(keys.astype(np.uint32)), num_perm, seed)


def _fmix32(hv: np.ndarray) -> np.ndarray:
    """MurmurHash3's finaliser of each uint32 of ``hv`` (in place; ``hv`` returned)."""
    hv ^= hv >> np.uint32(16)
    hv *= FMIX32_C1
    hv ^= hv >> np.uint32(13)
    hv *= FMIX32_C2
    hv ^= hv >> np.uint32(16)
    return hv


def signature(items: Iterable[bytes], num_perm: int = DEFAULT_NUM_PERM, seed: int = 1) -> Signature:
    """The MinHash signature of the set of ``items`` (byte strings; repeats are harmless)."""
    return _signature_of_hashes(base_hashes(items), num_perm, seed)


def _signature_of_hashes(hv: np.ndarray, num_perm: int, seed: int) -> Signature:
    """The signature of the items whose ``fmix32(sha1_32)`` are ``hv`` (uint32)."""
    a, b = permutations(num_perm, seed)
    if not len(hv):
        values = np.full(num_perm, _MAX, dtype=np.uint32)
    else:
        # (num_perm, n) products, each permutation's along a contiguous row, so each
        # minimum is one pass down a row (the (n, num_perm) layout's column minima cost
        # 3-8x more once the array outgrows the L2 cache: 1,000 shingles, 0.48 vs 0.13 ms,
        # 2026-12-03); uint32 arithmetic wraps, which is the mod 2^32. Integers: exact.
        products = a[:, None] * hv
        products += b[:, None]
        values = products.min(axis=1)
    return Signature(seed=seed, hashvalues=values)


def from_values(hashvalues: np.ndarray, seed: int) -> Signature:
    """A stored signature (its uint32 values) back as a :class:`Signature`."""
    return Signature(seed=seed, hashvalues=np.asarray(hashvalues, dtype=np.uint32))
