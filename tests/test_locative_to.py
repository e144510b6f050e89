"""The locative "to" of :mod:`samestory.name_roles` reads the name after it as a place,
also where "to" is no place ("recommended to Ford", "according to TMZ"): shown here, not
fixed (docs/history/accuracy.md, 2026-12-07, tidy: the narrowest fix moves no dev text's
roles, the class's fix moves 172-217 texts' and needs the story-moving gate).
``benchmarks/locative_to_trace.py`` counts them over the dev sets."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from samestory import name_roles
from samestory.name_roles import name_roles as roles_of
from samestory.name_roles import sentence_roles

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

import locative_to_trace as trace  # noqa: E402

# ECB+ 31_7ecb's three sentences naming Ford (a basketball player).
FORD = (
    "Based on that information, he recommended to Ford that he leave school.",
    "Still, given the century's worth of tradition that has reigned in Chapel Hill, it was "
    "no small feat that Hansbrough accomplished Thursday night, when he broke Ford's school "
    "career scoring mark.",
    "This is not to disparage players like Michael Jordan, Antawn Jamison and Rashad "
    "McCants who might have had a shot at Ford's mark had they stayed.",
)


@pytest.mark.xfail(strict=True, reason="the locative 'to' reads a person as a place")
@pytest.mark.parametrize(
    "sentence",
    [FORD[0], "Lohan checked into rehab on Thursday, according to TMZ."],
    ids=["recommended to Ford", "according to TMZ"],
)
def test_to_before_a_person_or_a_source_marks_no_place(sentence: str) -> None:
    assert sentence_roles(sentence)[0] == frozenset()


def test_the_place_reading_that_to_gives_today() -> None:
    assert sentence_roles(FORD[0]) == (frozenset({"ford"}), frozenset())
    assert sentence_roles("The victim was taken to Stroger.")[0] == {"stroger"}


def test_ford_is_a_place_in_his_text_without_the_to_too() -> None:
    """Why a fix for "recommended to" alone changes no dev text's roles: the same text
    reads Ford as a place by "Ford's school" (a place word after it) and "a shot at Ford's
    mark" (the locative "at")."""
    rule = frozenset({"recommended"})
    assert roles_of(FORD)[0] >= {"ford"}
    assert trace.roles_under([_Text(FORD)], rule) == [roles_of(FORD)]
    assert trace.roles_under([_Text(FORD[:1])], rule) == [(frozenset(), frozenset())]


def test_the_trace_reads_the_word_before_to_and_restores_the_reading() -> None:
    assert trace.word_before_to("the rep confirmed to") == "confirmed"
    assert trace.word_before_to("the rep confirmed it") == ""
    assert name_roles._last_word is trace.name_roles._last_word
    original = name_roles._last_word
    trace.roles_under([_Text(FORD)], frozenset({"recommended"}))
    assert name_roles._last_word is original
    assert sentence_roles(FORD[0])[0] == {"ford"}


class _Text:
    def __init__(self, sentences: tuple[str, ...]) -> None:
        self.sentences = sentences
