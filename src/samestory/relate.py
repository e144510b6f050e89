"""Score one pair of articles: story similarity, relation kind and the evidence for it.

Three routes lead to "same story", checked from the cheapest and most certain:

1. **Copy**: identical normalised text (``exact``) or high word-shingle overlap
   (``near_duplicate``). MinHash estimates the Jaccard ``J`` of the 5-word shingle sets;
   containment of the shorter text follows from ``|A∩B| = J (|A|+|B|) / (1+J)``.
2. **Derivation**: most sentences of the shorter text align one-to-one with sentences of
   the other (multilingual sentence vectors, so translations count): ``rewrite``.
3. **Same event**: a logistic model over event cues: document cosine, best sentence
   matches, shared names and numbers, and what the texts state differently
   (:mod:`samestory.conflicts`: numbers about one word, the latest years named; weighed
   by the params file's conflict part, shipped at 0). Dates,
   when both are known, gate it: reports written far apart describe different events,
   however alike they read.

The story score is ``max`` over the routes, so each route can only add evidence.
"""

from __future__ import annotations

import bisect
import contextlib
import dataclasses
import functools
import math
import operator
import sys
from collections.abc import Callable, Mapping, Sequence
from typing import Any, NamedTuple

import numpy as np

from samestory import conflicts, dates, lexical, name_roles, normalize, params
from samestory.align import Alignment, align_sentences, lexical_similarity, sentence_similarity
from samestory.config import DEFAULT_CONFIG, Config
from samestory.errors import ParamsError
from samestory.features import DocFeatures
from samestory.models import AlignedSentence, Evidence, Relation, RelationKind
from samestory.overlap import copy_kind, shingle_overlap, shingle_overlaps

# Re-exported: the copy test lived here before it moved down to samestory.overlap.
from samestory.overlap import is_copy as is_copy
from samestory.overlap import is_near_duplicate as is_near_duplicate
from samestory.overlap import overlap_from_jaccard as overlap_from_jaccard
from samestory.pairsims import LEAD_SENTENCES as LEAD_SENTENCES
from samestory.pairsims import TOP_SENTENCES as TOP_SENTENCES
from samestory.pairsims import SimSummary, summarise, summarise_runs, summarise_to
from samestory.threads import (
    FAR_APART_DAYS,
    RARE_NAME,
    THREAD_THRESHOLD,
    long_numbers_of,
    shares_place_any,
    thread_features,
    thread_probabilities,
    thread_probability,
)

# Shortness of a pair (relate.shortness): a logistic step at SHORT_TEXT_WORDS words of the
# shorter text, SHORT_TEXT_SPREAD wide. Headlines (8-15 words), leads (30-45) and feed
# summaries (~50) are short; articles (median 240 words on the dev sets) are not, so the
# long part of the model is fitted by full articles and the short part by short texts.
# (exp(-words / 40) instead mixed the two: ECB+ dev static in-sample 0.903 -> 0.878.)
SHORT_TEXT_WORDS = 80
SHORT_TEXT_SPREAD = 20

# Date gate: reports dated more than a month apart describe different events (a verdict
# is not the crime), so their score is cut. How hard depends on where the dates come from.
# Publication dates (metadata) are reliable: the score is cut below the same-story
# threshold (0.35 x 1.0 < 0.4), so only a copy or a close-in-time rewrite survives. A date
# read from the text is often that of an earlier event the article mentions (on ECB+ dev,
# 139 of 366 candidate pairs gated by text dates were the same event), so for long texts it
# only halves: their own evidence may outweigh it. A short text's evidence is weak, so the
# cut grows to the published one's with the pair's shortness (relate.shortness):
# different articles on one company written months apart, whose short forms read alike,
# survived halving (MEANTIME dev, static encoder, fit-script scoring, 0.35 for all text
# dates: lead 0.540 -> 0.733, summary 0.540 -> 0.847, headline 0.469 -> 0.587; but ECB+
# full texts, default encoder, 0.929 -> 0.913, hence only for short ones).
# 30 days chosen on ECB+ and MEANTIME dev: 7 days split follow-up coverage.
DATE_GAP_DAYS = 30
DATE_GAP_FACTOR = 0.5
PUBLISHED_DATE_GAP_FACTOR = 0.35
# Near gap (StoryModel.near_date_factor): a gap under DATE_GAP_DAYS but over the model's
# near_gap_days cuts a short pair's score (1.0, no cut, unless the params file sets it).
# A short text's cues are weak evidence; its date is not: a lead carries its event's
# date, and one company's different events a week apart read alike in a headline.
NEAR_GAP_FACTOR = 1.0
# Rewrite route: share of the shorter text's sentences with a close match (best cosine
# >= 0.7, as for alignment; 0.6 let same-domain articles pass on ECB+ and MEANTIME dev)
# mapped linearly from 0.3 (no evidence) to 0.7 (certain).
REWRITE_RAMP = (0.3, 0.7)
SOFT_MATCH = 0.7
# Two aligned sentences with this word Jaccard are one sentence, lightly edited.
COPIED_SENTENCE_JACCARD = 0.5
# A pair is aligned (the costly step) only when alignment could change its kind: close
# sentence matches for 80% of a rewrite's coverage (alignment keeps at most the close
# ones), any real shingle overlap, or a same-story score. Cost bound, not a decision.
ALIGN_IF_CLOSE_SHARE = 0.8
ALIGN_IF_JACCARD = 0.1
# Aligned sentence pairs kept as evidence, best first: enough to read, small to store.
MAX_ALIGNED_EVIDENCE = 12
# A quote reappears in the other text at this word-set Jaccard (light edits still count).
SHARED_QUOTE_JACCARD = 0.5
# The graded model predicts SemEval-2022's rating scale, by definition from 1 (same story)
# to 4 (unrelated); graded_similarity maps it onto [0, 1].
GRADED_SCALE = (1.0, 4.0)
# Quotes whose word sets are kept (chosen for memory; an article's quotes recur per pair).
QUOTE_WORDS_CACHE = 1 << 14


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


Shape = tuple[tuple[float, ...], tuple[float, ...]]


def event_design(cues: EventCues) -> tuple[float, ...]:
    """The event model's inputs: the cues ``x``, then ``u·x`` and ``u`` for the shortness
    ``u`` of the shorter text, then the disagreement cues ``c`` (see :class:`StoryModel`)."""
    x = cues.vector()
    u = cues.shortness
    return (*x, *(u * v for v in x), u, *cues.conflicts())


