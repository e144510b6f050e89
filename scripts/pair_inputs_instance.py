"""Candidate inputs of ``compare``'s pair model for ``scripts/fit_pair_model.py --screen``:
*instance* cues, what two reports of the same kind of event state differently about which
instance they tell (ECB+'s false links: Klitschko beats Thompson in one and Rahman in the
other, the Colts clinch 31-24 against the Jaguars and 20-13 against the Chiefs, Internet
Explorer 7's patch against IE 11's). Read from the pair's two texts alone (no corpus).

    python scripts/fit_pair_model.py <the shipped options> --seed N \\
        --screen scripts/pair_inputs_instance.py

- ``scores_conflict``: both texts state a score or record (``31-24``, ``53-3``: two
  numbers under 200 joined by a dash) in their first five sentences and share none:
  another game, another bout.
- ``version_conflict``: a name both texts follow with a small number (``IE 7`` /
  ``IE11``, ``Windows 8.1``, ``Week 17``) with no value in common: another version,
  another edition.

Screened 2026-12-04 night (docs/history/accuracy.md, pairfit): not shipped.
"""

from __future__ import annotations

import functools
import re

from samestory.features import DocFeatures

# A score or a win-loss record: two numbers of at most three digits joined by a dash, not
# part of a date, a time, a range of years or a longer number.
_SCORE = re.compile(r"(?<![\d.,:/-])(\d{1,3})\s?[-–]\s?(\d{1,3})(?![\d.,:/-])")
SCORE_SENTENCES = 5  # where a report states its game's result
SCORE_MAX = 200

# A capitalised word followed by a small number: a version or edition ("IE 7",
# "Windows 8.1"), not a time, a percentage or a date.
_VERSION = re.compile(
    r"\b([A-Z][A-Za-z]{1,15})\s?(\d{1,2}(?:\.\d)?)(?![\d,:/-]|\.\d|\s?(?:am|pm|a\.m|p\.m|%))"
)
# Words before a number that name no version: function words, months, weekdays, labels.
_NOT_VERSION_WORDS = (
    "on in at by for of to the and no number page route highway interstate act article "
    "section chapter from with about over under than all just only some last first top "
    "between nearly around after before since until posted updated published jan feb mar "
    "apr may jun jul aug sep sept oct nov dec january february march april june july "
    "august september october november december monday tuesday wednesday thursday friday "
    "saturday sunday"
)
_NOT_VERSION = frozenset(_NOT_VERSION_WORDS.split())


@functools.lru_cache(maxsize=4096)
def scores(sentences: tuple[str, ...]) -> frozenset[tuple[int, int]]:
    """The scores or records (higher, lower) stated in the first sentences."""
    out = set()
    for sentence in sentences[:SCORE_SENTENCES]:
        for a, b in _SCORE.findall(sentence):
            x, y = int(a), int(b)
            if x < SCORE_MAX and y < SCORE_MAX:
                out.add((max(x, y), min(x, y)))
    return frozenset(out)


@functools.lru_cache(maxsize=4096)
def versions(sentences: tuple[str, ...]) -> dict[str, frozenset[str]]:
    """Name (lower case) -> the small numbers the text writes right after it."""
    out: dict[str, set[str]] = {}
    for sentence in sentences:
        for name, value in _VERSION.findall(sentence):
            if name.lower() not in _NOT_VERSION:
                out.setdefault(name.lower(), set()).add(value)
    return {name: frozenset(values) for name, values in out.items()}


def scores_conflict(a: DocFeatures, b: DocFeatures) -> float:
    """1 when both texts state a score or record and none is the other's, else 0."""
    x, y = scores(tuple(a.sentences)), scores(tuple(b.sentences))
    return float(bool(x) and bool(y) and not x & y)


def version_conflict(a: DocFeatures, b: DocFeatures) -> float:
    """1 when a name both texts number has no number in common, else 0."""
    x, y = versions(tuple(a.sentences)), versions(tuple(b.sentences))
    return float(any(not x[name] & y[name] for name in x.keys() & y.keys()))


INPUTS = {"scores_conflict": scores_conflict, "version_conflict": version_conflict}
