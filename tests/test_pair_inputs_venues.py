"""scripts/pair_inputs_venues.py (R5s): R5's place agreement without a business's premises,
so that two reports about one company do not agree on its store or its plant."""

from __future__ import annotations

from conftest import featurized_pair, script_module

MODULE = script_module("pair_inputs_venues.py")
AGREEMENT = MODULE["venue_agreement"]

APPLE = "Apple opened its App Store on Thursday in Cupertino.\nIt sells songs for 99 cents."
APPLE_AGAIN = "Apple said the App Store sold a billion songs.\nShares of Apple rose."
AIRBUS = "Airbus delayed the A380 again, workers at the Airbus plant in Toulouse said."
AIRBUS_AGAIN = "Airbus will cut jobs after the A380's delays, the company said."
LOUNGE = "Two men were shot outside the Lucky Star lounge in Chicago on Saturday."
LOUNGE_AGAIN = "A second victim of the shooting at Lucky Star has died, Chicago police said."
SCHOOL = "A teenager was shot near Garfield High School in Chicago on Monday."


def test_a_company_s_store_or_plant_is_no_evidence():
    assert AGREEMENT(*featurized_pair(APPLE, APPLE_AGAIN)) == 0.0
    assert AGREEMENT(*featurized_pair(AIRBUS, AIRBUS_AGAIN)) == 0.0


def test_venues_and_streets_still_agree_and_disagree():
    assert AGREEMENT(*featurized_pair(LOUNGE, LOUNGE_AGAIN)) == 1.0
    assert AGREEMENT(*featurized_pair(LOUNGE, SCHOOL)) == -1.0


def test_the_heads_are_r5_s_less_the_business_words():
    assert "store" not in MODULE["VENUE_HEADS"] and "plant" not in MODULE["VENUE_HEADS"]
    assert {"street", "lounge", "school", "church"} <= MODULE["VENUE_HEADS"]
    assert MODULE["VENUE_HEADS"] | MODULE["BUSINESS_HEADS"] >= {"store", "street"}
