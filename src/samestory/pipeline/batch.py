"""The batch driver: every stage in order over one list of articles."""

from __future__ import annotations

import contextlib
import dataclasses
import gc
import logging
import threading
import time
from collections.abc import Iterator, Sequence, Set
from typing import Any

from samestory import exclusive, switches
from samestory.config import DEFAULT_CONFIG, Config
from samestory.embed import SentenceEncoder, encoder_for
from samestory.features import DocFeatures
from samestory.models import Article, Relation, SkippedRecord, Story
from samestory.normalize import is_blank
from samestory.parallel import frozen_heap, worker_count
from samestory.pipeline.assemble import (
    assign_threads,
    build_stories,
    find_threads,
    mark_roundups,
)
from samestory.pipeline.copies import CopyGroups, collapse_copies
from samestory.pipeline.featurise import Progress, featurize_all, uncached
from samestory.pipeline.group import LoneInput, StayInput, group_with_roundups
from samestory.pipeline.propose import propose_flagged_pairs, propose_pairs
from samestory.pipeline.score import score_pairs
from samestory.relate.date_gate import is_short_text
from samestory.relate.scoring import uncut_score

log = logging.getLogger("samestory")

# Scored pairs below which grouping stays on one process: the roundup candidates cost
# ~8 us a pair (real corpus: 0.33 s for 41k), a fork and its result a few ms.
MIN_PAIRS_TO_FORK_GROUPING = 5_000

# Allocations (less deallocations) between two collections of the youngest generation
# during a run, instead of Python's 700: the stages make and drop millions of small
# objects, nearly all freed by their reference counts, and each collection walked the
# young ones (real corpus: 2,660 collections, 0.63-0.75 s of CPU over the parent and its
# workers; at 50,000, 17 and 0.16-0.19 s; at 200,000 none; the 100k corpus's peak PSS
# 3,221 -> 3,194 / 3,065 MB; docs/history/benchmarks.md, 2026-12-05, speed). Chosen, not
# fitted: some MB of young objects between collections. No result depends on it.
YOUNG_COLLECTION_EVERY = 200_000
# Open fewer_collections() blocks (threads may run analyses at once), under its lock.
_collections_lock = threading.Lock()
_fewer_blocks = 0
_saved_threshold: tuple[int, int, int] | None = None


@contextlib.contextmanager
def fewer_collections() -> Iterator[None]:
    """Within the block, the youngest generation is collected every
    ``YOUNG_COLLECTION_EVERY`` allocations (or the process's own threshold, if higher);
    the older generations' thresholds stay. Forked workers inherit it. The process's
    thresholds come back when the last open block ends."""
    global _fewer_blocks, _saved_threshold
    with _collections_lock:
        if _fewer_blocks == 0:
            _saved_threshold = gc.get_threshold()
            young, *older = _saved_threshold
            if young:  # 0: automatic collection is off, leave it so
                gc.set_threshold(max(young, YOUNG_COLLECTION_EVERY), *older)
        _fewer_blocks += 1
    try:
        yield
    finally:
        with _collections_lock:
            _fewer_blocks -= 1
            if _fewer_blocks == 0 and _saved_threshold is not None:
                gc.set_threshold(*_saved_threshold)
                _saved_threshold = None


@dataclasses.dataclass
class Analysis:
    """Everything a clustering run computed: features, scored pairs and stories."""

    features: list[DocFeatures]
    relations: list[Relation]
    stories: list[Story]
    # Each copy's id -> the id of the representative it was collapsed onto.
    copy_of: dict[str, str] = dataclasses.field(default_factory=dict)
    # Articles left out (no visible text), as the readers report unreadable input.
    skipped: list[SkippedRecord] = dataclasses.field(default_factory=list)
    # The candidate pairs only the short-text vector floor proposed, (earlier, later) ids:
    # with rule L on or when asked (analyze(floor_flags=True), the store's bulk load).
    floor_only: list[tuple[str, str]] = dataclasses.field(default_factory=list)


