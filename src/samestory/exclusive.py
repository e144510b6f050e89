"""Names two neighbourhoods keep apart: corpus-level evidence that two texts tell two stories.

A lead of one Klitschko fight names "Thompson", one of the other fight "Rahman"; a pair
of them scores high on every pair cue (same champion, same titles, same verbs). The
corpus tells the fights apart: of the texts scored with either of the two, nine name
Rahman and ten Thompson, and *none names both*. If the two names belonged to one story
(two outlets' choice of witness), texts naming one would name the other about as often
as any text does; never meeting, though many texts hold them, they are two stories' own
names (two opponents, two players, two years).

:func:`exclusive_chance` measures that for a pair ``(i, j)``: in its neighbourhood ``U``
(the other texts scored ``bar`` or more with ``i`` or ``j``), for each name ``a`` of ``i``
that ``j`` lacks and ``b`` of ``j`` that ``i`` lacks, each held by a text of ``U``, the
chance that ``a``'s and ``b``'s holders would share no text if they were drawn at random
from ``U`` (hypergeometric), the smallest over the couples, times the number of couples
tried (a long text has many names, so many couples, and one of them keeps apart by
chance). :func:`contrasted` scores a pair whose chance is ``alpha`` or less ``factor``
times its score before grouping. It reads only the scored pairs and each text's
specific names (:func:`samestory.roundups.specific_tokens`, which
:class:`samestory.roundups.NameView` carries), so it runs wherever the grouping runs.

**Not in production** (taken out on 2026-12-04, docs/accuracy.md "Exclusive names taken
out of production"): holders are counted as independent witnesses, but copies are not.
When two versions of one story are each copied many times (wire copies, syndication; the
synthetic benchmark corpora's truncated and edited variants), each version's own names
(its witness, a number it alone states) are held by many texts and never together, so
the chance is tiny and the story is cut in two: 10k synthetic ARI 0.923 -> 0.856, 100k
0.908 -> 0.746, against ECB+ 0.933 -> 0.946 and short forms +0.03-0.05 on the dev sets.
It could run in :func:`samestory.pipeline.group.group_with_roundups` (batch, the store
with :class:`InContext`, Spark) once holders are counted by distinct version. Fitted and
screened by ``scripts/fit_exclusive.py``.
"""

from __future__ import annotations

import functools
import itertools
from collections import defaultdict
from collections.abc import Callable, Sequence

from samestory import params
from samestory.features import DocFeatures
from samestory.roundups import NameView, NameViews

# A pair's neighbourhood: the texts scored with either of its two at this story score or
# more (the default attach bar, Config.attach_threshold: texts that could join its story).
NEIGHBOUR_BAR = 0.2
# The chance (times the couples tried) at or under which a pair is cut, and the factor its
# score is multiplied by: fitted by scripts/fit_exclusive.py (the grid point with the best
# mean ARI over ECB+, MEANTIME and GVA dev, full texts and three short forms; its topic-CV
# figures are in the file and in docs/accuracy.md, 2026-12-04 "exclusive names").
PARAMS_FILE = "exclusive.json"
_FITTED = params.load(PARAMS_FILE)
ALPHA: float = float(_FITTED["alpha"])
FACTOR: float = float(_FITTED["factor"])
# A name speaks for its side when at least this many texts of the neighbourhood hold it.
MIN_HOLDERS = 2
# Two names are spellings of one when they share this many first letters and this share
# of the shorter ("greek" / "greece": 4 of 5; "thomas" / "thompson": 4 of 6 are two).
VARIANT_PREFIX = 4
VARIANT_SHARE = 0.75

Scored = tuple[int, int, float]
Names = Callable[[int], frozenset[str]]


def exclusive_chance(
    scored: Sequence[Scored],
    names: Names,
    bar: float = NEIGHBOUR_BAR,
    context: Sequence[Scored] = (),
) -> list[float]:
    """For each pair of ``scored`` (``(i, j, story score)``), the chance that its most
    exclusive couple of names keeps apart at random, times the couples tried (see the
    module's docstring; ``names(k)``: text ``k``'s specific names). 1.0 for a pair scored
    under ``bar`` (it links nothing) or with no couple to try. ``context``: scored pairs
    read as neighbourhood only (pairs to texts not grouped here: the store re-clusters a
    few stories, and a pair's neighbourhood reaches past them)."""
    partners: dict[int, set[int]] = defaultdict(set)
    for i, j, s in itertools.chain(scored, context):
        if s >= bar:
            partners[i].add(j)
            partners[j].add(i)
    held: dict[int, dict[str, set[int]]] = {}

    def holders(k: int) -> dict[str, set[int]]:
        """Which of ``k``'s partners hold each name (kept: a text is in many pairs)."""
        if k not in held:
            out: dict[str, set[int]] = defaultdict(set)
            for p in partners[k]:
                for name in names(p):
                    out[name].add(p)
            held[k] = out
        return held[k]

    chances = []
    for i, j, s in scored:
        if s < bar:
            chances.append(1.0)
            continue
        a_names, b_names = names(i), names(j)
        own_a, own_b = a_names - b_names, b_names - a_names
        if not own_a or not own_b:
            chances.append(1.0)
            continue
        hood = (partners[i] | partners[j]) - {i, j}
        hi, hj = holders(i), holders(j)
        side_a = _sides(own_a, hi, hj, i, j)
        side_b = _sides(own_b, hi, hj, i, j)
        chances.append(_chance(side_a, side_b, len(hood)))
    return chances


