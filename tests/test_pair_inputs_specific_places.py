"""scripts/pair_inputs_specific_places.py: two reports agree on a street, a venue or a
building they both name, not on the city every report of it shares."""

from __future__ import annotations

import json

from conftest import featurized_pair, script_module

MODULE = script_module("pair_inputs_specific_places.py")

LOUNGE = (
    "Two men were shot outside the Lucky Star lounge in Chicago on Saturday.\n"
    "Police said the gunman fled along South Pulaski Road."
)
LOUNGE_AGAIN = (
    "A second victim of the shooting at Lucky Star has died, Chicago police said.\n"
    "He was taken to Stroger Hospital."
)
SCHOOL = (
    "A teenager was shot near Garfield High School in Chicago on Monday.\n"
    "He was taken to Stroger Hospital in critical condition."
)


def test_a_specific_place_is_read_without_its_kind_and_compass_words():
    a, b = featurized_pair(LOUNGE, SCHOOL)
    assert MODULE["specific_places"](a) == {"lucky", "star", "pulaski"}
    assert MODULE["specific_places"](b) == {"garfield"}  # not "high", not the city


def test_a_shared_venue_agrees_and_two_venues_of_one_city_disagree():
    a, b = featurized_pair(LOUNGE, LOUNGE_AGAIN)  # the second names the lounge without marking it
    assert MODULE["specific_place_agreement"](a, b) == 1.0
    assert MODULE["specific_place_agreement"](b, a) == 1.0
    a, b = featurized_pair(LOUNGE, SCHOOL)  # Chicago in both: the city is no evidence
    assert MODULE["specific_place_agreement"](a, b) == -1.0


def test_a_city_or_a_hospital_alone_is_no_evidence():
    a, b = featurized_pair(LOUNGE_AGAIN, SCHOOL)  # the one marks only a hospital and the city
    assert MODULE["specific_places"](a) == frozenset()
    assert MODULE["specific_place_agreement"](a, b) == 0.0
    town = "Three people were hurt in Wilkinsburg. They were taken to Stroger Hospital."
    c, d = featurized_pair(town, SCHOOL)
    assert MODULE["specific_places"](c) == frozenset()
    assert MODULE["specific_place_agreement"](c, d) == 0.0


def test_the_shared_places_are_what_makes_the_agreement_one():
    a, b = featurized_pair(LOUNGE, LOUNGE_AGAIN)
    shared = MODULE["shared_places"](a, b)
    assert {token for token, _, _ in shared} == {"lucky", "star"}
    assert all(head == "lounge" for _, _, head in shared)
    a, b = featurized_pair(LOUNGE, SCHOOL)
    assert MODULE["shared_places"](a, b) == []


APPLE = "Apple opened its App Store on Thursday in Cupertino.\nIt sells songs for 99 cents."
APPLE_AGAIN = "Apple said the App Store sold a billion songs.\nShares of Apple rose."


def test_a_company_s_store_is_a_specific_place_to_r5():
    a, b = featurized_pair(APPLE, APPLE_AGAIN)
    assert "app" in MODULE["specific_places"](a)
    assert MODULE["specific_place_agreement"](a, b) == 1.0
    narrower = MODULE["place_agreement_by"](MODULE["SPECIFIC_HEADS"] - {"store"})
    assert narrower(a, b) == 0.0


def test_the_differences_are_tallied_by_what_the_candidate_did_and_the_heads_that_agreed(
    tmp_path, capsys
):
    a, b = featurized_pair(LOUNGE, LOUNGE_AGAIN)
    row = {"set": "s", "ids": ["a", "b"], "gold": False, "candidate_links": True}
    row |= {"candidate": "r5", "value": 1.0, "p": 0.7, "threshold": 0.5, "weight": 2.5}
    other = row | {"set": "t"}  # another set's pair: not printed
    path = tmp_path / "differences.jsonl"
    path.write_text(json.dumps(row) + "\n" + json.dumps(other) + "\n", encoding="utf-8")
    MODULE["print_differences"](path, {"a": a, "b": b}, "s", MODULE["SPECIFIC_HEADS"])
    out = capsys.readouterr().out
    assert "r5 false link added: a / b value +1" in out and out.count("false link added:") == 1
    assert "false link added | +1 | lounge: 1 (2.5)" in out
