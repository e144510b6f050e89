"""Incremental daily Spark runs against a full rerun, in one run.

``python benchmarks/spark_incremental.py [--size 3000] [--day2 0.1] [--encoder static]
[--partitions N] [--json] [--profile] [--keep DIR] [--conf KEY=VALUE]``

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

``python benchmarks/spark_incremental.py --explain DIR`` (no Spark) says where the stories
of a kept run (``--keep DIR``) differ from the full rerun's: the full stories the day-2 run
splits or joins, with the copy groups of the full rerun that the incremental run keeps
apart inside each (recomputed by the local engine over the features stored in the state,
which are the job's: the job's copy groups are the local ones), and the scored pairs
either run has alone.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any, cast

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


def _timed(spark: Any, run: Any) -> tuple[Any, dict[str, Any]]:
    seen = {s["stageId"] for s in _stages(spark)}
    queries = {q["id"] for q in _sql(spark)}
    start = time.perf_counter()
    out = run()
    wall = time.perf_counter() - start
    done = _stages(spark)
    broadcasts = _broadcasts(_sql(spark), queries)
    return out, {
        "wall_s": wall,
        **_totals(done, seen),
        "profile": _profile(done, seen),
        "broadcasts": broadcasts,
    }


def measure(
    size: int,
    day2_share: float,
    encoder: str,
    partitions: int | None,
    folder: Path,
    day1_peer: bool = False,
    extra_conf: tuple[str, ...] = (),
) -> dict[str, Any]:
    import corpus
    from corpus import build_corpus
    from sklearn.metrics import adjusted_rand_score

    from samestory.config import DEFAULT_CONFIG
    from samestory.spark import build_session, run
    from samestory.spark.incremental import run_incremental

    shared = os.environ.get("SAMESTORY_SHARED")
    data = Path(shared) / "data" if shared else corpus.DATA
    config = DEFAULT_CONFIG.replace(encoder=encoder)
    articles, _ = build_corpus(size, data=data)
    random.Random(7).shuffle(articles)
    cut = int(len(articles) * (1 - day2_share))
    day1 = _write(folder / "day1.jsonl", articles[:cut])
    day2 = _write(folder / "day2.jsonl", articles[cut:])
    both = _write(folder / "all.jsonl", articles)
    conf = [
        "spark.driver.maxResultSize=1m",
        "spark.driver.memory=2g",
        "spark.ui.showConsoleProgress=false",
        *extra_conf,
    ]
    spark = build_session("local[2]", "samestory-incremental-bench", conf)
    result: dict[str, Any] = {"n": size, "day1": cut, "day2": size - cut, "encoder": encoder}
    try:
        state, opts = folder / "state", {"config": config, "partitions": partitions}
        _, result["day1_run"] = _timed(
            spark, lambda: run_incremental(spark, day1, folder / "out1", state, **opts)
        )
        counts, result["day2_incremental"] = _timed(
            spark, lambda: run_incremental(spark, day2, folder / "out2", state, **opts)
        )
        _, result["full_rerun"] = _timed(spark, lambda: run(spark, both, folder / "full", **opts))
        if day1_peer:
            _, result["day1_job"] = _timed(spark, lambda: run(spark, day1, folder / "job1", **opts))
    finally:
        spark.stop()
    result["counts"] = counts
    result["state_mb"] = state_sizes(state)
    got, full = _assignments(folder / "out2"), _assignments(folder / "full")
    ids = sorted(full)
    result["ari_incremental_vs_full"] = adjusted_rand_score(
        [full[i] for i in ids], [got[i] for i in ids]
    )
    result["story_ids_differ"] = sum(got[i] != full[i] for i in ids) / len(ids)
    result["day2_vs_full"] = result["day2_incremental"]["wall_s"] / result["full_rerun"]["wall_s"]
    return result


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
    args = parser.parse_args(argv)
    if args.explain is not None:
        print(json.dumps(explain(args.explain, args.encoder), indent=1))
        return 0
    bench = (args.size, args.day2, args.encoder, args.partitions)
    if args.keep is not None:
        args.keep.mkdir(parents=True, exist_ok=True)
        result = measure(*bench, args.keep, args.day1_peer, tuple(args.conf))
    else:
        with tempfile.TemporaryDirectory(prefix="samestory-incr-") as tmp:
            result = measure(*bench, Path(tmp), args.day1_peer, tuple(args.conf))
    if args.json:
        print(json.dumps(result, indent=1))
        return 0
    print(
        f"{result['n']} articles ({result['encoder']}): day 1 {result['day1']}, "
        f"day 2 {result['day2']}"
    )
    for name in ("day1_run", "day1_job", "day2_incremental", "full_rerun"):
        if name not in result:
            continue
        r = result[name]
        print(
            f"  {name:17s} {r['wall_s']:8.1f} s wall  {r['task_s']:8.1f} s tasks  "
            f"{r['shuffle_write_mb']:8.1f} MB shuffled  {int(r['stages'])} stages  "
            f"{len(r['broadcasts'])} broadcasts"
        )
        for b in r["broadcasts"]:
            print(f"      broadcast {b['rows']} rows, {b['data_size']}: {b['description']}")
    print(
        f"  day 2 / full rerun: {result['day2_vs_full']:.2f}x; ARI incremental vs full "
        f"{result['ari_incremental_vs_full']:.3f}; story ids differing "
        f"{100 * result['story_ids_differ']:.1f}% of articles"
    )
    print(f"  day 2 counts: {result['counts']}")
    print(f"  state on disk after day 2 (MB): {result['state_mb']}")
    if args.profile:
        for name in ("day2_incremental", "full_rerun"):
            print(f"  {name} by call site (task s, shuffle write/read MB, input MB):")
            for r in result[name]["profile"]:
                print(
                    f"    {r['task_s']:7.1f} s {r['write_mb']:7.1f} {r['read_mb']:7.1f} "
                    f"{r['input_mb']:7.1f}  {r['stages']:3d} st {r['tasks']:4d} t  {r['site']}"
                )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
