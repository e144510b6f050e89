"""scripts/make_independent_reports.py: the independent-report dev sets it draws."""

from __future__ import annotations

import random
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))

import make_independent_reports as mir
from conftest import ECBPLUS_SUBSET, read_jsonl


def test_the_long_set_draws_only_long_articles_three_or_more_an_event():
    records = read_jsonl(ECBPLUS_SUBSET)
    chosen = mir.ecbplus(records, 4, random.Random(13), mir.MIN_WORDS_LONG)
    assert chosen
    assert all(len(r["text"].split()) >= mir.MIN_WORDS_LONG for r in chosen)
    per_event = Counter(r["story"] for r in chosen)
    assert min(per_event.values()) >= 3 and max(per_event.values()) <= 4
    # Every event left out had fewer than three long articles to draw from.
    long = Counter(r["story"] for r in records if len(r["text"].split()) >= mir.MIN_WORDS_LONG)
    assert {s for s, n in long.items() if n >= 3} == set(per_event)


def test_without_a_length_floor_the_default_set_is_drawn_as_before():
    records = read_jsonl(ECBPLUS_SUBSET)
    default = mir.ecbplus(records, 4, random.Random(13))
    assert default == mir.ecbplus(records, 4, random.Random(13), 0)
    assert any(len(r["text"].split()) < mir.MIN_WORDS_LONG for r in default)