@dataclasses.dataclass(frozen=True, slots=True)
class StoryModel:
    """The fitted models of this module, as read from ``samestory/params/story_model.json``.

    Event model (logistic), fitted by ``scripts/fit_story_model.py`` on the candidate
    pairs of the ECB+ and MEANTIME dev sets and their short variants (lead, summary,
    headline; where the hard negatives are: same topic, different event):
    ``P(same story | cues) = 1 / (1 + exp(-(b + Σ_c w_c x_c + u (β + Σ_c v_c x_c)
    + Σ_k d_k c_k)))`` with ``u`` the shortness of the shorter text (:func:`shortness`):
    the short part ``β, v`` says how much less each cue weighs in a short text, so
    evidence grows with length; the conflict part ``d`` weighs the disagreement cues
    ``c`` (:data:`CONFLICT_CUE_NAMES`). ``event_weights`` and ``short_weights`` are in
    :data:`CUE_NAMES` order, ``conflict_weights`` in :data:`CONFLICT_CUE_NAMES` order.

    Graded similarity: a monotone additive model of the human 4-point "same story" scale
    (SemEval-2022 Task 8), ``-overall ≈ graded_bias + Σ_c g_c(cue_c)``: each ``g_c`` is
    nondecreasing and piecewise linear through ``(knots, values)``, flat outside them
    (backfitted isotonic regressions, knots at cue quantiles). Monotone, so a pair closer
    on every cue never ranks lower. ``info`` keeps the rest of the file: what the models
    were fitted on and their cross-validated figures.
    """

    event_weights: tuple[float, ...]
    event_bias: float
    graded_bias: float
    graded_shapes: dict[str, Shape]
    info: dict[str, object] = dataclasses.field(default_factory=dict, compare=False)
    short_weights: tuple[float, ...] = (0.0,) * 9
    short_bias: float = 0.0
    # Date gate for a gap read from the text (see date_gap_factor): the factor of a long
    # pair and of a short one, fitted by scripts/fit_story_model.py (``date_gate``).
    text_date_factor_long: float = DATE_GAP_FACTOR
    text_date_factor_short: float = PUBLISHED_DATE_GAP_FACTOR
    # The factors of a long and a short pair when the text-read gap exceeds
    # text_date_far_days (None: no such step, one pair of factors for every gap).
    text_date_far_days: int | None = None
    text_date_factor_far: float = DATE_GAP_FACTOR
    text_date_factor_far_short: float = PUBLISHED_DATE_GAP_FACTOR
    # Weights of the disagreement cues (zero: not read).
    conflict_weights: tuple[float, ...] = (0.0,) * len(CONFLICT_CUE_NAMES)
    # Near gap: for a gap over near_gap_days and at most DATE_GAP_DAYS (any date source),
    # the factors of a long and a short pair (None: no near step).
    near_gap_days: int | None = None
    near_gap_factor_long: float = NEAR_GAP_FACTOR
    near_gap_factor_short: float = NEAR_GAP_FACTOR
    # The short part's length ramp (low, high) in words of the shorter text: the part
    # weighs u * r, r 0 up to low words and 1 from high (None: r = 1). A headline carries
    # one or two cues, which the long part already reads as weak; a lead carries several.
    # Fitted by scripts/short_calibration.py --shape; read only by the short part.
    short_ramp: tuple[float, float] | None = None
    # Whether the short part weighs as far as both texts are short (times the longer
    # text's shortness): a short article against a long one reads as the long part's
    # pairs, the long text carrying the cues. Fitted by scripts/short_calibration.py.
    short_both: bool = False
    # The fall (low, high) on the longer text's words: the part weighs 1 up to low words
    # and 0 from high (None: no fall): a part for two texts of a lead's length.
    short_upper: tuple[float, float] | None = None

    @property
    def shaped_short(self) -> bool:
        """Whether the short part's weight is not the pair's shortness alone."""
        return self.short_ramp is not None or self.short_both or self.short_upper is not None

    def short_strength(self, words: int, u: float, longer_words: int = 0) -> float:
        """The short part's weight of a pair whose shorter text has ``words`` words and
        :func:`shortness` ``u``: ``u · r`` (``r`` the ramp :attr:`short_ramp`; 1 without),
        times the longer text's shortness (of ``longer_words``) when :attr:`short_both`."""
        if self.short_ramp is not None:
            low, high = self.short_ramp
            u = u * min(1.0, max(0.0, (words - low) / (high - low)))
        if self.short_both:
            u = u * shortness(longer_words)
        if self.short_upper is not None:
            low, high = self.short_upper
            u = u * min(1.0, max(0.0, (high - longer_words) / (high - low)))
        return u

    def text_date_factor(self, shortness: float, gap: int | None = None) -> float:
        """``f = f_long - (f_long - f_short) u`` for the pair's shortness ``u``; beyond
        the far step (a gap of more than ``text_date_far_days``), the far factors."""
        long, short = self.text_date_factor_long, self.text_date_factor_short
        far = self.text_date_far_days
        if far is not None and gap is not None and gap > far:
            long, short = self.text_date_factor_far, self.text_date_factor_far_short
        return long - (long - short) * shortness

    def near_date_factor(self, shortness: float, gap: int) -> float:
        """``f = f_long - (f_long - f_short) u`` for a gap over ``near_gap_days`` (and not
        over :data:`DATE_GAP_DAYS`: the caller's), else 1.0: a week between two short
        texts' dates weighs as much as their cues' agreement, a week between two long
        reports (follow-up coverage) little."""
        near = self.near_gap_days
        if near is None or gap <= near:
            return 1.0
        long, short = self.near_gap_factor_long, self.near_gap_factor_short
        return long - (long - short) * shortness

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], source: str = "story model") -> StoryModel:
        """Read the model from its JSON form, checking its cue names against :data:`CUE_NAMES`.

        Raises :class:`~samestory.errors.ParamsError` naming the missing or unknown cues.
        """
        # Read every number first (a malformed file says so in one message), then check
        # what the numbers must agree with: the code's cue names and the shapes' order.
        try:
            event, graded = data["event_model"], data["graded_model"]
            weights = _float_weights(event["weights"])
            shapes = _graded_shapes(graded["shapes"])
            event_bias, graded_bias = float(event["bias"]), float(graded["bias"])
            short = _ShortPart.read(event.get("short", {}))
            gate = _DateGate.read(event.get("date_gate", {}))
            conflict = _float_weights(event.get("conflicts", {}).get("weights", {}))
        except (KeyError, TypeError, ValueError, AttributeError) as error:
            raise ParamsError(f"{source}: malformed ({type(error).__name__}: {error})") from None
        _check_event_cues(source, weights, short)
        _check_conflict_cues(source, conflict)
        _check_graded_shapes(source, shapes)
        return cls(
            event_weights=tuple(weights[name] for name in CUE_NAMES),
            event_bias=event_bias,
            graded_bias=graded_bias,
            graded_shapes=shapes,
            info=dict(data),
            short_weights=tuple(short.weights.get(name, 0.0) for name in CUE_NAMES),
            short_bias=short.bias,
            text_date_factor_long=gate.text_long,
            text_date_factor_short=gate.text_short,
            text_date_far_days=gate.far_days,
            text_date_factor_far=gate.text_far,
            text_date_factor_far_short=gate.text_far_short,
            conflict_weights=tuple(conflict.get(name, 0.0) for name in CONFLICT_CUE_NAMES),
            near_gap_days=gate.near_days,
            near_gap_factor_long=gate.near_long,
            near_gap_factor_short=gate.near_short,
            short_ramp=short.ramp,
            short_both=short.both,
            short_upper=short.upper,
        )

    def to_dict(self) -> dict[str, Any]:
        """The JSON form read by :meth:`from_dict` (``info`` first, models replaced)."""
        info = dict(self.info)
        info.pop("fitted_by", None)  # how this process loaded it, not part of the fit
        event = dict(info.get("event_model", {}))  # type: ignore[call-overload]
        graded = dict(info.get("graded_model", {}))  # type: ignore[call-overload]
        event.update(
            bias=self.event_bias,
            weights=dict(zip(CUE_NAMES, self.event_weights, strict=True)),
            short={
                # What the file says of the part's fit (fitted_on) is kept; the ramp is
                # the model's (written only when it has one).
                **{
                    k: v
                    for k, v in dict(event.get("short", {})).items()  # type: ignore[call-overload]
                    if k not in ("ramp", "both", "upper", "strength")
                },
                "words": SHORT_TEXT_WORDS,
                "spread": SHORT_TEXT_SPREAD,
                "shortness": "u = 1 / (1 + exp((words of the shorter text - words) / spread))",
                "bias": self.short_bias,
                "weights": dict(zip(CUE_NAMES, self.short_weights, strict=True)),
                **({} if self.short_ramp is None else {"ramp": list(self.short_ramp)}),
                **({"both": True} if self.short_both else {}),
                **({} if self.short_upper is None else {"upper": list(self.short_upper)}),
                **({"strength": self._strength_formula()} if self.shaped_short else {}),
            },
            conflicts={
                "about": "disagreement cues (samestory.conflicts), added to the log-odds",
                "weights": dict(zip(CONFLICT_CUE_NAMES, self.conflict_weights, strict=True)),
            },
            date_gate={
                **dict(event.get("date_gate", {})),  # type: ignore[call-overload]
                "factor": "f = text_long - (text_long - text_short) * u, for a gap > "
                f"{DATE_GAP_DAYS} days read from the text (published dates: "
                f"{PUBLISHED_DATE_GAP_FACTOR}); for a gap > far_days (when set), text_far "
                "and text_far_short in their place",
                "text_long": self.text_date_factor_long,
                "text_short": self.text_date_factor_short,
                "far_days": self.text_date_far_days,
                "text_far": self.text_date_factor_far,
                "text_far_short": self.text_date_factor_far_short,
                "near": "f = near_long - (near_long - near_short) * u, for a gap > near_days "
                f"(when set) and <= {DATE_GAP_DAYS} days, from any date",
                "near_days": self.near_gap_days,
                "near_long": self.near_gap_factor_long,
                "near_short": self.near_gap_factor_short,
            },
        )
        graded.update(
            bias=self.graded_bias,
            shapes={
                name: {"knots": list(knots), "values": list(values)}
                for name, (knots, values) in self.graded_shapes.items()
            },
        )
        return {**info, "event_model": event, "graded_model": graded}

    def _strength_formula(self) -> str:
        terms = ["u"]
        if self.short_ramp is not None:
            terms.append("min(1, max(0, (words - ramp[0]) / (ramp[1] - ramp[0])))")
        if self.short_both:
            terms.append("u(words of the longer text)")
        if self.short_upper is not None:
            terms.append("min(1, max(0, (upper[1] - longer words) / (upper[1] - upper[0])))")
        return " * ".join(terms)

    def event_logit(self, cues: EventCues) -> float:
        """The event model's log-odds ``b + w·x + u (β + v·x) + d·c`` (``u`` the short
        part's :meth:`short_strength`)."""
        # sum(map(mul, w, x)): the same products added in the same order as a generator
        # over zip, without a Python frame per term (from_dict checked the lengths).
        x = cues.vector()
        logit = self.event_bias + _dot(self.event_weights, x)
        logit += _dot(self.conflict_weights, cues.conflicts())
        u = cues.shortness
        if self.shaped_short:
            u = self.short_strength(cues.shorter_words, u, cues.longer_words)
        if u > 0.0:
            logit += u * (self.short_bias + _dot(self.short_weights, x))
        return logit

    def event_probability(self, cues: EventCues) -> float:
        """Logistic ``1 / (1 + exp(-(w·x + b)))`` over the cues: the calibrated probability."""
        return 1.0 / (1.0 + math.exp(-self.event_logit(cues)))

    def graded_similarity(self, cues: EventCues) -> float:
        """See :func:`graded_similarity`."""
        predicted = -(
            self.graded_bias
            + sum(
                _piecewise_linear(getattr(cues, name), *shape)
                for name, shape in self.graded_shapes.items()
            )
        )
        low, high = GRADED_SCALE
        return min(1.0, max(0.0, (high - predicted) / (high - low)))


