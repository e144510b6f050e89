"""The Spark job against the local engine and a MinHash-LSH dedup peer, in one run.

``python benchmarks/spark.py [--sizes 5000,20000] [--encoder use|static]
[--partitions N] [--recall-sample 500] [--task-bound N] [--spark-only] [--json]``

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
sample of articles and the most vectors one search task held (``largest_cell``; a cell
over ``--task-bound`` is split on the executors); digests of Spark's stories and of their
threads (equal digests: the same stories, ids and threads).
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
#: A vector search: ``(exact_limit, cell_size, task_bound)`` (None: the job's bound).
Search = tuple[int, int, int | None]
#: The JVM heap of ``local[2]``, where the driver is also the executor that caches the
#: features (~22 KB an article): 2g held 20k articles, not 50k (OutOfMemoryError while
#: caching them, 2026-12-02). Set by ``--driver-memory``.
DRIVER_MEMORY = ["2g"]
#: Further Spark settings (``--conf``), e.g. spark.samestory.cacheLevel=MEMORY_AND_DISK.
EXTRA_CONF: list[str] = []
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


def _rest(spark: Any, endpoint: str) -> Any:
    """One record of Spark's status REST API for this application."""
    sc = spark.sparkContext
    url = f"{sc.uiWebUrl}/api/v1/applications/{sc.applicationId}/{endpoint}"
    with urllib.request.urlopen(url, timeout=30) as response:
        return json.load(response)


def _spark_metrics(spark: Any) -> dict[str, float]:
    """Shuffle bytes, task time and counts of every stage of this application, and the
    JVM's peak heap figures (``local[2]``: the driver is the executor)."""
    done = [s for s in _rest(spark, "stages") if s.get("status") == "COMPLETE"]
    return {**stage_totals(done), **_heap_peaks(spark), "by_stage": _by_call_site(done)}


def _heap_peaks(spark: Any) -> dict[str, float]:
    """MB: the heap Spark may use for storage + execution (``max_storage_mb``) and the
    peaks the driver's heartbeats saw: heap in use (garbage included), heap held by
    cached blocks, heap held by shuffles and joins."""
    peaks: dict[str, float] = {}
    for executor in _rest(spark, "executors"):
        metrics = executor.get("peakMemoryMetrics") or {}
        peaks["max_storage_mb"] = executor.get("maxMemory", 0) / 1e6
        peaks["peak_heap_mb"] = metrics.get("JVMHeapMemory", 0) / 1e6
        peaks["peak_storage_heap_mb"] = metrics.get("OnHeapStorageMemory", 0) / 1e6
        peaks["peak_execution_heap_mb"] = metrics.get("OnHeapExecutionMemory", 0) / 1e6
    return peaks


class _CacheSampler:
    """The most memory and disk that cached blocks held at once (Spark's ``memoryUsed``
    and ``diskUsed`` of the executors, sampled every ``every`` seconds while a run
    lasts; the REST API reports only what is cached at the moment)."""

    def __init__(self, spark: Any, every: float = 1.0) -> None:
        import threading

        self.spark = spark
        self.every = every
        self.memory_mb = 0.0
        self.disk_mb = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(self.every):
            try:
                executors = _rest(self.spark, "executors")
            except OSError:  # the UI is gone when the run failed
                continue
            memory = sum(e.get("memoryUsed", 0) for e in executors) / 1e6
            disk = sum(e.get("diskUsed", 0) for e in executors) / 1e6
            self.memory_mb, self.disk_mb = max(self.memory_mb, memory), max(self.disk_mb, disk)

    def stop(self) -> dict[str, float]:
        self._stop.set()
        self._thread.join()
        return {"peak_cached_memory_mb": self.memory_mb, "peak_cached_disk_mb": self.disk_mb}


