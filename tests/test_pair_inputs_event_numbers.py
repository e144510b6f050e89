"""scripts/pair_inputs_event_numbers.py: the number conflict screened for ``compare``'s
pair model leaves out the numbers that date a text and reads the event's."""

from __future__ import annotations

from conftest import featurized_pair, script_module

MODULE = script_module("pair_inputs_event_numbers.py")

ROUND_SEVEN = (
    "Klitschko stopped Rahman in round 7 on May 3.\n"
    "The champion improved his record with a knockout at 11:20 GMT."
)
ROUND_SIX = (
    "Klitschko stopped Thompson in round 6 on July 7.\n"
    "The champion won again before a crowd of 30,000."
)
ROUND_SEVEN_LATER = (
    "Klitschko, who stopped Rahman in round 7, spoke on May 03.\nUpdated 13:40 GMT, Tuesday 4 May."
)


def test_another_round_conflicts_and_another_date_does_not():
    conflict = MODULE["event_number_conflict"]
    assert conflict(*featurized_pair(ROUND_SEVEN, ROUND_SIX)) > 0.0  # round 7 / round 6
    assert conflict(*featurized_pair(ROUND_SEVEN, ROUND_SEVEN_LATER)) == 0.0  # May 3 / May 03, GMT


def test_date_contexts_are_dropped_and_leading_zeros_read_as_the_number():
    values = MODULE["event_values"](frozenset({"<may=03", "round=07", "<gmt=11", "<round=7"}))
    assert values == {"round": frozenset({"7"}), "<round": frozenset({"7"})}
    assert MODULE["_plain"]("0") == "0" and MODULE["_plain"]("0.5") == "0.5"
