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


def test_copies_of_two_versions_are_cut_apart_so_production_does_not_run_the_step() -> None:
    # One story told by two versions, each copied: every copy of the first names its
    # witness Smith, of the second Jones. Copies count as independent holders, so the
    # witnesses "never meet" (chance 1/20) and the step cuts the story in two: the
    # reason it is not in production (exclusive's docstring).
    names = [frozenset({"klitschko", "thompson", "smith"})] * 4
    names += [frozenset({"klitschko", "thompson", "jones"})] * 4
    scored = [(i, j, 0.9 if (i < 4) == (j < 4) else 0.6) for i in range(8) for j in range(i + 1, 8)]
    copy_of: list[int | None] = [None] * 8
    contrasted = exclusive.contrasted(scored, names.__getitem__)
    assert group(8, contrasted, copy_of) == [[0, 1, 2, 3], [4, 5, 6, 7]]
    views = [NameView(n, (n,)) for n in names]
    groups, found = group_with_roundups(views, scored, copy_of)
    assert groups == [list(range(8))] and not found


def test_in_context_views_carry_their_context_pairs() -> None:
    views = exclusive.InContext([], [], [(0, 1, 0.5)])
    assert len(views) == 0 and exclusive.context_of(views) == [(0, 1, 0.5)]
    assert exclusive.context_of([NameView(frozenset({"thompson"}), ())]) == ()
