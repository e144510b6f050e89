"""Cleaning's fast paths give what the plain rules give (``normalize.clean_text``).

The call-to-action test looks for each rule's text in the case-folded line before it
searches with the rule's pattern; the space folding matches only the runs that change.
Both must decide exactly as the single case-insensitive alternation and the plain
``[spaces]+`` fold they replace: properties over lines built from the rules' own words
in mixed case (with the characters ``re.IGNORECASE`` equates to ASCII letters), and
every line and sentence of the dev sets.
"""

from __future__ import annotations

import re
import sys

import pytest
from conftest import ECBPLUS_SUBSET, MEANTIME_SUBSET, SEEDS, read_jsonl, shared_data
from hypothesis import given
from hypothesis import strategies as st

from samestory import normalize

_SPACES = "[ \t\u00a0\u2000-\u200b\u3000]"
_PLAIN_WS = re.compile(_SPACES + "+")

# A line each rule's pattern matches (every rule must have one: see the test below).
_EXAMPLES = [
    "call 504-822-1111 now", "(504) 822-1111", "anyone with information",
    "anyone with any information",
    "Crime Stoppers", "crimestoppers", "submit a tip", "leave a tip", "report a typo",
    "download the WDSU app", "download our free news app", "email alerts",
    "on Facebook and Twitter", "follow us", "sign up for", "all rights reserved",
    "may not be republished", "may not be published", "© 2016", "copyright 2016",
    "stay with KDKA", "stay tuned", "check back", "developing story",
    "join the conversation", "contributed to this report", "contributed to this article",
    "keep up with", "for more news", "for more local news", "breaking news alerts",
    "scroll down", "more information as it becomes available",
    "information when it becomes available", "will be updated", "enable javascript",
    "read or share", "https://x.com", "http://x", "www.kmov.com", "tips@kmov.com",
    "select from these options",
]  # fmt: skip
_PIECES = sorted({w for line in _EXAMPLES for w in line.split()} | {"the", "-", ".", "(", ")"})


# Each letter as written, in capitals, or as a character ``re.IGNORECASE`` equates to it.
_VARIANTS = {"i": "iIİı", "s": "sSſ", "k": "kKK"}


def _mixed_case(word: str, picks: list[int]) -> str:
    picks = picks + [0] * len(word)
    out = []
    for char, pick in zip(word, picks[: len(word)], strict=True):
        variants = _VARIANTS.get(char, char + char.upper())
        out.append(variants[pick % len(variants)])
    return "".join(out)


_WORD = st.builds(_mixed_case, st.sampled_from(_PIECES), st.lists(st.integers(0, 3), max_size=12))
_GAP = st.sampled_from([" ", "", "  ", "\u00a0", ", ", "x", "ab "])
_LINE = st.lists(st.tuples(_WORD, _GAP), max_size=12).map(
    lambda parts: "".join(w + g for w, g in parts)
)
_EXAMPLE = st.builds(
    _mixed_case, st.sampled_from(_EXAMPLES), st.lists(st.integers(0, 3), max_size=40)
)


def _agrees(line: str) -> bool:
    """Both tables (rule BS's too, ``by_sentence``) decide as their alternation."""
    return normalize._is_call_to_action(line) == bool(
        normalize._CALL_TO_ACTION.search(line)
    ) and normalize._is_call_to_action(line, True) == bool(
        normalize._CALL_TO_ACTION_BS.search(line)
    )


@given(_LINE)
def test_call_to_action_check_is_the_alternation(line: str) -> None:
    assert _agrees(line)


@given(_GAP, _EXAMPLE, _GAP, _LINE)
def test_call_to_action_check_on_the_rules_examples(
    before: str, example: str, after: str, rest: str
) -> None:
    assert _agrees(before + example + after + rest)
    assert _agrees(rest + before + example)


def test_every_rule_has_an_example() -> None:
    for _, pattern in (*normalize._CALL_TO_ACTION_RULES, *normalize._CALL_TO_ACTION_RULES_BS):
        assert any(re.search(pattern, line, re.IGNORECASE) for line in _EXAMPLES), pattern


@given(st.text(alphabet=" \t\u00a0\u2002\u200b\u3000ab\n", max_size=40))
def test_space_folding_is_the_plain_fold(text: str) -> None:
    assert normalize._WS.sub(" ", text) == _PLAIN_WS.sub(" ", text)


def test_rule_texts_are_lowercase() -> None:
    for hint, _ in (*normalize._CALL_TO_ACTION_RULES, *normalize._CALL_TO_ACTION_RULES_BS):
        assert hint == hint.lower() and hint


def _lines_and_sentences(texts: list[str]) -> list[str]:
    out: list[str] = []
    for text in texts:
        for raw in text.split("\n"):
            line = _PLAIN_WS.sub(" ", raw).strip()
            out.append(line)
            out.extend(normalize.split_sentences(line))
    return out


def test_call_to_action_check_on_the_fixtures() -> None:
    texts = [r["text"] for path in (ECBPLUS_SUBSET, MEANTIME_SUBSET) for r in read_jsonl(path)]
    texts += [p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt"))]
    lines = _lines_and_sentences(texts)
    assert all(_agrees(line) for line in lines)
    assert any(normalize._CALL_TO_ACTION.search(line) for line in lines)  # not vacuous


@pytest.mark.slow  # every line of every dev set through the whole alternation (~10 s)
@pytest.mark.parametrize("name", ["ecbplus_dev.jsonl", "meantime_dev.jsonl", "gva_dev.jsonl"])
def test_call_to_action_check_on_every_dev_line(name: str) -> None:
    records = read_jsonl(shared_data(name))
    texts = [r[k] for r in records for k in ("text", "title") if r.get(k)]
    # Each distinct line once (a one-sentence line is also its own sentence, and GVA's
    # boilerplate recurs): 73,452 lines and sentences, 49,639 distinct.
    lines = dict.fromkeys(_lines_and_sentences(texts))
    disagree = [line for line in lines if not _agrees(line)]
    assert disagree == []


def test_the_fold_covers_every_character_ignorecase_equates_to_a_letter() -> None:
    """Over all of Unicode: a character that ``re.IGNORECASE`` matches to an ASCII letter
    is, after ``_ASCII_FOLD`` and ``lower()``, that letter."""
    letter = re.compile("[a-z]", re.IGNORECASE)
    fold = dict(normalize._ASCII_FOLD)
    for code in range(sys.maxunicode + 1):
        char = chr(code)
        if letter.fullmatch(char):
            folded = fold.get(char, char).lower()
            assert re.fullmatch(re.escape(folded), char, re.IGNORECASE), hex(code)
            assert len(folded) == 1 and folded.isascii(), hex(code)


def test_a_line_cleans_the_same_in_any_text_and_cache_state() -> None:
    """``clean_text`` remembers each line's cleaning: texts cleaned with the cache empty,
    and again (reversed, so each line was last cleaned inside other texts) with it full,
    are the same strings; a boilerplate line shared by the texts is a cache hit."""
    texts = [r["text"] for path in (ECBPLUS_SUBSET, MEANTIME_SUBSET) for r in read_jsonl(path)]
    texts = [f"{t}\nAnyone with information is asked to call 555-123-4567." for t in texts]
    normalize._clean_line.cache_clear()
    cold = [normalize.clean_text(t) for t in texts]
    assert normalize._clean_line.cache_info().hits >= len(texts) - 1
    warm = [normalize.clean_text(t) for t in reversed(texts)]
    assert cold == warm[::-1]
    assert all("555-123-4567" not in c for c in cold)
