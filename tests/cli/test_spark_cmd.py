"""``samestory spark`` as a user runs it: a subprocess, exit codes, files and messages."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import TEST_JVM_OPTIONS, TEST_PARTITIONS

from samestory.ingest import read_paths

SEEDS = Path(__file__).resolve().parents[1] / "fixtures" / "seeds"


def _samestory(*args: str | Path, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    """``python -m samestory.cli ARGS`` (PYTHONPATH and the rest of the environment kept)."""
    return subprocess.run(
        [sys.executable, "-m", "samestory.cli", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, "PYSPARK_PYTHON": sys.executable},
    )


def _error_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if "error" in line.lower()]


@pytest.mark.parametrize(
    ("name", "make"),
    [
        ("missing.jsonl", None),
        ("articles.csv", "id,text\n1,hello\n"),
        ("folder", "folder"),
    ],
)
def test_unreadable_input_is_one_line_before_spark_starts(
    tmp_path: Path, name: str, make: str | None
) -> None:
    pytest.importorskip("pyspark")
    path = tmp_path / name
    if make == "folder":
        path.mkdir()
        (path / "notes.txt").write_text("not records", encoding="utf-8")
    elif make is not None:
        path.write_text(make, encoding="utf-8")
    result = _samestory("spark", path, tmp_path / "out", "--master", "local[1]", timeout=120)
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().count("\n") == 0  # one line, and no Spark log: no JVM started
    assert result.stderr.startswith(f"error: {path}: ")
    assert not (tmp_path / "out").exists()


@pytest.mark.slow
def test_spark_command_writes_stories_and_dedup_records(tmp_path: Path) -> None:
    """The seeds, a repost of one and a record without text, in local[2]: the seeds'
    two stories, and --keep first --by story keeps their first versions. Each seed carries
    the date its file gives (undated, the two stories merge under the default static
    encoder: docs/accuracy.md, known limits)."""
    pytest.importorskip("pyspark")
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        pytest.skip("no Java runtime")
    pq = pytest.importorskip("pyarrow.parquet")
    articles = read_paths([SEEDS]).articles
    records = [
        {"id": a.id, "text": a.text, "title": a.title, "date": a.date and a.date.isoformat()}
        for a in articles
    ]
    records.append({"id": "repost", "text": "Shared from the wire\n\n" + articles[0].text})
    records.append({"id": "empty", "title": "a record without text"})
    source = tmp_path / "crawl.jsonl"
    source.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    out = tmp_path / "out"
    conf = ["--conf", "spark.ui.enabled=false", "--conf", "spark.driver.maxResultSize=1m"]
    conf += ["--conf", f"spark.driver.extraJavaOptions={TEST_JVM_OPTIONS}"]  # as the fixture's
    # The fixture's partitions too (conftest.TEST_PARTITIONS), not the default's 4 on
    # local[2]: the job reads spark.sql.shuffle.partitions as its partition count.
    for key in ("spark.sql.shuffle.partitions", "spark.default.parallelism"):
        conf += ["--conf", f"{key}={TEST_PARTITIONS}"]
    result = _samestory(
        "spark", source, out, "--master", "local[2]", "--dedup", "--keep", "first",
        "--by", "story", *conf,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Traceback" not in result.stderr
    assert f"6 articles, 2 stories ({TEST_PARTITIONS} partitions" in result.stdout
    assert "1 records without text skipped" in result.stdout
    stories = pq.read_table(out / "stories.parquet").to_pylist()
    assert sorted(s["size"] for s in stories) == [2, 4]
    assignments = pq.read_table(out / "assignments.parquet").to_pylist()
    assert {r["article_id"] for r in assignments} == {r["id"] for r in records[:-1]}
    story_of = {r["article_id"]: r["story_id"] for r in assignments}
    assert story_of["repost"] == story_of[articles[0].id]
    assert pq.read_table(out / "relations.parquet").num_rows >= 4
    kept = [
        json.loads(line)
        for part in sorted((out / "records.jsonl").glob("part-*"))
        for line in part.read_text(encoding="utf-8").splitlines()
    ]
    no_text = [r for r in kept if r["id"] == "empty"]
    assert len(no_text) == 1 and no_text[0].get("story_id") is None  # back, unannotated
    kept = [r for r in kept if r["id"] != "empty"]
    assert sorted(r["id"] for r in kept) == sorted(s["first"] for s in stories)
    assert all(r["first_version"] == r["id"] for r in kept)

    # A file without the text column: one error line, exit 1, nothing half-written.
    bad = tmp_path / "no-text.jsonl"
    bad.write_text(json.dumps({"id": "1", "body": "words"}) + "\n", encoding="utf-8")
    result = _samestory("spark", bad, tmp_path / "out2", "--master", "local[1]", *conf)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert _error_lines(result.stderr) == [
        f"error: {bad}: no text column 'text' (got ['body', 'id'])"
    ]
