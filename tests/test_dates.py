"""Dates written in article text: year-less and relative ones resolved, with their origin."""

from __future__ import annotations

import dataclasses
import datetime as dt
import types
from unittest import mock

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from samestory import api, dates, normalize
from samestory.features import text_features
from samestory.models import Article, Evidence

TODAY = dt.date(2026, 12, 2)


def test_a_year_less_date_keeps_its_weekday():
    text = "A White House official said on Wednesday (Aug 6), as the US kept its plans."
    (written,) = dates.written_dates(text, "en")
    assert (written.span, written.month, written.day) == ("Wednesday (Aug 6)", 8, 6)
    assert written.year is None and written.weekday == 2


def test_dates_in_other_languages_are_read():
    (written,) = dates.written_dates("El ministro habló el miércoles 6 de agosto en Madrid.", "es")
    assert (written.month, written.day, written.weekday) == (8, 6, 2)


def test_a_weekday_resolves_the_year():
    written = dates.WrittenDate("Wednesday (Aug 6)", 8, 6, weekday=2)
    reading = dates.by_weekday(written, TODAY)
    assert reading is not None and reading.date == dt.date(2025, 8, 6)
    assert reading.describe() == "2025-08-06 from 'Wednesday (Aug 6)' resolved by weekday"
    # Before 2025, the latest year in which 6 August fell on a Wednesday was 2014.
    earlier = dates.by_weekday(written, dt.date(2025, 8, 5))
    assert earlier is not None and earlier.date == dt.date(2014, 8, 6)


def test_a_year_less_date_is_read_against_the_other_date():
    written = dates.WrittenDate("Wednesday (Aug 6)", 8, 6, weekday=2)
    reading = dates.against(written, dt.date(2025, 10, 23))
    assert reading is not None and reading.date == dt.date(2025, 8, 6)
    assert "against the other article's date 2025-10-23, weekday agrees" in reading.describe()
    # Near New Year the nearest such day is in the other year.
    january = dates.against(dates.WrittenDate("Dec 30", 12, 30), dt.date(2026, 1, 3))
    assert january is not None and january.date == dt.date(2025, 12, 30)


def _frozen_clock(today: dt.date) -> types.SimpleNamespace:
    """The ``datetime`` module as :mod:`samestory.dates` sees it, with a clock that says
    ``today`` (dates made by the module are of a ``date`` subclass, equal to real ones)."""

    class Date(dt.date):
        @classmethod
        def today(cls) -> Date:
            return cls(today.year, today.month, today.day)

    return types.SimpleNamespace(**{**vars(dt), "date": Date})


written_dates_st = st.builds(
    lambda month, day, weekday, year: dates.WrittenDate(
        f"{month}/{day}", month, day, year=year, weekday=weekday
    ),
    st.integers(1, 12),
    st.integers(1, 28),
    st.none() | st.integers(0, 6),
    st.none() | st.integers(1995, 2030),
)
side_st = st.tuples(
    st.none() | st.dates(dt.date(1995, 1, 1), dt.date(2030, 12, 31)),
    st.booleans(),
    st.none() | written_dates_st,
)
days_st = st.dates(dt.date(2000, 1, 1), dt.date(2100, 12, 31))


@settings(max_examples=300, deadline=None)
@given(
    a=side_st,
    b=side_st,
    short=st.tuples(st.booleans(), st.booleans()),
    days=st.tuples(days_st, days_st),
)
def test_a_pairs_dates_do_not_depend_on_today(a, b, short, days):
    """Whatever the clock says, a pair's dates read the same: a year-less date is read
    against the other article's date, or, when neither has one, against a fixed day."""
    readings = []
    for today in days:
        with mock.patch.object(dates, "dt", _frozen_clock(today)):
            readings.append(dates.pair_readings(a, b, short=short))
    assert readings[0] == readings[1]


def test_two_undated_reports_read_their_gap_against_a_fixed_day():
    """Two undated reports dated only by weekday: read against UNDATED_REFERENCE (the
    latest such days not after it), whatever today is; their gap is what counts."""
    wednesday = dates.WrittenDate("Wednesday (Aug 6)", 8, 6, weekday=2)
    friday = dates.WrittenDate("Friday (Aug 8)", 8, 8, weekday=4)
    ra, rb = dates.pair_readings((None, False, wednesday), (None, False, friday))
    assert ra is not None and rb is not None
    assert (ra.date, rb.date) == (dt.date(2025, 8, 6), dt.date(2025, 8, 8))
    assert ra.date <= dates.UNDATED_REFERENCE and ra.source == "weekday"
    with mock.patch.object(dates, "dt", _frozen_clock(dt.date(2031, 8, 7))):
        assert dates.pair_readings((None, False, wednesday), (None, False, friday)) == (ra, rb)


def test_features_keep_the_written_date_when_there_is_no_published_one():
    text = "WASHINGTON: Officials said on Wednesday (Aug 6) that talks went on."
    article = Article(id="x", text=text)
    f = text_features(article)
    assert f.date is None and f.written_date is not None
    assert f.written_date.span == "Wednesday (Aug 6)"
    dated = text_features(dataclasses.replace(article, date=dt.date(2025, 8, 7)))
    assert dated.date == dt.date(2025, 8, 7) and dated.written_date is None


def test_reports_eleven_weeks_apart_read_their_gap(seed_articles):
    """The issue's case: two reports of the same people eleven weeks apart, one with a
    publication date, the other dated only "Wednesday (Aug 6)" (scored same_event 0.65
    when no gap was read): the gap is read, with where each date came from."""
    published = dataclasses.replace(seed_articles["000"], date=dt.date(2025, 10, 23))
    relation = api.compare(published, seed_articles["003"])
    assert relation.evidence.date_gap_days == 78
    assert relation.evidence.dates == (
        "a: 2025-10-23 published",
        "b: 2025-08-06 from 'Wednesday (Aug 6)' resolved against the other article's date "
        "2025-10-23, weekday agrees",
    )
    assert not relation.same_story


