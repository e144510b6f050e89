""":class:`VersionedPairs` builds its rows once and drops the left-out pairs from copies,
its item pairs' means in NumPy: the groups of the definition (the loop it replaced,
kept here as the reference), ties and copies' own pairs included."""

from __future__ import annotations

from collections.abc import Sequence, Set

from hypothesis import given, settings
from hypothesis import strategies as st

from samestory.pipeline.group import VersionedPairs, _copy_roots
from samestory.stories import (
    CollapsedPairs,
    DisjointSets,
    attach_splinters,
    average_link,
    linkage_rows,
)

N = 12
# Few distinct scores: ties between linkages, and copy-group pairs listed twice.
scores = st.one_of(st.floats(0.0, 1.0), st.sampled_from([0.0, 0.2, 0.25, 0.4, 0.5, 0.8]))
edge_lists = st.lists(st.tuples(st.integers(0, N - 1), st.integers(0, N - 1), scores), max_size=60)
parents = st.lists(st.integers(-4, N - 1), min_size=N, max_size=N).map(
    lambda xs: [x if 0 <= x < i else None for i, x in enumerate(xs)]
)
left_outs = st.lists(st.sets(st.integers(0, N - 1), max_size=4), max_size=4)


def reference(
    n: int,
    edges: list[tuple[int, int, float]],
    copy_of: Sequence[int | None],
    versions: Sequence[int | None],
    threshold: float,
    attach_threshold: float | None,
    lone_attach: bool,
    left_out: Set[int],
) -> list[list[int]]:
    """VersionedPairs.average_link as first written (main 8948ae7): everything built
    anew for each grouping, in dicts."""
    copies = CollapsedPairs(n, edges, copy_of)
    root = _copy_roots(n, versions)
    version = [root[members[0]] for members in copies.members]
    node: dict[int, int] = {}
    ids: dict[int, int] = {}
    for x, members in enumerate(copies.members):
        key = -1 - x if left_out and not left_out.isdisjoint(members) else version[x]
        node[x] = ids.setdefault(key, len(ids))
    weight = [0] * len(ids)
    for x in range(copies.items):
        weight[node[x]] += 1
    means: dict[tuple[int, int], tuple[float, int]] = {}
    for x, y, s, i, j in copies.pairs:
        if i not in left_out and j not in left_out:
            total, count = means.get((x, y), (0.0, 0))
            means[x, y] = (total + s, count + 1)
    listed: dict[tuple[int, int], tuple[float, int]] = {}
    for (x, y), (total, count) in means.items():
        a, b = sorted((node[x], node[y]))
        if a != b:
            sums, k = listed.get((a, b), (0.0, 0))
            listed[a, b] = (sums + total / count, k + 1)
    edges_ = [(a, b, t / k) for (a, b), (t, k) in listed.items()]
    grouped = average_link(len(ids), edges_, threshold)
    if attach_threshold is not None:
        rows, _ = linkage_rows(len(ids), edges_)
        grouped = attach_splinters(
            grouped, rows, attach_threshold, lone_attach=lone_attach, rule_sizes=weight
        )
    articles: list[list[int]] = [[] for _ in ids]
    for x, members in enumerate(copies.members):
        articles[node[x]].extend(members)
    return sorted((sorted(i for v in g for i in articles[v]) for g in grouped), key=lambda g: g[0])


def joined(copy_of: Sequence[int | None], extra: Sequence[int | None]) -> list[int | None]:
    """Versions: the copy groups of ``copy_of`` joined by ``extra`` too (each text's other
    parent), so that some versions hold several copy groups."""
    sets = DisjointSets(len(copy_of))
    for k, (c, e) in enumerate(zip(copy_of, extra, strict=True)):
        for parent in (c, e):
            if parent is not None:
                sets.union(k, parent)
    return [None if r == k else r for k, r in enumerate(sets.roots())]


