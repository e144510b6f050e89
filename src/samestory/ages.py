"""The ages a report states, and whether two reports state different ones.

Two reports of one kind of event about one setting share its names and its story shape
(one team's two players arrested for drink-driving; two shootings in one city; two
stars entering rehab), and what they state differently is often who it happened to. A
person's age is the most common number about a person in news text ("Vincent Jackson,
25, was arrested"; "Jamal Williams, 32,"; "the 33-year-old actress"), and two reports of
one event state the same age for the same person, while reports of another event state
another person's. Read from the text alone (no model, nothing counted over a corpus), so
a pair scores the same in ``compare`` wherever it is read.

An age is a whole number 1-110 written as

- an apposition after a capitalised word: "Jackson, 25," or "Jackson (25)";
- "25-year-old", "25 year old", "aged 25", "age 25";
- in Spanish, Italian, Dutch, French and German, only the unambiguous forms ("25 años
  de edad", "25enne", "25-jarige", "âgé de 25 ans", "25-jährige"; "de 25 años" is as
  often "after 25 years").

:func:`age_agreement` is ``compare``'s pair-model input (:mod:`samestory.pair_model`).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Set as AbstractSet

from samestory.features import DocFeatures

# A larger number after a name ("Boeing, 777,") is no age.
MAX_AGE = 110

_AGE = re.compile(
    r"\b[A-Z][\w'’\-]*,\s+(\d{1,3}),"  # "Jackson, 25,"
    r"|\b[A-Z][\w'’\-]*\s+\((\d{1,3})\)"  # "Jackson (25)"
    r"|(?i:\b(\d{1,3})[-\s]years?[-\s]old\b)"  # "25-year-old", "25 years old"
    r"|(?i:\baged?\s+(\d{1,3})\b)"  # "aged 25", "age 25"
    r"|(?i:\b(\d{1,3})\s+años\s+de\s+edad\b)"  # es
    r"|(?i:\b(\d{1,3})enne\b)"  # it: "25enne"
    r"|(?i:\b(\d{1,3})-jarige\b)"  # nl
    r"|(?i:\bâgée?\s+de\s+(\d{1,3})\s+ans\b)"  # fr
    r"|(?i:\b(\d{1,3})-jährige[nr]?\b)"  # de
)


@functools.lru_cache(maxsize=4096)
def stated_ages(sentences: tuple[str, ...]) -> frozenset[int]:
    """The ages written in ``sentences`` (the forms of the module docstring), 1-110."""
    found: set[int] = set()
    for sentence in sentences:
        for match in _AGE.finditer(sentence):
            value = int(next(g for g in match.groups() if g))
            if 0 < value <= MAX_AGE:
                found.add(value)
    return frozenset(found)


def ages_of(f: DocFeatures) -> frozenset[int]:
    """:func:`stated_ages` of an article's sentences."""
    return stated_ages(tuple(f.sentences))


def age_agreement(a: DocFeatures, b: DocFeatures) -> float:
    """Whether the ages two texts state agree, signed:

        2 · |A ∩ B| / min(|A|, |B|) − 1

    with ``A``, ``B`` the texts' stated ages (:func:`ages_of`): +1 when every age of the
    text stating fewer is stated by the other too (one person, one age), −1 when they
    share none (other people), between for a partial match; 0 when either states none
    (no evidence either way, and the neutral point between the two)."""
    return agreement_of(ages_of(a), ages_of(b))


def agreement_of(x: AbstractSet[int], y: AbstractSet[int]) -> float:
    """``2 · |x ∩ y| / min(|x|, |y|) − 1``, 0 when either is empty (:func:`age_agreement`)."""
    if not x or not y:
        return 0.0
    return 2.0 * len(x & y) / min(len(x), len(y)) - 1.0
