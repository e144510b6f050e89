"""The event cues: what the event model reads of a pair, and the rewrite route's evidence.

Every cue is in [0, 1] (cosines in [-1, 1]), computed from the two articles' features
and their sentence cosines (:class:`~samestory.pairsims.SimSummary`):

- ``doc_cosine``: cosine of the document vectors; ``best_sentence``, ``top3_sentences``:
  the best sentence pair's cosine and the mean of the best three; ``soft_coverage``: the
  mean best cosine over the shorter text's sentences;
- ``entity_jaccard`` ``|A∩B| / |A∪B|`` and ``entity_overlap`` ``|A∩B| / min(|A|, |B|)``
  of the names, ``entity_specific_jaccard`` weighted by specificity;
  ``number_jaccard`` ``|A∩B| / (|A∪B| + 1)`` of the numbers;
- ``lexical_cosine``: cosine of the term vectors;
- beside them, read by the fitted parts that need them: the shorter and longer texts'
  words (the pair's :func:`shortness` ``u = 1 / (1 + exp((words - 80) / 20))``), the
  headline-and-lead match, and the disagreement cues (:mod:`samestory.conflicts`).

Rewrite evidence: the share of the shorter text's sentences with a close match (best
cosine >= ``SOFT_MATCH``), ramped linearly from 0.3 (none) to 0.7 (certain).
"""

from __future__ import annotations

import dataclasses
import math
import operator

import numpy as np

from samestory import conflicts, lexical
from samestory.features import DocFeatures
from samestory.pairsims import LEAD_SENTENCES, SimSummary, summarise

# Shortness of a pair (relate.shortness): a logistic step at SHORT_TEXT_WORDS words of the
# shorter text, SHORT_TEXT_SPREAD wide. Headlines (8-15 words), leads (30-45) and feed
# summaries (~50) are short; articles (median 240 words on the dev sets) are not, so the
# long part of the model is fitted by full articles and the short part by short texts.
# (exp(-words / 40) instead mixed the two: ECB+ dev static in-sample 0.903 -> 0.878.)
SHORT_TEXT_WORDS = 80


SHORT_TEXT_SPREAD = 20


# Rewrite route: share of the shorter text's sentences with a close match (best cosine
# >= 0.7, as for alignment; 0.6 let same-domain articles pass on ECB+ and MEANTIME dev)
# mapped linearly from 0.3 (no evidence) to 0.7 (certain).
REWRITE_RAMP = (0.3, 0.7)


SOFT_MATCH = 0.7


# Not frozen (read-only by convention): a frozen dataclass's __init__ sets each field
# through object.__setattr__, ~0.4 us a field; scoring builds one of these per pair.
@dataclasses.dataclass(slots=True)
class EventCues:
    """The signals the event model reads; all in [0, 1] except cosines in [-1, 1]."""

    doc_cosine: float
    best_sentence: float
    top3_sentences: float
    soft_coverage: float
    entity_jaccard: float
    entity_overlap: float
    number_jaccard: float
    lexical_cosine: float
    entity_specific_jaccard: float
    # Words of the shorter text: not a cue, the weight of evidence the cues carry.
    shorter_words: int = SHORT_TEXT_WORDS * 1000
    # Best cosine between the first LEAD_SENTENCES sentences of each text (headline and
    # lead): read by the graded model only, not by the event model.
    lead_sentences: float = 0.0
    # Disagreement cues (samestory.conflicts), read by the event model's conflict part:
    # numbers stated differently about the same word, and the gap between the latest
    # years each text names (capped at 5, over 5).
    number_conflict: float = 0.0
    year_gap: float = 0.0
    # Words of the longer text: read only by a short part that weighs as far as both
    # texts are short (StoryModel.short_both).
    longer_words: int = SHORT_TEXT_WORDS * 1000

    def vector(self) -> tuple[float, ...]:
        # Not dataclasses.astuple: it deep-copies every field (a tenth of pair scoring);
        # one attrgetter call, not a loop of getattr (called three times per pair).
        return _CUE_VALUES(self)

    def conflicts(self) -> tuple[float, ...]:
        """The disagreement cues, in :data:`CONFLICT_CUE_NAMES` order."""
        return _CONFLICT_VALUES(self)

    @property
    def shortness(self) -> float:
        """:func:`shortness` of the shorter text."""
        return shortness(self.shorter_words)


def shortness(words: int) -> float:
    """``u = 1 / (1 + exp((words - 80) / 20))`` for the shorter text's words: 0.97 for a
    10-word headline, 0.88 for a 40-word lead, 0.5 at 80 words, 0.003 for a 200-word
    article. The event model's short part is weighted by it: its cues weigh as a short
    text's do (fitted on short variants of the dev sets)."""
    z = (words - SHORT_TEXT_WORDS) / SHORT_TEXT_SPREAD
    return 0.0 if z > 60 else 1.0 / (1.0 + math.exp(z))


