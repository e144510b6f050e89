"""The sentence alignment of a pair and the evidence its relation carries.

:func:`align_pair` aligns the sentences one to one (cosine >= ``align_min_similarity``)
and counts the copied share ``#{aligned pairs with word Jaccard >= 0.5} / max(|A|, |B|)``.
The evidence keeps at most ``MAX_ALIGNED_EVIDENCE`` aligned sentence pairs (best first),
the quotes both texts carry (word-set Jaccard >= ``SHARED_QUOTE_JACCARD``, so light
edits still count), the shared names and numbers, the date gap and dates, and the scores.
"""

from __future__ import annotations

import bisect
import functools
import math

import numpy as np

from samestory import normalize
from samestory.align import Alignment, align_sentences, lexical_similarity
from samestory.config import DEFAULT_CONFIG, Config
from samestory.features import DocFeatures
from samestory.models import AlignedSentence, Evidence
from samestory.relate.cues import SharedItems, shared_items

# Two aligned sentences with this word Jaccard are one sentence, lightly edited.
COPIED_SENTENCE_JACCARD = 0.5


# Aligned sentence pairs kept as evidence, best first: enough to read, small to store.
MAX_ALIGNED_EVIDENCE = 12


# A quote reappears in the other text at this word-set Jaccard (light edits still count).
SHARED_QUOTE_JACCARD = 0.5


# Quotes whose word sets are kept (chosen for memory; an article's quotes recur per pair).
QUOTE_WORDS_CACHE = 1 << 14


# A sentence alignment and the share of sentences copied with small edits (see align_pair).
AlignmentResult = tuple[Alignment, float]


_NO_ALIGNMENT = Alignment(pairs=[], only_a=[], only_b=[], coverage_a=0.0, coverage_b=0.0, order=1.0)


def align_pair(
    a: DocFeatures, b: DocFeatures, sim: np.ndarray, config: Config = DEFAULT_CONFIG
) -> AlignmentResult:
    """Sentence alignment, and the share of sentences copied with small edits.

    The copied share is ``#{aligned pairs with word Jaccard >= 0.5} / max(|A|, |B|)``:
    near 1 only when both texts are the same sentences, lightly edited.
    """
    lexical = lexical_similarity(a.sentences, b.sentences)
    alignment = align_sentences(sim, config.align_min_similarity, lexical=lexical)
    copied = sum(1 for i, j, _ in alignment.pairs if lexical[i, j] >= COPIED_SENTENCE_JACCARD)
    longest = max(len(a.sentences), len(b.sentences))
    return alignment, (copied / longest if longest else 0.0)


def _shorter_coverage(alignment: Alignment, n_a: int, n_b: int) -> float:
    if not n_a or not n_b:
        return 0.0
    return alignment.coverage_a if n_a <= n_b else alignment.coverage_b


def _evidence(
    a: DocFeatures,
    b: DocFeatures,
    alignment: Alignment,
    gap: int | None,
    scores: dict[str, float],
    date_notes: tuple[str, ...] = (),
    max_aligned: int = MAX_ALIGNED_EVIDENCE,
    shared: SharedItems | None = None,
) -> Evidence:
    aligned: tuple[AlignedSentence, ...] = ()
    if alignment.pairs:
        best = sorted(alignment.pairs, key=lambda p: (-p[2], p[0]))[:max_aligned]
        aligned = tuple(
            AlignedSentence(i, j, a.sentences[i], b.sentences[j], s) for i, j, s in sorted(best)
        )
    names, numbers = shared if shared is not None else shared_items(a, b)
    return Evidence(
        aligned=aligned,
        shared_quotes=tuple(_shared_quotes(a.quotes, b.quotes)),
        shared_entities=tuple(sorted(names)),
        shared_numbers=tuple(sorted(numbers)),
        date_gap_days=gap,
        scores=scores,
        dates=date_notes,
    )


def _shared_quotes(quotes_a: tuple[str, ...], quotes_b: tuple[str, ...]) -> list[str]:
    """Quotes of A that reappear in B (word-set Jaccard >= 0.5, so light edits still count).

    ``J = |A∩B| / (|A| + |B| - |A∩B|) <= min(|A|, |B|) / max(|A|, |B|)``, so a quote of
    ``n`` words is compared only with B's quotes of ``n/2`` to ``2n`` words, found by
    bisection in B's quotes ordered by size; and only when its prefix words
    (:func:`_quote_prefixes`) meet B's, without which it cannot reach the Jaccard.
    """
    if not quotes_a or not quotes_b:
        return []
    prefixes_a, any_prefix_a = _quote_prefixes(quotes_a)
    any_prefix_b = _quote_prefixes(quotes_b)[1]
    if any_prefix_a.isdisjoint(any_prefix_b):
        return []
    sizes, word_sets = _quotes_by_size(quotes_b)
    out = []
    for quote, prefix in zip(quotes_a, prefixes_a, strict=True):
        if prefix.isdisjoint(any_prefix_b):
            continue
        words = _quote_words(quote)
        n = len(words)
        low = bisect.bisect_left(sizes, n * SHARED_QUOTE_JACCARD)
        high = bisect.bisect_right(sizes, n / SHARED_QUOTE_JACCARD)
        for m, other in zip(sizes[low:high], word_sets[low:high], strict=True):
            shared = len(words & other)
            if (n or m) and shared / (n + m - shared) >= SHARED_QUOTE_JACCARD:
                out.append(quote)
                break
    return normalize.unique(out)


@functools.lru_cache(maxsize=QUOTE_WORDS_CACHE)
def _quotes_by_size(quotes: tuple[str, ...]) -> tuple[list[int], list[frozenset[str]]]:
    """An article's quotes' word sets and their sizes, ordered by size (cached: an
    article's quotes are compared in each of its pairs)."""
    word_sets = sorted(map(_quote_words, quotes), key=len)
    return [len(w) for w in word_sets], word_sets


@functools.lru_cache(maxsize=QUOTE_WORDS_CACHE)
def _quote_prefixes(quotes: tuple[str, ...]) -> tuple[tuple[frozenset[str], ...], frozenset[str]]:
    """The prefix filter's words of each of an article's quotes, and all of them: a quote
    X of A can share a word set at Jaccard >= ``t`` with a quote Y of B only if X's
    prefix words and Y's meet.

    Each quote's words in one global order (longest first, then alphabetical: rarer
    words first, so few pairs meet), its first ``n - ceil(t n) + 1`` of its ``n``.
    Why it is exact: ``J(X, Y) >= t`` needs ``s = |X ∩ Y| >= t max(n, m)``, so
    ``s >= ceil(t n)`` and ``s >= ceil(t m)``; the first shared word in the global
    order has at least ``s - 1`` of X's words after it, so it is among X's first
    ``n - s + 1 <= n - ceil(t n) + 1``, and likewise among Y's. (Cached per article.)"""
    prefixes = []
    for quote in quotes:
        words = sorted(_quote_words(quote), key=_prefix_order)
        keep = len(words) - math.ceil(len(words) * SHARED_QUOTE_JACCARD) + 1
        prefixes.append(frozenset(words[:keep]))
    return tuple(prefixes), frozenset().union(*prefixes)


def _prefix_order(word: str) -> tuple[int, str]:
    return -len(word), word


@functools.lru_cache(maxsize=QUOTE_WORDS_CACHE)
def _quote_words(quote: str) -> frozenset[str]:
    """A quote's word set (cached: an article's quotes are compared in each of its pairs)."""
    return frozenset(normalize.words(quote))
