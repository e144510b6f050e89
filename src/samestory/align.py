"""Sentence alignment between two versions of a story.

Given the ``|A| x |B|`` similarity matrix ``S`` of two articles' sentences, find which
sentence of A became which sentence of B. Rewrites mostly keep the order of the source
(a rewrite is a walk down the original), occasionally move a paragraph, drop or add a
sentence, and merge or split sentences. The alignment is therefore built in two steps:

1. **Monotone backbone** (Needleman-Wunsch with free gaps, i.e. a maximum-weight
   non-crossing matching). With gain ``g(i, j) = S[i, j] - tau`` for ``S[i, j] >= tau``
   (``-inf`` otherwise) the dynamic programme

       F[i, j] = max(F[i-1, j], F[i, j-1], F[i-1, j-1] + g(i-1, j-1)),   F[0, .] = F[., 0] = 0

   runs in ``O(|A||B|)`` time and gives the set of pairs ``(i_1 < i_2 < ...)``,
   ``(j_1 < j_2 < ...)`` maximising ``sum g``. Scoring the *margin above the threshold*
   (not raw similarity) means one confident match beats two barely-passing ones that
   would cross it, and a skip costs nothing (sentences may be added or dropped freely).

2. **Limited crossing** (moved sentences). Among sentences the backbone left unaligned,
   pairs with ``S >= tau`` that are *mutual best matches* (each is the other's highest
   remaining score) are added greedily in decreasing order of ``S``. A pair is only
   accepted when both sentences are still free, so the result stays one-to-one.

The alignment is one-to-one: when a rewrite merges two sentences into one (or splits
one into two), only the better-matching half is aligned and the other is reported as
unaligned. That keeps the downstream word diff and the coverage measures simple and
symmetric; coverage then slightly under-counts merged/split text.

``lexical`` (a word-Jaccard matrix from :func:`lexical_similarity`) can be blended in as
``max(S, lexical)``: for same-language copies a high word overlap is direct evidence of
copying even where the sentence encoder is fuzzy (long sentences, names, numbers).
The scores reported in :class:`Alignment` are the blended ones.
"""

from __future__ import annotations

import bisect
import functools
import re
import string
from dataclasses import dataclass

import numpy as np

from samestory.lru import LRUCache
from samestory.parallel import ForkSafeLock

_WORD = re.compile(r"\w+", re.UNICODE)


@dataclass(frozen=True)
class Alignment:
    """A one-to-one sentence alignment of A to B.

    ``pairs`` are ``(i in A, j in B, similarity)`` sorted by ``i``; ``only_a``/``only_b``
    the unaligned sentence indices (sorted). ``coverage_a = len(pairs) / |A|`` (0 when A
    is empty), likewise ``coverage_b``. ``order`` is ``1 - inversions / C(n, 2)`` over the
    ``n`` aligned pairs, i.e. ``(tau_Kendall + 1) / 2`` of the B-indices read in A order:
    1 when the order is kept, 0 when exactly reversed, 1 when ``n < 2``.
    """

    pairs: list[tuple[int, int, float]]
    only_a: list[int]
    only_b: list[int]
    coverage_a: float
    coverage_b: float
    order: float


def sentence_similarity(a_vecs: np.ndarray, b_vecs: np.ndarray) -> np.ndarray:
    """Cosine matrix ``A @ B.T`` of L2-normalised rows, clipped to ``[-1, 1]``."""
    if len(a_vecs) == 0 or len(b_vecs) == 0:
        return np.zeros((len(a_vecs), len(b_vecs)), dtype=np.float32)
    return np.clip(as_float32(a_vecs) @ as_float32(b_vecs).T, -1.0, 1.0)


# float32 copies of recently used float16 sentence matrices: see as_float32.
_FLOAT32_CACHE: LRUCache[int, tuple[np.ndarray, np.ndarray]] = LRUCache(1024)
_FLOAT32_LOCK = ForkSafeLock()  # worker processes use it too


def as_float32(x: np.ndarray) -> np.ndarray:
    """``x`` as float32, the conversions of the last 1,024 other arrays cached.

    Sentence vectors are kept as float16 (half the memory) and every pair an article is
    scored in multiplies them as float32: converting them anew each time was a sixth of
    scoring a pair (~20 us of ~230 us). Entries are keyed by the array's identity and
    hold the array itself, so a key cannot be reused while cached. Sentence vectors are
    never changed in place; an array that is would need a fresh copy.
    """
    if not isinstance(x, np.ndarray) or x.dtype == np.float32:
        return np.asarray(x, dtype=np.float32)
    key = id(x)
    with _FLOAT32_LOCK:
        hit = _FLOAT32_CACHE.get(key)
        if hit is not None and hit[0] is x:
            return hit[1]
    converted = np.asarray(x, dtype=np.float32)
    with _FLOAT32_LOCK:
        _FLOAT32_CACHE.put(key, (x, converted))
    return converted


