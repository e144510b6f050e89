"""benchmarks/accuracy.py: short forms at thread level, and their gap to the full texts."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from benchmarks import accuracy  # noqa: E402


def _row(ari: float, thread: float | None = None) -> dict:
    row = {"ari": ari}
    return row if thread is None else row | {"thread": {"ari": thread}}


def test_gaps_put_each_form_beside_its_full_texts_at_both_levels() -> None:
    results = {
        "gva": {"kind": "articles", "systems": {"s": _row(0.8, 0.87), "m": _row(0.5)}},
        "gva:lead": {"kind": "articles", "systems": {"s": _row(0.57, 0.6), "m": _row(0.4)}},
        "gva:headline": {"kind": "articles", "systems": {"s": {"error": "failed"}}},
        "gva:independent": {"kind": "articles", "systems": {"s": _row(0.95, 0.95)}},
        "only:lead": {"kind": "articles", "systems": {"s": _row(0.9, 0.9)}},
        "pairs": {"kind": "pairs", "systems": {"s": {"pearson": 0.7}}},
    }
    gaps = accuracy.short_form_gaps(results)
    by_key = {(g["dataset"], g["system"], g["level"]): g for g in gaps}
    # No full file for "only", no form for the pair file, no thread row for "m"; the
    # independent-report set is a full-text set, not a short form; a failed form is left out.
    assert set(by_key) == {("gva", "s", "story"), ("gva", "s", "thread"), ("gva", "m", "story")}
    thread = by_key["gva", "s", "thread"]
    assert thread["full"] == 0.87 and thread["forms"] == {"lead": 0.6}
    assert thread["gaps"]["lead"] == pytest.approx(0.27)
    assert by_key["gva", "m", "story"]["gaps"]["lead"] == pytest.approx(0.1)


def test_short_forms_get_thread_rows_and_the_gap_table(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    records = [
        {"id": "1", "text": "Quake hits city. Many houses fell.", "story": "q", "lang": "en"},
        {"id": "2", "text": "City hit by quake. Houses fell.", "story": "q", "lang": "en"},
        {"id": "3", "text": "Singer enters rehab. Her label said so.", "story": "r", "lang": "en"},
        {"id": "4", "text": "Rehab for the singer. Label confirmed.", "story": "r", "lang": "en"},
    ]
    with (tmp_path / "arts.jsonl").open("w", encoding="utf-8") as f:
        for r in records:
            f.write(json.dumps(r) + "\n")
    args = ["--data", str(tmp_path), "--systems", "samestory-static", "--short-forms", "lead"]
    args += ["--no-independent", "--no-kinds"]
    assert accuracy.main([*args, "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    lead = report["results"]["arts:lead"]["systems"]["samestory-static"]
    assert lead["thread"]["docs"] == 4
    levels = {g["level"] for g in report["short_form_gaps"]}
    assert levels == {"story", "thread"}
    assert accuracy.main(args) == 0
    out = capsys.readouterr().out
    assert "arts:lead (thread)" in out and "Short forms against the full texts" in out


def test_short_errors_counts_missed_pairs_by_cause_and_merges_by_story() -> None:
    sys.path.insert(0, str(REPO / "scripts"))
    import short_errors

    undated = SimpleNamespace(date=None, date_from_text=False, written_date=None)
    dev = SimpleNamespace(
        gold=["a", "a", "a", "b", "b"],
        pairs=[(0, 1), (0, 2), (1, 2), (0, 3), (3, 4)],
        features=[undated] * 5,
    )
    scores = np.array([0.9, 0.3, 0.5, 0.5, 0.2])
    labels = np.array([0, 0, 1, 0, 2])
    missed, merged = short_errors.budget(dev, scores, labels, 0.4)  # type: ignore[arg-type]
    # (0, 2) scored 0.3, (1, 2) linked at 0.5 but apart; text 4's best link is 0.2.
    assert missed == {"scored under": 1, "linked, linkage under": 1, "no link": 1}
    assert merged == {"a+b": 2}  # texts 0 and 1 sit with text 3
