"""The data model's plain-dict forms."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from samestory.models import AlignedSentence, Article, Evidence


def test_aligned_sentence_dict_has_every_field_and_a_rounded_similarity():
    pair = AlignedSentence(1, 2, "A said.", "A stated.", 0.876543)
    assert pair.to_dict() == {**dataclasses.asdict(pair), "similarity": 0.8765}


def test_evidence_round_trips_through_its_dict():
    evidence = Evidence(
        aligned=(AlignedSentence(0, 0, "x", "y", 0.5),),
        shared_quotes=("q",),
        shared_entities=("leavitt",),
        shared_numbers=("2021",),
        date_gap_days=3,
        scores={"story": 0.75},
    )
    assert Evidence.from_dict(evidence.to_dict()) == evidence


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2025-10-23", dt.date(2025, 10, 23)),
        ("2025-10-23T14:00:00Z", dt.date(2025, 10, 23)),
        ("Thu, 23 Oct 2025 14:00:00 GMT", dt.date(2025, 10, 23)),  # RSS and e-mail dates
        ("23 October 2025", dt.date(2025, 10, 23)),
        (1761228000, dt.date(2025, 10, 23)),  # a Unix timestamp
        ("not a date", None),
        ("", None),
    ],
)
def test_article_from_dict_reads_dates_as_the_readers_do(value, expected):
    assert Article.from_dict({"id": "a", "text": "t", "date": value}).date == expected
