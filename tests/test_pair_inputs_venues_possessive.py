"""scripts/pair_inputs_venues_possessive.py: the venue input's head reading
(scripts/pair_inputs_venues_head.py's) with the possessive rule: a possessor before a
venue is left out only when the same text names it as a place."""

from __future__ import annotations

from pathlib import Path
from runpy import run_path

from samestory.features import DocFeatures, featurize
from samestory.models import Article

_SCRIPTS = Path(__file__).resolve().parents[1] / "scripts"
_HEAD = run_path(str(_SCRIPTS / "pair_inputs_venues_head.py"))
_SCREEN = run_path(str(_SCRIPTS / "pair_inputs_venues_possessive.py"))
local_venues = _SCREEN["local_venues"]
local_venue_agreement = _SCREEN["local_venue_agreement"]


def _features(*texts: str) -> list[DocFeatures]:
    return featurize([Article(id=str(i), text=t) for i, t in enumerate(texts)])


def _venues(text: str) -> frozenset[str]:
    (f,) = _features(text)
    return local_venues(f)


TEXTS = [
    "Two men were shot outside the Lucky Star lounge on Penn Avenue on Sunday.",
    "Police said the gunman fled after the shooting at Lucky Star early Sunday.",
    "A woman was wounded at the Blue Moon lounge on Saturday night, police said.",
    "The suspect was arrested on Monday and charged with murder.",
    "A fire broke out at St. Mark's Church on Friday evening.",
    "Worshippers at St. Mark's Church gathered again on Sunday.",
    "Crowds queued at the Apple Store on Fifth Avenue for the phone.",
    "Jackson had a previous DUI arrest, Highway Patrol Officer Brad Bae said on Friday.",
    "A grandmother crossing a Queens street to attend a service was killed on Friday.",
    "Two were shot at Nick's Bar on Main Street, where Phil Ford's school mark stood.",
    "The jet landed at Singapore's Changi Airport on Monday, Charlie O’s nightclub said.",
    "The A380 flew from Singapore's airport; the Carmine's restaurant staff watched.",
]


def test_without_a_possessor_named_as_a_place_the_reading_is_the_head_scripts():
    """Where no text names a possessor as a place elsewhere, every venue and every pair's
    value is the head reading's (scripts/pair_inputs_venues_head.py), possessive runs
    included ("Singapore's Changi Airport" keeps Singapore, as at 17:10)."""
    features = _features(*TEXTS)
    for f in features:
        assert local_venues(f) == _HEAD["local_venues"](f)
    values = [local_venue_agreement(a, b) for a in features for b in features]
    screened = [_HEAD["local_venue_agreement"](a, b) for a in features for b in features]
    assert values == screened and {-1.0, 0.0, 1.0} <= set(values)
    assert {"singapore", "changi"} <= local_venues(features[10])
    assert _SCREEN["INPUTS"] == {"local_venue_agreement": local_venue_agreement}


def test_a_possessor_the_text_names_as_a_place_is_the_area_not_the_venue():
    text = "It landed at Singapore's Changi Airport. Crowds in Singapore cheered."
    assert _venues(text) == {"changi"}
    text = "A man was shot on New Orleans' Bourbon Street. Police in New Orleans said."
    assert _venues(text) == {"bourbon"}
    # a town as local news names one ("Singapore man") is a place too
    assert _venues("It flew from Singapore's airport. A Singapore man said so.") == frozenset()


def test_a_possessor_only_ever_a_possessor_stays():
    assert _venues("Two were shot at Nick's Bar. Nick said the bar was closed.") == {"nick"}
    assert _venues("A fire at Charlie O’s nightclub. Charlie O’s was closed.") == {"charlie", "o"}
    # the venue's own run names the possessor as a place ("Airport" ends it): not elsewhere
    assert "singapore" in _venues("It landed at Singapore's Changi Airport on Monday.")


def test_the_possessive_rule_moves_a_pair_only_through_the_possessor():
    """Changi against a text naming Singapore only (MEANTIME's Airbus / Boeing pair of the
    17:10 gate): +1 through Singapore unless the first text names Singapore as a place."""
    airbus, boeing = _features(
        "The A380 landed at Singapore's Changi Airport on Monday.",
        "Boeing flew its 777 to Singapore Airlines' offices on Monday.",
    )
    assert local_venue_agreement(airbus, boeing) == 1.0
    airbus_in, boeing2 = _features(
        "The A380 landed at Singapore's Changi Airport. Fans in Singapore cheered.",
        "Boeing flew its 777 to Singapore Airlines' offices on Monday.",
    )
    assert local_venue_agreement(airbus_in, boeing2) == 0.0
