"""Story threads on Spark are the local ones (samestory.api.cluster's ``Story.thread``)."""

from __future__ import annotations

import collections
import datetime as dt
import json
import os
from pathlib import Path

import pytest

from samestory.spark.stages import (
    _bounded_local,
    _thread_cuts,
    thread_component,
    threads_in_one_task,
)
from samestory.threads import THREAD_THRESHOLD, first_story_key, thread_groups, thread_id

GVA = Path(os.environ.get("SAMESTORY_SHARED", "/work/shared")) / "data" / "gva_dev.jsonl"
#: Incidents with later coverage (articles more than this many days apart) in the sample.
LATER_DAYS = 30
INCIDENTS = 8
DISTRACTORS = 30
#: Every this-many-th record of the sample loses its date (undated pairs take their
#: stories' gap, re-scored on Spark from the texts' views).
UNDATED_EVERY = 6
COPY_EVERY = 9
#: The earlier-dated share of the sample that arrives on day 1 of an incremental run.
DAY1_SHARE = 0.6


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


def test_one_task_threads_are_thread_groups_named_by_their_first_story() -> None:
    """The one-task path: the same stories as above, each thread named by its first
    story (earliest first version, undated last), every story of a thread pair listed."""
    pairs = [(10, 20, 10, 20, 0.9), (11, 20, 10, 20, 0.8), (20, 30, 20, 30, 0.05)]
    sizes = [(10, 3), (20, 1), (30, 2)]
    firsts = {10: ("s-a", dt.date(2020, 1, 5)), 20: ("s-b", dt.date(2020, 1, 1)), 30: ("s-c", None)}
    rows = [(0, e) for e in pairs] + [(1, s) for s in sizes] + [(2, f) for f in firsts.items()]
    got = dict(threads_in_one_task(rows))
    story_of = [10, 10, 10, 20, 30, 30]
    local = thread_groups(6, [(0, 3, 0.9), (1, 3, 0.8), (3, 4, 0.05)], story_of, THREAD_THRESHOLD)
    expected = {}
    for thread in local:
        stories = {firsts[story_of[k]] for k in thread}
        first = min(stories, key=lambda s: first_story_key(*s))[0]
        expected.update((story, thread_id(first)) for story, _ in stories)
    linked = {firsts[g][0] for e in pairs if e[4] >= min(_thread_cuts()) for g in e[2:4]}
    assert got == {story: expected[story] for story in linked}


def test_one_task_components_are_cut_as_the_distributed_ones() -> None:
    """A story graph over the limit is cut at the next score, as bounded_components
    cuts it; still over at the last cut, it is one thread (no linkage)."""
    low, high = _thread_cuts()[0], _thread_cuts()[1]
    edges = {(1, 2): 0.95, (2, 3): (low + high) / 2, (3, 4): 0.95}
    assert sorted((sorted(m), k) for m, k in _bounded_local(edges, _thread_cuts(), 3)) == [
        ([1, 2], True),
        ([3, 4], True),
    ]
    assert sorted((sorted(m), k) for m, k in _bounded_local(edges, _thread_cuts(), 4)) == [
        ([1, 2, 3, 4], True)
    ]
    assert sorted((sorted(m), k) for m, k in _bounded_local(edges, _thread_cuts(), 1)) == [
        ([1, 2], False),
        ([3, 4], False),
    ]


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


def _days(records: list[dict[str, str]]) -> tuple[list[dict[str, str]], list[dict[str, str]]]:
    """Two days of a feed: the earlier-dated ``DAY1_SHARE`` of the records, then the
    rest (later coverage, the undated records last), each day in its records' order."""
    order = sorted(range(len(records)), key=lambda k: (records[k].get("date") or "~", k))
    first = set(order[: int(len(records) * DAY1_SHARE)])
    day1 = [r for k, r in enumerate(records) if k in first]
    return day1, [r for k, r in enumerate(records) if k not in first]


