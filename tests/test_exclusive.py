"""samestory.exclusive: names a neighbourhood keeps apart cut the pairs that hold them."""

from __future__ import annotations

import math

import pytest

from samestory import exclusive
from samestory.pipeline.group import group, group_with_roundups
from samestory.roundups import NameView

Scored = list[tuple[int, int, float]]


def fights(n: int = 3) -> tuple[Scored, list[frozenset[str]]]:
    """``n`` texts of one fight (Thompson), ``n`` of another (Rahman), all linked."""
    names = [frozenset({"klitschko", "thompson"})] * n + [frozenset({"klitschko", "rahman"})] * n
    scored = [
        (i, j, 0.9 if (i < n) == (j < n) else 0.7)
        for i in range(2 * n)
        for j in range(i + 1, 2 * n)
    ]
    return scored, names


def test_apart_chance_is_the_hypergeometric_chance_of_no_common_text() -> None:
    assert exclusive.apart_chance(4, 2, 2) == 1 / 6  # 2 of 4 miss 2 given: C(2,2)/C(4,2)
    assert math.isclose(exclusive.apart_chance(10, 3, 3), math.comb(7, 3) / math.comb(10, 3))
    assert exclusive.apart_chance(5, 3, 3) == 0.0  # 6 texts cannot fit apart in 5


def test_an_exclusive_couple_makes_the_pairs_across_it_unlikely() -> None:
    scored, names = fights()
    chances = exclusive.exclusive_chance(scored, names.__getitem__)
    for (i, j, _), c in zip(scored, chances, strict=True):
        # Across: the 2 other Thompson texts and the 2 other Rahman texts of 4 never meet.
        assert c == (1 / 6 if (i < 3) != (j < 3) else 1.0)


def test_more_holders_apart_is_stronger_evidence() -> None:
    scored, names = fights(6)
    assert exclusive.exclusive_chance(scored, names.__getitem__)[5] < 0.01  # pair (0, 6)


def test_a_couple_named_together_once_is_no_evidence() -> None:
    scored, names = fights()
    names[1] = frozenset({"klitschko", "thompson", "rahman"})
    assert exclusive.exclusive_chance(scored, names.__getitem__)[2] == 1.0  # pair (0, 3)


def test_many_couples_tried_weaken_the_evidence() -> None:
    scored, names = fights(4)
    plain = exclusive.exclusive_chance(scored, names.__getitem__)[3]  # pair (0, 4)
    assert plain == 1 / 20  # 3 Thompson and 3 Rahman texts of 6 never meet
    # Text 0 also names two witnesses, each named by two other Thompson texts: three
    # couples tried, not one.
    for k, extra in enumerate(({"x", "y"}, {"x", "y"}, {"x"}, {"y"})):
        names[k] = names[k] | extra
    assert exclusive.exclusive_chance(scored, names.__getitem__)[3] == 3 * plain


def test_a_name_held_by_one_other_text_does_not_speak_for_its_side() -> None:
    scored, names = fights()
    names[0] = names[0] | {"x"}
    names[1] = names[1] | {"x"}
    names[3] = names[3] | {"y"}
    names[4] = names[4] | {"y"}
    # Pair (0, 3): x and y each held by one other text: not tried; Thompson / Rahman are.
    assert exclusive.exclusive_chance(scored, names.__getitem__)[2] == 1 / 6


def test_pairs_under_the_bar_are_not_read_and_not_counted() -> None:
    scored, names = fights()
    weak = [(i, j, 0.1 if (i < 3) != (j < 3) else s) for i, j, s in scored]
    assert exclusive.exclusive_chance(weak, names.__getitem__) == [1.0] * len(weak)


def test_contrasted_scales_only_the_pairs_at_alpha() -> None:
    scored, names = fights()
    out = exclusive.contrasted(scored, names.__getitem__, alpha=0.2, factor=0.5)
    assert [s for _, _, s in out] == [0.9 if (i < 3) == (j < 3) else 0.35 for i, j, _ in scored]
    assert exclusive.contrasted(scored, names.__getitem__, alpha=0.1, factor=0.5) == scored
    with pytest.raises(ValueError):
        exclusive.contrasted(scored, names.__getitem__, alpha=1.0)


def test_grouping_the_contrasted_pairs_keeps_two_fights_apart() -> None:
    scored, names = fights(4)
    copy_of: list[int | None] = [None] * len(names)
    assert group(len(names), scored, copy_of) == [list(range(8))]  # across pairs score 0.7
    # Across: 3 Thompson and 3 Rahman texts of 6 never meet (chance 1/20), 0.7 x factor.
    contrasted = exclusive.contrasted(scored, names.__getitem__, alpha=0.1, factor=0.25)
    assert group(len(names), contrasted, copy_of) == [[0, 1, 2, 3], [4, 5, 6, 7]]