def _dot(weights: Sequence[float], x: Sequence[float]) -> float:
    """``0 + w_0 x_0 + w_1 x_1 + …``, added left to right (so an article's pairs' log-odds
    as columns, :func:`_dot_columns`, are the same floats): ``sum`` itself is not used,
    as Python 3.12 sums floats with compensation."""
    return functools.reduce(operator.add, map(operator.mul, weights, x), 0)


# --- StoryModel.from_dict's steps: the file's parts read, then checked against the code.


def _float_weights(weights: Mapping[str, Any]) -> dict[str, float]:
    """A file's ``{cue name: weight}`` as ``str -> float``."""
    return {str(k): float(v) for k, v in weights.items()}


def _graded_shapes(shapes: Mapping[str, Any]) -> dict[str, Shape]:
    """The graded model's ``{cue: {"knots": [...], "values": [...]}}`` as tuples."""
    return {
        str(name): (
            tuple(float(x) for x in shape["knots"]),
            tuple(float(y) for y in shape["values"]),
        )
        for name, shape in shapes.items()
    }


def _low_high(pair: Sequence[Any] | None) -> tuple[float, float] | None:
    """A ``[low, high]`` pair of words as floats (None: absent)."""
    return None if pair is None else (float(pair[0]), float(pair[1]))


def _int_or_none(value: Any) -> int | None:
    return None if value is None else int(value)


@dataclasses.dataclass(frozen=True, slots=True)
class _ShortPart:
    """The event model's short part as the file states it (``event_model.short``); each
    absent key reads as no short part (zero weights, no ramp, no fall)."""

    weights: dict[str, float]
    bias: float
    ramp: tuple[float, float] | None
    both: bool
    upper: tuple[float, float] | None

    @classmethod
    def read(cls, short: Mapping[str, Any]) -> _ShortPart:
        weights = _float_weights(short.get("weights", {}))
        bias = float(short.get("bias", 0.0))
        ramp = short.get("ramp")
        both = bool(short.get("both", False))
        upper = _low_high(short.get("upper"))  # read before the ramp, as always
        return cls(weights, bias, _low_high(ramp), both, upper)


@dataclasses.dataclass(frozen=True, slots=True)
class _DateGate:
    """The date gate's factors as the file states them (``event_model.date_gate``); an
    absent factor is the code's default (the far factors: the text factors)."""

    text_long: float
    text_short: float
    far_days: int | None
    text_far: float
    text_far_short: float
    near_days: int | None
    near_long: float
    near_short: float

    @classmethod
    def read(cls, gate: Mapping[str, Any]) -> _DateGate:
        text_long = float(gate.get("text_long", DATE_GAP_FACTOR))
        text_short = float(gate.get("text_short", PUBLISHED_DATE_GAP_FACTOR))
        return cls(
            text_long=text_long,
            text_short=text_short,
            far_days=_int_or_none(gate.get("far_days")),
            text_far=float(gate.get("text_far", text_long)),
            text_far_short=float(gate.get("text_far_short", text_short)),
            near_days=_int_or_none(gate.get("near_days")),
            near_long=float(gate.get("near_long", NEAR_GAP_FACTOR)),
            near_short=float(gate.get("near_short", NEAR_GAP_FACTOR)),
        )


def _check_event_cues(source: str, weights: dict[str, float], short: _ShortPart) -> None:
    """The event model's (and its short part's) cues must be the code's :data:`CUE_NAMES`:
    a weight read by the wrong cue would score silently wrong."""
    if set(weights) != set(CUE_NAMES):
        raise ParamsError(
            f"{source}: event-model cues do not match the code's: missing "
            f"{sorted(set(CUE_NAMES) - set(weights))}, unknown "
            f"{sorted(set(weights) - set(CUE_NAMES))}; refit with scripts/fit_story_model.py"
        )
    if short.weights and set(short.weights) != set(CUE_NAMES):
        raise ParamsError(f"{source}: short-text weights' cues do not match the code's")
    if short.ramp is not None and not short.ramp[0] < short.ramp[1]:
        raise ParamsError(f"{source}: the short part's ramp needs low < high words")
    if short.upper is not None and not short.upper[0] < short.upper[1]:
        raise ParamsError(f"{source}: the short part's upper fall needs low < high words")


def _check_conflict_cues(source: str, conflict: dict[str, float]) -> None:
    """Conflict weights, when the file has any, must be :data:`CONFLICT_CUE_NAMES`'."""
    if conflict and set(conflict) != set(CONFLICT_CUE_NAMES):
        raise ParamsError(
            f"{source}: conflict cues do not match the code's: missing "
            f"{sorted(set(CONFLICT_CUE_NAMES) - set(conflict))}, unknown "
            f"{sorted(set(conflict) - set(CONFLICT_CUE_NAMES))}; refit with "
            "scripts/fit_story_model.py"
        )


def _check_graded_shapes(source: str, shapes: dict[str, Shape]) -> None:
    """Each graded shape is a known cue's, with increasing knots and a value a knot
    (:func:`_piecewise_linear` assumes both)."""
    unknown = sorted(set(shapes) - set(GRADED_CUE_NAMES))
    if unknown:
        raise ParamsError(f"{source}: graded-model shapes for unknown cues {unknown}")
    for name, (knots, values) in shapes.items():
        if len(knots) != len(values) or not knots or list(knots) != sorted(knots):
            raise ParamsError(
                f"{source}: graded shape {name!r} needs as many values as knots, knots increasing"
            )


def load_story_model(encoder: str = params.DEFAULT_FIT_ENCODER) -> StoryModel:
    """The shipped model for ``encoder``'s features: ``story_model.ENCODER.json`` when
    shipped (written by ``scripts/fit_story_model.py --encoder ENCODER``), else
    ``story_model.json`` (fitted on USE features). ``info["fitted_by"]`` says which and
    why. Raises :class:`~samestory.errors.ParamsError` when the file's ``encoder`` is not
    the one it is loaded for."""
    name, why = params.for_encoder(params.STORY_MODEL_FILE, encoder)
    data = params.load(name)
    expected = encoder if name != params.STORY_MODEL_FILE else params.DEFAULT_FIT_ENCODER
    fitted_on = data.get("encoder", params.DEFAULT_FIT_ENCODER)
    if fitted_on != expected:
        raise ParamsError(
            f"{name}: fitted on {fitted_on!r} features, but it is the file for {expected!r}; "
            f"refit with scripts/fit_story_model.py --encoder {expected}"
        )
    model = StoryModel.from_dict(data, name)
    return dataclasses.replace(model, info={**model.info, "fitted_by": why})


# Read once, at import: the default encoder's model. Other encoders' models are read on
# first use (story_model_for).
STORY_MODEL = load_story_model()
_STORY_MODELS: dict[str, StoryModel] = {params.DEFAULT_FIT_ENCODER: STORY_MODEL}


