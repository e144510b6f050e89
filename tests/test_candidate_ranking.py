"""coded_ranking (NumPy, article codes) against keyword_ranking (dicts, ids): the same
list and the same floats, ties and too-common words included."""

from __future__ import annotations

import random

import numpy as np
import pytest

from samestory import candidates
from samestory.candidates import MemoryKeywords, coded_ranking, keyword_ranking


def _index(rng: random.Random, articles: int, vocabulary: int) -> MemoryKeywords:
    index = MemoryKeywords()
    for k in range(articles):
        words = rng.sample(range(vocabulary), rng.randint(1, 8))
        # Weights from a few values, so that many sums tie exactly.
        index.insert(
            f"a{rng.randrange(10**6):06d}-{k}", {w: rng.choice([0.1, 0.2, 0.3, 0.7]) for w in words}
        )
    return index


@pytest.mark.parametrize("dense", [0, 10**9])  # sorted codes / every article's code
def test_coded_ranking_is_keyword_ranking(dense: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(candidates.keyword_routes, "DENSE_CODES_PER_ENTRY", dense)
    rng = random.Random(0)
    index = _index(rng, 600, 60)
    limit = candidates.MAX_KEYWORD_POSTINGS + 1
    checked = 0
    for _ in range(300):
        words = {
            w: rng.choice([0.1, 0.2, 0.3, 0.7, rng.random()]) for w in rng.sample(range(70), 6)
        }
        exclude = rng.choice([*index.names[:50], "not-indexed"])
        expected = keyword_ranking(words, lambda w: index.posting(w, limit), exclude)
        got = coded_ranking(words, index.coded_posting, index.names, index.code(exclude))
        assert got == expected
        assert [w for _, w in got] == [w for _, w in expected]  # bit for bit
        checked += bool(expected)
    assert checked > 100


@pytest.mark.parametrize("dense", [0, 10**9])
def test_too_common_words_count_nowhere(dense: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(candidates.keyword_routes, "DENSE_CODES_PER_ENTRY", dense)
    monkeypatch.setattr(candidates.keyword_routes, "MAX_KEYWORD_POSTINGS", 3)
    index = MemoryKeywords()
    for k in range(4):
        index.insert(f"c{k}", {1: 0.5, 2: 0.25})
    index.insert("d", {2: 0.25, 3: 0.5})
    words = {1: 0.5, 2: 0.25, 3: 0.5}
    expected = keyword_ranking(words, lambda w: index.posting(w, 4), "x")
    assert coded_ranking(words, index.coded_posting, index.names, -1) == expected == []
    index.insert("e", {3: 0.1, 4: 0.2})
    words = {3: 0.5, 4: 0.5}
    assert coded_ranking(words, index.coded_posting, index.names, -1) == [("e", 1.0)]


def test_coded_posting_follows_inserts() -> None:
    index = MemoryKeywords()
    index.insert("b", {7: 1.0})
    assert index.coded_posting(7).tolist() == [0]
    index.insert("a", {7: 1.0})
    assert np.array_equal(index.coded_posting(7), [0, 1])
    assert [index.names[c] for c in index.coded_posting(7)] == index.posting(7, 10)
    assert index.code("a") == 1 and index.code("z") == -1


def test_select_neighbours_compares_cosines_as_float32() -> None:
    """The floor is a float32 test, whether the cosines come as float32 arrays or as
    Python floats (0.49999999 rounds to 0.5 in float32: not under a 0.5 floor)."""
    vectors = np.eye(4, dtype=np.float32)
    as_floats = candidates.select_neighbours(
        [0, 1, 2], [0.9, 0.49999999, 0.4], vectors, 5, 0.5, 0.99
    )
    as_array = candidates.select_neighbours(
        np.array([0, 1, 2]),
        np.array([0.9, 0.49999999, 0.4], dtype=np.float32),
        vectors,
        5,
        0.5,
        0.99,
    )
    assert as_floats == as_array == [0, 1]
