"""Incremental daily Spark runs against a full rerun, in one run.

``python benchmarks/spark_incremental.py [--size 3000] [--day2 0.1] [--days 2] [--encoder
static] [--partitions N] [--json] [--profile] [--keep DIR] [--conf KEY=VALUE] [--exact-limit
N] [--cell-size N] [--task-bound N] [--max-cells N] [--no-full] [--recall-sample N]
[--phases]``

A corpus from :func:`corpus.build_corpus` (real ECB+/MEANTIME dev articles, then labelled
reposts, edits, truncations and reshuffles) is shuffled (seeded) and split into day 1 and
day 2 (the last ``--day2`` share). In one ``local[2]`` session:

1. **day 1**: ``run_incremental`` into an empty state (a full run that writes the state);
2. **day 2 incremental**: ``run_incremental`` of day 2 against that state (timed);
3. **full rerun** (the peer): :func:`samestory.spark.run` over day 1 + day 2 (timed).

Reported: wall times, the day-2/full ratio, task time and shuffle bytes of each timed run
(Spark's status REST API), the ARI of the incremental stories against the full rerun's, the
share of articles whose story id differs, the counts of the day-2 run and the state's size
on disk by table after day 2, and the broadcast joins of each timed run's SQL queries
(``broadcasts``: each ``BroadcastExchange``'s rows and data size, from the SQL REST API:
the rows are what Spark collected through the driver, against
``spark.driver.maxResultSize``, 1 MB here, a few to a few tens of bytes each; the data
size is the hash relation built from them, with its preallocated pages: 32 MiB for 1,000
longs). ``--day1-peer``
also times a plain job over day 1's input (what day 1 costs over the job).

Several days (``--days N``): day 1 is the first ``1 - (N - 1) · day2`` of the corpus, then
``N - 1`` incremental days of ``--day2`` each, the full rerun over all of them. Each run's
process CPU (``cpu_s``: the driver, the JVM and its Python workers, sampled from
``/proc``), the sums over the incremental days, the digests of the last day's stories and
threads (``benchmarks/spark.py``'s), the largest search task of each day (the run's
``largest_search_task``; absent in code from before it) and the most representatives
stored in one top-level cell. The search: ``--exact-limit``, ``--cell-size``,
``--task-bound`` (passed only when given), ``--max-cells`` (top-level cells at most: forces
large cells at a small size). ``--recall-sample N``: each run's vector candidates are
written once more (so not for timing) and the exact neighbour pairs of N sampled current
representatives (local rule over every current representative) are looked up among them;
the full rerun gets the same ``recall_sample`` (its counts, ``full_counts``, then hold the
job's own ``vector_recall`` at the same search settings; its seconds include measuring it).
``--phases``: each incremental run's wall and process CPU by phase (``_Run`` methods,
:data:`PHASES`, nested ones inclusive), to name a day's fixed stages.

``python benchmarks/spark_incremental.py --explain DIR`` (no Spark) says where the stories
of a kept run (``--keep DIR``) differ from the full rerun's: the full stories the day-2 run
splits or joins, with the copy groups of the full rerun that the incremental run keeps
apart inside each (recomputed by the local engine over the features stored in the state,
which are the job's: the job's copy groups are the local ones), and the scored pairs
either run has alone.
"""

from __future__ import annotations

import argparse
import dataclasses
import itertools
import json
import os
import random
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

if TYPE_CHECKING:
    import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))


def _assignments(out: Path) -> dict[str, str]:
    import pyarrow.parquet as pq

    rows = pq.read_table(out / "assignments.parquet").to_pylist()
    return {r["article_id"]: r["story_id"] for r in rows}


def _write(path: Path, articles: list[Any]) -> Path:
    with path.open("w", encoding="utf-8") as fh:
        for a in articles:
            fh.write(json.dumps({"id": a.id, "text": a.text, "title": a.title}) + "\n")
    return path


def _stages(spark: Any) -> list[dict[str, Any]]:
    sc = spark.sparkContext
    url = f"{sc.uiWebUrl}/api/v1/applications/{sc.applicationId}/stages"
    # The UI answers slowly on a loaded box: a generous timeout, retried once.
    for attempt in range(2):
        try:
            with urllib.request.urlopen(url, timeout=300) as response:
                return [s for s in json.load(response) if s.get("status") == "COMPLETE"]
        except TimeoutError:
            if attempt:
                raise
    return []


