"""scripts/pair_contributions.py: each input's share of a pair's log-odds under the
shipped pair file, summing to the file's own scoring."""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path
from runpy import run_path

import pytest

from samestory.config import DEFAULT_CONFIG
from samestory.features import featurize
from samestory.models import Article
from samestory.pair_model import load_pair_model
from samestory.pipeline.compare import compare
from samestory.relate import measure_pair

_SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "pair_contributions.py"
_TOOL = run_path(str(_SCRIPT))

A = (
    "A fire destroyed a warehouse on Main Street in Springfield on Monday. "
    "Firefighters from three towns fought the blaze for six hours. "
    "No one was hurt, the fire chief said."
)
B = (
    "Fire crews spent six hours on a warehouse fire on Main Street in Springfield. "
    "The fire chief said no one was injured in Monday's blaze."
)


def test_the_contributions_sum_to_the_files_probability():
    model = load_pair_model()
    assert model is not None
    a, b = featurize([Article(id="a", text=A), Article(id="b", text=B)], DEFAULT_CONFIG.for_pairs())
    out, z, factor = _TOOL["contributions"](model, a, b)
    assert set(out) == set(model.inputs)
    assert math.isclose(z, model.bias + sum(c for _, c in out.values()))
    p = 1.0 / (1.0 + math.exp(-z)) * (factor if model.gate else 1.0)
    assert math.isclose(p, model.probability(measure_pair(a, b), a, b), abs_tol=1e-9)
    lines = _TOOL["report"](model, a, b, 3).splitlines()
    assert len(lines) == 3 and lines[1].startswith("  up: ") and lines[2].startswith("  down: ")
    assert lines[1].count(", ") == 2 and lines[2].count(", ") == 2  # three inputs each


def test_the_command_reads_a_sets_records_and_decides_as_compare(tmp_path, monkeypatch, capsys):
    records = [{"id": "x1", "text": A, "story": "s", "topic": "t"}]
    records.append({"id": "x2", "text": B, "story": "s", "topic": "t"})
    (tmp_path / "some_dev.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))
    argv = ["pair_contributions.py", "--set", "some_dev", "--data", str(tmp_path), "x1", "x2"]
    monkeypatch.setattr(sys, "argv", argv)
    _TOOL["main"]()
    first = capsys.readouterr().out.splitlines()[0]
    scores = compare(Article(id="x1", text=A), Article(id="x2", text=B)).evidence.scores
    assert first.startswith(f"x1 (en) / x2 (en): P {scores['pair_model']:.3f} against ")
    assert ("(linked)" in first) == (scores["pair_model"] >= scores["pair_threshold"])
    monkeypatch.setattr(sys, "argv", [*argv[:-1]])  # an odd count of ids
    with pytest.raises(SystemExit):
        _TOOL["main"]()