def story_model_for(encoder: str) -> StoryModel:
    """The model production scores ``encoder``'s pairs with (see :func:`load_story_model`),
    read once per process: a model fitted on one encoder's cues is miscalibrated on
    another's (their cosines differ in scale)."""
    model = _STORY_MODELS.get(encoder)
    if model is None:
        model = _STORY_MODELS[encoder] = load_story_model(encoder)
    return model


# The shipped parameters under their former names (read-only views of STORY_MODEL).
EVENT_MODEL_WEIGHTS = STORY_MODEL.event_weights
EVENT_MODEL_BIAS = STORY_MODEL.event_bias
GRADED_BIAS = STORY_MODEL.graded_bias
GRADED_SHAPES = STORY_MODEL.graded_shapes


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


def event_logit(cues: EventCues, model: StoryModel = STORY_MODEL) -> float:
    """The event model's log-odds ``w·x + b``."""
    return model.event_logit(cues)


def event_probability(cues: EventCues, model: StoryModel = STORY_MODEL) -> float:
    """Logistic ``1 / (1 + exp(-(w·x + b)))`` over the cues: the calibrated probability."""
    return model.event_probability(cues)


def graded_similarity(cues: EventCues, model: StoryModel = STORY_MODEL) -> float:
    """Similarity on a graded scale, for ranking pairs (not for the same-story decision).

    The additive model predicts the human scale from 1 (same story) to 4 (unrelated);
    ``(4 - prediction) / 3`` maps it to [0, 1] (clipped), so the value reads as the
    rating annotators would be expected to give. Its highest value is 0.89: pairs the
    annotators rated 1 are predicted at 1.3 on average, as a regression does.
    """
    return model.graded_similarity(cues)


def _piecewise_linear(x: float, knots: tuple[float, ...], values: tuple[float, ...]) -> float:
    """``np.interp`` for one number (a tenth of its cost on scalars): linear between
    knots, flat outside them."""
    k = bisect.bisect_right(knots, x)
    if k == 0:
        return values[0]
    if k == len(knots):
        return values[-1]
    x0, x1, y0, y1 = knots[k - 1], knots[k], values[k - 1], values[k]
    return y0 + (y1 - y0) * (x - x0) / (x1 - x0)


def rewrite_evidence(sim: np.ndarray | SimSummary) -> float:
    """Share of the shorter text's sentences with a close match, ramped to [0, 1]."""
    share = _close_share(sim, SOFT_MATCH)
    low, high = REWRITE_RAMP
    return min(1.0, max(0.0, (share - low) / (high - low)))


def date_readings(
    a: DocFeatures, b: DocFeatures
) -> tuple[dates.DateReading | None, dates.DateReading | None]:
    """Each article's date for this pair and where it came from: published, written with
    a year, or a year-less date resolved against the other's date or by its weekday."""
    return dates.pair_readings(
        (a.date, a.date_from_text, a.written_date),
        (b.date, b.date_from_text, b.written_date),
        short=(_short_for_dates(a), _short_for_dates(b)),
    )


def is_short_text(f: DocFeatures) -> bool:
    """Under :data:`SHORT_TEXT_WORDS` words (a headline, lead or feed summary): a bare
    year-less date then dates it (``dates.pair_readings``'s ``short``)."""
    return f.n_words < SHORT_TEXT_WORDS


def _short_for_dates(f: DocFeatures) -> bool:
    """:func:`is_short_text`, read only when it can change the article's date reading (a
    year-less written date without its weekday): callers' stand-ins for the features
    that carry dates alone keep working."""
    written = f.written_date
    return written is not None and written.weekday is None and is_short_text(f)


def date_gap(a: DocFeatures, b: DocFeatures) -> int | None:
    """Days between the two articles' dates (:func:`date_readings`), when both are known."""
    return _gap(*date_readings(a, b))


def _gap(ra: dates.DateReading | None, rb: dates.DateReading | None) -> int | None:
    if ra is None or rb is None:
        return None
    return abs((ra.date - rb.date).days)


def date_notes(ra: dates.DateReading | None, rb: dates.DateReading | None) -> tuple[str, ...]:
    """The evidence's account of the dates: ``("a: 2025-10-23 published", "b: …")``."""
    if ra is None or rb is None:
        return ()
    return (f"a: {ra.describe()}", f"b: {rb.describe()}")


def single_threaded_blas() -> contextlib.AbstractContextManager[object]:
    """Run pair scoring with one BLAS thread.

    Pair scoring multiplies many small matrices (sentences × 512); a multi-threaded BLAS
    spends far longer synchronising its threads than computing (measured 36× slower on
    2 cores). Wrap loops, not single calls: entering the limit costs ~0.1 ms.
    """
    from threadpoolctl import threadpool_limits

    return threadpool_limits(limits=1, user_api="blas")


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


def _far_apart(gap: int | None) -> bool:
    return gap is not None and gap > DATE_GAP_DAYS


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


def _text_dated(ra: dates.DateReading | None, rb: dates.DateReading | None) -> bool:
    return (ra is not None and ra.from_text) or (rb is not None and rb.from_text)


def pair_score(
    a: DocFeatures,
    b: DocFeatures,
    config: Config = DEFAULT_CONFIG,
    model: StoryModel | None = None,
) -> PairScore:
    """Story score of a pair (``max`` over the event and rewrite routes, date-gated)."""
    return score_measures(measure_pair(a, b), _model_of(model, config))


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


def measure_against(
    a: DocFeatures,
    others: Sequence[DocFeatures],
    summaries: Sequence[SimSummary],
    term_cosines: Sequence[float],
    overlaps: Sequence[tuple[float, float]],
) -> list[PairMeasures]:
    """``[measure_pair(a, b, s, c, o) for b, s, c, o in zip(...)]``, bit for bit: the
    :class:`PairColumns` of the pairs (:func:`measure_columns`), one object per pair."""
    columns = measure_columns(a, others, summaries, term_cosines, overlaps)
    return columns.measures(range(len(others)))


@dataclasses.dataclass(slots=True)
class PairColumns:
    """What :func:`measure_pair` measures of each of one article's pairs, as columns (row
    ``k``: pair ``k``): the cues (:data:`CUE_NAMES` order) and the disagreement cues
    (:data:`CONFLICT_CUE_NAMES`) as float64 matrices, the thread model's inputs likewise
    (:func:`threads.thread_features`), the rest as lists. The weak pairs' relations are
    read from them without a per-pair object (:func:`_lean_scores`); the others get
    their :class:`PairMeasures` from them (:meth:`measures`), so the two paths share one
    computation of every value."""

    summaries: Sequence[SimSummary]
    cues: np.ndarray
    conflicts: np.ndarray
    thread: np.ndarray
    shorter_words: list[int]
    lead: list[float]
    longer_words: list[int]
    rewrite: np.ndarray
    jaccard: np.ndarray
    containment: np.ndarray
    gaps: list[int | None]
    date_factors: list[float]
    text_dated: list[bool]
    dates: list[tuple[str, ...]]
    shared: list[SharedItems]

    def measures(self, ks: Sequence[int]) -> list[PairMeasures]:
        """The :class:`PairMeasures` of pairs ``ks`` (the same floats: ``tolist``)."""
        ks = list(ks)
        cues, conflict = self.cues[ks].tolist(), self.conflicts[ks].tolist()
        thread = self.thread[ks].tolist()
        rewrite, jaccard = self.rewrite[ks].tolist(), self.jaccard[ks].tolist()
        containment = self.containment[ks].tolist()
        out = []
        for n, k in enumerate(ks):
            summary = self.summaries[k]
            out.append(
                PairMeasures(
                    # Positional: the cues in CUE_NAMES order are EventCues' first fields
                    # (_FIELDS_OF_CUES), then its words, lead, disagreement cues and the
                    # longer text's words.
                    cues=EventCues(
                        *cues[n],  # type: ignore[call-arg]
                        self.shorter_words[k],
                        self.lead[k],
                        *conflict[n],
                        self.longer_words[k],
                    ),
                    rewrite_evidence=rewrite[n],
                    jaccard=jaccard[n],
                    containment=containment[n],
                    date_gap=self.gaps[k],
                    date_factor=self.date_factors[k],
                    sim=summary.sim,
                    thread_features=tuple(thread[n]),
                    dates=self.dates[k],
                    summary=summary,
                    text_dated=self.text_dated[k],
                    shared=self.shared[k],
                )
            )
        return out


