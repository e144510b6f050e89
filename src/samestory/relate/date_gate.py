"""The date gate's readings: each article's date for a pair, the gap, and the constants.

An article's date is its publication date, else one written in its text (with a year, or
a year-less one resolved against the other's date or its weekday; a short text's bare
date counts). Two reports more than ``DATE_GAP_DAYS`` (30) apart describe different
events: their score is multiplied by ``PUBLISHED_DATE_GAP_FACTOR`` (0.35, under the story
bar) when both dates are published, by the model's text-date factor when one was read
from a text (:meth:`~samestory.relate.model.StoryModel.text_date_factor`; see
:func:`~samestory.relate.measures.date_gap_factor`).
"""

from __future__ import annotations

from samestory import dates
from samestory.features import DocFeatures
from samestory.relate.cues import SHORT_TEXT_WORDS

# Date gate: reports dated more than a month apart describe different events (a verdict
# is not the crime), so their score is cut. How hard depends on where the dates come from.
# Publication dates (metadata) are reliable: the score is cut below the same-story
# threshold (0.35 x 1.0 < 0.4), so only a copy or a close-in-time rewrite survives. A date
# read from the text is often that of an earlier event the article mentions (on ECB+ dev,
# 139 of 366 candidate pairs gated by text dates were the same event), so for long texts it
# only halves: their own evidence may outweigh it. A short text's evidence is weak, so the
# cut grows to the published one's with the pair's shortness (relate.shortness):
# different articles on one company written months apart, whose short forms read alike,
# survived halving (MEANTIME dev, static encoder, fit-script scoring, 0.35 for all text
# dates: lead 0.540 -> 0.733, summary 0.540 -> 0.847, headline 0.469 -> 0.587; but ECB+
# full texts, default encoder, 0.929 -> 0.913, hence only for short ones).
# 30 days chosen on ECB+ and MEANTIME dev: 7 days split follow-up coverage.
DATE_GAP_DAYS = 30


DATE_GAP_FACTOR = 0.5


PUBLISHED_DATE_GAP_FACTOR = 0.35


# Near gap (StoryModel.near_date_factor): a gap under DATE_GAP_DAYS but over the model's
# near_gap_days cuts a short pair's score (1.0, no cut, unless the params file sets it).
# A short text's cues are weak evidence; its date is not: a lead carries its event's
# date, and one company's different events a week apart read alike in a headline.
NEAR_GAP_FACTOR = 1.0


def date_readings(
    a: DocFeatures, b: DocFeatures
) -> tuple[dates.DateReading | None, dates.DateReading | None]:
    """Each article's date for this pair and where it came from: published, written with
    a year, or a year-less date resolved against the other's date or by its weekday."""
    return dates.pair_readings(
        (a.date, a.date_from_text, a.written_date),
        (b.date, b.date_from_text, b.written_date),
        short=(_short_for_dates(a), _short_for_dates(b)),
    )


def is_short_text(f: DocFeatures) -> bool:
    """Under :data:`SHORT_TEXT_WORDS` words (a headline, lead or feed summary): a bare
    year-less date then dates it (``dates.pair_readings``'s ``short``)."""
    return f.n_words < SHORT_TEXT_WORDS


def _short_for_dates(f: DocFeatures) -> bool:
    """:func:`is_short_text`, read only when it can change the article's date reading (a
    year-less written date without its weekday): callers' stand-ins for the features
    that carry dates alone keep working."""
    written = f.written_date
    return written is not None and written.weekday is None and is_short_text(f)


def date_gap(a: DocFeatures, b: DocFeatures) -> int | None:
    """Days between the two articles' dates (:func:`date_readings`), when both are known."""
    return _gap(*date_readings(a, b))


def _gap(ra: dates.DateReading | None, rb: dates.DateReading | None) -> int | None:
    if ra is None or rb is None:
        return None
    return abs((ra.date - rb.date).days)


def date_notes(ra: dates.DateReading | None, rb: dates.DateReading | None) -> tuple[str, ...]:
    """The evidence's account of the dates: ``("a: 2025-10-23 published", "b: …")``."""
    if ra is None or rb is None:
        return ()
    return (f"a: {ra.describe()}", f"b: {rb.describe()}")


def _far_apart(gap: int | None) -> bool:
    return gap is not None and gap > DATE_GAP_DAYS


def _text_dated(ra: dates.DateReading | None, rb: dates.DateReading | None) -> bool:
    return (ra is not None and ra.from_text) or (rb is not None and rb.from_text)