# The disagreement cues: the event model's conflict part (StoryModel.conflict_weights),
# kept apart from CUE_NAMES, which the thread model reads too.
CONFLICT_CUE_NAMES = ("number_conflict", "year_gap")


# Fields of EventCues that are not inputs of the event model's agreement part.
_NOT_EVENT_CUES = ("shorter_words", "lead_sentences", *CONFLICT_CUE_NAMES, "longer_words")


CUE_NAMES = tuple(
    field.name for field in dataclasses.fields(EventCues) if field.name not in _NOT_EVENT_CUES
)


# Cues the graded model may read: the event cues and the headline-and-lead match.
GRADED_CUE_NAMES = (*CUE_NAMES, "lead_sentences")


_CUE_VALUES = operator.attrgetter(*CUE_NAMES)


# EventCues' fields: the cues first, then words, lead and the disagreement cues (the
# column path builds it positionally).
_FIELDS_OF_CUES = (
    *CUE_NAMES,
    "shorter_words",
    "lead_sentences",
    *CONFLICT_CUE_NAMES,
    "longer_words",
)


assert tuple(f.name for f in dataclasses.fields(EventCues)) == _FIELDS_OF_CUES


_CONFLICT_VALUES = operator.attrgetter(*CONFLICT_CUE_NAMES)


# Keys of the cues in Relation.evidence.scores: one string object each, shared by every
# relation (an f-string per relation made new strings: memory, and pickles 1.5x larger).
CUE_SCORE_KEYS = tuple(f"cue_{name}" for name in CUE_NAMES)


# The disagreement cues' keys, apart: CUE_SCORE_KEYS are the thread model's cue inputs.
CONFLICT_SCORE_KEYS = tuple(f"cue_{name}" for name in CONFLICT_CUE_NAMES)


def event_design(cues: EventCues) -> tuple[float, ...]:
    """The event model's inputs: the cues ``x``, then ``u·x`` and ``u`` for the shortness
    ``u`` of the shorter text, then the disagreement cues ``c`` (see :class:`StoryModel`)."""
    x = cues.vector()
    u = cues.shortness
    return (*x, *(u * v for v in x), u, *cues.conflicts())


# Shared numbers: Jaccard with one pseudo-count in the union, ``|A∩B| / (|A∪B| + 1)``. Two
# unrelated three-line items sharing their only number ("20 new stores", "20 jobs") had
# a number cue of 1.0, which alone (weight 5.4) outweighed the bias: now 0.5. Long
# reports, with many numbers, barely change (ECB+ dev, static encoder: ARI 0.897 ->
# 0.908; MEANTIME unchanged). The same pseudo-count on the name cues lost ECB+ 0.012.
NUMBER_PSEUDO_COUNT = 1


def event_cues(
    a: DocFeatures,
    b: DocFeatures,
    sim: np.ndarray | SimSummary,
    term_cosine: float | None = None,
    shared: SharedItems | None = None,
) -> EventCues:
    """Compute the cues from features and the sentence cosine matrix ``sim`` (or its
    :class:`~samestory.pairsims.SimSummary`; ``top3`` is the mean of the
    :data:`~samestory.pairsims.TOP_SENTENCES` best sentence pairs). ``term_cosine``:
    ``lexical.cosine(a.terms, b.terms)`` when the caller has it already; ``shared``:
    :func:`shared_items` likewise.

    Union sizes are counted as ``|A ∪ B| = |A| + |B| - |A ∩ B|`` (the same integers,
    without building the union)."""
    s = sim if isinstance(sim, SimSummary) else summarise(sim)
    return _cues(
        a,
        b,
        s,
        lexical.cosine(a.terms, b.terms) if term_cosine is None else term_cosine,
        shared if shared is not None else shared_items(a, b),
        conflicts.by_context(a.number_contexts),
        _published(a),
    )


def _published(f: DocFeatures) -> bool:
    """Whether ``f`` has a publication date (given with the article, not read from its text)."""
    return f.date is not None and not f.date_from_text


def _specific_jaccard(
    a: DocFeatures, b: DocFeatures, shared: frozenset[str] | None = None
) -> float:
    """Specificity-weighted Jaccard of the names; for two languages, the mean of the value
    under each one's word frequencies (one language's alone made it order-dependent).
    ``shared``: the names both have, when the caller has them."""
    if shared is None:
        shared = a.entities & b.entities
    if not shared:
        return 0.0  # as lexical.weighted_jaccard (and 0.5 * (0 + 0) is 0 too)
    same = lexical.weighted_jaccard(a.entities, b.entities, a.lang, shared)
    if a.lang == b.lang:
        return same
    return 0.5 * (same + lexical.weighted_jaccard(a.entities, b.entities, b.lang, shared))


