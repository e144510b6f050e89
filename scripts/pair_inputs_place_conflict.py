"""Candidate pair-model input (``scripts/fit_pair_model.py --screen``): two reports that
each mark where their event happened and name none of the other's places.

``place_agreement`` (``scripts/pair_inputs_roles.py``) raised ECB+'s recall at P 0.9 on
every split and MEANTIME's precision, but cost GVA its precision: two shootings of one
city share the city's places (name_roles' own example), so "a place in common" says
little there, while "no place in common" is another incident on every set. This keeps
only that half:

- ``place_conflict``: 1.0 when both texts mark places (:func:`samestory.name_roles.name_roles`)
  and neither names any place the other marks; else 0 (English only: no roles elsewhere).

Designed after R1's run (docs/history/accuracy.md 2026-12-05 heldout, protocol 4); not shipped
unless that section says so.
"""

from __future__ import annotations

from samestory.features import DocFeatures
from samestory.name_roles import name_roles


def _places(f: DocFeatures) -> frozenset[str]:
    return (f.roles if f.roles is not None else name_roles(tuple(f.sentences)))[0]


def place_conflict(a: DocFeatures, b: DocFeatures) -> float:
    """1.0 when both texts mark places and neither names one of the other's."""
    mine_a, mine_b = _places(a), _places(b)
    if not mine_a or not mine_b:
        return 0.0
    return float(not (mine_a & b.entities) and not (mine_b & a.entities))


INPUTS = {"place_conflict": place_conflict}
