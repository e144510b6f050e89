"""Candidate pair-model input (``scripts/fit_pair_model.py --screen``): the venue input of
``scripts/pair_inputs_venues_head.py`` (17:10's head reading, read from it) with a
possessor before a venue ("Singapore's Changi Airport", "New Orleans' Bourbon Street",
"Singapore's airport") left out of the venue's tokens **only when the same text names the
possessor as a place elsewhere**: in a name run without a possessive that production's
name reader (``samestory.name_roles``) reads as a place ("in Singapore") or a town ("a
Singapore man"). A possessor never named so ("Nick's Bar", "St. Mary's Hospital",
"Charlie O's nightclub") is the venue's own name and stays. The possessor is the run's
words up to its last possessive word (``'s``, ``’s``, ``s'``, ``s’``); a run with none
reads as the head reading does. Judged under the protocol of docs/history/accuracy.md,
2026-12-06 23:05, venue; not shipped unless that section says so (the ship code, this
reading as ``samestory/venues.py`` read by ``pair_model``, waits on branch ``venue``).

    python scripts/fit_pair_model.py <the shipped options> --max-pairs 100000 \\
        --fold-seeds 10 --fold-seeds-from 90 \\
        --screen scripts/pair_inputs_venues_possessive.py --offset-fit --hold-thresholds

:func:`local_venue_agreement` is +1 when a local venue of either text is named by the
other (anywhere, marked or not), -1 when both texts name a local venue and neither names
one of the other's, 0 otherwise (no venue evidence).
"""

from __future__ import annotations

import functools
from pathlib import Path
from runpy import run_path

from samestory import name_roles, normalize, venues
from samestory.features import DocFeatures

_HEAD = run_path(str(Path(__file__).with_name("pair_inputs_venues_head.py")))
GENERIC: frozenset[str] = _HEAD["GENERIC"]
head_of = _HEAD["_head_of"]
CACHE_SENTENCES = 1 << 15

# One venue run: (its tokens, the possessor's tokens among them: those only the words up
# to the run's last possessive give; empty when the run has no possessive).
Run = tuple[frozenset[str], frozenset[str]]


def is_place_run(run: str, before: str, after: str) -> bool:
    """Whether production's name reader (``name_roles.sentence_readings``) reads the name
    run ``run`` (with the text ``before`` and ``after`` it in its sentence) as a place (a
    place word ends it or follows within two words, a locative before it) or as a town (a
    resident or incident word within the two words after it)."""
    following = [w.lower() for w in name_roles._WORD.findall(after[:40])[:2]]
    return name_roles._is_place(run, name_roles._last_word(before), following) or bool(
        name_roles.LOCAL_HEADS.intersection(following)
    )


_possessor = venues.possessor  # the run's words up to its last possessive word


@functools.lru_cache(maxsize=CACHE_SENTENCES)
def sentence_readings(sentence: str) -> tuple[tuple[Run, ...], frozenset[str]]:
    """``(venues, places)`` of one sentence: its venue runs (see :data:`Run`) and the name
    tokens its runs without a possessive name as a place or a town (:func:`is_place_run`)."""
    venues: list[Run] = []
    places: set[str] = set()
    for match in normalize.NAME_RUN.finditer(sentence):
        run = match.group(1)
        before, after = sentence[: match.start()], sentence[match.end() :]
        possessor = _possessor(run)
        if not possessor:
            tokens = normalize.entities(run)
            if tokens and is_place_run(run, before, after):
                places |= tokens
        if head_of(before, run, after) is None:
            continue
        found = frozenset(t for t in normalize.entities(run) if t not in GENERIC)
        rest = normalize.entities(run[len(possessor) :]) if possessor else set()
        owned = frozenset(t for t in normalize.entities(possessor) if t in found) - rest
        venues.append((found, owned))
    return tuple(venues), frozenset(places)


def named_places(f: DocFeatures) -> frozenset[str]:
    """The name tokens ``f`` names as a place or a town in a run without a possessive."""
    return frozenset().union(*(sentence_readings(s)[1] for s in f.sentences))


def local_venues(f: DocFeatures) -> frozenset[str]:
    """The local venues a text names, as :func:`samestory.normalize.entities` tokens: each
    venue run's, less its possessor's when the text names all of those as a place."""
    runs = [run for s in f.sentences for run in sentence_readings(s)[0]]
    if not runs:
        return frozenset()
    places = named_places(f) if any(owned for _, owned in runs) else frozenset()
    out: set[str] = set()
    for found, owned in runs:
        out |= found - owned if owned and owned <= places else found
    return frozenset(out)


# +1 a local venue in common, -1 none while both name one, 0 no evidence (the head
# script's agreement over this reading).
local_venue_agreement = _HEAD["agreement_of"](local_venues)


INPUTS = {"local_venue_agreement": local_venue_agreement}
