"""Names in the same slot: one kind of event told about different people."""

from __future__ import annotations

from samestory import normalize
from samestory.screens.contrast import name_slots, slot_contrast

THOMPSON = (
    "Wladimir Klitschko stopped Tony Thompson in the sixth round to retain his heavyweight "
    "title belts on Saturday.",
)
RAHMAN = (
    "Wladimir Klitschko stopped Hasim Rahman in the seventh round to retain his heavyweight "
    "titles at the arena.",
)
THOMPSON_AGAIN = (
    "Klitschko, 36, retained his titles with a second victory over the 40-year-old American.",
)


def contrast(a: tuple[str, ...], b: tuple[str, ...]) -> int:
    ents_a = frozenset(normalize.entities(" ".join(a)))
    ents_b = frozenset(normalize.entities(" ".join(b)))
    return slot_contrast(a, b, ents_a, ents_b, "en", "en")


def test_two_fights_with_different_opponents_in_one_slot_contrast():
    assert contrast(THOMPSON, RAHMAN) == 1
    assert contrast(RAHMAN, THOMPSON) == 1  # symmetric


def test_a_name_only_one_text_has_is_no_contrast():
    # The second report names no opponent: nothing stands where Thompson stands.
    assert contrast(THOMPSON, THOMPSON_AGAIN) == 0
    assert contrast(THOMPSON, THOMPSON) == 0


def test_names_in_different_slots_are_no_contrast():
    a = ("Police said John Carver was arrested on Monday.",)
    b = ("The mayor, Linda Okafor, praised the firefighters.",)
    assert contrast(a, b) == 0


def test_places_and_acronyms_have_no_slot():
    slots = name_slots(("The IBF title fight was held in Mannheim on Saturday.",), "en")
    assert all("mannheim" not in names and "ibf" not in names for names, _, _ in slots)


def test_a_slot_is_the_content_words_either_side():
    ((names, before, after),) = name_slots(THOMPSON, "en")[-1:]
    assert names == {"tony", "thompson"}
    assert "stopped" in before
    assert after == {"sixth", "round"}
