"""The keyword screen: which proposed pairs are worth scoring.

A pair is scored when its :func:`keyword_cosine` (the dot product of the two articles'
keyword weights: their term vectors' cosine over these words only) is at least
``Config.min_keyword_cosine``, or its document cosine at least ``TRANSLATION_COSINE``
(translations share few words of one script): :func:`screened`. In a collection of one
kind of news every document vector is close to every other, so the vector route proposes
many same-topic pairs of different events; those sharing no specific word score near 0
and cost full scoring all the same (~250 µs a pair). The screen is a test of the pair
(symmetric), so a pair is proposed when either end proposes it and it passes.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np

# Document cosine from which a pair is not screened (see screened()): translations share
# few specific words. Per encoder: on the real corpus, static's same-story pairs across
# languages (MEANTIME) sit at 0.857 and above (5th percentile).
TRANSLATION_COSINE = {"use": 0.85, "static": 0.85}


def keyword_cosine(a: Mapping[int, float], b: Mapping[int, float]) -> float:
    """The dot product of two articles' keyword weights (:func:`keywords`): their term
    vectors' cosine over their most specific words only. ``math.fsum`` is exactly
    rounded, so the value is the same whichever article comes first."""
    return math.fsum([a[word] * b[word] for word in a.keys() & b.keys()])


def screened(
    words_a: Mapping[int, float],
    words_b: Mapping[int, float],
    vector_a: np.ndarray,
    vector_b: np.ndarray,
    floor: float,
    close: float,
) -> bool:
    """Whether a proposed pair is worth scoring: its :func:`keyword_cosine` is at least
    ``floor``, or its document cosine at least ``close`` (translations share few words).
    Symmetric in the two articles. An article without keywords (no term vector: a
    vector-only stand-in) passes."""
    if not words_a or not words_b or keyword_cosine(words_a, words_b) >= floor:
        return True
    return float(np.dot(vector_a, vector_b)) >= close
