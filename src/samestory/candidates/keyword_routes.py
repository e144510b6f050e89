"""The keyword route: articles sharing their most specific words.

Each article's ``KEYWORDS`` most specific words (:func:`keywords`: the highest weights
of its specificity-weighted term vector, :mod:`samestory.lexical`) are indexed in
posting lists (:class:`MemoryKeywords`, or the store's table). An article proposes the
articles sharing at least ``MIN_SHARED_KEYWORDS`` of them, ranked by the summed weight
``Σ w`` of the shared words, ``KEYWORD_NEIGHBOURS`` at most; a word whose posting holds
more than ``MAX_KEYWORD_POSTINGS`` articles is too common to count (bounded cost).
:func:`keyword_ranking` is the rule in Python (every driver: local, store, Spark);
:func:`coded_ranking` the same list and the same floats over integer codes in NumPy.

Why: in a collection of one kind of news (local reports of shootings) every document
vector is close to every other, and the reports of one incident (the victim's name, the
street) are not among each other's nearest: on GVA dev, 361 of 1,353 same-incident pairs
were not candidates (median rank 372 by cosine); the keyword index proposes 250 of them
for 22% more pairs.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol, TypeVar

import numpy as np

from samestory.features import DocFeatures

#: A posting-list key: an article id, or anything ordered like one.
K = TypeVar("K")


class KeywordsLike(Protocol):
    """The keyword index's postings: in memory (:class:`MemoryKeywords`, the default) or
    a table of the store (``samestory.store.index.StoredKeywords``)."""

    def insert(self, article_id: str, words: dict[int, float]) -> None: ...

    def posting(self, word: int, limit: int) -> list[str]:
        """Ids of the articles holding ``word`` among their keywords, ``limit`` at most."""
        ...

    def words(self, article_id: str) -> dict[int, float]:
        """An indexed article's keywords (word hash -> weight), best first."""
        ...


class MemoryKeywords:
    """Keyword postings in dicts, and the same postings as arrays of article codes (each
    article's number in insertion order) for :func:`coded_ranking`."""

    def __init__(self) -> None:
        self._by_word: dict[int, list[str]] = {}
        self._words: dict[str, dict[int, float]] = {}
        self._code_of: dict[str, int] = {}
        self.names: list[str] = []  # code -> article id
        # word -> its posting as codes, made from _by_word when first asked after a change.
        self._coded: dict[int, np.ndarray] = {}

    def insert(self, article_id: str, words: dict[int, float]) -> None:
        self._words[article_id] = dict(words)
        if article_id not in self._code_of:
            self._code_of[article_id] = len(self.names)
            self.names.append(article_id)
        for word in words:
            self._by_word.setdefault(word, []).append(article_id)
            self._coded.pop(word, None)

    def posting(self, word: int, limit: int) -> list[str]:
        return self._by_word.get(word, [])[:limit]

    def coded_posting(self, word: int) -> np.ndarray:
        """The whole posting of ``word``, as article codes, in posting order."""
        coded = self._coded.get(word)
        if coded is None:
            code_of = self._code_of
            listed = self._by_word.get(word, [])
            coded = np.fromiter((code_of[i] for i in listed), dtype=np.int64, count=len(listed))
            self._coded[word] = coded
        return coded

    def code(self, article_id: str) -> int:
        """The article's code, -1 if it was never inserted."""
        return self._code_of.get(article_id, -1)

    def words(self, article_id: str) -> dict[int, float]:
        return self._words.get(article_id, {})


# Keyword index (see the module docstring): words per article, least shared words to be
# proposed, proposals per article, and the posting-list length above which a word is too
# common in the collection to propose anything (it still counts nowhere: bounded cost).
KEYWORDS = 20
MIN_SHARED_KEYWORDS = 2
KEYWORD_NEIGHBOURS = 10
MAX_KEYWORD_POSTINGS = 200


# coded_ranking counts over every article's code (two bincounts of len(names)) while
# there are at most this many articles per posting entry: cheaper than sorting the
# entries (~15 µs for a few hundred) up to about this ratio.
DENSE_CODES_PER_ENTRY = 16


def keywords(f: DocFeatures, most: int = KEYWORDS) -> dict[int, float]:
    """The article's ``most`` most specific words: word hash -> weight in its term vector
    (none for features without one, such as the vector-only stand-ins of some callers)."""
    terms = getattr(f, "terms", None)
    if terms is None:
        return {}
    hashes, weights = terms
    order = np.argsort(-weights, kind="stable")[:most]
    return dict(zip(hashes[order].tolist(), weights[order].tolist(), strict=True))


