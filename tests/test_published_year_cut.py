"""Rule AS (docs/history/accuracy.md, 2026-12-07, attach; ``switches.PUBLISHED_YEAR_CUT``,
off): publication dates more than ``PUBLISHED_SHORT_CUT_DAYS`` apart cut a short pair as a
text-read gap does (P1Y), and the attach step leaves a lone short text alone when that cut
took its best target. Off, everything is as before."""

from __future__ import annotations

import pytest

from samestory import relate, stories, switches
from samestory.config import DEFAULT_CONFIG
from samestory.models import Evidence, Relation
from samestory.pipeline import group as grouping
from samestory.relate.scoring import PUBLISHED_SHORT_CUT_DAYS, _date_factor_of, uncut_score

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
