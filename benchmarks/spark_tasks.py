"""Spark jobs, stages and tasks of one full job and incremental days, as the tests run them.

``python benchmarks/spark_tasks.py [--out DIR] [--only full,day1,day2] [--stages]
[--json] [--conf KEY=VALUE]``

The input of ``tests/test_spark_incremental.py``: the first 110 records of
``tests/fixtures/ecbplus_dev_subset.jsonl`` with reposts and light edits of every ninth
(123 articles), day 1 the first 60% of the originals, day 2 the rest, the copies and five
day-1 records again. In one session set up as the tests' (``local[2]``, 2 partitions,
``maxResultSize`` 1m, C1 + serial GC, workers forked from ``samestory.spark.daemon``:
``tests/conftest.py``; ``--conf spark.python.daemon.module=pyspark.daemon`` for
PySpark's own), it runs:

- **full**: :func:`samestory.spark.run` over day 1 + day 2 (123 articles);
- **day1**: :func:`samestory.spark.incremental.run_incremental` into an empty state;
- **day2**: the same run of day 2 against day 1's state.

On the tests' inputs most of a run's CPU is its tasks' own work (the features, the
stories' cogroup, the threads' grouping), not a fixed toll per job or task
(docs/history/benchmarks.md, 2026-12-07 18:20, sparkjob).
Printed per run: Spark jobs, stages that ran (skipped ones cost nothing), tasks, process
CPU (the driver, the JVM and its Python workers, sampled from ``/proc``: ``benchmarks/
spark.py``'s ``_TreeCpu``) and wall; with ``--stages`` every stage: job, stage, tasks and
its name (the call site Spark gives it: the action's for the job's last stage, the
shuffle's for the others). And per run a digest of everything written under its output
folder (every Parquet / JSON table's rows, sorted): a pure-speed change keeps them all.
``--out DIR`` keeps the inputs and outputs there.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import resource
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT))  # tests.spark_records: the tests' input

from tests.spark_records import incremental_records, write_jsonl  # noqa: E402

RUNS = ("full", "day1", "day2")
#: The tests' session (tests/conftest.py: ``spark`` fixture, ``TEST_JVM_OPTIONS``).
SESSION_CONF = {
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
    "spark.sql.shuffle.partitions": "2",
    "spark.default.parallelism": "2",
    "spark.driver.memory": "2g",
    "spark.driver.maxResultSize": "1m",
    "spark.driver.extraJavaOptions": "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC",
    "spark.python.daemon.module": "samestory.spark.daemon",
}


def inputs(folder: Path) -> dict[str, Path]:
    """Day 1, day 2 and both (the full job's input), as the incremental tests split them."""
    rows = incremental_records()
    originals = [r for r in rows if "~copy" not in r["id"]]
    cut = int(len(originals) * 0.6)
    day1 = originals[:cut]
    day2 = originals[cut:] + [r for r in rows if "~copy" in r["id"]] + day1[:5]
    return {
        "day1": write_jsonl(folder / "day1.jsonl", day1),
        "day2": write_jsonl(folder / "day2.jsonl", day2),
        "all": write_jsonl(folder / "all.jsonl", day1 + day2[:-5]),
    }


def output_digest(out: Path) -> dict[str, str]:
    """Per table under ``out`` (a ``*.parquet`` or ``*.jsonl`` folder or file): the first
    12 hex digits of the SHA-256 of its rows as sorted JSON lines."""
    import pyarrow.parquet as pq

    digests = {}
    for table in sorted(out.iterdir()):
        if table.suffix == ".parquet":
            rows = pq.read_table(table).to_pylist()
        elif table.suffix == ".jsonl":
            files = sorted(table.glob("part-*")) if table.is_dir() else [table]
            rows = [json.loads(x) for f in files for x in f.read_text().splitlines() if x]
        else:
            continue
        lines = sorted(json.dumps(r, sort_keys=True, default=str) for r in rows)
        digests[table.name] = hashlib.sha256("\n".join(lines).encode()).hexdigest()[:12]
    return digests


def _cpu(tree: Any) -> dict[str, float]:
    """CPU seconds so far: ``driver`` (this process), ``jvm``, ``workers`` (the rest of
    its process tree: PySpark's daemon and Python workers) and ``total``."""
    tree._sample()
    own = resource.getrusage(resource.RUSAGE_SELF)
    split = {"driver": own.ru_utime + own.ru_stime, "jvm": 0.0, "workers": 0.0}
    for pid, cpu in tree.seen.items():
        split["jvm" if pid in JVMS else "workers"] += cpu
    split["total"] = sum(split.values())
    return split


#: Process ids of the JVMs seen (their command is ``java``).
JVMS: set[int] = set()


def _note_jvms() -> None:
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                if (entry / "comm").read_text().strip() == "java":
                    JVMS.add(int(entry.name))


def _rest(spark: Any, endpoint: str) -> Any:
    import urllib.request

    sc = spark.sparkContext
    url = f"{sc.uiWebUrl}/api/v1/applications/{sc.applicationId}/{endpoint}"
    with urllib.request.urlopen(url, timeout=300) as response:
        return json.load(response)


def stage_times(spark: Any) -> dict[int, dict[str, float]]:
    """Per stage (UI on): the tasks' run time and the JVM's CPU time in them, seconds."""
    return {
        s["stageId"]: {
            "run_s": s.get("executorRunTime", 0) / 1e3,
            "jvm_cpu_s": s.get("executorCpuTime", 0) / 1e9,
        }
        for s in _rest(spark, "stages")
        if s.get("status") == "COMPLETE"
    }


def job_wall(spark: Any, group: str) -> float:
    """Seconds between each job's submission and completion, summed (UI on)."""
    from datetime import datetime

    def when(text: str) -> float:
        return datetime.strptime(text.replace("GMT", "+0000"), "%Y-%m-%dT%H:%M:%S.%f%z").timestamp()

    jobs = [j for j in _rest(spark, "jobs") if j.get("jobGroup") == group]
    return sum(when(j["completionTime"]) - when(j["submissionTime"]) for j in jobs)


@contextlib.contextmanager
def _group(spark: Any, name: str) -> Iterator[None]:
    """The block's Spark jobs tagged ``name`` (``spark.jobGroup.id``)."""
    spark.sparkContext.setJobGroup(name, name)
    try:
        yield
    finally:
        spark.sparkContext.setLocalProperty("spark.jobGroup.id", None)


def tracked_stages(spark: Any, group: str) -> list[dict[str, Any]]:
    """Each stage of the job group ``group`` that ran tasks (a stage a job skipped, its
    shuffle output already there, ran none): ``job``, ``stage``, ``tasks``, ``name``,
    from Spark's status tracker (kept with the UI off)."""
    tracker = spark.sparkContext.statusTracker()
    ran = {}
    for job in sorted(tracker.getJobIdsForGroup(group)):
        info = tracker.getJobInfo(job)
        for stage in sorted(info.stageIds if info else []):
            got = tracker.getStageInfo(stage)
            if got is None or not got.numCompletedTasks or stage in ran:
                continue
            name = got.name.replace(str(ROOT) + "/", "")
            ran[stage] = {"job": job, "stage": stage, "tasks": got.numCompletedTasks, "name": name}
    return list(ran.values())


def measure(
    folder: Path, only: tuple[str, ...], conf: dict[str, str], times: bool = False
) -> dict[str, Any]:
    """Every run in ``only`` (in :data:`RUNS` order), its jobs, stages, tasks, CPU, wall
    and output digests."""
    from pyspark.sql import SparkSession
    from spark import _TreeCpu  # benchmarks/spark.py

    from samestory import spark as samestory_spark
    from samestory.spark import incremental

    paths = inputs(folder)
    builder = SparkSession.builder.master("local[2]").appName("samestory-tasks")
    settings = {
        **SESSION_CONF,
        # Every job and stage of the three runs stays in the status store.
        "spark.ui.retainedJobs": "100000",
        "spark.ui.retainedStages": "100000",
        **({"spark.ui.enabled": "true"} if times else {}),
        **conf,
    }
    for key, value in settings.items():
        builder = builder.config(key, value)
    spark = builder.getOrCreate()
    _note_jvms()
    tree = _TreeCpu()
    state = folder / "state"
    runs: dict[str, Callable[[], Any]] = {
        "full": lambda: samestory_spark.run(spark, paths["all"], folder / "full"),
        "day1": lambda: incremental.run_incremental(spark, paths["day1"], folder / "day1", state),
        "day2": lambda: incremental.run_incremental(spark, paths["day2"], folder / "day2", state),
    }
    result: dict[str, Any] = {}
    try:
        for name in RUNS:
            if name not in only:
                continue
            if name == "day2" and "day1" not in only:
                raise SystemExit("day2 needs day1")
            pids, cpu, start = set(tree.seen), _cpu(tree), time.perf_counter()
            with _group(spark, name):
                counts = runs[name]()
            after, wall = _cpu(tree), time.perf_counter() - start
            cpu_s = after["total"] - cpu["total"]
            ran = tracked_stages(spark, name)
            if times:
                timed = stage_times(spark)
                for row in ran:
                    row.update(timed.get(row["stage"], {}))
            result[name] = {
                # Python workers first seen in the run (sampled every 0.5 s: at least).
                "processes_started": len(set(tree.seen) - pids),
                "cpu_split": {k: round(after[k] - cpu[k], 1) for k in ("driver", "jvm", "workers")},
                **({"job_wall_s": round(job_wall(spark, name), 1)} if times else {}),
                "jobs": len(spark.sparkContext.statusTracker().getJobIdsForGroup(name)),
                "stages": len(ran),
                "tasks": sum(s["tasks"] for s in ran),
                "cpu_s": round(cpu_s, 1),
                "wall_s": round(wall, 1),
                "counts": counts,
                "digests": output_digest(folder / name),
                "by_stage": ran,
            }
    finally:
        tree.stop()
        spark.stop()
    return result


def _print(result: dict[str, Any], stages: bool) -> None:
    for name, row in result.items():
        print(
            f"{name}: {row.get('jobs')} jobs, {row.get('stages')} stages, {row.get('tasks')} "
            f"tasks, CPU {row['cpu_s']} s, wall {row['wall_s']} s"
        )
        print(
            f"  CPU by process: {row['cpu_split']}, processes started "
            f"{row['processes_started']}, jobs' wall {row.get('job_wall_s')} s"
        )
        print("  digests: " + ", ".join(f"{k} {v}" for k, v in row["digests"].items()))
        if stages:
            for s in row.get("by_stage", []):
                run = f"{s['run_s']:6.2f} {s['jvm_cpu_s']:6.2f}" if "run_s" in s else ""
                print(
                    f"  job {s['job']:4d} stage {s['stage']:4d} {s['tasks']:3d} {run}  {s['name']}"
                )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, help="keep inputs and outputs here (a new folder)")
    parser.add_argument("--only", default=",".join(RUNS), help="runs (default: all three)")
    parser.add_argument("--stages", action="store_true", help="print every stage")
    parser.add_argument(
        "--times", action="store_true", help="UI on: each stage's task run and JVM CPU seconds"
    )
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--conf", action="append", default=[], help="a Spark setting KEY=VALUE")
    args = parser.parse_args()
    only = tuple(x for x in args.only.split(",") if x)
    conf = dict(item.split("=", 1) for item in args.conf)
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.out or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        result = measure(folder, only, conf, args.times)
    if args.json:
        print(json.dumps(result, indent=1, default=str))
    else:
        _print(result, args.stages)


if __name__ == "__main__":
    main()
