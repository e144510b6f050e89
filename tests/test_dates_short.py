"""Bare year-less dates ("Aug 9", "9 de agosto", no weekday) date a short text only, and
relative dates ("yesterday") leave a text its publication date, on every path."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from samestory import api, dates, relate, switches
from samestory.features import text_features
from samestory.models import Article
from samestory.pipeline.batch import analyze
from samestory.store import Store

OCTOBER = dt.date(2010, 10, 20)
LONG = (
    "Apple has named a new head of iPhone hardware engineering after Mark Papermaster, "
    "the senior vice president who ran it, left the company. Papermaster joined Apple "
    "from IBM in 2008 after a legal fight over his move, and oversaw the design of the "
    "iPhone 4, whose antenna dropped calls when the phone was held in a certain way. "
    "Apple offered free cases to owners of the phone and said the problem was smaller "
    "than reported. Analysts said the change would not slow the next model, due next "
    "year, and the company's shares were little changed in New York trading."
)
SHORT = "Apple's iPhone hardware chief Papermaster leaves after the iPhone 4 antenna trouble Aug 9"
PADDING = " Apple said the iPhone 4 antenna problem affected few users of the phone." * 8


@pytest.fixture(autouse=True)
def _short_rule_on(monkeypatch: pytest.MonkeyPatch) -> None:
    """The rule as these tests describe it, whatever the shipped switch says."""
    monkeypatch.setattr(switches, "YEARLESS_IN_SHORT_TEXTS", True)


def _features(text: str, date: dt.date | None = None, id_: str = "x", lang: str = "en"):
    return text_features(Article(id=id_, text=text, date=date, lang=lang))


def test_a_short_texts_bare_date_is_read_against_the_other_date():
    long, short = _features(LONG, OCTOBER, "long"), _features(SHORT, id_="short")
    assert relate.is_short_text(short) and not relate.is_short_text(long)
    ra, rb = relate.date_readings(long, short)
    assert ra is not None and rb is not None
    assert rb.date == dt.date(2010, 8, 9) and rb.short_text
    assert rb.describe() == (
        "2010-08-09 from 'Aug 9', a short text's bare date, resolved against the other "
        "article's date 2010-10-20"
    )
    assert relate.date_gap(long, short) == relate.date_gap(short, long) == 72


def test_a_long_texts_bare_date_still_dates_nothing():
    long, longer = _features(LONG, OCTOBER), _features(SHORT + "." + PADDING)
    assert not relate.is_short_text(longer)
    assert longer.written_date is not None and longer.written_date.span == "Aug 9"
    assert relate.date_readings(long, longer)[1] is None
    assert relate.date_gap(long, longer) is None


def test_the_switch_turns_the_short_rule_off(monkeypatch: pytest.MonkeyPatch):
    long, short = _features(LONG, OCTOBER), _features(SHORT)
    monkeypatch.setattr(switches, "YEARLESS_IN_SHORT_TEXTS", False)
    assert relate.date_gap(long, short) is None


@pytest.mark.parametrize(
    ("text", "span", "lang"),
    [
        ("Interior and Commerce Secretaries must act by May 9, scientists say", "by May 9", "en"),
        ("Man pleads not guilty in two deaths; trial is set for June 17", "for June 17", "en"),
        (
            "El Gobierno tiene de plazo hasta el 9 de agosto para responder",
            "hasta el 9 de agosto",
            "es",
        ),
    ],
)
def test_a_deadline_does_not_date_a_short_text(text: str, span: str, lang: str):
    """A date set ahead is not the day a text reports: its span keeps the word that
    says so, and a short text does not take it as its date."""
    short = _features(text, lang=lang)
    assert short.written_date is not None and short.written_date.span == span
    assert short.written_date.deadline
    assert relate.date_gap(_features(LONG, OCTOBER), short) is None


def test_a_weekday_dated_deadline_keeps_its_weekday_span():
    (written,) = dates.written_dates("Talks must end by Wednesday (Aug 6), they said.", "en")
    assert written.span == "Wednesday (Aug 6)" and not written.deadline


def test_every_path_reads_the_short_texts_date_alike(tmp_path: Path):
    """compare, the batch and the store give a pair of a dated article and a short text
    with a bare date the same dates in the evidence: the store keeps what the rule
    reads (words, written date)."""
    long = Article(id="long", text=LONG, date=OCTOBER, lang="en")
    short = Article(id="short", text=SHORT, lang="en")
    expected = (
        "a: 2010-10-20 published",
        "b: 2010-08-09 from 'Aug 9', a short text's bare date, resolved against the other "
        "article's date 2010-10-20",
    )
    compared = api.compare(long, short)
    assert sorted(compared.evidence.dates) == sorted(expected)
    with Store(tmp_path / "s.db") as store:
        store.add([long, short])
        stored = store.features(["long", "short"])
    assert relate.date_readings(*stored) == relate.date_readings(*api.featurize_all([long, short]))
    assert relate.date_notes(*relate.date_readings(*stored)) == expected
    (batch,) = analyze([long, short]).relations  # the batch's ColumnsBuilder path
    assert batch.evidence.dates == expected


@pytest.mark.parametrize("word", ["yesterday", "last Tuesday", "on Tuesday", "gestern"])
def test_a_relative_date_leaves_a_text_its_publication_date(word: str):
    """Relative dates are not read on any path: a text with a publication date is dated
    by it (a relative day is within a week of it, under the 30-day gate), one without
    has no base to read "yesterday" against, so no date."""
    text = f"Apple's iPhone hardware chief Papermaster left the company {word}"
    published = _features(text, OCTOBER)
    assert published.date == OCTOBER and published.written_date is None
    undated = _features(text)
    assert undated.date is None and undated.written_date is None
    _, rb = relate.date_readings(_features(LONG, OCTOBER), published)
    assert rb is not None and rb.describe() == "2010-10-20 published"
    assert relate.date_readings(_features(LONG, OCTOBER), undated)[1] is None


BARE = st.builds(
    dates.WrittenDate,
    span=st.just("Aug 9"),
    month=st.integers(1, 12),
    day=st.integers(1, 28),
)


@given(BARE, st.dates(dt.date(1990, 1, 1), dt.date(2030, 12, 31)), st.booleans())
# The autouse switch fixture only sets a constant: the same for every example.
@settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
def test_a_bare_date_is_read_only_in_a_short_text_and_nearest_the_other(
    written: dates.WrittenDate, other: dt.date, short: bool
):
    """Any bare date against any publication date: read only when its text is short,
    then as that month and day in the year around the other's that is nearest to it
    (within half a year), the same with the articles swapped."""
    published = (other, False, None)
    undated = (None, False, written)
    ra, rb = dates.pair_readings(published, undated, short=(False, short))
    sb, sa = dates.pair_readings(undated, published, short=(short, False))
    assert (ra, rb) == (sa, sb)
    assert ra == dates.DateReading(other, "published")
    if not short:
        assert rb is None
        return
    assert rb is not None and rb.short_text and rb.source == "other article"
    assert (rb.date.month, rb.date.day) == (written.month, written.day)
    assert abs((rb.date - other).days) <= 184
