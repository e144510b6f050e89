"""Grouping scored pairs into stories.

**Batch**: average-link agglomerative clustering on the sparse graph of scored pairs.
The linkage of two groups ``X``, ``Y`` is

    L(X, Y) = (1 / |X||Y|) · Σ_{x∈X, y∈Y} s(x, y)

with ``s = 0`` for pairs no index proposed (they were judged dissimilar). The two groups
with the highest linkage merge while it is at least the threshold. Unlike single-link
(connected components), one spurious edge cannot chain two stories together: a merge
needs support from most member pairs.

**Splinters.** Average linkage stops at the threshold and leaves splinters: an
article, or a few, of a large story whose pairs with it score lower (a follow-up, a short
piece, a report that dwells on the background). After merging, each group joins the
group at least ``ATTACH_SIZE_RATIO`` (3) times its size with the highest linkage, if that
linkage is at least a lower ``attach_threshold``. Pairs no index proposed count as 0, and
an index proposes only a few neighbours per article, so the linkage of a small group to
a large story is an underestimate. The size ratio keeps comparable stories of one topic
apart: on MEANTIME dev, different articles about one company (four versions each) link
at 0.2-0.3. (On ECB+ dev, attaching lone articles at half the threshold lifted ARI from
0.875 to 0.893; attaching splinters of any size to stories 3x larger lifts it to 0.926,
and 0.903 under cross-validation over topics; MEANTIME is unchanged. A ratio of 2 merged
MEANTIME stories, 4 gained less on ECB+.)

**Lone versions.** With ``lone_attach``, a lone item (one copy group) also joins a
story of ``LONE_ATTACH_MIN`` (2) or more at ``attach_threshold``. Average link's size
rule left one outlet's version apart from the two others of its story when it scored
high with one of them and low with the other (the average falls below the threshold,
and a story of two is not three times its size): on the GVA independent-report dev set
(``scripts/make_independent_reports.py``) 8 of 20 split stories were such 2 + 1 splits.
Static encoder: GVA independent 0.887 -> 0.941, GVA dev story 0.748 -> 0.766 (thread
0.794 -> 0.796), ECB+ independent 0.889 -> 0.893; ECB+ and MEANTIME dev unchanged.

**Incremental**: a new article joins the existing story with the highest average score
to its members, if that is at least the threshold (``attach_threshold`` for a story of
``LONE_ATTACH_MIN`` or more members, as a lone version in the batch), otherwise it
starts a new story: the same rules as the batch clustering.
"""

from __future__ import annotations

import dataclasses
import heapq
import math
from collections.abc import Iterable, Mapping, Sequence, Set
from typing import Any

import numpy as np

# A group joins a story at the lower attach threshold only if the story is at least this
# many times its size (see the module docstring).
ATTACH_SIZE_RATIO = 3
# ... or, with lone_attach, a lone item joins one of at least this many items.
LONE_ATTACH_MIN = 2
# A heap entry whose linkage differs from the current one by more than this is stale (by
# definition: float rounding of sums of scores in [0, 1] stays far below it).
STALE_TOLERANCE = 1e-12
# Relative margin under the threshold of the pairs that bound the merges' parts
# (stories.merge_parts): far above float rounding of any sum of scores, so no pair whose
# merge could reach the threshold is left out of a part.
LINK_MARGIN = 1e-6


def average_link(
    n: int,
    edges: Iterable[tuple[int, int, float]],
    threshold: float,
    attach_threshold: float | None = None,
    sizes: Sequence[int] | None = None,
    lone_attach: bool = False,
    stay: StayRows | None = None,
    lone: LoneRows | None = None,
) -> list[list[int]]:
    """Cluster ``n`` items given sparse similarity ``edges`` ``(i, j, s)``.

    With ``attach_threshold``, groups then join their best group at least
    ``ATTACH_SIZE_RATIO`` times their size (splinters; see the module docstring), and
    with ``lone_attach`` a lone item one of ``LONE_ATTACH_MIN`` or more.
    ``sizes`` (default 1 each) makes item ``i`` stand for ``sizes[i]`` items, its edges
    for sums over their pairs: ``L(X, Y) = Σ s / (Σ_X size · Σ_Y size)``.
    Returns groups of item indices, each sorted, groups ordered by their smallest item.
    Ties break by the smaller group ids, so the result is deterministic. ``stay``: rule
    AS's attach step, ``lone`` rule L's (:func:`attach_splinters`).
    """
    sums, listed = linkage_rows(n, edges)
    return merge_rows(n, sums, listed, threshold, attach_threshold, sizes, lone_attach, stay, lone)