# Per pair of an article, the raw values measure_columns reads into columns (in order).
_RAW = (
    "doc_cosine",
    "best_sentence",
    "top3_sentences",
    "soft_coverage",
    "shared_names",
    "names_a",
    "names_b",
    "shared_numbers",
    "numbers_a",
    "numbers_b",
    "lexical_cosine",
    "entity_specific_jaccard",
    "shorter_words",
    "number_conflict",
    "year_gap",
    "rewrite_evidence",
    "days",
    "gap_unknown",
    "rare_shared_names",
    "rarest_shared_name",
    "shared_long_numbers",
    "rare_shared_people",
    "rare_shared_places",
    "rarest_shared_non_place",
    "far_apart_places_only",
    "shared_place_any",
)
_R = {name: k for k, name in enumerate(_RAW)}


def measure_columns(
    a: DocFeatures,
    others: Sequence[DocFeatures],
    summaries: Sequence[SimSummary],
    term_cosines: Sequence[float],
    overlaps: Sequence[tuple[float, float]],
) -> PairColumns:
    """The :class:`PairColumns` of ``a`` against each of ``others`` (with their sentence
    cosines' summaries, term cosines and shingle overlaps), every value
    :func:`measure_pair`'s bit for bit (see :class:`ColumnsBuilder`)."""
    builder = ColumnsBuilder()
    builder.add(a, others, summaries, term_cosines, overlaps)
    return builder.columns()


class ColumnsBuilder:
    """The :class:`PairColumns` of many articles' pairs (a chunk of scoring work), built
    in two steps: :meth:`add` reads, pair by pair, what needs a pair's sets (dates,
    shared names' weights and roles, number conflicts) into one row of raw values, with
    what every pair reads of its first article read once for all of them (its names'
    specificities and their exact partial sums, its long numbers, its numbers by context
    word; each article's own date reading and note once a chunk); :meth:`columns` then
    makes the ratios, the thread inputs' logarithms of counts and the like column
    operations over all the pairs at once (a few NumPy calls a chunk, not an article).

    Why a second form of :func:`_cues` and :func:`threads.thread_features` (which
    :func:`measure_pair` keeps): per pair they cost objects and calls that this one
    does not; ``tests/test_measure_against.py`` proves the two equal, bit for bit, on
    every pair of its ECB+ and four-language MEANTIME fixtures."""

    def __init__(self) -> None:
        self.rows: list[tuple[float, ...]] = []
        self.summaries: list[SimSummary] = []
        self.overlaps: list[tuple[float, float]] = []
        self.gaps: list[int | None] = []
        self.shorter: list[int] = []
        self.longer: list[int] = []
        self.date_factors: list[float] = []
        self.text_dated: list[bool] = []
        self.notes: list[tuple[str, ...]] = []
        self.shared: list[SharedItems] = []
        self.leads: list[float] = []
        # Each article's own date reading and its notes as a pair's first and second
        # article, by the features' identity (alive while the builder is).
        self._own: dict[int, tuple[dates.DateReading | None, str, str]] = {}

    def _own_reading(self, f: DocFeatures) -> tuple[dates.DateReading | None, str, str]:
        hit = self._own.get(id(f))
        if hit is None:
            reading = dates.own_reading(f.date, f.date_from_text, f.written_date)
            if reading is None:
                hit = (None, "", "")
            else:
                described = reading.describe()
                hit = (reading, sys.intern(f"a: {described}"), sys.intern(f"b: {described}"))
            self._own[id(f)] = hit
        return hit

    def add(
        self,
        a: DocFeatures,
        others: Sequence[DocFeatures],
        summaries: Sequence[SimSummary],
        term_cosines: Sequence[float],
        overlaps: Sequence[tuple[float, float]],
    ) -> None:
        """Read the pairs of ``a`` and each of ``others`` (see the class)."""
        if len(overlaps) != len(others):
            raise ValueError("ColumnsBuilder.add: one overlap per pair")
        self.summaries.extend(summaries)
        self.overlaps.extend(overlaps)
        first = self._first_reads(a)
        long_a, values_a, published_a = first.long_numbers, first.values, first.published
        names_a, numbers_a, words_a, vector_a = a.entities, a.numbers, a.n_words, a.vector
        year_a, n_names_a, n_numbers_a = a.latest_year, len(names_a), len(numbers_a)
        rows, shorter, leads = self.rows, self.shorter, self.leads
        for b, s, term_cosine in zip(others, summaries, term_cosines, strict=True):
            gap = self._add_dates(first, b)
            names, numbers = shared = names_a & b.entities, numbers_a & b.numbers
            self.shared.append(shared)
            days = 0 if gap is None else gap
            shorter.append(min(words_a, b.n_words))
            self.longer.append(max(words_a, b.n_words))
            specific, rarest, n_rare, n_people, n_places, non_place, places_only, place_any = (
                _shared_name_cues(first, b, names, days)
                if names
                else (0.0, 0.0, 0, 0, 0, 0.0, 0.0, 0.0)
            )
            best, top3, soft, lead = _sentence_cues(s)
            leads.append(lead)
            rows.append(
                (
                    float(vector_a @ b.vector),
                    best,
                    top3,
                    soft,
                    len(names),
                    n_names_a,
                    len(b.entities),
                    len(numbers),
                    n_numbers_a,
                    len(b.numbers),
                    term_cosine,
                    specific,
                    shorter[-1],
                    conflicts.conflict_share(values_a, conflicts.by_context(b.number_contexts))
                    if values_a and b.number_contexts
                    else 0.0,  # conflict_share's 0 / (0 + 1)
                    conflicts.year_gap(
                        year_a, b.latest_year, both_published=published_a and _published(b)
                    ),
                    rewrite_evidence(s),
                    days,
                    1.0 if gap is None else 0.0,
                    n_rare,
                    rarest,
                    len(long_a & numbers),
                    n_people,
                    n_places,
                    non_place,
                    places_only,
                    place_any,
                )
            )

    def _first_reads(self, a: DocFeatures) -> _FirstReads:
        """What every pair reads of its first article ``a``, read once for all of them."""
        own, note, _ = self._own_reading(a)
        return _FirstReads(
            a,
            {name: lexical.specificity(name, a.lang) for name in a.entities},
            lexical._exact_partials(a.entities, a.lang),
            long_numbers_of(a.numbers),
            conflicts.by_context(a.number_contexts),
            (a.date, a.date_from_text, a.written_date),
            _short_for_dates(a),
            own,
            note,
            _published(a),
        )

    def _add_dates(self, first: _FirstReads, b: DocFeatures) -> int | None:
        """Add the pair's date columns (gap, notes, date factor, text-dated); the gap in
        days, None when either date is unknown."""
        own_a = first.own
        own_b, _, note_b = self._own.get(id(b)) or self._own_reading(b)
        if own_a is not None and own_b is not None:
            # Both dated on their own: dates.pair_readings would resolve nothing.
            readings: tuple[dates.DateReading | None, dates.DateReading | None] = (
                own_a,
                own_b,
            )
            gap: int | None = abs((own_a.date - own_b.date).days)
            notes: tuple[str, ...] = (first.note, note_b)
        else:
            readings = dates.pair_readings(
                first.date,
                (b.date, b.date_from_text, b.written_date),
                short=(first.short, _short_for_dates(b)),
            )
            gap = _gap(*readings)
            # Interned: an article's note recurs in each of its pairs, and a worker's
            # pickle of its relations then holds it once (10% smaller on real news).
            notes = tuple(map(sys.intern, date_notes(*readings)))
        self.gaps.append(gap)
        self.notes.append(notes)
        self.date_factors.append(date_gap_factor(first.features, b, gap, readings))
        self.text_dated.append(_far_apart(gap) and _text_dated(*readings))
        return gap

    def columns(self) -> PairColumns:
        """The columns of every pair added, in the order added."""
        raw = np.array(self.rows, dtype=np.float64).reshape(len(self.rows), len(_RAW)).T
        cues = _cue_columns(raw)
        names_a, names_b = raw[_R["names_a"]], raw[_R["names_b"]]
        days = raw[_R["days"]]
        thread = np.column_stack(
            (
                cues,
                raw[_R["rewrite_evidence"]],
                _log1p_of_counts(days),
                (days > FAR_APART_DAYS).astype(np.float64),
                raw[_R["gap_unknown"]],
                _log1p_of_counts(raw[_R["rare_shared_names"]]),
                raw[_R["rarest_shared_name"]] / lexical.ZIPF_MAX,
                _log1p_of_counts(raw[_R["shared_long_numbers"]]),
                _log1p_of_counts(raw[_R["shorter_words"]]) / 7.0,
                _log1p_of_counts(np.minimum(names_a, names_b)) / 5.0,
                _log1p_of_counts(np.maximum(names_a, names_b)) / 5.0,
                _log1p_of_counts(raw[_R["rare_shared_people"]]),
                _log1p_of_counts(raw[_R["rare_shared_places"]]),
                raw[_R["rarest_shared_non_place"]] / lexical.ZIPF_MAX,
                raw[_R["far_apart_places_only"]],
                # threads.latest_year_gap, read only when the gap is unknown
                raw[_R["year_gap"]] * raw[_R["gap_unknown"]],
                raw[_R["shared_place_any"]],  # threads.STORED_SHORT_INPUTS
            )
        )
        return PairColumns(
            summaries=self.summaries,
            cues=cues,
            conflicts=np.column_stack((raw[_R["number_conflict"]], raw[_R["year_gap"]])),
            thread=thread,
            shorter_words=self.shorter,
            lead=self.leads,
            longer_words=self.longer,
            rewrite=raw[_R["rewrite_evidence"]],
            jaccard=np.array([o[0] for o in self.overlaps], dtype=np.float64),
            containment=np.array([o[1] for o in self.overlaps], dtype=np.float64),
            gaps=self.gaps,
            date_factors=self.date_factors,
            text_dated=self.text_dated,
            dates=self.notes,
            shared=self.shared,
        )


