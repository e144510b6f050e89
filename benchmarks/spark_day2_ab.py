"""One incremental Spark day 2 timed in a fresh process, for A/B runs of two codes.

``python benchmarks/spark_day2_ab.py day1 DIR`` writes ``DIR/day1.jsonl`` and
``DIR/day2.jsonl`` (``benchmarks/spark_incremental.py``'s corpus: 1,200 articles, seeded, 40%
on day 2) and runs day 1 into ``DIR/state`` with the code on ``PYTHONPATH``.

``python benchmarks/spark_day2_ab.py day2 DIR TAG [KEY=VALUE ...]`` copies ``DIR/state`` to
``DIR/runs/TAG/state`` and runs day 2 on it with the code on ``PYTHONPATH`` (the Spark
settings ``KEY=VALUE`` added to the session), the JVM warmed by one tiny job first. Prints
one JSON line (also ``DIR/runs/TAG/result.json``): process CPU (driver + JVM + Python
workers, ``spark_incremental._Cpu``), wall, the run's Spark jobs, the JVM's peak RSS, the
load before and after, the run's counts and the digests of day 2's stories, threads and
relations (``a, b, kind, score``).

Both at cells of 100 (``exact_limit 200, cell_size 100, task_bound 300``, 4 top-level
cells at most), ``local[2]``, driver 2g, ``maxResultSize`` 1m, static encoder: the
settings of docs/history/benchmarks.md's Spark incremental sections of 2026-12-06. Two
codes compared: run each pair's two processes side by side (the same load), e.g.
``PYTHONPATH=/tmp/main/src python benchmarks/spark_day2_ab.py day2 DIR old & sleep 3;
PYTHONPATH=src python benchmarks/spark_day2_ab.py day2 DIR new``.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from spark import _story_digests, short_digest  # noqa: E402  (benchmarks/spark.py)
from spark_incremental import Search, _parquet_rows  # noqa: E402

SEARCH = Search(exact_limit=200, cell_size=100, task_bound=300, max_cells=4)
CONF = [
    "spark.driver.maxResultSize=1m",
    "spark.driver.memory=2g",
    "spark.ui.showConsoleProgress=false",
]


def _session(extra: list[str]) -> Any:
    from samestory.spark import build_session

    SEARCH.apply_max_cells()
    return build_session("local[2]", "samestory-day2-ab", CONF + extra)


def relations_digest(out: Path) -> tuple[str, int]:
    """The digest of the output's relations (``a, b, kind, score``) and their number."""
    rows = _parquet_rows(out / "relations.parquet", ["a", "b", "kind", "score"])
    ordered = sorted((r["a"], r["b"], r["kind"], round(r["score"], 9)) for r in rows)
    return short_digest(ordered), len(rows)


def _peak_mb(pids: list[int]) -> int | None:
    """The largest ``VmHWM`` of ``pids`` still alive (the JVM's: driver memory)."""
    peak = None
    for pid in pids:
        try:
            lines = Path(f"/proc/{pid}/status").read_text().splitlines()
        except OSError:
            continue
        for line in lines:
            if line.startswith("VmHWM"):
                peak = max(peak or 0, int(line.split()[1]) // 1024)
    return peak


def _run_day(spark: Any, day: Path, out: Path, state: Path) -> Any:
    """``run_incremental`` of the day's articles ``day`` against ``state``, writing
    ``out``: static encoder, the search of :data:`SEARCH`."""
    from samestory.config import DEFAULT_CONFIG
    from samestory.spark.incremental import run_incremental

    config = DEFAULT_CONFIG.replace(encoder="static")
    return run_incremental(spark, day, out, state, config=config, **SEARCH.options())


def day1(folder: Path) -> dict[str, Any]:
    import corpus
    from spark_incremental import _split_days, _write

    folder.mkdir(parents=True, exist_ok=True)
    shared = os.environ.get("SAMESTORY_SHARED")
    data = Path(shared) / "data" if shared else corpus.DATA
    articles, _ = corpus.build_corpus(1200, data=data)
    random.Random(7).shuffle(articles)
    first, second = _split_days(articles, 2, 0.4)
    _write(folder / "day1.jsonl", first)
    _write(folder / "day2.jsonl", second)
    spark = _session([])
    start = time.perf_counter()
    try:
        counts = _run_day(spark, folder / "day1.jsonl", folder / "out1", folder / "state")
    finally:
        spark.stop()
    wall = time.perf_counter() - start
    return {"wall_s": round(wall, 1), "counts": counts, **_story_digests(folder / "out1")}


def day2(folder: Path, tag: str, extra: list[str]) -> dict[str, Any]:
    from spark_incremental import _Cpu

    run = folder / "runs" / tag
    if run.exists():
        shutil.rmtree(run)
    run.mkdir(parents=True)
    shutil.copytree(folder / "state", run / "state")
    cpu = _Cpu()
    spark = _session(extra)
    sc = spark.sparkContext
    spark.range(10).count()  # the JVM warmed before the timing
    load = os.getloadavg()[0]
    sc.setJobGroup("day2", "day2")
    cpu0, start = cpu.now(), time.perf_counter()
    try:
        counts = _run_day(spark, folder / "day2.jsonl", run / "out", run / "state")
        wall, cpu_s = time.perf_counter() - start, cpu.now() - cpu0
        jobs = len(sc.statusTracker().getJobIdsForGroup("day2"))
        peak = _peak_mb(list(cpu.tree.seen))
    finally:
        spark.stop()
        cpu.stop()
    relations, n_relations = relations_digest(run / "out")
    result = {
        "tag": tag,
        "conf": extra,
        "code": os.environ.get("PYTHONPATH"),
        "cpu_s": round(cpu_s, 1),
        "wall_s": round(wall, 1),
        "jobs": jobs,
        "peak_mb": peak,
        "load": [round(load, 1), round(os.getloadavg()[0], 1)],
        "counts": counts,
        **_story_digests(run / "out"),
        "relations_digest": relations,
        "relations": n_relations,
    }
    (run / "result.json").write_text(json.dumps(result, default=str), encoding="utf-8")
    shutil.rmtree(run / "state", ignore_errors=True)
    return result


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) < 2 or args[0] not in ("day1", "day2") or (args[0] == "day2" and len(args) < 3):
        print(__doc__)
        return 2
    folder = Path(args[1])
    result = day1(folder) if args[0] == "day1" else day2(folder, args[2], args[3:])
    print(json.dumps(result, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