def linkage_rows(
    n: int, edges: Iterable[tuple[int, int, float]]
) -> tuple[dict[int, dict[int, float]], list[tuple[int, int]]]:
    """The scores of ``edges`` as rows (``rows[i][j] = rows[j][i] = s``; a pair listed
    twice keeps its highest score; self-pairs and scores <= 0 left out) and each pair
    once, ``(i, j)`` with ``i < j``, in the order first listed: :func:`merge_rows`'s
    input."""
    sums: dict[int, dict[int, float]] = {i: {} for i in range(n)}
    listed: list[tuple[int, int]] = []  # each pair once, i < j
    for i, j, s in edges:
        if i == j or s <= 0:
            continue
        # A pair listed twice keeps its highest score (it is one pair, not two): the
        # max(s, earlier) it kept before, without the call (a tenth of grouping's CPU).
        row = sums[i]
        earlier = row.get(j)
        if earlier is None:
            row[j] = sums[j][i] = s
            listed.append((i, j) if i < j else (j, i))
        elif not earlier > s:
            row[j] = sums[j][i] = s
    return sums, listed


def merge_rows(
    n: int,
    rows: Mapping[int, Mapping[int, float]],
    listed: Sequence[tuple[int, int]],
    threshold: float,
    attach_threshold: float | None = None,
    sizes: Sequence[int] | None = None,
    lone_attach: bool = False,
    stay: StayRows | None = None,
    lone: LoneRows | None = None,
) -> list[list[int]]:
    """:func:`average_link` of the rows and pairs :func:`linkage_rows` gives (read, not
    changed): :func:`merge_parts` of their :func:`part_rows`."""
    parts = part_rows(n, rows, listed, threshold, sizes)
    return merge_parts(n, parts, rows, threshold, attach_threshold, sizes, lone_attach, stay, lone)


def merge_parts(
    n: int,
    parts: Mapping[int, Mapping[int, float]],
    rows: Mapping[int, Mapping[int, float]],
    threshold: float,
    attach_threshold: float | None = None,
    sizes: Sequence[int] | None = None,
    lone_attach: bool = False,
    stay: StayRows | None = None,
    lone: LoneRows | None = None,
) -> list[list[int]]:
    """Average link of ``n`` items on the pairs within *parts* (``parts``, from
    :func:`part_rows`; copied, not changed), then splinters on every pair (``rows``;
    ``stay``: rule AS's, ``lone`` rule L's, :func:`attach_splinters`).

    The parts are the connected components of the pairs whose linkage ``s / (w_i w_j)``
    reaches ``threshold · (1 - LINK_MARGIN)``. Why merging within them is exact: a
    linkage ``L(X, Y) = Σ s_xy / (W_X W_Y)`` is a weighted mean of its pairs'
    ``s_xy / (w_x w_y)`` (weights ``w_x w_y``, unscored pairs 0), so it reaches the
    threshold only if one of them does, and (by induction over the merges) every group
    lies in one part and every merge joins two groups of one part. The margin covers
    float rounding of the sums (relative error below ``(m + 1) 2^-53`` for ``m`` pairs
    summed, far below the margin). A pair across parts can thus never enter the heap,
    and the sums within a part are the same additions in the same order, so the merges,
    their order and the group ids are the same as with every pair in the sums; but each
    merge walks only its groups' neighbours within their part (real corpus: ~4 instead
    of ~44). ``parts`` may also be those of rows these were made from by dropping pairs,
    with the same pairs dropped: dropping pairs only splits parts, and any coarser split
    is exact too (the argument needs only that no pair at the bar crosses parts)."""
    members: dict[int, list[int]] = {i: [i] for i in range(n)}
    weight: dict[int, int] = {i: 1 for i in range(n)} if sizes is None else dict(enumerate(sizes))
    sums = {i: dict(row) for i, row in parts.items()}
    heap = _heap_at_threshold(sums, weight, threshold)
    next_id = n
    while heap:
        negative, x, y = heapq.heappop(heap)
        if x not in members or y not in members:
            continue  # stale: one side was merged already
        linkage = sums[x].get(y, 0.0) / (weight[x] * weight[y])
        if abs(linkage + negative) > STALE_TOLERANCE:
            continue  # stale: the linkage changed since this entry was pushed
        if linkage < threshold:
            break
        merged = next_id
        next_id += 1
        members[merged] = members.pop(x) + members.pop(y)
        weight[merged] = weight.pop(x) + weight.pop(y)
        for other, s in _merge_sums(sums, x, y, merged).items():
            link = s / (weight[merged] * weight[other])
            if link >= threshold:
                heapq.heappush(heap, (-link, min(other, merged), max(other, merged)))
    groups = [sorted(m) for m in members.values()]
    if attach_threshold is not None:
        groups = attach_splinters(
            groups, rows, attach_threshold, sizes, lone_attach, stay=stay, lone=lone
        )
    return sorted(groups, key=lambda g: g[0])