def keyword_neighbours(
    words: dict[int, float], posting: Callable[[int], Sequence[K]], exclude: K
) -> list[K]:
    """The articles sharing at least ``MIN_SHARED_KEYWORDS`` of ``words`` (the querying
    article's :func:`keywords`, best first), ranked by the summed weight ``w`` of the
    shared words (summed in the order of ``words``; ties by key), ``KEYWORD_NEIGHBOURS``
    at most. ``posting(word)`` lists the indexed articles with that keyword; a word whose
    posting holds more than ``MAX_KEYWORD_POSTINGS`` is too common to count. One
    definition for every driver: the local index passes its posting lists, Spark the
    posting lists joined onto the querying article (keys: article ids, or ``(id, idx)``).
    """
    return [other for other, _ in keyword_ranking(words, posting, exclude)]


def keyword_ranking(
    words: dict[int, float],
    posting: Callable[[int], Sequence[K]],
    exclude: K,
    least: int = MIN_SHARED_KEYWORDS,
    most: int = KEYWORD_NEIGHBOURS,
) -> list[tuple[K, float]]:
    """:func:`keyword_neighbours` with the summed weight of each (``least`` shared words
    and ``most`` articles: the keyword route's by default, the same-days route's for
    :func:`dated_ranking`)."""
    weight: dict[K, float] = {}
    shared: dict[K, int] = {}
    for word, w in words.items():
        listed = posting(word)
        if len(listed) > MAX_KEYWORD_POSTINGS:
            continue
        for other in listed:
            if other != exclude:
                weight[other] = weight.get(other, 0.0) + w
                shared[other] = shared.get(other, 0) + 1
    ranked = sorted(
        (other for other, n in shared.items() if n >= least),
        key=lambda other: (-weight[other], other),
    )
    return [(other, weight[other]) for other in ranked[:most]]


def coded_ranking(
    words: dict[int, float],
    posting: Callable[[int], np.ndarray],
    names: Sequence[str],
    exclude: int,
    least: int = MIN_SHARED_KEYWORDS,
    most: int = KEYWORD_NEIGHBOURS,
) -> list[tuple[str, float]]:
    """:func:`keyword_ranking` over postings of integer codes (``names[code]`` is the
    article's id, ``exclude`` a code or -1), in NumPy: the same list, the same floats.

    The postings are joined in the order of ``words`` and each article's weight summed by
    ``np.bincount``, which adds its inputs one by one in array order starting from 0.0:
    the additions :func:`keyword_ranking` makes, in its order, so the sums are identical
    bit for bit. Ties of weight are put in id order in Python (a few at most).
    """
    lists: list[np.ndarray] = []
    weights: list[float] = []
    for word, w in words.items():
        listed = posting(word)
        if len(listed) <= MAX_KEYWORD_POSTINGS:
            lists.append(listed)
            weights.append(w)
    if not lists:
        return []
    codes = np.concatenate(lists)
    each = np.repeat(np.array(weights, dtype=np.float64), [len(listed) for listed in lists])
    if exclude >= 0:
        keep = codes != exclude
        codes, each = codes[keep], each[keep]
    if len(names) <= DENSE_CODES_PER_ENTRY * len(codes):
        # Few articles: count over all their codes (no sort), ``found`` every code.
        found, inverse = np.arange(len(names)), codes
    else:
        found, inverse = _grouped(codes)
    weight = np.bincount(inverse, weights=each, minlength=len(found))
    chosen = np.flatnonzero(np.bincount(inverse, minlength=len(found)) >= least)
    if not len(chosen):
        return []
    chosen = chosen[np.argsort(-weight[chosen], kind="stable")]
    if len(chosen) > most:
        # Every article tied with the last one kept, so the ids can settle the ties.
        last = weight[chosen[most - 1]]
        chosen = chosen[: most + int(np.sum(weight[chosen[most:]] == last))]
    ranked = sorted(
        zip(weight[chosen].tolist(), [names[c] for c in found[chosen].tolist()], strict=True),
        key=lambda pair: (-pair[0], pair[1]),
    )
    return [(other, w) for w, other in ranked[:most]]


def _grouped(codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``np.unique(codes, return_inverse=True)`` by one stable sort (NumPy 2's unique
    with the inverse costs ~5x as much on a few hundred codes)."""
    order = np.argsort(codes, kind="stable")
    ordered = codes[order]
    starts = np.empty(len(ordered), dtype=bool)
    starts[:1] = True
    np.not_equal(ordered[1:], ordered[:-1], out=starts[1:])
    inverse = np.empty(len(ordered), dtype=np.int64)
    inverse[order] = np.cumsum(starts) - 1
    return ordered[starts], inverse
