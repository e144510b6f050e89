"""The Python API: the whole pipeline in a few calls. The CLI is a thin layer over this.

The batch driver over the stages of :mod:`samestory.pipeline` (re-exported here:
``analyze``, ``featurize_all``, ``score_pairs``, ``build_stories``, ...).

>>> from samestory import cluster, compare, read_paths
>>> stories = cluster(read_paths(["articles/"]).articles)
"""

from __future__ import annotations

from collections.abc import Sequence

from samestory.config import DEFAULT_CONFIG, Config
from samestory.embed import SentenceEncoder
from samestory.models import Article, Relation, Story
from samestory.pipeline.assemble import (
    assign_threads,
    build_stories,
    make_story,
    story_id,
    story_title,
)
from samestory.pipeline.batch import Analysis, analyze
from samestory.pipeline.compare import compare, compare_features, compare_pairs
from samestory.pipeline.featurise import (
    FEATURE_BATCH,
    MIN_ARTICLES_PER_WORKER,
    Progress,
    featurize_all,
)
from samestory.pipeline.score import MIN_PAIRS_PER_WORKER, SCORE_CHUNK, score_pairs
from samestory.relate import relate, single_threaded_blas

__all__ = [
    "FEATURE_BATCH",
    "MIN_ARTICLES_PER_WORKER",
    "MIN_PAIRS_PER_WORKER",
    "SCORE_CHUNK",
    "Analysis",
    "Progress",
    "analyze",
    "assign_threads",
    "build_stories",
    "cluster",
    "cluster_ids",
    "compare",
    "compare_features",
    "compare_pairs",
    "featurize_all",
    "make_story",
    "relation_kinds",
    "score_pairs",
    "story_id",
    "story_similarity",
    "story_title",
    "thread_groups_of",
]


def cluster(
    articles: Sequence[Article],
    config: Config = DEFAULT_CONFIG,
    encoder: SentenceEncoder | None = None,
    progress: Progress | None = None,
) -> list[Story]:
    """Group articles into stories (largest first), with relations and provenance."""
    return analyze(articles, config, encoder, progress).stories


# Helpers with plain-data results, for evaluation scripts and benchmarks.


def thread_groups_of(stories: Sequence[Story]) -> list[list[str]]:
    """Article ids per thread (stories without a thread each stand alone)."""
    out: dict[str, list[str]] = {}
    for story in stories:
        out.setdefault(story.thread or story.id, []).extend(story.articles)
    return list(out.values())


def cluster_ids(articles: Sequence[Article], config: Config = DEFAULT_CONFIG) -> list[list[str]]:
    """Stories as lists of article ids."""
    return [list(s.articles) for s in cluster(articles, config)]


def _pair_relations(pairs: Sequence[tuple[Article, Article]], config: Config) -> list[Relation]:
    config = config.for_pairs()
    flat = [article for pair in pairs for article in pair]
    features = featurize_all(flat, config)
    with single_threaded_blas():
        return [relate(features[2 * k], features[2 * k + 1], config) for k in range(len(pairs))]


def story_similarity(
    pairs: Sequence[tuple[Article, Article]], config: Config = DEFAULT_CONFIG
) -> list[float]:
    """Graded story similarity in [0, 1] of each pair (1 = surely the same story).

    A flatter version of the decision score (``evidence.scores["similarity"]``), for
    ranking pairs and comparing with human similarity scales.
    """
    return [r.evidence.scores["similarity"] for r in _pair_relations(pairs, config)]


def relation_kinds(
    pairs: Sequence[tuple[Article, Article]], config: Config = DEFAULT_CONFIG
) -> list[str | None]:
    """Relation kind of each pair (None when not the same story)."""
    return [r.kind.value if r.kind else None for r in _pair_relations(pairs, config)]
