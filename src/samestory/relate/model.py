"""The fitted models, as read from ``samestory/params/story_model.json`` (:class:`StoryModel`).

Event model (logistic over the cues ``x``, the shortness ``u`` and the disagreement cues
``c``): ``P = 1 / (1 + exp(-(b + w·x + u (β + v·x) + d·c)))``. Graded similarity: a
monotone additive model of the 1-4 "same story" scale, ``-overall ≈ b_g + Σ_c g_c(x_c)``
with each ``g_c`` piecewise linear and nondecreasing, mapped onto [0, 1] as
``(4 - prediction) / 3``. Date factors: the text-date gate and the near step, by the
pair's shortness and gap. The file's parts are checked against the code's cue names at
load; one model a fit encoder (:func:`story_model_for`), the default read at import
(:data:`STORY_MODEL`).
"""

from __future__ import annotations

import bisect
import dataclasses
import functools
import math
import operator
from collections.abc import Mapping, Sequence
from typing import Any

from samestory import params
from samestory.errors import ParamsError
from samestory.relate.cues import (
    CONFLICT_CUE_NAMES,
    CUE_NAMES,
    GRADED_CUE_NAMES,
    SHORT_TEXT_SPREAD,
    SHORT_TEXT_WORDS,
    EventCues,
    shortness,
)
from samestory.relate.date_gate import (
    DATE_GAP_DAYS,
    DATE_GAP_FACTOR,
    NEAR_GAP_FACTOR,
    PUBLISHED_DATE_GAP_FACTOR,
)

# The graded model predicts SemEval-2022's rating scale, by definition from 1 (same story)
# to 4 (unrelated); graded_similarity maps it onto [0, 1].
GRADED_SCALE = (1.0, 4.0)


Shape = tuple[tuple[float, ...], tuple[float, ...]]


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
