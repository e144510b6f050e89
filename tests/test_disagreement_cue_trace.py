"""``benchmarks/disagreement_cue_trace.py``: the candidate cues read what the two leads
state differently (a subject, a weekday), in either order, and each merged article pair of
one topic is counted once, right or wrong."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

import disagreement_cue_trace as dct  # noqa: E402

from samestory.features import featurize  # noqa: E402
from samestory.models import Article  # noqa: E402

# ECB+ dev's leads of one topic's two events, and one more lead of the first.
CAPALDI = "Peter Capaldi is to be the new star of Doctor Who."
CAPALDI_AGAIN = "Actor Peter Capaldi has been named as the 12th Doctor in Doctor Who."
SMITH = "The BBC says little-known actor Matt Smith will take over the title role."
WEDNESDAY = "Microsoft issued an emergency patch Wednesday for Internet Explorer."
TUESDAY = "Microsoft released an emergency fix for Internet Explorer on Tuesday."
YESTERDAY = "Microsoft released an emergency fix for Internet Explorer yesterday."


def _features(*texts: str, date: dt.date | None = None) -> list:
    return featurize([Article(id=str(k), text=t, date=date) for k, t in enumerate(texts)])


def test_the_subject_cues_fire_on_two_people_in_either_order():
    capaldi, smith, again = _features(CAPALDI, SMITH, CAPALDI_AGAIN)
    for cue in (dct.subject_apart, dct.person_apart):
        assert cue(capaldi, smith) and cue(smith, capaldi)
        assert not cue(capaldi, again) and not cue(again, capaldi)


def test_the_weekday_cues_fire_on_two_days_and_read_yesterday_only_when_dated():
    wednesday, tuesday = _features(WEDNESDAY, TUESDAY)
    assert dct.weekday_apart(wednesday, tuesday) and dct.weekday_apart(tuesday, wednesday)
    assert not dct.weekday_apart(wednesday, wednesday)
    (dated,) = _features(YESTERDAY, date=dt.date(2013, 9, 19))  # a Thursday: Wednesday
    (undated,) = _features(YESTERDAY)
    assert dct.day_apart(tuesday, dated) and not dct.day_apart(wednesday, dated)
    assert not dct.weekday_apart(tuesday, dated)  # "yesterday" is no weekday by name
    assert not dct.day_apart(tuesday, undated)


def test_merged_pairs_of_one_topic_are_counted_once_right_or_wrong():
    look = SimpleNamespace(
        story={"a": "s1", "b": "s1", "c": "s1", "d": "s2"},
        gold={"a": "g1", "b": "g1", "c": "g2", "d": "g3"},
        topic={"a": "t", "b": "t", "c": "t", "d": "t"},
    )
    pairs = sorted((min(a, b), max(a, b), right) for a, b, right in dct.merged_article_pairs(look))  # type: ignore[arg-type]
    assert pairs == [("a", "b", True), ("a", "c", False), ("b", "c", False)]