# The names and the numbers two articles share (each pair's cues, thread inputs and
# evidence read them; computed once a pair).
SharedItems = tuple[frozenset[str], frozenset[str]]


def shared_items(a: DocFeatures, b: DocFeatures) -> SharedItems:
    """``(A's names ∩ B's, A's numbers ∩ B's)``."""
    return a.entities & b.entities, a.numbers & b.numbers


def _ratio(part: int, whole: int) -> float:
    return part / whole if whole else 0.0


def rewrite_evidence(sim: np.ndarray | SimSummary) -> float:
    """Share of the shorter text's sentences with a close match, ramped to [0, 1]."""
    share = _close_share(sim, SOFT_MATCH)
    low, high = REWRITE_RAMP
    return min(1.0, max(0.0, (share - low) / (high - low)))


def _lead_of(s: SimSummary) -> float:
    """The lead-sentences cue of a pair with sentences: the block's, or read of ``sim``."""
    return s.lead if s.lead is not None else float(s.sim[:LEAD_SENTENCES, :LEAD_SENTENCES].max())


def _cues(
    a: DocFeatures,
    b: DocFeatures,
    s: SimSummary,
    term_cosine: float,
    shared: SharedItems,
    values_a: dict[str, frozenset[str]],
    published_a: bool,
) -> EventCues:
    """:func:`event_cues` of a pair with a summary and a term cosine, ``a``'s numbers by
    context word (:func:`conflicts.by_context`) and publication flag read already: the one
    definition of the cues, for one pair (:func:`event_cues`) and for an article's pairs
    (:func:`measure_against`)."""
    if s.size:
        best, top3 = s.best, s.top3
        soft = _shorter_side_mean(s.rows, s.columns)
        lead = _lead_of(s)
    else:
        best = top3 = soft = lead = 0.0
    names, numbers = shared
    n_a, n_b, n_shared = len(a.entities), len(b.entities), len(names)
    return EventCues(
        doc_cosine=float(a.vector @ b.vector),
        best_sentence=best,
        top3_sentences=top3,
        soft_coverage=soft,
        entity_jaccard=_ratio(n_shared, n_a + n_b - n_shared),
        entity_overlap=_ratio(n_shared, min(n_a, n_b)),
        number_jaccard=_ratio(
            len(numbers), len(a.numbers) + len(b.numbers) - len(numbers) + NUMBER_PSEUDO_COUNT
        ),
        lexical_cosine=term_cosine,
        entity_specific_jaccard=_specific_jaccard(a, b, names),
        shorter_words=min(a.n_words, b.n_words),
        lead_sentences=lead,
        longer_words=max(a.n_words, b.n_words),
        number_conflict=conflicts.conflict_share(values_a, conflicts.by_context(b.number_contexts)),
        year_gap=conflicts.year_gap(
            a.latest_year, b.latest_year, both_published=published_a and _published(b)
        ),
    )


def _close_share(sim: np.ndarray | SimSummary, min_similarity: float) -> float:
    """Share of the shorter text's sentences whose best match reaches ``min_similarity``
    (:meth:`SimSummary.close_share`)."""
    s = sim if isinstance(sim, SimSummary) else summarise(sim)
    return s.close_share(min_similarity)


def _shorter_side_mean(rows: np.ndarray, columns: np.ndarray) -> float:
    """Mean over the shorter text's sentences of a per-sentence value (``rows`` for A's,
    ``columns`` for B's); for texts of equally many sentences, the mean of both sides'
    means, so that ``f(A, B) = f(B, A)`` (reading A's alone made the score depend on the
    order the pair came in)."""
    if len(rows) < len(columns):
        return _mean(rows)
    if len(columns) < len(rows):
        return _mean(columns)
    return 0.5 * (_mean(rows) + _mean(columns))


def _mean(x: np.ndarray) -> float:
    """``float(x.mean())`` of a non-empty 1-d float32 or boolean array, bit for bit,
    without ``ndarray.mean``'s Python layers (a third of the cost of a small mean):
    NumPy sums float32 in float32 and divides in float64 (then rounds to float32);
    booleans it counts and divides in float64."""
    if x.dtype == np.bool_:
        return np.count_nonzero(x) / len(x)
    return float(np.float32(float(np.add.reduce(x)) / len(x)))