def usable_articles(articles: Sequence[Article]) -> tuple[list[Article], list[SkippedRecord]]:
    """The articles with visible text, and a :class:`SkippedRecord` for each other one.

    An empty, whitespace-only or zero-width-only text is skipped (logged as
    ``skipped SOURCE: empty text`` on the ``samestory`` logger), as the readers skip it:
    it cannot be a version of any story.
    """
    usable: list[Article] = []
    skipped: list[SkippedRecord] = []
    for article in articles:
        if is_blank(article.text):
            record = SkippedRecord(article.origin or article.id, "empty text")
            log.warning("skipped %s: %s", record.source, record.error)
            skipped.append(record)
        else:
            usable.append(article)
    return usable, skipped


def analyze(
    articles: Sequence[Article],
    config: Config = DEFAULT_CONFIG,
    encoder: SentenceEncoder | None = None,
    progress: Progress | None = None,
    timings: dict[str, float] | None = None,
    floor_flags: bool = False,
) -> Analysis:
    """Run the pipeline: features → copies → candidates → relations → stories → provenance.

    Copies are grouped first; candidates, scoring and clustering then run on one
    representative per copy group, and each copy joins its representative's story.
    ``relations`` holds one copy relation per copy (representative, copy), then the
    candidate pairs. Articles without visible text are left out and listed in
    ``skipped`` (see :func:`usable_articles`). ``timings``, when given, receives the
    seconds spent in each stage. ``floor_flags``: fill ``floor_only`` (rule L's flag,
    kept by the store whatever the switch) even with ``switches.LONE_FLOOR_BAR`` off.
    """
    clock = _StageClock(timings)
    articles, skipped = usable_articles(articles)
    # Without the process-wide sentence cache: the features (bits included) depend on
    # the input only, not on what this process encoded before (and Spark gets the same).
    encoder = uncached(encoder or encoder_for(config.encoder))
    with fewer_collections():
        features = featurize_all(articles, config, encoder, progress)
        clock.lap("features")
        return analyze_features(features, config, progress, clock, skipped, floor_flags)


def analyze_features(
    features: list[DocFeatures],
    config: Config = DEFAULT_CONFIG,
    progress: Progress | None = None,
    clock: _StageClock | None = None,
    skipped: list[SkippedRecord] | None = None,
    floor_flags: bool = False,
) -> Analysis:
    """:func:`analyze` from the features on: copies → candidates → relations → stories."""
    with fewer_collections():
        return _analyze_features(
            features, config, progress, clock or _StageClock(None), skipped, floor_flags
        )


def _analyze_features(
    features: list[DocFeatures],
    config: Config,
    progress: Progress | None,
    clock: _StageClock,
    skipped: list[SkippedRecord] | None,
    floor_flags: bool = False,
) -> Analysis:
    # The features (and then the relations) out of the collector's sight while each
    # stage makes and drops its own objects (parallel.frozen_heap, as the scoring does):
    # a full collection walked them all several times a run (real corpus: the parent's
    # GC 0.65 -> 0.36 s of CPU; docs/history/benchmarks.md, 2026-12-05, speed).
    with frozen_heap():
        copies = collapse_copies(features, config)
        # Rule L, only when on: the pairs only the short-text floor proposed, flagged
        # by the one candidate search.
        floor_only = None
        if switches.LONE_FLOOR_BAR or floor_flags:
            pairs, floor_only = propose_flagged_pairs(features, copies, config)
        else:
            pairs = propose_pairs(features, copies, config)
    clock.lap("candidates")
    # Lean: a pair that is no relation keeps its scores, not the evidence nothing reads.
    relations = score_pairs(features, copies.copies + pairs, config, progress, lean=True)
    clock.lap("scoring")
    with frozen_heap():
        analysis = assemble_analysis(
            features,
            copies,
            pairs,
            relations,
            config,
            clock,
            skipped,
            floor_only if switches.LONE_FLOOR_BAR else None,
        )
    if floor_only:
        analysis.floor_only = sorted((features[i].id, features[j].id) for i, j in floor_only)
    return analysis