class _FirstReads(NamedTuple):
    """What :meth:`ColumnsBuilder.add` reads of a pair's first article once for all its
    pairs: its names' specificities and their exact partial sums, its long numbers, its
    numbers by context word, its dates, its own date reading and note."""

    features: DocFeatures
    specificity: dict[str, float]
    partials: list[float]
    long_numbers: frozenset[str]
    values: dict[str, frozenset[str]]
    date: tuple[Any, Any, Any]  # the article's date, date from its text, written date
    short: bool
    own: dates.DateReading | None
    note: str
    published: bool


def _shared_name_cues(
    first: _FirstReads, b: DocFeatures, names: frozenset[str], days: int
) -> tuple[float, float, int, int, int, float, float, float]:
    """A pair's cues of its shared ``names`` (some): the specific Jaccard, the rarest
    name's specificity, the rare names, people and places among them, the rarest
    non-place, whether rare places alone are shared ``days`` apart, and whether a name of
    any specificity is a shared place (``threads``' ``shared_place_any``)."""
    a = first.features
    named = sorted(names)
    if b.lang == a.lang:
        specificity = [first.specificity[name] for name in named]
        # lexical.weighted_jaccard: the shared weights over the union's, each sum exactly
        # rounded (so in any order), the union's from the sets' exact partial sums less
        # the shared weights.
        union = math.fsum(
            [
                *first.partials,
                *lexical._exact_partials(b.entities, a.lang),
                *(-w for w in specificity),
            ]
        )
        specific = math.fsum(specificity) / union if union else 0.0
    else:  # the mean under both languages' frequencies (threads._specificity)
        specificity = [
            0.5 * (first.specificity[name] + lexical.specificity(name, b.lang)) for name in named
        ]
        specific = _specific_jaccard(a, b, names)
    rarest = max(specificity)
    # Every shared name's role (shared_place_any); the rare ones' are these restricted.
    people_any, places_any = name_roles.shared_roles(
        a.sentences, b.sentences, names, a.roles, b.roles
    )
    place_any = shares_place_any(a, b, names, people_any, places_any)
    if rarest < RARE_NAME:  # no rare name: no rare person or place, every name not a place
        return specific, rarest, 0, 0, 0, rarest, 0.0, place_any
    rare = {name for name, v in zip(named, specificity, strict=True) if v >= RARE_NAME}
    people, places = people_any & rare, places_any & rare
    non_place = max(
        (v for name, v in zip(named, specificity, strict=True) if name not in places),
        default=0.0,
    )
    places_only = 1.0 if days > FAR_APART_DAYS and places and places == rare else 0.0
    return specific, rarest, len(rare), len(people), len(places), non_place, places_only, place_any


def _sentence_cues(s: SimSummary) -> tuple[float, float, float, float]:
    """A pair's best and top-3 sentence cosines, the shorter side's mean best and the
    lead's: all 0 for a pair with no sentence summary."""
    if not s.size:
        return 0.0, 0.0, 0.0, 0.0
    return s.best, s.top3, _shorter_side_mean(s.rows, s.columns), _lead_of(s)


def _cue_columns(raw: np.ndarray) -> np.ndarray:
    """The cues (:data:`CUE_NAMES` order, one row a pair) from :func:`measure_columns`'
    raw values: the ratios of counts as :func:`_ratio` gives them (float64 division of
    exact integers is Python's correctly rounded ``int / int``)."""
    shared, names_a, names_b = raw[_R["shared_names"]], raw[_R["names_a"]], raw[_R["names_b"]]
    numbers, numbers_a = raw[_R["shared_numbers"]], raw[_R["numbers_a"]]
    return np.column_stack(
        (
            raw[_R["doc_cosine"]],
            raw[_R["best_sentence"]],
            raw[_R["top3_sentences"]],
            raw[_R["soft_coverage"]],
            _ratios(shared, names_a + names_b - shared),
            _ratios(shared, np.minimum(names_b, names_a)),
            _ratios(numbers, numbers_a + raw[_R["numbers_b"]] - numbers + NUMBER_PSEUDO_COUNT),
            raw[_R["lexical_cosine"]],
            raw[_R["entity_specific_jaccard"]],
        )
    )


def _lead_of(s: SimSummary) -> float:
    """The lead-sentences cue of a pair with sentences: the block's, or read of ``sim``."""
    return s.lead if s.lead is not None else float(s.sim[:LEAD_SENTENCES, :LEAD_SENTENCES].max())


def _ratios(part: np.ndarray, whole: np.ndarray) -> np.ndarray:
    """:func:`_ratio` of each row: ``part / whole``, 0 where ``whole`` is 0."""
    out = np.zeros(len(part), dtype=np.float64)
    np.divide(part, whole, out=out, where=whole != 0)
    return out


# Counts below this read their log1p from a table of math.log1p's values.
_LOG1P_TABLE_SIZE = 4096


@functools.cache
def _log1p_table() -> np.ndarray:
    return np.array([math.log1p(k) for k in range(_LOG1P_TABLE_SIZE)], dtype=np.float64)


def _log1p_of_counts(counts: np.ndarray) -> np.ndarray:
    """``math.log1p`` of each count (non-negative integers as float64), bit for bit:
    looked up in a table of its values (NumPy's own log1p need not round alike)."""
    k = counts.astype(np.intp)
    table = _log1p_table()
    out = table[np.minimum(k, _LOG1P_TABLE_SIZE - 1)]
    big = k >= _LOG1P_TABLE_SIZE
    if big.any():
        out[big] = [math.log1p(v) for v in k[big].tolist()]
    return out


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


def _date_factor_of(
    text_dated: bool, shortness: float, gap: int | None, date_factor: float, model: StoryModel
) -> float:
    """A pair's date factor under ``model`` (the text-date and near steps are the
    model's; a gap of publication dates, its fixed ``date_factor``)."""
    if text_dated:
        return model.text_date_factor(shortness, gap)
    if gap is not None and not _far_apart(gap):  # the near step is the model's too
        return model.near_date_factor(shortness, gap)
    return date_factor


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


# A sentence alignment and the share of sentences copied with small edits (see align_pair).
AlignmentResult = tuple[Alignment, float]


def relate(
    a: DocFeatures,
    b: DocFeatures,
    config: Config = DEFAULT_CONFIG,
    model: StoryModel | None = None,
) -> Relation:
    """Decide whether ``a`` and ``b`` are the same story, how they relate, and why.

    A pair the copy test decides (:func:`samestory.overlap.copy_kind`) gets its
    :func:`copy_relation`; any other its full scoring (:func:`relation_of`) under
    ``model``, by default the one fitted for ``config.encoder`` (:func:`story_model_for`)."""
    overlap = shingle_overlap(a, b)
    kind = copy_kind(a, b, *overlap, config)
    if kind is not None:
        sim = sentence_similarity(a.sentence_vectors, b.sentence_vectors)
        return copy_relation(a, b, kind, overlap, sim, config)
    scored = score_measures(measure_pair(a, b, overlap=overlap), _model_of(model, config))
    return relation_of(a, b, scored, config)


