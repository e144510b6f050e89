"""One pair measured: what the fitted models read of it, and its score's record.

:func:`measure_pair` gives a pair's :class:`PairMeasures`: the event cues, the rewrite
evidence, the shingle overlap (Jaccard, containment), the date gap and its factor
(:func:`date_gap_factor`: 1 within ``DATE_GAP_DAYS``, 0.35 across it for two publication
dates, the model's text-date factor otherwise) and the thread model's inputs. No fitted
model is read here but the date factor's; :class:`PairScore` is what scoring makes of
the measures (:mod:`samestory.relate.scoring`).
"""

from __future__ import annotations

import dataclasses

import numpy as np

from samestory import dates
from samestory.align import sentence_similarity
from samestory.features import DocFeatures
from samestory.overlap import shingle_overlap
from samestory.pairsims import SimSummary, summarise
from samestory.relate.cues import (
    EventCues,
    SharedItems,
    event_cues,
    rewrite_evidence,
    shared_items,
    shortness,
)
from samestory.relate.date_gate import (
    PUBLISHED_DATE_GAP_FACTOR,
    _far_apart,
    _gap,
    _text_dated,
    date_notes,
    date_readings,
)
from samestory.relate.model import STORY_MODEL, StoryModel
from samestory.threads import (
    thread_features,
)


# Not frozen (read-only by convention): a frozen dataclass's __init__ sets each field
# through object.__setattr__, ~0.4 us a field; scoring builds one of these per pair.
@dataclasses.dataclass(slots=True)
class PairScore:
    """The cheap part of relating a pair: every score, no sentence alignment."""

    score: float
    similarity: float
    event_probability: float
    rewrite_evidence: float
    jaccard: float
    containment: float
    date_gap: int | None
    cues: EventCues
    sim: np.ndarray
    # P(same incident): the thread model, which weighs the date gap instead of gating.
    thread: float = 0.0
    # Each article's date and its origin, when the gap was read (Evidence.dates).
    dates: tuple[str, ...] = ()
    # What the cues read of ``sim`` (samestory.pairsims), when the scorer kept it.
    summary: SimSummary | None = None
    # The names and numbers both texts have (shared_items), when measured.
    shared: SharedItems | None = None
    # Far apart by a date read from the text (PairMeasures.text_dated): the softer gate.
    text_dated: bool = False


def date_gap_factor(
    a: DocFeatures,
    b: DocFeatures,
    gap: int | None,
    readings: tuple[dates.DateReading | None, dates.DateReading | None] | None = None,
    model: StoryModel | None = None,
) -> float:
    """Multiplier of the story score for the pair's date gap (1.0 when not far apart):
    0.35 when both dates are publication dates; when one was read from the text, the
    model's :meth:`StoryModel.text_date_factor` for the pair's :func:`shortness` and gap
    (shipped: see ``event_model.date_gate`` in the params file). The near step
    (:meth:`StoryModel.near_date_factor`) is applied at scoring, not here: this factor is
    an input of ``compare``'s pair model (samestory.pair_model), fitted without it."""
    if not _far_apart(gap):
        return 1.0
    ra, rb = readings if readings is not None else date_readings(a, b)
    if _text_dated(ra, rb):
        u = shortness(min(a.n_words, b.n_words))
        return (model or STORY_MODEL).text_date_factor(u, gap)
    return PUBLISHED_DATE_GAP_FACTOR


# Not frozen (read-only by convention): a frozen dataclass's __init__ sets each field
# through object.__setattr__, ~0.4 us a field; scoring builds one of these per pair.
@dataclasses.dataclass(slots=True)
class PairMeasures:
    """What the fitted models read of a pair, and the model-free scores beside them."""

    cues: EventCues
    rewrite_evidence: float
    jaccard: float
    containment: float
    date_gap: int | None
    date_factor: float
    sim: np.ndarray
    # The thread model's inputs (samestory.threads.thread_features).
    thread_features: tuple[float, ...] = ()
    dates: tuple[str, ...] = ()
    # What the cues read of ``sim`` (its row and column maxima, best entries).
    summary: SimSummary | None = None
    # Far apart by a date read from the text: the factor is the scoring model's.
    text_dated: bool = False
    # The names and numbers both texts have (shared_items), when measured.
    shared: SharedItems | None = None


def measure_pair(
    a: DocFeatures,
    b: DocFeatures,
    summary: SimSummary | None = None,
    term_cosine: float | None = None,
    overlap: tuple[float, float] | None = None,
) -> PairMeasures:
    """Cues, rewrite evidence, shingle overlap and date gate of a pair (no fitted model).

    ``summary`` (the pair's sentence cosines), ``term_cosine`` and ``overlap``
    (:func:`~samestory.overlap.shingle_overlap`): when the caller has them already
    (:func:`relate_against`); computed here otherwise.
    """
    if summary is None:
        summary = summarise(sentence_similarity(a.sentence_vectors, b.sentence_vectors))
    sim = summary.sim
    jaccard, containment = shingle_overlap(a, b) if overlap is None else overlap
    readings = date_readings(a, b)
    gap = _gap(*readings)
    shared = shared_items(a, b)
    cues = event_cues(a, b, summary, term_cosine, shared)
    rewrite = rewrite_evidence(summary)
    return PairMeasures(
        cues=cues,
        rewrite_evidence=rewrite,
        jaccard=jaccard,
        containment=containment,
        date_gap=gap,
        date_factor=date_gap_factor(a, b, gap, readings),
        sim=sim,
        thread_features=thread_features(a, b, cues.vector(), rewrite, gap),
        dates=date_notes(*readings),
        summary=summary,
        text_dated=_far_apart(gap) and _text_dated(*readings),
        shared=shared,
    )
