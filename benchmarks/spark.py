"""The Spark job against the local engine and a MinHash-LSH dedup peer, in one run.

``python benchmarks/spark.py [--sizes 5000,20000] [--encoder use|static]
[--partitions N] [--recall-sample 500] [--json]``

For each size a corpus from :func:`corpus.build_corpus` (real ECB+/MEANTIME dev articles,
then labelled reposts, edits, truncations and reshuffles) is written as JSON Lines and
deduplicated three ways, each timed on the same box in the same run:

- **local**: :func:`samestory.dedup.dedup_file` (the batch pipeline, ``samestory dedup``);
- **spark**: :func:`samestory.spark.run` with ``dedup`` in ``local[2]``, CLI defaults
  (partitions derived from the size) and ``spark.driver.maxResultSize=1m`` (nothing large
  may reach the driver). Shuffle bytes and task time come from Spark's status REST API;
- **peer**: datasketch MinHash-LSH dedup as text-dedup runs it (5-word shingles, 128
  permutations, Jaccard 0.7, union-find over candidates): copies only.

Reported: wall time, seconds per 1,000 articles, Spark/local ratio, shuffle bytes, core
(CPU) time per article of each side (local: this process and its workers; Spark: the
driver, the JVM and the Python workers, sampled from /proc), ARI of
Spark's stories against local's and of each against the gold stories, records a
``--keep first`` dedup keeps (one per copy group; the peer: one per cluster), and above
5,000 representatives the recall of the IVF vector search against exact search on a
sample of articles.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))


def _ari(a: list[Any], b: list[Any]) -> float:
    from sklearn.metrics import adjusted_rand_score

    return float(adjusted_rand_score(a, b))


def _read_rows(path: Path) -> list[dict[str, Any]]:
    files = sorted(path.glob("part-*")) if path.is_dir() else [path]
    rows: list[dict[str, Any]] = []
    for part in files:
        rows += [json.loads(line) for line in part.read_text(encoding="utf-8").splitlines()]
    return rows


def _cpu_seconds() -> float:
    """User + system CPU seconds of this process and its finished child processes."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


class _TreeCpu:
    """CPU seconds of this process's descendant processes (the JVM, PySpark's Python
    workers), sampled from ``/proc`` every ``every`` seconds while a run lasts: Spark's
    own metrics count the JVM's threads only, not the Python workers. A worker's last
    ``every`` seconds are lost if it exits between samples (PySpark reuses workers)."""

    def __init__(self, every: float = 0.5) -> None:
        import threading

        self.every = every
        self.seen: dict[int, float] = {}
        self.tick = os.sysconf("SC_CLK_TCK")
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(self.every):
            self._sample()

    def _sample(self) -> None:
        parent: dict[int, int] = {}
        cpu: dict[int, float] = {}
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            fields = stat[stat.rfind(")") + 2 :].split()
            parent[int(entry.name)] = int(fields[1])
            cpu[int(entry.name)] = (int(fields[11]) + int(fields[12])) / self.tick
        mine, frontier = set(), [os.getpid()]
        while frontier:
            pid = frontier.pop()
            children = [c for c, pp in parent.items() if pp == pid and c not in mine]
            mine.update(children)
            frontier += children
        for pid in mine:
            self.seen[pid] = max(self.seen.get(pid, 0.0), cpu[pid])

    def stop(self) -> float:
        self._stop.set()
        self._thread.join()
        self._sample()
        return sum(self.seen.values())


def _spark_metrics(spark: Any) -> dict[str, float]:
    """Shuffle bytes, task time and counts of every stage of this application."""
    sc = spark.sparkContext
    url = f"{sc.uiWebUrl}/api/v1/applications/{sc.applicationId}/stages"
    with urllib.request.urlopen(url, timeout=30) as response:
        stages = json.load(response)
    done = [s for s in stages if s.get("status") == "COMPLETE"]
    return {**stage_totals(done), "by_stage": _by_call_site(done)}