def stage_totals(done: list[dict[str, Any]]) -> dict[str, float]:
    """Shuffle MB written and read, task seconds, stage and task counts of ``done``
    (stage records of Spark's REST API)."""
    return {
        "shuffle_write_mb": sum(s.get("shuffleWriteBytes", 0) for s in done) / 1e6,
        "shuffle_read_mb": sum(s.get("shuffleReadBytes", 0) for s in done) / 1e6,
        "task_s": sum(s.get("executorRunTime", 0) for s in done) / 1e3,
        "spilled_memory_mb": sum(s.get("memoryBytesSpilled", 0) for s in done) / 1e6,
        "spilled_disk_mb": sum(s.get("diskBytesSpilled", 0) for s in done) / 1e6,
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
    n: int,
    encoder: str,
    partitions: int | None,
    recall_sample: int,
    folder: Path,
    data: Path,
    searches: list[Search] | None = None,
    spark_only: bool = False,
) -> dict[str, Any]:
    """The synthetic corpus of ``n`` articles: local, the MinHash peer and one Spark run
    (the first of ``searches``: ``(exact_limit, cell_size, task_bound)``, production's by
    default);
    ``spark_only``: the Spark run alone, its figures and its ARI against gold."""
    from baseline import MinHashBaseline
    from corpus import build_corpus

    articles, gold = build_corpus(n, data=data)
    source = _write_corpus(folder / f"in-{n}.jsonl", articles, full=False)
    ids = [a.id for a in articles]
    result: dict[str, Any] = {"n": n, "encoder": encoder, "conf": list(EXTRA_CONF)}
    search = (searches or [_production_search()])[0]
    if spark_only:
        spark_run = _spark_run(
            source, folder / f"spark-{n}", encoder, partitions, recall_sample, search
        )
        remote = spark_run.pop("rows")
        spark_run.pop("edges")
        result.update(spark_run)
        result["spark_cpu_ms_per_article"] = 1000 * result["spark_cpu_s"] / n
        result["ari_gold_spark"] = _ari(gold, [remote[i]["story_id"] for i in ids])
        return result
    local = _local_run(source, folder / f"local-{n}.jsonl", encoder, result)

    peer = MinHashBaseline(threshold=0.7)
    start = time.perf_counter()
    peer_groups = peer.cluster(articles)
    result["peer_s"] = time.perf_counter() - start
    peer_of = {a: k for k, group in enumerate(peer_groups) for a in group}

    spark_run = _spark_run(
        source, folder / f"spark-{n}", encoder, partitions, recall_sample, search
    )
    remote = spark_run.pop("rows")
    spark_run.pop("edges")
    result.update(spark_run)

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


def run_real(
    encoder: str,
    partitions: int | None,
    recall_sample: int,
    folder: Path,
    data: Path,
    searches: list[Search],
    every: int = 1,
    spark_only: bool = False,
) -> list[dict[str, Any]]:
    """The real distinct dev corpus (ECB+, MEANTIME, GVA: ~2,300 articles, nearly all
    representatives; ``every``: the articles of every ``every``-th gold story only): the
    local engine once, then one Spark run per ``(exact_limit, cell_size, task_bound)`` of
    ``searches`` after a first run with production's search (exact on this corpus), each
    compared with local (ARI), with gold, and with that first run: the story edges
    (pairs scoring at least the attach threshold) it lost and gained. ``spark_only``:
    one Spark run per search, nothing else (no local engine, no reference run): their
    times and digests."""
    from corpus import real_corpus

    from samestory.config import DEFAULT_CONFIG

    articles, gold = _every_story(*real_corpus(data), every)
    source = _write_corpus(folder / "in-real.jsonl", articles, full=True)
    ids = [a.id for a in articles]
    base: dict[str, Any] = {
        "n": len(articles), "corpus": "real", "every": every, "encoder": encoder,
    }  # fmt: skip
    if spark_only:
        rows = []
        for k, search in enumerate(searches):
            run = _spark_run(
                source, folder / f"spark-real-{k}", encoder, partitions, recall_sample, search
            )
            remote, _ = run.pop("rows"), run.pop("edges")
            stories = [remote[i]["story_id"] for i in ids]
            rows.append({**base, **run, "ari_gold_spark": _ari(gold, stories)})
        return rows
    local = _local_run(source, folder / "local-real.jsonl", encoder, base)
    local_stories = [local[i]["story_id"] for i in ids]
    base["ari_gold_local"] = _ari(gold, local_stories)
    base["local_stories"] = len(set(local_stories))
    rows: list[dict[str, Any]] = []
    reference: set[tuple[str, str]] | None = None
    attach = DEFAULT_CONFIG.attach_threshold
    reference_search = _production_search()  # exact on this corpus: the reference run
    runs = [reference_search, *(s for s in searches if s != reference_search)]
    for k, search in enumerate(runs):
        run = _spark_run(
            source, folder / f"spark-real-{k}", encoder, partitions, recall_sample, search, attach
        )
        remote, edges = run.pop("rows"), run.pop("edges")
        stories = [remote[i]["story_id"] for i in ids]
        row = {**base, **run}
        row["ari_spark_local"] = _ari(local_stories, stories)
        row["ari_gold_spark"] = _ari(gold, stories)
        row["spark_stories"] = len(set(stories))
        if reference is None:
            reference = edges
        row["edges"] = len(edges)
        row["edges_lost"] = len(reference - edges)
        row["edges_gained"] = len(edges - reference)
        rows.append(row)
    return rows


