"""Stage 5, group: stories as groups of article indices, from scored pairs.

Average link over copy groups, then splinters (see :mod:`samestory.stories` for the
maths). The batch driver and the store's local re-clustering both call :func:`group`;
the batch driver calls it through :func:`group_with_roundups`, which first keeps texts
covering several stories (roundups, digests, live blogs; see :mod:`samestory.roundups`)
from chaining them.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence, Set

import numpy as np

from samestory import exclusive
from samestory.config import DEFAULT_CONFIG, Config
from samestory.parallel import beside, frozen_heap
from samestory.roundups import (
    NameView,
    NameViews,
    Part,
    apart,
    candidates,
    covers_several,
    parts,
    story_parts,
    story_sides,
    told_as_one,
)
from samestory.stories import (
    CollapsedPairs,
    DisjointSets,
    Lone,
    LoneRows,
    Stay,
    StayRows,
    attach_splinters,
    attaches,
    average_link_over_copies,
    linkage_rows,
    merge_parts,
    part_rows,
    rows_without,
)


def group(
    n: int,
    scored: Iterable[tuple[int, int, float]],
    copy_of: Sequence[int | None],
    config: Config = DEFAULT_CONFIG,
    versions: Sequence[int | None] | None = None,
) -> list[list[int]]:
    """Group ``n`` articles given scored pairs ``(i, j, story score)``.

    ``copy_of[i]`` is the article ``i`` was collapsed onto as a copy (None if none; see
    :meth:`~samestory.pipeline.copies.CopyGroups.copy_of`). Copy groups are clustered as
    one item each (the score of two groups is the mean of the scores listed between their
    members) by average link at ``config.same_story_threshold``; groups left over join a
    story three times their size, and lone versions a story of two or more, at
    ``config.attach_threshold`` (:func:`samestory.stories.attaches`). Returns sorted
    index groups, ordered by their smallest index.

    ``versions`` (``copy_of`` with the versions joined too,
    :func:`samestory.exclusive.with_versions`): each version's copy groups are merged as
    one item, counted as their number by the splinter rule (:class:`VersionedPairs`).
    """
    if versions is not None:
        return _collapse(n, list(scored), copy_of, versions).average_link(
            config.same_story_threshold,
            config.attach_threshold,
            lone_attach=True,
        )
    return average_link_over_copies(
        n,
        scored,
        copy_of,
        config.same_story_threshold,
        config.attach_threshold,
        lone_attach=True,
    )


class VersionedPairs:
    """Scored pairs collapsed onto versions (several copy groups of one text: see
    :func:`samestory.exclusive.with_versions`), for :func:`group_with_roundups`' several
    groupings, as :class:`~samestory.stories.CollapsedPairs` collapses them onto copy groups.

    A version is one item of average link, its score with another item the mean of the
    copy-group scores listed between them: one witness, and its several variants (the
    100k corpus's originals' ~2-3 items) no longer dilute their story's linkage with the
    pairs no index proposed (docs/history/accuracy.md, 2026-12-04, excl2). Only the splinter
    rule's sizes (a group joins a story three times its size, a lone one any of two or
    more: ``stories.least_attach_size``) count copy groups, as without versions: counted
    as one, a version shrank its story below the bar (ECB+ 19a's nine-report story
    counted eight items, and its three-report splinter stayed apart; docs/history/accuracy.md
    2026-12-05, land). ``left_out`` texts' copy groups leave their version (grouped
    alone, their pairs dropped)."""

    def __init__(
        self,
        n: int,
        edges: Iterable[tuple[int, int, float]],
        copy_of: Sequence[int | None],
        versions: Sequence[int | None],
    ) -> None:
        self.members, self._pair_arrays = _copy_group_pairs(n, edges, copy_of)
        root = _copy_roots(n, versions)
        self.version = [root[members[0]] for members in self.members]
        # Built on the first grouping (see _SharedRows): every pair's linkage rows, each
        # version's copy groups, each article's pairs, each item pair's pairs.
        self._shared: _SharedRows | None = None
        self._parts: dict[float, dict[int, dict[int, float]]] = {}
        self._n = n
        # Rule AS (switches.PUBLISHED_YEAR_CUT), as stories.CollapsedPairs.stay.
        self.stay: Stay | None = None
        # Rule L (switches.LONE_FLOOR_BAR), as stories.CollapsedPairs.lone.
        self.lone: Lone | None = None

    def average_link(
        self,
        threshold: float,
        attach_threshold: float | None = None,
        lone_attach: bool = False,
        left_out: Set[int] = frozenset(),
    ) -> list[list[int]]:
        """Groups of article indices of the pairs without an article of ``left_out``."""
        node, weight, rows, parts = self._linkage(left_out, threshold)
        # average_link(items, edges, threshold), then the splinters on the same rows.
        grouped = merge_parts(len(weight), parts, rows, threshold)
        if attach_threshold is not None:
            stay = None
            if self.stay is not None:  # rule AS: the rows without the cut, short items
                short = [True] * len(weight)
                for x, members in enumerate(self.members):
                    short[node[x]] &= all(self.stay.short[i] for i in members)
                stay = StayRows(self.stay.uncut.attach_rows(left_out, threshold), short)
            grouped = attach_splinters(
                grouped,
                rows,
                attach_threshold,
                lone_attach=lone_attach,
                rule_sizes=weight,
                stay=stay,
                lone=self._lone_rows(node, len(weight), left_out, threshold),
            )
        articles: list[list[int]] = [[] for _ in weight]
        for x, members in enumerate(self.members):
            articles[node[x]].extend(members)
        return sorted(
            (sorted(i for v in g for i in articles[v]) for g in grouped), key=lambda g: g[0]
        )

    def _lone_rows(
        self, node: Sequence[int], items: int, left_out: Set[int], threshold: float
    ) -> LoneRows | None:
        """Rule L's rows for the attach step (None when it is off): each item short when
        all its texts are."""
        if self.lone is None:
            return None
        short = [True] * items
        for x, members in enumerate(self.members):
            short[node[x]] &= all(self.lone.short[i] for i in members)
        return LoneRows(self.lone.kept.attach_rows(left_out, threshold), short)

    def _linkage(
        self, left_out: Set[int], threshold: float
    ) -> tuple[
        list[int], list[int], Mapping[int, Mapping[int, float]], Mapping[int, Mapping[int, float]]
    ]:
        """Each copy group's item, the items' weights, their linkage rows and parts at
        ``threshold`` without the pairs of an article of ``left_out``."""
        shared = self._shared_rows()
        dropped = shared.dropped(left_out)
        rows: Mapping[int, Mapping[int, float]]
        parts: Mapping[int, Mapping[int, float]]
        if dropped is None:  # left-out texts reshape the items or a linkage: built anew
            node, ids = self._items(left_out)
            edges = self._edges(node, len(ids), left_out)
            rows, listed = linkage_rows(len(ids), edges)
            parts = part_rows(len(ids), rows, listed, threshold)
            weight = _weights(node, len(ids))
        else:  # the shared rows without the left-out pairs (the items are the same)
            node, weight = shared.node, shared.weight
            all_parts = self._parts.get(threshold)
            if all_parts is None:
                all_parts = self._parts[threshold] = part_rows(
                    len(weight), shared.rows, shared.listed, threshold
                )
            rows, parts = rows_without(shared.rows, dropped), rows_without(all_parts, dropped)
        return node, weight, rows, parts

    def attach_rows(
        self, left_out: Set[int], threshold: float
    ) -> Mapping[int, Mapping[int, float]]:
        """The rows :meth:`average_link` hands the attach step for ``left_out``."""
        return self._linkage(left_out, threshold)[2]

    def _items(self, left_out: Set[int]) -> tuple[list[int], dict[int, int]]:
        """Each copy group's item (numbered in the order of the copy groups) and the item
        keys: a copy group holding a ``left_out`` text is an item of its own (``-1 - x``),
        the others their version's."""
        node: list[int] = []
        ids: dict[int, int] = {}
        for x, members in enumerate(self.members):
            key = -1 - x if left_out and not left_out.isdisjoint(members) else self.version[x]
            node.append(ids.setdefault(key, len(ids)))
        return node, ids

    def _edges(
        self, node: Sequence[int], items: int, left_out: Set[int]
    ) -> list[tuple[int, int, float]]:
        """The items' pairs ``(a, b, linkage)``, ``a < b``, in the order first listed: the
        mean over their copy-group pairs of each one's mean score (pairs of a ``left_out``
        text dropped).

        In NumPy, the additions of the loop it replaced: ``np.bincount`` sums its weights
        one at a time in array order from 0.0, the order the pairs are listed in, and a
        mean is the same float division (docs/history/benchmarks.md, 2026-12-05, speed)."""
        x, y, s, i, j = self._pair_arrays
        if left_out:
            out = np.zeros(self._n, dtype=bool)
            out[list(left_out)] = True
            keep = ~(out[i] | out[j])
            x, y, s = x[keep], y[keep], s[keep]
        # Each copy-group pair's mean score, in the order first listed.
        x, y, means = _means_in_order(x * len(self.members) + y, x, y, s)
        items_of = np.asarray(node, dtype=np.int64)
        a, b = items_of[x], items_of[y]
        a, b = np.minimum(a, b), np.maximum(a, b)
        apart = a != b
        a, b, linkage = _means_in_order(
            a[apart] * items + b[apart], a[apart], b[apart], means[apart]
        )
        return list(zip(a.tolist(), b.tolist(), linkage.tolist(), strict=True))

    def _shared_rows(self) -> _SharedRows:
        if self._shared is None:
            node, ids = self._items(frozenset())
            rows, listed = linkage_rows(len(ids), self._edges(node, len(ids), frozenset()))
            self._shared = _SharedRows(self, node, _weights(node, len(ids)), rows, listed)
        return self._shared


