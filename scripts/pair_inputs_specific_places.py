"""Candidate pair-model input (``scripts/fit_pair_model.py --screen``): whether two
reports agree on a *specific* place (a street, a venue, a building), not on the city.

    python scripts/fit_pair_model.py <the shipped options> --max-pairs 100000 \\
        --fold-seeds 10 --screen scripts/pair_inputs_specific_places.py

``place_agreement`` (``scripts/pair_inputs_roles.py``) reads every name a text marks as a
place or institution (:func:`samestory.name_roles.name_roles`): it raised ECB+'s recall at
P 0.9 on every fold split but cost GVA its precision, because two shootings of one city
share the city, its county, its hospitals and its police (name_roles' own example). This
reads only the places one incident has and the next one of the city has not:

- ``specific_place_agreement``: +1 when a specific place of either text is named by the
  other (anywhere, marked or not), -1 when both texts mark specific places and neither
  names one of the other's, 0 otherwise (English only).

A specific place is a capitalised run (:data:`samestory.normalize.NAME_RUN`) whose last
word, or one of the two words after it, is a street, venue or building word
(:data:`SPECIFIC_HEADS`: "Penn Avenue", "the Lucky Star lounge"); its tokens less those
words, compass words and words of a kind of place (:data:`GENERIC`), so that "Avenue",
"South" or "High" (School) alone is no place in common. A run marked only by a locative
("in Wilkinsburg") is a town, not specific.

Screened 2026-12-06 (docs/history/accuracy.md, compare); not shipped unless that section
says so.
"""

from __future__ import annotations

import functools
import re

from samestory import normalize
from samestory.features import DocFeatures
from samestory.name_roles import PLACE_HEADS

# Words that make the run before them a street, a venue or a building: where one incident
# happened. Not the area words (city, county, neighborhood), nor the institutions every
# incident of a city shares (hospital, police, sheriff, court).
SPECIFIC_HEADS = frozenset(
    """
    street st avenue ave road rd boulevard blvd drive lane highway hwy interstate parkway
    square plaza mall market store shop supermarket apartments apartment complex homes
    school academy elementary university college church temple mosque synagogue bar
    lounge club nightclub restaurant cafe hotel motel bank airport bridge park stadium
    arena theater theatre cinema gym factory plant warehouse
    """.split()  # noqa: SIM905 - a word list reads best as text
)
# Tokens no place is told by alone: the heads themselves, compass words and the words that
# say a kind of place ("High School", "State Street", "Main Street" are in many towns).
GENERIC = (
    PLACE_HEADS
    | SPECIFIC_HEADS
    | frozenset(
        """
        north south east west northeast northwest southeast southwest upper lower high
        middle junior senior new old state national international main central mount
        saint
        """.split()  # noqa: SIM905 - a word list reads best as text
    )
)
_WORD = re.compile(r"[\w'’\-]+")
CACHE_SENTENCES = 1 << 15


def _is_specific(run: str, after: str) -> bool:
    last = run.split()[-1].lower()
    following = [w.lower() for w in _WORD.findall(after[:40])[:2]]
    return last in SPECIFIC_HEADS or bool(SPECIFIC_HEADS.intersection(following))


@functools.lru_cache(maxsize=CACHE_SENTENCES)
def sentence_specific_places(sentence: str) -> frozenset[str]:
    """The tokens of ``sentence``'s runs that name a specific place (see the module)."""
    names: set[str] = set()
    for match in normalize.NAME_RUN.finditer(sentence):
        run = match.group(1)
        if _is_specific(run, sentence[match.end() :]):
            names.update(t for t in normalize.entities(run) if t not in GENERIC)
    return frozenset(names)


def specific_places(f: DocFeatures) -> frozenset[str]:
    """The specific places a text names, as :func:`samestory.normalize.entities` tokens."""
    return frozenset().union(*map(sentence_specific_places, f.sentences))


def specific_place_agreement(a: DocFeatures, b: DocFeatures) -> float:
    """+1 / -1 / 0: a specific place in common, none while both name one, or no evidence."""
    mine_a, mine_b = specific_places(a), specific_places(b)
    if (mine_a & b.entities) or (mine_b & a.entities):
        return 1.0  # the other names it, marked or not ("the shooting at Lucky Star")
    return -1.0 if mine_a and mine_b else 0.0


INPUTS = {"specific_place_agreement": specific_place_agreement}
