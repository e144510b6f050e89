"""Candidate pair-model input (``scripts/fit_pair_model.py --screen``): the recurring names
one report lacks, a name counted as recurring from **two** of a text's sentences, not three
(:data:`samestory.recurring.RECURRING_SENTENCES`), *instead of* the shipped
``recurring_names_unshared`` (``REPLACES``: each fold's model refitted with this reading in
its place).

MEANTIME's false links in sample are one company's two reports of different events (the
A380 delivered to Singapore Airlines / landing at Changi; Airbus's job cuts / the A380's
flight to the US; the iPhone 4's free cases / the executive who left over its antenna):
short Wikinews texts (6-13 sentences) whose own names ("Changi", "Papermaster", "Cisco",
"Gallois") come back in two or three sentences, where the three-sentence reading often
finds none and reads 0, "nothing one text keeps naming is missing" (docs/history/accuracy.md,
2026-12-07 05:50, compare). Every other value of the input is computed as the shipped one's:
mention-weighted share, the larger over both directions, 0 without recurring names.

    python scripts/fit_pair_model.py <the shipped options> --max-pairs 100000 \\
        --fold-seeds 10 --fold-seeds-from 110 --hold-thresholds \\
        --screen scripts/pair_inputs_recurring_two.py \\
        --screen-with scripts/pair_inputs_venues_after.py

Not read in production; screened only.
"""

from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Set as AbstractSet

from samestory import normalize
from samestory.features import DocFeatures

#: A name in at least this many of a text's sentences is one of its recurring names here.
SENTENCES = 2


@functools.lru_cache(maxsize=1 << 14)
def recurring_names_two(sentences: tuple[str, ...]) -> dict[str, int]:
    """:func:`samestory.recurring.recurring_names` from :data:`SENTENCES` sentences."""
    counts = Counter(name for s in sentences for name in set(normalize.entities_in_order(s)))
    return {n: c for n, c in counts.items() if c >= SENTENCES}


def unshared_share_two(sentences: tuple[str, ...], other_names: AbstractSet[str]) -> float:
    """:func:`samestory.recurring.unshared_share` over :func:`recurring_names_two`."""
    counts = recurring_names_two(sentences)
    total = sum(counts.values())
    missing = sum(c for n, c in counts.items() if n not in other_names)
    return missing / total if total else 0.0


def recurring_names_unshared_two(a: DocFeatures, b: DocFeatures) -> float:
    """:func:`samestory.recurring.recurring_names_unshared` with names recurring from two
    sentences."""
    return max(
        unshared_share_two(tuple(a.sentences), b.entities),
        unshared_share_two(tuple(b.sentences), a.entities),
    )


INPUTS = {"recurring_names_unshared_two": recurring_names_unshared_two}
REPLACES = {"recurring_names_unshared_two": "recurring_names_unshared"}