def _means_in_order(
    keys: np.ndarray, a: np.ndarray, b: np.ndarray, values: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(a, b, mean of values)`` of each distinct key, in the order of the keys' first
    entries: each sum the additions ``0.0 + v1 + v2 ...`` in array order (``np.bincount``),
    divided by the count, as a dict of running totals gives them."""
    if not len(keys):
        return a, b, values.astype(np.float64)
    distinct, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
    order = np.argsort(first, kind="stable")
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order))
    slot = rank[inverse.reshape(-1)]
    sums = np.bincount(slot, weights=values, minlength=len(distinct))
    counts = np.bincount(slot, minlength=len(distinct))
    firsts = first[order]
    return a[firsts], b[firsts], sums / counts


def _weights(node: Sequence[int], items: int) -> list[int]:
    """Each item's number of copy groups (the splinter rule's sizes)."""
    weight = [0] * items
    for item in node:
        weight[item] += 1
    return weight


class _SharedRows:
    """:class:`VersionedPairs`' items and linkage rows with no text left out, and what
    tells whether leaving texts out only drops some of those rows' pairs.

    Leaving texts out changes the grouping's input in two ways: a copy group holding one
    is an item of its own, and their pairs are dropped. When each such copy group is the
    only one of its version, the items and their numbering are the same (its own key
    comes first where its version's did). When, besides, every item pair that loses a
    pair loses all of them, the other item pairs keep their pairs, so their means, and
    are listed in the same order: the rows built from the pairs left are the shared rows
    without the dropped pairs, their entries in the same order (as
    :class:`~samestory.stories.CollapsedPairs` drops them). Else the rows are built anew."""

    def __init__(
        self,
        versioned: VersionedPairs,
        node: list[int],
        weight: list[int],
        rows: dict[int, dict[int, float]],
        listed: list[tuple[int, int]],
    ) -> None:
        self.node, self.weight, self.rows, self.listed = node, weight, rows, listed
        self.items = len(weight)
        x, y, _, self.i, self.j = versioned._pair_arrays
        items_of = np.asarray(node, dtype=np.int64)
        group_of = np.zeros(versioned._n, dtype=np.int64)
        for g, members in enumerate(versioned.members):
            group_of[members] = g
        # Each article's item's weight (its version's copy groups).
        self.article_weight = np.asarray(weight, dtype=np.int64)[items_of[group_of]]
        a, b = items_of[x], items_of[y]
        # Each pair's item pair as a code (a < b), -1 for a pair within one item.
        self.code = np.where(a != b, np.minimum(a, b) * self.items + np.maximum(a, b), -1)
        self.codes, self.counts = np.unique(self.code[self.code >= 0], return_counts=True)

    def dropped(self, left_out: Set[int]) -> set[tuple[int, int]] | None:
        """The item pairs leaving ``left_out`` out drops, when that is all it changes
        (see the class); else None."""
        if not left_out:
            return set()
        texts = np.fromiter(left_out, dtype=np.int64, count=len(left_out))
        texts = texts[(texts >= 0) & (texts < len(self.article_weight))]  # (none beyond)
        if np.any(self.article_weight[texts] != 1):
            return None  # a version of several copy groups loses one: new items
        out = np.zeros(len(self.article_weight), dtype=bool)
        out[texts] = True
        lost = self.code[(out[self.i] | out[self.j]) & (self.code >= 0)]
        codes, counts = np.unique(lost, return_counts=True)
        if np.any(self.counts[np.searchsorted(self.codes, codes)] != counts):
            return None  # an item pair keeps some of its pairs: a new mean
        return {(int(c) // self.items, int(c) % self.items) for c in codes}


def _copy_group_pairs(
    n: int, edges: Iterable[tuple[int, int, float]], copy_of: Sequence[int | None]
) -> tuple[list[list[int]], tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]]:
    """:class:`~samestory.stories.CollapsedPairs`' copy groups (``members``, numbered by
    their smallest article) and pairs ``(x, y, score, i, j)`` as five arrays, in its
    order: each article pair once, first listed first, between two copy groups.
    In NumPy where no pair is listed twice (the batch's pairs); else as it builds them
    (a pair listed twice keeps its highest score)."""
    listed = list(edges)
    table = np.array(listed, dtype=np.float64).reshape(-1, 3)
    i, j = table[:, 0].astype(np.int64), table[:, 1].astype(np.int64)
    lo, hi = np.minimum(i, j), np.maximum(i, j)
    distinct = len(np.unique(lo * n + hi)) == len(listed)
    if not distinct or not np.array_equal(i, table[:, 0]) or not np.array_equal(j, table[:, 1]):
        copies = CollapsedPairs(n, listed, copy_of)
        columns = list(zip(*copies.pairs, strict=True)) or [(), (), (), (), ()]
        return copies.members, (
            np.array(columns[0], dtype=np.int64),
            np.array(columns[1], dtype=np.int64),
            np.array(columns[2], dtype=np.float64),
            np.array(columns[3], dtype=np.int64),
            np.array(columns[4], dtype=np.int64),
        )
    roots = np.asarray(_copy_roots(n, copy_of), dtype=np.int64)
    _, group_of = np.unique(roots, return_inverse=True)  # copy groups by smallest article
    group_of = group_of.reshape(-1)
    members: list[list[int]] = [[] for _ in range(int(group_of.max()) + 1 if n else 0)]
    for article, g in enumerate(group_of.tolist()):
        members[g].append(article)
    keep = lo != hi
    lo, hi, s = lo[keep], hi[keep], table[keep, 2]
    gx, gy = group_of[lo], group_of[hi]
    apart = gx != gy
    x, y = np.minimum(gx, gy)[apart], np.maximum(gx, gy)[apart]
    return members, (x, y, s[apart], lo[apart], hi[apart])


def _collapse(
    n: int,
    scored: Sequence[tuple[int, int, float]],
    copy_of: Sequence[int | None],
    versions: Sequence[int | None],
) -> CollapsedPairs | VersionedPairs:
    """The pairs collapsed onto versions where a version joins two copy groups, else onto
    copy groups alone (the grouping as without versions)."""
    if _copy_roots(n, versions) == _copy_roots(n, copy_of):
        return CollapsedPairs(n, scored, copy_of)
    return VersionedPairs(n, scored, copy_of, versions)


# Groupings tried while the roundups found change (each round can only drop some).
ROUNDUP_ROUNDS = 3


@dataclasses.dataclass(frozen=True, slots=True)
class FoundRoundup:
    """A text covering several stories: its index, the part each story covers (their
    ``side`` indexes the returned groups), the group it is in (None: alone) and whether
    it was taken out of the plain grouping for chaining stories (``cut``)."""

    index: int
    parts: tuple[Part, ...]
    attached_to: int | None
    cut: bool = False


def group_with_roundups(
    views: Sequence[NameView],
    scored: Sequence[tuple[int, int, float]],
    copy_of: Sequence[int | None],
    config: Config = DEFAULT_CONFIG,
    fork: bool = False,
    stay: StayInput | None = None,
    lone: LoneInput | None = None,
) -> tuple[list[list[int]], list[FoundRoundup]]:
    """:func:`group`, with roundups kept from chaining stories.

    ``views[i]`` holds the names of article ``i`` (:class:`~samestory.roundups.NameView`;
    :class:`~samestory.roundups.NameViews` builds them from features when read), all the
    rule reads of the texts.

    Candidates (:func:`samestory.roundups.candidates`) are left out of a first grouping;
    a candidate that covers parts of two of its stories apart is a roundup. The texts
    are grouped again without the roundups' pairs, and a roundup that no longer covers
    two of the stories found is not one (up to ``ROUNDUP_ROUNDS`` groupings; if the set
    still changes, no text is treated as a roundup). A roundup that chained stories in
    the plain grouping (its own group there holds versions of two stories it covers
    apart, stories whose own linkage is below half of ``attach_threshold``), or split a
    story it covers (pulled half or more of its versions away from the others), or that
    average link left outside every story it covers (alone, or in a story it names nothing
    specific to), is taken out of it: the texts are grouped without its pairs and it joins
    the story it covers that it links to most, if that linkage reaches the bar a new
    article meets in :func:`samestory.stories.best_story`, or stands alone (flagged as not
    attached). So a roundup is in a story it covers, or alone.

    ``fork``: look for the candidates on a forked child (:func:`samestory.parallel.beside`)
    while this process groups the pairs as they are (the plain grouping, which needs
    none of them): the same groups, on two cores. Only where ``views`` and ``scored``
    need nothing a fork does not carry (the batch driver's; not the store's, whose
    views read its database).

    ``stay`` (rule AS, ``switches.PUBLISHED_YEAR_CUT``; every driver hands it: the batch
    from its relations, the store's re-clustering from its stored pairs, Spark's
    components from their edges): the pairs of ``scored`` with their scores without the
    published-date cut, and each text's shortness; every grouping's attach step then
    leaves a lone short text alone when the cut took its best target
    (:func:`samestory.stories.attach_splinters`).

    ``lone`` (rule L, ``switches.LONE_FLOOR_BAR``; the batch's, the store's and Spark's
    groupings): the pairs
    only the short-text vector floor proposed, rule L's bar and each text's shortness;
    every grouping's attach step then reads a lone short text's linkage without those of
    them that score under the bar (:func:`samestory.stories.attach_splinters`).
    """
    # The heap as it is now (features, relations) out of the collector's sight while
    # the groupings make and drop their rows (parallel.frozen_heap): a full collection
    # here walked every feature and relation of the run (real corpus: ~0.13 s of CPU
    # in one; docs/history/benchmarks.md, 2026-12-05, speed). The same groups.
    with frozen_heap():
        return _group_with_roundups(views, scored, copy_of, config, fork, stay, lone)


@dataclasses.dataclass(frozen=True, slots=True)
class StayInput:
    """Rule AS's input to :func:`group_with_roundups`: ``uncut``, the scored pairs (in the
    same order) with their scores without the published-date cut; ``short``, each text's
    :func:`samestory.relate.is_short_text`."""

    uncut: Sequence[tuple[int, int, float]]
    short: Sequence[bool]


@dataclasses.dataclass(frozen=True, slots=True)
class LoneInput:
    """Rule L's input to :func:`group_with_roundups`: ``floor_only``, the article pairs
    ``(i, j)``, ``i < j``, only the short-text vector floor proposed; ``bar``, the score
    (as grouped, after the exclusive-names step) under which such a pair does not count
    in a lone short text's attach linkage; ``short``, each text's
    :func:`samestory.relate.is_short_text`."""

    floor_only: Set[tuple[int, int]]
    bar: float
    short: Sequence[bool]

    def kept(self, scored: Iterable[tuple[int, int, float]]) -> list[tuple[int, int, float]]:
        """``scored`` without the floor's pairs under the bar."""
        only, bar = self.floor_only, self.bar
        return [
            (i, j, s)
            for i, j, s in scored
            if not (s < bar and ((i, j) if i < j else (j, i)) in only)
        ]


