"""``compare``'s decision for a pair on its own (no corpus): a logistic pair model.

``cluster`` decides by average link over the corpus; a pair alone has only its own
measures. The pair model reads production's measures of the pair
(:func:`samestory.relate.measure_pair`), the share of one text's recurring names the
other never names (:func:`samestory.recurring.recurring_names_unshared`) and how far the
ages the two texts state agree (:func:`samestory.ages.age_agreement`: +1 the same,
-1 none shared, 0 unknown), all model-free
(:func:`pair_design`), and says

    P(same story | x) = 1 / (1 + exp(-(b + Σ_k w_k (x_k - μ_k) / σ_k)))

gated like the story score: ``P × f`` with ``f`` the pair's date factor (1 unless the
two are dated more than 30 days apart), and links the pair when ``P × f ≥ t``. The
weights, the standardisation ``μ, σ`` and the threshold ``t`` are fitted by
``scripts/fit_pair_model.py --write`` (5-fold cross-validation over topics on the dev
sets, their short forms and unrelated short pairs that share a number or a name) and
read from ``samestory/params/pair_model.json``, checked against :func:`input_names`.
"""

from __future__ import annotations

import dataclasses
import functools
import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from samestory import params, relate, venues
from samestory.ages import age_agreement
from samestory.errors import ParamsError
from samestory.features import DocFeatures
from samestory.models import Relation, RelationKind
from samestory.recurring import recurring_names_unshared
from samestory.threads import EXTRA_FEATURES, THREAD_THRESHOLD

#: Thread-model inputs the pair model leaves out: ``latest_year_gap`` is the story model's
#: ``year_gap`` cue times ``gap_unknown``, both already pair-model inputs. The shipped file
#: was fitted without it; taking it in is a refit under compare's CV protocol
#: (docs/accuracy.md), not a side effect of a thread-model change, and until then the fit
#: script's stated options must design the shipped file's inputs.
REPEATED_THREAD_INPUTS = frozenset({"latest_year_gap"})
_THREAD_INPUTS_READ = tuple(
    i for i, name in enumerate(EXTRA_FEATURES) if name not in REPEATED_THREAD_INPUTS
)

PAIR_MODEL_FILE = "pair_model.json"

#: Inputs read after every other, and only by a file that names them: each fitted on top
#: of the rest with the rest's numbers kept (``fit_pair_model.py --offset-inputs
#: --keep-shipped-base``), so a pair whose offset inputs are 0 is decided as without them
#: (docs/history/accuracy.md, 2026-12-07 02:25, compare).
OFFSET_INPUTS: dict[str, Callable[[DocFeatures, DocFeatures], float]] = {
    "local_venue_agreement": venues.local_venue_agreement,
}


def input_names(cross_lingual: bool = False) -> list[str]:
    """The names of :func:`pair_design`'s values, in order: the event cues, the shortness
    ``u`` and ``u`` times each cue, the disagreement cues, the headline-and-lead cosine,
    shingle overlap, the date factor, the thread model's inputs after its cues (less
    :data:`REPEATED_THREAD_INPUTS`), the
    share of recurring names the other text lacks (:func:`recurring_names_unshared`),
    whether the ages the texts state agree (:func:`age_agreement`), and
    (``cross_lingual``) the cues times a two-languages indicator."""
    cues = list(relate.CUE_NAMES)
    names = [
        *cues,
        "shortness",
        *(f"shortness*{c}" for c in cues),
        *relate.CONFLICT_CUE_NAMES,
        "lead_sentences",
        "shingle_jaccard",
        "shingle_containment",
        "date_factor",
        *(EXTRA_FEATURES[i] for i in _THREAD_INPUTS_READ),
        "recurring_names_unshared",
        "age_agreement",
    ]
    return names + [f"cross_lingual*{c}" for c in cues] if cross_lingual else names


def pair_design(
    m: relate.PairMeasures,
    a: DocFeatures,
    b: DocFeatures,
    cross_lingual: bool = False,
    offset: Sequence[str] = (),
) -> list[float]:
    """The pair model's inputs from production's measures ``m`` of a pair ``a``, ``b``,
    in :func:`input_names` order; ``cross_lingual`` adds the cues times a two-languages
    indicator (1.0 when ``a`` and ``b`` differ in language); ``offset``: the
    :data:`OFFSET_INPUTS` of these names after them, in order."""
    x = m.cues.vector()
    u = m.cues.shortness
    row = [
        *x,
        u,
        *(u * v for v in x),
        *m.cues.conflicts(),
        m.cues.lead_sentences,
        m.jaccard,
        m.containment,
        m.date_factor,
        *(m.thread_features[len(x) + i] for i in _THREAD_INPUTS_READ),
        recurring_names_unshared(a, b),
        age_agreement(a, b),
    ]
    if cross_lingual:
        two = float(a.lang != b.lang)
        row += [two * v for v in x]
    return row + [OFFSET_INPUTS[name](a, b) for name in offset]


