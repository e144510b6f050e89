"""Candidate pair-model input (``scripts/fit_pair_model.py --screen``): the share of
numbers two texts have in common, without the numbers that date them.

``number_jaccard`` (the event cue) counts every number the two texts share. MEANTIME's
two binding false links take it for evidence (docs/history/accuracy.md 2026-12-05 10:01): the
A380 pair shares only dates ("2007" of both datelines, "October 25", "October 28"), and
every dated text writes its year, so the cue reads "written the same year" or "naming the
same day" as "the same event". Here a four-digit year (1900-2099) is no event number,
nor is a value the text writes only after a month, a weekday or a clock word
(:data:`pair_inputs_event_numbers.DATE_WORDS`, as ``event_number_conflict`` reads them).

Not read in production; screened only.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path
from runpy import run_path

from samestory.features import DocFeatures
from samestory.relate import NUMBER_PSEUDO_COUNT

DATE_WORDS: frozenset[str] = run_path(
    str(Path(__file__).with_name("pair_inputs_event_numbers.py"))
)["DATE_WORDS"]
_YEAR = re.compile(r"(?:19|20)\d\d")


@functools.lru_cache(maxsize=1 << 14)
def event_numbers(numbers: frozenset[str], contexts: frozenset[str]) -> frozenset[str]:
    """``numbers`` less years and less the values stated only in date contexts."""
    dating: set[str] = set()
    other: set[str] = set()
    for item in contexts:
        key, _, value = item.rpartition("=")
        (dating if key.lstrip("<") in DATE_WORDS else other).add(value.lstrip("0") or value)
    only_dating = dating - other
    return frozenset(
        n for n in numbers if not _YEAR.fullmatch(n) and (n.lstrip("0") or n) not in only_dating
    )


def event_number_jaccard(a: DocFeatures, b: DocFeatures) -> float:
    """``number_jaccard``'s ratio over the two texts' :func:`event_numbers`."""
    x = event_numbers(a.numbers, a.number_contexts)
    y = event_numbers(b.numbers, b.number_contexts)
    shared = len(x & y)
    return shared / (len(x) + len(y) - shared + NUMBER_PSEUDO_COUNT)


INPUTS = {
    "event_number_jaccard": event_number_jaccard,  # V: instead of number_jaccard
    "+event_number_jaccard": event_number_jaccard,  # reported: beside it
}
REPLACES = {"event_number_jaccard": "number_jaccard"}