def _heap_at_threshold(
    sums: dict[int, dict[int, float]], weight: dict[int, int], threshold: float
) -> list[tuple[float, int, int]]:
    """The heap of :func:`merge_parts`: ``(-linkage, i, j)`` for each pair ``i < j`` whose
    linkage ``s / (w_i w_j)`` reaches ``threshold``.

    Only pairs at the threshold enter it: the loop stops at the first current entry below
    it and merges nothing after (no merge, no push), so an entry below it can only end the
    loop, which an empty heap ends too. The same merges in the same order; on real news
    ~90% of scored pairs are below it (real corpus: 50,747 -> ~5,000 entries)."""
    heap = [
        (-link, i, j)
        for i, row in sums.items()
        for j, s in row.items()
        if i < j and (link := s / (weight[i] * weight[j])) >= threshold
    ]
    heapq.heapify(heap)  # the order of the list does not matter: entries are distinct
    return heap


def _merge_sums(sums: dict[int, dict[int, float]], x: int, y: int, merged: int) -> dict[int, float]:
    """Groups ``x`` and ``y`` joined as ``merged`` in ``sums`` (changed in place): the
    merged group's row sums each neighbour's similarities to ``x`` and ``y`` (``x``'s
    added first), and each neighbour's row holds that sum under ``merged`` instead of
    ``x`` and ``y``. Returns the merged row."""
    neighbour_sums: dict[int, float] = {}
    for old in (x, y):
        for other, s in sums.pop(old).items():
            if other in (x, y):
                continue
            neighbour_sums[other] = neighbour_sums.get(other, 0.0) + s
            del sums[other][old]
    sums[merged] = neighbour_sums
    for other, s in neighbour_sums.items():
        sums[other][merged] = s
    return neighbour_sums


def part_rows(
    n: int,
    rows: Mapping[int, Mapping[int, float]],
    listed: Sequence[tuple[int, int]],
    threshold: float,
    sizes: Sequence[int] | None = None,
) -> dict[int, dict[int, float]]:
    """New rows holding only the pairs of ``listed`` within one part: a connected
    component of the pairs whose ``s / (w_i w_j)`` reaches ``threshold · (1 -
    LINK_MARGIN)`` (see :func:`merge_parts`). Items in no such pair get no row entries."""
    bar = threshold * (1.0 - LINK_MARGIN)
    sets = DisjointSets(n)
    for i, j in listed:
        w = 1 if sizes is None else sizes[i] * sizes[j]
        if rows[i][j] / w >= bar:
            sets.union(i, j)
    part = sets.roots()
    sums: dict[int, dict[int, float]] = {i: {} for i in range(n)}
    for i, j in listed:
        if part[i] == part[j]:
            sums[i][j] = sums[j][i] = rows[i][j]
    return sums


class DisjointSets:
    """Union-find over items ``0 .. n-1`` (path halving); a set's root is its smallest item.

    ``compact`` keeps the parents in a NumPy array (8 bytes an item, for very large ``n``)
    instead of a list (faster to update from Python).
    """

    def __init__(self, n: int, compact: bool = False) -> None:
        self.parent: list[int] | np.ndarray = np.arange(n) if compact else list(range(n))

    def find(self, i: int) -> int:
        parent = self.parent
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = int(parent[i])
        return i

    def union(self, i: int, j: int) -> None:
        ri, rj = self.find(i), self.find(j)
        if ri != rj:
            self.parent[max(ri, rj)] = min(ri, rj)

    def roots(self) -> list[int]:
        """Each item's root."""
        return [self.find(i) for i in range(len(self.parent))]


