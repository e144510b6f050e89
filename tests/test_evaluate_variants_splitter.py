"""The short variants' sentence splitter (``make_short_variants``' ``splitter``,
``evaluate.variant_splitter``): pinned to the splitter before the in-line run-on rule,
the variants stay what the short rows were measured on while production's splitter
changes."""

from __future__ import annotations

import pytest

from samestory import normalize, switches
from samestory.evaluate import (
    VARIANT_SPLITTERS,
    make_short_variants,
    short_text,
    variant_splitter,
)

# A text without a title whose first sentence holds a street abbreviation before a
# lowercase word: its headline is its first sentence, which the splitter before the rule
# ends at "Ave.".
STREET = {
    "id": "a",
    "story": "s",
    "text": (
        "Two men were shot outside a club on North Third Ave. in Mount Vernon early on "
        "Sunday, police said. Both were taken to a hospital. No one has been arrested."
    ),
}


def _rule(monkeypatch, on):
    """Production's splitter with the run-on rule ``on``, clean_text's line cache cleared
    around it (its results are not keyed by the switch)."""
    normalize._clean_line.cache_clear()
    monkeypatch.setattr(switches, "SPLIT_RUNS_ON_IN_LINE", on)
    yield
    normalize._clean_line.cache_clear()


@pytest.fixture
def rule_on(monkeypatch):
    """The rule on, as it ships (set here so that the test says what it measures)."""
    yield from _rule(monkeypatch, True)


@pytest.fixture
def rule_off(monkeypatch):
    """The rule off, as production had it before its thread refit (2026-12-06 night)."""
    yield from _rule(monkeypatch, False)


@pytest.mark.parametrize("cut", ["reader", "first-sentence"])
def test_no_run_on_is_production_while_the_rule_is_off(cut, rule_off):
    assert short_text(STREET, "headline", cut) == short_text(
        STREET, "headline", cut, splitter=variant_splitter("no-run-on")
    )


@pytest.mark.parametrize("cut", ["reader", "first-sentence"])
def test_production_is_the_default_and_no_run_on_cuts_at_the_abbreviation(cut, rule_on):
    production = short_text(STREET, "headline", cut)
    assert production == short_text(
        STREET, "headline", cut, splitter=variant_splitter("production")
    )
    assert production == (
        "Two men were shot outside a club on North Third Ave. in Mount Vernon early on "
        "Sunday, police said."
    )
    pinned = short_text(STREET, "headline", cut, splitter=variant_splitter("no-run-on"))
    assert pinned == "Two men were shot outside a club on North Third Ave."


@pytest.mark.parametrize("cut", ["reader", "first-sentence"])
@pytest.mark.parametrize("form", ["lead", "headline", "summary", "mixed-lead"])
def test_make_short_variants_cuts_with_the_splitter_it_is_given(form, cut):
    calls: list[str] = []

    def splitter(text: str) -> list[str]:
        calls.append(text)
        return normalize.split_sentences(text, runs_on_in_line=False)

    records = [STREET, {**STREET, "id": "b", "title": "Two shot outside a club"}]
    variants = make_short_variants(records, form, cut, splitter=splitter)
    expected = make_short_variants(records, form, cut, splitter=variant_splitter("no-run-on"))
    assert variants == expected
    assert calls  # every form's builder reads the sentences of the splitter given


def test_an_unknown_splitter_is_refused():
    assert VARIANT_SPLITTERS == ("production", "no-run-on")
    with pytest.raises(ValueError, match="no-run-on"):
        variant_splitter("punkt")
