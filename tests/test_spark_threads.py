"""Story threads on Spark are the local ones (samestory.api.cluster's ``Story.thread``)."""

from __future__ import annotations

import collections
import datetime as dt
import json
import os
from pathlib import Path

import pytest

from samestory.spark.stages import thread_component
from samestory.threads import THREAD_THRESHOLD, thread_groups

GVA = Path(os.environ.get("SAMESTORY_SHARED", "/work/shared")) / "data" / "gva_dev.jsonl"
#: Incidents with later coverage (articles more than this many days apart) in the sample.
LATER_DAYS = 30
INCIDENTS = 8
DISTRACTORS = 30
#: Every this-many-th record of the sample loses its date (undated pairs take their
#: stories' gap, re-scored on Spark from the texts' views).
UNDATED_EVERY = 6
COPY_EVERY = 9


def test_component_threads_are_thread_groups_over_representatives() -> None:
    # Stories 10 (reps 10, 11, 12), 20 (20), 30 (30, 31): 10-20 strongly, 20-30 weakly.
    pairs = [(10, 20, 10, 20, 0.9), (11, 20, 10, 20, 0.8), (20, 30, 20, 30, 0.05)]
    sizes = [(10, 3), (20, 1), (30, 2)]
    got = dict(thread_component(pairs, sizes, THREAD_THRESHOLD))
    # The same items locally: 0-2 story 10, 3 story 20, 4-5 story 30.
    local = thread_groups(
        6, [(0, 3, 0.9), (1, 3, 0.8), (3, 4, 0.05)], [10, 10, 10, 20, 30, 30], THREAD_THRESHOLD
    )
    story_of = [10, 10, 10, 20, 30, 30]
    expected = {story_of[k]: min(story_of[i] for i in t) for t in local for k in t}
    assert got == expected
    assert set(got) == {10, 20, 30}


def _sample() -> list[dict[str, str]]:
    """Whole GVA incidents with later coverage, then single articles of other incidents
    of the same kinds (the distractors of one kind of incident), some of them undated."""
    records = [json.loads(line) for line in GVA.open(encoding="utf-8") if line.strip()]
    by_story: dict[str, list[dict[str, str]]] = collections.defaultdict(list)
    for r in records:
        by_story[r["story"]].append(r)

    def span(listed: list[dict[str, str]]) -> int:
        days = [dt.date.fromisoformat(r["date"][:10]) for r in listed]
        return (max(days) - min(days)).days

    later = [s for s, v in by_story.items() if len(v) >= 3 and span(v) > LATER_DAYS]
    # The most covered first (most stories of one incident), ties in file order.
    later.sort(key=lambda s: -len(by_story[s]))
    chosen = [r for s in later[:INCIDENTS] for r in by_story[s]]
    kinds = {r["topic"] for r in chosen}
    others = [v[0] for s, v in by_story.items() if s not in later and v[0]["topic"] in kinds]
    sample = chosen + others[:DISTRACTORS]
    # Reposts (copies: a story weighs its representatives, not its copies).
    sample += [
        {**r, "id": r["id"] + "~copy", "text": "Breaking News\n\n" + r["text"]}
        for r in sample[::COPY_EVERY]
    ]
    return [
        {k: v for k, v in r.items() if not (k == "date" and n % UNDATED_EVERY == 0)}
        for n, r in enumerate(sample)
    ]


@pytest.mark.slow
def test_spark_threads_match_local_on_gva_later_coverage(spark: object, tmp_path: Path) -> None:
    pytest.importorskip("pyspark")
    pyarrow_parquet = pytest.importorskip("pyarrow.parquet")
    from samestory import spark as samestory_spark
    from samestory.api import cluster
    from samestory.ingest import read_paths

    records = _sample()
    path = tmp_path / "gva.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    local = cluster(read_paths(path).articles)
    threads = collections.Counter(s.thread for s in local)
    assert sum(1 for n in threads.values() if n > 1) >= 3  # threads of several stories
    out = tmp_path / "out"
    samestory_spark.run(spark, path, out)
    rows = pyarrow_parquet.read_table(out / "stories.parquet").to_pylist()
    assert {r["story_id"]: r["thread"] for r in rows} == {s.id: s.thread for s in local}


@pytest.mark.slow
def test_incremental_run_says_it_writes_no_threads(
    spark: object, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Incremental runs compute no threads: their stories carry no ``thread`` column (not
    a wrong one) and the run says so in one line."""
    pytest.importorskip("pyspark")
    pyarrow_parquet = pytest.importorskip("pyarrow.parquet")
    from samestory.spark.incremental import THREADS_NOT_COMPUTED, run_incremental

    path = tmp_path / "gva.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in _sample()[:20]), encoding="utf-8")
    out = tmp_path / "out"
    with caplog.at_level("WARNING", logger="samestory"):
        run_incremental(spark, path, out, tmp_path / "state")
    assert [r.getMessage() for r in caplog.records].count(THREADS_NOT_COMPUTED) == 1
    assert "thread" not in pyarrow_parquet.read_table(out / "stories.parquet").column_names
