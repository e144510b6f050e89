"""Cheaper grouping, the same groups: average link's heap holds only pairs at the
threshold and merges walk only pairs within parts (:func:`samestory.stories.merge_rows`),
the roundup search collapses its pairs onto copy groups once and builds their rows and
parts once (:class:`samestory.stories.CollapsedPairs`), and its candidates are checked by
their names before their parts. Each is checked against the definition it replaced,
written out here as it stood."""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Sequence

from hypothesis import given, settings
from hypothesis import strategies as st

from samestory.config import DEFAULT_CONFIG
from samestory.pipeline.group import group
from samestory.roundups import MIN_SENTENCES, NameView, candidates, covers_several, parts
from samestory.stories import (
    STALE_TOLERANCE,
    CollapsedPairs,
    DisjointSets,
    attach_splinters,
    average_link,
)

N = 14
scores = st.one_of(st.floats(0.0, 1.0), st.sampled_from([0.0, 0.2, 0.4, 0.5, 0.8]))
edge_lists = st.lists(st.tuples(st.integers(0, N - 1), st.integers(0, N - 1), scores), max_size=70)
thresholds = st.one_of(st.floats(0.05, 1.0), st.sampled_from([0.2, 0.4, 0.5]))
attach = st.one_of(st.none(), st.floats(0.0, 1.0), st.sampled_from([0.2, 0.25]))


def reference_average_link(
    n: int,
    edges: Iterable[tuple[int, int, float]],
    threshold: float,
    attach_threshold: float | None = None,
    sizes: Sequence[int] | None = None,
    lone_attach: bool = False,
) -> list[list[int]]:
    """``stories.average_link`` before the heap was limited to pairs at the threshold."""
    sums: dict[int, dict[int, float]] = {i: {} for i in range(n)}
    for i, j, s in edges:
        if i == j or s <= 0:
            continue
        best = max(s, sums[i].get(j, 0.0))
        sums[i][j] = sums[j][i] = best
    scores = {i: dict(row) for i, row in sums.items()} if attach_threshold is not None else {}
    members: dict[int, list[int]] = {i: [i] for i in range(n)}
    weight: dict[int, int] = {i: 1 for i in range(n)} if sizes is None else dict(enumerate(sizes))
    heap = [(-s / (weight[i] * weight[j]), i, j) for i in sums for j, s in sums[i].items() if i < j]
    heapq.heapify(heap)
    next_id = n
    while heap:
        negative, x, y = heapq.heappop(heap)
        if x not in members or y not in members:
            continue
        linkage = sums[x].get(y, 0.0) / (weight[x] * weight[y])
        if abs(linkage + negative) > STALE_TOLERANCE:
            continue
        if linkage < threshold:
            break
        merged = next_id
        next_id += 1
        members[merged] = members.pop(x) + members.pop(y)
        weight[merged] = weight.pop(x) + weight.pop(y)
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
            link = s / (weight[merged] * weight[other])
            if link >= threshold:
                heapq.heappush(heap, (-link, min(other, merged), max(other, merged)))
    groups = [sorted(m) for m in members.values()]
    if attach_threshold is not None:
        groups = attach_splinters(groups, scores, attach_threshold, sizes, lone_attach)
    return sorted(groups, key=lambda g: g[0])


def reference_over_copies(
    n: int,
    edges: Iterable[tuple[int, int, float]],
    copy_of: Sequence[int | None],
    threshold: float,
    attach_threshold: float | None = None,
    lone_attach: bool = False,
) -> list[list[int]]:
    """``stories.average_link_over_copies`` before :class:`CollapsedPairs`."""
    sets = DisjointSets(n)
    for i, j in enumerate(copy_of):
        if j is not None:
            sets.union(i, j)
    root = sets.roots()
    node = {r: k for k, r in enumerate(sorted(set(root)))}
    best: dict[tuple[int, int], float] = {}
    for i, j, s in edges:
        if i != j:
            key = (min(i, j), max(i, j))
            best[key] = max(s, best.get(key, s))
    totals: dict[tuple[int, int], tuple[float, int]] = {}
    for (i, j), s in best.items():
        x, y = sorted((node[root[i]], node[root[j]]))
        if x != y:
            total, count = totals.get((x, y), (0.0, 0))
            totals[x, y] = (total + s, count + 1)
    grouped = reference_average_link(
        len(node),
        [(x, y, t / c) for (x, y), (t, c) in totals.items()],
        threshold,
        attach_threshold,
        lone_attach=lone_attach,
    )
    members: list[list[int]] = [[] for _ in node]
    for i in range(n):
        members[node[root[i]]].append(i)
    return sorted(
        (sorted(i for x in group for i in members[x]) for group in grouped), key=lambda g: g[0]
    )


@settings(max_examples=300)
@given(
    edge_lists,
    thresholds,
    attach,
    st.one_of(st.none(), st.lists(st.integers(1, 4), min_size=N, max_size=N)),
    st.booleans(),
)
def test_average_link_is_the_definition(edges, threshold, attach_at, sizes, lone):
    assert average_link(N, edges, threshold, attach_at, sizes, lone) == reference_average_link(
        N, edges, threshold, attach_at, sizes, lone
    )