def test_names_of_reads_the_specific_names_of_name_views() -> None:
    views = [NameView(frozenset({"rahman"}), ()), NameView(frozenset({"thompson"}), ())]
    assert exclusive.names_of(views)(1) == frozenset({"thompson"})


def test_context_pairs_are_read_as_neighbourhood_only() -> None:
    # Texts 0 (Thompson) and 1 (Rahman) are grouped; 2-3 (Thompson) and 4-5 (Rahman)
    # are beyond them, joined by context pairs (as the store's outside partners).
    names = [frozenset({"klitschko", n}) for n in ("thompson", "rahman")]
    names += [frozenset({"klitschko", "thompson"})] * 2 + [frozenset({"klitschko", "rahman"})] * 2
    scored = [(0, 1, 0.7)]
    context = [(0, 2, 0.9), (0, 3, 0.9), (1, 4, 0.9), (1, 5, 0.9), (0, 4, 0.7)]
    assert exclusive.exclusive_chance(scored, names.__getitem__) == [1.0]
    assert exclusive.exclusive_chance(scored, names.__getitem__, context=context) == [1 / 6]
    out = exclusive.contrasted(scored, names.__getitem__, 0.2, 0.5, context=context)
    assert out == [(0, 1, 0.35)]


def two_copied_versions(copies: int = 3) -> tuple[Scored, list[frozenset[str]], list]:
    """One story told by two versions, each with ``copies`` copies (the synthetic
    corpora's truncated and edited variants: a copy keeps most of its original's
    names). Version one names its witness Smith, version two Jones; every text is
    linked, copies of one version at 0.9, across at 0.6. Returns the pairs, the names and
    the copy pairs (each copy with its original and the other copies)."""
    n = copies + 1
    one = frozenset({"klitschko", "thompson", "smith", "vegas", "2012"})
    two = frozenset({"klitschko", "thompson", "jones", "vegas", "2012"})
    # A truncated copy loses its last names; an edited one a number (still 4 of 5 kept).
    cut = [one, one - {"vegas"}, one - {"2012"}, one][:n]
    names = cut + [two, two - {"vegas"}, two - {"2012"}, two][:n]
    scored = [
        (i, j, 0.9 if (i < n) == (j < n) else 0.6)
        for i in range(2 * n)
        for j in range(i + 1, 2 * n)
    ]
    copied = [(i, j) for i, j, _ in scored if (i < n) == (j < n)]
    return scored, names, copied


def test_copies_of_two_versions_counted_as_texts_cut_their_story_apart() -> None:
    # Counted as independent holders (no copy pairs given), the witnesses "never meet"
    # (chance 1/20) and the step cuts the story in two: why it left production.
    scored, names, _ = two_copied_versions()
    copy_of: list[int | None] = [None] * 8
    contrasted = exclusive.contrasted(scored, names.__getitem__)
    assert group(8, contrasted, copy_of) == [[0, 1, 2, 3], [4, 5, 6, 7]]


def test_two_versions_each_copied_three_times_stay_one_story() -> None:
    scored, names, copied = two_copied_versions()
    # Counted by version: Smith and Jones are each held by no version but i's and j's.
    chances = exclusive.exclusive_chance(scored, names.__getitem__, copies=copied)
    assert chances == [1.0] * len(scored)
    contrasted = exclusive.contrasted(scored, names.__getitem__, copies=copied)
    assert contrasted == scored
    assert group(8, contrasted, [None] * 8) == [list(range(8))]


def test_copies_of_two_stories_are_still_cut_apart_by_their_distinct_versions() -> None:
    # Two fights, each told by three independent reports (distinct versions), each
    # report copied once: counted by version, 2 Thompson and 2 Rahman versions of 4
    # never meet (chance 1/6), as three uncopied reports a side would.
    scored, names = fights(6)
    copied = [(0, 1), (2, 3), (4, 5), (6, 7), (8, 9), (10, 11)]
    chances = exclusive.exclusive_chance(scored, names.__getitem__, copies=copied)
    for (i, j, _), c in zip(scored, chances, strict=True):
        if (i < 6) == (j < 6):
            assert c == 1.0
        elif i % 2 == 0 and j % 2 == 0:
            assert c == 1 / 6


def test_a_pair_of_one_version_is_never_cut() -> None:
    scored, names, _ = two_copied_versions()
    # Pair (0, 4): Smith's text and Jones's, by text 1/20 apart; if they are copies of
    # one text (4 of 5 names shared): one version, not cut.
    assert exclusive.exclusive_chance(scored, names.__getitem__)[3] == 1 / 20
    assert exclusive.exclusive_chance(scored, names.__getitem__, copies=[(0, 4)])[3] == 1.0


