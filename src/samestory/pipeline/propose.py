"""Stage 3, propose: the candidate pairs worth scoring, among copy-group representatives."""

from __future__ import annotations

from collections.abc import Sequence

from samestory.candidates import candidate_pairs
from samestory.config import DEFAULT_CONFIG, Config
from samestory.encoders import one_blas_thread
from samestory.features import DocFeatures
from samestory.pipeline.copies import CopyGroups


def propose_pairs(
    features: Sequence[DocFeatures], groups: CopyGroups, config: Config = DEFAULT_CONFIG
) -> list[tuple[int, int]]:
    """Candidate pairs ``(i, j)`` of article indices, ``i < j``, both representatives.

    The indexes (exact hash, MinHash-LSH, vector neighbours; see
    :mod:`samestory.candidates`) are built over the representatives only, so reposts
    neither cost scoring nor crowd other reports out of an article's neighbours.
    Sorted by representative rank, which is article order.
    """
    reps = groups.reps
    # One BLAS thread: each search is one small matrix-vector product (4-5x less CPU).
    with one_blas_thread():
        found = candidate_pairs([features[r] for r in reps], config)
    return [(reps[i], reps[j]) for i, j in found]
