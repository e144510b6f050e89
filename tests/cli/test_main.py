"""The one-shot commands through Typer's test runner."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from samestory.cli import app

runner = CliRunner()


def test_cluster_json_on_the_seeds_with_workers(seeds_dir: Path):
    result = runner.invoke(app, ["cluster", str(seeds_dir), "--json", "--workers", "2"])
    assert result.exit_code == 0, result.output
    stories = json.loads(result.stdout)["stories"]
    assert sorted(len(s["articles"]) for s in stories) == [2, 3]


def test_negative_workers_is_refused(seeds_dir: Path):
    result = runner.invoke(app, ["cluster", str(seeds_dir), "--workers", "-1"])
    assert result.exit_code == 2
