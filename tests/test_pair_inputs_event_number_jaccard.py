"""scripts/pair_inputs_event_number_jaccard.py: the shared-numbers share screened for
``compare``'s pair model leaves out the years and the days that date a text."""

from __future__ import annotations

from conftest import featurized_pair, script_module

MODULE = script_module("pair_inputs_event_number_jaccard.py")

# MEANTIME's A380 pair in short: the numbers both texts write are dates.
DELIVERED = (
    "First A380 delivered October 15, 2007. The plane was delivered to 500 guests.\n"
    "A charity flight will land in Sydney on October 25."
)
IN_SERVICE = (
    "First A380 enters service October 17, 2007. It was greeted by 400 guests.\n"
    "The charity flight to Sydney follows on October 25."
)
CUTS = "Airbus will cut 10,000 jobs, 4,300 of them in France, on March 3, 2007."
CUTS_RETOLD = "The A380 flew to the US as Airbus cuts 10,000 jobs, 4,300 in France."


def test_shared_dates_are_no_shared_event_numbers():
    jaccard = MODULE["event_number_jaccard"]
    a, b = featurized_pair(DELIVERED, IN_SERVICE)
    assert {"2007", "25"} <= a.numbers & b.numbers  # what number_jaccard shares
    assert jaccard(a, b) == 0.0
    assert jaccard(*featurized_pair(CUTS, CUTS_RETOLD)) == 2 / (2 + 2 - 2 + 1)  # 10000, 4300


def test_a_value_also_stated_outside_a_date_stays():
    numbers = frozenset({"25", "2007", "500", "7"})
    contexts = frozenset({"<october=25", "guests=500", "<july=07", "round=7"})
    assert MODULE["event_numbers"](numbers, contexts) == {"500", "7"}