def test_the_seeds_stay_two_stories_in_two_threads(seed_articles):
    stories = api.cluster(list(seed_articles.values()))
    assert sorted(sorted(a[:3] for a in s.articles) for s in stories) == [
        ["000", "001", "002"],
        ["003", "004"],
    ]
    assert len({s.thread for s in stories}) == 2


def test_evidence_dates_round_trip():
    evidence = Evidence(date_gap_days=78, dates=("a: 2025-10-23 published", "b: …"))
    assert Evidence.from_dict(evidence.to_dict()) == evidence
    assert Evidence.from_dict({}).dates == ()


def test_undated_seed_versions_are_threaded_with_their_storys_gap(seed_articles):
    """The seeds' two stories (same people, eleven weeks apart) are two threads. Their
    undated versions (001, 002 of the October story; 004 of the August one) read as
    written the same week as the other story's reports unless they take their story's
    gap (78 days, the one dated cross pair 000-003): then the stories' thread linkage is
    far below even the lower attach level (half the threshold), not just under it."""
    from samestory.pipeline.assemble import thread_scores
    from samestory.pipeline.batch import analyze
    from samestory.threads import THREAD_THRESHOLD

    analysis = analyze(list(seed_articles.values()))
    index = {f.id: k for k, f in enumerate(analysis.features)}
    story = {index[a]: k for k, s in enumerate(analysis.stories) for a in s.articles}
    groups = [[index[a] for a in s.articles] for s in analysis.stories]
    pairs = [(index[r.a], index[r.b]) for r in analysis.relations]
    threaded = thread_scores(analysis.features, pairs, analysis.relations, groups)
    cross = [
        (r, p)
        for (i, j), r, p in zip(pairs, analysis.relations, threaded, strict=True)
        if story[i] != story[j]
    ]
    assert len(cross) == 6  # every pair of the two stories is scored
    for r, p in cross:
        if r.evidence.date_gap_days is None:
            assert p < r.evidence.scores["thread"]
    assert sum(p for _, p in cross) / len(cross) < THREAD_THRESHOLD / 2


JOBS = (
    "Apple Inc. co-founder Steve Jobs dies aged 56 October 6, 2011 The co-founder and "
    "former chief executive officer of Apple Inc. Steve Jobs has died yesterday at the age "
    "of 56. On August 24, Jobs resigned from his post as CEO. Jobs, born in San Francisco "
    "on February 24, 1955, has built the most valuable technology company in the world."
)


def test_an_age_before_a_dateline_is_not_its_day():
    """MEANTIME's case: "aged 56 October 6, 2011" was read day-first as "56 October" (no
    such day), which hid the dateline, and the article took the birth date further on."""
    f = text_features(Article(id="jobs", text=JOBS))
    assert f.date == dt.date(2011, 10, 6) and f.date_from_text
    assert f.written_date is not None and f.written_date.span == "October 6, 2011"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Singer dies aged 26 October 6, 2011, her label said.", dt.date(2011, 10, 6)),
        ("Actor, 31 May 2, 2010: he died at home.", dt.date(2010, 5, 2)),
        ("Jane Doe (born 12 March 1960) was arrested on 5 April 2011.", dt.date(2011, 4, 5)),
        (
            "Jobs, born in San Francisco, California, on February 24, 1955, died on 5 Oct 2011.",
            dt.date(2011, 10, 5),
        ),
        ("Il est né le 3 mai 1950 à Paris. Le 5 juin 2011, il est mort.", dt.date(2011, 6, 5)),
        ("Er wurde geboren am 3. Mai 1950; am 6. August 2025 starb er.", dt.date(2025, 8, 6)),
        (
            "Nacido en Madrid el 3 de mayo de 1950, murió el 15 de octubre del 2007.",
            dt.date(2007, 10, 15),
        ),
        # Not a birth: the word is NATO, or "born" is in another sentence.
        ("NATO on 5 March 2010 said the mission goes on.", dt.date(2010, 3, 5)),
        ("The idea was born. On 5 March 2010 it was launched.", dt.date(2010, 3, 5)),
        # Still read as before: day first with a year, times after a date.
        ("6 August 2025 at 10:30 the talks began.", dt.date(2025, 8, 6)),
        ("On 6 August 2025, the talks began.", dt.date(2025, 8, 6)),
    ],
)
def test_ages_and_births_do_not_date_an_article(text: str, expected: dt.date):
    assert normalize.first_date(text) == expected


@pytest.mark.parametrize(
    "text",
    ["Jobs (born February 24, 1955) spoke.", "Born: 3 May 1950", "He died aged 56 May 2"],
)
def test_only_a_birth_date_or_no_day_gives_no_date(text: str):
    assert normalize.first_date(text) is None


@given(
    st.dates(dt.date(1990, 1, 1), dt.date(2030, 12, 31)),
    st.integers(1, 99),
    st.sampled_from(["dies aged", "killed", "injures", "age"]),
)
@settings(max_examples=60, deadline=None)
def test_a_number_before_a_month_day_year_date_never_takes_its_day(
    day: dt.date, number: int, verb: str
):
    """Any "<verb> N <Month> D, YYYY": the date read is that written after the number."""
    text = f"Storm {verb} {number} {day:%B} {day.day}, {day.year} in the region."
    assert normalize.first_date(text) == day
