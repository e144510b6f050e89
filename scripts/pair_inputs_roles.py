"""Candidate pair-model inputs (``scripts/fit_pair_model.py --screen``): whether two
reports agree on *where* and *who*, read from each text's own name roles
(:func:`samestory.name_roles.name_roles`: a name marked as a place or institution, or as
a person, by the words around it) and from the names of its opening sentences, which
tell the main event's participants. Cues that hold across topics (a report of another
incident of one kind happens somewhere else, to someone else), not topic words.

    python scripts/fit_pair_model.py <the shipped options> --fold-seeds 10 \\
        --screen scripts/pair_inputs_roles.py

- ``place_agreement``: +1 when some place either text marks is named by the other, -1
  when both texts mark places and neither names any of the other's, 0 otherwise (one
  text marks none: English only, no role in other languages).
- ``person_agreement``: the same over the names marked as people.
- ``lead_names_told``: of the names in each text's first :data:`LEAD_SENTENCES`
  sentences, the share the other text names anywhere; the smaller of the two directions
  (a direction whose lead names no one is left out; 1.0 when neither names anyone).

Screened 2026-12-05 (docs/history/accuracy.md, heldout): not shipped unless that section says so.
"""

from __future__ import annotations

import functools

from samestory import normalize
from samestory.features import DocFeatures
from samestory.name_roles import Roles, name_roles

LEAD_SENTENCES = 2  # a headline and its first sentence: who the report is about


def _roles(f: DocFeatures) -> Roles:
    return f.roles if f.roles is not None else name_roles(tuple(f.sentences))


def _agreement(
    mine_a: frozenset[str], mine_b: frozenset[str], a: DocFeatures, b: DocFeatures
) -> float:
    """+1 some name one text marks is named by the other, -1 both mark names and none
    is named by the other, 0 when either marks none."""
    if not mine_a or not mine_b:
        return 0.0
    return 1.0 if (mine_a & b.entities) or (mine_b & a.entities) else -1.0


def place_agreement(a: DocFeatures, b: DocFeatures) -> float:
    return _agreement(_roles(a)[0], _roles(b)[0], a, b)


def person_agreement(a: DocFeatures, b: DocFeatures) -> float:
    return _agreement(_roles(a)[1], _roles(b)[1], a, b)


@functools.lru_cache(maxsize=4096)
def lead_names(sentences: tuple[str, ...]) -> frozenset[str]:
    """The names of the first :data:`LEAD_SENTENCES` sentences."""
    return frozenset(normalize.entities(" ".join(sentences[:LEAD_SENTENCES])))


def lead_names_told(a: DocFeatures, b: DocFeatures) -> float:
    """The smaller share of one text's lead names the other text names (see above)."""
    shares = [
        len(names & other.entities) / len(names)
        for names, other in (
            (lead_names(tuple(a.sentences)), b),
            (lead_names(tuple(b.sentences)), a),
        )
        if names
    ]
    return min(shares, default=1.0)


INPUTS = {
    "place_agreement": place_agreement,
    "person_agreement": person_agreement,
    "lead_names_told": lead_names_told,
}