@settings(max_examples=400, deadline=None)
@given(
    edge_lists,
    parents,
    parents,
    st.sampled_from([0.3, 0.4, 0.5]),
    st.one_of(st.none(), st.sampled_from([0.2, 0.25])),
    st.booleans(),
    left_outs,
)
def test_versioned_pairs_group_as_the_definition(
    edges, copy_of, extra, threshold, attach_at, lone, left_out_sets
):
    versions = joined(copy_of, extra)
    versioned = VersionedPairs(N, edges, copy_of, versions)
    # One collapse, several groupings (the roundup search's), the first repeated last.
    for left_out in [set(), *left_out_sets, set()]:
        assert versioned.average_link(threshold, attach_at, lone, left_out) == reference(
            N, edges, copy_of, versions, threshold, attach_at, lone, left_out
        )


@settings(max_examples=200, deadline=None)
@given(edge_lists, parents, parents, left_outs)
def test_the_batch_case_with_versions(edges, copy_of, extra, left_out_sets):
    # Pairs between copy-group representatives only (one pair each), versions joining
    # some: the shared rows' path, at production's bars.
    reps = [i for i, c in enumerate(copy_of) if c is None]
    rep_edges = [(reps[i % len(reps)], reps[j % len(reps)], s) for i, j, s in edges]
    versions = joined(copy_of, extra)
    versioned = VersionedPairs(N, rep_edges, copy_of, versions)
    for left_out in [set(), *left_out_sets]:
        assert versioned.average_link(0.4, 0.2, True, left_out) == reference(
            N, rep_edges, copy_of, versions, 0.4, 0.2, True, left_out
        )


def test_the_shared_rows_serve_a_left_out_text_of_a_version_of_its_own() -> None:
    # 0-1 copies (one copy group), 2 and 3 one version of two copy groups; leaving 4
    # out drops its pairs only: the shared rows without them.
    edges = [(0, 2, 0.9), (0, 3, 0.7), (0, 4, 0.6), (2, 4, 0.5), (4, 5, 0.9), (3, 5, 0.3)]
    copy_of: list[int | None] = [None, 0, None, None, None, None]
    versions: list[int | None] = [None, 0, None, 2, None, None]
    versioned = VersionedPairs(6, edges, copy_of, versions)
    versioned.average_link(0.4, 0.2, True)
    shared = versioned._shared
    assert shared is not None
    assert shared.dropped({4}) == {(0, 2), (1, 2), (2, 3)}
    assert shared.dropped({3}) is None  # 3's version holds two copy groups
    for left_out in [set(), {4}, {3}, {0}, {5}]:
        assert versioned.average_link(0.4, 0.2, True, left_out) == reference(
            6, edges, copy_of, versions, 0.4, 0.2, True, left_out
        )


# Each article pair listed once (the batch's pairs): the copy-group pairs are built in
# NumPy, not by CollapsedPairs.
unique_edge_lists = st.lists(
    st.tuples(st.integers(0, N - 1), st.integers(0, N - 1), scores),
    max_size=50,
    unique_by=lambda e: (min(e[0], e[1]), max(e[0], e[1])),
)


@settings(max_examples=300, deadline=None)
@given(
    unique_edge_lists,
    parents,
    parents,
    st.sampled_from([0.3, 0.4, 0.5]),
    st.one_of(st.none(), st.sampled_from([0.2, 0.25])),
    left_outs,
)
def test_pairs_listed_once_group_as_the_definition(
    edges, copy_of, extra, threshold, attach_at, left_out_sets
):
    versions = joined(copy_of, extra)
    versioned = VersionedPairs(N, edges, copy_of, versions)
    copies = CollapsedPairs(N, edges, copy_of)
    assert versioned.members == copies.members
    assert list(zip(*(a.tolist() for a in versioned._pair_arrays), strict=True)) == copies.pairs
    for left_out in [set(), *left_out_sets]:
        assert versioned.average_link(threshold, attach_at, True, left_out) == reference(
            N, edges, copy_of, versions, threshold, attach_at, True, left_out
        )