def relate_against(
    a: DocFeatures,
    others: Sequence[DocFeatures],
    config: Config = DEFAULT_CONFIG,
    model: StoryModel | None = None,
    lean: bool = False,
) -> list[Relation]:
    """``[relate(a, b) for b in others]``, the same relations bit for bit, with ``a``'s
    sentence cosines against all of ``others`` summarised at once
    (:func:`samestory.pairsims.summarise_runs`: a few NumPy calls per chunk instead
    of a dozen per pair; the term-vector cosines likewise, :func:`lexical.cosines_against`).

    With ``lean`` (the batch, the store and Spark), a pair that :func:`is_weak` gets its
    :func:`weak_relation` instead: the same kind, score and thread probability, without
    the graded similarity or the shared quotes, names and numbers."""
    return relate_runs([(a, others)], config, model, lean)


def relate_runs(
    runs: Sequence[tuple[DocFeatures, Sequence[DocFeatures]]],
    config: Config = DEFAULT_CONFIG,
    model: StoryModel | None = None,
    lean: bool = False,
) -> list[Relation]:
    """:func:`relate_against` of each ``(a, others)`` of ``runs``, concatenated, the same
    relations bit for bit: the runs' pairs measured into one :class:`ColumnsBuilder`, so
    that the column operations and the weak pairs' scores are a few NumPy calls for all
    the runs (a chunk of scoring work), not for each article."""
    builder = ColumnsBuilder()
    prepared = []
    # Every pair's cosines summarised for all the runs at once (a copy pair's alignment
    # reads them too).
    all_summaries = summarise_runs(
        [(a.sentence_vectors, [b.sentence_vectors for b in others]) for a, others in runs],
        _close_thresholds(config),
    )
    for (a, others), summaries in zip(runs, all_summaries, strict=True):
        overlaps = shingle_overlaps(a, others)
        kinds = [copy_kind(a, b, *o, config) for b, o in zip(others, overlaps, strict=True)]
        scored = [k for k, kind in enumerate(kinds) if kind is None]
        builder.add(
            a,
            [others[k] for k in scored],
            [summaries[k] for k in scored],
            lexical.cosines_against(a.terms, [others[k].terms for k in scored]),
            [overlaps[k] for k in scored],
        )
        prepared.append(([(a, b) for b in others], kinds, overlaps, summaries, scored))
    columns = builder.columns()
    scored_pairs = [pairs[k] for pairs, _, _, _, scored in prepared for k in scored]
    # With lean, the weak pairs' relations from the columns; the others' through objects.
    weak: list[Relation | None] = [None] * len(scored_pairs)
    if lean:
        weak = _weak_relations(scored_pairs, columns, _model_of(model, config), config)
    out: list[Relation] = []
    start = 0
    for pairs, kinds, overlaps, summaries, scored in prepared:
        run_weak = weak[start : start + len(scored)]
        rest = [n for n, relation in enumerate(run_weak) if relation is None]
        relations = _relations(
            pairs,
            kinds,
            overlaps,
            summaries,
            [scored[n] for n in rest],
            columns.measures([start + n for n in rest]),
            config,
            model,
            lean,
        )
        for k, relation in zip(scored, run_weak, strict=True):
            if relation is not None:
                relations[k] = relation
        out.extend(relations)
        start += len(scored)
    return out


def _weak_relations(
    pairs: Sequence[tuple[DocFeatures, DocFeatures]],
    columns: PairColumns,
    model: StoryModel,
    config: Config,
) -> list[Relation | None]:
    """For each pair of ``columns`` (of the articles ``pairs``), its
    :func:`weak_relation` when it :func:`is_weak`, else None: the same scores as
    :func:`_score_all` gives its :class:`PairScore`, bit for bit, as columns (the event
    model's log-odds summed term by term in :meth:`StoryModel.event_logit`'s order, each
    an elementwise float64 operation; ``math.exp`` per value; the thread model's trees
    walked for all rows and each row's terms ``math.fsum``-ed)."""
    if not pairs:
        return []
    u = np.array([shortness(w) for w in columns.shorter_words], dtype=np.float64)
    u_short = u
    if model.shaped_short:  # the short part's weight, as event_logit's
        u_short = np.array(
            [
                model.short_strength(w, v, longer)
                for w, v, longer in zip(
                    columns.shorter_words, u.tolist(), columns.longer_words, strict=True
                )
            ],
            dtype=np.float64,
        )
    p_event = [
        1.0 / (1.0 + math.exp(-logit))
        for logit in _event_logits(columns.cues, columns.conflicts, u_short, model).tolist()
    ]
    factor = [
        _date_factor_of(text_dated, shortness_, gap, date_factor, model)
        for text_dated, shortness_, gap, date_factor in zip(
            columns.text_dated, u.tolist(), columns.gaps, columns.date_factors, strict=True
        )
    ]
    p = np.array(p_event, dtype=np.float64)
    score = np.maximum(p, columns.rewrite) * np.array(factor, dtype=np.float64)
    thread = np.array(thread_probabilities(columns.thread), dtype=np.float64)
    close = np.array(
        [s.close_share(config.align_min_similarity) for s in columns.summaries], dtype=np.float64
    )
    weak = _weak_mask(score, thread, columns.jaccard, close, config)
    out: list[Relation | None] = [None] * len(pairs)
    if not weak.any():
        return out
    values = np.column_stack(
        (
            score,
            p,
            thread,
            columns.rewrite,
            columns.jaccard,
            columns.containment,
            columns.cues,
            columns.conflicts,
        )
    )[weak].tolist()
    for k, row in zip(np.flatnonzero(weak).tolist(), values, strict=True):
        evidence = Evidence(
            date_gap_days=columns.gaps[k],
            scores=dict(zip(WEAK_SCORE_KEYS, row, strict=True)),
            dates=columns.dates[k],
        )
        a, b = pairs[k]
        out[k] = Relation(a=a.id, b=b.id, kind=None, score=row[0], evidence=evidence)
    return out


def _event_logits(
    cues: np.ndarray, conflict: np.ndarray, u: np.ndarray, model: StoryModel
) -> np.ndarray:
    """:meth:`StoryModel.event_logit` of each row of ``cues`` (with its disagreement cues
    and shortness ``u``), bit for bit: the same products added in the same order."""
    logit = model.event_bias + _dot_columns(model.event_weights, cues)
    logit = logit + _dot_columns(model.conflict_weights, conflict)
    short = u > 0.0
    if short.any():
        part = model.short_bias + _dot_columns(model.short_weights, cues[short])
        logit[short] = logit[short] + u[short] * part
    return logit


def _dot_columns(weights: Sequence[float], x: np.ndarray) -> np.ndarray:
    """:func:`_dot` of ``weights`` with each row of ``x``: ``0 + w_0 x_0 + w_1 x_1 + …``
    added left to right, each step one float64 operation per row (no fused multiply-add)."""
    total = np.zeros(len(x), dtype=np.float64)
    for k, w in enumerate(weights):
        total = total + w * x[:, k]
    return total


def _weak_mask(
    score: np.ndarray, thread: np.ndarray, jaccard: np.ndarray, close: np.ndarray, config: Config
) -> np.ndarray:
    """:func:`is_weak` of each pair, from its score, thread probability, shingle Jaccard
    and close share at ``config.align_min_similarity`` (:func:`needs_alignment`)."""
    if not (config.near_duplicate_sentences > 0 and config.rewrite_min_coverage > 0):
        return np.zeros(len(score), dtype=bool)
    aligned = (
        (close >= config.rewrite_min_coverage * ALIGN_IF_CLOSE_SHARE)
        | (jaccard > ALIGN_IF_JACCARD)
        | (score >= config.same_story_threshold)
    )
    return (thread < THREAD_THRESHOLD) & ~aligned


def _relations(
    pairs: Sequence[tuple[DocFeatures, DocFeatures]],
    kinds: Sequence[RelationKind | None],
    overlaps: Sequence[tuple[float, float]],
    summaries: Sequence[SimSummary],
    scored: Sequence[int],
    measures: Sequence[PairMeasures],
    config: Config,
    model: StoryModel | None,
    lean: bool = False,
) -> list[Relation]:
    """The relation of each pair: a :func:`copy_relation` where ``kinds`` has a copy
    kind, else :func:`relation_of` its measures (``measures[n]`` is pair ``scored[n]``'s),
    or with ``lean`` its :func:`weak_relation` when it :func:`is_weak`."""
    out: list[Relation | None] = [None] * len(pairs)
    # The pairs found weak while scored (the same test on the same score, thread
    # probability, Jaccard and summary as is_weak here on the PairScore).
    scores, weak = _score_all(measures, _model_of(model, config), config if lean else None)
    for k, ps, is_weak_pair in zip(scored, scores, weak, strict=True):
        a, b = pairs[k]
        if is_weak_pair:
            out[k] = weak_relation(a, b, ps)
        else:
            out[k] = relation_of(a, b, ps, config)
    for k, kind in enumerate(kinds):
        if kind is not None:
            a, b = pairs[k]
            out[k] = copy_relation(a, b, kind, overlaps[k], summaries[k].sim, config)
    return out  # type: ignore[return-value]  # every slot filled