def _totals(stages: list[dict[str, Any]], seen: set[int]) -> dict[str, float]:
    """Shuffle bytes, task time and counts of the stages not in ``seen``."""
    from spark import stage_totals  # benchmarks/spark.py

    return stage_totals([s for s in stages if s["stageId"] not in seen])


def _profile(stages: list[dict[str, Any]], seen: set[int]) -> list[dict[str, Any]]:
    """The stages not in ``seen``, grouped by call site: count, task seconds, shuffle
    written and read (MB), input read (MB)."""
    by_site: dict[str, dict[str, Any]] = {}
    for s in stages:
        if s["stageId"] in seen:
            continue
        site = s.get("name", "?").replace(str(ROOT) + "/", "")
        row = by_site.setdefault(
            site,
            {
                "site": site,
                "stages": 0,
                "task_s": 0.0,
                "write_mb": 0.0,
                "read_mb": 0.0,
                "input_mb": 0.0,
                "tasks": 0,
            },
        )
        row["stages"] += 1
        row["tasks"] += s.get("numTasks", 0)
        row["task_s"] += s.get("executorRunTime", 0) / 1e3
        row["write_mb"] += s.get("shuffleWriteBytes", 0) / 1e6
        row["read_mb"] += s.get("shuffleReadBytes", 0) / 1e6
        row["input_mb"] += s.get("inputBytes", 0) / 1e6
    return sorted(by_site.values(), key=lambda r: -r["task_s"])


def _sql(spark: Any) -> list[dict[str, Any]]:
    sc = spark.sparkContext
    url = f"{sc.uiWebUrl}/api/v1/applications/{sc.applicationId}/sql?details=true&length=100000"
    with urllib.request.urlopen(url, timeout=300) as response:
        return cast("list[dict[str, Any]]", json.load(response))


def _broadcasts(queries: list[dict[str, Any]], seen: set[int]) -> list[dict[str, Any]]:
    """Each ``BroadcastExchange`` of the SQL queries not in ``seen``: its query's
    description, rows and data size (Spark's metric strings)."""
    found = []
    for query in queries:
        if query["id"] in seen:
            continue
        for node in query.get("nodes", []):
            if node.get("nodeName") != "BroadcastExchange":
                continue
            metrics = {m["name"]: m["value"] for m in node.get("metrics", [])}
            found.append(
                {
                    "query": query["id"],
                    "description": query.get("description", "")[:80],
                    "rows": metrics.get("number of output rows"),
                    "data_size": metrics.get("data size"),
                }
            )
    return found


class _Cpu:
    """Process CPU seconds so far: this process's (the driver) and its descendants' (the
    JVM, PySpark's Python workers), sampled by ``spark._TreeCpu`` (a worker's last half
    second is lost if it exits between samples; PySpark reuses its workers)."""

    def __init__(self) -> None:
        from spark import _TreeCpu  # benchmarks/spark.py

        self.tree = _TreeCpu()

    def now(self) -> float:
        import resource

        self.tree._sample()
        own = resource.getrusage(resource.RUSAGE_SELF)
        return own.ru_utime + own.ru_stime + sum(self.tree.seen.values())

    def stop(self) -> None:
        self.tree.stop()


def _timed(spark: Any, run: Any, cpu: _Cpu | None = None) -> tuple[Any, dict[str, Any]]:
    seen = {s["stageId"] for s in _stages(spark)}
    queries = {q["id"] for q in _sql(spark)}
    cpu_before = cpu.now() if cpu is not None else 0.0
    pids_before = set(cpu.tree.seen) if cpu is not None else set()
    start = time.perf_counter()
    out = run()
    wall = time.perf_counter() - start
    cpu_s = cpu.now() - cpu_before if cpu is not None else None
    # Processes first seen during the run (sampled every 0.5 s: a lower bound): PySpark's
    # Python workers started, the JVM and PySpark's daemon once a session.
    started = len(set(cpu.tree.seen) - pids_before) if cpu is not None else None
    done = _stages(spark)
    broadcasts = _broadcasts(_sql(spark), queries)
    return out, {
        "wall_s": wall,
        "cpu_s": cpu_s,
        "processes_started": started,
        **_totals(done, seen),
        "profile": _profile(done, seen),
        "broadcasts": broadcasts,
    }


