"""samestory.venues: the venue input compare's pair model reads is the screened reading
(scripts/pair_inputs_venues_after.py over scripts/pair_inputs_venues_head.py's lists)."""

from __future__ import annotations

from pathlib import Path
from runpy import run_path

from samestory import venues
from samestory.features import featurize
from samestory.models import Article

_SCRIPTS = Path(__file__).resolve().parents[1] / "scripts"
_HEAD = run_path(str(_SCRIPTS / "pair_inputs_venues_head.py"))
_AFTER = run_path(str(_SCRIPTS / "pair_inputs_venues_after.py"))
TEXTS = run_path(str(Path(__file__).with_name("test_pair_inputs_venues_after.py")))["TEXTS"]


def test_the_word_lists_are_the_screened_ones():
    assert _HEAD["LOCAL_HEADS"] == venues.LOCAL_HEADS
    assert _HEAD["GENERIC"] == venues.GENERIC


def test_every_value_is_the_screened_readings():
    extra = [
        "The A380 landed at Singapore's Changi Airport on Monday.",
        "Boeing flew its 777 to Singapore Airlines' offices on Monday.",
        "Passengers at Changi waited for hours on Monday.",
        "A man was shot on New Orleans' Bourbon Street. Police in New Orleans said.",
    ]
    features = featurize([Article(id=str(i), text=t) for i, t in enumerate(TEXTS + extra)])
    for f in features:
        assert venues.venue_tokens(f) == _AFTER["venue_tokens"](f)
    values = [venues.local_venue_agreement(a, b) for a in features for b in features]
    screened = [_AFTER["local_venue_agreement"](a, b) for a in features for b in features]
    assert values == screened and {-1.0, 0.0, 1.0} <= set(values)
    airbus, boeing, changi = features[len(TEXTS) : len(TEXTS) + 3]
    assert venues.local_venue_agreement(airbus, boeing) == 0.0
    assert venues.local_venue_agreement(airbus, changi) == 1.0
