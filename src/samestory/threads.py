"""Story threads: later coverage of one incident linked to the story it follows.

A story is one event (a verdict is not the crime). Newsrooms follow an incident for
months: the shooting, the victim named, the arrest, the charges, the trial, the
anniversary. Those stories share the incident's specific names and places but are
written weeks apart, so the date gate of :mod:`samestory.relate` keeps them apart as
stories; the *thread* model links them.

**Thread model.** A logistic model of ``P(same incident | pair)`` over the event cues,
the rewrite evidence, the date gap ``g`` in days (``log(1 + g)``, ``g > 30``, and
whether the gap is unknown) and a few counts (``EXTRA_FEATURES``: rare shared names, the
rarest shared name, shared long numbers, text length and how many names each text has):
unlike the story score it does not cut pairs written far apart, it weighs the gap as one
piece of evidence. Fitted by
``scripts/fit_thread_model.py`` on the candidate pairs of the GVA dev set (labels are
incidents, with their later coverage) together with ECB+ and MEANTIME (two different
events of one kind are different incidents too), with cross-validation over incidents
and topics.

**Threads.** Stories are the units, each weighing as many articles as it has: the
linkage of two threads is the average thread probability over their articles' cross
pairs, unscored pairs counting 0 (:func:`thread_groups`), merged while it is at least
``THREAD_THRESHOLD``, and a small thread then joins one three times its size at half that.
A pair of articles of two stories of one thread whose thread probability reaches
``THREAD_THRESHOLD`` is a ``follow_up`` relation. A thread's id comes from the id of
its first story, so it stays the same while later stories join.
"""

from __future__ import annotations

import dataclasses
import hashlib
import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from samestory import lexical, params
from samestory.stories import average_link

if TYPE_CHECKING:
    from samestory.features import DocFeatures

MODEL_FILE = "thread_model.json"
# Inputs of the thread model, in order: the event cues (relate.CUE_NAMES), then these.
EXTRA_FEATURES = (
    "rewrite_evidence",
    "log_gap",  # log(1 + days apart), 0 when a date is unknown
    "far_apart",  # 1 when more than FAR_APART_DAYS apart
    "gap_unknown",  # 1 when either date is unknown
    "log_rare_shared_names",  # log(1 + shared names of specificity >= RARE_NAME)
    "rarest_shared_name",  # highest specificity of a shared name / ZIPF_MAX
    "log_shared_long_numbers",  # log(1 + shared numbers of 3+ digits that are not years)
    "log_shorter_words",  # log(1 + words of the shorter text) / 7
    "log_fewer_names",  # log(1 + names of the text with fewer) / 5
    "log_more_names",  # log(1 + names of the text with more) / 5: roundups name many places
)
FAR_APART_DAYS = 30
RARE_NAME = 4.5


@dataclasses.dataclass(frozen=True, slots=True)
class ThreadModel:
    """``P(same incident) = 1 / (1 + exp(-(bias + Σ w_k x_k)))`` over :func:`thread_features`;
    ``threshold``: the thread linkage at which stories join (and a pair is a follow-up)."""

    names: tuple[str, ...]
    weights: tuple[float, ...]
    bias: float
    threshold: float
    info: dict[str, Any]


def load_model() -> ThreadModel:
    """The fitted model in ``samestory/params/thread_model.json`` (written by
    ``scripts/fit_thread_model.py``)."""
    data = params.load(MODEL_FILE)
    weights = data["weights"]
    return ThreadModel(
        names=tuple(weights),
        weights=tuple(float(w) for w in weights.values()),
        bias=float(data["bias"]),
        threshold=float(data["threshold"]),
        info={k: v for k, v in data.items() if k not in ("weights", "bias", "threshold")},
    )


MODEL = load_model()
THREAD_THRESHOLD = MODEL.threshold