#: The day's phases timed by ``--phases``: ``_Run`` methods (nested ones print indented).
#: Spark is lazy: a phase holds the work of the actions it runs (``_candidates`` builds
#: lineage only; its search runs in ``_score``'s count).
PHASES = (
    "_read_new",
    "_features",
    "_copies",
    "_candidates",
    "_score",
    "_write_parts",
    "_group_and_write",
    "_touched_members",
    "_regroup",
    "_updated_nodes",
    "_write_stories",
    "_rebuilt_rows",
    "_kept_stories",
    "_with_roundups",
    "_write_output",
    "_threads",
)


class _Phases:
    """Wall and process CPU (driver + JVM + Python workers, :class:`_Cpu`) of each
    ``_Run`` phase in :data:`PHASES` (and ``go``, the whole run) while installed: rows of
    ``run, depth, phase, wall_s, cpu_s`` in call order, each inclusive of the phases
    nested in it."""

    def __init__(self, cpu: _Cpu) -> None:
        self.cpu = cpu
        self.rows: list[dict[str, Any]] = []
        self.run = ""
        self.depth = 0
        self.originals: dict[str, Any] = {}

    def install(self) -> None:
        from samestory.spark import incremental

        for name in ("go", *PHASES):
            original = getattr(incremental._Run, name)
            self.originals[name] = original
            setattr(incremental._Run, name, self._timed(name, original))

    def uninstall(self) -> None:
        from samestory.spark import incremental

        for name, original in self.originals.items():
            setattr(incremental._Run, name, original)

    def _timed(self, name: str, method: Any) -> Any:
        def timed(run: Any, *args: Any, **kwargs: Any) -> Any:
            row = {"run": self.run, "depth": self.depth, "phase": name}
            self.rows.append(row)  # in call order: a phase before those nested in it
            self.depth += 1
            cpu, start = self.cpu.now(), time.perf_counter()
            try:
                return method(run, *args, **kwargs)
            finally:
                self.depth -= 1
                row["wall_s"] = round(time.perf_counter() - start, 2)
                row["cpu_s"] = round(self.cpu.now() - cpu, 2)

        return timed


@dataclasses.dataclass(frozen=True)
class Search:
    """The vector search's settings (None: the run's defaults; ``task_bound`` is passed
    only when given, so a snapshot of the code from before it runs too)."""

    exact_limit: int | None = None
    cell_size: int | None = None
    task_bound: int | None = None
    max_cells: int | None = None

    def options(self) -> dict[str, int]:
        named = {"exact_limit": self.exact_limit, "cell_size": self.cell_size}
        named["task_bound"] = self.task_bound
        return {k: v for k, v in named.items() if v is not None}

    def apply_max_cells(self) -> None:
        """Top-level cells at most: read on the driver (this process) only."""
        if self.max_cells is None:
            return
        from samestory.spark import incremental, vectors

        vectors.MAX_CELLS = self.max_cells
        incremental.MAX_CELLS = self.max_cells  # type: ignore[misc]


def _split_days(articles: list[Any], days: int, later_share: float) -> list[list[Any]]:
    """Day 1: the first ``1 - (days - 1) · later_share`` of the articles; then ``days -
    1`` days of ``later_share`` each (the last takes what is left)."""
    n = len(articles)
    later = int(n * later_share)
    cut = n - (days - 1) * later
    if cut <= 0:
        raise ValueError(f"{days} days of {later_share:.0%} leave nothing for day 1")
    bounds = [0, cut, *(cut + k * later for k in range(1, days - 1)), n]
    return [articles[a:b] for a, b in itertools.pairwise(bounds)]


def _catch_vector_pairs(folder: Path) -> Any:
    """A patch of ``_Run._vector_pairs`` writing each run's vector candidates to
    ``folder/vector-pairs-N.parquet`` (computed once more for it: not for timed runs)."""
    from samestory.spark import incremental

    original = incremental._Run._vector_pairs
    written = [0]

    def catching(self: Any, reps_new: Any, n_reps_new: int) -> Any:
        found = original(self, reps_new, n_reps_new)
        written[0] += 1
        path = folder / f"vector-pairs-{written[0]}.parquet"
        self.spark.createDataFrame(found[0], "i long, j long").write.parquet(str(path))
        return found

    return original, catching