def _group_with_roundups(
    views: Sequence[NameView],
    scored: Sequence[tuple[int, int, float]],
    copy_of: Sequence[int | None],
    config: Config,
    fork: bool,
    stay: StayInput | None = None,
    lone: LoneInput | None = None,
) -> tuple[list[list[int]], list[FoundRoundup]]:
    bar = _partner_bar(config)
    collapsed, plain, suspects = _plain_grouping(
        views, scored, copy_of, config, fork, bar, stay, lone
    )
    if not suspects:
        return plain, []
    partners = _partners(scored, suspects, bar)
    settled = _settled_roundups(views, collapsed, config, suspects, partners)
    if settled is None:
        return plain, []
    confirmed, apart_groups, story_of = settled
    # A roundup that chained stories in the plain grouping is taken out of it.
    chained = _chained_or_split(views, partners, confirmed, plain, apart_groups, story_of)
    units = _copy_roots(len(views), copy_of)
    groups, cut = _place_apart(plain, collapsed, config, units, views, partners, confirmed, chained)
    found, moves = _roundups_placed(views, scored, partners, confirmed, groups, cut, units, config)
    return _apply_moves(groups, moves, found)


def _plain_grouping(
    views: Sequence[NameView],
    scored: Sequence[tuple[int, int, float]],
    copy_of: Sequence[int | None],
    config: Config,
    fork: bool,
    bar: float,
    stay: StayInput | None = None,
    lone: LoneInput | None = None,
) -> tuple[CollapsedPairs | VersionedPairs, list[list[int]], set[int]]:
    """The pairs collapsed for every grouping, the plain grouping (no text left out) and
    the roundup candidates (found on a forked child with ``fork``)."""
    if fork:
        # The names the candidates and the exclusive-names step both read, read once
        # here: the forked child finds them read, and looks for the candidates while
        # this process runs the step (docs/history/benchmarks.md, 2026-12-05, speed).
        _read_names(views, scored, bar)
    with beside(lambda: candidates(views, scored, bar, bar), fork) as suspects_found:
        # The grouping reads the pairs after the exclusive-names step, copies counted as
        # one version; the roundup rule reads them as scored (a cut pair is no sign of a
        # roundup).
        grouped = exclusive.before_grouping(views, scored)
        # Versions are merged as one item each (their unscored pairs no longer dilute a
        # story's linkage: docs/history/accuracy.md, 2026-12-04, excl2), counted as their copy
        # groups by the splinter rule (VersionedPairs). Plain views: copy_of as it is.
        versions = exclusive.with_versions(views, copy_of)
        # The pairs are collapsed onto copy groups once for the up to six groupings
        # below (each leaves some texts out; the same groups as group() of the pairs
        # left: with none left out, plain is group()'s).
        collapsed = _collapse(len(views), grouped, copy_of, versions)
        if stay is not None and lone is not None and lone.floor_only:
            # Rule AS beside rule L: the attach step reads a lone short item's linkage from
            # rule L's rows, not the cut ones _stay_of's argument compares the uncut rows
            # with: the same steps on every uncut pair, as the two rules were screened.
            uncut = exclusive.before_grouping(views, stay.uncut)
            collapsed.stay = Stay(_collapse(len(views), uncut, copy_of, versions), stay.short)
        elif stay is not None:  # rule AS: the same steps on the uncut scores, where read
            collapsed.stay = _stay_of(views, scored, grouped, stay, copy_of, versions)
        if lone is not None and lone.floor_only:  # rule L: the same without the floor's
            kept = _collapse(len(views), lone.kept(grouped), copy_of, versions)
            collapsed.lone = Lone(kept, lone.short)
        plain = _group(collapsed, config)
        suspects = suspects_found()
    return collapsed, plain, suspects


