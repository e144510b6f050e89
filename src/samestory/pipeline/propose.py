"""Stage 3, propose: the candidate pairs worth scoring, among copy-group representatives."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

from samestory.candidates import (
    CandidateIndex,
    candidate_index,
    flagged_pairs_of_rows,
    pairs_of_rows,
)
from samestory.config import DEFAULT_CONFIG, Config
from samestory.encoders import one_blas_thread
from samestory.features import DocFeatures
from samestory.parallel import map_chunks, worker_count
from samestory.pipeline.copies import CopyGroups

# Representatives per worker below which searching on worker processes does not pay: a
# row's search takes ~1 ms (real corpus), a fork and its results a few tens of ms.
MIN_ROWS_PER_WORKER = 500
# Rows per chunk of search work: small enough that the last chunk leaves a core idle for
# a fraction of a second at most (~0.1 s), large enough that its BLAS limit and its
# result message cost nothing beside it.
ROWS_CHUNK = 128

T = TypeVar("T")


def propose_pairs(
    features: Sequence[DocFeatures], groups: CopyGroups, config: Config = DEFAULT_CONFIG
) -> list[tuple[int, int]]:
    """Candidate pairs ``(i, j)`` of article indices, ``i < j``, both representatives.

    The indexes (exact hash, MinHash-LSH, vector neighbours; see
    :mod:`samestory.candidates`) are built over the representatives only, so reposts
    neither cost scoring nor crowd other reports out of an article's neighbours.
    Sorted by representative rank, which is article order.

    The index is built here; each representative's search (independent of the others')
    then runs on ``config.workers`` forked processes, which inherit the index: the same
    pairs as :func:`samestory.candidates.candidate_pairs` in one process, since the
    pairs of every row are joined and sorted.
    """
    reps = groups.reps
    found = _search(features, groups, config, pairs_of_rows)
    return [(reps[i], reps[j]) for i, j in sorted(set(found))]


def propose_flagged_pairs(
    features: Sequence[DocFeatures], groups: CopyGroups, config: Config = DEFAULT_CONFIG
) -> tuple[list[tuple[int, int]], set[tuple[int, int]]]:
    """:func:`propose_pairs`, and those of its pairs only the short-text vector floor
    proposed (``config.short_text_ann_min_cosine``, :func:`samestory.candidates.
    vector_floor`): from neither end by another route nor by the vector list's part at
    ``ann_min_cosine`` or over, so the pairs a search without the floor would not
    propose, from the same one search (:func:`samestory.candidates.
    flagged_pairs_of_rows`). Rule L's input (``switches.LONE_FLOOR_BAR``)."""
    reps = groups.reps
    found = _search(features, groups, config, flagged_pairs_of_rows)
    firm = {(i, j) for i, j, floor in found if not floor}
    pairs = sorted({(i, j) for i, j, _ in found})
    floor_only = {(reps[i], reps[j]) for i, j in pairs if (i, j) not in firm}
    return [(reps[i], reps[j]) for i, j in pairs], floor_only


def _search(
    features: Sequence[DocFeatures],
    groups: CopyGroups,
    config: Config,
    rows_search: Callable[[CandidateIndex, list[DocFeatures], int, int], list[T]],
) -> list[T]:
    """``rows_search(index, rows, start, stop)`` over every representative's row, the
    index built here and the rows searched on ``config.workers`` forked processes."""
    rows = [features[r] for r in groups.reps]
    index = candidate_index(rows, config)
    workers = worker_count(config.workers, len(rows), MIN_ROWS_PER_WORKER)

    def search(start: int, stop: int) -> list[T]:
        # One BLAS thread: each search is one small matrix-vector product (4-5x less CPU).
        with one_blas_thread():
            return rows_search(index, rows, start, stop)

    return map_chunks(
        search,
        len(rows),
        workers,
        ROWS_CHUNK if workers > 1 else max(len(rows), 1),
        # Workers live until the rows run out: they read the whole index anyway.
        chunks_per_worker=None,
    )