def lexical_similarity(a_sents: list[str], b_sents: list[str]) -> np.ndarray:
    """Word-set Jaccard ``|W_a ∩ W_b| / |W_a ∪ W_b|`` for every sentence pair.

    Lowercased ``\\w+`` tokens. Each side's words are read once a text
    (:func:`sentence_vocabulary`: its sorted vocabulary and each sentence's word set as
    column numbers in it); a pair then intersects the two vocabularies and counts the
    shared words of every sentence pair with one dense binary incidence matrix over
    them (``inter = X_a X_b^T``; ``union = |W_a| + |W_b| - inter``, the sizes read per
    text). Only a word both texts hold can be in an intersection, so the counts are
    those over the pair's whole vocabulary (integers, exact in float32), a few dozen
    columns instead of a few hundred. Empty sentences score 0. Returns float32
    ``|A| x |B|``.
    """
    if not a_sents or not b_sents:
        return np.zeros((len(a_sents), len(b_sents)), dtype=np.float32)
    vocab_a, rows_a, cols_a, size_a = sentence_vocabulary(tuple(a_sents))
    vocab_b, rows_b, cols_b, size_b = sentence_vocabulary(tuple(b_sents))
    n_a, n_b = len(a_sents), len(b_sents)
    # The shared words, numbered in A's vocabulary order: B's column of each of A's words.
    at = np.searchsorted(vocab_b, vocab_a)
    np.minimum(at, max(len(vocab_b) - 1, 0), out=at)
    hit = vocab_b[at] == vocab_a if len(vocab_b) else np.zeros(len(vocab_a), dtype=bool)
    n_shared = int(np.count_nonzero(hit))
    if n_shared == 0:
        inter = np.zeros((n_a, n_b), dtype=np.float32)
    else:
        shared_of_a = np.cumsum(hit) - 1  # A's word k is shared word shared_of_a[k] if hit
        shared_of_b = np.full(len(vocab_b), -1, dtype=np.int64)
        shared_of_b[at[hit]] = shared_of_a[hit]
        x_a = _shared_incidence(rows_a, shared_of_a[cols_a], hit[cols_a], n_a, n_shared)
        kept_b = shared_of_b[cols_b]
        x_b = _shared_incidence(rows_b, kept_b, kept_b >= 0, n_b, n_shared)
        inter = _serial_matmul_t(x_a, x_b)
    union = size_a[:, None] + size_b[None, :] - inter
    # union == 0 only when both sentences are empty, and then inter == 0: 0 / 1 = 0.
    return np.divide(inter, np.maximum(union, 1.0), dtype=np.float32)


def _shared_incidence(
    rows: np.ndarray, columns: np.ndarray, keep: np.ndarray, n_rows: int, n_columns: int
) -> np.ndarray:
    """The 0/1 float32 matrix of the (sentence, shared word) cells ``keep`` marks."""
    incidence = np.zeros((n_rows, n_columns), dtype=np.float32)
    incidence[rows[keep], columns[keep]] = 1.0
    return incidence


# Texts (sentence tuples) whose vocabularies are kept: a text is aligned in each pair it
# is scored in, and both of a pair's sides come back in other pairs.
VOCABULARY_CACHE = 4096
# What sentence_vocabulary gives: the sorted distinct word keys of the text, and of
# every (sentence, word) of it once, the sentence's row and the word's column in them,
# and each sentence's number of distinct words (float32, as the incidence rows sum).
Vocabulary = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]


@functools.lru_cache(maxsize=VOCABULARY_CACHE)
def sentence_vocabulary(sentences: tuple[str, ...]) -> Vocabulary:
    """The words of ``sentences`` read once a text, for :func:`lexical_similarity`
    (see :data:`Vocabulary`; cached by the text's sentences)."""
    keys = [_sentence_word_keys(sentence) for sentence in sentences]
    lens = np.fromiter(map(len, keys), dtype=np.int64, count=len(keys))
    flat = np.concatenate(keys) if keys else np.zeros(0, dtype=np.int64)
    vocab, columns = np.unique(flat, return_inverse=True)
    rows = np.repeat(np.arange(len(keys)), lens)
    # Repeated words of a sentence are one cell: each sentence's word *set*.
    width = max(len(vocab), 1)
    cells = np.unique(rows * width + columns.reshape(-1))
    rows, columns = cells // width, cells % width
    size = np.bincount(rows, minlength=len(keys)).astype(np.float32)
    for array in (vocab, rows, columns, size):
        array.setflags(write=False)
    return vocab, rows, columns, size