def _every_story(articles: list[Any], gold: list[str], every: int) -> tuple[list[Any], list[str]]:
    """The articles (and gold labels) of every ``every``-th gold story, stories numbered
    in order of first appearance: a smaller corpus of whole stories, as distinct."""
    number: dict[str, int] = {}
    for label in gold:
        number.setdefault(label, len(number))
    kept = [k for k, label in enumerate(gold) if number[label] % every == 0]
    return [articles[k] for k in kept], [gold[k] for k in kept]


def _production_search() -> Search:
    from samestory.candidates import EXACT_SEARCH_LIMIT
    from samestory.spark.vectors import CELL_SIZE

    return EXACT_SEARCH_LIMIT, CELL_SIZE, None


def _write_corpus(path: Path, articles: list[Any], full: bool) -> Path:
    """The articles as JSON Lines: ``id, text, title`` (``full``: every field they have)."""
    with path.open("w", encoding="utf-8") as fh:
        for a in articles:
            if full:
                record = {k: v for k, v in a.to_dict().items() if v is not None}
            else:
                record = {"id": a.id, "text": a.text, "title": a.title}
            fh.write(json.dumps(record) + "\n")
    return path


def _local_run(
    source: Path, target: Path, encoder: str, result: dict[str, Any]
) -> dict[str, dict[str, Any]]:
    """``samestory dedup`` of ``source``: its rows by id; wall and core time into ``result``."""
    from samestory.config import DEFAULT_CONFIG
    from samestory.dedup import dedup_file
    from samestory.embed import encoder_for

    encoder_for(encoder).encode(["warm up"])  # model load outside the clock, as in speed.py
    start, cpu = time.perf_counter(), _cpu_seconds()
    dedup_file(source, target, DEFAULT_CONFIG.replace(encoder=encoder))
    result["local_s"] = time.perf_counter() - start
    # Core time (this process and its scoring workers): what sizing scales from, as it
    # does not grow with the other load on a shared box the way wall time does.
    result["local_cpu_s"] = _cpu_seconds() - cpu
    return {r["id"]: r for r in _read_rows(target)}