def stage_totals(done: list[dict[str, Any]]) -> dict[str, float]:
    """Shuffle MB written and read, task seconds, stage and task counts of ``done``
    (stage records of Spark's REST API)."""
    return {
        "shuffle_write_mb": sum(s.get("shuffleWriteBytes", 0) for s in done) / 1e6,
        "shuffle_read_mb": sum(s.get("shuffleReadBytes", 0) for s in done) / 1e6,
        "task_s": sum(s.get("executorRunTime", 0) for s in done) / 1e3,
        "stages": len(done),
        "tasks": sum(s.get("numTasks", 0) for s in done),
    }


def _by_call_site(done: list[dict[str, Any]], top: int = 12) -> list[dict[str, Any]]:
    """Task seconds and shuffle MB written per stage call site (``name``, e.g.
    ``groupByKey at stages.py:215``), the ``top`` costliest first: where the time goes."""
    sites: dict[str, dict[str, Any]] = {}
    for s in done:
        site = sites.setdefault(
            s.get("name", "?"), {"site": s.get("name", "?"), "stages": 0, "task_s": 0.0,
                                 "write_mb": 0.0, "read_mb": 0.0}
        )  # fmt: skip
        site["stages"] += 1
        site["task_s"] += s.get("executorRunTime", 0) / 1e3
        site["write_mb"] += s.get("shuffleWriteBytes", 0) / 1e6
        site["read_mb"] += s.get("shuffleReadBytes", 0) / 1e6
    ranked = sorted(sites.values(), key=lambda v: -(v["task_s"] + v["write_mb"] / 10))
    return [
        {k: round(v, 2) if isinstance(v, float) else v for k, v in r.items()} for r in ranked[:top]
    ]


def run_size(
    n: int, encoder: str, partitions: int | None, recall_sample: int, folder: Path, data: Path
) -> dict[str, Any]:
    from baseline import MinHashBaseline
    from corpus import build_corpus

    from samestory.config import DEFAULT_CONFIG
    from samestory.dedup import dedup_file
    from samestory.embed import encoder_for
    from samestory.spark import DedupOptions, build_session, run

    config = DEFAULT_CONFIG.replace(encoder=encoder)
    articles, gold = build_corpus(n, data=data)
    source = folder / f"in-{n}.jsonl"
    with source.open("w", encoding="utf-8") as fh:
        for a in articles:
            fh.write(json.dumps({"id": a.id, "text": a.text, "title": a.title}) + "\n")
    ids = [a.id for a in articles]
    result: dict[str, Any] = {"n": n, "encoder": encoder}

    encoder_for(encoder).encode(["warm up"])  # model load outside the clock, as in speed.py
    start, cpu = time.perf_counter(), _cpu_seconds()
    dedup_file(source, folder / f"local-{n}.jsonl", config)
    result["local_s"] = time.perf_counter() - start
    # Core time (this process and its scoring workers): what sizing scales from, as it
    # does not grow with the other load on a shared box the way wall time does.
    result["local_cpu_s"] = _cpu_seconds() - cpu
    local = {r["id"]: r for r in _read_rows(folder / f"local-{n}.jsonl")}

    peer = MinHashBaseline(threshold=0.7)
    start = time.perf_counter()
    peer_groups = peer.cluster(articles)
    result["peer_s"] = time.perf_counter() - start
    peer_of = {a: k for k, group in enumerate(peer_groups) for a in group}

    conf = ["spark.driver.maxResultSize=1m", "spark.driver.memory=2g"]
    tree = _TreeCpu()
    own = resource.getrusage(resource.RUSAGE_SELF)
    spark = build_session("local[2]", "samestory-bench", conf)
    try:
        start = time.perf_counter()
        counts = run(
            spark,
            source,
            folder / f"spark-{n}",
            config,
            partitions=partitions,
            dedup=DedupOptions(),
            recall_sample=recall_sample,
        )
        result["spark_s"] = time.perf_counter() - start
        result.update(_spark_metrics(spark))
    finally:
        spark.stop()
    after = resource.getrusage(resource.RUSAGE_SELF)
    own_s = after.ru_utime + after.ru_stime - own.ru_utime - own.ru_stime
    # Spark's core time: the driver, the JVM and its Python workers (start-up included).
    result["spark_cpu_s"] = own_s + tree.stop()
    result.update(counts)
    remote = {r["id"]: r for r in _read_rows(folder / f"spark-{n}" / "records.jsonl")}

    result["spark_vs_local"] = result["spark_s"] / result["local_s"]
    result["spark_ms_per_article"] = 1000 * result["spark_s"] / n
    result["local_ms_per_article"] = 1000 * result["local_s"] / n
    result["local_cpu_ms_per_article"] = 1000 * result["local_cpu_s"] / n
    result["spark_cpu_ms_per_article"] = 1000 * result["spark_cpu_s"] / n
    result["shuffle_kb_per_article"] = 1000 * result["shuffle_write_mb"] / n
    result["ari_spark_local"] = _ari(
        [local[i]["story_id"] for i in ids], [remote[i]["story_id"] for i in ids]
    )
    result["same_copy_groups"] = all(local[i]["copy_group"] == remote[i]["copy_group"] for i in ids)
    result["ari_gold_local"] = _ari(gold, [local[i]["story_id"] for i in ids])
    result["ari_gold_spark"] = _ari(gold, [remote[i]["story_id"] for i in ids])
    result["ari_gold_peer"] = _ari(gold, [peer_of[i] for i in ids])
    result["kept_copy_groups"] = len({local[i]["copy_group"] for i in ids})
    result["kept_stories"] = len({local[i]["story_id"] for i in ids})
    result["kept_peer"] = len(peer_groups)
    result["ari_copy_groups_peer"] = _ari(
        [local[i]["copy_group"] for i in ids], [peer_of[i] for i in ids]
    )
    return result


