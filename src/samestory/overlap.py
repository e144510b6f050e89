"""The copy test: exact and near-duplicate copies, from hashes and MinHash alone.

Two texts are copies when their normalised texts hash the same (``exact``) or their
5-word shingle sets overlap enough (``near_duplicate``). MinHash estimates the Jaccard
``J`` of the shingle sets; the containment of the smaller set follows from
``|A∩B| = J (|A|+|B|) / (1+J)``. No sentence vector or alignment is read, so the test is
cheap enough to run on every MinHash-LSH candidate before any other stage (the copy
collapse of :mod:`samestory.pipeline.copies`, the store's copy sketches).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from samestory.config import DEFAULT_CONFIG, Config
from samestory.features import DocFeatures
from samestory.models import RelationKind

# A near-duplicate by containment (the shorter text inside the longer) still needs this
# much Jaccard: a short text quoted whole inside a long article is not a copy of it.
CONTAINMENT_MIN_JACCARD = 0.3


def shingle_overlap(a: DocFeatures, b: DocFeatures) -> tuple[float, float]:
    """(Jaccard, containment of the smaller shingle set) estimated from MinHash."""
    if not a.n_shingles or not b.n_shingles:
        return 0.0, 0.0
    return overlap_from_jaccard(float(a.minhash.jaccard(b.minhash)), a.n_shingles, b.n_shingles)


def shingle_overlaps(a: DocFeatures, others: Sequence[DocFeatures]) -> list[tuple[float, float]]:
    """``[shingle_overlap(a, b) for b in others]``, bit for bit: ``a``'s signature
    compared with all the others' at once (one NumPy comparison an article instead of
    one a pair). Signatures of another scheme, seed or length take the one-pair path,
    which raises as :meth:`~samestory.minhash.Signature.jaccard` does."""
    out = [(0.0, 0.0)] * len(others)
    if not a.n_shingles:
        return out
    mine = a.minhash
    kept = [k for k, b in enumerate(others) if b.n_shingles]
    signatures = [others[k].minhash for k in kept]
    if not kept or any(
        s.scheme != mine.scheme or s.seed != mine.seed or len(s) != len(mine) for s in signatures
    ):
        return [shingle_overlap(a, b) for b in others]
    stacked = np.stack([s.hashvalues for s in signatures])
    agree = np.count_nonzero(stacked == mine.hashvalues, axis=1).tolist()
    n = len(mine)
    for k, count in zip(kept, agree, strict=True):
        # Signature.jaccard's value: float(count) / len, the same division.
        out[k] = overlap_from_jaccard(float(count) / n, a.n_shingles, others[k].n_shingles)
    return out


def overlap_from_jaccard(jaccard: float, n_a: int, n_b: int) -> tuple[float, float]:
    """(Jaccard, containment of the smaller set) of sets of ``n_a`` and ``n_b`` items.

    ``|A ∩ B| = J·(|A| + |B|) / (1 + J)``, since ``J = |A ∩ B| / (|A| + |B| - |A ∩ B|)``.
    """
    intersection = jaccard * (n_a + n_b) / (1.0 + jaccard)
    return jaccard, min(1.0, intersection / min(n_a, n_b))


def copy_kind(
    a: DocFeatures, b: DocFeatures, jaccard: float, containment: float, config: Config
) -> RelationKind | None:
    """``exact`` / ``near_duplicate`` from hashes and shingle overlap alone (no alignment)."""
    if a.fingerprint == b.fingerprint and a.n_words:
        return RelationKind.EXACT
    return RelationKind.NEAR_DUPLICATE if is_near_duplicate(jaccard, containment, config) else None


def is_near_duplicate(jaccard: float, containment: float, config: Config = DEFAULT_CONFIG) -> bool:
    """Shingle overlap high enough for a near-duplicate (see :func:`copy_kind`)."""
    return jaccard >= config.near_duplicate_jaccard or (
        containment >= config.near_duplicate_containment and jaccard >= CONTAINMENT_MIN_JACCARD
    )


def is_copy(a: DocFeatures, b: DocFeatures, config: Config = DEFAULT_CONFIG) -> bool:
    """The cheap copy test used to collapse reposts before candidate search."""
    return copy_kind(a, b, *shingle_overlap(a, b), config) is not None
