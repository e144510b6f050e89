"""scripts/pair_inputs_venues_after.py: the venue input's head reading
(scripts/pair_inputs_venues_head.py's) where a possessor never makes the +1 alone."""

from __future__ import annotations

from pathlib import Path
from runpy import run_path

from samestory.features import DocFeatures, featurize
from samestory.models import Article

_SCRIPTS = Path(__file__).resolve().parents[1] / "scripts"
_HEAD = run_path(str(_SCRIPTS / "pair_inputs_venues_head.py"))
_SCREEN = run_path(str(_SCRIPTS / "pair_inputs_venues_after.py"))
venue_tokens = _SCREEN["venue_tokens"]
local_venue_agreement = _SCREEN["local_venue_agreement"]


def _features(*texts: str) -> list[DocFeatures]:
    return featurize([Article(id=str(i), text=t) for i, t in enumerate(texts)])


TEXTS = run_path(str(Path(__file__).with_name("test_pair_inputs_venues_possessive.py")))["TEXTS"]


def test_every_venue_token_is_the_head_readings_and_only_possessor_pairs_move():
    """The venue tokens are the head reading's; a pair's value differs from the head
    reading's only where it was +1 through possessors' tokens alone, and is then 0."""
    features = _features(*TEXTS)
    for f in features:
        every, after = venue_tokens(f)
        assert every == _HEAD["local_venues"](f) and after <= every
    moved = 0
    for a in features:
        for b in features:
            value, head = local_venue_agreement(a, b), _HEAD["local_venue_agreement"](a, b)
            if value != head:
                assert (head, value) == (1.0, 0.0)
                moved += 1
    assert _SCREEN["INPUTS"] == {"local_venue_agreement": local_venue_agreement}
    assert {"singapore", "changi"} <= venue_tokens(features[10])[0]
    assert "singapore" not in venue_tokens(features[10])[1]


def test_a_possessor_alone_is_no_evidence():
    """MEANTIME's Airbus / Boeing pair of the 17:10 gate: Changi against a text naming
    Singapore only is 0 (the head reading's +1 through Singapore), Changi named is +1."""
    airbus, boeing, changi = _features(
        "The A380 landed at Singapore's Changi Airport on Monday.",
        "Boeing flew its 777 to Singapore Airlines' offices on Monday.",
        "Passengers at Changi waited for hours on Monday.",
    )
    assert _HEAD["local_venue_agreement"](airbus, boeing) == 1.0
    assert local_venue_agreement(airbus, boeing) == 0.0
    assert local_venue_agreement(boeing, airbus) == 0.0
    assert local_venue_agreement(airbus, changi) == 1.0


def test_without_a_possessive_the_values_are_the_head_readings():
    lucky, fled, moon, none = _features(*TEXTS[:4])
    assert local_venue_agreement(lucky, fled) == 1.0
    assert local_venue_agreement(lucky, moon) == -1.0
    assert local_venue_agreement(lucky, none) == 0.0
    # a possessor shared while both name other venues: 0, not -1
    nick, nick2 = _features(
        "Two were shot at Nick's Bar on Saturday.",
        "Nick said he shut the Blue Moon lounge on Sunday.",
    )
    assert local_venue_agreement(nick, nick2) == 0.0