def _row(r: dict[str, Any]) -> str:
    recall = f" recall {r['vector_recall']:.3f}" if "vector_recall" in r else ""
    return (
        f"{r['n']:>7} {r['encoder']:<6} local {r['local_s']:7.1f}s  spark {r['spark_s']:7.1f}s "
        f"({r['spark_vs_local']:.2f}x, {r['spark_ms_per_article']:.0f} ms/article, "
        f"{r['partitions']} partitions, shuffle {r['shuffle_write_mb']:.0f} MB)  "
        f"core ms/article: local {r['local_cpu_ms_per_article']:.0f} "
        f"spark {r['spark_cpu_ms_per_article']:.0f}  "
        f"peer {r['peer_s']:5.1f}s  ARI spark~local {r['ari_spark_local']:.3f}  "
        f"gold: local {r['ari_gold_local']:.3f} spark {r['ari_gold_spark']:.3f} "
        f"peer {r['ari_gold_peer']:.3f}  kept (copy groups / stories / peer) "
        f"{r['kept_copy_groups']}/{r['kept_stories']}/{r['kept_peer']}{recall}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="5000")
    parser.add_argument("--encoder", default="use", choices=("use", "static"))
    parser.add_argument("--partitions", type=int, default=None)
    parser.add_argument("--recall-sample", type=int, default=500)
    parser.add_argument("--json", action="store_true")
    parser.add_argument(
        "--data",
        type=Path,
        default=None,
        help="folder of the dev article files (default: $SAMESTORY_SHARED/data, "
        "else ../shared/data)",
    )
    args = parser.parse_args(argv)
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    import corpus

    shared = os.environ.get("SAMESTORY_SHARED")
    data = args.data or (Path(shared) / "data" if shared else corpus.DATA)
    results = []
    with tempfile.TemporaryDirectory(prefix="samestory-spark-bench-") as tmp:
        for n in (int(s) for s in args.sizes.split(",")):
            r = run_size(n, args.encoder, args.partitions, args.recall_sample, Path(tmp), data)
            results.append(r)
            print(json.dumps(r) if args.json else _row(r), flush=True)
            if not args.json:
                for site in r["by_stage"]:
                    print("    ", json.dumps(site), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
