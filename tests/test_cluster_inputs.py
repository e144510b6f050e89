"""samestory cluster on a crawl a dataset builder hands it: what its messages say."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from samestory.cli import app

runner = CliRunner()


def test_an_empty_file_is_named_as_holding_no_records(tmp_path: Path) -> None:
    empty = tmp_path / "crawl.jsonl"
    empty.write_text("", encoding="utf-8")
    result = runner.invoke(app, ["cluster", str(empty), "-q"])
    assert result.exit_code == 1
    assert (
        result.output.strip() == f"error: no article could be read from {empty} (no records in it)"
    )


def test_a_csv_without_the_text_column_is_one_line_naming_its_columns(tmp_path: Path) -> None:
    crawl = tmp_path / "crawl.csv"
    rows = "".join(f"a{n},Body number {n} of the crawl.\n" for n in range(50))
    crawl.write_text("id,body\n" + rows, encoding="utf-8")
    result = runner.invoke(app, ["cluster", str(crawl), "-q"])
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [
        f"skipped {crawl}: no text column 'text' in CSV header (columns: id, body)",
        f"error: no article could be read from {crawl} (1 skipped)",
    ]


def test_help_examples_name_a_crawl_file_not_the_projects_own_folders() -> None:
    result = runner.invoke(app, ["cluster", "--help"])
    assert result.exit_code == 0
    assert "../shared" not in result.output and "cluster crawl.jsonl --json" in result.output


def test_a_jsonl_without_the_text_field_names_five_records_then_counts_the_rest(
    tmp_path: Path,
) -> None:
    """JSONL has no header to check first: every record is skipped alike; the first
    SKIP_LINES_PER_REASON are named, then one line counts the rest (was 50 lines)."""
    import json

    from samestory.cli.common import SKIP_LINES_PER_REASON

    crawl = tmp_path / "crawl.jsonl"
    records = [{"id": f"a{n}", "body": f"Body number {n}."} for n in range(50)]
    lines = [json.dumps(r) for r in records] + ["{not json"] * 2
    crawl.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = runner.invoke(app, ["cluster", str(crawl), "-q"])
    assert result.exit_code == 1
    named = [f"skipped {crawl}:{n}: record has no text (field 'text' missing)" for n in (1, 2)]
    out = result.output.strip().splitlines()
    assert out[:2] == named and len(out) == SKIP_LINES_PER_REASON + 2 + 2
    assert out[SKIP_LINES_PER_REASON : SKIP_LINES_PER_REASON + 2] == [
        f"skipped {crawl}:51: invalid JSON on line 51: Expecting property name enclosed in "
        "double quotes: line 1 column 2 (char 1)",
        f"skipped {crawl}:52: invalid JSON on line 52: Expecting property name enclosed in "
        "double quotes: line 1 column 2 (char 1)",
    ]
    assert out[-2:] == [
        "skipped … and 45 more: 45 × record has no text (field 'text' missing) "
        "(--verbose or --json lists every one)",
        f"error: no article could be read from {crawl} (52 skipped)",
    ]


@pytest.mark.parametrize("flag", ["--verbose", "-v"])
def test_cluster_verbose_names_every_skipped_record(tmp_path: Path, flag: str) -> None:
    import json

    crawl = tmp_path / "crawl.jsonl"
    records = [{"id": f"a{n}", "body": f"Body number {n}."} for n in range(12)]
    crawl.write_text("\n".join(json.dumps(r) for r in records) + "\n", encoding="utf-8")
    result = runner.invoke(app, ["cluster", str(crawl), "-q", flag])
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [
        *(f"skipped {crawl}:{n}: record has no text (field 'text' missing)" for n in range(1, 13)),
        f"error: no article could be read from {crawl} (12 skipped)",
    ]
