"""CachedEncoder: the same vectors as the encoder it wraps, each sentence encoded once."""

from __future__ import annotations

import numpy as np
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