def _spark_run(
    source: Path,
    out: Path,
    encoder: str,
    partitions: int | None,
    recall_sample: int,
    search: Search,
    edge_floor: float | None = None,
) -> dict[str, Any]:
    """One ``samestory.spark.run`` with ``dedup`` in ``local[2]``, its own session: times,
    Spark's stage metrics, the job's counts, ``rows`` (the dedup records by id) and
    ``edges`` (with ``edge_floor``: the id pairs of relations scoring at least that).
    ``search``: ``(exact_limit, cell_size, task_bound)``; a task bound of None is not
    passed (the job's default; a checkout before the bound existed runs too)."""
    from samestory.config import DEFAULT_CONFIG
    from samestory.spark import DedupOptions, build_session, run

    config = DEFAULT_CONFIG.replace(encoder=encoder)
    exact_limit, cell_size, task_bound = search
    bound = {} if task_bound is None else {"task_bound": task_bound}
    result: dict[str, Any] = {"exact_limit": exact_limit, "cell_size": cell_size, **bound}
    conf = [
        "spark.driver.maxResultSize=1m",
        f"spark.driver.memory={DRIVER_MEMORY[0]}",
        *EXTRA_CONF,
    ]
    tree = _TreeCpu()
    own = resource.getrusage(resource.RUSAGE_SELF)
    spark = build_session("local[2]", "samestory-bench", conf)
    cache = _CacheSampler(spark)
    try:
        start = time.perf_counter()
        counts = run(
            spark,
            source,
            out,
            config,
            partitions=partitions,
            exact_limit=exact_limit,
            cell_size=cell_size,
            dedup=DedupOptions(),
            recall_sample=recall_sample,
            **bound,
        )
        result["spark_s"] = time.perf_counter() - start
        result.update(cache.stop())
        result.update(_spark_metrics(spark))
    finally:
        cache.stop()
        spark.stop()
    after = resource.getrusage(resource.RUSAGE_SELF)
    own_s = after.ru_utime + after.ru_stime - own.ru_utime - own.ru_stime
    # Spark's core time: the driver, the JVM and its Python workers (start-up included).
    result["spark_cpu_s"] = own_s + tree.stop()
    result.update(counts)
    result["rows"] = {r["id"]: r for r in _read_rows(out / "records.jsonl")}
    result["edges"] = set() if edge_floor is None else _edges(out, edge_floor)
    result.update(_story_digests(out))
    return result


def _story_digests(out: Path) -> dict[str, str]:
    """Digests of the job's ``stories.parquet``: ``stories_digest`` of each story's id
    and articles, ``threads_digest`` of each story's ``thread`` (a speed change keeps
    both; an older job without the column: ``none``)."""
    import pyarrow.parquet as pq

    rows = pq.read_table(out / "stories.parquet").to_pylist()
    stories = sorted((r["story_id"], sorted(r["article_ids"])) for r in rows)
    threads = sorted((r["story_id"], r.get("thread") or "none") for r in rows)
    return {"stories_digest": short_digest(stories), "threads_digest": short_digest(threads)}


def short_digest(value: object) -> str:
    """The first 12 hex digits of the SHA-256 of ``value`` as JSON: the Spark benchmarks'
    digests (``_story_digests``, ``spark_day2_ab.relations_digest``)."""
    import hashlib

    return hashlib.sha256(json.dumps(value).encode("utf-8")).hexdigest()[:12]


def _edges(out: Path, floor: float) -> set[tuple[str, str]]:
    """Id pairs (sorted) of the job's relations scoring at least ``floor``."""
    import pyarrow.parquet as pq

    table = pq.read_table(out / "relations.parquet", columns=["a", "b", "score"]).to_pylist()
    return {(min(r["a"], r["b"]), max(r["a"], r["b"])) for r in table if r["score"] >= floor}


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


def _real_row(r: dict[str, Any]) -> str:
    search = (
        "exact" if r["representatives"] <= r["exact_limit"]
        else f"IVF (exact limit {r['exact_limit']}, cells of {r['cell_size']})"
    )  # fmt: skip
    recall = f"recall {r['vector_recall']:.3f} " if "vector_recall" in r else ""
    if "largest_cell" in r:
        recall += f"largest search task {r['largest_cell']} vectors "
    return (
        f"real {r['n']} ({r['representatives']} representatives) {r['encoder']} {search}: "
        f"spark {r['spark_s']:.0f}s (core {r['spark_cpu_s']:.0f}s), local {r['local_s']:.0f}s  "
        f"{recall}ARI spark~local {r['ari_spark_local']:.3f}  gold: local "
        f"{r['ari_gold_local']:.3f} spark {r['ari_gold_spark']:.3f}  stories local "
        f"{r['local_stories']} spark {r['spark_stories']}  pairs scored {r['pairs']}  "
        f"edges {r['edges']} (lost {r['edges_lost']}, gained {r['edges_gained']} vs the first run)"
    )


