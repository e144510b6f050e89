"""scripts/fit_check.py: the one --check verdict the three fit scripts print."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))

import fit_check


def test_same_prints_one_line_and_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    assert fit_check.report_check(Path("params/x.json"), []) == 0
    assert capsys.readouterr().out == "params/x.json: SAME (this fit against the file)\n"


def test_differs_lists_each_difference_and_exits_1(capsys: pytest.CaptureFixture[str]) -> None:
    assert fit_check.report_check(Path("x.json"), ["bias: -4.4 -> -4.3", "C: 1 -> 2"]) == 1
    assert capsys.readouterr().out == (
        "x.json: DIFFERS (this fit against the file)\n  bias: -4.4 -> -4.3\n  C: 1 -> 2\n"
    )


PARAMS = Path(__file__).resolve().parents[1] / "src" / "samestory" / "params"


@pytest.mark.parametrize(
    ("script", "file", "field", "value"),
    [
        ("fit_story_model", "story_model.json", "encoder", "elsewhere"),
        ("fit_thread_model", "thread_model.json", "encoder", "elsewhere"),
    ],
)
def test_the_fit_scripts_check_prints_its_verdict(
    script: str, file: str, field: str, value: str, capsys: pytest.CaptureFixture[str]
) -> None:
    check_model = __import__(script).check_model
    shipped = json.loads((PARAMS / file).read_text(encoding="utf-8"))
    assert check_model(PARAMS / file, shipped) == 0
    assert capsys.readouterr().out == f"{PARAMS / file}: SAME (this fit against the file)\n"
    assert check_model(PARAMS / file, {**shipped, field: value}) == 1
    printed = capsys.readouterr().out.splitlines()
    assert printed[0] == f"{PARAMS / file}: DIFFERS (this fit against the file)"
    assert f"  {field}: {shipped[field]} -> {value}" in printed
