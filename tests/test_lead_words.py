"""Whether one text's lead event is told in the other (samestory.screens.lead_words): the pair
input for same-company, different-event reports."""

from __future__ import annotations

import zlib

import numpy as np

from samestory.features import featurize
from samestory.models import Article
from samestory.screens.lead_words import LEAD_WORDS, WordVectors, content_words, lead_unmatched

DELIVERED = (
    "First Airbus A380 delivered.\n"
    "The first A380 superjumbo was delivered today to Singapore Airlines in Toulouse.\n"
    "The aircraft was delivered eighteen months behind schedule."
)
DELIVERY_REPORT = (
    "Singapore Airlines takes delivery of the first A380.\n"
    "Airbus handed the superjumbo over in Toulouse, months behind schedule.\n"
    "The delivered aircraft will fly to Singapore."
)
JOB_CUTS = (
    "Airbus announces job cuts.\n"
    "Airbus said it will cut ten thousand jobs over four years.\n"
    "The cuts follow the A380 delays, the company said."
)


def one_hot(words: list[str]) -> np.ndarray:
    """A word vector per distinct word (equal words cosine 1, others 0): what the measure
    does with the vectors, without an encoder."""
    rows = np.zeros((len(words), 4096), dtype=np.float32)
    for k, word in enumerate(words):
        rows[k, zlib.crc32(word.encode()) % 4096] = 1.0
    return rows


def test_content_words_leave_out_names_and_function_words():
    (f,) = featurize([Article(id="a", text=DELIVERED)])
    words, weights = content_words(f, LEAD_WORDS)
    assert "delivered" in words and "superjumbo" in words
    assert not {"airbus", "singapore", "the", "was", "to"} & set(words)
    assert len(weights) == len(words) and (weights >= 2.0).all()


def test_a_different_lead_event_is_less_matched_than_the_same_one():
    fa, fb, fc = featurize(
        [
            Article(id="a", text=DELIVERED),
            Article(id="b", text=DELIVERY_REPORT),
            Article(id="c", text=JOB_CUTS),
        ]
    )
    vectors = WordVectors(one_hot)
    same, other = lead_unmatched(fa, fb, vectors), lead_unmatched(fa, fc, vectors)
    assert 0.0 <= same < other <= 1.0
    assert lead_unmatched(fb, fa, vectors) == same  # both directions, averaged
    assert lead_unmatched(fa, fa, vectors) == 0.0  # a text tells its own lead


def test_no_lead_words_reads_zero():
    fa, fb = featurize(
        [Article(id="a", text="Airbus and Boeing.", lang="en"), Article(id="b", text=JOB_CUTS)]
    )
    assert content_words(fa)[0] == []  # names and a function word only
    assert lead_unmatched(fa, fb, WordVectors(one_hot)) == 0.0


def test_word_vectors_are_unit_rows_and_survive_a_full_cache():
    calls: list[list[str]] = []

    def encode(words: list[str]) -> np.ndarray:
        calls.append(list(words))
        return 3.0 * one_hot(words)

    vectors = WordVectors(encode, size=2)
    first = vectors(["cuts", "flight"])
    assert np.allclose(np.linalg.norm(first, axis=1), 1.0)
    again = vectors(["flight", "delivered"])  # over the size: encoded afresh, not lost
    assert np.allclose(again[0], first[1])
    assert calls == [["cuts", "flight"], ["flight", "delivered"]]
