"""MinHash-LSH buckets: the near-duplicate route and the copy collapse's candidates.

A signature of ``b·r`` MinHash values is cut into ``b`` bands of ``r`` rows; two
articles share a bucket when one band's values are equal. A pair with Jaccard ``J`` of
their 5-word shingles does so with probability ``1 - (1 - J^r)^b``, an S-curve centred
near ``Config.lsh_threshold``; :func:`lsh_bands` picks ``(b, r)`` as datasketch does.
:class:`MemoryLSH` holds the buckets in memory; the store keeps the same bands in SQLite.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from typing import Protocol

import numpy as np

from samestory.config import Config


class MinHashLike(Protocol):
    """What MinHash-LSH reads of a MinHash (samestory.minhash's Signature, datasketch's
    MinHash and LeanMinHash)."""

    @property
    def hashvalues(self) -> np.ndarray: ...


class LSHLike(Protocol):
    """What the index asks of MinHash-LSH: datasketch's ``MinHashLSH`` (in memory, the
    default) or another index of the same bands, such as the store's SQLite table."""

    def insert(self, key: str, minhash: MinHashLike) -> None: ...

    def query(self, minhash: MinHashLike) -> Iterable[str]: ...


def memory_lsh(config: Config) -> LSHLike:
    """The in-memory MinHash-LSH for the config (:class:`MemoryLSH`)."""
    return MemoryLSH(*lsh_bands(config.lsh_threshold, config.num_perm))


class MemoryLSH:
    """MinHash-LSH buckets in one dict a band: the buckets of datasketch's in-memory
    ``MinHashLSH`` of the same bands (:func:`lsh_bands`), without datasketch.

    A signature's band ``k`` is its values ``[k r, (k + 1) r)``; two signatures share a
    bucket when one band's values are equal (its bytes, sliced once from the signature;
    datasketch byte-swaps and copies each band for every insert and query, and
    importing it imports SciPy's integrators, 0.6-2 s). :meth:`query` gives every
    inserted key sharing a bucket with the signature, as ``MinHashLSH.query`` does.
    """

    def __init__(self, bands: int, rows: int) -> None:
        self.bands, self.rows = bands, rows
        self._tables: list[dict[bytes, list[str]]] = [{} for _ in range(bands)]
        self._keys: dict[str, list[bytes]] = {}

    def _band_keys(self, minhash: MinHashLike) -> list[bytes]:
        values = np.asarray(minhash.hashvalues)
        if len(values) < self.bands * self.rows:
            raise ValueError(
                f"a signature of {len(values)} values, the index reads {self.bands * self.rows}"
            )
        return band_bytes(values, self.bands, self.rows)

    def insert(self, key: str, minhash: MinHashLike) -> None:
        if key in self._keys:
            raise ValueError(f"the key {key!r} is in the index already")
        band_keys = self._band_keys(minhash)
        self._keys[key] = band_keys
        for table, band_key in zip(self._tables, band_keys, strict=True):
            table.setdefault(band_key, []).append(key)

    def query(self, minhash: MinHashLike) -> set[str]:
        found: set[str] = set()
        for table, band_key in zip(self._tables, self._band_keys(minhash), strict=True):
            members = table.get(band_key)
            if members:
                found.update(members)
        return found

    def shares_bucket(self, a: str, b: str) -> bool:
        """Whether two inserted keys share a bucket (False if either is not inserted)."""
        keys_a, keys_b = self._keys.get(a), self._keys.get(b)
        if keys_a is None or keys_b is None:
            return False
        return any(x == y for x, y in zip(keys_a, keys_b, strict=True))


def band_bytes(hashvalues: np.ndarray, bands: int, rows: int) -> list[bytes]:
    """Each band's bucket key: the bytes of its ``rows`` values, band ``k`` holding values
    ``[k r, (k + 1) r)``. The signature is turned into bytes once and sliced (a band's
    bytes are the same as its values' own ``tobytes``)."""
    values = np.ascontiguousarray(hashvalues)
    data, width = values.tobytes(), rows * values.itemsize
    return [data[k * width : (k + 1) * width] for k in range(bands)]


# (threshold, num_perm) settings whose bands are kept (chosen: a process uses a few configs).
BANDS_CACHE = 64


@lru_cache(maxsize=BANDS_CACHE)
def lsh_bands(threshold: float, num_perm: int) -> tuple[int, int]:
    """Bands ``b`` and rows ``r`` (``b·r <= num_perm``) of MinHash-LSH for ``threshold``.

    A pair of Jaccard ``s`` shares a bucket with probability ``P(s) = 1 - (1 - s^r)^b``.
    The false-positive and false-negative areas are

        FP(b, r) = ∫_0^t P(s) ds,        FN(b, r) = ∫_t^1 (1 - P(s)) ds,

    and ``(b, r)`` minimises ``FP/2 + FN/2`` over every ``b·r <= num_perm`` (first
    minimum in ``b``-then-``r`` order): the rule datasketch's ``MinHashLSH`` applies with
    its default weights, so these are the bands the local index uses (a test checks it).
    ``P`` is a polynomial of degree ``r·b <= num_perm``, so Gauss–Legendre quadrature with
    ``num_perm // 2 + 1`` nodes integrates it exactly (degree ``<= 2n - 1``).
    """
    nodes, weights = np.polynomial.legendre.leggauss(num_perm // 2 + 1)

    def integral(b: int, r: int, low: float, high: float, miss: bool) -> float:
        s = (high - low) / 2 * nodes + (high + low) / 2
        caught = 1.0 - (1.0 - s**r) ** b
        values = 1.0 - caught if miss else caught
        return float((high - low) / 2 * (weights @ values))

    best, chosen = float("inf"), (0, 0)
    for b in range(1, num_perm + 1):
        for r in range(1, num_perm // b + 1):
            error = 0.5 * integral(b, r, 0.0, threshold, False) + 0.5 * integral(
                b, r, threshold, 1.0, True
            )
            if error < best:
                best, chosen = error, (b, r)
    return chosen
