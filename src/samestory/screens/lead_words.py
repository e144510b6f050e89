"""Is the event of one text's lead told anywhere in the other? A pair input of ``compare``.

Two reports of different events of one company or one person share its names and much of
the background ("Airbus announces job cuts of 10,000" and "A380 makes maiden flight to
US"): the cues that count shared names and aligned sentences link them. What differs is
the *event*: the action words of the lead (cuts / flight, delivered / enters service,
refunds / leaves). Reports of one event, however worded, tell the other's lead event
somewhere ("checked into rehab" / "entered a rehab program").

:func:`lead_unmatched` measures it with no parser: a text's *content words* are its
lower-case words (a capitalised word is mostly a name, which the name cues read) of at
least three letters that are not function words (``lexical.specificity`` >= 2: "the",
"has", "said" fall out); its *lead* is the content words among its first
:data:`LEAD_WORDS` words (headline and first sentence). For each lead word, the best
cosine of its word vector to any content word of the other text; the input is
``1 - `` that, weighted by specificity and averaged over the lead and over both
directions (0 when neither text has a lead word). Word vectors come from a sentence
encoder run on single words (multilingual: "delivered" and "entregado" are near), so
translations match.

Not read in production: screened as an input of ``compare``'s pair model
(``scripts/pair_inputs_lead_words.py`` with ``scripts/fit_pair_model.py --screen``) on
2026-12-04 it did not beat the shipped inputs on every seed and set under topic CV
(docs/history/accuracy.md), so ``params/pair_model.json`` does not use it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

import numpy as np

from samestory import lexical
from samestory.features import DocFeatures

# Words from the start of the text that make its lead: a headline and a first sentence.
LEAD_WORDS = 30
# Content words: specificity (wordfreq idf, 0 for "the") at least this.
MIN_SPECIFICITY = 2.0
MIN_LETTERS = 3
# Word vectors kept per process (a text has a few hundred content words).
WORD_CACHE_SIZE = 200_000

_WORD = re.compile(r"[^\W\d_]+")

Encode = Callable[[list[str]], np.ndarray]
ContentWords = tuple[list[str], np.ndarray]  # words (lower case), specificities


# Content words by text (id, fingerprint, language, limit): a text meets many others in
# an evaluation or a fit, and its words are read once.
_CONTENT: dict[tuple[str, str, str | None, int | None], ContentWords] = {}
CONTENT_CACHE_SIZE = 50_000


def content_words(f: DocFeatures, limit: int | None = None) -> ContentWords:
    """``f``'s distinct content words and their specificities, in first-seen order,
    from its first ``limit`` words (all when None)."""
    key = (f.id, f.fingerprint, f.lang, limit)
    found = _CONTENT.get(key)
    if found is None:
        if len(_CONTENT) >= CONTENT_CACHE_SIZE:
            _CONTENT.clear()
        found = _CONTENT[key] = _content_words(f, limit)
    return found


def _content_words(f: DocFeatures, limit: int | None) -> ContentWords:
    seen: dict[str, float] = {}
    count = 0
    for sentence in f.sentences:
        for match in _WORD.finditer(sentence):
            count += 1
            if limit is not None and count > limit:
                return list(seen), np.fromiter(seen.values(), dtype=np.float64)
            word = match.group(0)
            if word[0].isupper() or len(word) < MIN_LETTERS:
                continue
            key = word.lower()
            if key not in seen:
                weight = lexical.specificity(key, f.lang)
                if weight >= MIN_SPECIFICITY:
                    seen[key] = weight
    return list(seen), np.fromiter(seen.values(), dtype=np.float64)


class WordVectors:
    """Unit word vectors from ``encode`` (a sentence encoder run on single words),
    cached per process."""

    def __init__(self, encode: Encode, size: int = WORD_CACHE_SIZE) -> None:
        self._encode = encode
        self._size = size
        self._cache: dict[str, np.ndarray] = {}

    def __call__(self, words: Sequence[str]) -> np.ndarray:
        new = [w for w in dict.fromkeys(words) if w not in self._cache]
        if len(self._cache) + len(new) > self._size:  # full: start again with these words
            self._cache.clear()
            new = list(dict.fromkeys(words))
        if new:
            rows = np.asarray(self._encode(new), dtype=np.float32)
            norms = np.linalg.norm(rows, axis=1, keepdims=True)
            unit = (rows / np.where(norms > 0, norms, 1.0)).astype(np.float32)
            self._cache.update(zip(new, unit, strict=True))
        if not words:
            return np.zeros((0, 0), dtype=np.float32)
        return np.stack([self._cache[w] for w in words])


def unmatched_share(lead: ContentWords, other: ContentWords, vectors: WordVectors) -> float | None:
    """Of ``lead``'s words, the specificity-weighted mean of ``1 -`` the best cosine to a
    word of ``other``; None when either has no word."""
    (words, weights), (others, _) = lead, other
    if not words or not others:
        return None
    best = (vectors(words) @ vectors(others).T).max(axis=1)
    return float(((1.0 - best) * weights).sum() / weights.sum())


def lead_unmatched(a: DocFeatures, b: DocFeatures, vectors: WordVectors) -> float:
    """How much of each text's lead event the other never tells: the mean over both
    directions of :func:`unmatched_share` (0 when neither text has a lead word)."""
    shares = [
        share
        for x, y in ((a, b), (b, a))
        if (share := unmatched_share(content_words(x, LEAD_WORDS), content_words(y), vectors))
        is not None
    ]
    return sum(shares) / len(shares) if shares else 0.0
