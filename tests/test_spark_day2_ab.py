"""``benchmarks/spark_day2_ab.py``'s digests and search (no Spark): the helpers it shares
with ``benchmarks/spark.py`` and ``benchmarks/spark_incremental.py`` give the values its
own copies gave (pinned on two tiny output tables, 2026-12-07)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")

import spark_day2_ab as ab  # noqa: E402
from spark import _story_digests  # noqa: E402


@pytest.fixture
def out(tmp_path: Path) -> Path:
    stories = {"story_id": ["s-2", "s-1"], "article_ids": [["b", "a"], ["c"]]}
    pq.write_table(pa.table({**stories, "thread": ["t-1", None]}), tmp_path / "stories.parquet")
    relations = {
        "a": ["a", "a"],
        "b": ["c", "b"],
        "kind": ["same_event", "rewrite"],
        "score": [0.41234567891, 0.9],
    }
    pq.write_table(pa.table(relations), tmp_path / "relations.parquet")
    return tmp_path


def test_the_digests_are_those_of_the_harness_own_copies(out: Path) -> None:
    assert ab.relations_digest(out) == ("84ac34451aa5", 2)
    assert _story_digests(out) == {
        "stories_digest": "2a15414f7c96",
        "threads_digest": "1f17fc67ad76",
    }


def test_the_search_is_the_one_the_harness_passed() -> None:
    assert ab.SEARCH.options() == {"exact_limit": 200, "cell_size": 100, "task_bound": 300}
    assert ab.SEARCH.max_cells == 4