def _sides(
    own: frozenset[str], hi: dict[str, set[int]], hj: dict[str, set[int]], i: int, j: int
) -> list[tuple[str, set[int]]]:
    """Each of ``own`` held in the neighbourhood (not by ``i`` or ``j``), with its holders."""
    out = []
    for name in own:
        texts = hi.get(name, set()) | hj.get(name, set())
        texts.discard(i)
        texts.discard(j)
        if len(texts) >= MIN_HOLDERS:
            out.append((name, texts))
    return out


def _chance(
    side_a: list[tuple[str, set[int]]], side_b: list[tuple[str, set[int]]], n: int
) -> float:
    tried = len(side_a) * len(side_b)
    if not tried:
        return 1.0
    # The larger two holder sets, the smaller their chance: try them first, stop early.
    side_a.sort(key=lambda side: len(side[1]), reverse=True)
    side_b.sort(key=lambda side: len(side[1]), reverse=True)
    best = 1.0
    for a, ta in side_a:
        if apart_chance(n, len(ta), len(side_b[0][1])) >= best:
            break
        for b, tb in side_b:
            p = apart_chance(n, len(ta), len(tb))
            if p >= best:
                break
            if ta.isdisjoint(tb) and not variants(a, b):
                best = p
                break
    return min(1.0, best * tried)


def variants(a: str, b: str) -> bool:
    """True for two spellings of one name ("Indonesia" / "Indonesian", "Greece" /
    "Greek"): a text writes one or the other, so they keep apart without telling two
    stories. Words sharing their first ``VARIANT_SHARE`` or more letters (at least
    ``VARIANT_PREFIX``); numbers only when one is the other's start."""
    if not (a.isalpha() and b.isalpha()):
        return a.startswith(b) or b.startswith(a)
    common = next(
        (k for k, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b))
    )
    return common >= VARIANT_PREFIX and common >= VARIANT_SHARE * min(len(a), len(b))


@functools.lru_cache(maxsize=65536)
def apart_chance(n: int, a: int, b: int) -> float:
    """The chance that ``b`` texts drawn at random from ``n`` miss ``a`` given ones."""
    if a + b > n:
        return 0.0
    p = 1.0
    for k in range(b):
        p *= (n - a - k) / (n - k)
    return p


def contrasted(
    scored: Sequence[Scored],
    names: Names,
    alpha: float = ALPHA,
    factor: float = FACTOR,
    bar: float = NEIGHBOUR_BAR,
    context: Sequence[Scored] = (),
) -> list[Scored]:
    """``scored`` with each pair whose :func:`exclusive_chance` is ``alpha`` or less
    scored ``factor`` times its score (the chance is read from the scores as given)."""
    if not 0.0 <= alpha < 1.0:  # 1.0 is "no couple": every pair would be cut
        raise ValueError(f"alpha must be in [0, 1), got {alpha!r}")
    chances = exclusive_chance(scored, names, bar, context)
    return [
        (i, j, s * factor if c <= alpha else s)
        for (i, j, s), c in zip(scored, chances, strict=True)
    ]


def names_of(views: Sequence[NameView]) -> Names:
    """Text ``k``'s specific names from its name view (from a lazy
    :class:`~samestory.roundups.NameViews`, without reading its sentences; from
    :class:`InContext`, texts beyond the views too)."""
    if isinstance(views, NameViews):
        return views.specific
    return lambda k: views[k].specific


def context_of(views: Sequence[NameView]) -> Sequence[Scored]:
    """The pairs :class:`InContext` views carry as neighbourhood only (else none)."""
    return views.context if isinstance(views, InContext) else ()


class InContext(NameViews):
    """The name views of the texts being grouped (``features``), with the scored pairs
    that join them to texts beyond (``context``, the outside text ``k`` numbered
    ``len(features) + k``) and those texts' features (``outside``): the store re-clusters
    a few stories, and a pair's neighbourhood reaches past them. Indexing and ``len``
    are the grouped texts' only."""

    def __init__(
        self,
        features: Sequence[DocFeatures],
        outside: Sequence[DocFeatures],
        context: Sequence[Scored],
    ) -> None:
        super().__init__(features)
        self.outside = NameViews(outside)
        self.context = context

    def specific(self, k: int) -> frozenset[str]:
        n = len(self)
        return super().specific(k) if k < n else self.outside.specific(k - n)
