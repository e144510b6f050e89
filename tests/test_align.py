"""Sentence alignment: structural properties (hypothesis) and known cases."""

from __future__ import annotations

import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from samestory.align import (
    _monotone_backbone,
    align_sentences,
    as_float32,
    lexical_similarity,
    order_score,
    sentence_similarity,
)

_floats = st.floats(-1.0, 1.0, allow_nan=False, width=32)
matrices = st.tuples(st.integers(0, 12), st.integers(0, 12)).flatmap(
    lambda shape: arrays(np.float32, shape, elements=_floats)
)
thresholds = st.floats(0.0, 1.0, allow_nan=False)


@settings(max_examples=150, deadline=None)
@given(matrices, thresholds)
def test_alignment_is_one_to_one_and_consistent(sim: np.ndarray, tau: float) -> None:
    result = align_sentences(sim, tau)
    n_a, n_b = sim.shape
    a_idx = [i for i, _, _ in result.pairs]
    b_idx = [j for _, j, _ in result.pairs]
    assert len(set(a_idx)) == len(a_idx)
    assert len(set(b_idx)) == len(b_idx)
    assert a_idx == sorted(a_idx)
    assert all(0 <= i < n_a for i in a_idx)
    assert all(0 <= j < n_b for j in b_idx)
    assert sorted(a_idx + result.only_a) == list(range(n_a))
    assert sorted(b_idx + result.only_b) == list(range(n_b))
    assert all(score >= tau for _, _, score in result.pairs)
    assert all(score == pytest.approx(float(sim[i, j])) for i, j, score in result.pairs)
    assert 0.0 <= result.coverage_a <= 1.0
    assert 0.0 <= result.coverage_b <= 1.0
    assert 0.0 <= result.order <= 1.0


@settings(max_examples=50, deadline=None)
@given(st.integers(1, 20), st.floats(0.0, 1.0))
def test_identity_gives_full_monotone_alignment(n: int, tau: float) -> None:
    result = align_sentences(np.eye(n), tau)
    assert [(i, j) for i, j, _ in result.pairs] == [(i, i) for i in range(n)]
    assert result.coverage_a == result.coverage_b == 1.0
    assert result.order == 1.0
    assert result.only_a == result.only_b == []


@settings(max_examples=80, deadline=None)
@given(st.permutations(list(range(10))), st.floats(0.0, 0.99))
def test_permuted_identity_aligns_each_row_to_its_column(perm: list[int], tau: float) -> None:
    sim = np.eye(10)[:, perm]  # row i is 1 at column perm.index(i)
    result = align_sentences(sim, tau)
    expected = sorted((i, perm.index(i)) for i in range(10))
    assert [(i, j) for i, j, _ in result.pairs] == expected
    assert result.coverage_a == 1.0


@settings(max_examples=50, deadline=None)
@given(matrices, thresholds)
def test_lexical_blend_never_loses_coverage_when_lexical_is_sim(
    sim: np.ndarray, tau: float
) -> None:
    plain = align_sentences(sim, tau)
    blended = align_sentences(sim, tau, lexical=sim)
    assert plain == blended


def _full_table_backbone(scores: np.ndarray, tau: float) -> list[tuple[int, int]]:
    """The backbone's DP over every row and column (as before 2026-12-07 realspeed cut
    the table to the rows and columns with a close pair), cell by cell in Python floats:
    ``F[i][j] = max(F[i-1][j], F[i][j-1], F[i-1][j-1] + S[i-1][j-1] - tau)``, the match
    only where ``S >= tau``; the traceback prefers a skip of A, then of B."""
    s = scores.tolist()
    n_a, n_b = len(s), len(s[0]) if s else 0
    f = [[0.0] * (n_b + 1) for _ in range(n_a + 1)]
    for i in range(1, n_a + 1):
        for j in range(1, n_b + 1):
            best = max(f[i - 1][j], f[i][j - 1])
            if s[i - 1][j - 1] >= tau:
                best = max(best, f[i - 1][j - 1] + (s[i - 1][j - 1] - tau))
            f[i][j] = best
    pairs: list[tuple[int, int]] = []
    i, j = n_a, n_b
    while i and j:
        if f[i][j] == f[i - 1][j]:
            i -= 1
        elif f[i][j] == f[i][j - 1]:
            j -= 1
        else:
            pairs.insert(0, (i - 1, j - 1))
            i, j = i - 1, j - 1
    return pairs


