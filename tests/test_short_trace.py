"""``scripts/short_trace.py``: which pairs a short form loses against its full texts, and
the class each lost pair goes to (as docs/history/accuracy.md's trace of 2026-12-05, leads,
reads it)."""

from __future__ import annotations

import math
import sys
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))

import short_trace  # noqa: E402


def _logit(p: float) -> float:
    return math.log(p / (1 - p))


def parts(score: float, after: float | None = None, **kw: float) -> dict[str, Any]:
    base = {"score": score, "after_step": score if after is None else after}
    base.update(logit=_logit(max(min(score, 0.999), 0.001)), short=0.0, conflicts=0.0)
    base.update(factor=1.0, rewrite=0.0, gap=None)
    base.update(kw)
    return base


def test_missed_classes_in_order() -> None:
    assert short_trace._missed_class(None, 0.4) == "not proposed"
    assert short_trace._missed_class(parts(0.7), 0.4) == "linked"
    assert short_trace._missed_class(parts(0.7, after=0.2), 0.4) == "cut by the step"
    assert short_trace._missed_class(parts(0.35), 0.4) == "just under"
    assert short_trace._missed_class(parts(0.1), 0.4) == "far under"


def test_merged_classes() -> None:
    assert short_trace._merged_class(None, 0.4) == "chained, not proposed"
    assert short_trace._merged_class({"score": 1.0, "after_step": 1.0, "copy": True}, 0.4) == (
        "copies"
    )
    assert short_trace._merged_class(parts(0.9), 0.4) == "linked"
    assert short_trace._merged_class(parts(0.3), 0.4) == "chained, scored under"


def test_held_by_names_the_input_that_alone_lifts_the_pair() -> None:
    # P(event) 0.8 cut by a date factor of 0.3: the date factor holds it.
    assert short_trace.held_by(parts(0.24, logit=_logit(0.8), factor=0.3), 0.4) == "date factor"
    # Log-odds 0.2 under the bar's, with a conflict part of -1: the conflicts hold it.
    held = parts(0.3, logit=_logit(0.3), conflicts=-1.0)
    assert short_trace.held_by(held, 0.4) == "conflicts"
    held = parts(0.3, logit=_logit(0.3), short=-1.0)
    assert short_trace.held_by(held, 0.4) == "short part"
    # Nothing but the cues: no part taken out reaches the bar.
    assert short_trace.held_by(parts(0.1, conflicts=-0.1), 0.4) == "cues"


def test_bare_is_no_name_no_number_no_near_date() -> None:
    assert short_trace.bare({"names": [], "numbers": [], "date": False})
    assert not short_trace.bare({"names": ["obama"], "numbers": [], "date": False})
    assert not short_trace.bare({"names": [], "numbers": [], "date": True})


class FakeScored:
    def __init__(self, ids: list[str], gold: list[str], labels: list[int], pairs: dict) -> None:
        self.dev = SimpleNamespace(features=[SimpleNamespace(id=i) for i in ids], gold=gold)
        self.labels = labels
        self.pairs = pairs

    def scored(self, i: int, j: int) -> dict[str, Any] | None:
        return self.pairs.get((min(i, j), max(i, j)))


def test_trace_counts_only_what_the_short_form_loses(monkeypatch: pytest.MonkeyPatch) -> None:
    none = {"names": [], "numbers": [], "date": False, "gap": None}
    monkeypatch.setattr(short_trace, "evidence", lambda a, b: none)
    ids, gold = ["a1", "a2", "b1", "b2"], ["A", "A", "B", "B"]
    full = FakeScored(ids, gold, [0, 0, 1, 1], {})  # the full texts right
    # The short form: a2 apart from a1 (never proposed), a2 merged with b1 (linked).
    short = FakeScored(ids, gold, [0, 1, 1, 2], {(1, 2): parts(0.9)})
    t = short_trace.trace(full, short, 0.4)  # type: ignore[arg-type]
    assert t["lost_missed"] == 2  # a1-a2 and b1-b2
    assert t["missed"] == {"not proposed": 2}
    assert t["lost_merged"] == 1 and t["merged_how"] == {"linked": 1}
    assert t["merged_by_stories"] == {"A+B": 1}
    assert t["won_missed"] == t["won_merged"] == 0
    assert t["bare_missed"] == 2


class FakeDev:
    """Two gold stories of two texts; the grouping links every pair scored >= 0.4."""

    def __init__(self, scores: list[float], gaps: list[int | None]) -> None:
        self.gold = ["A", "A", "B", "B"]
        self.pairs = [(0, 1), (2, 3), (1, 2)]
        self.features = [SimpleNamespace(id=str(k)) for k in range(4)]
        cues = SimpleNamespace(year_gap=0.0, number_conflict=0.0)
        self.measures = [SimpleNamespace(date_gap=g, cues=cues) for g in gaps]
        self._scores = scores

    def scores(self, model: Any, config: Any) -> Any:
        import numpy as np

        return np.array(self._scores)

    def grouping(self, scores: Any, config: Any) -> Any:
        import numpy as np

        labels = list(range(4))
        for (i, j), s in zip(self.pairs, scores.tolist(), strict=True):
            if s >= 0.4:
                old, new = labels[j], labels[i]
                labels = [new if x == old else x for x in labels]
        return np.array(labels)


def test_floor_keeps_what_no_evidence_reaches(monkeypatch: pytest.MonkeyPatch) -> None:
    # Pair (0, 1) bare and missed; pair (1, 2) a wrong link with no date difference.
    bare_pairs = {("0", "1")}
    monkeypatch.setattr(
        short_trace,
        "evidence",
        lambda a, b: (
            {"names": [] if (a.id, b.id) in bare_pairs else ["x"], "numbers": []}
            | {"date": False, "gap": None}
        ),
    )
    dev = FakeDev([0.1, 0.9, 0.8], [None, None, None])
    f = short_trace.floor(dev, None)  # type: ignore[arg-type]
    assert f["oracle"] == 1.0
    assert f["shipped"] < f["oracle, different-story pairs only"] < 1.0  # (0, 1) stays apart
    assert f["oracle but bare"] == f["oracle, different-story pairs only"]
    assert f["oracle but bare, indistinct"] == f["shipped"]  # both errors kept
    # Dated 20 days apart, the wrong link is reachable: only the bare pair is kept.
    dev = FakeDev([0.1, 0.9, 0.8], [None, None, 20])
    f = short_trace.floor(dev, None)  # type: ignore[arg-type]
    assert f["oracle but bare, indistinct"] == f["oracle but bare"]
