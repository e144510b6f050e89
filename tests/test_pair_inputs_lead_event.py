"""scripts/pair_inputs_lead_event.py: whether two same-language texts dated days apart lead
with the same event; 0 on every other pair (translations, one day's reports, undated)."""

from __future__ import annotations

import datetime as dt
import zlib
from pathlib import Path
from runpy import run_path

import numpy as np

from samestory.features import DocFeatures, featurize
from samestory.models import Article
from samestory.screens.lead_words import WordVectors

_SCREEN = run_path(str(Path(__file__).resolve().parents[1] / "scripts/pair_inputs_lead_event.py"))
lead_event_unmatched = _SCREEN["lead_event_unmatched"]
gated = _SCREEN["gated"]

DELIVERED = (
    "First Airbus A380 delivered.\n"
    "The first A380 superjumbo was delivered today to Singapore Airlines in Toulouse."
)
DELIVERY_REPORT = (
    "Singapore Airlines takes delivery of the first A380.\n"
    "The superjumbo was delivered in Toulouse, months behind schedule."
)
# The later text's lead names its own event; its body recaps the delivery.
LANDED = (
    "First A380 enters commercial service.\n"
    "The superjumbo landed in Sydney after its first commercial flight from Singapore, "
    "carrying paying passengers who had bought their seats at a charity auction for the "
    "historic flight.\n"
    "The first A380 superjumbo was delivered to Singapore Airlines in Toulouse."
)


def _one_hot(words: list[str]) -> np.ndarray:
    rows = np.zeros((len(words), 4096), dtype=np.float32)
    for k, word in enumerate(words):
        rows[k, zlib.crc32(word.encode()) % 4096] = 1.0
    return rows


_VECTORS = WordVectors(_one_hot)


def _features(*items: tuple[str, str | None, dt.date | None]) -> list[DocFeatures]:
    return featurize(
        [
            Article(id=str(k), text=text, lang=lang, date=date)
            for k, (text, lang, date) in enumerate(items)
        ]
    )


def _value(a: DocFeatures, b: DocFeatures) -> float:
    return lead_event_unmatched(a, b, lambda: _VECTORS)


DAY = dt.date(2007, 10, 15)


def test_another_lead_event_days_apart_reads_more_than_the_same_one():
    delivered, report, landed = _features(
        (DELIVERED, "en", DAY),
        (DELIVERY_REPORT, "en", DAY + dt.timedelta(days=2)),
        (LANDED, "en", DAY + dt.timedelta(days=10)),
    )
    same, other = _value(delivered, report), _value(delivered, landed)
    assert 0.0 < same < other <= 1.0
    assert _value(landed, delivered) == other  # both directions, averaged
    assert _value(delivered, delivered) == 0.0  # one day: gated out


def test_translations_one_day_s_reports_and_undated_texts_read_zero():
    """Only same-language pairs dated more than a day apart carry a value: MEANTIME's
    positives (translations) and one event's same-day reports keep the base's
    probability under the offset fit."""
    en, es, next_day, undated = _features(
        (DELIVERED, "en", DAY),
        (LANDED, "es", DAY + dt.timedelta(days=10)),
        (LANDED, "en", DAY + dt.timedelta(days=1)),
        (LANDED, "en", None),
    )
    for other in (es, next_day, undated):
        assert not gated(en, other)
        assert _value(en, other) == 0.0
    assert _SCREEN["INPUTS"] == {"lead_event_unmatched": lead_event_unmatched}


def test_the_lead_not_the_body_is_read():
    """A body that recaps the other text's event does not match its lead: the whole-text
    reading (screens.lead_words.lead_unmatched) would."""
    from samestory.screens.lead_words import lead_unmatched

    delivered, landed = _features(
        (DELIVERED, "en", DAY), (LANDED, "en", DAY + dt.timedelta(days=10))
    )
    assert _value(delivered, landed) > lead_unmatched(delivered, landed, _VECTORS)
