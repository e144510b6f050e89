"""Where the store's stories differ from the batch's, and why.

Adds a dev set to a fresh store in shuffled batches, runs the batch pipeline on it, and
prints: the ARI between the two; the copy groups that differ; the scored pairs one side
has and the other lacks (by score); pairs scored differently; and the ARI of the batch's
grouping applied to the store's own scored pairs (so a residual difference can be put on
the candidates or on the incremental grouping).

    PYTHONPATH=src python scripts/store_vs_batch.py tests/fixtures/ecbplus_dev_subset.jsonl
    PYTHONPATH=src python scripts/store_vs_batch.py ../shared/data/ecbplus_dev.jsonl --batch 25
"""

from __future__ import annotations

import argparse
import json
import random
import sqlite3
import tempfile
import time
from pathlib import Path

from samestory.config import DEFAULT_CONFIG
from samestory.embed import encoder_for
from samestory.evaluate import cluster_metrics, record_to_article
from samestory.pipeline.batch import analyze
from samestory.pipeline.group import group
from samestory.store import Store


def store_pairs(conn: sqlite3.Connection) -> dict[tuple[str, str], float]:
    """Every scored pair the store keeps (relations with a kind, and weak scores)."""
    out: dict[tuple[str, str], float] = {}
    for table in ("relations", "weak_scores"):
        for a, b, score in conn.execute(f"SELECT a, b, score FROM {table}"):
            out[tuple(sorted((a, b)))] = float(score)  # type: ignore[index]
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("records", type=Path)
    parser.add_argument("--batch", type=int, default=10, help="articles per add")
    parser.add_argument("--seed", type=int, default=0, help="shuffle seed")
    parser.add_argument("--keep-order", action="store_true", help="add in file order (no shuffle)")
    parser.add_argument("--encoder", default="use")
    parser.add_argument("--show", type=int, default=15, help="pairs listed per kind")
    args = parser.parse_args()
    lines = args.records.read_text(encoding="utf-8").splitlines()
    articles = [record_to_article(json.loads(line)) for line in lines if line]
    encoder = encoder_for(args.encoder)
    config = DEFAULT_CONFIG.replace(encoder=args.encoder)

    start = time.perf_counter()
    analysis = analyze(articles, config, encoder)
    batch_seconds = time.perf_counter() - start
    batch_story = {a: s.id for s in analysis.stories for a in s.articles}
    batch_scored = {tuple(sorted((r.a, r.b))): float(r.score) for r in analysis.relations}

    shuffled = articles[:]
    if not args.keep_order:
        random.Random(args.seed).shuffle(shuffled)
    with tempfile.TemporaryDirectory() as tmp, Store(Path(tmp) / "s.db", config, encoder) as store:
        start = time.perf_counter()
        for begin in range(0, len(shuffled), args.batch):
            store.add(shuffled[begin : begin + args.batch])
        store_seconds = time.perf_counter() - start
        conn = store._conn
        stored = store_pairs(conn)
        store_story = {a.id: store.story_of(a.id) for a in articles}
        store_copy = {a.id: store.copy_of(a.id) for a in articles}

    ids = [a.id for a in articles]
    ari = cluster_metrics([batch_story[i] for i in ids], [store_story[i] for i in ids])["ari"]
    print(f"{len(ids)} articles; batch {batch_seconds:.1f} s, store adds {store_seconds:.1f} s")
    print(f"ARI(store, batch) = {ari:.4f}")
    # The batch over the articles in the order the store received them: the same pair
    # orientations (relate(a, b) with a the earlier one), so what is left between the
    # store and the batch in input order is the batch's own order dependence.
    arrived = analyze(shuffled, config, encoder)
    arrived_story = {a: s.id for s in arrived.stories for a in s.articles}
    same_order = cluster_metrics([arrived_story[i] for i in ids], [store_story[i] for i in ids])[
        "ari"
    ]
    own = cluster_metrics([arrived_story[i] for i in ids], [batch_story[i] for i in ids])["ari"]
    print(
        f"ARI(store, batch in arrival order) = {same_order:.4f}; "
        f"ARI(batch in arrival order, batch) = {own:.4f}"
    )

    # Copy groups: as partitions (who is a copy of whom, up to the representative).
    def copy_root(copy_of: dict[str, str | None], i: str) -> str:
        while copy_of.get(i):
            i = copy_of[i]  # type: ignore[assignment]
        return i

    batch_copy = analysis.copy_of
    b_root = {i: batch_copy.get(i, i) for i in ids}
    s_root = {i: copy_root(store_copy, i) for i in ids}
    copy_ari = cluster_metrics([b_root[i] for i in ids], [s_root[i] for i in ids])["ari"]
    print(
        f"copy groups: batch {len(set(b_root.values()))}, store {len(set(s_root.values()))}, "
        f"ARI {copy_ari:.4f}; representatives differ for "
        f"{sum(b_root[i] != s_root[i] for i in ids)} articles"
    )

    # Pairs between copy-group representatives only (copies are scored against one copy).
    b_edges = {p: s for p, s in batch_scored.items() if b_root[p[0]] != b_root[p[1]]}
    s_edges = {p: s for p, s in stored.items() if s_root[p[0]] != s_root[p[1]]}
    only_b = {p: s for p, s in b_edges.items() if p not in s_edges and s > 0}
    only_s = {p: s for p, s in s_edges.items() if p not in b_edges}
    both = [p for p in b_edges if p in s_edges]
    diff = [(p, b_edges[p], s_edges[p]) for p in both if abs(b_edges[p] - s_edges[p]) > 1e-6]
    threshold = config.attach_threshold or config.same_story_threshold
    print(
        f"scored pairs (score > 0): batch {sum(s > 0 for s in b_edges.values())}, "
        f"store {len(s_edges)}, in both {len(both)}"
    )
    for name, only in (("batch only", only_b), ("store only", only_s)):
        strong = sum(s >= threshold for s in only.values())
        print(f"  {name}: {len(only)} ({strong} at >= {threshold})")
        for p, s in sorted(only.items(), key=lambda kv: -kv[1])[: args.show]:
            same = "same" if batch_story[p[0]] == batch_story[p[1]] else "diff"
            print(f"    {s:.3f} {same}-batch-story {p[0]} {p[1]}")
    print(f"  scored differently: {len(diff)}")
    for p, b, s in sorted(diff, key=lambda t: -abs(t[1] - t[2]))[: args.show]:
        print(f"    batch {b:.4f} store {s:.4f} {p[0]} {p[1]}")

    # The batch's grouping over the store's pairs and copy groups.
    position = {i: k for k, i in enumerate(ids)}
    copy_of = [None if s_root[i] == i else position[s_root[i]] for i in ids]
    edges = [(position[a], position[b], s) for (a, b), s in stored.items()]
    groups = group(len(ids), edges, copy_of, config)
    regrouped = {ids[k]: g for g, members in enumerate(groups) for k in members}
    print(
        "ARI(batch grouping of the store's pairs, batch) = "
        f"{cluster_metrics([batch_story[i] for i in ids], [regrouped[i] for i in ids])['ari']:.4f}"
        "; vs store = "
        f"{cluster_metrics([store_story[i] for i in ids], [regrouped[i] for i in ids])['ari']:.4f}"
    )
    apart = [i for i in ids if batch_story[i] != store_story[i]]
    print(
        f"stories differ: {len(set(batch_story.values()))} batch, "
        f"{len(set(store_story.values()))} store"
    )
    _ = apart


if __name__ == "__main__":
    main()