def _stay_of(
    views: Sequence[NameView],
    scored: Sequence[tuple[int, int, float]],
    grouped: Sequence[tuple[int, int, float]],
    stay: StayInput,
    copy_of: Sequence[int | None],
    versions: Sequence[int | None],
) -> Stay | None:
    """Rule AS's input to every grouping's attach step (:class:`~samestory.stories.Stay`):
    the uncut pairs after the exclusive-names step, collapsed as ``grouped`` (the cut
    pairs after it) are, but only the pairs the step can read; None where it reads
    nothing that differs from the cut pairs (the same groups as without the rule).

    Why the same groups as the uncut pass over every pair (the pass it replaces,
    docs/history/benchmarks.md, 2026-12-07, asgroup):

    - The attach step reads the uncut rows of one kind of item only
      (:func:`samestory.stories.attach_splinters`): a group of one item of rule size one
      whose texts are all short, i.e. one copy group (alone, or its version's only one, or
      left out of its version) of short texts, and of such an item only its own row, the
      scores of the pairs of its texts. When that row is its cut row (the same pairs, the
      same scores, in the same order), its best target under it is the one the step
      chose, and the step moves it as without the rule. So the rule acts only through
      short copy groups one of whose pairs scores otherwise uncut (after the
      exclusive-names step) than cut; the others are marked not short here, and the
      uncut pass holds only the pairs of the texts of those groups (``touched``): their
      rows are whole, in the order listed, so the same rows (an item's row reads only its
      own pairs; the linkage means, :class:`VersionedPairs`' too, are summed pair by pair
      in the order listed; items are numbered by ``copy_of`` and ``versions``, not by
      the pairs).
    - The exclusive-names step (:func:`samestory.exclusive.exclusive_chance`) scores a
      pair from its own score and the pairs of its two texts (their neighbourhoods and best
      scores). So a pair scores otherwise uncut only when one of its texts has a pair
      whose raw score the cut changed (``ends``), and the step runs again only on those
      pairs that touch a short copy group, the other pairs of their texts beside them
      (``also``: :func:`samestory.exclusive.before_grouping`); every other pair keeps its
      score in ``grouped``.

    Tested against the full pass in tests/test_published_year_cut.py."""
    n = len(views)
    far = [
        k
        for k, (cut, uncut) in enumerate(zip(scored, stay.uncut, strict=True))
        if cut[2] != uncut[2]
    ]
    if not far:
        return None
    roots = _copy_roots(n, copy_of)
    short_group: dict[int, bool] = {}
    for i, root in enumerate(roots):
        short_group[root] = short_group.get(root, True) and bool(stay.short[i])
    lone = [short_group[root] for root in roots]  # the texts of short copy groups
    ends = {i for k in far for i in scored[k][:2]}
    read = [
        k for k, (i, j, _) in enumerate(scored) if (i in ends or j in ends) and (lone[i] or lone[j])
    ]
    if not read:
        return None
    texts = {i for k in read for i in scored[k][:2]}
    beside = [p for p in stay.uncut if p[0] in texts or p[1] in texts]
    again = exclusive.before_grouping(views, [stay.uncut[k] for k in read], beside)
    uncut = {k: s for k, (_, _, s) in zip(read, again, strict=True) if s != grouped[k][2]}
    if not uncut:
        return None
    moved = {roots[i] for k in uncut for i in scored[k][:2] if lone[i]}
    touched = [lone[i] and roots[i] in moved for i in range(n)]
    pairs = [
        (i, j, uncut.get(k, s)) for k, (i, j, s) in enumerate(grouped) if touched[i] or touched[j]
    ]
    return Stay(_collapse(n, pairs, copy_of, versions), touched)