def grouping_views(
    features: Sequence[DocFeatures],
    pairs: Sequence[tuple[int, int]],
    pair_relations: Sequence[Relation],
) -> exclusive.InContext:
    """The name views the batch's grouping reads (``group_with_roundups``' first argument):
    the texts' names, and which scored pairs are copies (:func:`samestory.exclusive.
    copy_relation`), whose texts the exclusive-names step counts as one version. Tools
    that group as production does pass these too: plain name views say "no copies", and
    the step then reads every copy as an independent witness."""
    copied = [p for p, r in zip(pairs, pair_relations, strict=True) if exclusive.copy_relation(r)]
    return exclusive.InContext(features, copies=copied)


def assemble_analysis(
    features: list[DocFeatures],
    copies: CopyGroups,
    pairs: list[tuple[int, int]],
    relations: list[Relation],
    config: Config = DEFAULT_CONFIG,
    clock: _StageClock | None = None,
    skipped: list[SkippedRecord] | None = None,
    floor_only: Set[tuple[int, int]] | None = None,
) -> Analysis:
    """Stories and threads from scored pairs: ``relations`` holds the copy relations
    (``copies.copies``, in order) and then one relation per candidate pair of ``pairs``.

    ``floor_only`` (rule L, ``switches.LONE_FLOOR_BAR``): the pairs of ``pairs`` only the
    short-text vector floor proposed (:func:`~samestory.pipeline.propose.propose_flagged_pairs`);
    the attach step reads a lone short text's linkage without those under the story bar
    (:func:`lone_floor_bar`)."""
    clock = clock or _StageClock(None)
    pair_relations = relations[len(copies.copies) :]
    scored = [(i, j, r.score) for (i, j), r in zip(pairs, pair_relations, strict=True)]
    # The roundup candidates on a second process beside the plain grouping, where the
    # pairs repay a fork (the features are in memory: nothing a fork does not carry).
    fork = worker_count(config.workers, len(scored), MIN_PAIRS_TO_FORK_GROUPING) > 1
    # Rule AS, only when on: the attach step reads the uncut scores too.
    rule_as: dict[str, Any] = {}
    if switches.PUBLISHED_YEAR_CUT:
        uncut = [(i, j, uncut_score(r)) for (i, j), r in zip(pairs, pair_relations, strict=True)]
        rule_as["stay"] = StayInput(uncut, [is_short_text(f) for f in features])
    if floor_only is not None:  # rule L, only when given (so passed only then, as rule AS)
        short = [is_short_text(f) for f in features]
        rule_as["lone"] = LoneInput(floor_only, lone_floor_bar(config), short)
    groups, roundups = group_with_roundups(
        grouping_views(features, pairs, pair_relations),
        scored,
        copies.copy_of(),
        config,
        fork=fork,
        **rule_as,
    )
    clock.lap("grouping")
    stories = build_stories(features, relations, groups)
    stories = mark_roundups(stories, roundups, features, groups)
    left_out = {r.index for r in roundups if r.cut}  # nor chain threads
    threads = find_threads(
        features,
        copies.reps,
        [p for p in pairs if not left_out & set(p)],
        [r for p, r in zip(pairs, pair_relations, strict=True) if not left_out & set(p)],
        groups,
    )
    stories = assign_threads(stories, threads, relations, {f.id: f.date for f in features})
    clock.lap("stories")
    return Analysis(
        features=features,
        relations=relations,
        stories=stories,
        copy_of=copies.copy_ids(features),
        skipped=skipped or [],
    )


def lone_floor_bar(config: Config) -> float:
    """Rule L's bar: the score a pair only the short-text floor proposed needs to count in
    a lone short text's attach linkage, the story bar (``same_story_threshold``)."""
    return config.same_story_threshold


class _StageClock:
    """Records the seconds between laps into ``timings`` (a no-op without one)."""

    def __init__(self, timings: dict[str, float] | None) -> None:
        self.timings = timings
        self.last = time.perf_counter()

    def lap(self, stage: str) -> None:
        now = time.perf_counter()
        if self.timings is not None:
            self.timings[stage] = now - self.last
        self.last = now