# OpenBLAS runs a GEMM single-threaded when ``M * N * K <= 65536 * 4``; above that it
# wakes its thread pool, which for matrices this small costs far more than the product
# (measured 50 us -> 13-18 ms on a busy 2-core machine). Pair scoring already limits BLAS
# to one thread, but other callers (e.g. ``diff``) do not, so keep every call below it.
_SERIAL_GEMM_MNK = 65536 * 4


def _serial_matmul_t(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """``x @ y.T`` as a sum over column blocks small enough for a serial BLAS GEMM.

    Exact here: entries are 0/1 and the partial sums are small integers.
    """
    step = max(1, _SERIAL_GEMM_MNK // max(x.shape[0] * y.shape[0], 1))
    out = x[:, :step] @ y[:, :step].T
    for k in range(step, x.shape[1], step):
        out += x[:, k : k + step] @ y[:, k : k + step].T
    return out


# ASCII fast path of ``\w+`` + ``str.lower``: for ASCII text ``\w`` is exactly
# ``[0-9A-Za-z_]``, so translating every other byte to a space (and A-Z to a-z) and
# splitting on whitespace yields the same tokens as the regex, several times faster.
_ASCII_WORD_BYTES = frozenset((string.ascii_letters + string.digits + "_").encode("ascii"))
_ASCII_FOLD = (
    bytes((ord(chr(c).lower()) if c in _ASCII_WORD_BYTES else 0x20) for c in range(128))
    + b" " * 128
)


# Sentences whose word keys are kept (chosen for memory; an article's sentences come back
# in every pair it is aligned in).
WORD_KEYS_CACHE = 1 << 16


@functools.lru_cache(maxsize=WORD_KEYS_CACHE)
def _sentence_word_keys(sentence: str) -> np.ndarray:
    """64-bit keys of the sentence's words (``hash`` of :func:`_sentence_words`), read-only.

    Cached: an article's sentences are compared again in every pair it is aligned in.
    Two different words share a key with probability about 2^-64 per pair of words.
    """
    words = _sentence_words(sentence)
    # map(hash), not a generator expression: no Python frame per word.
    keys = np.fromiter(map(hash, words), dtype=np.int64, count=len(words))
    keys.setflags(write=False)
    return keys


def _sentence_words(sentence: str) -> tuple[bytes, ...]:
    """Lowercased ``\\w+`` tokens as UTF-8 bytes (possibly repeated).

    Bytes, so the ASCII fast path needs no decoding; UTF-8 is injective, so two tokens
    are equal as bytes exactly when they are equal as strings.
    """
    if sentence.isascii():
        return tuple(sentence.encode("ascii").translate(_ASCII_FOLD).split())
    # Lowercase per token, not the whole sentence: lowering can change what ``\w``
    # matches (e.g. "İ" -> "i" + combining dot U+0307, which is not a word character).
    return tuple(w.lower().encode("utf-8") for w in _WORD.findall(sentence))


def align_sentences(
    sim: np.ndarray, min_similarity: float, lexical: np.ndarray | None = None
) -> Alignment:
    """Align the sentences of A (rows of ``sim``) to those of B (columns).

    See the module docstring for the algorithm: a maximum-margin monotone backbone
    (``O(|A||B|)`` DP) plus greedy mutual-best rescue of moved sentences. Only pairs with
    (blended) similarity ``>= min_similarity`` are ever aligned.
    """
    scores = np.asarray(sim, dtype=np.float64)
    if scores.ndim != 2:
        raise ValueError(f"sim must be a 2-d matrix, got shape {scores.shape}")
    if lexical is not None:
        lex = np.asarray(lexical, dtype=np.float64)
        if lex.shape != scores.shape:
            raise ValueError(f"lexical shape {lex.shape} != sim shape {scores.shape}")
        scores = np.maximum(scores, lex)
    n_a, n_b = scores.shape
    matched = _monotone_backbone(scores, min_similarity)
    matched += _rescue_crossing(scores, min_similarity, matched)
    matched.sort()
    pairs = [(i, j, float(scores[i, j])) for i, j in matched]
    used_a = {i for i, _ in matched}
    used_b = {j for _, j in matched}
    return Alignment(
        pairs=pairs,
        only_a=[i for i in range(n_a) if i not in used_a],
        only_b=[j for j in range(n_b) if j not in used_b],
        coverage_a=len(pairs) / n_a if n_a else 0.0,
        coverage_b=len(pairs) / n_b if n_b else 0.0,
        order=order_score([j for _, j in matched]),
    )


def _monotone_backbone(scores: np.ndarray, tau: float) -> list[tuple[int, int]]:
    """Maximum total margin ``sum(S - tau)`` non-crossing matching (free gaps).

    Row-by-row DP: for row ``i`` the diagonal candidates ``F[i-1, j-1] + g`` are a vector
    operation, the left-to-right ``max(F[i, j-1], .)`` a running maximum. Ties prefer a
    skip of A, then a skip of B, then the match, which keeps traceback deterministic.
    """
    if scores.shape[0] == 0 or scores.shape[1] == 0:
        return []
    close = scores >= tau
    # Only the rows and columns with a close pair: a row (column) without one repeats
    # the table's row (column) before it, and the traceback passes it without a match,
    # so the table over the others has the same values at their cells and gives the
    # same pairs (ties broken alike), for a fraction of the rows.
    rows, columns = np.flatnonzero(close.any(axis=1)), np.flatnonzero(close.any(axis=0))
    if not len(rows):
        return []
    kept = scores[np.ix_(rows, columns)]
    gain = np.where(close[np.ix_(rows, columns)], kept - tau, -np.inf)
    n_a, n_b = gain.shape
    table = np.zeros((n_a + 1, n_b + 1), dtype=np.float64)
    for i in range(1, n_a + 1):
        diag = table[i - 1, :-1] + gain[i - 1]
        row = np.maximum(table[i - 1, 1:], diag)
        table[i, 1:] = np.maximum.accumulate(row)
    out: list[tuple[int, int]] = []
    i, j = n_a, n_b
    while i > 0 and j > 0:
        if table[i, j] == table[i - 1, j]:
            i -= 1
        elif table[i, j] == table[i, j - 1]:
            j -= 1
        else:
            out.append((int(rows[i - 1]), int(columns[j - 1])))
            i -= 1
            j -= 1
    out.reverse()
    return out


def _rescue_crossing(
    scores: np.ndarray, tau: float, matched: list[tuple[int, int]]
) -> list[tuple[int, int]]:
    """Add mutual-best pairs among unaligned sentences, greedily by similarity."""
    free_a = np.ones(scores.shape[0], dtype=bool)
    free_b = np.ones(scores.shape[1], dtype=bool)
    for i, j in matched:
        free_a[i] = free_b[j] = False
    candidate = (scores >= tau) & free_a[:, None] & free_b[None, :]
    rows, cols = np.nonzero(candidate)
    # Decreasing similarity (stable, so ties go to the earlier pair): each accepted pair
    # is the maximum of what is still free, hence a mutual best match at that point.
    ranked = np.argsort(-scores[rows, cols], kind="stable")
    added: list[tuple[int, int]] = []
    for k in ranked:
        i, j = int(rows[k]), int(cols[k])
        if free_a[i] and free_b[j]:
            added.append((i, j))
            free_a[i] = free_b[j] = False
    return added


def order_score(b_indices: list[int]) -> float:
    """``1 - inversions / C(n, 2)`` of a sequence of distinct ints (1.0 when ``n < 2``).

    Inversions counted by insertion into a sorted list: each value adds the number of
    earlier values above it (``bisect``, then a C ``memmove`` to insert). ``O(n²)``
    moves at worst, but a few hundred bytes for the few dozen aligned sentences of a
    pair; the recursive merge sort it replaced was 9% of scoring a copy pair.
    """
    n = len(b_indices)
    if n < 2:
        return 1.0
    return 1.0 - _inversions(b_indices) / (n * (n - 1) / 2)


def _inversions(values: list[int]) -> int:
    """``#{(k, l) : k < l, values[k] > values[l]}`` of distinct ints."""
    seen: list[int] = []
    inversions = 0
    for x in values:
        k = bisect.bisect_right(seen, x)
        inversions += len(seen) - k
        seen.insert(k, x)
    return inversions
