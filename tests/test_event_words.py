"""samestory.screens.event_words: a headline's event words (after its subject, names left out)
and whether two texts in one language tell the other's headline event."""

from __future__ import annotations

from samestory.features import featurize
from samestory.models import Article
from samestory.screens.event_words import (
    event_conflict,
    event_unmatched,
    headline_phrase,
    headline_words,
)

FIRED = (
    "The Philadelphia 76ers fired coach Maurice Cheeks on Saturday after a 9-14 start.\n"
    "Assistant general manager Tony DiLeo takes over the team for the rest of the season."
)
FIRED_AGAIN = (
    "Maurice Cheeks was dismissed as coach of the Philadelphia 76ers.\n"
    "The team fired him after a slump, and DiLeo takes over."
)
ARRESTED = (
    "Chargers receiver Vincent Jackson arrested on suspicion of drunk driving.\n"
    "Police stopped his car early on Tuesday in San Diego."
)
FLOODED = (
    "Manila was flooded by heavy rains on Monday.\n"
    "Thousands of families were evacuated from low-lying districts near the bay."
)
MEANTIME = (
    "Airbus announces job cuts of 10,000 February 28, 2007 Airbus, Europe's biggest "
    "aircraft manufacturer, has announced 10,000 job cuts over the next four years."
)


def _docs(*texts: str, lang: str | None = None):
    return featurize([Article(id=str(k), text=t, lang=lang) for k, t in enumerate(texts)])


def test_the_event_words_follow_the_subject_and_leave_names_and_dates_out():
    fired, arrested, meantime = _docs(FIRED, ARRESTED, MEANTIME)
    assert headline_words(fired) == ("fired", "coach")
    assert headline_words(arrested) == ("arrested", "suspicion")
    assert headline_words(meantime) == ("announces", "job")  # cut before its date line
    assert "Cheeks" not in headline_phrase(fired) and "76ers" not in headline_phrase(fired)
    assert "2007" not in headline_phrase(meantime)


def test_a_date_line_is_not_the_headline():
    dated, plain = _docs("Saturday, August 24, 2013\n" + FIRED, FIRED)
    assert headline_words(dated) == headline_words(plain)


def test_two_events_conflict_and_one_event_worded_twice_does_not():
    fired, again, arrested, flooded = _docs(FIRED, FIRED_AGAIN, ARRESTED, FLOODED)
    assert event_conflict(arrested, flooded) == 1.0
    assert event_unmatched(arrested, flooded) == 1.0
    assert event_conflict(fired, again) == 0.0  # "fired" is in both
    assert event_unmatched(fired, again) == 0.0


def test_texts_in_two_languages_are_not_compared_word_by_word():
    (a,) = _docs(ARRESTED, lang="en")
    (b,) = _docs(FLOODED, lang="es")
    assert event_conflict(a, b) == 0.0 and event_unmatched(a, b) == 0.0