# Few distinct values: ties everywhere, where the traceback's preferences decide.
_tied = st.tuples(st.integers(0, 10), st.integers(0, 10), st.integers(1, 4)).flatmap(
    lambda t: arrays(np.float64, t[:2], elements=st.integers(0, t[2]).map(lambda k: k / t[2]))
)


@settings(max_examples=300, deadline=None)
@given(st.one_of(_tied, matrices.map(lambda m: m.astype(np.float64))), thresholds)
def test_backbone_is_the_full_tables(scores: np.ndarray, tau: float) -> None:
    assert _monotone_backbone(scores, tau) == _full_table_backbone(scores, tau)


def test_backbone_prefers_confident_match_over_crossing_weak_ones() -> None:
    # Row 0 matches column 1 strongly; row 1 matches column 0 weakly (a swap).
    sim = np.array([[0.62, 0.95], [0.61, 0.1]])
    result = align_sentences(sim, 0.6)
    pairs = {(i, j) for i, j, _ in result.pairs}
    assert (0, 1) in pairs
    # The crossing pair is rescued afterwards (a moved sentence), lowering order.
    assert (1, 0) in pairs
    assert result.order == 0.0


def test_below_threshold_nothing_aligns() -> None:
    result = align_sentences(np.full((3, 4), 0.5), 0.6)
    assert result.pairs == []
    assert result.only_a == [0, 1, 2]
    assert result.only_b == [0, 1, 2, 3]
    assert result.coverage_a == 0.0


def test_empty_inputs() -> None:
    assert align_sentences(np.zeros((0, 3)), 0.5).only_b == [0, 1, 2]
    assert align_sentences(np.zeros((2, 0)), 0.5).coverage_a == 0.0
    assert align_sentences(np.zeros((0, 0)), 0.5).order == 1.0


def test_lexical_rescues_fuzzy_embedding() -> None:
    a = ["The minister resigned on Monday after the vote."]
    b = ["The minister resigned on Monday after the vote, officials said."]
    sim = np.array([[0.4]])
    assert align_sentences(sim, 0.6).pairs == []
    lex = lexical_similarity(a, b)
    result = align_sentences(sim, 0.6, lexical=lex)
    assert [(i, j) for i, j, _ in result.pairs] == [(0, 0)]
    assert result.pairs[0][2] == pytest.approx(lex[0, 0])


def test_lexical_similarity_is_jaccard() -> None:
    lex = lexical_similarity(["a b c", "x"], ["A b d", "", "x x"])
    assert lex.shape == (2, 3)
    assert lex[0, 0] == pytest.approx(2 / 4)
    assert lex[0, 1] == 0.0
    assert lex[1, 2] == 1.0
    assert lexical_similarity([], ["a"]).shape == (0, 1)


def test_sentence_similarity_is_clipped_cosine() -> None:
    a = np.array([[1.0, 0.0], [0.0, 1.0]])
    b = np.array([[1.0, 0.0], [2.0, 0.0]])
    sim = sentence_similarity(a, b)
    assert sim.shape == (2, 2)
    assert sim.max() <= 1.0
    assert sim[0, 0] == pytest.approx(1.0)
    assert sentence_similarity(np.zeros((0, 2)), b).shape == (0, 2)