def _settled_roundups(
    views: Sequence[NameView],
    collapsed: CollapsedPairs | VersionedPairs,
    config: Config,
    suspects: set[int],
    partners: dict[int, list[int]],
) -> tuple[set[int], list[list[int]], dict[int, int]] | None:
    """The candidates that cover two stories of the grouping without them, once that
    set no longer changes (up to ``ROUNDUP_ROUNDS`` groupings), with that grouping and
    each other text's group in it; None when none is left or the set still changes."""
    first = _group_of(_group(collapsed, config, suspects))
    confirmed = {
        c
        for c in sorted(suspects)
        if covers_several(story_parts(views[c], partners[c], first, views))
    }
    for _ in range(ROUNDUP_ROUNDS):  # a roundup must still cover two stories once grouped
        if not confirmed:
            return None
        groups = _group(collapsed, config, confirmed)
        # Roundups cover stories, not each other: their groups are no story's part.
        story_of = {i: g for i, g in _group_of(groups).items() if i not in confirmed}
        still = {
            c
            for c in confirmed
            if covers_several(story_parts(views[c], partners[c], story_of, views))
        }
        if still == confirmed:
            return confirmed, groups, story_of
        confirmed = still
    return None  # still changing: leave the texts as average link groups them


def _chained_or_split(
    views: Sequence[NameView],
    partners: dict[int, list[int]],
    confirmed: set[int],
    plain: Sequence[Sequence[int]],
    apart_groups: Sequence[Sequence[int]],
    story_of: Mapping[int, int],
) -> set[int]:
    """The roundups that chained stories (:func:`_chains`) or split one (:func:`_splits`)
    in the plain grouping; ``apart_groups`` is the grouping without the roundups, whose
    stories they cover (``story_of``)."""
    plain_of = _group_of(plain)
    return {
        c
        for c in confirmed
        if _chains(
            views[c],
            [j for j in partners[c] if plain_of[j] == plain_of[c]],
            story_of,
            views,
        )
        or _splits(
            story_parts(views[c], partners[c], story_of, views),
            apart_groups,
            plain_of,
            plain_of[c],
        )
    }


