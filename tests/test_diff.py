"""The diff stage on real seeds (real encoder) and synthetic edits of real sentences."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from samestory.diff import (
    ArticleDiff,
    SentencePairDiff,
    article_sentences,
    diff_articles,
    diff_pair,
    diff_sentences,
    restore_closers,
    word_diff,
)
from samestory.embed import default_encoder
from samestory.models import Article

SEEDS = Path(__file__).resolve().parent / "fixtures" / "seeds"
SEED_A = SEEDS / "001_dbb88671c08ef9cb.txt"
SEED_B = SEEDS / "002_35f761650524d5f4.txt"


def _seed(path: Path) -> Article:
    return Article(id=path.name[:3], text=path.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def encoder():
    return default_encoder()


@pytest.fixture(scope="module")
def seed_diff(encoder) -> ArticleDiff:
    return diff_articles(_seed(SEED_A), _seed(SEED_B), encoder=encoder)


def _pair_with(diff: ArticleDiff, a_fragment: str) -> SentencePairDiff:
    matches = [p for p in diff.pairs if a_fragment in p.a_text]
    assert matches, f"no aligned pair for {a_fragment!r}"
    return matches[0]


def test_spun_name_is_a_replace_and_a_changed_name(seed_diff: ArticleDiff) -> None:
    pair = _pair_with(seed_diff, "has not observed sufficient interest")
    assert "Triumph" in pair.b_text
    assert any(
        t.op == "replace" and t.a.strip() == "Trump" and t.b.strip() == "Triumph"
        for t in pair.tokens
    )
    assert ("Trump", "Triumph") in pair.changed_names


def test_rewritten_quote_is_aligned_and_reported(seed_diff: ArticleDiff) -> None:
    pair = _pair_with(seed_diff, "no sovereign nation")
    assert "It is not a self-respecting country" in pair.b_text
    assert ("no sovereign nation", "It is not a self-respecting country") in pair.changed_quotes
    assert any(
        t.a == "no sovereign nation" and t.b == "It is not a self-respecting country"
        for t in pair.tokens
    )
    assert pair.same_language


def test_seed_summary_is_consistent(seed_diff: ArticleDiff) -> None:
    s = seed_diff.summary
    assert s["aligned"] == len(seed_diff.pairs) >= 12
    assert s["identical"] + s["changed"] == s["aligned"]
    assert s["only_a"] == len(seed_diff.only_a)
    assert s["only_b"] == len(seed_diff.only_b)
    assert s["names_changed"] >= 1 and s["quotes_changed"] >= 1
    assert s["order"] > 0.8
    a_indices = [p.a_index for p in seed_diff.pairs]
    assert a_indices == sorted(a_indices)


def test_word_diff_is_lossless(seed_diff: ArticleDiff) -> None:
    for pair in seed_diff.pairs:
        assert "".join(t.a for t in pair.tokens) == pair.a_text
        assert "".join(t.b for t in pair.tokens) == pair.b_text
        for t in pair.tokens:
            assert (t.a.split() == t.b.split()) if t.op == "equal" else (t.a != t.b)
            assert not (t.op == "insert" and t.a) and not (t.op == "delete" and t.b)


def test_to_dict_is_json_serialisable(seed_diff: ArticleDiff) -> None:
    data = json.loads(json.dumps(seed_diff.to_dict()))
    assert data["a_id"] == "001" and data["b_id"] == "002"
    assert data["summary"]["aligned"] == len(data["pairs"])
    assert {"tokens", "changed_names", "same_language"} <= set(data["pairs"][0])


def _real_sentences() -> list[str]:
    return article_sentences(_seed(SEED_A))


def test_number_change_on_edited_real_sentence(encoder) -> None:
    sents = _real_sentences()
    original = next(s for s in sents if "Treasury Department" in s)
    edited = original.replace("Leavitt", "Leavitt, in 3 remarks,").replace(
        "on Wednesday", "on 22 October"
    )
    a_sents, b_sents = [original], [edited]
    diff = diff_sentences(a_sents, b_sents, encoder.encode(a_sents), encoder.encode(b_sents))
    assert diff.summary["aligned"] == 1
    pair = diff.pairs[0]
    assert ("", "3") in pair.changed_numbers
    assert ("", "22") in pair.changed_numbers
    assert ("Wednesday", "October") not in pair.changed_names  # weekday/month are not names
    assert diff.summary["numbers_changed"] == len(pair.changed_numbers)


def test_replaced_number_pairs_old_with_new() -> None:
    pair = diff_pair(
        0, 0, "Police said 12 people died in 2024.", "Police said 15 people died in 2024.", 0.95
    )
    assert pair.changed_numbers == [("12", "15")]
    same = diff_pair(0, 0, "It cost 1,000 euros.", "It cost 1.000 euros.", 0.99)
    assert same.changed_numbers == []


def test_only_a_and_only_b_on_removed_and_inserted_sentences(encoder) -> None:
    sents = _real_sentences()[:10]
    inserted = "The weather in Budapest was unusually warm for the season, forecasters said."
    a_sents = sents
    b_sents = [*sents[:3], inserted, *sents[3:6], *sents[7:]]  # insert one, drop sents[6]
    diff = diff_sentences(a_sents, b_sents, encoder.encode(a_sents), encoder.encode(b_sents))
    assert diff.only_a == [(6, sents[6])]
    assert diff.only_b == [(3, inserted)]
    assert diff.summary["identical"] == diff.summary["aligned"] == 9
    assert diff.summary["order"] == 1.0
    assert all(p.identical for p in diff.pairs)


def test_word_diff_folds_multiword_replacement() -> None:
    tokens = word_diff("they said no sovereign nation does.", "they said nobody does.")
    assert [t.op for t in tokens] == ["equal", "replace", "equal"]
    assert tokens[1].a == "no sovereign nation" and tokens[1].b == "nobody"


def test_sentence_initial_capitals_are_not_names() -> None:
    pair = diff_pair(
        0,
        0,
        "Nevertheless, the sanctions hurt.",
        "Despite this, the sanctions hurt.",
        0.9,
        known_names=set(),
    )
    assert pair.changed_names == []


def test_cross_language_pair_is_flagged(encoder) -> None:
    a_sents = ["Trump canceled the summit with Putin in Budapest on Wednesday."]
    b_sents = ["Trump hat das Gipfeltreffen mit Putin in Budapest am Mittwoch abgesagt."]
    diff = diff_sentences(
        a_sents, b_sents, encoder.encode(a_sents), encoder.encode(b_sents), min_similarity=0.5
    )
    assert diff.summary["aligned"] == 1
    assert diff.pairs[0].same_language is False
    assert diff.pairs[0].changed_names == []


def test_restore_closers_reattaches_cut_quote_marks() -> None:
    text = "He said “no deal.” Then he left."
    assert restore_closers(text, ["He said “no deal.", "Then he left."]) == [
        "He said “no deal.”",
        "Then he left.",
    ]


def test_vectors_must_match_sentences() -> None:
    with pytest.raises(ValueError):
        diff_sentences(["a"], ["b"], np.zeros((2, 4)), np.zeros((1, 4)))


def test_empty_articles(encoder) -> None:
    diff = diff_articles(Article("x", ""), Article("y", "One sentence here."), encoder=encoder)
    assert diff.pairs == [] and diff.only_b == [(0, "One sentence here.")]
    json.dumps(diff.to_dict())


def test_patience_diff_keeps_content_words_equal(seed_diff: ArticleDiff) -> None:
    pair = _pair_with(seed_diff, "Nevertheless")
    equal_text = " ".join(t.a for t in pair.tokens if t.op == "equal")
    assert "sanctions" in equal_text and "economy" in equal_text


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.sampled_from(["the", "Trump", "a", ",", ".", "12", "  ", "“x”", "é"]), max_size=20),
    st.lists(st.sampled_from(["the", "Triumph", ",", ".", "15", " ", "“y”", "é"]), max_size=20),
)
def test_word_diff_is_lossless_on_any_text(a_parts: list[str], b_parts: list[str]) -> None:
    a_text, b_text = " ".join(a_parts), " ".join(b_parts)
    tokens = word_diff(a_text, b_text)
    assert "".join(t.a for t in tokens) == a_text
    assert "".join(t.b for t in tokens) == b_text
    assert all(t.a.split() == t.b.split() for t in tokens if t.op == "equal")