def _searches(limits: str, cells: str, bounds: str = "default") -> list[Search]:
    """Every ``(exact_limit, cell_size, task_bound)`` of the three comma lists, in order
    (a bound ``default``: the job's)."""
    return [
        (int(a), int(b), None if c == "default" else int(c))
        for a in limits.split(",")
        for b in cells.split(",")
        for c in bounds.split(",")
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="5000")
    parser.add_argument(
        "--corpus",
        default="synthetic",
        choices=("synthetic", "real"),
        help="synthetic: --sizes articles of reposts and edits of 736 originals; real: "
        "the ~2,300 distinct dev articles (ECB+, MEANTIME, GVA), one Spark run per search",
    )
    parser.add_argument(
        "--exact-limit",
        default=None,
        help="representatives up to which the vector search is exact (comma list; "
        "default: production's 5,000); below the representatives, IVF cells",
    )
    parser.add_argument(
        "--cell-size",
        default=None,
        help="IVF vectors per cell (comma list; default: production's 1,000)",
    )
    parser.add_argument(
        "--task-bound",
        default="default",
        help="IVF vectors one search task may hold: a cell over it is split on the "
        "executors (comma list; default: the job's, 24 cells' worth)",
    )
    parser.add_argument(
        "--max-cells",
        type=int,
        default=None,
        help="top-level IVF cells at most (default: the job's 256): fewer make the top "
        "cells as large, against the cell size, as 256 make them past 256 cells' worth "
        "of representatives (what --task-bound splits on the executors)",
    )
    parser.add_argument(
        "--real-every",
        type=int,
        default=1,
        help="with --corpus real: the articles of every K-th gold story only (a smaller "
        "corpus that a loaded box finishes; default 1: all)",
    )
    parser.add_argument("--encoder", default="use", choices=("use", "static"))
    parser.add_argument("--partitions", type=int, default=None)
    parser.add_argument("--recall-sample", type=int, default=500)
    parser.add_argument("--json", action="store_true")
    parser.add_argument(
        "--driver-memory",
        default=DRIVER_MEMORY[0],
        help="spark.driver.memory: in local[2] the heap of the executor too (default 2g; "
        "50k articles need more)",
    )
    parser.add_argument(
        "--conf",
        action="append",
        default=[],
        help="a further Spark setting KEY=VALUE (repeatable), e.g. "
        "spark.samestory.cacheLevel=MEMORY_AND_DISK",
    )
    parser.add_argument(
        "--spark-only",
        action="store_true",
        help="the Spark runs alone (no local engine, no peer, no reference run): their "
        "time, shuffle, memory and digests",
    )
    parser.add_argument(
        "--data",
        type=Path,
        default=None,
        help="folder of the dev article files (default: $SAMESTORY_SHARED/data, "
        "else ../shared/data)",
    )
    args = parser.parse_args(argv)
    DRIVER_MEMORY[0] = args.driver_memory
    if args.max_cells is not None:  # read on the driver (this process) only
        from samestory.spark import vectors

        vectors.MAX_CELLS = args.max_cells
    EXTRA_CONF.extend(args.conf)
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    import corpus

    shared = os.environ.get("SAMESTORY_SHARED")
    data = args.data or (Path(shared) / "data" if shared else corpus.DATA)
    limit, cell, _ = _production_search()
    searches = _searches(
        args.exact_limit or str(limit), args.cell_size or str(cell), args.task_bound
    )
    with tempfile.TemporaryDirectory(prefix="samestory-spark-bench-") as tmp:
        if args.corpus == "real":
            for r in run_real(
                args.encoder, args.partitions, args.recall_sample, Path(tmp), data, searches,
                args.real_every, args.spark_only,
            ):  # fmt: skip
                print(json.dumps(r) if args.json or args.spark_only else _real_row(r), flush=True)
            return 0
        for n in (int(s) for s in args.sizes.split(",")):
            r = run_size(
                n, args.encoder, args.partitions, args.recall_sample, Path(tmp), data, searches,
                args.spark_only,
            )  # fmt: skip
            print(json.dumps(r) if args.json or args.spark_only else _row(r), flush=True)
            if not args.json:
                for site in r["by_stage"]:
                    print("    ", json.dumps(site), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