@pytest.mark.parametrize(
    ("sequence", "expected"),
    [([], 1.0), ([3], 1.0), ([0, 1, 2], 1.0), ([2, 1, 0], 0.0), ([0, 2, 1], 2 / 3)],
)
def test_order_score(sequence: list[int], expected: float) -> None:
    assert order_score(sequence) == pytest.approx(expected)


@given(st.lists(st.integers(0, 200), unique=True, max_size=60))
def test_order_score_counts_the_inversions_by_definition(sequence: list[int]) -> None:
    n = len(sequence)
    inversions = sum(1 for k in range(n) for m in range(k + 1, n) if sequence[k] > sequence[m])
    expected = 1.0 if n < 2 else 1.0 - inversions / (n * (n - 1) / 2)
    assert order_score(sequence) == expected  # the same integer count: the same float


def _reference_lexical(a_sents: list[str], b_sents: list[str]) -> np.ndarray:
    """Straightforward word-set Jaccard: lowercase each ``\\w+`` token, intersect sets."""
    word = re.compile(r"\w+")
    a_sets = [{w.lower() for w in word.findall(s)} for s in a_sents]
    b_sets = [{w.lower() for w in word.findall(s)} for s in b_sents]
    out = np.zeros((len(a_sents), len(b_sents)), dtype=np.float32)
    for i, x in enumerate(a_sets):
        for j, y in enumerate(b_sets):
            union = len(x | y)
            if union:
                out[i, j] = np.float32(len(x & y)) / np.float32(union)
    return out


# Few distinct words (so sentences share some), mixed case, punctuation, digits, "_",
# and non-ASCII text whose case folding is unusual: "İ" lowers to two code points,
# the Kelvin sign "K" lowers to ASCII "k", "ß" and Greek/Cyrillic letters, and a
# combining accent (not a word character) splitting a token.
_lexical_alphabet = st.sampled_from(
    [*"abcABC019_ ,.;-'\"\n\t", "İ", "\u212a", "ß", "Σσς", "Жж", "é", "e\u0301", "\x00"]
)
_lexical_sentence = st.lists(_lexical_alphabet, max_size=30).map("".join) | st.text(max_size=40)
_lexical_lists = st.lists(_lexical_sentence, max_size=12)


@settings(max_examples=400, deadline=None)
@given(_lexical_lists, _lexical_lists)
def test_lexical_similarity_matches_reference(a: list[str], b: list[str]) -> None:
    got = lexical_similarity(a, b)
    want = _reference_lexical(a, b)
    assert got.dtype == np.float32
    assert got.shape == want.shape
    np.testing.assert_array_equal(got, want)


def test_lexical_similarity_matches_reference_on_long_articles() -> None:
    # Large enough that the intersection matmul is split into several column blocks.
    rng = np.random.default_rng(0)
    words = [f"w{k}" for k in range(3000)] + ["The", "the", "THE", "İstanbul", "straße"]

    def article(n: int) -> list[str]:
        return [" ".join(rng.choice(words, size=rng.integers(0, 40))) for _ in range(n)]

    a, b = article(40), article(37)
    np.testing.assert_array_equal(lexical_similarity(a, b), _reference_lexical(a, b))
    np.testing.assert_array_equal(lexical_similarity(a, a), _reference_lexical(a, a))


def test_float32_copies_are_cached_per_array_and_exact():
    rng = np.random.default_rng(5)
    a = rng.standard_normal((7, 16)).astype(np.float16)
    b = a.copy()  # equal values, another array: its own entry
    first = as_float32(a)
    assert first.dtype == np.float32 and np.array_equal(first, a.astype(np.float32))
    assert as_float32(a) is first
    assert as_float32(b) is not first and np.array_equal(as_float32(b), first)
    already = first.copy()
    assert as_float32(already) is already
    assert np.array_equal(as_float32([[1.0, 2.0]]), np.array([[1.0, 2.0]], dtype=np.float32))
    assert np.array_equal(sentence_similarity(a, b), np.clip(first @ first.T, -1.0, 1.0))
