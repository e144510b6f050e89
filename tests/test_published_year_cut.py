"""Rule AS (docs/history/accuracy.md, 2026-12-07, attach; ``switches.PUBLISHED_YEAR_CUT``,
off): publication dates more than ``PUBLISHED_SHORT_CUT_DAYS`` apart cut a short pair as a
text-read gap does (P1Y), and the attach step leaves a lone short text alone when that cut
took its best target. Off, everything is as before."""

from __future__ import annotations

from unittest import mock

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from samestory import exclusive, relate, stories, switches
from samestory.config import DEFAULT_CONFIG
from samestory.models import Evidence, Relation
from samestory.pipeline import group as grouping
from samestory.relate.scoring import PUBLISHED_SHORT_CUT_DAYS, _date_factor_of, uncut_score
from samestory.roundups import NameView

MODEL = relate.STORY_MODEL
PUBLISHED = relate.PUBLISHED_DATE_GAP_FACTOR


@pytest.fixture
def rule_on(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(switches, "PUBLISHED_YEAR_CUT", True)


def factor(shortness: float, gap: int | None, text_dated: bool = False) -> float:
    published = PUBLISHED if relate._far_apart(gap) else 1.0
    return _date_factor_of(text_dated, shortness, gap, published, MODEL)


def test_off_the_published_factor_stays_past_a_year(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(switches, "PUBLISHED_YEAR_CUT", False)
    assert factor(relate.shortness(10), PUBLISHED_SHORT_CUT_DAYS + 1) == PUBLISHED
    assert "published_year_cut" not in switches.pair_scoring_rules()


@pytest.mark.usefixtures("rule_on")
def test_a_short_pair_past_a_year_is_cut_by_its_shortness() -> None:
    u = relate.shortness(30)
    gap = PUBLISHED_SHORT_CUT_DAYS + 1
    want = PUBLISHED - (PUBLISHED - MODEL.text_date_factor_short) * u
    assert factor(u, gap) == pytest.approx(want, abs=1e-12)
    assert factor(u, gap) < PUBLISHED
    assert factor(relate.shortness(400), gap) == pytest.approx(PUBLISHED, abs=1e-6)
    # Within the year, text-read gaps and the near step: as before.
    assert factor(u, PUBLISHED_SHORT_CUT_DAYS) == PUBLISHED
    assert factor(u, None) == 1.0
    assert factor(u, gap + 99, text_dated=True) == MODEL.text_date_factor(u, gap + 99)
    assert factor(u, 20) == MODEL.near_date_factor(u, 20)
    assert switches.pair_scoring_rules()["published_year_cut"] is True


def _relation(score: float, gap: int | None, dates: tuple[str, ...]) -> Relation:
    scores = {"event_probability": 0.9, "rewrite_evidence": 0.1}
    evidence = Evidence(date_gap_days=gap, scores=scores, dates=dates)
    return Relation(a="a", b="b", kind=None, score=score, evidence=evidence)


def test_uncut_score_is_the_published_factors_past_a_year_of_publication_dates() -> None:
    published = ("a: 2020-01-01 published", "b: 2021-03-01 published")
    far = PUBLISHED_SHORT_CUT_DAYS + 60
    assert uncut_score(_relation(0.2, far, published)) == pytest.approx(0.9 * PUBLISHED)
    assert uncut_score(_relation(0.2, PUBLISHED_SHORT_CUT_DAYS, published)) == 0.2
    text = ("a: 2020-01-01 published", "b: 2021-03-01 from 'March 1, 2021'")
    assert uncut_score(_relation(0.2, far, text)) == 0.2
    assert uncut_score(_relation(0.2, None, ())) == 0.2
    assert uncut_score(_relation(1.0, far, published)) == 1.0  # a copy keeps 1


# Story {0, 1} and story {3, 4}; lone short text 2 links to {0, 1} at 0.25 after the cut
# and to {3, 4} at 0.025 (its pair with 3 at 0.05), at 0.3 without the cut (0.6 with 3).
GROUPS = [[0, 1], [2], [3, 4]]
CUT = {0: {1: 0.5, 2: 0.25}, 1: {0: 0.5, 2: 0.25}, 2: {0: 0.25, 1: 0.25, 3: 0.05}}
CUT |= {3: {4: 0.5, 2: 0.05}, 4: {3: 0.5}}
UNCUT = {**CUT, 2: {0: 0.25, 1: 0.25, 3: 0.6}, 3: {4: 0.5, 2: 0.6}}


def test_a_lone_short_text_whose_best_target_was_cut_stays_alone() -> None:
    def attach(short: list[bool], uncut: dict = UNCUT) -> list[list[int]]:
        stay = stories.StayRows(uncut, short)
        return stories.attach_splinters(GROUPS, CUT, 0.2, lone_attach=True, stay=stay)

    today = stories.attach_splinters(GROUPS, CUT, 0.2, lone_attach=True)
    assert today == [[0, 1, 2], [3, 4]]
    assert attach([False, False, True, False, False]) == [[0, 1], [2], [3, 4]]
    assert attach([False] * 5) == today  # a long text: as before
    assert attach([False, False, True, False, False], CUT) == today  # nothing cut
    # Its best target without the cut is the one it joins: it joins it.
    toward = {**CUT, 2: {0: 0.6, 1: 0.6, 3: 0.05}}
    assert attach([False, False, True, False, False], toward) == today


def _articles(short: list[bool]) -> tuple[list[tuple[int, int, float]], grouping.StayInput]:
    pairs = [(0, 1, 0.5), (0, 2, 0.25), (1, 2, 0.25), (2, 3, 0.05), (3, 4, 0.5)]
    uncut = [(i, j, 0.6 if (i, j) == (2, 3) else s) for i, j, s in pairs]
    return pairs, grouping.StayInput(uncut, short)


@pytest.mark.parametrize("versions", [False, True])
def test_the_grouping_reads_the_uncut_pairs(versions: bool) -> None:
    short = [False, False, True, False, False]
    scored, stay = _articles(short)
    copy_of: list[int | None] = [None] * 5
    joined: list[int | None] = [None, None, None, None, 3]  # 3 and 4 one version

    def collapse(
        pairs: list[tuple[int, int, float]],
    ) -> stories.CollapsedPairs | grouping.VersionedPairs:
        if versions:
            return grouping.VersionedPairs(5, pairs, copy_of, joined)
        return stories.CollapsedPairs(5, pairs, copy_of)

    collapsed = collapse(scored)
    assert grouping._group(collapsed, DEFAULT_CONFIG) == [[0, 1, 2], [3, 4]]
    collapsed.stay = stories.Stay(collapse(list(stay.uncut)), short)
    assert grouping._group(collapsed, DEFAULT_CONFIG) == [[0, 1], [2], [3, 4]]
    # Left out texts: the uncut rows leave out the same pairs.
    assert grouping._group(collapsed, DEFAULT_CONFIG, {3}) == [[0, 1, 2], [3], [4]]


# The stay input built only where the attach step reads it (pipeline.group._stay_of)
# against the uncut pass over every pair it replaced: the same groups, every grouping.
N = 10
NAMES = "abcdef"


def _full_pass(views, scored, grouped, stay, copy_of, versions):  # type: ignore[no-untyped-def]
    """The stay input as rule AS built it first: the exclusive-names step and the
    collapse over every uncut pair, each text's shortness as given."""
    uncut = exclusive.before_grouping(views, stay.uncut)
    return stories.Stay(grouping._collapse(len(views), uncut, copy_of, versions), stay.short)


PAIRS = [(i, j) for i in range(N) for j in range(i + 1, N)]
WITHIN = (0.3, 0.45, 0.6, 0.9)  # a pair's score by its code, within a story
ACROSS = (0.05, 0.15, 0.2, 0.25, 0.3, 0.35)  # and across two
RAISED = (0.0, 0.0, 0.0, 0.3, 0.5, 0.8)  # its uncut score at least this


@st.composite
def _rule_as_inputs(draw: st.DrawFn) -> tuple:  # type: ignore[type-arg]
    """Texts of up to three stories (each naming its own name, or not, and some shared
    ones), scored high within a story and low across, some pairs cut (their uncut scores
    higher), some texts short, some copies and versions: shapes where the stay step and
    the exclusive-names step both act (a few lists drawn whole: quick to draw)."""
    story = draw(st.lists(st.integers(0, 2), min_size=N, max_size=N))
    codes = draw(st.lists(st.integers(0, 8), min_size=len(PAIRS), max_size=len(PAIRS)))
    raise_by = draw(st.lists(st.integers(0, 5), min_size=len(PAIRS), max_size=len(PAIRS)))
    scored, uncut = [], []
    for (i, j), code, up in zip(PAIRS, codes, raise_by, strict=True):
        if code < 3:
            continue  # a third of the pairs not scored
        s = (WITHIN if story[i] == story[j] else ACROSS)[code % (4 if story[i] == story[j] else 6)]
        scored.append((i, j, s))
        uncut.append((i, j, max(s, RAISED[up])))
    short = draw(st.lists(st.booleans(), min_size=N, max_size=N))
    named = draw(st.lists(st.integers(0, 15), min_size=N, max_size=N))
    # Bits 0-1: shared names x, y; bits 2-3 not both 0: the story's own name.
    names = [
        frozenset({f"s{story[k]}"} if b >> 2 else set())
        | {c for c, bit in (("x", 1), ("y", 2)) if b & bit}
        for k, b in enumerate(named)
    ]
    copy_of = draw(st.lists(st.integers(-12, N - 1), min_size=N, max_size=N))
    copy_of = [c if 0 <= c < i else None for i, c in enumerate(copy_of)]
    kin = [(i, j) for i, j, _ in scored if story[i] == story[j]]
    copies = draw(st.lists(st.sampled_from(kin), max_size=3)) if kin else []
    views = exclusive.WithCopies([NameView(n, (n,)) for n in names], copies)
    left_outs = draw(st.lists(st.sets(st.integers(0, N - 1), max_size=3), max_size=3))
    return views, scored, grouping.StayInput(uncut, short), copy_of, left_outs


@settings(max_examples=150)
@given(_rule_as_inputs(), st.sampled_from([0.2, 0.25, None]))
def test_the_stay_input_where_it_is_read_groups_as_the_full_uncut_pass(inputs, attach_at):
    views, scored, stay, copy_of, left_outs = inputs
    grouped = exclusive.before_grouping(views, scored)
    versions = exclusive.with_versions(views, copy_of)
    full = grouping._collapse(N, grouped, copy_of, versions)
    full.stay = _full_pass(views, scored, grouped, stay, copy_of, versions)
    read = grouping._collapse(N, grouped, copy_of, versions)
    read.stay = grouping._stay_of(views, scored, grouped, stay, copy_of, versions)
    for left_out in [set(), *left_outs]:
        want = full.average_link(0.4, attach_at, lone_attach=True, left_out=left_out)
        assert read.average_link(0.4, attach_at, lone_attach=True, left_out=left_out) == want


@settings(max_examples=60)
@given(_rule_as_inputs())
def test_the_grouping_with_roundups_is_the_full_passs(inputs) -> None:
    views, scored, stay, copy_of, _ = inputs
    got = grouping.group_with_roundups(views, scored, copy_of, stay=stay)
    with mock.patch.object(grouping, "_stay_of", _full_pass):
        assert grouping.group_with_roundups(views, scored, copy_of, stay=stay) == got


@settings(max_examples=100)
@given(_rule_as_inputs(), st.data())
def test_the_exclusive_step_on_some_pairs_beside_their_texts_others(inputs, data) -> None:
    # A pair's chance reads the pairs of its two texts only: run on some pairs with
    # those beside them (listed twice or not), each comes out as among all of them.
    views, scored, _, _, _ = inputs
    some = data.draw(st.lists(st.integers(0, max(len(scored) - 1, 0)), unique=True))
    some = [k for k in some if k < len(scored)]
    texts = {i for k in some for i in scored[k][:2]}
    beside = [p for p in scored if p[0] in texts or p[1] in texts]
    names, copies = views.specific, views.copies
    every = exclusive.exclusive_chance(scored, names, copies=copies, agree=0.05)
    part = [scored[k] for k in some]
    got = exclusive.exclusive_chance(part, names, context=beside, copies=copies, agree=0.05)
    assert got == [every[k] for k in some]
    whole = exclusive.before_grouping(views, scored)
    assert list(exclusive.before_grouping(views, part, beside)) == [whole[k] for k in some]


def test_no_pair_the_cut_changed_no_stay_input() -> None:
    scored, _ = _articles([False, False, True, False, False])
    views = exclusive.WithCopies([NameView(frozenset(), ())] * 5, [])
    stay = grouping.StayInput(scored, [True] * 5)
    copy_of: list[int | None] = [None] * 5
    assert grouping._stay_of(views, scored, scored, stay, copy_of, copy_of) is None
    # Cut pairs of long texts only: none either (the attach step reads short texts' rows).
    _, stay = _articles([False] * 5)
    assert grouping._stay_of(views, scored, scored, stay, copy_of, copy_of) is None
    # The short text's far pair: its copy group's pairs, itself marked short alone.
    _, stay = _articles([False, True, True, False, False])
    read = grouping._stay_of(views, scored, scored, stay, copy_of, copy_of)
    assert read is not None and list(read.short) == [False, False, True, False, False]