def measure(
    size: int,
    day2_share: float,
    encoder: str,
    partitions: int | None,
    folder: Path,
    day1_peer: bool = False,
    extra_conf: tuple[str, ...] = (),
    days: int = 2,
    search: Search | None = None,
    full: bool = True,
    recall_sample: int = 0,
    phases: bool = False,
) -> dict[str, Any]:
    import corpus
    from corpus import build_corpus
    from sklearn.metrics import adjusted_rand_score
    from spark import _story_digests  # benchmarks/spark.py

    from samestory.config import DEFAULT_CONFIG
    from samestory.spark import build_session, incremental, run
    from samestory.spark.incremental import run_incremental

    search = search or Search()
    search.apply_max_cells()
    shared = os.environ.get("SAMESTORY_SHARED")
    data = Path(shared) / "data" if shared else corpus.DATA
    config = DEFAULT_CONFIG.replace(encoder=encoder)
    articles, _ = build_corpus(size, data=data)
    random.Random(7).shuffle(articles)
    inputs = [
        _write(folder / f"day{k}.jsonl", rows)
        for k, rows in enumerate(_split_days(articles, days, day2_share), 1)
    ]
    both = _write(folder / "all.jsonl", articles)
    conf = [
        "spark.driver.maxResultSize=1m",
        "spark.driver.memory=2g",
        "spark.ui.showConsoleProgress=false",
        *extra_conf,
    ]
    cpu = _Cpu()
    spark = build_session("local[2]", "samestory-incremental-bench", conf)
    sizes = [len(path.read_text(encoding="utf-8").splitlines()) for path in inputs]
    result: dict[str, Any] = {
        "n": size,
        "days": days,
        "day_sizes": sizes,
        "day1": sizes[0],
        "day2": size - sizes[0],
        "encoder": encoder,
        "search": dataclasses.asdict(search),
    }
    day_counts = []
    original, catching = _catch_vector_pairs(folder)
    timer = _Phases(cpu) if phases else None
    try:
        if recall_sample:
            incremental._Run._vector_pairs = catching  # type: ignore[method-assign]
        if timer is not None:
            timer.install()
        state = folder / "state"
        opts = {"config": config, "partitions": partitions, **search.options()}
        for k, path in enumerate(inputs, 1):
            name = "day1_run" if k == 1 else f"day{k}_incremental"
            out = folder / f"out{k}"
            if timer is not None:
                timer.run = name
            counts, result[name] = _timed(
                spark,
                lambda path=path, out=out: run_incremental(spark, path, out, state, **opts),
                cpu,
            )
            day_counts.append(counts)
        if full:
            full_counts, result["full_rerun"] = _timed(
                spark,
                lambda: run(spark, both, folder / "full", config=config, partitions=partitions,
                            recall_sample=recall_sample, **search.options()),
                cpu,
            )  # fmt: skip
            # The job's own recall at the same settings (its exact_recall over its
            # representatives): what the split costs a full run, beside the days'.
            result["full_counts"] = full_counts
        if day1_peer:
            _, result["day1_job"] = _timed(
                spark, lambda: run(spark, inputs[0], folder / "job1", config=config), cpu
            )
    finally:
        incremental._Run._vector_pairs = original  # type: ignore[method-assign]
        if timer is not None:
            timer.uninstall()
            result["phases"] = timer.rows
        spark.stop()
        cpu.stop()
    last = folder / f"out{days}"
    result["counts"] = day_counts[-1]
    result["day_counts"] = day_counts
    result["state_mb"] = state_sizes(state)
    result.update(_story_digests(last))
    result["largest_cell_stored"] = largest_stored_cell(state)
    runs = [result[n] for n in result if n == "day1_run" or n.endswith("_incremental")]
    result["incremental_wall_s"] = sum(r["wall_s"] for r in runs)
    result["incremental_cpu_s"] = sum(r["cpu_s"] for r in runs)
    if recall_sample:
        try:
            result["vector_recall"] = vector_recall(state, folder, config, recall_sample)
        except Exception as error:  # the timed runs' figures are kept; --keep to redo it
            result["vector_recall"] = {"error": repr(error)}
    if full:
        got, whole = _assignments(last), _assignments(folder / "full")
        ids = sorted(whole)
        result["ari_incremental_vs_full"] = adjusted_rand_score(
            [whole[i] for i in ids], [got[i] for i in ids]
        )
        result["story_ids_differ"] = sum(got[i] != whole[i] for i in ids) / len(ids)
        result["day2_vs_full"] = (
            result[f"day{days}_incremental"]["wall_s"] / result["full_rerun"]["wall_s"]
        )
    return result