def average_link_over_copies(
    n: int,
    edges: Iterable[tuple[int, int, float]],
    copy_of: Sequence[int | None],
    threshold: float,
    attach_threshold: float | None = None,
    lone_attach: bool = False,
) -> list[list[int]]:
    """:func:`average_link` of ``n`` articles with their copies collapsed first.

    ``copy_of[i]`` is the article ``i`` was collapsed onto as a copy (or None). Copy
    groups (union-find over ``copy_of``) are clustered as one item each, as the batch
    pipeline clusters one representative per copy group; the score of two copy groups
    is the mean of the scores listed between their members. So a repost scored against
    one copy of its text neither counts as a version of its own nor, through the pairs
    it was never scored on (which count as 0), dilutes its text's linkage to the rest.
    Returns groups of article indices, as :func:`average_link` does.
    """
    return CollapsedPairs(n, edges, copy_of).average_link(threshold, attach_threshold, lone_attach)


class CollapsedPairs:
    """Scored pairs of ``n`` articles collapsed onto their copy groups once, for several
    :func:`average_link_over_copies` groupings of subsets of the pairs (the roundup
    search groups one run's pairs up to six times, each time without some texts).

    ``average_link(..., left_out)`` is ``average_link_over_copies(n, [e for e in edges if
    neither end is in left_out], copy_of, ...)``, the same groups: the pairs are deduplicated
    (a pair listed twice keeps its highest score) and mapped to their copy groups here,
    and a call keeps those of its pairs, in the same order. When no two kept pairs join the
    same two copy groups (the batch's case: copies have no scored pairs of their own), each
    copy-group pair's mean is its one score (``(0.0 + s) / 1 == s``), so the means are
    not recomputed."""

    def __init__(
        self, n: int, edges: Iterable[tuple[int, int, float]], copy_of: Sequence[int | None]
    ) -> None:
        sets = DisjointSets(n)
        for i, j in enumerate(copy_of):
            if j is not None:
                sets.union(i, j)
        root = sets.roots()
        node = {r: k for k, r in enumerate(sorted(set(root)))}
        best: dict[tuple[int, int], float] = {}
        for i, j, s in edges:  # a pair listed twice keeps its highest score
            if i != j:
                key = (min(i, j), max(i, j))
                best[key] = max(s, best.get(key, s))
        # (x, y, score, i, j): copy groups x < y of the article pair (i, j).
        self.pairs: list[tuple[int, int, float, int, int]] = []
        for (i, j), s in best.items():
            x, y = sorted((node[root[i]], node[root[j]]))
            if x != y:
                self.pairs.append((x, y, s, i, j))
        self.one_pair_each = len({(x, y) for x, y, *_ in self.pairs}) == len(self.pairs)
        self.items = len(node)
        self.members: list[list[int]] = [[] for _ in node]
        for i in range(n):
            self.members[node[root[i]]].append(i)
        self._rows: tuple[dict[int, dict[int, float]], list[tuple[int, int]]] | None = None
        self._parts: dict[float, dict[int, dict[int, float]]] = {}
        self._pairs_of: dict[int, list[tuple[int, int]]] | None = None
        # Rule AS (switches.PUBLISHED_YEAR_CUT): the same pairs without the cut, set by
        # the caller; None: the attach step as always.
        self.stay: Stay | None = None
        # Rule L (switches.LONE_FLOOR_BAR): the same pairs without the floor's pairs under
        # its bar, set by the caller; None: the attach step as always.
        self.lone: Lone | None = None

    def _rows_without(
        self, left_out: Set[int], threshold: float
    ) -> tuple[Mapping[int, Mapping[int, float]], Mapping[int, Mapping[int, float]]]:
        """:func:`linkage_rows` of the copy-group pairs (one score each) without those of
        an article of ``left_out``, and :func:`part_rows` of all of them at ``threshold``
        without those pairs (see :func:`merge_parts`). The rows and parts of all the pairs
        are built once; a call drops the left-out pairs from copies of the rows they are
        in. Dropping keeps the other entries' order, so the rows are those built from the
        pairs left, in the same order (splinters sum in that order)."""
        if self._rows is None:
            self._rows = linkage_rows(self.items, [(x, y, s) for x, y, s, _, _ in self.pairs])
        rows, listed = self._rows
        parts = self._parts.get(threshold)
        if parts is None:
            parts = self._parts[threshold] = part_rows(self.items, rows, listed, threshold)
        if not left_out:
            return rows, parts
        if self._pairs_of is None:
            self._pairs_of = {}
            for x, y, _, i, j in self.pairs:
                self._pairs_of.setdefault(i, []).append((x, y))
                self._pairs_of.setdefault(j, []).append((x, y))
        dropped = {xy for i in left_out for xy in self._pairs_of.get(i, ())}
        return rows_without(rows, dropped), rows_without(parts, dropped)

    def average_link(
        self,
        threshold: float,
        attach_threshold: float | None = None,
        lone_attach: bool = False,
        left_out: Set[int] = frozenset(),
    ) -> list[list[int]]:
        """Groups of article indices, as :func:`average_link_over_copies` gives them for
        the pairs without an article of ``left_out``."""
        stay = None if self.stay is None else self._stay_rows(left_out, threshold)
        lone = None if self.lone is None else self._lone_rows(left_out, threshold)
        if self.one_pair_each:
            rows, parts = self._rows_without(left_out, threshold)
            grouped = merge_parts(
                self.items,
                parts,
                rows,
                threshold,
                attach_threshold,
                lone_attach=lone_attach,
                stay=stay,
                lone=lone,
            )
        else:
            grouped = average_link(
                self.items,
                self._node_edges(left_out),
                threshold,
                attach_threshold,
                lone_attach=lone_attach,
                stay=stay,
                lone=lone,
            )
        members = self.members
        return sorted(
            (sorted(i for x in group for i in members[x]) for group in grouped),
            key=lambda g: g[0],
        )

    def _node_edges(self, left_out: Set[int]) -> list[tuple[int, int, float]]:
        """The copy-group pairs without an article of ``left_out``, each the mean of its
        article pairs' scores."""
        kept = (
            [p for p in self.pairs if p[3] not in left_out and p[4] not in left_out]
            if left_out
            else self.pairs
        )
        totals: dict[tuple[int, int], tuple[float, int]] = {}
        for x, y, s, _, _ in kept:
            total, count = totals.get((x, y), (0.0, 0))
            totals[x, y] = (total + s, count + 1)
        return [(x, y, t / c) for (x, y), (t, c) in totals.items()]

    def attach_rows(
        self, left_out: Set[int], threshold: float
    ) -> Mapping[int, Mapping[int, float]]:
        """The rows :meth:`average_link` hands the attach step for ``left_out``."""
        if self.one_pair_each:
            return self._rows_without(left_out, threshold)[0]
        return linkage_rows(self.items, self._node_edges(left_out))[0]

    def _stay_rows(self, left_out: Set[int], threshold: float) -> StayRows:
        assert self.stay is not None
        short = self.stay.short
        return StayRows(
            self.stay.uncut.attach_rows(left_out, threshold),
            [all(short[i] for i in members) for members in self.members],
        )

    def _lone_rows(self, left_out: Set[int], threshold: float) -> LoneRows:
        assert self.lone is not None
        short = self.lone.short
        return LoneRows(
            self.lone.kept.attach_rows(left_out, threshold),
            [all(short[i] for i in members) for members in self.members],
        )


