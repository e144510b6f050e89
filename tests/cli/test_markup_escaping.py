"""Article text is never read as rich markup: `cluster`, `add`, `show`, `stories`, `compare`.

A title like ``Storm hits coast [/UPDATE]`` used to crash them (a closing tag with
nothing open) and ``[bold red]x[/bold red]`` was rendered as styling.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from samestory.cli import app

CRASHER = "Storm hits coast [/UPDATE]"
STYLED = "[bold red]x[/bold red]"
runner = CliRunner()


def cli(*args: object):
    return runner.invoke(app, [str(a) for a in args], env={"COLUMNS": "200"})


@pytest.fixture
def marked_up(tmp_path: Path, seed_articles, monkeypatch) -> Path:
    """The seeds with markup-like titles, sources and ids, as a JSONL file."""
    monkeypatch.delenv("SAMESTORY_DB", raising=False)
    path = tmp_path / "marked.jsonl"
    odd = {
        "003": {"title": CRASHER, "source": "[link=http://x]wire[/link]"},
        "004": {"title": STYLED, "id": "[b]004[/b]"},
        "000": {"title": "Leavitt [italic]briefs[/"},
    }
    lines = []
    for prefix in ("000", "003", "004"):
        article = dataclasses.replace(seed_articles[prefix], **odd[prefix])
        lines.append(json.dumps(article.to_dict()))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_cluster_prints_titles_as_text(marked_up: Path):
    result = cli("cluster", marked_up, "-q")
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output and "MarkupError" not in result.output
    titles = [s["title"] for s in json.loads(cli("cluster", marked_up, "--json").stdout)["stories"]]
    assert set(titles) & {CRASHER, STYLED, "Leavitt [italic]briefs[/"}
    assert all(title in result.stdout for title in titles)
    assert "[b]004[/b]" in result.stdout and "[link=http://x]wire[/link]" in result.stdout


def test_add_stories_and_show_print_titles_as_text(marked_up: Path, tmp_path: Path):
    db = tmp_path / "s.db"
    added = cli("add", marked_up, "--db", db)
    assert added.exit_code == 0, added.output
    assert CRASHER in added.stdout and STYLED in added.stdout and "[b]004[/b]" in added.stdout
    listed = cli("stories", "--db", db)
    assert listed.exit_code == 0, listed.output
    stories = json.loads(cli("stories", "--db", db, "--json").stdout)["stories"]
    assert all(s["title"] in listed.stdout for s in stories)
    shown = [cli("show", s["id"], "--db", db) for s in stories]
    assert all(r.exit_code == 0 and "Traceback" not in r.output for r in shown)
    text = "".join(r.stdout for r in shown)
    for literal in (CRASHER, STYLED, "[b]004[/b]", "[link=http://x]wire[/link]"):
        assert literal in text


def test_compare_prints_sentences_and_ids_as_text(tmp_path: Path):
    a = tmp_path / "a.jsonl"
    b = tmp_path / "b.jsonl"
    base = "The storm reached the coast on Monday. Thousands of homes lost power overnight."
    a.write_text(json.dumps({"id": "[red]a[/red]", "text": base}) + "\n")
    b.write_text(
        json.dumps({"id": "b", "text": base + f" Officials said: {CRASHER} and {STYLED}."}) + "\n"
    )
    result = cli("compare", a, b)
    assert result.exit_code == 0, result.output
    assert "[red]a[/red]" in result.stdout
    assert "[/UPDATE]" in result.stdout and STYLED in result.stdout
