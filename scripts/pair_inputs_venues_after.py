"""Candidate pair-model input (``scripts/fit_pair_model.py --screen``): the venue input of
``scripts/pair_inputs_venues_head.py`` (2026-12-06 17:10's head reading) where a venue run's
possessor ("Singapore" of "Singapore's Changi Airport", "Nick" of "Nick's Bar": the run's
words up to its last possessive word, read as ``scripts/pair_inputs_venues_possessive.py``
reads them) **never makes the +1 alone**: the other text must name a token of the run after
the possessive ("Changi"). A pair whose only shared venue tokens are possessors' is 0 (no
evidence), not +1 and not -1. Every other value is the head reading's. Judged under the
protocol of docs/history/accuracy.md, 2026-12-07 02:25, compare; not shipped unless that
section says so.

    python scripts/fit_pair_model.py <the shipped options> --max-pairs 100000 \\
        --fold-seeds 10 --fold-seeds-from 100 \\
        --screen scripts/pair_inputs_venues_after.py --offset-fit --hold-thresholds

:func:`local_venue_agreement` is

- +1 when the other text names a venue token of either text that is not only a possessor's
  (anywhere, marked or not: "the shooting at Lucky Star", "Changi");
- 0 when the texts share venue tokens, but only possessors' ("Singapore" against
  "Singapore's Changi Airport");
- -1 when both texts name a local venue and neither names a token of the other's;
- 0 otherwise (no venue evidence).
"""

from __future__ import annotations

from pathlib import Path
from runpy import run_path

from samestory.features import DocFeatures

_POSSESSIVE = run_path(str(Path(__file__).with_name("pair_inputs_venues_possessive.py")))
# One sentence's venue runs: (the run's tokens, its possessor's tokens among them).
_sentence_readings = _POSSESSIVE["sentence_readings"]


def venue_tokens(f: DocFeatures) -> tuple[frozenset[str], frozenset[str]]:
    """``(every, after)`` of ``f``'s local venues: every venue run's tokens (the head
    reading's :func:`local_venues`) and those a run gives after its possessive (a run
    without one gives all of its tokens)."""
    every: set[str] = set()
    after: set[str] = set()
    for s in f.sentences:
        for found, owned in _sentence_readings(s)[0]:
            every |= found
            after |= found - owned
    return frozenset(every), frozenset(after)


def local_venue_agreement(a: DocFeatures, b: DocFeatures) -> float:
    """+1 a venue token after any possessive shared, 0 only possessors shared, -1 none
    shared while both name a venue, 0 no evidence (see the module)."""
    every_a, after_a = venue_tokens(a)
    every_b, after_b = venue_tokens(b)
    if (after_a & b.entities) or (after_b & a.entities):
        return 1.0
    if (every_a & b.entities) or (every_b & a.entities):
        return 0.0  # shared only through a possessor: "Singapore" is no venue alone
    return -1.0 if every_a and every_b else 0.0


INPUTS = {"local_venue_agreement": local_venue_agreement}
