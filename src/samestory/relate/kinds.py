"""A scored pair's kind and its relation.

The kind, first match wins (:func:`_kind`): a copy by shingles (``exact``,
``near_duplicate``); most sentences copied with small edits (``near_duplicate``); the
shorter text's sentences aligned with half the story bar (``rewrite``; the whole bar
across two publication dates far apart); a story score over the bar (``same_event``);
else none. A pair of no kind, or a rewrite under the story bar or published far apart,
whose thread probability passes ``THREAD_THRESHOLD`` is a ``follow_up``
(:func:`_is_follow_up`). Copies score 1, a
close-in-time rewrite at least the bar. A pair decided by the copy test alone gets
:func:`copy_relation`; one that :func:`is_weak` (no alignment could change it, under
both bars) gets :func:`weak_relation`, without the evidence no later step reads.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from samestory.config import DEFAULT_CONFIG, Config
from samestory.features import DocFeatures
from samestory.models import Evidence, Relation, RelationKind
from samestory.overlap import copy_kind
from samestory.pairsims import SimSummary
from samestory.relate.cues import CONFLICT_SCORE_KEYS, CUE_SCORE_KEYS, _close_share
from samestory.relate.date_gate import _far_apart, _gap, date_notes, date_readings
from samestory.relate.evidence import (
    _NO_ALIGNMENT,
    AlignmentResult,
    _evidence,
    _shorter_coverage,
    align_pair,
)
from samestory.relate.measures import PairScore
from samestory.threads import (
    THREAD_THRESHOLD,
)

# A pair is aligned (the costly step) only when alignment could change its kind: close
# sentence matches for 80% of a rewrite's coverage (alignment keeps at most the close
# ones), any real shingle overlap, or a same-story score. Cost bound, not a decision.
ALIGN_IF_CLOSE_SHARE = 0.8


ALIGN_IF_JACCARD = 0.1


# A copy is the same story, so the same incident: its thread probability, by definition
# (the thread model is not asked; see copy_relation).
COPY_THREAD = 1.0


def copy_relation(
    a: DocFeatures,
    b: DocFeatures,
    kind: RelationKind,
    overlap: tuple[float, float],
    sim: np.ndarray,
    config: Config = DEFAULT_CONFIG,
) -> Relation:
    """The relation of a pair the copy test decided (``kind``: ``exact`` or
    ``near_duplicate`` from :func:`samestory.overlap.copy_kind`, with the pair's shingle
    ``overlap`` = (Jaccard, containment)): story score and similarity 1, whatever the
    models would say, so no cue, event, rewrite or thread model is computed.

    Its evidence keeps what the front ends and provenance read: the sentence alignment
    of ``sim`` (its coverages orient the derivation, :func:`samestory.provenance.orient`;
    its sentences are shown), the shingle overlap, the copied share, the date gap and
    dates, the shared quotes, names and numbers; and ``thread`` = :data:`COPY_THREAD`.
    It has no ``event_probability``, ``rewrite_evidence`` or ``cue_*`` scores
    (:func:`is_copy_relation`)."""
    alignment, copied = align_pair(a, b, sim, config)
    readings = date_readings(a, b)
    jaccard, containment = overlap
    scores = {
        "story": 1.0,
        "similarity": 1.0,
        "thread": COPY_THREAD,
        "aligned_coverage": _shorter_coverage(alignment, len(a.sentences), len(b.sentences)),
        "coverage_a": alignment.coverage_a,
        "coverage_b": alignment.coverage_b,
        "alignment_order": alignment.order,
        "shingle_jaccard": jaccard,
        "shingle_containment": containment,
        "copied_sentences": copied,
    }
    evidence = _evidence(a, b, alignment, _gap(*readings), scores, date_notes(*readings))
    return Relation(a=a.id, b=b.id, kind=kind, score=1.0, evidence=evidence)


def is_copy_relation(relation: Relation) -> bool:
    """Whether ``relation`` is a :func:`copy_relation` (decided by the copy test, so its
    evidence has no cues). A ``near_duplicate`` found by alignment (most sentences
    copied with small edits, :func:`relation_of`) has them: it is not one."""
    return (
        relation.kind in (RelationKind.EXACT, RelationKind.NEAR_DUPLICATE)
        and CUE_SCORE_KEYS[0] not in relation.evidence.scores
    )


def relation_of(
    a: DocFeatures,
    b: DocFeatures,
    ps: PairScore,
    config: Config = DEFAULT_CONFIG,
    align: Callable[[], AlignmentResult] | None = None,
) -> Relation:
    """The relation of a scored pair: its kind, final score (copies 1, the rewrite floor)
    and evidence. ``align`` supplies the pair's :func:`align_pair` result when a caller
    has it already (the fit script scores each pair under many models)."""
    score, similarity = ps.score, ps.similarity
    summary = ps.sim if ps.summary is None else ps.summary
    if needs_alignment(score, ps.jaccard, summary, config):
        alignment, copied = align() if align is not None else align_pair(a, b, ps.sim, config)
    else:
        alignment, copied = _NO_ALIGNMENT, 0.0
    coverage = _shorter_coverage(alignment, len(a.sentences), len(b.sentences))
    published_far_apart = _far_apart(ps.date_gap) and not ps.text_dated
    kind = _kind(
        a, b, ps.jaccard, ps.containment, coverage, copied, score, config, published_far_apart
    )
    if _is_follow_up(kind, score, ps, config):
        kind = RelationKind.FOLLOW_UP
    if kind in (RelationKind.EXACT, RelationKind.NEAR_DUPLICATE):
        score = similarity = 1.0
    elif kind is RelationKind.REWRITE and not _far_apart(ps.date_gap):
        # Derived from the same text and written close in time: the same story. (A rewrite
        # published months apart is one only at the story bar, see _kind; one dated months
        # apart by its text is reported as such: its score is the event evidence's.)
        score = max(score, config.same_story_threshold)
    scores = {
        "story": score,
        "similarity": similarity,
        "event_probability": ps.event_probability,
        "thread": ps.thread,
        "rewrite_evidence": ps.rewrite_evidence,
        "aligned_coverage": coverage,
        "coverage_a": alignment.coverage_a,
        "coverage_b": alignment.coverage_b,
        "alignment_order": alignment.order,
        "shingle_jaccard": ps.jaccard,
        "shingle_containment": ps.containment,
        "copied_sentences": copied,
        **dict(zip(CUE_SCORE_KEYS, ps.cues.vector(), strict=True)),
        **dict(zip(CONFLICT_SCORE_KEYS, ps.cues.conflicts(), strict=True)),
    }
    evidence = _evidence(a, b, alignment, ps.date_gap, scores, ps.dates, shared=ps.shared)
    return Relation(a=a.id, b=b.id, kind=kind, score=score, evidence=evidence)


def needs_alignment(
    score: float, jaccard: float, sim: np.ndarray | SimSummary, config: Config
) -> bool:
    """Whether :func:`relation_of` aligns a pair of story ``score``, shingle ``jaccard``
    and sentence cosines ``sim``. Alignment is the costly step; it can only matter when a
    rewrite is possible (some sentences match closely), the texts overlap, or the pair is
    the same story."""
    return (
        _close_share(sim, config.align_min_similarity)
        >= config.rewrite_min_coverage * ALIGN_IF_CLOSE_SHARE
        or jaccard > ALIGN_IF_JACCARD
        or score >= config.same_story_threshold
    )


def is_weak(
    score: float, thread: float, jaccard: float, sim: np.ndarray | SimSummary, config: Config
) -> bool:
    """Whether a scored pair that is not a copy (:func:`samestory.overlap.copy_kind`) of
    story ``score`` and thread probability ``thread`` is no relation, whatever else
    :func:`relation_of` reads: it is not aligned (:func:`needs_alignment`), so it copies
    no sentence and covers none (``near_duplicate_sentences`` and ``rewrite_min_coverage``
    are above 0), its score is below ``same_story_threshold`` (part of the alignment
    test) and its thread probability below the follow-up bar. Then ``relation_of``'s
    kind is None and its score ``score``: :func:`weak_relation` gives both without the
    rest of the evidence."""
    return (
        thread < THREAD_THRESHOLD
        and config.near_duplicate_sentences > 0
        and config.rewrite_min_coverage > 0
        and not needs_alignment(score, jaccard, sim, config)
    )


def weak_relation(a: DocFeatures, b: DocFeatures, ps: PairScore) -> Relation:
    """The relation of a pair that :func:`is_weak`: :func:`relation_of`'s kind (None),
    score, thread probability, event probability, rewrite evidence, shingle overlap, cues
    and dates, bit for bit; not the graded similarity, the (empty) alignment scores or the
    shared quotes, names and numbers, which no grouping, thread or store step reads of a
    pair that is no relation (the store keeps its score and thread score; the threads
    re-score an undated pair from its cues, rewrite evidence and gap)."""
    # One zip over the keys in the order a dict display would give them (the order
    # shows in the relation's repr and JSON).
    values = (
        ps.score,
        ps.event_probability,
        ps.thread,
        ps.rewrite_evidence,
        ps.jaccard,
        ps.containment,
        *ps.cues.vector(),
        *ps.cues.conflicts(),
    )
    scores = dict(zip(WEAK_SCORE_KEYS, values, strict=True))
    evidence = Evidence(date_gap_days=ps.date_gap, scores=scores, dates=ps.dates)
    return Relation(a=a.id, b=b.id, kind=None, score=ps.score, evidence=evidence)


# The keys of a weak relation's scores, in order (weak_relation).
WEAK_SCORE_KEYS = (
    "story",
    "event_probability",
    "thread",
    "rewrite_evidence",
    "shingle_jaccard",
    "shingle_containment",
    *CUE_SCORE_KEYS,
    *CONFLICT_SCORE_KEYS,
)


def _is_follow_up(kind: RelationKind | None, score: float, ps: PairScore, config: Config) -> bool:
    """Not the same story, but the same incident: no relation, or a rewrite too weak (or
    published too long after) to be the same story, whose thread probability is high.

    "Published too long after" reads publication dates only, as ``_kind``'s gate does: a
    rewrite dated over ``DATE_GAP_DAYS`` apart by a date read from a text (whose gate
    only softens the score, ``PairScore.text_dated``) that still reaches the story bar
    stays a rewrite. On the dev sets all four such pairs were one gold story's versions:
    two ECB+ reports of one event, and MEANTIME translations whose Spanish text names the
    wrong year (docs/history/accuracy.md, 2026-12-06, kinds: text dates)."""
    if ps.thread < THREAD_THRESHOLD:
        return False
    if kind is None:
        return True
    return kind is RelationKind.REWRITE and (
        score < config.same_story_threshold or (_far_apart(ps.date_gap) and not ps.text_dated)
    )


def _kind(
    a: DocFeatures,
    b: DocFeatures,
    jaccard: float,
    containment: float,
    coverage: float,
    copied: float,
    score: float,
    config: Config,
    published_far_apart: bool = False,
) -> RelationKind | None:
    """The pair's kind: a copy (shingles, whatever the dates), most sentences copied
    (``near_duplicate``), the shorter text's sentences aligned (``rewrite``), the same
    event, or None.

    Across the published dates' gate (``published_far_apart``: two publication dates
    more than ``DATE_GAP_DAYS`` apart, which cap the score under the story bar) the
    sentence alignment alone makes no ``near_duplicate`` (whose score would be set to 1
    over the cap), and a ``rewrite`` needs the story bar, not half of it: on two
    one-sentence texts the alignment is one sentence sharing half its words or close in
    meaning ("Cleveland police seeking information about east side drive-by shooting" /
    "Las Vegas police seek information in drive-by shooting", 657 days apart), and
    across the gate that was two incidents on 83 of GVA dev headlines' 86 far
    ``near_duplicate`` pairs and 1,473 of their 1,503 far ``rewrite`` pairs (leads 376
    of 400; docs/history/accuracy.md, 2026-12-06, headline). A ``rewrite`` says the same
    story (:attr:`RelationKind.is_same_story`); under the bar the pair is another story.
    A date read from a text gates softly and may be wrong (a copy-edit that changes its
    year), so there the alignment keeps its say.
    """
    copy = copy_kind(a, b, jaccard, containment, config)
    if copy is not None:
        return copy
    if copied >= config.near_duplicate_sentences and not published_far_apart:
        return RelationKind.NEAR_DUPLICATE
    rewrite_bar = config.same_story_threshold / 2
    if published_far_apart:
        rewrite_bar = config.same_story_threshold
    if coverage >= config.rewrite_min_coverage and score >= rewrite_bar:
        return RelationKind.REWRITE
    if score >= config.same_story_threshold:
        return RelationKind.SAME_EVENT
    return None
