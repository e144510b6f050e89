""":func:`samestory.exclusive.exclusive_chance` reads each name's holders from an index
of the texts holding it, not from per-text holder tables: the same chances, to the bit,
as the loop it replaced (kept here as the reference), with copies, context pairs and
both guards."""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Sequence

from hypothesis import given, settings
from hypothesis import strategies as st

from samestory import exclusive
from samestory.exclusive import MIN_HOLDERS, Names, Scored, _agreeing, _chance, versions_of

N = 14
NAMES = "abcdefgh"
# Few distinct scores (ties at the bar and the guards) and names from a small alphabet,
# so that neighbourhoods share names and couples keep apart.
scores = st.one_of(st.sampled_from([0.1, 0.2, 0.3, 0.4, 0.5, 0.7, 0.9]), st.floats(0.0, 1.0))
pairs = st.lists(st.tuples(st.integers(0, N - 1), st.integers(0, N - 1), scores), max_size=50)
name_sets = st.lists(
    st.frozensets(st.sampled_from(NAMES), max_size=5), min_size=N + 4, max_size=N + 4
)
copy_pairs = st.lists(st.tuples(st.integers(0, N + 3), st.integers(0, N + 3)), max_size=8)
guards = st.one_of(st.none(), st.sampled_from([0.3, 0.4]))
margins = st.one_of(st.none(), st.sampled_from([0.0, 0.1, 0.3, float("inf")]))


def reference(
    scored: Sequence[Scored],
    names: Names,
    bar: float,
    context: Sequence[Scored],
    copies: Sequence[tuple[int, int]],
    guard: float | None,
    margin: float | None,
) -> list[float]:
    """exclusive_chance as in main 8948ae7: each text's holders table over its partners'
    names, each name's holders the union of the two tables."""
    to: dict[int, dict[int, float]] = defaultdict(dict)
    partners: dict[int, set[int]] = defaultdict(set)
    strong: dict[int, set[int]] = defaultdict(set)
    for i, j, s in itertools.chain(scored, context):
        if s >= bar:
            partners[i].add(j)
            partners[j].add(i)
        if guard is not None and s >= guard:
            strong[i].add(j)
            strong[j].add(i)
    version = versions_of(copies, names)
    if margin is not None:
        for i, j, s in itertools.chain(scored, context):
            vi, vj = version(i), version(j)
            to[i][vj] = max(s, to[i].get(vj, 0.0))
            to[j][vi] = max(s, to[j].get(vi, 0.0))
    held: dict[int, dict[str, set[int]]] = {}

    def holders(k: int) -> dict[str, set[int]]:
        if k not in held:
            out: dict[str, set[int]] = defaultdict(set)
            for p in partners[k]:
                v = version(p)
                for name in names(p):
                    out[name].add(v)
            held[k] = out
        return held[k]

    def sides(own, hi, hj, vi, vj, other_own):  # type: ignore[no-untyped-def]
        out = []
        for name in own:
            h = hi.get(name, set()) | hj.get(name, set())
            h.discard(vi)
            h.discard(vj)
            if len(h) >= MIN_HOLDERS and len(h - other_own) >= MIN_HOLDERS:
                out.append((name, h))
        return out

    chances = []
    for i, j, s in scored:
        vi, vj = version(i), version(j)
        if s < bar or vi == vj:
            chances.append(1.0)
            continue
        a_names, b_names = names(i), names(j)
        own_a, own_b = a_names - b_names, b_names - a_names
        if not own_a or not own_b:
            chances.append(1.0)
            continue
        hood = {version(p) for p in partners[i] | partners[j]} - {vi, vj}
        hi, hj = holders(i), holders(j)
        side_a = sides(own_a, hi, hj, vi, vj, {version(p) for p in strong[j]})
        side_b = sides(own_b, hi, hj, vi, vj, {version(p) for p in strong[i]})
        keep = None if margin is None else _agreeing(to[i], to[j], margin)
        chances.append(_chance(side_a, side_b, len(hood), keep))
    return chances


@settings(max_examples=400, deadline=None)
@given(pairs, pairs, name_sets, copy_pairs, guards, margins, st.sampled_from([0.2, 0.3]))
def test_the_same_chances_as_the_holder_tables(scored, outside, names, copies, guard, margin, bar):
    # Context pairs reach texts N..N+3 beyond the grouped ones; copies join any two.
    context = [(i, N + j % 4, s) for i, j, s in outside]
    got = exclusive.exclusive_chance(
        scored, names.__getitem__, bar, context, copies, own_partners=guard, agree=margin
    )
    # (None: the module's defaults, the fitted margin among them.)
    guard = exclusive.OWN_PARTNERS if guard is None else guard
    margin = exclusive.AGREE if margin is None else margin
    want = reference(scored, names.__getitem__, bar, context, copies, guard, margin)
    assert got == want


def test_copies_given_as_an_iterator_are_read_once_and_counted() -> None:
    # Two texts of one version, each naming a witness the other does not: one witness.
    names = [frozenset({"x", "a"}), frozenset({"x", "a"}), frozenset({"x", "b"})] * 3
    scored = [(i, j, 0.9) for i in range(9) for j in range(i + 1, 9)]
    copies = [(0, 1), (3, 4)]
    listed = exclusive.exclusive_chance(scored, names.__getitem__, copies=copies)
    assert exclusive.exclusive_chance(scored, names.__getitem__, copies=iter(copies)) == listed
    assert listed == reference(
        scored, names.__getitem__, exclusive.NEIGHBOUR_BAR, (), copies, None, exclusive.AGREE
    )
