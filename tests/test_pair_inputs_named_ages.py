"""scripts/pair_inputs_named_ages.py: ages read with whose age they are; two texts
disagree when one name is given two different ages."""

from __future__ import annotations

from conftest import featurized_pair, script_module

MODULE = script_module("pair_inputs_named_ages.py")

RAHMAN = (
    "The 32-year-old Klitschko stopped Hasim Rahman in the seventh round.\n"
    "Rahman (36) was never in the fight."
)
THOMPSON = (
    "The 36-year-old champion Klitschko stopped Tony Thompson in the sixth round.\n"
    "Thompson, 40, never recovered."
)
RAHMAN_AGAIN = "Wladimir Klitschko, 32, beat Rahman on Saturday."


def test_ages_are_bound_to_the_name_they_are_written_with():
    ages = MODULE["named_ages"]
    assert ages(("The 36-year-old champion Klitschko won.", "Thompson, 40, lost.")) == {
        "klitschko": frozenset({36}),
        "thompson": frozenset({40}),
    }


def test_one_name_of_two_ages_conflicts_where_the_age_sets_share_one():
    a, b = featurized_pair(RAHMAN, THOMPSON)
    assert MODULE["named_age_conflict"](a, b) == 1.0  # Klitschko 32 / 36
    assert MODULE["named_age_agreement"](a, b) == -1.0
    a, b = featurized_pair(RAHMAN, RAHMAN_AGAIN)
    assert MODULE["named_age_conflict"](a, b) == 0.0
    assert MODULE["named_age_agreement"](a, b) == 1.0
