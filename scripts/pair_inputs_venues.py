"""Candidate pair-model input (``scripts/fit_pair_model.py --screen``): R5's specific-place
agreement read from streets, venues and buildings only, without the words of a business's
premises (R5s).

    python scripts/fit_pair_model.py <the shipped options> --max-pairs 100000 \\
        --fold-seeds 10 --fold-seeds-from 20 --screen scripts/pair_inputs_venues.py

``specific_place_agreement`` (``scripts/pair_inputs_specific_places.py``, R5) lifted GVA's
recall at P 0.9 on every fold split but cost MEANTIME its precision: its specific places
there are mostly a company's shops and plants ("App Store", "Music Store", "the Apple
store", "Airbus factory"), named in every text about that company, so two reports of
different events of one company agree on them. ``venue_agreement`` reads the same way
(+1 / -1 / 0) over :data:`VENUE_HEADS`: R5's heads less :data:`BUSINESS_HEADS`, the words
that make a run a business's premises (a store, a market, a plant, a bank), named after
the company rather than after where something happened.

Screened 2026-12-06 (docs/history/accuracy.md, compare); not shipped unless that section
says so.
"""

from __future__ import annotations

from pathlib import Path
from runpy import run_path

_R5 = run_path(str(Path(__file__).with_name("pair_inputs_specific_places.py")))

# A business's premises: named after the company ("Apple store", "Airbus plant"), which
# every report about the company names (rule written 2026-12-06 before the screen's run).
BUSINESS_HEADS = frozenset(
    "store shop supermarket market mall plant factory warehouse bank".split()  # noqa: SIM905
)
VENUE_HEADS: frozenset[str] = _R5["SPECIFIC_HEADS"] - BUSINESS_HEADS

venue_agreement = _R5["place_agreement_by"](VENUE_HEADS)

INPUTS = {"venue_agreement": venue_agreement}