@dataclasses.dataclass(frozen=True, slots=True)
class Lone:
    """Rule L for a collapsed grouping (``switches.LONE_FLOOR_BAR``): ``kept``, the same
    articles, copies and versions collapsed without the pairs only the short-text vector
    floor proposed that score under rule L's bar (anything with ``attach_rows(left_out,
    threshold)``), and each article's shortness (``relate.is_short_text``)."""

    kept: Any
    short: Sequence[bool]


@dataclasses.dataclass(frozen=True, slots=True)
class LoneRows:
    """Rule L's input to :func:`attach_splinters` (``switches.LONE_FLOOR_BAR``): the
    items' linkage rows without the floor's pairs under the bar (``rows``, the same items
    as the rows grouped) and whether each item's texts are all short (``short``)."""

    rows: Mapping[int, Mapping[int, float]]
    short: Sequence[bool]


@dataclasses.dataclass(frozen=True, slots=True)
class Stay:
    """Rule AS for a collapsed grouping (``switches.PUBLISHED_YEAR_CUT``): ``uncut``, the
    same articles, copies and versions collapsed with the scores they have without the
    published-date cut (anything with ``attach_rows(left_out, threshold)``), and each
    article's shortness (``relate.is_short_text``)."""

    uncut: Any
    short: Sequence[bool]


