"""Dates: the value of a ``date`` field (:func:`parse_date`, defined in
:mod:`samestory.date_field` and re-exported here, the one parser every reader and model
uses) and dates written in article text, and reading a pair's dates.

Dates written in article text are found by :func:`samestory.normalize.dates`.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import functools
import re
from typing import Any

from samestory import normalize, switches
from samestory.date_field import parse_date as parse_date

# --- Dates written in article text, and reading a pair's dates --------------------------
#
# An article's date, for the date gate, comes from (in this order) its publication date,
# a full date written near its start, or a year-less one ("Wednesday (Aug 6)"). A
# year-less date is resolved when the pair is scored: against the other article's date
# (the nearest such day to it, the weekday choosing between years when written), else,
# when neither article has a date, by its weekday against a fixed day (the latest year,
# up to UNDATED_REFERENCE, in which that day fell on it), never the clock. Spans are
# found by a cheap pattern and read by ``dateparser`` (multilingual), cached.

# Weekday names that may stand before a date ("Wednesday (Aug 6)", "mercredi 6 août").
_WEEKDAYS = {
    name: k
    for k, names in enumerate(
        [
            "monday mon lunes lunedì lunedi maandag montag lundi segunda",
            "tuesday tue tues martes martedì martedi dinsdag dienstag mardi terça",
            "wednesday wed miércoles miercoles mercoledì mercoledi woensdag mittwoch mercredi",
            "thursday thu thurs jueves giovedì giovedi donderdag donnerstag jeudi quinta",
            "friday fri viernes venerdì venerdi vrijdag freitag vendredi sexta",
            "saturday sat sábado sabado zaterdag samstag samedi",
            "sunday sun domingo domenica zondag sonntag dimanche",
        ]
    )
    for name in names.split()
}
# A year-less date dates an article only when its weekday is written (see _gating)...
YEARLESS_NEEDS_WEEKDAY = True
# ... or, with switches.YEARLESS_IN_SHORT_TEXTS on, when the article is a short text.
# Years a weekday may resolve to: news archives reach back to the 1990s.
EARLIEST_YEAR = 1990
# A year-less date read against another article's date: candidate years around it.
_NEAR_YEARS = (-1, 0, 1)
# The day a year-less date is read against by its weekday when neither article of the pair
# has a date: the other's year-less date is then read against that reading, and only the
# gap between the two counts (the year is unknown either way). A fixed day, not today, so
# that a pair's reading, and with it its score, does not change as time passes; this one
# is the day the clock was taken out, so every reading made before it stays.
UNDATED_REFERENCE = dt.date(2026, 12, 6)
# Languages dateparser is told to try when the article's is unknown: trying all of them
# on a span it cannot read takes seconds (its language detection).
_DEFAULT_LANGUAGES = ("en", "es", "it", "nl", "de", "fr", "pt")


@dataclasses.dataclass(frozen=True, slots=True)
class WrittenDate:
    """A date as written in a text: the span and what it gives (``year`` None when not
    written; ``weekday`` 0 = Monday, None when not written)."""

    span: str
    month: int
    day: int
    year: int | None = None
    weekday: int | None = None

    @property
    def deadline(self) -> bool:
        """A bare year-less date written as a deadline or a date set ahead ("by May 9",
        "set for June 17"): its span starts with the word that says so."""
        return (
            self.year is None
            and self.weekday is None
            and _DEADLINE_START.match(self.span) is not None
        )

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> WrittenDate | None:
        return None if not data else cls(**data)


@dataclasses.dataclass(frozen=True, slots=True)
class DateReading:
    """The date used for one article of a pair, and where it came from."""

    date: dt.date
    source: str  # "published", "written", "other article", "weekday"
    span: str | None = None
    reference: dt.date | None = None
    weekday: int | None = None  # as written, 0 = Monday
    # A bare year-less date (no weekday) read because its text is short (_gating).
    short_text: bool = False

    @property
    def from_text(self) -> bool:
        return self.source != "published"

    def describe(self) -> str:
        """E.g. ``2025-08-06 from 'Wednesday (Aug 6)' resolved by weekday``."""
        day = self.date.isoformat()
        if self.source == "published":
            return f"{day} published"
        written = f"{day} from '{self.span}'"
        if self.short_text:
            written += ", a short text's bare date,"
        if self.source == "written":
            return f"{written} written in the text"
        if self.source == "weekday":
            return f"{written} resolved by weekday"
        ref = self.reference.isoformat() if self.reference else "?"
        note = ""
        if self.weekday is not None:
            agrees = self.weekday == self.date.weekday()
            note = ", weekday agrees" if agrees else ", weekday does not agree"
        return f"{written} resolved against the other article's date {ref}{note}"


def _build_weekday_pattern() -> re.Pattern[str]:
    names = "|".join(sorted(map(re.escape, _WEEKDAYS), key=len, reverse=True))
    return re.compile(rf"\b({names})\b\.?\s*[,(]?\s*$", re.IGNORECASE)


_WEEKDAY_BEFORE = _build_weekday_pattern()

# Words that make a date a deadline or a date set ahead ("must act by May 9", "trial is
# set for June 17", "hasta el 9 de agosto"), not the day a text reports. Kept in the
# span of a bare year-less date (WrittenDate.deadline), which a short text then does not
# take as its own date.
_DEADLINE_WORDS = (
    r"(?:by|until|till|before|through|for|due|hasta|para|antes\s+del?|avant\s+le|"
    r"jusqu'au|d'ici\s+le|bis(?:\s+zum|\s+am)?|entro\s+il|fino\s+al|tot|uiterlijk|até)"
    r"(?:\s+(?:the|el|le|il|de|del))?"
)
_DEADLINE_BEFORE = re.compile(rf"\b{_DEADLINE_WORDS}\s*$", re.IGNORECASE)
_DEADLINE_START = re.compile(rf"{_DEADLINE_WORDS}\s", re.IGNORECASE)


def written_dates(
    text: str,
    lang: str | None = None,
    spans: list[tuple[int, int, dt.date | None]] | None = None,
) -> list[WrittenDate]:
    """Dates written in ``text`` with at least a day and a month, in order; year-less ones
    keep ``year=None`` and the weekday written before them, if any. ``spans``:
    ``normalize.date_spans(text)`` when already known."""
    found = (
        _written_at(text, start, end, full, lang)
        for start, end, full in (normalize.date_spans(text) if spans is None else spans)
    )
    return [w for w in found if w is not None]


def _written_at(
    text: str, start: int, end: int, full: dt.date | None, lang: str | None
) -> WrittenDate | None:
    """The :class:`WrittenDate` of the date span ``text[start:end]`` (``full``: its date
    when the span writes a year), None when a year-less span does not read as a date."""
    before = text[max(0, start - 14) : start]
    weekday = _WEEKDAY_BEFORE.search(before)
    span_start = start - (len(before) - weekday.start()) if weekday else start
    if weekday is None and full is None:
        before = text[max(0, start - 24) : start]
        deadline = _DEADLINE_BEFORE.search(before)
        span_start = start - (len(before) - deadline.start()) if deadline else start
    span = text[span_start:end].strip()
    if span.endswith("(") or span.count("(") > span.count(")"):
        span += ")"
    if full is not None:
        year, month, day = full.year, full.month, full.day
    else:
        read = read_span(text[start:end], lang)
        if read is None:
            return None
        year, (month, day) = None, read
    return WrittenDate(
        span=span,
        month=month,
        day=day,
        year=year,
        weekday=_WEEKDAYS[weekday.group(1).lower()] if weekday else None,
    )


def first_written_date(
    text: str,
    lang: str | None = None,
    spans: list[tuple[int, int, dt.date | None]] | None = None,
) -> WrittenDate | None:
    """The first date written in ``text``: the first with a year when there is one (a
    dateline's), else the first without (``spans`` as for :func:`written_dates`).

    The first of :func:`written_dates` with a year, else its first: a span with a year is
    always a written date, so year-less spans are read (by dateparser, ~5 ms a new span)
    only when no span has a year, and only up to the first that reads as a date."""
    spans = normalize.date_spans(text) if spans is None else spans
    with_year = [(start, end, full) for start, end, full in spans if full is not None]
    for start, end, full in with_year[:1] or spans:
        written = _written_at(text, start, end, full, lang)
        if written is not None:
            return written
    return None


# Any fixed base does for a span whose year is not written: only its month and day are kept.
_NEUTRAL_BASE = dt.datetime(2000, 7, 1)


@functools.lru_cache(maxsize=1 << 14)
def read_span(span: str, lang: str | None) -> tuple[int, int] | None:
    """``(month, day)`` of a year-less date span, read by dateparser (cached: spans repeat
    across articles). None when it is not a date."""
    parsed = _dateparser_parse(span, lang, _NEUTRAL_BASE)
    if parsed is None:
        return None
    return parsed.month, parsed.day


def _dateparser_parse(span: str, lang: str | None, base: dt.datetime) -> dt.datetime | None:
    import dateparser  # type: ignore[import-untyped]

    languages = [lang] if lang and lang in _DEFAULT_LANGUAGES else list(_DEFAULT_LANGUAGES)
    settings = {"RELATIVE_BASE": base, "PREFER_DATES_FROM": "past"}
    try:
        return dateparser.parse(span, languages=languages, settings=settings)
    except (ValueError, OverflowError, TypeError):
        return None


def against(
    written: WrittenDate, reference: dt.date, short_text: bool = False
) -> DateReading | None:
    """A year-less date read against another date: of that day in the years around the
    reference, the nearest to it, among those on the written weekday when one is
    (``short_text``: a bare date read because its text is short, said in the evidence)."""
    candidates = []
    for shift in _NEAR_YEARS:
        with contextlib.suppress(ValueError):  # 29 Feb
            candidates.append(dt.date(reference.year + shift, written.month, written.day))
    if not candidates:
        return None
    on_weekday = [c for c in candidates if c.weekday() == written.weekday]
    pool = on_weekday or candidates
    best = min(pool, key=lambda c: abs((c - reference).days))
    return DateReading(best, "other article", written.span, reference, written.weekday, short_text)


def by_weekday(written: WrittenDate, reference: dt.date) -> DateReading | None:
    """A year-less date with its weekday: the latest year, not after ``reference``, in
    which that day fell on that weekday (e.g. Wednesday 6 August: 2025, then 2014)."""
    if written.weekday is None:
        return None
    for year in range(reference.year, EARLIEST_YEAR - 1, -1):
        with contextlib.suppress(ValueError):
            day = dt.date(year, written.month, written.day)
            if day <= reference and day.weekday() == written.weekday:
                return DateReading(day, "weekday", written.span, weekday=written.weekday)
    return None


def own_reading(
    date: dt.date | None, from_text: bool, written: WrittenDate | None
) -> DateReading | None:
    """An article's date without the other's help: published, or written with a year."""
    if date is None:
        return None
    if not from_text:
        return DateReading(date, "published")
    return DateReading(date, "written", written.span if written else None)


def _gating(written: WrittenDate | None, short: bool = False) -> WrittenDate | None:
    """The written date, if it may date the article: with a year, or a year-less one with
    its weekday ("said on Wednesday (Aug 6)": the reported day), or, in a short text
    (``short``), a bare year-less one. A bare year-less date in a long text's opening is
    often an earlier event recalled: on ECB+ dev, read against the other article's date,
    it put 41 same-event pairs more than 30 days apart (ARI 0.929 -> 0.923, default
    encoder); with its weekday written, 9 pairs, all different events. Read in every text,
    it re-dated 290 ECB+ full-text pairs, a coin flip (18 different-event pairs cut, 8
    same-event), and lifted MEANTIME's headlines 0.910 -> 0.930 (2026-12-05)."""
    if written is None or written.year is not None or not YEARLESS_NEEDS_WEEKDAY:
        return written
    if written.weekday is not None:
        return written
    return written if short and switches.YEARLESS_IN_SHORT_TEXTS and not written.deadline else None


def _bare(written: WrittenDate | None, short: bool) -> bool:
    """Whether ``written`` is a bare year-less date (no weekday) of a short text: read
    only because its text is short (see _gating), which the evidence says."""
    return short and written is not None and written.year is None and written.weekday is None


def pair_readings(
    a: tuple[dt.date | None, bool, WrittenDate | None],
    b: tuple[dt.date | None, bool, WrittenDate | None],
    short: tuple[bool, bool] = (False, False),
) -> tuple[DateReading | None, DateReading | None]:
    """The dates of a pair's articles, each ``(date, date_from_text, written date)``;
    ``short``: whether each article is a short text (its bare year-less date then dates
    it, see :func:`_gating`).

    An article with a date keeps it; one with only a year-less date is read against the
    other's date, else by its weekday against :data:`UNDATED_REFERENCE` (never the
    clock); when neither has a year, one read by weekday anchors the other. A bare date
    has no weekday: it is read against the other's date only.
    """
    ra, rb = own_reading(*a), own_reading(*b)
    wa, wb = _gating(a[2], short[0]), _gating(b[2], short[1])
    bare_a, bare_b = _bare(wa, short[0]), _bare(wb, short[1])
    if ra is None and wa is not None and wa.year is None and rb is not None:
        ra = against(wa, rb.date, bare_a)
    if rb is None and wb is not None and wb.year is None and ra is not None:
        rb = against(wb, ra.date, bare_b)
    if ra is None and wa is not None and wa.year is None:
        ra = by_weekday(wa, UNDATED_REFERENCE)
        if rb is None and wb is not None and wb.year is None:
            rb = against(wb, ra.date, bare_b) if ra else by_weekday(wb, UNDATED_REFERENCE)
            if ra is None and rb is not None:
                ra = against(wa, rb.date, bare_a)
    elif rb is None and wb is not None and wb.year is None:
        rb = by_weekday(wb, UNDATED_REFERENCE)
    return ra, rb


switches.guard_moved(__name__)  # its old switch fails loudly here, not silently
