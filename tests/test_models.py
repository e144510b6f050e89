"""The data model's plain-dict forms."""

from __future__ import annotations

import dataclasses

from samestory.models import AlignedSentence, Evidence


def test_aligned_sentence_dict_has_every_field_and_a_rounded_similarity():
    pair = AlignedSentence(1, 2, "A said.", "A stated.", 0.876543)
    assert pair.to_dict() == {**dataclasses.asdict(pair), "similarity": 0.8765}


def test_evidence_round_trips_through_its_dict():
    evidence = Evidence(aligned=(AlignedSentence(0, 0, "x", "y", 0.5),),
                        shared_quotes=("q",), shared_entities=("leavitt",),
                        shared_numbers=("2021",), date_gap_days=3, scores={"story": 0.75})
    assert Evidence.from_dict(evidence.to_dict()) == evidence