def _model_of(model: StoryModel | None, config: Config) -> StoryModel:
    """``model``, or when None the one fitted for ``config.encoder`` (story_model_for)."""
    return story_model_for(config.encoder) if model is None else model


def _close_thresholds(config: Config) -> tuple[float, ...]:
    """The close shares scoring reads: the rewrite evidence's and the alignment test's."""
    return (SOFT_MATCH, config.align_min_similarity)


def relate_to(
    others: Sequence[DocFeatures],
    b: DocFeatures,
    config: Config = DEFAULT_CONFIG,
    model: StoryModel | None = None,
    lean: bool = False,
) -> list[Relation]:
    """``[relate(o, b) for o in others]``, the same relations bit for bit: as
    :func:`relate_against` with the fixed article second (the store relates each stored
    neighbour to the article being added, Spark a copy's representative to the copy);
    ``lean`` as there."""
    overlaps = [shingle_overlap(o, b) for o in others]
    kinds = [copy_kind(o, b, *ov, config) for o, ov in zip(others, overlaps, strict=True)]
    summaries = summarise_to(
        [o.sentence_vectors for o in others], b.sentence_vectors, _close_thresholds(config)
    )
    scored = [k for k, kind in enumerate(kinds) if kind is None]
    # The cosine is symmetric bit for bit: the same shared words in ascending hash order,
    # the same products summed in the same order.
    term_cosines = lexical.cosines_against(b.terms, [others[k].terms for k in scored])
    measures = [
        measure_pair(others[k], b, summaries[k], c, overlaps[k])
        for k, c in zip(scored, term_cosines, strict=True)
    ]
    return _relations(
        [(o, b) for o in others], kinds, overlaps, summaries, scored, measures, config, model, lean
    )


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
    written too long after) to be the same story, whose thread probability is high."""
    if ps.thread < THREAD_THRESHOLD:
        return False
    if kind is None:
        return True
    return kind is RelationKind.REWRITE and (
        score < config.same_story_threshold or _far_apart(ps.date_gap)
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


_NO_ALIGNMENT = Alignment(pairs=[], only_a=[], only_b=[], coverage_a=0.0, coverage_b=0.0, order=1.0)


def align_pair(
    a: DocFeatures, b: DocFeatures, sim: np.ndarray, config: Config = DEFAULT_CONFIG
) -> AlignmentResult:
    """Sentence alignment, and the share of sentences copied with small edits.

    The copied share is ``#{aligned pairs with word Jaccard >= 0.5} / max(|A|, |B|)``:
    near 1 only when both texts are the same sentences, lightly edited.
    """
    lexical = lexical_similarity(a.sentences, b.sentences)
    alignment = align_sentences(sim, config.align_min_similarity, lexical=lexical)
    copied = sum(1 for i, j, _ in alignment.pairs if lexical[i, j] >= COPIED_SENTENCE_JACCARD)
    longest = max(len(a.sentences), len(b.sentences))
    return alignment, (copied / longest if longest else 0.0)


def _shorter_coverage(alignment: Alignment, n_a: int, n_b: int) -> float:
    if not n_a or not n_b:
        return 0.0
    return alignment.coverage_a if n_a <= n_b else alignment.coverage_b


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


def _evidence(
    a: DocFeatures,
    b: DocFeatures,
    alignment: Alignment,
    gap: int | None,
    scores: dict[str, float],
    date_notes: tuple[str, ...] = (),
    max_aligned: int = MAX_ALIGNED_EVIDENCE,
    shared: SharedItems | None = None,
) -> Evidence:
    aligned: tuple[AlignedSentence, ...] = ()
    if alignment.pairs:
        best = sorted(alignment.pairs, key=lambda p: (-p[2], p[0]))[:max_aligned]
        aligned = tuple(
            AlignedSentence(i, j, a.sentences[i], b.sentences[j], s) for i, j, s in sorted(best)
        )
    names, numbers = shared if shared is not None else shared_items(a, b)
    return Evidence(
        aligned=aligned,
        shared_quotes=tuple(_shared_quotes(a.quotes, b.quotes)),
        shared_entities=tuple(sorted(names)),
        shared_numbers=tuple(sorted(numbers)),
        date_gap_days=gap,
        scores=scores,
        dates=date_notes,
    )


def _shared_quotes(quotes_a: tuple[str, ...], quotes_b: tuple[str, ...]) -> list[str]:
    """Quotes of A that reappear in B (word-set Jaccard >= 0.5, so light edits still count).

    ``J = |A∩B| / (|A| + |B| - |A∩B|) <= min(|A|, |B|) / max(|A|, |B|)``, so a quote of
    ``n`` words is compared only with B's quotes of ``n/2`` to ``2n`` words, found by
    bisection in B's quotes ordered by size; and only when its prefix words
    (:func:`_quote_prefixes`) meet B's, without which it cannot reach the Jaccard.
    """
    if not quotes_a or not quotes_b:
        return []
    prefixes_a, any_prefix_a = _quote_prefixes(quotes_a)
    any_prefix_b = _quote_prefixes(quotes_b)[1]
    if any_prefix_a.isdisjoint(any_prefix_b):
        return []
    sizes, word_sets = _quotes_by_size(quotes_b)
    out = []
    for quote, prefix in zip(quotes_a, prefixes_a, strict=True):
        if prefix.isdisjoint(any_prefix_b):
            continue
        words = _quote_words(quote)
        n = len(words)
        low = bisect.bisect_left(sizes, n * SHARED_QUOTE_JACCARD)
        high = bisect.bisect_right(sizes, n / SHARED_QUOTE_JACCARD)
        for m, other in zip(sizes[low:high], word_sets[low:high], strict=True):
            shared = len(words & other)
            if (n or m) and shared / (n + m - shared) >= SHARED_QUOTE_JACCARD:
                out.append(quote)
                break
    return normalize.unique(out)


@functools.lru_cache(maxsize=QUOTE_WORDS_CACHE)
def _quotes_by_size(quotes: tuple[str, ...]) -> tuple[list[int], list[frozenset[str]]]:
    """An article's quotes' word sets and their sizes, ordered by size (cached: an
    article's quotes are compared in each of its pairs)."""
    word_sets = sorted(map(_quote_words, quotes), key=len)
    return [len(w) for w in word_sets], word_sets


@functools.lru_cache(maxsize=QUOTE_WORDS_CACHE)
def _quote_prefixes(quotes: tuple[str, ...]) -> tuple[tuple[frozenset[str], ...], frozenset[str]]:
    """The prefix filter's words of each of an article's quotes, and all of them: a quote
    X of A can share a word set at Jaccard >= ``t`` with a quote Y of B only if X's
    prefix words and Y's meet.

    Each quote's words in one global order (longest first, then alphabetical: rarer
    words first, so few pairs meet), its first ``n - ceil(t n) + 1`` of its ``n``.
    Why it is exact: ``J(X, Y) >= t`` needs ``s = |X ∩ Y| >= t max(n, m)``, so
    ``s >= ceil(t n)`` and ``s >= ceil(t m)``; the first shared word in the global
    order has at least ``s - 1`` of X's words after it, so it is among X's first
    ``n - s + 1 <= n - ceil(t n) + 1``, and likewise among Y's. (Cached per article.)"""
    prefixes = []
    for quote in quotes:
        words = sorted(_quote_words(quote), key=_prefix_order)
        keep = len(words) - math.ceil(len(words) * SHARED_QUOTE_JACCARD) + 1
        prefixes.append(frozenset(words[:keep]))
    return tuple(prefixes), frozenset().union(*prefixes)


def _prefix_order(word: str) -> tuple[int, str]:
    return -len(word), word


@functools.lru_cache(maxsize=QUOTE_WORDS_CACHE)
def _quote_words(quote: str) -> frozenset[str]:
    """A quote's word set (cached: an article's quotes are compared in each of its pairs)."""
    return frozenset(normalize.words(quote))
