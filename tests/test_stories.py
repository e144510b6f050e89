"""Average-link grouping and incremental assignment."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from samestory.config import DEFAULT_CONFIG
from samestory.pipeline.group import group as group_stage
from samestory.stories import (
    ATTACH_SIZE_RATIO,
    DisjointSets,
    average_link,
    average_link_over_copies,
    best_story,
)

edge_lists = st.lists(
    st.tuples(st.integers(0, 11), st.integers(0, 11), st.floats(0.0, 1.0)), max_size=60
)


@given(edge_lists, st.floats(0.05, 1.0))
def test_groups_partition_the_items(edges, threshold):
    groups = average_link(12, edges, threshold)
    assert sorted(i for g in groups for i in g) == list(range(12))


@given(edge_lists)
def test_threshold_above_every_score_gives_singletons(edges):
    assert average_link(12, edges, 1.01) == [[i] for i in range(12)]


def test_one_bridge_does_not_chain_two_stories():
    # Two tight triangles joined by a single strong edge: single-link would merge them.
    tight = [(0, 1, 0.9), (0, 2, 0.9), (1, 2, 0.9), (3, 4, 0.9), (3, 5, 0.9), (4, 5, 0.9)]
    groups = average_link(6, [*tight, (2, 3, 0.8)], threshold=0.5)
    assert groups == [[0, 1, 2], [3, 4, 5]]


def test_best_story_uses_average_over_members():
    story_of = {"a": "S1", "b": "S1", "c": "S2"}
    sizes = {"S1": 2, "S2": 1}
    # 0.9 to one of two members of S1 averages 0.45; 0.6 to S2's only member wins.
    assert best_story({"a": 0.9, "c": 0.6}, story_of, sizes, 0.5) == "S2"
    assert best_story({"a": 0.4}, story_of, sizes, 0.5) is None


@given(edge_lists, st.floats(0.05, 1.0), st.floats(0.0, 1.0))
def test_attaching_splinters_still_partitions(edges, threshold, attach):
    groups = average_link(12, edges, threshold, attach)
    assert sorted(i for g in groups for i in g) == list(range(12))


@given(edge_lists, st.floats(0.05, 1.0), st.floats(0.0, 1.0))
def test_attaching_moves_whole_groups_into_much_larger_ones(edges, threshold, attach):
    plain = average_link(12, edges, threshold)
    attached = average_link(12, edges, threshold, attach)
    # Each group is a union of whole groups of the plain clustering: its largest one
    # and splinters that joined it (or joined a splinter of it), each at most
    # 1/ATTACH_SIZE_RATIO of the largest.
    for group in attached:
        parts = sorted((g for g in plain if set(g) <= set(group)), key=len)
        assert sorted(i for g in parts for i in g) == group
        assert all(ATTACH_SIZE_RATIO * len(g) <= len(parts[-1]) for g in parts[:-1])


def test_splinter_joins_a_story_three_times_its_size():
    story = [(i, j, 0.9) for i in range(6) for j in range(i + 1, 6)]
    splinter = [(6, 7, 0.9), (6, 0, 0.9), (7, 1, 0.9), (6, 2, 0.9)]  # linkage 2.7/12 = 0.225
    assert average_link(8, [*story, *splinter], 0.4) == [list(range(6)), [6, 7]]
    assert average_link(8, [*story, *splinter], 0.4, 0.2) == [list(range(8))]
    # A story only twice the group's size keeps the two apart (comparable stories).
    four = [(i, j, 0.9) for i in range(4) for j in range(i + 1, 4)]
    pair = [(4, 5, 0.9), (4, 0, 0.9), (5, 1, 0.9)]  # linkage 1.8/8 = 0.225
    assert average_link(6, [*four, *pair], 0.4, 0.1) == [[0, 1, 2, 3], [4, 5]]


def test_lone_article_joins_a_story_at_the_lower_bar():
    story = [(0, 1, 0.9), (0, 2, 0.9), (1, 2, 0.9)]
    lone = [(3, 0, 0.7)]  # linkage 0.7 / 3 = 0.23 to the story
    assert average_link(4, [*story, *lone], 0.4) == [[0, 1, 2], [3]]
    assert average_link(4, [*story, *lone], 0.4, 0.2) == [[0, 1, 2, 3]]
    assert average_link(4, [*story, *lone], 0.4, 0.25) == [[0, 1, 2], [3]]


def test_two_lone_items_do_not_attach_to_each_other_below_the_threshold():
    assert average_link(2, [(0, 1, 0.3)], 0.4, 0.2) == [[0], [1]]


def test_best_story_uses_the_lower_bar_for_established_stories():
    story_of = {"a": "S1", "b": "S1", "c": "S2", "d": "S1", "e": "S2"}
    sizes = {"S1": 3, "S2": 2}
    assert best_story({"a": 0.9}, story_of, sizes, 0.4) is None  # 0.3 < 0.4
    assert best_story({"a": 0.9}, story_of, sizes, 0.4, 0.2) == "S1"
    # A new article is a lone version: a story of two (LONE_ATTACH_MIN) takes it at the
    # lower bar too (0.7 / 2 = 0.35), a story of one needs the full threshold.
    assert best_story({"c": 0.7}, story_of, sizes, 0.4, 0.2) == "S2"
    story_of["f"], sizes["S3"] = "S3", 1
    assert best_story({"f": 0.35}, story_of, sizes, 0.4, 0.2) is None


def test_a_lone_version_joins_a_story_of_two_at_the_lower_bar():
    # One outlet's version scores high with one of the story's two versions and low with
    # the other: the average (0.55 + 0.1) / 2 = 0.325 is below the threshold, and a story
    # of two is not three times its size.
    edges = [(0, 1, 0.9), (2, 0, 0.55), (2, 1, 0.1)]
    assert average_link(3, edges, 0.4, 0.2) == [[0, 1], [2]]
    assert average_link(3, edges, 0.4, 0.2, lone_attach=True) == [[0, 1, 2]]
    assert group_stage(3, edges, [None, None, None], DEFAULT_CONFIG) == [[0, 1, 2]]
    # Not below the attach bar, and two lone items still need the full threshold.
    assert average_link(3, edges, 0.4, 0.35, lone_attach=True) == [[0, 1], [2]]
    assert average_link(2, [(0, 1, 0.3)], 0.4, 0.2, lone_attach=True) == [[0], [1]]
    # Nor does a group of two join a story of two at the lower bar.
    four = [(0, 1, 0.9), (2, 3, 0.9), (0, 2, 0.9), (1, 3, 0.3)]  # linkage 1.2 / 4 = 0.3
    assert average_link(4, four, 0.4, 0.2, lone_attach=True) == [[0, 1], [2, 3]]


@given(edge_lists, st.floats(0.05, 1.0))
def test_without_copies_collapsing_changes_nothing(edges, threshold):
    assert average_link_over_copies(
        12, edges, [None] * 12, threshold, threshold / 2
    ) == average_link(12, edges, threshold, threshold / 2)


def test_copies_cluster_as_their_representative():
    # 0-1 and 2-3 are two reports (score 0.5); 4, 5, 6 are reposts of 0 scored against 0
    # alone. Without collapsing, their unscored pairs with 1 would count as 0 and split
    # 0 from 1; collapsed, they follow 0 into its story.
    edges = [(0, 1, 0.5), (2, 3, 0.5), (0, 4, 1.0), (0, 5, 1.0), (0, 6, 1.0), (1, 2, 0.1)]
    copy_of = [None, None, None, None, 0, 0, 0]
    assert average_link_over_copies(7, edges, copy_of, 0.4) == [[0, 1, 4, 5, 6], [2, 3]]
    assert average_link(7, edges, 0.4) != [[0, 1, 4, 5, 6], [2, 3]]


@given(st.lists(st.tuples(st.integers(0, 11), st.integers(0, 11)), max_size=30), st.booleans())
def test_disjoint_sets_root_each_component_at_its_smallest_item(pairs, compact):
    sets = DisjointSets(12, compact=compact)
    for i, j in pairs:
        sets.union(i, j)
    roots = sets.roots()
    # Reference: grow components until no pair joins two of them.
    component = {i: {i} for i in range(12)}
    for _ in range(12):
        for i, j in pairs:
            merged = component[i] | component[j]
            for k in merged:
                component[k] = merged
    assert roots == [min(component[i]) for i in range(12)]
