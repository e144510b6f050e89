"""The fitted models applied to measured pairs: the story score and its parts.

Story score ``max(P_event, rewrite evidence) × date factor``; graded similarity × the same
factor; the thread probability from the thread model's inputs. The date factor is the
model's for a gap read from a text (and for the near step), the fixed published one
otherwise. :func:`score_measures_all` walks the thread model's trees for all pairs at
once, the same floats as pair by pair.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from samestory import switches
from samestory.config import DEFAULT_CONFIG, Config
from samestory.features import DocFeatures
from samestory.models import Relation
from samestory.pairsims import SimSummary
from samestory.relate.date_gate import PUBLISHED_DATE_GAP_FACTOR, _far_apart
from samestory.relate.kinds import is_weak
from samestory.relate.measures import PairMeasures, PairScore, measure_pair
from samestory.relate.model import STORY_MODEL, StoryModel, story_model_for
from samestory.threads import (
    thread_probabilities,
    thread_probability,
)


def pair_score(
    a: DocFeatures,
    b: DocFeatures,
    config: Config = DEFAULT_CONFIG,
    model: StoryModel | None = None,
) -> PairScore:
    """Story score of a pair (``max`` over the event and rewrite routes, date-gated)."""
    return score_measures(measure_pair(a, b), _model_of(model, config))


def score_measures(m: PairMeasures, model: StoryModel = STORY_MODEL) -> PairScore:
    """Story score ``max(P_event, rewrite evidence) × date factor``, and the graded
    similarity (× the same factor), of a measured pair under ``model``."""
    return _pair_score(
        m,
        model.event_probability(m.cues),
        model.graded_similarity(m.cues),
        thread_probability(m.thread_features) if m.thread_features else 0.0,
        _date_factor(m, model),
    )


def score_measures_all(
    measures: Sequence[PairMeasures],
    model: StoryModel = STORY_MODEL,
    lean: Config | None = None,
) -> list[PairScore]:
    """``[score_measures(m, model) for m in measures]``, bit for bit, with the thread
    model's trees walked for all the pairs at once (:func:`threads.thread_probabilities`:
    3.2 -> 2.2 us a pair at ~21 pairs an article). The event and graded models stay pair
    by pair: their array forms were no faster at that size (event 2.74 -> 2.65 us, the
    graded shapes 2.70 -> 4.64 us a pair; ten small NumPy passes an article).

    With ``lean`` (the scoring config), a pair :func:`is_weak` under it is not given the
    graded similarity (``similarity`` is NaN): its relation (:func:`weak_relation`) does
    not carry it."""
    return _score_all(measures, model, lean)[0]


def _score_all(
    measures: Sequence[PairMeasures], model: StoryModel, lean: Config | None
) -> tuple[list[PairScore], list[bool]]:
    """:func:`score_measures_all`, and for each pair whether it :func:`is_weak` under
    ``lean`` (all False without it): the test is made once a pair."""
    threaded = [k for k, m in enumerate(measures) if m.thread_features]
    thread = [0.0] * len(measures)
    for k, p in zip(
        threaded, thread_probabilities([measures[k].thread_features for k in threaded]), strict=True
    ):
        thread[k] = p
    out = []
    weak = [False] * len(measures)
    for k, (m, t) in enumerate(zip(measures, thread, strict=True)):
        p_event = model.event_probability(m.cues)
        factor = _date_factor(m, model)
        if lean is not None and is_weak(
            max(p_event, m.rewrite_evidence) * factor, t, m.jaccard, _summary_of(m), lean
        ):
            out.append(_pair_score(m, p_event, math.nan, t, factor))
            weak[k] = True
        else:
            out.append(_pair_score(m, p_event, model.graded_similarity(m.cues), t, factor))
    return out, weak


def _date_factor(m: PairMeasures, model: StoryModel) -> float:
    """The pair's date factor under ``model`` (:func:`_date_factor_of`)."""
    return _date_factor_of(m.text_dated, m.cues.shortness, m.date_gap, m.date_factor, model)


# Rule AS's cut (switches.PUBLISHED_YEAR_CUT, off; docs/history/accuracy.md, 2026-12-07,
# attach, after 2026-12-07 gvashort's P1Y): publication dates more than this many days apart
# cut a short pair as a gap read from a text does.
PUBLISHED_SHORT_CUT_DAYS = 365


def _date_factor_of(
    text_dated: bool, shortness: float, gap: int | None, date_factor: float, model: StoryModel
) -> float:
    """A pair's date factor under ``model`` (the text-date and near steps are the
    model's; a gap of publication dates, its fixed ``date_factor``, which with
    ``switches.PUBLISHED_YEAR_CUT`` past :data:`PUBLISHED_SHORT_CUT_DAYS` the pair's
    shortness ``u`` lowers towards the model's short text-date factor as the text-date
    gate does: ``f - (f - text_short) u``)."""
    if text_dated:
        return model.text_date_factor(shortness, gap)
    if gap is not None and not _far_apart(gap):  # the near step is the model's too
        return model.near_date_factor(shortness, gap)
    if switches.PUBLISHED_YEAR_CUT and gap is not None and gap > PUBLISHED_SHORT_CUT_DAYS:
        return date_factor - max(0.0, date_factor - model.text_date_factor_short) * shortness
    return date_factor


def uncut_score(r: Relation) -> float:
    """``r``'s story score without rule AS's published-date cut: for a pair whose two
    publication dates are more than :data:`PUBLISHED_SHORT_CUT_DAYS` apart, its best
    route (event or rewrite) times the fixed published factor, when that is higher;
    else its score."""
    gap = r.evidence.date_gap_days
    notes = r.evidence.dates
    if gap is None or gap <= PUBLISHED_SHORT_CUT_DAYS or not notes:
        return r.score
    if not all("published" in note for note in notes):
        return r.score  # a date read from a text: the model's gate, not the cut
    scores = r.evidence.scores
    best = max(scores.get("event_probability", 0.0), scores.get("rewrite_evidence", 0.0))
    return max(r.score, best * PUBLISHED_DATE_GAP_FACTOR)


def _summary_of(m: PairMeasures) -> np.ndarray | SimSummary:
    return m.sim if m.summary is None else m.summary


def _pair_score(
    m: PairMeasures, p_event: float, similarity: float, thread: float, factor: float
) -> PairScore:
    """The pair's :class:`PairScore` from its models' outputs (before the date factor)."""
    return PairScore(
        max(p_event, m.rewrite_evidence) * factor,
        similarity * factor,
        p_event,
        m.rewrite_evidence,
        m.jaccard,
        m.containment,
        m.date_gap,
        m.cues,
        m.sim,
        thread,
        m.dates,
        m.summary,
        m.shared,
        m.text_dated,
    )


def _model_of(model: StoryModel | None, config: Config) -> StoryModel:
    """``model``, or when None the one fitted for ``config.encoder`` (story_model_for)."""
    return story_model_for(config.encoder) if model is None else model
