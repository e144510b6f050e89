"""Language identification and specificity-weighted word vectors.

Two reports of one event share its *specific* words: the victim's name, the town, the
magnitude, "rehab" or "airtanker"; two reports of one *topic* share only its common
words. A word's specificity is its information content in the language at large,

    idf(w) = max(0, Z_max - zipf(w)),     zipf(w) = log10(frequency per billion words),

read from the ``wordfreq`` tables (40+ languages, shipped inside the package, offline).
This is the background-corpus IDF of classic retrieval, but fixed: it does not depend on
which other articles happen to be in the batch, the store or the Spark partition, so a
pair scores the same in every mode. Articles are then sparse vectors with weights
``(1 + ln tf(w)) · idf(w)``, L2-normalised, stored as sorted 64-bit word hashes.
"""

from __future__ import annotations

import functools
import hashlib
import math
from collections import Counter

import numpy as np

from samestory import normalize

ZIPF_MAX = 8.0
_NEEDS_SEGMENTER = frozenset({"zh", "ja", "ko"})
# Languages the detector chooses among: those of the sentence encoder plus wordfreq's
# larger European languages (restricting the set makes detection faster and surer).
_DETECTABLE = tuple(
    """
    ARABIC CHINESE DUTCH ENGLISH FRENCH GERMAN ITALIAN JAPANESE KOREAN POLISH PORTUGUESE
    RUSSIAN SPANISH THAI TURKISH CZECH SWEDISH DANISH FINNISH GREEK HUNGARIAN ROMANIAN
    UKRAINIAN BULGARIAN CROATIAN CATALAN INDONESIAN HEBREW PERSIAN HINDI
    """.split()  # noqa: SIM905 - a word list reads best as text
)


@functools.lru_cache(maxsize=1)
def _detector():
    from lingua import Language, LanguageDetectorBuilder

    languages = [getattr(Language, name) for name in _DETECTABLE if hasattr(Language, name)]
    return LanguageDetectorBuilder.from_languages(*languages).with_low_accuracy_mode().build()


def detect_language(text: str, sample_chars: int = 1000) -> str | None:
    """ISO 639-1 code of the text's language (lingua, offline), or None if unsure."""
    sample = text[:sample_chars]
    if not sample.strip():
        return None
    language = _detector().detect_language_of(sample)
    return language.iso_code_639_1.name.lower() if language else None


@functools.lru_cache(maxsize=500_000)
def specificity(word: str, lang: str | None) -> float:
    """``idf(w) = max(0, Z_max - zipf(w))``: 0 for "the", about 7 for a rare surname."""
    from wordfreq import zipf_frequency

    if lang in _NEEDS_SEGMENTER:
        lang = "en"  # wordfreq needs jieba/MeCab there; unseen words get the top weight
    try:
        zipf = zipf_frequency(word, lang or "en")
    except LookupError:  # a language wordfreq does not cover: English as background
        zipf = zipf_frequency(word, "en")
    return max(0.0, ZIPF_MAX - zipf)


def _hash(word: str) -> int:
    return int.from_bytes(hashlib.blake2b(word.encode("utf-8"), digest_size=8).digest(),
                          "little", signed=True)


def term_vector(text: str, lang: str | None) -> tuple[np.ndarray, np.ndarray]:
    """``(hashes, weights)``: sorted word hashes and their L2-normalised tf-idf weights."""
    counts = Counter(w for w in normalize.words(text) if len(w) > 1)
    if not counts:
        return np.zeros(0, np.int64), np.zeros(0, np.float32)
    items = sorted((_hash(w), (1.0 + math.log(c)) * specificity(w, lang))
                   for w, c in counts.items())
    hashes = np.array([h for h, _ in items], dtype=np.int64)
    weights = np.array([x for _, x in items], dtype=np.float32)
    norm = float(np.linalg.norm(weights))
    if norm > 0:
        weights /= norm
    hashes, first = np.unique(hashes, return_index=True)  # guard against hash collisions
    return hashes, weights[first]


def cosine(a: tuple[np.ndarray, np.ndarray], b: tuple[np.ndarray, np.ndarray]) -> float:
    """Cosine of two term vectors (dot product of the shared words' weights)."""
    _, ia, ib = np.intersect1d(a[0], b[0], assume_unique=True, return_indices=True)
    return float(np.dot(a[1][ia], b[1][ib])) if len(ia) else 0.0


def weighted_jaccard(a: frozenset[str], b: frozenset[str], lang: str | None) -> float:
    """Jaccard of two name sets with each name weighted by its specificity."""
    union = sum(specificity(x, lang) for x in a | b)
    return sum(specificity(x, lang) for x in a & b) / union if union else 0.0
