"""Candidate pair-model input (``scripts/fit_pair_model.py --screen``): ages read with
whose age they are.

:func:`samestory.ages.age_agreement` compares the sets of ages two texts state, whoever
they belong to. Two reports of one champion's two fights four years apart state his age
as 32 and 36, and the first states his opponent's as 36: the sets {32, 36, 41} and {36,
40} share a 36, and the cue reads "no evidence" (0) where the texts say "four years
apart" (ECB+ topic 7, docs/history/accuracy.md 2026-12-05 07:14). Here an age is bound to the
name it is written with ("Klitschko, 32,", "Klitschko (32)", "the 36-year-old champion
Klitschko"), and two texts are compared only on the names both bind an age to.

Not read in production; screened only.
"""

from __future__ import annotations

import functools
import re

from samestory.features import DocFeatures

_NAME = r"([A-Z][\w'’\-]*(?:\s+[A-Z][\w'’\-]*)*)"
# "Jackson, 25," / "Jackson (25)": the name before the age.
_AFTER_NAME = re.compile(_NAME + r"(?:,\s+(\d{1,3}),|\s+\((\d{1,3})\))")
# "the 36-year-old champion Klitschko": the name within three lower-case words after it.
_BEFORE_NAME = re.compile(r"\b(\d{1,3})[-\s]years?[-\s]old\s+(?:[a-z][\w\-]*\s+){0,3}" + _NAME)
MAX_AGE = 110


@functools.lru_cache(maxsize=4096)
def named_ages(sentences: tuple[str, ...]) -> dict[str, frozenset[int]]:
    """Each name (its last word, lower case) with the ages the text binds to it."""
    found: dict[str, set[int]] = {}
    for sentence in sentences:
        for m in _AFTER_NAME.finditer(sentence):
            _add(found, m.group(1), m.group(2) or m.group(3))
        for m in _BEFORE_NAME.finditer(sentence):
            _add(found, m.group(2), m.group(1))
    return {name: frozenset(ages) for name, ages in found.items()}


def _add(found: dict[str, set[int]], name: str, age: str) -> None:
    value = int(age)
    if 0 < value <= MAX_AGE:
        found.setdefault(name.split()[-1].lower(), set()).add(value)


def named_age_agreement(a: DocFeatures, b: DocFeatures) -> float:
    """Over the names both texts bind an age to: ``2 · agreeing / names − 1`` (+1 every
    such name has an age in common, −1 none has), 0 when no name is bound in both."""
    x, y = named_ages(tuple(a.sentences)), named_ages(tuple(b.sentences))
    shared = x.keys() & y.keys()
    if not shared:
        return 0.0
    agreeing = sum(1 for n in shared if x[n] & y[n])
    return 2.0 * agreeing / len(shared) - 1.0


def named_age_conflict(a: DocFeatures, b: DocFeatures) -> float:
    """1.0 when some name both texts bind an age to has no age in common, else 0."""
    x, y = named_ages(tuple(a.sentences)), named_ages(tuple(b.sentences))
    return float(any(not (x[n] & y[n]) for n in x.keys() & y.keys()))


INPUTS = {"named_age_agreement": named_age_agreement, "named_age_conflict": named_age_conflict}
