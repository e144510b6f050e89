"""Candidate pair-model input (``scripts/fit_pair_model.py --screen`` / ``--screen-with``):
R5s's venue agreement (``scripts/pair_inputs_venues.py``) without places of worship,
campuses and parks (R5s-wc).

    python scripts/fit_pair_model.py <the shipped options> --max-pairs 100000 \\
        --fold-seeds 10 --fold-seeds-from 30 --screen-with scripts/pair_inputs_venues_local.py

R5s lifted GVA's recall at P 0.9 on every fold split but cost ECB+ through churches,
colleges and parks: an ECB+ topic pairs two events of one kind, often at one such place
(two services at one church, two incidents on one campus), so two reports of different
events agree on it. ``local_venue_agreement`` reads the same way (+1 / -1 / 0) over
:data:`LOCAL_HEADS`: R5s's heads less :data:`RECURRING_HEADS` (list written 2026-12-06
before the runs that judge it).

Screened 2026-12-06 (docs/history/accuracy.md, compare); not shipped unless that section
says so.
"""

from __future__ import annotations

from pathlib import Path
from runpy import run_path

_HERE = Path(__file__).parent
_R5 = run_path(str(_HERE / "pair_inputs_specific_places.py"))
_R5S = run_path(str(_HERE / "pair_inputs_venues.py"))

# Places where one community's events recur: worship, campuses, parks.
RECURRING_HEADS = frozenset(
    "church temple mosque synagogue university college park".split()  # noqa: SIM905
)
LOCAL_HEADS: frozenset[str] = _R5S["VENUE_HEADS"] - RECURRING_HEADS

local_venue_agreement = _R5["place_agreement_by"](LOCAL_HEADS)

INPUTS = {"local_venue_agreement": local_venue_agreement}
