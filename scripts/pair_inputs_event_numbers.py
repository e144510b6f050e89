"""Candidate pair-model inputs (``scripts/fit_pair_model.py --screen``): the number
conflict without the numbers that date a text.

:func:`samestory.conflicts.number_conflict` reads every number with its context words.
On ECB+'s true links it fires as often as on its false links (0.38 against 0.29 of the
pairs at LOTO's operating point, docs/history/accuracy.md 2026-12-05 07:14), and most of what it
reads there is a date: two reports written a day apart ("May 2" / "May 3"), a day against
a year after one month ("September 16" / "September 2013"), one day written two ways
("May 03" / "May 3"), clock times ("GMT 0300" / "GMT 1300"). A date is read by the date
cues (the gap, the date factor); a conflict should be about the event (a record 52-3 /
58-3, round 7 / round 6, Route 52 / Route 94). Here a context word that is a month, a
weekday or a time word is no context, and values are compared without leading zeros.

Not read in production; screened only.
"""

from __future__ import annotations

import functools

from samestory import conflicts
from samestory.features import DocFeatures

# Months (en, es, it, nl, fr, de, in full and short), weekdays and clock words: a number
# after one of these dates the text, it does not describe the event.
DATE_WORDS = frozenset(
    """
    january february march april may june july august september october november december
    jan feb mar apr jun jul aug sep sept oct nov dec
    enero febrero marzo abril mayo junio julio agosto septiembre setiembre octubre
    noviembre diciembre gennaio febbraio aprile maggio giugno luglio settembre ottobre
    dicembre januari februari maart mei juni juli augustus oktober
    janvier février fevrier mars avril mai juin juillet août aout septembre octobre novembre
    décembre decembre januar februar märz juni oktober dezember
    monday tuesday wednesday thursday friday saturday sunday
    mon tue tues wed thu thur thurs fri sat sun
    gmt utc est edt cst cdt pst pdt bst cet ist am pm a.m p.m hrs hours updated posted
    published
    """.split()  # noqa: SIM905 - a word list reads best as text
)


@functools.lru_cache(maxsize=1 << 14)
def event_values(contexts: frozenset[str]) -> dict[str, frozenset[str]]:
    """:func:`samestory.conflicts.by_context` without the date and clock contexts, each
    value without leading zeros ("03" is "3")."""
    out: dict[str, set[str]] = {}
    for key, values in conflicts.by_context(contexts).items():
        if key.lstrip("<") in DATE_WORDS:
            continue
        out.setdefault(key, set()).update(_plain(v) for v in values)
    return {key: frozenset(values) for key, values in out.items()}


def _plain(value: str) -> str:
    stripped = value.lstrip("0")
    return stripped if stripped and not stripped.startswith(".") else value


def event_number_conflict(a: DocFeatures, b: DocFeatures) -> float:
    """:func:`samestory.conflicts.conflict_share` of the two texts' :func:`event_values`."""
    return conflicts.conflict_share(
        event_values(a.number_contexts), event_values(b.number_contexts)
    )


INPUTS = {
    "event_number_conflict": event_number_conflict,  # F2: instead of number_conflict
    "+event_number_conflict": event_number_conflict,  # reported: beside it
}
REPLACES = {"event_number_conflict": "number_conflict"}