def _roundups_placed(
    views: Sequence[NameView],
    scored: Sequence[tuple[int, int, float]],
    partners: dict[int, list[int]],
    confirmed: set[int],
    groups: Sequence[Sequence[int]],
    cut: set[int],
    units: Sequence[int],
    config: Config,
) -> tuple[list[FoundRoundup], dict[int, int]]:
    """Each roundup as found in ``groups`` (the grouping without the ``cut`` ones' pairs)
    and the moves of the cut ones' groups into the story each joins
    (:func:`_attach_target`)."""
    group_of = _group_of(groups)
    story_of = {i: g for i, g in group_of.items() if i not in confirmed}
    found: list[FoundRoundup] = []
    moves: dict[int, int] = {}
    scores_of = _scores_of(scored, cut)
    for c in sorted(confirmed):
        covered = tuple(story_parts(views[c], partners[c], story_of, views))
        if c not in cut:  # average link put it in a story it covers: flagged there
            if len(covered) >= 2:  # (a bridge of one story's parts is no roundup)
                found.append(FoundRoundup(c, covered, group_of[c]))
            continue
        target = _attach_target(covered, scores_of[c], groups, units, config)
        found.append(FoundRoundup(c, covered, target, cut=True))
        if target is not None:
            moves[group_of[c]] = target
    return found, moves


