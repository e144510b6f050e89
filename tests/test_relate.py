"""Pair scoring: the date gate depends on where the dates come from."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from samestory import relate
from samestory.config import DEFAULT_CONFIG
from samestory.features import featurize


@pytest.fixture(scope="module")
def same_event_pair(seed_articles):
    return featurize([seed_articles["003"], seed_articles["004"]])


def _dated(features, day: dt.date, from_text: bool):
    return dataclasses.replace(features, date=day, date_from_text=from_text)


def test_close_dates_do_not_change_the_score(same_event_pair):
    a, b = same_event_pair
    undated = relate.pair_score(a, b).score
    a2 = _dated(a, dt.date(2025, 8, 6), from_text=False)
    b2 = _dated(b, dt.date(2025, 8, 7), from_text=False)
    assert relate.pair_score(a2, b2).score == pytest.approx(undated)


def test_published_dates_far_apart_cut_below_the_threshold(same_event_pair):
    a, b = same_event_pair
    a2 = _dated(a, dt.date(2025, 8, 6), from_text=False)
    b2 = _dated(b, dt.date(2025, 10, 23), from_text=False)
    score = relate.pair_score(a2, b2)
    assert score.date_gap == 78
    assert score.score < DEFAULT_CONFIG.same_story_threshold


def test_dates_read_from_text_gate_more_softly(same_event_pair):
    # A date found in the text may be that of an earlier event the article mentions.
    a, b = same_event_pair
    undated = relate.pair_score(a, b).score
    a2 = _dated(a, dt.date(2025, 8, 6), from_text=True)
    b2 = _dated(b, dt.date(2025, 10, 23), from_text=False)
    assert relate.pair_score(a2, b2).score == pytest.approx(undated * relate.DATE_GAP_FACTOR)
