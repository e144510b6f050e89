"""scripts/pair_inputs_crosslingual.py: the cross-language cues screened for ``compare``'s
pair model are read only across two languages, from production's lead measure."""

from __future__ import annotations

import pytest
from conftest import script_module

from samestory import relate
from samestory.features import featurize
from samestory.models import Article

MODULE = script_module("pair_inputs_crosslingual.py")
INPUTS = MODULE["INPUTS"]

DELIVERED = (
    "First Airbus A380 delivered to Singapore Airlines.\n"
    "The first A380 superjumbo was handed over in Toulouse on Monday."
)
DELIVERED_IT = (
    "Primo Airbus A380 consegnato a Singapore Airlines.\n"
    "Il primo superjumbo A380 è stato consegnato lunedì a Tolosa."
)
FIRST_FLIGHT = (
    "First A380 enters commercial service with Singapore Airlines.\n"
    "The first paying passengers flew from Singapore to Sydney on Thursday."
)


def _pair(a: str, b: str, lang_a: str = "en", lang_b: str = "en"):
    return featurize([Article(id="a", text=a, lang=lang_a), Article(id="b", text=b, lang=lang_b)])


def test_one_language_reads_zero():
    fa, fb = _pair(DELIVERED, FIRST_FLIGHT)
    for name in ("xl_lead", "xl_lead_gap", "xl_lead_gap_names"):
        assert INPUTS[name](fa, fb) == 0.0


def test_two_languages_read_the_lead_cosine_production_measures():
    fa, fb = _pair(DELIVERED, DELIVERED_IT, "en", "it")
    lead = relate.measure_pair(fa, fb).cues.lead_sentences
    assert MODULE["lead_cosine"](fa, fb) == pytest.approx(lead, abs=1e-3)
    assert INPUTS["xl_lead"](fa, fb) == pytest.approx(lead, abs=1e-3)
    assert INPUTS["xl_lead_gap"](fa, fb) == pytest.approx(1.0 - lead, abs=1e-3)
    names = MODULE["names_agree"](fa, fb)
    assert 0.0 < names <= 1.0  # Airbus, A380, Singapore Airlines in both
    assert INPUTS["xl_lead_gap_names"](fa, fb) == pytest.approx((1.0 - lead) * names, abs=1e-3)


def test_one_dated_says_whether_exactly_one_text_writes_a_dated_line():
    dated = "Published on Jul 7 2012.\n" + FIRST_FLIGHT
    fa, fb = _pair(dated, DELIVERED)
    assert INPUTS["one_dated (artifact, reported only)"](fa, fb) == 1.0
    fa, fb = _pair(dated, "Published on Jul 9 2012.\n" + DELIVERED)
    assert INPUTS["one_dated (artifact, reported only)"](fa, fb) == 0.0
