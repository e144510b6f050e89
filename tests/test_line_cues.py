"""Line-local cues (features.line_cues / text_cues / shingle_sketch): a text's tokens,
numbers, number contexts, latest year and MinHash read line by line, each line once,
equal the whole-text functions' (features are the same with or without the line caches)."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_featurise import assert_same_features

from samestory import conflicts, normalize
from samestory.config import DEFAULT_CONFIG
from samestory.features import (
    chunk_entities,
    entities_of,
    line_cues,
    minhash_of,
    shingle_sketch,
    text_cues,
)

# Pieces that exercise what the whole-text patterns read across a line: grouped numbers
# ("1,000", "1 000"), decimals, years beside separators, number words, other line breaks.
PIECES = [
    "1",
    "000",
    "2008",
    "1999",
    "36",
    "6.1",
    "seventh",
    "three",
    "year",
    "Route",
    "old",
    "the",
    "Él",
    "Київ",
    " ",
    "  ",
    "\n",
    "\n\n",
    "\r\n",
    "\r",
    "\u2028",
    "\x0b",
    ".",
    ",",
    ":",
    "/",
    "-",
    "\u00a0",
]
texts = st.lists(st.sampled_from(PIECES), max_size=40).map("".join)


def assert_cues_of(title: str, text: str) -> None:
    full = f"{title}\n{text}"
    cues = text_cues(title, text)
    assert cues.title_tokens == normalize.words(title)
    assert cues.tokens == normalize.words(text)
    assert cues.numbers == normalize.numbers(full)
    assert cues.number_contexts == conflicts.number_contexts(full)
    assert cues.latest_year == conflicts.latest_year(full)


@settings(max_examples=300, deadline=None)
@given(texts, texts)
def test_text_cues_are_the_whole_texts(title: str, text: str) -> None:
    assert_cues_of(title, text)


def test_text_cues_of_dev_texts_and_from_the_cache(ecb_records: list[dict]) -> None:
    line_cues.cache_clear()
    for _ in range(2):  # computed, then read from the cache
        for r in ecb_records:
            title = normalize.headline(r.get("title") or "")
            assert_cues_of(title, normalize.clean_text(r["text"]))
    assert line_cues.cache_info().hits > line_cues.cache_info().misses


def test_in_order_forms_are_the_sets_in_first_written_order() -> None:
    text = "In 2008, 36 people and 1,000 cars; in 1999 36 more.\nThe seventh round, year 36"
    assert normalize.numbers_in_order(text) == ["2008", "36", "1000", "1999"]
    assert set(normalize.numbers_in_order(text)) == normalize.numbers(text)
    ordered = conflicts.number_contexts_in_order(text)
    assert len(ordered) == len(set(ordered))
    assert frozenset(ordered) == conflicts.number_contexts(text)
    assert ordered[0] == "people=36"


WORDS = st.lists(st.sampled_from(["a", "b", "c", "Road", "1", "\n", " ", "\n\n"]), max_size=60)


def assert_sketch_of(text: str, size: int) -> None:
    config = DEFAULT_CONFIG.replace(shingle_size=size)
    tokens = normalize.words(text)
    shingle_set = normalize.shingles(tokens, size)
    minhash, n = shingle_sketch(text, tokens, config)
    assert minhash == minhash_of(shingle_set, config.num_perm, config.seed)
    assert n == len(shingle_set)


@settings(max_examples=300, deadline=None)
@given(WORDS.map(" ".join), st.integers(1, 6))
def test_the_shingle_sketch_from_lines_is_the_whole_texts(text: str, size: int) -> None:
    assert_sketch_of(text, size)


def test_the_shingle_sketch_of_dev_texts(ecb_records: list[dict]) -> None:
    for r in ecb_records:
        text = normalize.clean_text(r["text"])
        assert_sketch_of(text, DEFAULT_CONFIG.shingle_size)
        assert_sketch_of(text + "\n" + text[: len(text) // 2], 3)  # repeated lines


NAME_PIECES = [
    "Vladimir",
    "Putin",
    "de",
    "Vries",
    "van",
    "A",
    "Київ",
    "the",
    "'s",
    "’",
    "-",
    ":",
    ".",
    " ",
    "  ",
    "\n",
    "\n \n",
    "\u2028",
    "\t",
    "Él",
    "said",
]


def texts_of(pieces: list[str]) -> st.SearchStrategy[str]:
    """Texts of up to 40 of ``pieces``, joined."""
    return st.lists(st.sampled_from(pieces), max_size=40).map("".join)


@settings(max_examples=400, deadline=None)
@given(texts_of(NAME_PIECES))
def test_names_from_chunks_are_the_whole_texts(text: str) -> None:
    assert "\n".join(normalize.name_chunks(text)) == text
    assert entities_of(text) == normalize.entities(text)
    assert normalize.entities_in_order(text) == list(
        dict.fromkeys(normalize.entities_in_order(text))
    )


def test_names_from_chunks_of_dev_texts(ecb_records: list[dict]) -> None:
    chunk_entities.cache_clear()
    for r in ecb_records:
        full = f"{normalize.headline(r.get('title') or '')}\n{normalize.clean_text(r['text'])}"
        assert entities_of(full) == normalize.entities(full)
    # A label's colon ends a one-word name only: "Vladimir\nUpdated:" is one run.
    text = "Vladimir\nUpdated: Putin said.\nPosted: today"
    assert normalize.name_chunks(text) == ["Vladimir\nUpdated: Putin said.", "Posted: today"]
    assert entities_of(text) == normalize.entities(text) == {"vladimir", "updated", "putin"}


def test_text_features_are_the_same_read_whole_or_line_by_line(
    ecb_records: list[dict], monkeypatch: pytest.MonkeyPatch
) -> None:
    from samestory import features
    from samestory.evaluate import record_to_article

    articles = [record_to_article(r) for r in ecb_records[:40]]
    articles += [dataclasses.replace(a, id=f"{a.id}~", date=None) for a in articles[:10]]
    monkeypatch.setattr(features, "repeats_lines", lambda text: False)
    whole = [features.text_features(a) for a in articles]
    monkeypatch.setattr(features, "repeats_lines", lambda text: True)
    for _ in range(2):  # the line caches empty, then full
        for a, f in zip(articles, whole, strict=True):
            assert_same_features(features.text_features(a), f)


def test_a_text_is_read_line_by_line_when_most_of_its_lines_were_seen() -> None:
    from samestory import features

    features._lines_seen.clear()
    assert not features.repeats_lines("one\ntwo\nthree")
    assert features.repeats_lines("one\ntwo\nfour\nfive")  # 2 of 4 seen
    assert not features.repeats_lines("six\nseven\neight")


# Whitespace and line breaks of every kind.
SPACES = [" ", "  ", "\t", "\n", "\n\n", "\n \n", "\u2028"]
# Pieces that exercise sentence splitting across lines: abbreviations (which keep a
# sentence open), initials, sentence ends with closers, CJK ends, blank lines.
SENTENCE_PIECES = [
    "Mr.",
    "Dr",
    ".",
    "U.S.",
    "e.g.",
    "A.",
    "No.",
    "Smith",
    "said",
    "it",
    "!",
    "?",
    "…",
    "”",
    ")",
    "。",
    "東京",
    "x",
    *SPACES,
]


@settings(max_examples=500, deadline=None)
@given(texts_of(SENTENCE_PIECES))
def test_sentences_from_chunks_are_the_whole_texts(text: str) -> None:
    from samestory import features

    chunks = normalize.sentence_chunks(text)
    assert "\n".join(chunks) == text
    assert [s for c in chunks for s in normalize.split_sentences(c)] == (
        normalize.split_sentences(text)
    )
    assert features.sentences_of(text) == normalize.split_sentences(text)


def test_sentences_from_chunks_of_dev_texts(ecb_records: list[dict]) -> None:
    from samestory import features

    features.chunk_sentences.cache_clear()
    features._sentence_lines_seen.clear()
    for _ in range(3):  # split whole (lines new), then by chunks (computed, then cached)
        for r in ecb_records:
            text = normalize.clean_text(r["text"])
            assert features.sentences_of(text) == normalize.split_sentences(text)
    # An abbreviation at a line's end keeps the sentence open over the break, and over
    # a blank line after it.
    text = "Talks with Mr.\n\nSmith ended.\nThen A.\nB. Jones left."
    assert normalize.sentence_chunks(text) == [
        "Talks with Mr.\n\nSmith ended.",
        "Then A.\nB. Jones left.",
    ]
    assert features.sentences_of(text) == ["Talks with Mr. Smith ended.", "Then A. B. Jones left."]