def _read_names(
    views: Sequence[NameView], scored: Sequence[tuple[int, int, float]], bar: float
) -> None:
    """Read (and keep) the specific names of the texts of the pairs scored ``bar`` or
    more, in lazy :class:`~samestory.roundups.NameViews` (plain views hold them)."""
    if isinstance(views, NameViews):
        read = views.specific
        for i, j, s in scored:
            if s >= bar:
                read(i)
                read(j)


def _group(
    collapsed: CollapsedPairs | VersionedPairs, config: Config, left_out: set[int] | None = None
) -> list[list[int]]:
    """:func:`group` of the collapsed pairs without those of an article of ``left_out``."""
    return collapsed.average_link(
        config.same_story_threshold,
        config.attach_threshold,
        lone_attach=True,
        left_out=left_out or frozenset(),
    )


def _place_apart(
    plain: list[list[int]],
    collapsed: CollapsedPairs | VersionedPairs,
    config: Config,
    units: Sequence[int],
    views: Sequence[NameView],
    partners: dict[int, list[int]],
    confirmed: set[int],
    chained: set[int],
) -> tuple[list[list[int]], set[int]]:
    """The grouping without the pairs of the roundups to place apart, and those roundups.

    A roundup is placed apart (grouped without its pairs, then attached by
    :func:`_attach_target` or left alone) when it chained or split stories (``chained``),
    or when average link left it outside every story it covers: alone (a story of one
    article is no story it joined) or in a story it names nothing specific to. A roundup
    joins the story it covers most, or none."""
    cut = set(chained)
    groups = _group(collapsed, config, cut) if cut else plain
    for _ in range(ROUNDUP_ROUNDS):
        group_of = _group_of(groups)
        story_of = {i: g for i, g in group_of.items() if i not in confirmed}
        outside = {
            c
            for c in confirmed - cut
            if group_of[c]
            not in {p.side for p in story_parts(views[c], partners[c], story_of, views)}
        }
        if not outside:
            break
        with_others = {c for c in outside if any(units[i] != units[c] for i in groups[group_of[c]])}
        cut |= outside
        if not with_others:  # alone: its pairs moved nothing, the grouping stands
            break
        groups = _group(collapsed, config, cut)
    return groups, cut


