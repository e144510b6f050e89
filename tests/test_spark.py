"""The Spark pipeline finds the same stories as the local one (samestory.api.cluster)."""

from __future__ import annotations

import json
import os
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

pytest.importorskip("pyspark")
pyarrow_parquet = pytest.importorskip("pyarrow.parquet")

from sklearn.metrics import adjusted_rand_score  # noqa: E402

from samestory import spark as samestory_spark  # noqa: E402
from samestory.api import cluster  # noqa: E402
from samestory.models import Article  # noqa: E402

FIXTURES = Path(__file__).resolve().parent / "fixtures"
ECBPLUS = FIXTURES / "ecbplus_dev_subset.jsonl"  # the first four ECB+ dev topics
SEEDS = FIXTURES / "seeds"
MIN_RECORDS = 100

# PySpark starts a JVM and runs the pipeline twice (Spark and local): 30-200 s in all.
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def spark() -> Iterator[object]:
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        pytest.skip("no Java runtime")
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    from pyspark.sql import SparkSession

    session = (
        SparkSession.builder.master("local[2]")
        .appName("samestory-test")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.default.parallelism", "4")
        .config("spark.driver.memory", "2g")
        .getOrCreate()
    )
    yield session
    session.stop()


def _read_output(out: Path) -> tuple[dict[str, str], list[dict[str, object]], list[dict]]:
    assignments = pyarrow_parquet.read_table(out / "assignments.parquet").to_pylist()
    stories = pyarrow_parquet.read_table(out / "stories.parquet").to_pylist()
    relations = pyarrow_parquet.read_table(out / "relations.parquet").to_pylist()
    return {r["article_id"]: r["story_id"] for r in assignments}, stories, relations


def _compare(articles: list[Article], out: Path) -> None:
    local = cluster(articles)
    local_of = {a: s.id for s in local for a in s.articles}
    spark_of, stories, relations = _read_output(out)
    ids = [a.id for a in articles]
    assert set(spark_of) == set(ids)
    assert adjusted_rand_score([local_of[i] for i in ids], [spark_of[i] for i in ids]) == 1.0
    assert spark_of == local_of  # same story ids (from the same first versions)
    by_id = {s["story_id"]: s for s in stories}
    assert set(by_id) == {s.id for s in local}
    for story in local:
        row = by_id[story.id]
        assert row["article_ids"] == list(story.articles)
        assert row["first"] == story.first
        assert row["title"] == story.title
        assert row["size"] == len(story.articles)
    assert [s["size"] for s in stories] == sorted((s["size"] for s in stories), reverse=True)
    for r in relations:
        json.loads(r["evidence_json"])
        assert 0.0 <= r["score"] <= 1.0


def test_spark_matches_local_on_ecbplus(spark: object, tmp_path: Path) -> None:
    records: list[dict[str, str]] = []
    with ECBPLUS.open(encoding="utf-8") as fh:
        for line in fh:
            if not line.strip():
                continue
            record = json.loads(line)
            # Whole topics (the file is grouped by topic) until about MIN_RECORDS.
            if len(records) >= MIN_RECORDS and record["topic"] != records[-1]["topic"]:
                break
            records.append(record)
    assert len({r["topic"] for r in records}) >= 3  # several full topics
    path = tmp_path / "in.jsonl"
    path.write_text(
        "".join(json.dumps({"id": r["id"], "text": r["text"]}) + "\n" for r in records),
        encoding="utf-8",
    )
    out = tmp_path / "out"
    samestory_spark.run(spark, path, out)
    articles = [Article(id=r["id"], text=r["text"].strip()) for r in records]
    _compare(articles, out)


def test_spark_reads_parquet(spark: object, tmp_path: Path) -> None:
    files = sorted(SEEDS.glob("*.txt"))
    import pyarrow as pa

    from samestory.ingest import read_paths

    articles = read_paths(files).articles
    table = pa.table(
        {
            "id": [a.id for a in articles],
            "text": [a.text for a in articles],
            "title": [a.title for a in articles],
            "date": [a.date for a in articles],
            "source": [a.source for a in articles],
        }
    )
    path = tmp_path / "in.parquet"
    pyarrow_parquet.write_table(table, path)
    out = tmp_path / "out"
    samestory_spark.run(spark, path, out)
    _compare(
        [
            Article(id=a.id, text=a.text, title=a.title, date=a.date, source=a.source)
            for a in articles
        ],
        out,
    )


def test_blocked_vector_search_matches_local(spark: object) -> None:
    """Several blocks, duplicated vectors (ties): the same neighbour pairs as locally."""
    import types

    import numpy as np

    from samestory.candidates import CandidateIndex
    from samestory.config import DEFAULT_CONFIG
    from samestory.embed import normalize_rows

    rng = np.random.default_rng(0)
    base = normalize_rows(rng.normal(size=(12, 16)).astype(np.float32))
    noise = rng.normal(scale=0.3, size=(90, 16)).astype(np.float32)
    vectors = normalize_rows(base[rng.integers(0, 12, 90)] + noise)
    vectors[50:60] = vectors[3]  # exact ties across blocks
    docs = [types.SimpleNamespace(id=f"d{i}", vector=v) for i, v in enumerate(vectors)]
    config = DEFAULT_CONFIG.replace(ann_neighbours=5)
    index = CandidateIndex(config, dim=16)
    index._pending = [d.vector for d in docs]
    index._ids = [d.id for d in docs]
    expected = set()
    for i, d in enumerate(docs):
        for other in index._vector_neighbours(d.vector):
            j = int(other[1:])
            if j != i:
                expected.add((min(i, j), max(i, j)))
    rdd = spark.sparkContext.parallelize(list(enumerate(vectors)), 3)  # type: ignore[attr-defined]
    got = set(samestory_spark.vector_pairs(rdd, len(docs), config, partitions=3).collect())
    assert got == expected