def _representatives(state: Path) -> tuple[np.ndarray, np.ndarray, list[dict[int, float]]]:
    """The state's current representatives: indices (ascending), unit vectors and
    keywords (what the static encoder's saturation test reads)."""
    import numpy as np

    from samestory.spark.state import StateDir

    current = StateDir(state)
    nodes = _parquet_rows(Path(current.table_path("nodes")), ["idx", "rep"])
    reps = sorted(r["idx"] for r in nodes if r["idx"] == r["rep"])
    wanted = set(reps)
    words: dict[int, dict[int, float]] = {i: {} for i in reps}
    for path in current.part_paths("keywords"):
        for r in _parquet_rows(Path(path), ["idx", "word", "weight"]):
            if r["idx"] in wanted:
                words[r["idx"]][r["word"]] = r["weight"]
    vectors: dict[int, np.ndarray] = {}
    for path in current.part_paths("features"):
        for r in _parquet_rows(Path(path), ["idx", "vector"]):
            if r["idx"] in wanted:
                vectors[r["idx"]] = np.frombuffer(r["vector"], dtype="<f4")
    keys = np.array(reps, dtype=np.int64)
    matrix = np.vstack([vectors[i] for i in reps]).astype(np.float32)
    return keys, matrix, [words[i] for i in reps]


def vector_recall(state: Path, folder: Path, config: Any, sample: int) -> dict[str, Any]:
    """Share of the exact neighbour pairs of ``sample`` random current representatives
    (exact search over every current representative, the local rule) that some day's
    vector candidates held (``vector-pairs-N.parquet`` of :func:`_catch_vector_pairs`).
    A pair a later day's vectors pushed out of an exact list is not asked for."""
    import pyarrow.parquet as pq

    from samestory.spark.vectors import cell_neighbours

    keys, matrix, words = _representatives(state)
    chosen = sorted(random.Random(5).sample(list(keys.tolist()), min(sample, len(keys))))
    exact = set(cell_neighbours(chosen, keys, matrix, config, words))
    found: set[tuple[int, int]] = set()
    for path in sorted(folder.glob("vector-pairs-*.parquet")):
        table = pq.read_table(path)
        found.update(zip(table["i"].to_pylist(), table["j"].to_pylist(), strict=True))
    kept = len(exact & found)
    return {
        "recall": kept / len(exact) if exact else 1.0,
        "exact_pairs": len(exact),
        "sampled": len(chosen),
        "representatives": len(keys),
    }


def largest_stored_cell(state: Path) -> int | None:
    """The most current representatives stored in one top-level IVF cell (what the
    search task of that cell held before cells were split; None in exact mode)."""
    from samestory.spark.state import StateDir

    nodes = _parquet_rows(Path(StateDir(state).table_path("nodes")), ["idx", "rep", "cells"])
    per_cell: dict[int, int] = {}
    for r in nodes:
        if r["idx"] == r["rep"] and r["cells"]:
            for c in r["cells"]:
                per_cell[c] = per_cell.get(c, 0) + 1
    return max(per_cell.values()) if per_cell else None


def state_sizes(state: Path) -> dict[str, float]:
    """MB on disk of the state after day 2: each table summed over the parts (or of the
    current generation), and the total."""
    sizes: dict[str, float] = {}
    for path in state.rglob("*"):
        if path.is_file():
            table = next((p.name for p in path.parents if p.suffix == ".parquet"), path.name)
            sizes[table] = sizes.get(table, 0.0) + path.stat().st_size / 1e6
    sizes["total"] = sum(sizes.values())
    return {k: round(v, 2) for k, v in sorted(sizes.items())}


def _parquet_rows(path: Path, columns: list[str] | None = None) -> list[dict[str, Any]]:
    import pyarrow.parquet as pq

    return cast("list[dict[str, Any]]", pq.read_table(path, columns=columns).to_pylist())