def thread_features(
    a: DocFeatures, b: DocFeatures, cues: Sequence[float], rewrite_evidence: float, gap: int | None
) -> tuple[float, ...]:
    """The thread model's inputs: the event cues, then ``EXTRA_FEATURES``."""
    days = 0 if gap is None else gap
    shared = a.entities & b.entities
    specificity = [lexical.specificity(name, a.lang) for name in sorted(shared)]
    long_numbers = sum(1 for x in a.numbers & b.numbers if _is_long_number(x))
    return (
        *cues,
        rewrite_evidence,
        math.log1p(days),
        1.0 if days > FAR_APART_DAYS else 0.0,
        1.0 if gap is None else 0.0,
        math.log1p(sum(1 for v in specificity if v >= RARE_NAME)),
        max(specificity, default=0.0) / lexical.ZIPF_MAX,
        math.log1p(long_numbers),
        math.log1p(min(a.n_words, b.n_words)) / 7.0,
        math.log1p(min(len(a.entities), len(b.entities))) / 5.0,
        math.log1p(max(len(a.entities), len(b.entities))) / 5.0,
    )


def _is_long_number(number: str) -> bool:
    """Three or more digits, not a year: a street number, a sum, a case number."""
    digits = number.replace(".", "")
    return len(digits) >= 3 and not (len(digits) == 4 and digits[:2] in ("19", "20"))


def thread_probability(x: Sequence[float], model: ThreadModel = MODEL) -> float:
    """``P(same incident) = 1 / (1 + exp(-(b + w·x)))`` of :func:`thread_features` ``x``."""
    logit = model.bias + math.fsum(w * v for w, v in zip(model.weights, x, strict=True))
    return 1.0 / (1.0 + math.exp(-max(-60.0, min(60.0, logit))))


def thread_groups(
    n: int,
    edges: Sequence[tuple[int, int, float]],
    story_of: Sequence[int],
    threshold: float = THREAD_THRESHOLD,
) -> list[list[int]]:
    """Threads of ``n`` items given thread-probability ``edges`` and each item's story.

    Each story is one unit (its members never split) that weighs as many items as it
    has: the linkage of two threads ``X``, ``Y`` is ``Σ p(x, y) / (|X| |Y|)`` over their
    items' cross pairs, unscored pairs counting 0 (:func:`samestory.stories.average_link`
    with ``sizes``); merged while it is at least ``threshold``, then a thread joins one
    ``ATTACH_SIZE_RATIO`` times as many items at ``threshold / 2``. (Collapsing each
    story to one item, its linkage the mean of its scored pairs, let one strong pair
    between a large story and a later article stand for the whole story: GVA dev thread
    ARI 0.782 -> 0.794 weighted, ECB+ 0.914 -> 0.919, MEANTIME 0.978 both, static
    encoder, same model.) Returns groups of item indices.
    """
    units = sorted(set(story_of))
    unit = {s: k for k, s in enumerate(units)}
    sizes = [0] * len(units)
    for s in story_of:
        sizes[unit[s]] += 1
    best: dict[tuple[int, int], float] = {}
    for i, j, p in edges:  # a pair listed twice keeps its highest probability
        if story_of[i] != story_of[j]:
            key = (min(i, j), max(i, j))
            best[key] = max(p, best.get(key, p))
    totals: dict[tuple[int, int], float] = {}
    for (i, j), p in best.items():
        key = (min(unit[story_of[i]], unit[story_of[j]]), max(unit[story_of[i]], unit[story_of[j]]))
        totals[key] = totals.get(key, 0.0) + p
    grouped = average_link(
        len(units), [(x, y, t) for (x, y), t in totals.items()], threshold, threshold / 2, sizes
    )
    items: list[list[int]] = [[] for _ in units]
    for i, s in enumerate(story_of):
        items[unit[s]].append(i)
    return sorted(
        (sorted(i for x in group for i in items[x]) for group in grouped), key=lambda g: g[0]
    )


def thread_id(first_story: str) -> str:
    """Stable id of a thread, from the id of its first story."""
    return "t-" + hashlib.sha1(first_story.encode("utf-8")).hexdigest()[:12]
