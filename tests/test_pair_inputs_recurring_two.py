"""scripts/pair_inputs_recurring_two.py: the recurring names one report lacks, a name
recurring from two sentences (the shipped reading: three)."""

from __future__ import annotations

from pathlib import Path
from runpy import run_path

from samestory import recurring
from samestory.features import DocFeatures, featurize
from samestory.models import Article

_SCRIPTS = Path(__file__).resolve().parents[1] / "scripts"
_SCREEN = run_path(str(_SCRIPTS / "pair_inputs_recurring_two.py"))
two = _SCREEN["recurring_names_unshared_two"]


def _features(*texts: str) -> list[DocFeatures]:
    return featurize([Article(id=str(i), text=t) for i, t in enumerate(texts)])


DELIVERED = (
    "The first A380 was delivered to Singapore Airlines in Toulouse. "
    "Airbus said the plane has four engines. "
    "Singapore Airlines will fly it to Sydney on October 25."
)
LANDED = (
    "The first A380 landed at Changi Airport after a flight from Toulouse. "
    "Guests at Changi Airport greeted the plane. "
    "Singapore Airlines will fly it to Sydney on October 25."
)


def test_a_name_in_two_sentences_recurs_and_the_three_sentence_reading_misses_it():
    delivered, landed = _features(DELIVERED, LANDED)
    assert recurring.recurring_names_unshared(delivered, landed) == 0.0  # no name in 3
    value = two(delivered, landed)
    # LANDED names "changi" in 2 sentences and DELIVERED never does
    assert 0.0 < value <= 1.0
    assert value == two(landed, delivered)


def test_equal_to_the_shipped_reading_when_every_recurring_name_is_in_three_sentences():
    text = "Klitschko beat Rahman. Klitschko kept his title. Klitschko won by knockout."
    other = "Klitschko beat Thompson in Hamburg."
    a, b = _features(text, other)
    assert two(a, b) == recurring.recurring_names_unshared(a, b)


def test_no_recurring_name_reads_zero_and_the_screen_replaces_the_shipped_input():
    a, b = _features("A storm hit the coast.", "Rain fell all day.")
    assert two(a, b) == 0.0
    assert _SCREEN["REPLACES"] == {"recurring_names_unshared_two": "recurring_names_unshared"}
    assert _SCREEN["INPUTS"] == {"recurring_names_unshared_two": two}