def rows_without(
    rows: Mapping[int, Mapping[int, float]], dropped: Set[tuple[int, int]]
) -> dict[int, Mapping[int, float]]:
    """``rows`` without the pairs ``(x, y)``, ``x < y``, of ``dropped`` (absent ones
    ignored): the rows they touch copied, the others shared; entries keep their order."""
    out: dict[int, Mapping[int, float]] = dict(rows)
    copied: dict[int, dict[int, float]] = {}
    for x, y in dropped:
        for a, b in ((x, y), (y, x)):
            if b in out[a]:
                row = copied.get(a)
                if row is None:
                    row = copied[a] = dict(out[a])
                    out[a] = row
                del row[b]
    return out


def attach_splinters(
    groups: list[list[int]],
    scores: Mapping[int, Mapping[int, float]],
    threshold: float,
    sizes: Sequence[int] | None = None,
    lone_attach: bool = False,
    rule_sizes: Sequence[int] | None = None,
    stay: StayRows | None = None,
    lone: LoneRows | None = None,
) -> list[list[int]]:
    """Move each group into the group with the highest linkage >= ``threshold`` among
    those at least ``ATTACH_SIZE_RATIO`` times its size (``sizes``: as in
    :func:`average_link`), or of ``LONE_ATTACH_MIN`` or more for a lone item with
    ``lone_attach``. ``rule_sizes`` (default ``sizes``) sizes the items for that rule
    alone, where a linkage counts an item once but the rule several (a version of several
    copy groups, :class:`samestory.pipeline.group.VersionedPairs`).

    ``stay`` (rule AS, ``switches.PUBLISHED_YEAR_CUT``): a lone short item (one group of
    one item, rule size 1, short by ``stay.short``) stays where it is when its best
    target under ``stay.uncut`` (the rows without the published-date cut) is another
    group at ``threshold``: the cut took its best target away, and it does not go to the
    next best (docs/history/accuracy.md, 2026-12-07, attach).

    ``lone`` (rule L, ``switches.LONE_FLOOR_BAR``): a lone short item (as for ``stay``,
    short by ``lone.short``) reads its linkages from ``lone.rows``, the rows without the
    pairs only the short-text vector floor proposed that score under the story bar: such
    a pair, under the attach bar alone, could tip a lone item's sum over it (ECB+ lead's
    8-word lead, docs/history/accuracy.md, 2026-12-07, ecblead; the screen: 2026-12-07,
    loneattach).

    Linkages are measured against the groups as given (not as they grow), so the result
    does not depend on the order the groups are visited in; a group whose target moves
    too follows it.
    """
    group_of = {i: g for g, members in enumerate(groups) for i in members}
    size = [len(m) if sizes is None else sum(sizes[i] for i in m) for m in groups]
    rule = size if rule_sizes is None else [sum(rule_sizes[i] for i in m) for m in groups]
    moves: dict[int, int] = {}
    largest = max(rule, default=0)
    for g, members in enumerate(groups):
        least = least_attach_size(rule[g], lone_attach)
        if least > largest:
            continue  # no group is large enough for it to join
        totals: dict[int, float] = {}
        rows = scores
        if lone is not None and rule[g] == 1 and len(members) == 1 and lone.short[members[0]]:
            rows = lone.rows  # rule L: a lone short item's linkage without the floor's pairs
        for i in members:
            for other, s in rows.get(i, {}).items():
                target = group_of[other]
                if rule[target] >= least:
                    totals[target] = totals.get(target, 0.0) + s
        if totals:  # the highest linkage, then the smallest group index
            best = min((-total / (size[g] * size[t]), t) for t, total in totals.items())
            if -best[0] >= threshold and not (
                stay is not None
                and rule[g] == 1
                and len(members) == 1
                and stay.short[members[0]]
                and _redirected(members[0], best[1], stay.uncut, group_of, rule, least, size)
                >= threshold
            ):
                moves[g] = best[1]
    out = [list(members) for members in groups]
    for g, target in moves.items():
        while target in moves:  # ends: each move goes to a group 3x larger
            target = moves[target]
        out[target].extend(out[g])
        out[g] = []
    return [sorted(members) for members in out if members]


@dataclasses.dataclass(frozen=True, slots=True)
class StayRows:
    """Rule AS's input to :func:`attach_splinters` (``switches.PUBLISHED_YEAR_CUT``): the
    items' linkage rows without the published-date cut (``uncut``, the same items as the
    rows grouped) and whether each item's texts are all short (``short``)."""

    uncut: Mapping[int, Mapping[int, float]]
    short: Sequence[bool]