def _chains(
    view: NameView,
    partners: Sequence[int],
    story_of: Mapping[int, int],
    views: Sequence[NameView],
) -> bool:
    """True when the text of ``view`` chained stories: its plain group holds versions
    (``partners``: its partners there) of two stories (``story_of``, found without the
    roundups) whose parts it covers apart, and it does not tell them as one event
    (:func:`samestory.roundups.told_as_one`: the two stories share names the text
    names in both parts). (Two parts of one event, each naming other people of it, are
    tied by the event's street or hospital: the text joining them is no roundup of
    theirs.) Names, not scores: the pairs' story scores decide the plain grouping, not
    whether what the text joined is one event (docs/history/accuracy.md, 2026-12-05, roundup)."""
    sides = story_sides(partners, story_of, views)
    found = parts(view, sides)
    return any(
        apart(p.sentences, q.sentences)
        and not told_as_one(view, p, q, sides[p.side], sides[q.side])
        for k, p in enumerate(found)
        for q in found[:k]
    )


def _splits(
    found: Sequence[Part], groups: Sequence[Sequence[int]], plain_of: dict[int, int], own: int
) -> bool:
    """True when the text pulled at least half of a story it covers (a group of
    ``groups``, found without the roundups) into its own plain group ``own``, away from
    the rest. (Holding one version of a large story with its own story is what an
    ordinary bridge does; taking half a story away from it is what a roundup does.)"""
    for p in found:
        members = groups[p.side]
        inside = sum(1 for i in members if plain_of[i] == own)
        if 0 < inside < len(members) and 2 * inside >= len(members):
            return True
    return False


def _partner_bar(config: Config) -> float:
    """The story score at which a scored text counts as a partner of a roundup."""
    if config.attach_threshold is not None:
        return config.attach_threshold
    return config.same_story_threshold / 2


def _partners(
    scored: Sequence[tuple[int, int, float]], texts: set[int], bar: float
) -> dict[int, list[int]]:
    out: dict[int, list[int]] = {t: [] for t in texts}
    for i, j, s in scored:
        if s >= bar:
            if i in out:
                out[i].append(j)
            if j in out:
                out[j].append(i)
    return out


def _scores_of(
    scored: Sequence[tuple[int, int, float]], texts: set[int]
) -> dict[int, list[tuple[int, float]]]:
    """Each of ``texts``' scored partners and scores, in the order of ``scored`` (one pass
    over the pairs for all of them, not one a text)."""
    out: dict[int, list[tuple[int, float]]] = {t: [] for t in texts}
    for i, j, s in scored:
        if i in out:
            out[i].append((j, s))
        if j in out and j != i:
            out[j].append((i, s))
    return out


def _group_of(groups: Sequence[Sequence[int]]) -> dict[int, int]:
    return {i: g for g, members in enumerate(groups) for i in members}


def _copy_roots(n: int, copy_of: Sequence[int | None]) -> list[int]:
    sets = DisjointSets(n)
    for i, j in enumerate(copy_of):
        if j is not None:
            sets.union(i, j)
    return sets.roots()


def _attach_target(
    covered: Sequence[Part],
    scores: Sequence[tuple[int, float]],
    groups: Sequence[Sequence[int]],
    units: Sequence[int],
    config: Config,
) -> int | None:
    """The group a roundup joins (``scores``: its scored partners and their scores): of
    the stories it covers, the one it links to most (mean score over the story's copy
    groups, then the larger share), if that linkage reaches the bar
    :func:`samestory.stories.best_story` sets (``attach_threshold`` for a story a lone
    text may join at it, :func:`samestory.stories.attaches`, else
    ``same_story_threshold``); else None. (Names place a sentence; the scores weigh the
    whole text.)"""
    ranked = []
    for part in covered:
        members = set(groups[part.side])
        total = sum(s for other, s in scores if other in members)
        size = len({units[m] for m in members})
        ranked.append((total / size, part.share, -part.side, size))
    if not ranked:
        return None
    linkage, _, target, size = max(ranked)
    bar = config.same_story_threshold
    if attaches(1, size) and config.attach_threshold is not None:
        bar = config.attach_threshold
    return -target if linkage >= bar else None


def _apply_moves(
    groups: Sequence[Sequence[int]], moves: dict[int, int], found: Sequence[FoundRoundup]
) -> tuple[list[list[int]], list[FoundRoundup]]:
    """Move each roundup's group into its target and renumber groups (sorted by their
    smallest index, as :func:`group` returns them); the found roundups follow."""
    merged: dict[int, list[int]] = {g: list(m) for g, m in enumerate(groups)}
    for source, target in moves.items():
        merged[target].extend(merged.pop(source))
    order = sorted(merged, key=lambda g: min(merged[g]))
    new_index = {g: k for k, g in enumerate(order)}
    for source, target in moves.items():
        new_index[source] = new_index[target]
    out = [sorted(merged[g]) for g in order]
    renumbered = [
        FoundRoundup(
            f.index,
            tuple(dataclasses.replace(p, side=new_index[p.side]) for p in f.parts),
            None if f.attached_to is None else new_index[f.attached_to],
            f.cut,
        )
        for f in found
    ]
    return out, renumbered