def copy_maps(n: int) -> st.SearchStrategy[list[int | None]]:
    """``copy_of`` lists: each article a copy of an earlier one, or of none."""
    return st.lists(st.integers(-3, n - 1), min_size=n, max_size=n).map(
        lambda xs: [x if 0 <= x < i else None for i, x in enumerate(xs)]
    )


@settings(max_examples=300)
@given(
    edge_lists,
    copy_maps(N),
    thresholds,
    attach,
    st.booleans(),
    st.lists(st.sets(st.integers(0, N - 1), max_size=4), max_size=4),
)
def test_collapsed_pairs_group_as_over_copies_of_the_pairs_left(
    edges, copy_of, threshold, attach_at, lone, left_outs
):
    collapsed = CollapsedPairs(N, edges, copy_of)
    for left_out in [set(), *left_outs]:  # one collapse, several groupings
        kept = [(i, j, s) for i, j, s in edges if i not in left_out and j not in left_out]
        assert collapsed.average_link(
            threshold, attach_at, lone, left_out
        ) == reference_over_copies(N, kept, copy_of, threshold, attach_at, lone)


@given(edge_lists, copy_maps(N))
def test_the_batch_case_has_one_pair_per_copy_group_pair(edges, copy_of):
    # Pairs only between representatives (copies have no pairs of their own): each
    # copy-group pair has one score, whose mean is itself.
    reps = [i for i, c in enumerate(copy_of) if c is None]
    rep_edges = [(reps[i % len(reps)], reps[j % len(reps)], s) for i, j, s in edges]
    collapsed = CollapsedPairs(N, rep_edges, copy_of)
    assert collapsed.one_pair_each
    assert collapsed.average_link(
        DEFAULT_CONFIG.same_story_threshold, DEFAULT_CONFIG.attach_threshold, True
    ) == group(N, rep_edges, copy_of)


@settings(max_examples=100)
@given(
    edge_lists,
    copy_maps(N),
    st.lists(st.sets(st.integers(0, N - 1), max_size=4), max_size=4),
    st.lists(thresholds, min_size=1, max_size=2),
    attach,
)
def test_one_pair_each_shares_its_rows_and_parts_between_groupings(
    edges, copy_of, left_outs, cuts, attach_at
):
    # The batch's case (pairs between representatives only): the rows and the parts are
    # built once a threshold and the left-out pairs dropped from copies; every grouping
    # is still the definition's of the pairs left, and leaves the shared rows as built.
    reps = [i for i, c in enumerate(copy_of) if c is None]
    rep_edges = [(reps[i % len(reps)], reps[j % len(reps)], s) for i, j, s in edges]
    collapsed = CollapsedPairs(N, rep_edges, copy_of)
    for threshold in cuts:
        for left_out in [set(), *left_outs, set()]:
            kept = [(i, j, s) for i, j, s in rep_edges if i not in left_out and j not in left_out]
            assert collapsed.average_link(
                threshold, attach_at, True, left_out
            ) == reference_over_copies(N, kept, copy_of, threshold, attach_at, True)


def reference_candidates(
    views: Sequence[NameView], scored: Sequence[tuple[int, int, float]], bar: float, same: float
) -> set[int]:
    """``roundups.candidates`` before the names were checked ahead of :func:`parts`."""
    partners: dict[int, list[int]] = {}
    linked: set[tuple[int, int]] = set()
    for i, j, s in scored:
        if s >= bar:
            partners.setdefault(i, []).append(j)
            partners.setdefault(j, []).append(i)
        if s >= same:
            linked.add((min(i, j), max(i, j)))
    out = set()
    for text, found in partners.items():
        if len(found) < 2:
            continue
        view = views[text]
        if sum(1 for t in view.sentences if t) < 2 * MIN_SENTENCES:
            continue
        names = {j: views[j].specific for j in found}
        for k, j in enumerate(found):
            if any(
                (min(j, m), max(j, m)) not in linked
                and covers_several(parts(view, {j: names[j], m: names[m]}))
                for m in found[:k]
            ):
                out.add(text)
                break
    return out


# Three stories' names; a text tells one story, or (a roundup) one and then another.
STORY_NAMES = [[f"s{k}n{m}" for m in range(4)] for k in range(3)]
TEXTS = 8


@st.composite
def name_views(draw: st.DrawFn) -> NameView:
    """A text's specific names and each sentence's: a run of sentences naming one story's
    people, and for a roundup a second run naming another's."""
    runs = []
    for story in draw(st.lists(st.integers(0, 2), min_size=1, max_size=2, unique=True)):
        pool = STORY_NAMES[story]
        runs += draw(st.lists(st.sets(st.sampled_from(pool), max_size=3), min_size=1, max_size=5))
    sentences = tuple(frozenset(s) for s in runs)
    return NameView(frozenset().union(*sentences), sentences)


@settings(max_examples=150)
@given(
    st.lists(name_views(), min_size=TEXTS, max_size=TEXTS),
    st.lists(
        st.tuples(st.integers(0, TEXTS - 1), st.integers(0, TEXTS - 1), scores),
        min_size=8,
        max_size=40,
    ),
    st.sampled_from([0.2, 0.4]),
    st.sampled_from([0.2, 0.4, 0.6]),
)
def test_roundup_candidates_are_the_definitions(views, edges, bar, same):
    # (About one example in ten finds a roundup candidate.)
    assert candidates(views, edges, bar, same) == reference_candidates(views, edges, bar, same)
