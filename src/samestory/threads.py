"""Story threads: later coverage of one incident linked to the story it follows.

A story is one event (a verdict is not the crime). Newsrooms follow an incident for
months: the shooting, the victim named, the arrest, the charges, the trial, the
anniversary. Those stories share the incident's specific names and places but are
written weeks apart, so the date gate of :mod:`samestory.relate` keeps them apart as
stories; the *thread* model links them.

**Thread model.** A logistic model of ``P(same incident | pair)`` over the event cues,
the rewrite evidence and the date gap ``g`` in days (``log(1 + g)``, ``g > 30``, and
whether the gap is unknown): unlike the story score it does not cut pairs written far
apart, it weighs the gap as one piece of evidence. Fitted by
``scripts/fit_thread_model.py`` on the candidate pairs of the GVA dev set (labels are
incidents, with their later coverage) together with ECB+ and MEANTIME (two different
events of one kind are different incidents too), with cross-validation over incidents
and topics.

**Threads.** Stories are the units: the linkage of two threads is the average thread
probability over their scored cross pairs (:func:`samestory.stories.average_link_over_copies`
with each story collapsed to one item), merged while it is at least ``THREAD_THRESHOLD``,
and a small thread then joins one three times its size at half that. A pair of articles
of two stories of one thread whose thread probability reaches ``THREAD_THRESHOLD`` is a
``follow_up`` relation. A thread's id comes from the id of its first story, so it stays
the same while later stories join.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence

from samestory.stories import average_link_over_copies

# Logistic thread model; order: the event cues (relate.CUE_NAMES), rewrite evidence,
# log(1 + gap days), gap > 30 days, gap unknown. See scripts/fit_thread_model.py.
THREAD_FEATURES = (
    "doc_cosine",
    "best_sentence",
    "top3_sentences",
    "soft_coverage",
    "entity_jaccard",
    "entity_overlap",
    "number_jaccard",
    "lexical_cosine",
    "entity_specific_jaccard",
    "rewrite_evidence",
    "log_gap",
    "far_apart",
    "gap_unknown",
)
THREAD_MODEL_WEIGHTS = (
    -4.3,
    0.57,
    2.66,
    2.09,
    1.68,
    1.56,
    5.52,
    10.85,
    7.62,
    -0.47,
    -1.08,
    0.7,
    -1.64,
)
THREAD_MODEL_BIAS = -3.84
# Thread linkage at or above which stories join one thread (and a pair is a follow-up).
THREAD_THRESHOLD = 0.5
FAR_APART_DAYS = 30


def thread_features(
    cues: Sequence[float], rewrite_evidence: float, gap: int | None
) -> tuple[float, ...]:
    """The thread model's inputs, in ``THREAD_FEATURES`` order."""
    days = 0 if gap is None else gap
    return (
        *cues,
        rewrite_evidence,
        math.log1p(days),
        1.0 if days > FAR_APART_DAYS else 0.0,
        1.0 if gap is None else 0.0,
    )


def thread_probability(cues: Sequence[float], rewrite_evidence: float, gap: int | None) -> float:
    """``P(same incident) = 1 / (1 + exp(-(b + w·x)))`` over :func:`thread_features`."""
    x = thread_features(cues, rewrite_evidence, gap)
    logit = THREAD_MODEL_BIAS + sum(w * v for w, v in zip(THREAD_MODEL_WEIGHTS, x, strict=True))
    return 1.0 / (1.0 + math.exp(-max(-60.0, min(60.0, logit))))


def thread_groups(
    n: int,
    edges: Sequence[tuple[int, int, float]],
    story_of: Sequence[int],
    threshold: float = THREAD_THRESHOLD,
) -> list[list[int]]:
    """Threads of ``n`` items given thread-probability ``edges`` and each item's story.

    Each story is one unit (its members never split); stories merge by average linkage
    of the thread probabilities listed between them. Returns groups of item indices.
    """
    first: dict[int, int] = {}
    for i, story in enumerate(story_of):
        first.setdefault(story, i)
    copy_of = [None if first[s] == i else first[s] for i, s in enumerate(story_of)]
    return average_link_over_copies(n, edges, copy_of, threshold, threshold / 2)


def thread_id(first_story: str) -> str:
    """Stable id of a thread, from the id of its first story."""
    return "t-" + hashlib.sha1(first_story.encode("utf-8")).hexdigest()[:12]