def test_a_rewrite_naming_its_own_witnesses_is_a_version_of_its_own() -> None:
    a = frozenset({"klitschko", "thompson", "smith", "vegas", "2012"})
    assert exclusive.one_version(a, a - {"vegas"})  # a truncated copy: 4 of 4 kept
    assert not exclusive.one_version(a, frozenset({"klitschko", "thompson", "jones", "brown"}))
    version = exclusive.versions_of([(0, 1), (1, 2), (3, 4)], [a, a, a, a, frozenset()].__getitem__)
    assert version(0) == version(1) == version(2) != version(3)
    assert version(4) == 4 and version(9) == 9  # an empty name set, a text in no pair


def test_in_context_views_carry_their_context_and_copy_pairs() -> None:
    views = exclusive.InContext([], [], [(0, 1, 0.5)], [(0, 1)])
    assert len(views) == 0 and exclusive.context_of(views) == [(0, 1, 0.5)]
    assert exclusive.copies_of(views) == [(0, 1)]
    plain = [NameView(frozenset({"thompson"}), ())]
    assert exclusive.context_of(plain) == () and exclusive.copies_of(plain) == ()


def test_production_grouping_runs_the_step_where_the_views_carry_the_copies() -> None:
    scored, names, copied = two_copied_versions()
    views = [NameView(n, (n,)) for n in names]
    copy_of: list[int | None] = [None] * 8
    # The views say which texts are copies: the two versions stay one story.
    groups, found = group_with_roundups(exclusive.WithCopies(views, copied), scored, copy_of)
    assert groups == [list(range(8))] and not found
    # Two fights, no copies among their texts: cut apart (chance 1/20 <= alpha).
    fight_scored, fight_names = fights(4)
    fight_views = [NameView(n, (n,)) for n in fight_names]
    groups, _ = group_with_roundups(exclusive.WithCopies(fight_views, []), fight_scored, copy_of)
    assert groups == [[0, 1, 2, 3], [4, 5, 6, 7]]
    # Plain views (which texts are copies unknown): the step does not run.
    groups, _ = group_with_roundups(fight_views, fight_scored, copy_of)
    assert groups == [list(range(8))]


def test_spark_component_grouping_reads_the_copy_flag_of_its_edges() -> None:
    from samestory.spark.stages import cluster_component

    scored, names, copied = two_copied_versions()
    nodes = [10 + 3 * k for k in range(8)]  # node ids, as a Spark component's
    views = {node: NameView(n, (n,)) for node, n in zip(nodes, names, strict=True)}
    flagged = [(nodes[i], nodes[j], s, (i, j) in copied) for i, j, s in scored]
    groups, _ = cluster_component(flagged, 0.5, 0.2, views)
    assert {group for _, group in groups} == {10}  # one story
    unflagged = [(nodes[i], nodes[j], s, False) for i, j, s in scored]
    groups, _ = cluster_component(unflagged, 0.5, 0.2, views)
    assert {group for _, group in groups} == {10, 22}  # copies as witnesses: cut in two
    # Edges without the flag (copies unknown): the step does not run, one story.
    plain = [(nodes[i], nodes[j], s) for i, j, s in scored]
    groups, _ = cluster_component(plain, 0.5, 0.2, views)
    assert {group for _, group in groups} == {10}


def test_a_rewrite_keeping_most_of_the_shorter_text_is_a_copy() -> None:
    rewrite, same = exclusive.RelationKind.REWRITE, exclusive.RelationKind.SAME_EVENT
    assert exclusive.is_copy_relation(exclusive.RelationKind.NEAR_DUPLICATE, 0.1)
    assert exclusive.is_copy_relation(rewrite, 0.69)  # a repost cut, edited, reordered
    assert not exclusive.is_copy_relation(rewrite, 0.16)  # an outlet's rewording
    assert not exclusive.is_copy_relation(same, 0.9) and not exclusive.is_copy_relation(None, 1)
    # Stored: the kind's value and the evidence, rounded to SCORE_DIGITS as stored.
    assert exclusive.stored_copy("rewrite", '{"scores": {"shingle_containment": 0.5}}')
    assert exclusive.is_copy_relation(rewrite, 0.49996)  # 0.5 once stored
    assert not exclusive.stored_copy("rewrite", '{"scores": {"shingle_containment": 0.4}}')
    assert exclusive.stored_copy("exact", None) and not exclusive.stored_copy(None, None)