def _stored_features(state: Path) -> list[Any]:
    """Every article's features as the state stores them, in index order."""
    from samestory.store.codec import decode_features

    by_idx = {}
    columns = ["idx", "doc_json", "sentence_vectors", "vector", "minhash"]
    for part in sorted((state / "parts").iterdir()):
        for r in _parquet_rows(part / "features.parquet", columns):
            by_idx[r["idx"]] = decode_features(
                r["doc_json"], r["sentence_vectors"], r["vector"], r["minhash"]
            )
    return [by_idx[i] for i in range(len(by_idx))]


def explain(folder: Path, encoder: str) -> dict[str, Any]:
    """Where a kept run's day-2 stories differ from the full rerun's (see the module doc)."""
    from samestory.config import DEFAULT_CONFIG
    from samestory.pipeline.copies import copy_groups

    state = folder / "state"
    generation = (state / "CURRENT").read_text(encoding="utf-8").strip()
    nodes = _parquet_rows(state / generation / "nodes.parquet", ["idx", "id", "rep"])
    incremental_rep = {r["id"]: r["rep"] for r in nodes}
    features = _stored_features(state)
    full_group = copy_groups(features, DEFAULT_CONFIG.replace(encoder=encoder))
    full_rep = {f.id: full_group[k] for k, f in enumerate(features)}
    members: dict[int, set[str]] = {}
    for article, group in full_rep.items():
        members.setdefault(group, set()).add(article)
    split_groups = {g for g, ids in members.items() if len({incremental_rep[a] for a in ids}) > 1}
    got, full = _assignments(folder / "out2"), _assignments(folder / "full")
    stories: dict[str, set[str]] = {}
    for article, story in full.items():
        stories.setdefault(story, set()).add(article)
    sizes: dict[str, int] = {}
    for story in got.values():
        sizes[story] = sizes.get(story, 0) + 1
    differing = []
    for story, ids in sorted(stories.items(), key=lambda kv: -len(kv[1])):
        parts = sorted({got[a] for a in ids})
        if len(parts) == 1 and sizes[parts[0]] == len(ids):
            continue
        inside = {full_rep[a] for a in ids}
        differing.append(
            {
                "full_story": story,
                "size": len(ids),
                "incremental_parts": [sizes[p] for p in parts],
                "full_copy_groups": len(inside),
                "incremental_copy_groups": len({incremental_rep[a] for a in ids}),
                "full_copy_groups_kept_apart": len(inside & split_groups),
            }
        )
    pairs = {}
    for name in ("full", "out2"):
        rows = _parquet_rows(folder / name / "relations.parquet", ["a", "b"])
        pairs[name] = {tuple(sorted((r["a"], r["b"]))) for r in rows}
    return {
        "copy_groups_full": len(members),
        "copy_groups_incremental": len(set(incremental_rep.values())),
        "full_copy_groups_kept_apart": len(split_groups),
        "stories_differing": differing,
        "pairs_only_full": len(pairs["full"] - pairs["out2"]),
        "pairs_only_incremental": len(pairs["out2"] - pairs["full"]),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", type=int, default=3000)
    parser.add_argument("--day2", type=float, default=0.1, help="share of the corpus in day 2")
    parser.add_argument("--encoder", default="static", choices=("use", "static"))
    parser.add_argument("--partitions", type=int, default=None)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--profile", action="store_true", help="print stages by call site")
    parser.add_argument(
        "--keep", type=Path, help="write inputs, state and outputs here (kept, for diffs)"
    )
    parser.add_argument(
        "--day1-peer", action="store_true", help="also time a plain job over day 1's input"
    )
    parser.add_argument(
        "--explain", type=Path, help="no run: where a kept run's stories differ (see the doc)"
    )
    parser.add_argument(
        "--conf",
        action="append",
        default=[],
        help="a further Spark setting KEY=VALUE (repeatable), e.g. "
        "spark.sql.autoBroadcastJoinThreshold=-1",
    )
    parser.add_argument(
        "--days",
        type=int,
        default=2,
        help="days in all: day 1, then days-1 days of --day2's share each (default 2)",
    )
    parser.add_argument("--exact-limit", type=int, help="representatives searched exactly")
    parser.add_argument("--cell-size", type=int, help="vectors an IVF cell aims at")
    parser.add_argument("--task-bound", type=int, help="a cell over it is split on the executors")
    parser.add_argument("--max-cells", type=int, help="top-level IVF cells at most")
    parser.add_argument("--no-full", action="store_true", help="no full rerun (no ARI against it)")
    parser.add_argument(
        "--phases",
        action="store_true",
        help="wall and process CPU of each incremental run's phases (_Run methods)",
    )
    parser.add_argument(
        "--recall-sample",
        type=int,
        default=0,
        help="vector candidates' recall against exact search for this many sampled "
        "representatives (each run's vector pairs written once more: not for timing)",
    )
    args = parser.parse_args(argv)
    if args.explain is not None:
        print(json.dumps(explain(args.explain, args.encoder), indent=1))
        return 0
    search = Search(args.exact_limit, args.cell_size, args.task_bound, args.max_cells)
    bench = (args.size, args.day2, args.encoder, args.partitions)
    more = dict(days=args.days, search=search, full=not args.no_full,
                recall_sample=args.recall_sample, phases=args.phases)  # fmt: skip
    if args.keep is not None:
        args.keep.mkdir(parents=True, exist_ok=True)
        result = measure(*bench, args.keep, args.day1_peer, tuple(args.conf), **more)
    else:
        with tempfile.TemporaryDirectory(prefix="samestory-incr-") as tmp:
            result = measure(*bench, Path(tmp), args.day1_peer, tuple(args.conf), **more)
    if args.json:
        print(json.dumps(result, indent=1))
        return 0
    _print(result, args.profile)
    return 0


def _print(result: dict[str, Any], profile: bool) -> None:
    print(
        f"{result['n']} articles ({result['encoder']}): days of {result['day_sizes']}; "
        f"search {result['search']}"
    )
    days = [f"day{k}_incremental" for k in range(2, result["days"] + 1)]
    for name in ("day1_run", "day1_job", *days, "full_rerun"):
        if name not in result:
            continue
        r = result[name]
        print(
            f"  {name:17s} {r['wall_s']:8.1f} s wall  {r['cpu_s']:8.1f} s CPU  "
            f"{r['task_s']:8.1f} s tasks  {r['shuffle_write_mb']:8.1f} MB shuffled  "
            f"{int(r['stages'])} stages  {len(r['broadcasts'])} broadcasts"
        )
        for b in r["broadcasts"]:
            print(f"      broadcast {b['rows']} rows, {b['data_size']}: {b['description']}")
    print(
        f"  incremental days: {result['incremental_wall_s']:.1f} s wall, "
        f"{result['incremental_cpu_s']:.1f} s CPU; stories {result['stories_digest']}, "
        f"threads {result['threads_digest']}"
    )
    largest = [c.get("largest_search_task") for c in result["day_counts"]]
    print(
        f"  largest search task by day: {largest}; the most representatives stored in "
        f"one top-level cell: {result['largest_cell_stored']}"
    )
    if "vector_recall" in result:
        print(f"  vector recall: {result['vector_recall']}")
    if "full_rerun" in result:
        print(
            f"  last day / full rerun: {result['day2_vs_full']:.2f}x; ARI incremental vs "
            f"full {result['ari_incremental_vs_full']:.3f}; story ids differing "
            f"{100 * result['story_ids_differ']:.1f}% of articles"
        )
    print(f"  last day's counts: {result['counts']}")
    print(f"  state on disk after the last day (MB): {result['state_mb']}")
    if "phases" in result:
        print("  phases (wall s, process CPU s; nested phases indented, inclusive):")
        for row in result["phases"]:
            if row["run"] != "day1_run":
                pad = "  " * row["depth"]
                print(
                    f"    {row['run']:16s} {row['wall_s']:7.1f} {row['cpu_s']:7.1f}  "
                    f"{pad}{row['phase']}"
                )
    if profile:
        for name in (days[-1], "full_rerun"):
            if name not in result:
                continue
            print(f"  {name} by call site (task s, shuffle write/read MB, input MB):")
            for r in result[name]["profile"]:
                print(
                    f"    {r['task_s']:7.1f} s {r['write_mb']:7.1f} {r['read_mb']:7.1f} "
                    f"{r['input_mb']:7.1f}  {r['stages']:3d} st {r['tasks']:4d} t  {r['site']}"
                )


if __name__ == "__main__":
    raise SystemExit(main())
