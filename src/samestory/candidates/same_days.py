"""The same-days route: one shared keyword among articles published on nearby days.

Articles published at most ``DATED_DAYS`` apart (publication dates, not dates read from
the text: :func:`day_number`) that share *one* counted keyword are ranked as the keyword
route ranks (:func:`samestory.candidates.keyword_routes.keyword_ranking`),
``DATED_NEIGHBOURS`` at most (:func:`dated_ranking`).

Why: a short text (a feed's lead, 30-60 words) of one incident shares too few words with
another report of it for the vector and keyword routes: on GVA dev leads, 286 of the 290
same-incident pairs the full texts propose and the leads do not are proposed by no route,
and 292 of the leads' 371 unproposed ones share fewer than two counted keywords; what
they keep is the town and the day. One shared keyword on the same days is same-incident
for 10-30% of the pairs it adds, where a larger keyword budget adds 0.4%
(docs/history/accuracy.md, cands).
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from samestory.candidates import keyword_routes
from samestory.candidates.keyword_routes import K, keyword_ranking

# Same-days route (see the module docstring): dates at most this many days apart, this
# many shared counted keywords at least, this many proposals per article at most (half
# the keyword route's budget). One day, not three: on GVA dev leads three days proposed
# 1.6x the pairs for no better stories.
DATED_DAYS = 1
DATED_SHARED_KEYWORDS = 1
DATED_NEIGHBOURS = 5
# The day number of an undated article in the coded index: no date is within DATED_DAYS
# of it (an undated article itself asks nothing of the route).
NO_DAY = -(1 << 40)
# Whether the indexes propose same-days pairs: off only inside without_same_days (the
# thread fit weighs the pairs only this route proposes apart: fit_thread_model.py
# --same-days-weight).
_same_days = True


@contextlib.contextmanager
def without_same_days() -> Iterator[None]:
    """Indexes searched inside propose no same-days pairs (the vector and keyword routes
    only): how ``scripts/fit_thread_model.py`` tells the pairs only the same-days route
    proposes. One process's switch, not thread-safe: for scripts, not for serving."""
    global _same_days
    _same_days = False
    try:
        yield
    finally:
        _same_days = True


def is_on() -> bool:
    """Whether indexes propose same-days pairs now (False inside :func:`without_same_days`)."""
    return _same_days


def day_number(date: dt.date | None, from_text: bool = False) -> int | None:
    """A date as the same-days route compares them (its ordinal); None when undated or
    when the date was read from the text (``DocFeatures.date_from_text``): such a date
    may be an earlier event's the article mentions (relate trusts it less too), and two
    reports of different events read the same day from their texts as easily (on the 10k
    synthetic corpus, whose dates are all read from the texts, a pair of two ECB+ events
    on one written day merged two stories)."""
    return None if date is None or from_text else date.toordinal()


def route_day(f: Any) -> int | None:
    """:func:`day_number` of an article's features (stand-ins without dates: None)."""
    return day_number(getattr(f, "date", None), bool(getattr(f, "date_from_text", False)))


def dated_ranking(
    words: dict[int, float],
    posting: Callable[[int], Sequence[K]],
    day_of: Callable[[K], int | None],
    day: int,
    exclude: K,
) -> list[tuple[K, float]]:
    """The same-days route: :func:`keyword_ranking` of an article of keywords ``words``
    dated ``day`` (a :func:`day_number`) over its postings cut to the articles dated
    within ``DATED_DAYS`` of it (``day_of(key)``), ``DATED_SHARED_KEYWORDS`` shared words
    at least, ``DATED_NEIGHBOURS`` articles at most. A posting too long to count (over
    ``MAX_KEYWORD_POSTINGS``, before the cut) counts nowhere, as in the keyword route."""

    def near(word: int) -> Sequence[K]:
        listed = posting(word)
        if len(listed) > keyword_routes.MAX_KEYWORD_POSTINGS:
            return listed
        return [
            other
            for other in listed
            if (theirs := day_of(other)) is not None and abs(theirs - day) <= DATED_DAYS
        ]

    return keyword_ranking(words, near, exclude, DATED_SHARED_KEYWORDS, DATED_NEIGHBOURS)
