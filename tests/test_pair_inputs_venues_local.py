"""scripts/pair_inputs_venues_local.py (R5s-wc): R5s's venue agreement without places of
worship, campuses and parks, so that two reports of different events at one church or on
one campus (an ECB+ topic's two events of a kind) do not agree on it."""

from __future__ import annotations

from conftest import featurized_pair, script_module

MODULE = script_module("pair_inputs_venues_local.py")
AGREEMENT = MODULE["local_venue_agreement"]
R5S = script_module("pair_inputs_venues.py")["venue_agreement"]

CHURCH = "A fire damaged St. Mary's Church in Boston on Sunday, firefighters said."
CHURCH_AGAIN = "A man was arrested for stealing from St. Mary's Church in Boston, police said."
CAMPUS = "Two students were hurt in a crash at Boston College on Friday night."
CAMPUS_AGAIN = "Boston College named a new football coach on Tuesday."
LOUNGE = "Two men were shot outside the Lucky Star lounge in Chicago on Saturday."
LOUNGE_AGAIN = "A second victim of the shooting at Lucky Star has died, Chicago police said."
SCHOOL = "A teenager was shot near Garfield High School in Chicago on Monday."


def test_a_church_or_a_campus_is_no_evidence():
    assert R5S(*featurized_pair(CHURCH, CHURCH_AGAIN)) == 1.0  # R5s agrees on both
    assert R5S(*featurized_pair(CAMPUS, CAMPUS_AGAIN)) == 1.0
    assert AGREEMENT(*featurized_pair(CHURCH, CHURCH_AGAIN)) == 0.0
    assert AGREEMENT(*featurized_pair(CAMPUS, CAMPUS_AGAIN)) == 0.0


def test_venues_streets_and_schools_still_agree_and_disagree():
    assert AGREEMENT(*featurized_pair(LOUNGE, LOUNGE_AGAIN)) == 1.0
    assert AGREEMENT(*featurized_pair(LOUNGE, SCHOOL)) == -1.0


def test_the_heads_are_r5s_less_the_recurring_places():
    heads = MODULE["LOCAL_HEADS"]
    assert not heads & {"church", "temple", "college", "university", "park"}
    assert {"street", "lounge", "school", "airport"} <= heads
    assert "store" not in heads  # R5s's business words stay out