@pytest.fixture(scope="module")
def gva_days(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The sample's two days and both together (day 1 then day 2) as JSON Lines files."""
    tmp = tmp_path_factory.mktemp("gva-days")
    day1, day2 = _days(_sample())
    paths = {}
    for name, rows in (("day1", day1), ("day2", day2), ("all", day1 + day2)):
        paths[name] = tmp / f"{name}.jsonl"
        paths[name].write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return paths


@pytest.fixture(scope="module")
def gva_full(
    spark: object, gva_days: dict[str, Path], tmp_path_factory: pytest.TempPathFactory
) -> Path:
    """The full job over both days (threads in one task, the default): the one-task path
    of the local = Spark test and the full rerun the incremental test compares with
    (each ran this job on its own before 2026-12-07, the first over the same records in
    the sample's order)."""
    pytest.importorskip("pyspark")
    pytest.importorskip("pyarrow.parquet")
    from samestory import spark as samestory_spark

    out = tmp_path_factory.mktemp("gva-full") / "full"
    samestory_spark.run(spark, gva_days["all"], out)
    return out


@pytest.mark.slow
def test_spark_threads_match_local_on_gva_later_coverage(
    spark: object,
    gva_days: dict[str, Path],
    gva_full: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Both paths: every thread found in one task (the module's full job), and across
    tasks (the story graph's components distributed, as above ``THREAD_ONE_TASK_PAIRS``
    pairs)."""
    pytest.importorskip("pyspark")
    pyarrow_parquet = pytest.importorskip("pyarrow.parquet")
    from samestory import spark as samestory_spark
    from samestory.api import cluster
    from samestory.ingest import read_paths
    from samestory.spark import stages

    path = gva_days["all"]
    local = cluster(read_paths(path).articles)
    threads = collections.Counter(s.thread for s in local)
    assert sum(1 for n in threads.values() if n > 1) >= 3  # threads of several stories
    assert stages.THREAD_ONE_TASK_PAIRS > 0  # the module's job found them in one task
    monkeypatch.setattr(stages, "THREAD_ONE_TASK_PAIRS", -1)
    samestory_spark.run(spark, path, tmp_path / "distributed")
    for out in (gva_full, tmp_path / "distributed"):
        rows = pyarrow_parquet.read_table(out / "stories.parquet").to_pylist()
        assert {r["story_id"]: r["thread"] for r in rows} == {s.id: s.thread for s in local}


def _by_articles(out: Path) -> dict[frozenset[str], tuple[str, str]]:
    """``stories.parquet`` as ``{articles: (story id, thread id)}``."""
    import pyarrow.parquet as pq

    rows = pq.read_table(out / "stories.parquet").to_pylist()
    return {frozenset(r["article_ids"]): (r["story_id"], r["thread"]) for r in rows}


@pytest.mark.slow
def test_incremental_threads_are_the_full_runs(
    spark: object, gva_days: dict[str, Path], gva_full: Path, tmp_path: Path
) -> None:
    """Day 1 into a new state: the full job's stories and threads over day 1. Then day 2
    incrementally: the full job's stories and threads over both days (the same article
    sets), some threads joining stories of the two days. Ids: a grown story may keep its
    day-1 id where the full job names it after a new first version (docs/spark.md,
    "Story ids"); a thread is then named after that id (its first story's), and only so."""
    pytest.importorskip("pyspark")
    pytest.importorskip("pyarrow.parquet")
    from samestory import spark as samestory_spark
    from samestory.spark.incremental import run_incremental

    paths = gva_days
    day1, day2 = _days(_sample())
    samestory_spark.run(spark, paths["day1"], tmp_path / "full1")
    state = tmp_path / "state"
    run_incremental(spark, paths["day1"], tmp_path / "out1", state)
    assert _by_articles(tmp_path / "out1") == _by_articles(tmp_path / "full1")
    counts = run_incremental(spark, paths["day2"], tmp_path / "out2", state)
    assert counts["new"] == len(day2)
    got, full = _by_articles(tmp_path / "out2"), _by_articles(gva_full)  # the module's job
    assert set(got) == set(full)  # the same stories
    renamed = {full[articles][0]: got[articles][0] for articles in full}
    first_of = {thread_id(story): story for story, _ in full.values()}
    # The full job's threads, each named after its first story's id in this run.
    assert {a: thread_id(renamed[first_of[t]]) for a, (_, t) in full.items()} == {
        a: t for a, (_, t) in got.items()
    }
    # Threads of several stories, one at least holding a story of each day.
    day1_ids = {r["id"] for r in day1}
    stories_of_thread = collections.defaultdict(list)
    for articles, (_, thread) in got.items():
        stories_of_thread[thread].append({a in day1_ids for a in articles})
    several = [days for days in stories_of_thread.values() if len(days) > 1]
    assert len(several) >= 3
    assert any(set.union(*days) == {True, False} for days in several)


def _format_two_state(path: Path) -> None:
    """A state manifest as the code before threads wrote it (format 2)."""
    from samestory.spark.state import CURRENT

    gen = path / "gen-000001"
    gen.mkdir(parents=True)
    manifest = {"generation": 1, "parts": [1], "next_idx": 3, "config": {}, "format": 2}
    (gen / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    (path / CURRENT).write_text("gen-000001\n", encoding="utf-8")


def test_a_state_of_the_format_before_threads_is_refused_with_what_it_lacks(
    tmp_path: Path,
) -> None:
    """A state written before threads (format 2) lacks the stories' first dates and the
    roundups the grouping cut: a run refuses it with one message saying so, and what
    to do, before Spark starts."""
    from samestory.spark.state import StateDir

    _format_two_state(tmp_path)
    with pytest.raises(ValueError) as refused:
        StateDir(tmp_path)
    message = str(refused.value)
    assert "state format 2, expected 3" in message
    assert "first_date" in message and "cut" in message
    assert "start a new state with a full run" in message


def test_the_spark_command_refuses_a_state_before_threads_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``python -m samestory.spark IN OUT --state OLD``: exit 1, one ``error:`` line (the
    refusal above), before Spark starts."""
    from samestory.spark import main

    state = tmp_path / "state"
    _format_two_state(state)
    source = tmp_path / "in.jsonl"
    source.write_text(json.dumps({"id": "a", "text": "A text."}) + "\n", encoding="utf-8")
    assert main([str(source), str(tmp_path / "out"), "--state", str(state)]) == 1
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and "state format 2" in lines[0]
