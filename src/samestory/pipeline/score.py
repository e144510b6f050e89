"""Stage 4, score: a :class:`~samestory.models.Relation` for each pair, on worker processes."""

from __future__ import annotations

import itertools
import operator
from collections.abc import Sequence

from samestory.config import DEFAULT_CONFIG, Config
from samestory.features import DocFeatures
from samestory.models import Relation
from samestory.parallel import CHUNKS_PER_WORKER, map_chunks, worker_count
from samestory.pipeline.featurise import Progress, no_progress
from samestory.relate import STORY_MODEL, StoryModel, relate_against, single_threaded_blas

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
    model: StoryModel = STORY_MODEL,
) -> list[Relation]:
    """``relate(features[i], features[j])`` for each pair ``(i, j)``, on ``config.workers``
    processes.

    The relations are the same, in the same order, however many processes score them.
    """
    report = progress or no_progress

    def score_chunk(start: int, stop: int) -> list[Relation]:
        # Candidate pairs come grouped by their first article (propose_pairs lists each
        # article's neighbours together): each run of one article is scored at once.
        out: list[Relation] = []
        with single_threaded_blas():
            for i, run in itertools.groupby(pairs[start:stop], key=operator.itemgetter(0)):
                others = [features[j] for _, j in run]
                out.extend(relate_against(features[i], others, config, model))
        return out

    workers = worker_count(config.workers, len(pairs), MIN_PAIRS_PER_WORKER)
    return map_chunks(
        score_chunk,
        len(pairs),
        workers,
        SCORE_CHUNK,
        on_chunk=lambda done: report("scoring", done, len(pairs)),
        chunks_per_worker=CHUNKS_PER_WORKER if len(features) >= RECYCLE_FROM_ARTICLES else None,
    )
