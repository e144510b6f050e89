"""scripts/pair_inputs_yearless.py: an undated text's year-less date, read against the
other text's date, screened for ``compare``'s pair model."""

from __future__ import annotations

import datetime as dt

from conftest import script_module

from samestory.features import featurize
from samestory.models import Article

MODULE = script_module("pair_inputs_yearless.py")

# ECB+ topic 27's shape: a dated 2013 report and an undated 2008 one naming "Dec. 9".
DATED = "Microsoft released an emergency patch for Internet Explorer on September 17, 2013."
YEARLESS_FAR = "Microsoft said on Dec. 9 it would patch Internet Explorer 7 within days."
YEARLESS_NEAR = "Microsoft said on Sept. 16 it would patch Internet Explorer within days."
UNDATED = "Microsoft said it would patch Internet Explorer within days."


def _pair(a: str, b: str, date: dt.date | None = None):
    return featurize([Article(id="a", text=a, date=date), Article(id="b", text=b)])


def test_a_yearless_date_far_from_the_other_date_fires():
    a, b = _pair(DATED, YEARLESS_FAR)
    assert a.date == dt.date(2013, 9, 17) and b.date is None
    assert MODULE["yearless_gap"](a, b) == 83  # 9 December 2013, the nearest 9 December
    assert MODULE["yearless_far"](a, b) == 1.0
    assert MODULE["yearless_far"](b, a) == 1.0  # either order


def test_near_or_unreadable_or_both_dated_does_not_fire():
    far = MODULE["yearless_far"]
    assert far(*_pair(DATED, YEARLESS_NEAR)) == 0.0  # a day apart
    assert far(*_pair(DATED, UNDATED)) == 0.0  # nothing written to read
    assert MODULE["yearless_gap"](*_pair(DATED, UNDATED)) is None
    assert far(*_pair(YEARLESS_FAR, YEARLESS_NEAR)) == 0.0  # neither dated
    published = _pair(YEARLESS_FAR, DATED, date=dt.date(2008, 12, 10))
    assert far(*published) == 0.0  # both dated: the gap is read by the date cues


def test_every_written_date_far_fires_and_one_near_date_does_not():
    every = MODULE["all_yearless_far"]
    assert every(*_pair(DATED, YEARLESS_FAR)) == 1.0
    near_too = YEARLESS_FAR + "\nA first fix shipped on Sept. 16, a day earlier."
    assert every(*_pair(DATED, near_too)) == 0.0  # one date within 30 days of the other's
    assert every(*_pair(DATED, UNDATED)) == 0.0
