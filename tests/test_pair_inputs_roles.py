"""scripts/pair_inputs_roles.py: where and who two reports agree on, from each text's own
name roles and its opening sentences' names."""

from __future__ import annotations

from conftest import featurized_pair, script_module

MODULE = script_module("pair_inputs_roles.py")

JACKSON = (
    "Chargers receiver Vincent Jackson was arrested in San Diego early Tuesday.\n"
    "Officer Mark Ortiz said Jackson was stopped near Qualcomm Stadium."
)
JACKSON_AGAIN = (
    "Vincent Jackson of the Chargers faces a drunken driving charge.\n"
    "He was stopped in San Diego, said Officer Mark Ortiz."
)
WILLIAMS = (
    "Chargers nose tackle Jamal Williams was arrested in Poway early Sunday.\n"
    "Deputy Anne Rowe said Williams was stopped at Poway Road."
)


def test_a_place_one_marks_and_the_other_names_agrees_and_none_disagrees():
    a, b = featurized_pair(JACKSON, JACKSON_AGAIN)
    assert MODULE["place_agreement"](a, b) == 1.0  # San Diego
    a, b = featurized_pair(JACKSON, WILLIAMS)
    assert MODULE["place_agreement"](a, b) == -1.0  # San Diego / Poway


def test_people_agree_when_the_officer_is_named_by_both():
    a, b = featurized_pair(JACKSON, JACKSON_AGAIN)
    assert MODULE["person_agreement"](a, b) == 1.0
    a, b = featurized_pair(JACKSON, WILLIAMS)
    assert MODULE["person_agreement"](a, b) == -1.0


def test_no_marked_name_is_no_evidence():
    a, b = featurized_pair("Chargers win again.", JACKSON)
    assert MODULE["place_agreement"](a, b) == 0.0
    assert MODULE["person_agreement"](a, b) == 0.0


def test_lead_names_told_is_the_smaller_share_of_both_directions():
    a, b = featurized_pair(JACKSON, WILLIAMS)
    told = MODULE["lead_names_told"](a, b)
    assert 0.0 < told < 0.5  # "chargers" told, Jackson and Williams not
    a, b = featurized_pair(JACKSON, JACKSON_AGAIN)
    assert MODULE["lead_names_told"](a, b) > told
    a, b = featurized_pair("no names here at all.", "nothing named either.")
    assert MODULE["lead_names_told"](a, b) == 1.0


def test_place_conflict_is_the_disagreeing_half_of_place_agreement():
    conflict = script_module("pair_inputs_place_conflict.py")["place_conflict"]
    for x, y in ((JACKSON, JACKSON_AGAIN), (JACKSON, WILLIAMS), ("Chargers win again.", JACKSON)):
        a, b = featurized_pair(x, y)
        assert conflict(a, b) == float(MODULE["place_agreement"](a, b) == -1.0)
    a, b = featurized_pair(JACKSON, WILLIAMS)
    assert conflict(a, b) == 1.0
