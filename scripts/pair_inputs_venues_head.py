"""Candidate pair-model input (``scripts/fit_pair_model.py --screen``): R5s-wc's venue
agreement (``scripts/pair_inputs_venues_local.py``) with the venue head read inside the
name run or as the one lowercase word right after it, not across a comma, nor after "a" /
"an" (docs/history/accuracy.md, 2026-12-06 17:10, compare: it passes its topic-CV rule on
seeds 75-79 and fails the in-sample gate on MEANTIME; the ship code, this reading as
``samestory/venues.py`` read by ``pair_model``, waits on branch ``compare-venue``).

    python scripts/fit_pair_model.py <the shipped options> --max-pairs 100000 \
        --fold-seeds 5 --fold-seeds-from 75 --screen scripts/pair_inputs_venues_head.py \
        --offset-fit --hold-thresholds

:func:`local_venue_agreement` is

- +1 when a local venue of either text is named by the other (anywhere, marked or not);
- -1 when both texts name a local venue and neither names one of the other's;
- 0 otherwise: no venue evidence (fitted on top of the rest, ``--offset-fit``, the pair
  model then decides as without the input).

A local venue is a capitalised run (:data:`samestory.normalize.NAME_RUN`) whose last word,
or the one lowercase word right after it (:func:`_head_of`), is a street, venue or building
word (:data:`LOCAL_HEADS`), read as its tokens less the words that tell no place alone
(:data:`GENERIC`: "Avenue", "South", "High"). Not venues: the words of a business's
premises (a company's "App Store" or "Airbus plant" is named in every report about it)
and the places where one community's events recur (a church, a campus, a park: two
events of one kind at one place).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from runpy import run_path

from samestory import normalize, venues
from samestory.features import DocFeatures

_HERE = Path(__file__).parent
# R5s-wc's heads (its venue words less a business's premises and the places where one
# community's events recur) and the tokens no place is told by alone, as screened.
LOCAL_HEADS: frozenset[str] = run_path(str(_HERE / "pair_inputs_venues_local.py"))["LOCAL_HEADS"]
GENERIC: frozenset[str] = run_path(str(_HERE / "pair_inputs_specific_places.py"))["GENERIC"]
CACHE_SENTENCES = 1 << 15
# The venue head (inside the name run or the one lowercase word right after it, not across
# a comma, nor after "a" / "an"; 2026-12-06 17:10, compare): production's reading since
# 2026-12-07 (samestory.venues, its lists tested equal to LOCAL_HEADS / GENERIC here).
_head_of = venues.head_of


@functools.lru_cache(maxsize=CACHE_SENTENCES)
def sentence_venues(sentence: str) -> frozenset[str]:
    """The tokens of ``sentence``'s runs that name a local venue (see the module)."""
    found: set[str] = set()
    for match in normalize.NAME_RUN.finditer(sentence):
        run = match.group(1)
        before, after = sentence[: match.start()], sentence[match.end() :]
        if _head_of(before, run, after) is not None:
            found |= {t for t in normalize.entities(run) if t not in GENERIC}
    return frozenset(found)


def local_venues(f: DocFeatures) -> frozenset[str]:
    """The local venues a text names, as :func:`samestory.normalize.entities` tokens."""
    return frozenset().union(*(sentence_venues(s) for s in f.sentences))


def agreement_of(
    venues_of: Callable[[DocFeatures], frozenset[str]],
) -> Callable[[DocFeatures, DocFeatures], float]:
    """The venue agreement of a reading ``venues_of`` (a text's local venues): +1 a local
    venue in common, -1 none while both name one, 0 no evidence."""

    def agreement(a: DocFeatures, b: DocFeatures) -> float:
        mine_a, mine_b = venues_of(a), venues_of(b)
        if (mine_a & b.entities) or (mine_b & a.entities):
            return 1.0  # the other names it, marked or not ("the shooting at Lucky Star")
        return -1.0 if mine_a and mine_b else 0.0

    return agreement


local_venue_agreement = agreement_of(local_venues)


INPUTS = {"local_venue_agreement": local_venue_agreement}