def _redirected(
    item: int,
    target: int,
    uncut: Mapping[int, Mapping[int, float]],
    group_of: Mapping[int, int],
    rule: Sequence[int],
    least: float,
    size: Sequence[int],
) -> float:
    """The linkage of lone ``item``'s best target under the ``uncut`` rows when that is
    not ``target`` (its best under the rows grouped), else -1: ties as the step breaks
    them (the smaller group index)."""
    totals: dict[int, float] = {}
    for other, s in uncut.get(item, {}).items():
        t = group_of[other]
        if rule[t] >= least:
            totals[t] = totals.get(t, 0.0) + s
    if not totals:
        return -1.0
    linkage, best = min((-total / size[t], t) for t, total in totals.items())
    return -linkage if best != target else -1.0


def least_attach_size(size: int, lone_attach: bool = True) -> float:
    """The smallest group a group of ``size`` items may join at the lower attach
    threshold: three times its size, or (``lone_attach``) for a lone item
    ``LONE_ATTACH_MIN`` if smaller."""
    least = float(ATTACH_SIZE_RATIO * size)
    if lone_attach and size == 1:
        least = min(least, LONE_ATTACH_MIN)
    return least


def attaches(size: int, target_size: int, lone_attach: bool = True) -> bool:
    """Whether a group of ``size`` items may join one of ``target_size`` at the lower
    attach threshold (:func:`least_attach_size`)."""
    return target_size >= least_attach_size(size, lone_attach)


def best_story(
    scores: Mapping[str, float],
    story_of: Mapping[str, str],
    story_sizes: Mapping[str, int],
    threshold: float,
    attach_threshold: float | None = None,
    uncut: Mapping[str, float] | None = None,
    lone: Set[str] | None = None,
) -> str | None:
    """The story a new article joins: highest ``Σ scores to members / story size``.

    ``scores`` maps existing article ids to the new article's score with them (pairs not
    scored count as 0). A story the new (lone) article may join at the lower bar
    (:func:`attaches`: ``LONE_ATTACH_MIN`` or more members) needs only
    ``attach_threshold`` (default: ``threshold``), a smaller one ``threshold``, as in
    :func:`attach_splinters`. Returns None when none qualifies.

    ``uncut`` (rule AS, ``switches.PUBLISHED_YEAR_CUT``; given for a short article only):
    its scores without the published-date cut. As :func:`attach_splinters` leaves a lone
    short item alone, the article starts a story of its own when it would join its best
    story below ``threshold`` (the attach step's join, not average link's) and its best
    story at the attach bar under ``uncut`` is another one.

    ``lone`` (rule L, ``switches.LONE_FLOOR_BAR``; given for a short article only): the
    partners whose pair only the short-text vector floor proposed and scores under the
    story bar. As :func:`attach_splinters` reads a lone short item's linkage without
    them, the article's join below ``threshold`` (the attach step's) is chosen without
    them.
    """
    attach = threshold if attach_threshold is None else attach_threshold
    best = _best_linkage(scores, story_of, story_sizes, threshold, attach)
    if best is not None and best[0] < threshold and lone:
        kept = {a: s for a, s in scores.items() if a not in lone}
        best = _best_linkage(kept, story_of, story_sizes, threshold, attach)
    if best is None or uncut is None or best[0] >= threshold:
        return None if best is None else best[1]
    # Rule AS: the attach step's targets (LONE_ATTACH_MIN or more members) at its bar.
    redirected = _best_linkage(uncut, story_of, story_sizes, math.inf, attach)
    return None if redirected is not None and redirected[1] != best[1] else best[1]


def _best_linkage(
    scores: Mapping[str, float],
    story_of: Mapping[str, str],
    story_sizes: Mapping[str, int],
    threshold: float,
    attach: float,
) -> tuple[float, str] | None:
    """:func:`best_story`'s choice under ``scores`` with its linkage (ties: the smaller
    story id), or None."""
    totals: dict[str, float] = {}
    for article_id, score in scores.items():
        story = story_of.get(article_id)
        if story is not None:
            totals[story] = totals.get(story, 0.0) + score
    best: tuple[float, str] | None = None
    for story, total in sorted(totals.items()):
        linkage = total / story_sizes[story]
        bar = min(threshold, attach) if attaches(1, story_sizes[story]) else threshold
        if linkage >= bar and (best is None or linkage > best[0]):
            best = (linkage, story)
    return best
