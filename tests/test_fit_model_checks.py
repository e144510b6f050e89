"""`--check` of scripts/fit_story_model.py and scripts/fit_thread_model.py: a refit with the
file's options is SAME (exit 0), a file with another parameter or option DIFFERS (exit 1)
and says which.

Run on small data folders built from the fixtures, with the static encoder (no USE pass).
"""

from __future__ import annotations

import dataclasses
import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))

import fit_story_model
import fit_thread_model
from conftest import ECBPLUS_SUBSET, MEANTIME_SUBSET, read_jsonl

from samestory import relate


def test_story_model_differences_name_each_changed_parameter():
    shipped = relate.STORY_MODEL
    assert fit_story_model.model_differences(shipped, shipped) == []
    weights = list(shipped.conflict_weights)
    weights[relate.CONFLICT_CUE_NAMES.index("year_gap")] += 0.001
    moved = dataclasses.replace(
        shipped, conflict_weights=tuple(weights), graded_bias=shipped.graded_bias + 1
    )
    lines = fit_story_model.model_differences(shipped, moved)
    assert [line.split(":")[0] for line in lines] == ["graded_bias", "conflict_weights.year_gap"]


def test_thread_model_differences_read_options_first_then_numbers():
    data = {
        "encoder": "use",
        "features": ["a", "b"],
        "learner": {"logistic": True, "C": 3.0},
        "threshold": 0.6,
        "baseline": -5.0,
        "weights": {"a": 1.0, "b": -2.0},
    }
    same = json.loads(json.dumps(data))
    assert fit_thread_model.model_differences(data, same) == []  # no "pairs": all pairs
    nudged = {**same, "pairs": "all", "weights": {"a": 1.0 + 1e-9, "b": -2.0}}
    assert fit_thread_model.model_differences(data, nudged) == []
    assert fit_thread_model.model_differences(data, {**same, "weights": {"a": 1.1, "b": -2.0}}) == [
        "weights.a: 1.0 -> 1.1"
    ]
    other = {**same, "threshold": 0.5, "baseline": 0.0}
    assert fit_thread_model.model_differences(data, other) == ["threshold: 0.6 -> 0.5"]


@pytest.fixture(scope="module")
def data(tmp_path_factory) -> Path:
    """ECB+ (two topics) and MEANTIME subsets, ECB+'s also as GVA, and SemEval-style pairs."""
    folder = tmp_path_factory.mktemp("data")
    ecb = read_jsonl(ECBPLUS_SUBSET)
    topics = sorted({r["topic"] for r in ecb})[:2]
    ecb = [r for r in ecb if r["topic"] in topics]
    meantime = read_jsonl(MEANTIME_SUBSET)
    sets = {"ecbplus_dev": ecb, "meantime_dev": meantime, "gva_dev": ecb}
    for name, records in sets.items():
        (folder / f"{name}.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))
    texts = [r["text"][:400] for r in ecb[:12] + meantime[:12]]
    pairs = [
        {
            "text1": texts[k],
            "text2": texts[(k * 7 + 3) % len(texts)],
            "lang1": "en",
            "lang2": "de" if k % 3 == 0 else "en",
            "overall": 1.0 + (k * 5) % 4,
        }
        for k in range(len(texts))
    ]
    (folder / f"{fit_story_model.PAIR_SET}.jsonl").write_text(
        "".join(json.dumps(p) + "\n" for p in pairs)
    )
    return folder


@pytest.mark.slow
def test_thread_check_says_same_for_its_own_fit_and_differs_otherwise(data, tmp_path, capsys):
    out = tmp_path / "thread_model.json"
    common = ["--data", str(data), "--cache", str(tmp_path / "cache"), "--encoder", "static"]
    # A stated --tol (the file states it, as the default's does) looser than the default
    # 1e-10: the four runs' fits stop sooner (lbfgs iterations of one run 725 -> 488;
    # docs/history/testing.md, 2026-12-07 slowtests); the same data gives the same fit bit
    # for bit at any tol, which is what --check's SAME reads (the optimum itself:
    # tests/test_fit_thread_converge.py).
    common += ["--learner", "logistic", "--C", "3", "--tol", "1e-6", "--out", str(out)]
    args = [*common, "--threshold", "0.6"]
    assert fit_thread_model.main(args) == 0
    assert json.loads(out.read_text())["pairs"] == "all"
    capsys.readouterr()
    assert fit_thread_model.main([*args, "--check"]) == 0
    assert "SAME" in capsys.readouterr().out
    assert fit_thread_model.main([*common, "--threshold", "0.5", "--check"]) == 1
    assert "threshold: 0.6 -> 0.5" in capsys.readouterr().out
    written = json.loads(out.read_text())
    written["baseline"] += 0.01
    out.write_text(json.dumps(written))
    assert fit_thread_model.main([*args, "--check"]) == 1
    assert "DIFFERS" in capsys.readouterr().out and written == json.loads(out.read_text())


@pytest.mark.slow
def test_story_check_of_the_graded_part(data, tmp_path, capsys):
    out = tmp_path / "story_model.json"
    args = ["--data", str(data), "--cache", str(tmp_path / "cache"), "--encoder", "static"]
    args += ["--graded-only", "--short-forms", "", "--out", str(out)]
    assert fit_story_model.main(args) == 0
    capsys.readouterr()
    assert fit_story_model.main([*args, "--check"]) == 0
    assert "SAME" in capsys.readouterr().out
    written = json.loads(out.read_text())
    written["graded_model"]["bias"] += 0.5
    out.write_text(json.dumps(written))
    assert fit_story_model.main([*args, "--check"]) == 1
    printed = capsys.readouterr().out
    assert "DIFFERS" in printed and "graded_bias" in printed
    # The shipped file is not this fit's (other data, other encoder): it differs.
    shipped = ["--out", str(fit_story_model.DEFAULT_OUT)]
    assert fit_story_model.main([*args[:-2], *shipped, "--check"]) == 1
