"""Stage 3, propose: the candidate pairs worth scoring, among copy-group representatives."""

from __future__ import annotations

from collections.abc import Sequence

from samestory.candidates import candidate_index, pairs_of_rows
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
    rows = [features[r] for r in reps]
    index = candidate_index(rows, config)
    workers = worker_count(config.workers, len(rows), MIN_ROWS_PER_WORKER)

    def search(start: int, stop: int) -> list[tuple[int, int]]:
        # One BLAS thread: each search is one small matrix-vector product (4-5x less CPU).
        with one_blas_thread():
            return pairs_of_rows(index, rows, start, stop)

    found = map_chunks(
        search,
        len(rows),
        workers,
        ROWS_CHUNK if workers > 1 else max(len(rows), 1),
        # Workers live until the rows run out: they read the whole index anyway.
        chunks_per_worker=None,
    )
    return [(reps[i], reps[j]) for i, j in sorted(set(found))]


def floor_only_pairs(
    features: Sequence[DocFeatures],
    groups: CopyGroups,
    pairs: Sequence[tuple[int, int]],
    config: Config = DEFAULT_CONFIG,
) -> set[tuple[int, int]]:
    """The pairs of ``pairs`` (:func:`propose_pairs` under ``config``) that only the
    short-text vector floor proposes (``config.short_text_ann_min_cosine``,
    :func:`samestory.candidates.vector_floor`): those :func:`propose_pairs` does not
    propose without it. Empty when ``config`` has no floor. Rule L's input
    (``switches.LONE_FLOOR_BAR``); it proposes every pair again, a second candidate
    search (the cost of a screen's switch, not of a shipped rule)."""
    if config.short_text_ann_min_cosine is None or config.short_text_words <= 0:
        return set()
    without = propose_pairs(features, groups, config.replace(short_text_ann_min_cosine=None))
    return set(pairs) - set(without)
