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

from samestory.venues import local_venue_agreement, venue_tokens

# The reading ships as samestory.venues (docs/history/accuracy.md, 2026-12-07 02:25,
# compare); this screen reads it.
__all__ = ["INPUTS", "local_venue_agreement", "venue_tokens"]

INPUTS = {"local_venue_agreement": local_venue_agreement}
