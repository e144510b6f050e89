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

**Counted by version.** Holders and the neighbourhood are versions, not texts: copies
are not independent witnesses. When two versions of one story are each copied many
times (wire copies, syndication; the synthetic benchmark corpora's truncated and edited
variants), each version's own names (its witness, a number it alone states) are held by
many texts and never together; counted by text the chance is tiny and the story is cut
in two (10k synthetic ARI 0.923 -> 0.856, 100k 0.908 -> 0.746: the step was taken out
of production on 2026-12-04, docs/history/accuracy.md). Texts related as copies (the ``copies``
pairs: exact or near-duplicate relations, one text reposted, truncated or lightly
edited) whose names are nearly the same (:func:`one_version`) are one version
(:func:`versions_of`); a pair of one version is never cut. Rewrites stay witnesses of
their own (joined too, the step loses its gains under topic CV: ECB+ 0.933 -> 0.930).
A caller hands the copy pairs in (:class:`InContext`, :class:`WithCopies`); without
them :func:`before_grouping` leaves the pairs as scored. Fitted and screened by
``scripts/fit_exclusive.py``.

**In production** (2026-12-05, land): ``group_with_roundups`` runs
:func:`before_grouping` on the views the batch, the store and Spark hand it (their copy
pairs: :func:`copy_relation`, :func:`stored_copy`, Spark's copy flag) and merges each
version as one item (:func:`with_versions`, ``pipeline.group.VersionedPairs``, whose
splinter rule still counts copy groups): 10k synthetic ARI 0.923 -> 0.943, 100k 0.908 ->
0.929, real 0.902 -> 0.914, ECB+ dev topic CV 0.933 -> 0.952. Without the agreeing-sides
guard (:data:`AGREE`, the file's ``agree_margin``) ECB+ independent reports lost a story
(0.928 -> 0.917: one outlet naming the other event's agencies, scored closest to its own
event's texts); with it they hold at 0.928 (docs/history/accuracy.md, 2026-12-05). Grouped by text,
the 100k corpus lost (0.866): its originals' non-copy variants diluted two stories'
average linkage under the bar, and the step's few cuts split them.
"""

from __future__ import annotations

import functools
import itertools
import json
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from typing import overload

from samestory import params
from samestory.features import DocFeatures
from samestory.models import SCORE_DIGITS, Relation, RelationKind
from samestory.roundups import NameView, NameViews

# A pair's neighbourhood: the texts scored with either of its two at this story score or
# more (the default attach bar, Config.attach_threshold: texts that could join its story).
NEIGHBOUR_BAR = 0.2
# The chance (times the couples tried) at or under which a pair is cut, and the factor its
# score is multiplied by: fitted by scripts/fit_exclusive.py (the grid point with the best
# mean ARI over ECB+, MEANTIME and GVA dev, full texts and three short forms; its topic-CV
# figures are in the file and in docs/history/accuracy.md, 2026-12-04 "exclusive names").
PARAMS_FILE = "exclusive.json"
_FITTED = params.load(PARAMS_FILE)
ALPHA: float = float(_FITTED["alpha"])
FACTOR: float = float(_FITTED["factor"])
# A name speaks for its side when at least this many texts of the neighbourhood hold it.
MIN_HOLDERS = 2
# The own-partners guard (a screen, off: None; scripts/fit_exclusive.py --own-partners):
# a name of ``i``'s (that ``j`` lacks) speaks for ``i``'s side only when MIN_HOLDERS of its
# holders are not scored this much or more with ``j`` (and the other way round): ``j``'s
# own same-story partners naming a name ``j`` lacks say that ``j``'s story holds it, one
# outlet's choice of names, not a second story's (ECB+ independent 9a: 9_5ecb's partners
# of its own event name Alaska, which 9_5ecb lacks). Its natural bar is
# Config.same_story_threshold (0.4).
OWN_PARTNERS: float | None = None
# The agreeing-sides guard (fitted: the file's ``agree_margin``, None or absent: off;
# scripts/fit_exclusive.py --agree chooses it on the grid's third axis): a couple
# keeps ``i`` and ``j`` apart only when each text scores, on average, at least as high with
# the holders of its own side's name as with the other side's, less this margin: the names'
# two sides must be the scores' two sides too. An outlet scored closest to the texts whose
# name it lacks (ECB+ independent 9a: 9_5ecb, 0.55-0.72 with its event's Alaska texts,
# 0.32-0.42 with the other event's Commerce texts) is one outlet's wording, not a second
# story.
AGREE: float | None = _FITTED.get("agree_margin")
# Two names are spellings of one when they share this many first letters and this share
# of the shorter ("greek" / "greece": 4 of 5; "thomas" / "thompson": 4 of 6 are two).
VARIANT_PREFIX = 4
VARIANT_SHARE = 0.75

# The relation kinds of texts that are copies of one text (the text itself, reposted,
# truncated or lightly edited): one version, one witness.
COPY_KINDS = frozenset({RelationKind.EXACT, RelationKind.NEAR_DUPLICATE})
# A rewrite whose shorter text keeps this share of its word shingles in the other is a
# copy too (a repost cut and edited, its sentences reordered), not an outlet's rewording
# (ECB+'s rewrites across outlets: 75% under 0.16).
COPY_CONTAINMENT = 0.5
# The relation's evidence score holding that share.
CONTAINMENT_SCORE = "shingle_containment"
# Two texts related as copies are one version (one witness) when this share
# of the smaller one's names are the other's (see one_version): the share of the shorter
# text's shingles a near-duplicate keeps (Config.near_duplicate_containment), not fitted.
COPY_SHARE = 0.8

Scored = tuple[int, int, float]
Names = Callable[[int], frozenset[str]]


def exclusive_chance(
    scored: Sequence[Scored],
    names: Names,
    bar: float = NEIGHBOUR_BAR,
    context: Sequence[Scored] = (),
    copies: Iterable[tuple[int, int]] = (),
    own_partners: float | None = None,
    agree: float | None = None,
) -> list[float]:
    """For each pair of ``scored`` (``(i, j, story score)``), the chance that its most
    exclusive couple of names keeps apart at random, times the couples tried (see the
    module's docstring; ``names(k)``: text ``k``'s specific names). 1.0 for a pair scored
    under ``bar`` (it links nothing), with no couple to try, or of one version.
    ``context``: scored pairs read as neighbourhood only (pairs to texts not grouped
    here: the store re-clusters a few stories, and a pair's neighbourhood reaches past
    them). Holders and the neighbourhood are counted by version (:func:`versions_of` of
    ``copies``, the pairs related as copies): copies of one text are one witness, and a
    pair of one version is never cut. ``own_partners`` (default :data:`OWN_PARTNERS`,
    None: off): the own-partners guard, a name of ``i``'s speaking for its side only when
    ``MIN_HOLDERS`` of its holders are not scored that much or more with ``j`` (and the
    other way round). ``agree`` (default :data:`AGREE`, None: off): the agreeing-sides
    guard, a couple counted only when each text's mean score with its own side's holders
    is at least its mean with the other side's less ``agree``."""
    guard = OWN_PARTNERS if own_partners is None else own_partners
    margin = AGREE if agree is None else agree
    partners, strong = _partners(itertools.chain(scored, context), bar, guard)
    copies = copies if isinstance(copies, Sequence) else list(copies)
    moved = _moved_versions(copies, names)
    of = moved.get
    best_to = (
        {} if margin is None else _best_scores_by_version(itertools.chain(scored, context), of)
    )
    hoods = _Neighbourhoods(names, partners, strong, moved)
    chances = []
    for i, j, s in scored:
        vi, vj = of(i, i), of(j, j)
        if s < bar or vi == vj:
            chances.append(1.0)
            continue
        a_names, b_names = names(i), names(j)
        own_a, own_b = a_names - b_names, b_names - a_names
        if not own_a or not own_b:
            chances.append(1.0)
            continue
        keep = None if margin is None else _agreeing(best_to[i], best_to[j], margin)
        chances.append(hoods.chance(i, j, own_a, own_b, keep))
    return chances


def _partners(
    scored: Iterable[Scored], bar: float, guard: float | None
) -> tuple[dict[int, set[int]], dict[int, set[int]]]:
    """Each text's partners scored ``bar`` or more with it (its pairs' neighbourhoods),
    and those scored ``guard`` or more (the own-partners guard's; none when off)."""
    partners: dict[int, set[int]] = defaultdict(set)
    strong: dict[int, set[int]] = defaultdict(set)
    for i, j, s in scored:
        if s >= bar:
            partners[i].add(j)
            partners[j].add(i)
        if guard is not None and s >= guard:
            strong[i].add(j)
            strong[j].add(i)
    return partners, strong


def _moved_versions(copies: Sequence[tuple[int, int]], names: Names) -> dict[int, int]:
    """The version of each text in ``copies`` whose version is another text (see
    :func:`versions_of`), looked up once: a dict lookup per text after, the rest being
    their own."""
    version = versions_of(copies, names)
    return {k: v for i, j in copies for k in (i, j) if (v := version(k)) != k}


def _best_scores_by_version(
    scored: Iterable[Scored], of: Callable[[int, int], int]
) -> dict[int, dict[int, float]]:
    """Each text's best score with each version it is scored with (``of(k, k)``: text
    ``k``'s version), which the agreeing-sides guard reads."""
    to: dict[int, dict[int, float]] = defaultdict(dict)
    for i, j, s in scored:
        vi, vj = of(i, i), of(j, j)
        row = to[i]
        best = row.get(vj, 0.0)
        row[vj] = best if best > s else s  # max(s, best)
        row = to[j]
        best = row.get(vi, 0.0)
        row[vi] = best if best > s else s
    return to


class _Neighbourhoods:
    """Pairs' neighbourhoods and the versions holding their names. Which texts hold each
    name is indexed as neighbourhoods are read (the names of the texts read, no more): a
    name's holders in a neighbourhood are its texts there, as versions."""

    __slots__ = ("copied", "indexed", "moved", "names", "partners", "strong", "texts_with")

    def __init__(
        self,
        names: Names,
        partners: dict[int, set[int]],
        strong: dict[int, set[int]],
        moved: dict[int, int],
    ) -> None:
        self.names, self.partners, self.strong, self.moved = names, partners, strong, moved
        self.copied = set(moved)  # (a set: intersections walk the smaller side, not the dict)
        self.texts_with: dict[str, set[int]] = defaultdict(set)
        self.indexed: set[int] = set()

    def chance(
        self,
        i: int,
        j: int,
        own_a: frozenset[str],
        own_b: frozenset[str],
        keep: Callable[[set[int], set[int]], bool] | None,
    ) -> float:
        """:func:`exclusive_chance` of a pair of two versions, ``own_a`` the names of
        ``i`` that ``j`` lacks and ``own_b`` the other way round."""
        moved = self.moved
        of = moved.get
        vi, vj = of(i, i), of(j, j)
        near = self.partners[i] | self.partners[j]
        # The names of the texts of ``near`` not indexed yet (inline: once a pair).
        texts_with, names = self.texts_with, self.names
        for k in near - self.indexed:
            for name in names(k):
                texts_with[name].add(k)
        self.indexed |= near
        hood = {of(p, p) for p in near} if moved else set(near)
        hood -= {vi, vj}
        held = _Held(self.texts_with, near, moved, near & self.copied, vi, vj)
        side_a = held.sides(own_a, {of(p, p) for p in self.strong[j]})
        side_b = held.sides(own_b, {of(p, p) for p in self.strong[i]})
        return _chance(side_a, side_b, len(hood), keep)


class _Held:
    """The versions holding each name in a pair's neighbourhood ``near`` (the texts
    scored the bar or more with ``i`` or ``j``, themselves included), but ``i``'s and
    ``j``'s (``vi``, ``vj``)."""

    __slots__ = ("copied", "moved", "near", "texts_with", "vi", "vj")

    def __init__(
        self,
        texts_with: dict[str, set[int]],
        near: set[int],
        moved: dict[int, int],
        copied: set[int],
        vi: int,
        vj: int,
    ) -> None:
        self.texts_with, self.near, self.moved, self.vi, self.vj = texts_with, near, moved, vi, vj
        self.copied = copied  # the texts of ``near`` whose version is another text

    def sides(self, own: frozenset[str], other_own: set[int]) -> list[tuple[str, set[int]]]:
        """Each of ``own`` (names of ``i``, or of ``j``) held by ``MIN_HOLDERS`` versions
        here, with those versions; the own-partners guard: held by ``MIN_HOLDERS``
        versions that are not the other text's own partners (``other_own``) too."""
        out = []
        near, texts_with, moved, vi, vj = self.near, self.texts_with, self.moved, self.vi, self.vj
        copied_near = self.copied
        for name in own:
            texts = texts_with[name] & near
            # ``i`` (or ``j``), whose name it is, is among them and counts for nothing:
            # fewer texts than MIN_HOLDERS + 1, fewer versions than MIN_HOLDERS.
            if len(texts) <= MIN_HOLDERS:
                continue
            if copied_near:
                copied = texts & copied_near
                if copied:  # their versions instead
                    texts -= copied
                    texts.update([moved[p] for p in copied])
            texts.discard(vi)
            texts.discard(vj)
            # The guard only vetoes a name; the chance reads all its holders (dropping
            # some would part couples that share a text).
            if len(texts) >= MIN_HOLDERS and len(texts - other_own) >= MIN_HOLDERS:
                out.append((name, texts))
        return out


def _agreeing(
    to_i: dict[int, float], to_j: dict[int, float], margin: float
) -> Callable[[set[int], set[int]], bool]:
    """Whether a couple's holders (``ta`` of ``i``'s name, ``tb`` of ``j``'s) are the
    scores' sides too: each text's mean score with its own side's holders at least its
    mean with the other's less ``margin`` (a holder not scored with the text: 0)."""

    def mean(to: dict[int, float], held: set[int]) -> float:
        return sum(to.get(v, 0.0) for v in held) / len(held)

    def keep(ta: set[int], tb: set[int]) -> bool:
        return (
            mean(to_i, ta) >= mean(to_i, tb) - margin and mean(to_j, tb) >= mean(to_j, ta) - margin
        )

    return keep


def is_copy_relation(kind: RelationKind | None, containment: float) -> bool:
    """True for a relation between copies of one text: an exact or near-duplicate one,
    or a rewrite keeping ``COPY_CONTAINMENT`` of the shorter text's shingles
    (``containment``, read at the digits a stored relation keeps, so the store and
    Spark's saved relations decide as the batch does)."""
    if kind in COPY_KINDS:
        return True
    return kind is RelationKind.REWRITE and round(containment, SCORE_DIGITS) >= COPY_CONTAINMENT


def copy_relation(r: Relation) -> bool:
    """:func:`is_copy_relation` of a relation (its kind and shingle containment)."""
    return is_copy_relation(r.kind, r.evidence.scores.get(CONTAINMENT_SCORE, 0.0))


def stored_copy(kind: str | None, evidence_json: str | None) -> bool:
    """:func:`is_copy_relation` of a stored relation (its kind's value and evidence JSON,
    read only for a rewrite)."""
    if kind is None:
        return False
    relation_kind = RelationKind(kind)
    if relation_kind is not RelationKind.REWRITE or not evidence_json:
        return relation_kind in COPY_KINDS
    scores = json.loads(evidence_json).get("scores", {})
    return is_copy_relation(relation_kind, float(scores.get(CONTAINMENT_SCORE, 0.0)))


def one_version(a: frozenset[str], b: frozenset[str]) -> bool:
    """True when two texts related as copies are one version for the statistic:
    ``COPY_SHARE`` or more of the smaller name set's names are the other's (a truncated
    or lightly edited repost keeps its original's names; a template filled with other
    names, near-duplicate by its words, is a witness of its own)."""
    if not a or not b:
        return a == b
    return len(a & b) >= COPY_SHARE * min(len(a), len(b))


def versions_of(copies: Iterable[tuple[int, int]], names: Names) -> Callable[[int], int]:
    """Each text's version: the texts joined (transitively) by the pairs of ``copies``
    (related as copies: an exact or near-duplicate relation, :data:`COPY_KINDS`) that
    are :func:`one_version`, counted as one witness. A text in none is its own."""
    parent: dict[int, int] = {}

    def find(k: int) -> int:
        root = k
        while parent.get(root, root) != root:
            root = parent[root]
        while k != root:  # path compression
            parent[k], k = root, parent[k]
        return root

    for i, j in copies:
        ri, rj = find(i), find(j)
        if ri != rj and one_version(names(i), names(j)):
            parent[max(ri, rj)] = min(ri, rj)
    return find


def _chance(
    side_a: list[tuple[str, set[int]]],
    side_b: list[tuple[str, set[int]]],
    n: int,
    keep: Callable[[set[int], set[int]], bool] | None = None,
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
            if ta.isdisjoint(tb) and not variants(a, b) and (keep is None or keep(ta, tb)):
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
    copies: Iterable[tuple[int, int]] = (),
    own_partners: float | None = None,
    agree: float | None = None,
) -> list[Scored]:
    """``scored`` with each pair whose :func:`exclusive_chance` is ``alpha`` or less
    scored ``factor`` times its score (the chance is read from the scores as given;
    ``own_partners``, ``agree``: the guards, see :func:`exclusive_chance`)."""
    if not 0.0 <= alpha < 1.0:  # 1.0 is "no couple": every pair would be cut
        raise ValueError(f"alpha must be in [0, 1), got {alpha!r}")
    chances = exclusive_chance(scored, names, bar, context, copies, own_partners, agree)
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


def copies_of(views: Sequence[NameView]) -> Sequence[tuple[int, int]]:
    """The copy pairs :class:`InContext` views carry (else none)."""
    return views.copies if isinstance(views, InContext) else ()


class InContext(NameViews):
    """The name views of the texts being grouped (``features``), with the scored pairs
    that join them to texts beyond (``context``, the outside text ``k`` numbered
    ``len(features) + k``) and those texts' features (``outside``): the store re-clusters
    a few stories, and a pair's neighbourhood reaches past them. ``copies``: the pairs
    (grouped or context) related as copies (:data:`COPY_KINDS`), so the step counts
    versions, not texts.
    Indexing and ``len`` are the grouped texts' only."""

    def __init__(
        self,
        features: Sequence[DocFeatures],
        outside: Sequence[DocFeatures] = (),
        context: Sequence[Scored] = (),
        copies: Sequence[tuple[int, int]] = (),
    ) -> None:
        super().__init__(features)
        self.outside = NameViews(outside)
        self.context = context
        self.copies = copies

    def specific(self, k: int) -> frozenset[str]:
        n = len(self)
        return super().specific(k) if k < n else self.outside.specific(k - n)


class WithCopies(Sequence[NameView]):
    """Name views (``views``, as Spark's grouping tasks hold them) with the pairs among
    them related as copies (``copies``, :data:`COPY_KINDS`)."""

    def __init__(self, views: Sequence[NameView], copies: Sequence[tuple[int, int]]) -> None:
        self.views = views
        self.copies = copies

    def specific(self, k: int) -> frozenset[str]:
        return self.views[k].specific

    def __len__(self) -> int:
        return len(self.views)

    @overload
    def __getitem__(self, k: int) -> NameView: ...

    @overload
    def __getitem__(self, k: slice) -> Sequence[NameView]: ...

    def __getitem__(self, k: int | slice) -> NameView | Sequence[NameView]:
        return self.views[k]


def with_versions(views: Sequence[NameView], copy_of: Sequence[int | None]) -> Sequence[int | None]:
    """``copy_of`` (each text's copy-group parent, None for none) with the versions among
    the grouped texts joined too, when ``views`` say which texts are copies
    (:class:`InContext`, :class:`WithCopies`; else ``copy_of`` as it is). Average link
    then treats a version as one item, its linkage to another the mean of the scores
    listed between them: a version's many non-copy variants (a synthetic original's ~2-3
    items at 100k) no longer dilute its story's linkage with their unscored pairs, which
    left two ECB+ stories of the 100k corpus under the bar before any cut
    (docs/history/accuracy.md, 2026-12-04, excl2)."""
    copies = views.copies if isinstance(views, InContext | WithCopies) else None
    if not copies:
        return copy_of
    n = len(views)
    version = versions_of(
        [(i, j) for i, j in copies if i < n and j < n], lambda k: views[k].specific
    )
    parent = list(range(n))

    def find(k: int) -> int:
        while parent[k] != k:
            parent[k] = parent[parent[k]]
            k = parent[k]
        return k

    for k in range(n):
        for other in (copy_of[k], version(k)):
            if other is not None:
                a, b = find(k), find(other)
                if a != b:
                    parent[max(a, b)] = min(a, b)
    return [None if find(k) == k else find(k) for k in range(n)]


def before_grouping(
    views: Sequence[NameView], scored: Sequence[Scored], also: Sequence[Scored] = ()
) -> Sequence[Scored]:
    """The pairs as production's grouping reads them: :func:`contrasted` when ``views``
    say which texts are copies (:class:`InContext`: the batch's and the store's;
    :class:`WithCopies`: Spark's), else ``scored`` as they are (not knowing the copies,
    the step would count them as independent witnesses and cut copied stories apart).

    ``also``: more pairs read as neighbourhood only (besides an :class:`InContext`'s
    ``context``), so the step can run on a few of the pairs with the others beside them:
    a pair's chance reads only the pairs of its two texts (their partners and best
    scores, sets and maxima: a pair listed in both ``scored`` and ``also`` counts once),
    so each pair of ``scored`` comes out as it would among all of them when ``also``
    holds every other pair of their texts (rule AS's uncut pass,
    ``pipeline.group._stay_of``)."""
    if isinstance(views, InContext):
        context = [*views.context, *also] if also else views.context
        return contrasted(scored, views.specific, context=context, copies=views.copies)
    if isinstance(views, WithCopies):
        return contrasted(scored, views.specific, context=also, copies=views.copies)
    return scored
