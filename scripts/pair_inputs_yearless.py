"""Candidate pair-model input (``scripts/fit_pair_model.py --screen``): an undated text's
year-less date read against the other text's date.

ECB+'s hard negatives are pairs with one text dated and the other not (docs/history/accuracy.md
2026-12-05 07:14 and 10:05): the year gap that separates two events is never read,
because one side has no date. Most such undated texts write no date at all (a weekday, or
"yesterday", needs the text's own date), but some write a day and a month without a year
("Dec. 9", "Jan. 6"). Production reads such a date only when its weekday is written
(:func:`samestory.dates._gating`: a bare year-less date in the opening is often an earlier
event recalled, so it must not *gate* the pair). As a soft input the pair model weighs it
instead: 1.0 when exactly one text has a date and the other's first written date is
year-less and, read against that date (:func:`samestory.dates.against`, the nearest such
day within a year either side), lies more than :data:`samestory.relate.DATE_GAP_DAYS`
days from it.

Read from :class:`~samestory.features.DocFeatures` only (``date``, ``written_date``): no
new parsing. Not read in production; screened only.
"""

from __future__ import annotations

import datetime as dt
import functools

from samestory import dates
from samestory.features import DocFeatures
from samestory.relate import DATE_GAP_DAYS


def yearless_gap(a: DocFeatures, b: DocFeatures) -> int | None:
    """Days between the undated text's first year-less written date, read against the
    dated text's date, and that date; None unless exactly one text is dated and the other
    writes a year-less date first."""
    if (a.date is None) == (b.date is None):
        return None
    undated, dated = (a, b) if a.date is None else (b, a)
    written = undated.written_date
    if written is None or written.year is not None or dated.date is None:
        return None
    reading = dates.against(written, dated.date)
    return None if reading is None else abs((reading.date - dated.date).days)


def yearless_far(a: DocFeatures, b: DocFeatures) -> float:
    """1.0 when :func:`yearless_gap` is over :data:`~samestory.relate.DATE_GAP_DAYS`."""
    gap = yearless_gap(a, b)
    return float(gap is not None and gap > DATE_GAP_DAYS)


def all_yearless_far(a: DocFeatures, b: DocFeatures) -> float:
    """1.0 when exactly one text is dated and the other writes year-less dates, every one
    of which, read against that date, lies over
    :data:`~samestory.relate.DATE_GAP_DAYS` days from it (every date span of the text,
    read by dateparser through :func:`samestory.dates.written_dates`, not only the
    first); dates written with a year count as they are."""
    if (a.date is None) == (b.date is None):
        return 0.0
    undated, dated = (a, b) if a.date is None else (b, a)
    assert dated.date is not None
    written = _written(tuple(undated.sentences), undated.lang)
    gaps = [g for g in (_gap(w, dated.date) for w in written) if g is not None]
    yearless = any(w.year is None for w in written)
    return float(yearless and bool(gaps) and min(gaps) > DATE_GAP_DAYS)


@functools.lru_cache(maxsize=4096)
def _written(sentences: tuple[str, ...], lang: str | None) -> list[dates.WrittenDate]:
    return dates.written_dates(" ".join(sentences), lang)


def _gap(written: dates.WrittenDate, reference: dt.date) -> int | None:
    if written.year is not None:
        try:
            return abs((dt.date(written.year, written.month, written.day) - reference).days)
        except ValueError:
            return None
    reading = dates.against(written, reference)
    return None if reading is None else abs((reading.date - reference).days)


INPUTS = {
    "yearless_far": yearless_far,  # U (protocol of 2026-12-05 10:06): beside the rest
    "+all_yearless_far": all_yearless_far,  # reported beside U (10:15), not a candidate
}