def test_versions_are_grouped_as_one_item_so_unscored_pairs_do_not_dilute_them() -> None:
    # Two versions of one story, three copies each that copy collapse left apart (related
    # as copies, not collapsed), one pair scored between the versions: by text the
    # linkage is 0.9 / 9 = 0.1 (the 100k corpus's diluted stories); by version 0.9.
    names = [frozenset({"klitschko", "thompson"})] * 6
    views = [NameView(n, (n,)) for n in names]
    copied = [(0, 1), (1, 2), (3, 4), (4, 5)]
    scored = [(0, 1, 0.9), (1, 2, 0.9), (0, 2, 0.9), (3, 4, 0.9), (4, 5, 0.9), (3, 5, 0.9)]
    scored.append((2, 3, 0.9))
    copy_of: list[int | None] = [None] * 6
    assert len(group(6, scored, copy_of)) == 2  # by text: not one story
    joined = exclusive.with_versions(exclusive.WithCopies(views, copied), copy_of)
    assert joined == [None, 0, 0, None, 3, 3]
    groups, _ = group_with_roundups(exclusive.WithCopies(views, copied), scored, copy_of)
    assert groups == [list(range(6))]
    # Views that do not say which texts are copies: copy_of as it is.
    assert exclusive.with_versions(views, copy_of) is copy_of


def one_outlet_of_an_event() -> tuple[Scored, list[frozenset[str]]]:
    """Event A told by texts 0-2 (naming Alaska) and by one outlet, text 3, naming the
    agencies (Commerce) that event B's texts 4-6 name: text 3 scores high with A's
    texts (its own story), lower with B's (ECB+ independent 9a, 2026-12-05)."""
    names = [frozenset({"polar", "alaska"})] * 3 + [frozenset({"polar", "commerce"})] * 4
    scored = []
    for i in range(7):
        for j in range(i + 1, 7):
            a, b = i < 3 or i == 3, j < 3 or j == 3  # A's texts and the outlet
            scored.append((i, j, 0.7 if (a and b) or (i > 3 and j > 3) else 0.3))
    return scored, names


def test_the_own_partners_guard_keeps_an_outlet_with_its_own_story() -> None:
    scored, names = one_outlet_of_an_event()
    pair = scored.index((0, 3, 0.7))
    unguarded = exclusive.exclusive_chance(scored, names.__getitem__, agree=math.inf)
    assert unguarded[pair] < 0.5  # cut with neither guard
    # Alaska's other holders (texts 1, 2) are text 3's own partners (0.7 >= 0.4): the name
    # does not speak for a second story.
    guarded = exclusive.exclusive_chance(scored, names.__getitem__, own_partners=0.4)
    assert guarded[pair] == 1.0


def test_the_own_partners_guard_still_parts_stories_linked_under_its_bar() -> None:
    scored, names = fights()
    scored = [(i, j, s if s > 0.8 else 0.3) for i, j, s in scored]  # across: 0.3
    plain = exclusive.exclusive_chance(scored, names.__getitem__)
    assert exclusive.exclusive_chance(scored, names.__getitem__, own_partners=0.4) == plain
    assert min(plain) == 1 / 6


def test_the_own_partners_guard_is_off_by_default() -> None:
    assert exclusive.OWN_PARTNERS is None
    scored, names = one_outlet_of_an_event()
    contrasted = exclusive.contrasted(
        scored, names.__getitem__, alpha=0.9, factor=0.0, agree=math.inf
    )
    assert contrasted != scored  # the outlet's pairs cut, as without the guard


def test_the_agreeing_sides_guard_keeps_an_outlet_scored_closest_to_its_own_story() -> None:
    scored, names = one_outlet_of_an_event()
    pair = scored.index((0, 3, 0.7))
    # Text 3 names Commerce, but scores 0.7 with Alaska's holders and 0.3 with Commerce's:
    # the names' sides are not the scores' sides.
    guarded = exclusive.exclusive_chance(scored, names.__getitem__, agree=0.0)
    assert guarded[pair] == 1.0
    assert exclusive.exclusive_chance(scored, names.__getitem__, agree=0.5)[pair] < 0.5


def test_the_agreeing_sides_guard_still_parts_two_fights() -> None:
    scored, names = fights()  # each text 0.9 with its own fight, 0.7 across
    plain = exclusive.exclusive_chance(scored, names.__getitem__)
    assert exclusive.exclusive_chance(scored, names.__getitem__, agree=0.0) == plain


def test_production_reads_the_fitted_agreeing_sides_margin() -> None:
    """The guard is on in production at the margin its fit chose (``agree_margin``)."""
    from samestory import params

    fitted = params.load(exclusive.PARAMS_FILE)
    assert fitted.get("agree_margin") == exclusive.AGREE
    assert exclusive.AGREE is not None and 0.0 <= exclusive.AGREE < 1.0
