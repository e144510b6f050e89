"""Stage 4, score: a :class:`~samestory.models.Relation` for each pair, on worker processes."""

from __future__ import annotations

import itertools
import operator
from collections.abc import Sequence

from samestory.config import DEFAULT_CONFIG, Config
from samestory.features import DocFeatures
from samestory.models import Relation
from samestory.parallel import CHUNKS_PER_WORKER, frozen_heap, map_chunks, worker_count
from samestory.pipeline.featurise import Progress, no_progress
from samestory.relate import StoryModel, relate_runs, single_threaded_blas

# Pairs per chunk of scoring work, and the fewest pairs per worker process worth a fork
# (a worker costs a few ms to start and to send its relations back; a pair ~0.15 ms).
SCORE_CHUNK = 500
MIN_PAIRS_PER_WORKER = 1000
# A scoring worker retires after CHUNKS_PER_WORKER chunks (4,000 pairs) so that the pages
# it copies by reading features (reference counts are writes) stay few on a large corpus.
# Its pairs read about one candidate article each, so on a corpus of fewer articles than
# twice that a worker reads most of the features before it retires anyway: there a
# fresh fork saves no memory and costs CPU (cold caches, the page copies made again;
# real corpus, 2,312 articles, 50,747 pairs: 13.6 -> 11.7 s of CPU, one process 10.2 s).
RECYCLE_FROM_ARTICLES = 2 * CHUNKS_PER_WORKER * SCORE_CHUNK


def score_pairs(
    features: Sequence[DocFeatures],
    pairs: Sequence[tuple[int, int]],
    config: Config = DEFAULT_CONFIG,
    progress: Progress | None = None,
    model: StoryModel | None = None,
    lean: bool = False,
) -> list[Relation]:
    """``relate(features[i], features[j])`` for each pair ``(i, j)``, on ``config.workers``
    processes, under ``model`` (None: the one fitted for ``config.encoder``). With
    ``lean`` (the batch), a pair that is no relation whatever its alignment would say
    gets its lean relation (:func:`samestory.relate.weak_relation`: the same kind, score
    and thread probability, less evidence).

    The relations are the same, in the same order, however many processes score them.
    """
    report = progress or no_progress
    # Each article's pairs are scored together (relate_against: one block of sentence
    # cosines an article), so the pairs are put in order of their first article; the
    # relations go back to the callers' order at the end. The copy pairs come by copy
    # index, so an article's copies would otherwise be scored one run each (10k
    # synthetic: 8,766 runs for 8,773 copy pairs) and apart from its candidate pairs.
    order = _by_first_article(pairs)
    ordered = pairs if order is None else [pairs[k] for k in order]

    def score_chunk(start: int, stop: int) -> list[Relation]:
        # Each article's run of pairs, all the chunk's runs measured as one set of
        # columns (relate_runs: the column work once a chunk, not once an article).
        runs = [
            (features[i], [features[j] for _, j in run])
            for i, run in itertools.groupby(ordered[start:stop], key=operator.itemgetter(0))
        ]
        with single_threaded_blas():
            return relate_runs(runs, config, model, lean)

    workers = worker_count(config.workers, len(pairs), MIN_PAIRS_PER_WORKER)
    # The heap frozen (parallel.frozen_heap) while the pairs are scored in this process
    # too, not only while workers run: scoring makes ~10 objects a pair, so the collector
    # ran full collections over the whole heap (the features, the candidate pairs), ~0.7
    # of one process's ~6 s on the real corpus; frozen, ~0.1 s (it still collects what
    # scoring makes). The same relations: the collector frees only unreachable objects.
    with frozen_heap():
        relations = map_chunks(
            score_chunk,
            len(pairs),
            workers,
            SCORE_CHUNK,
            on_chunk=lambda done: report("scoring", done, len(pairs)),
            chunks_per_worker=CHUNKS_PER_WORKER if len(features) >= RECYCLE_FROM_ARTICLES else None,
            # Each worker scores a run of neighbouring articles: an article's candidates
            # are mostly its neighbours in the input, so the per-text caches (name roles,
            # quote words, float32 vectors) of one worker hold what the other would
            # compute again.
            contiguous=True,
        )
    if order is None:
        return relations
    out: list[Relation | None] = [None] * len(pairs)
    for k, relation in zip(order, relations, strict=True):
        out[k] = relation
    return out  # type: ignore[return-value]  # every slot filled


def _by_first_article(pairs: Sequence[tuple[int, int]]) -> list[int] | None:
    """The positions of ``pairs`` sorted by first article (stable: each article's pairs
    keep their order), or None when every article's pairs are together already."""
    firsts = [i for i, _ in pairs]
    seen: set[int] = set()
    for k, i in enumerate(firsts):
        if i in seen and firsts[k - 1] != i:
            return sorted(range(len(pairs)), key=firsts.__getitem__)
        seen.add(i)
    return None