@dataclasses.dataclass(frozen=True)
class PairModel:
    """A fitted pair model: inputs by name (a subset of :func:`input_names`), their
    standardisation, weights, bias, the decision threshold, and whether the probability
    is gated by the date factor. ``info``: what it was fitted on and its figures."""

    inputs: tuple[str, ...]
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    weights: tuple[float, ...]
    bias: float
    threshold: float
    gate: bool = True
    info: dict[str, Any] = dataclasses.field(default_factory=dict, compare=False)

    def __post_init__(self) -> None:
        n = len(self.inputs)
        if not (len(self.mean) == len(self.scale) == len(self.weights) == n):
            raise ParamsError("pair model: inputs, mean, scale and weights differ in length")
        unknown = set(self.inputs) - set(input_names(cross_lingual=True)) - set(OFFSET_INPUTS)
        if unknown:
            raise ParamsError(f"pair model: unknown inputs {', '.join(sorted(unknown))}")
        numbers = (*self.mean, *self.scale, *self.weights, self.bias, self.threshold)
        if not all(math.isfinite(v) for v in numbers) or min(self.scale, default=1.0) <= 0:
            raise ParamsError("pair model: a parameter is not finite, or a scale is not > 0")
        if not 0.0 < self.threshold < 1.0:
            raise ParamsError(f"pair model: threshold {self.threshold} is not in (0, 1)")

    @functools.cached_property
    def _columns(self) -> tuple[int, ...]:
        names = input_names(cross_lingual=self.cross_lingual) + list(self.offset_inputs)
        return tuple(names.index(n) for n in self.inputs)

    @property
    def offset_inputs(self) -> tuple[str, ...]:
        """The :data:`OFFSET_INPUTS` the file names, in :data:`OFFSET_INPUTS` order."""
        return tuple(n for n in OFFSET_INPUTS if n in self.inputs)

    @property
    def cross_lingual(self) -> bool:
        return any(n.startswith("cross_lingual*") for n in self.inputs)

    def probability_of_row(self, row: Sequence[float], factor: float = 1.0) -> float:
        """``P × f`` (``P`` alone unless gated) of a full :func:`pair_design` row."""
        z = self.bias
        for k, w, mu, sd in zip(self._columns, self.weights, self.mean, self.scale, strict=True):
            z += w * (row[k] - mu) / sd
        p = 1.0 / (1.0 + math.exp(-z)) if z > -700 else 0.0
        return p * factor if self.gate else p

    def probability(self, m: relate.PairMeasures, a: DocFeatures, b: DocFeatures) -> float:
        """The gated probability of the pair ``a``, ``b`` measured as ``m``."""
        row = pair_design(m, a, b, self.cross_lingual, self.offset_inputs)
        return self.probability_of_row(row, m.date_factor)

    def links(self, m: relate.PairMeasures, a: DocFeatures, b: DocFeatures) -> bool:
        return self.probability(m, a, b) >= self.threshold

    def to_dict(self) -> dict[str, Any]:
        return {
            "inputs": {
                n: {"mean": mu, "scale": sd, "weight": w}
                for n, mu, sd, w in zip(
                    self.inputs, self.mean, self.scale, self.weights, strict=True
                )
            },
            "bias": self.bias,
            "threshold": self.threshold,
            "gate": self.gate,
            "info": self.info,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> PairModel:
        """Read the model from its JSON form; :class:`ParamsError` when it does not fit."""
        try:
            inputs = data["inputs"]
            return cls(
                inputs=tuple(str(n) for n in inputs),
                mean=tuple(float(v["mean"]) for v in inputs.values()),
                scale=tuple(float(v["scale"]) for v in inputs.values()),
                weights=tuple(float(v["weight"]) for v in inputs.values()),
                bias=float(data["bias"]),
                threshold=float(data["threshold"]),
                gate=bool(data.get("gate", True)),
                info=dict(data.get("info", {})),
            )
        except (KeyError, TypeError, ValueError, AttributeError) as e:
            raise ParamsError(f"pair model {PAIR_MODEL_FILE}: malformed ({e!r})") from e


@functools.cache
def load_pair_model() -> PairModel | None:
    """The shipped pair model, or None when no params file is shipped."""
    try:
        data = params.load(PAIR_MODEL_FILE)
    except FileNotFoundError:
        return None
    return PairModel.from_dict(data)


def decide(
    relation: Relation,
    m: relate.PairMeasures,
    thread: float,
    model: PairModel,
    a: DocFeatures,
    b: DocFeatures,
) -> Relation:
    """``relation`` (production's, of the pair ``a``, ``b`` on its own, measured as
    ``m``) with the pair model's decision:

    - a copy (``exact``, ``near_duplicate``) stays: the same text is the same story;
    - linked (``P × f ≥ t``): its kind when a ``rewrite``, else ``same_event``;
    - not linked: ``follow_up`` when the thread model says the same incident
      (:data:`~samestory.threads.THREAD_THRESHOLD`), else no relation.

    ``score`` becomes the model's gated probability (copies keep 1.0) and
    ``evidence.scores["pair_model"]`` says it; the story score stays under ``"story"``.
    """
    p = model.probability(m, a, b)
    kind = relation.kind
    if kind in (RelationKind.EXACT, RelationKind.NEAR_DUPLICATE):
        score = relation.score
    elif p >= model.threshold:
        kind, score = (kind if kind is RelationKind.REWRITE else RelationKind.SAME_EVENT), p
    else:
        kind, score = (RelationKind.FOLLOW_UP if thread >= THREAD_THRESHOLD else None), p
    scores = {**relation.evidence.scores, "pair_model": p, "pair_threshold": model.threshold}
    evidence = dataclasses.replace(relation.evidence, scores=scores)
    return dataclasses.replace(relation, kind=kind, score=score, evidence=evidence)
