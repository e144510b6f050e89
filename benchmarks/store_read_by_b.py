"""The store's read of the weak scores *to* a set of articles, with and without its index.

Each re-clustering add reads the weak scores whose ``b`` is one of the re-clustered
articles (``samestory.store.regroup.relations_to``, the exclusive-names step's context).
Before the ``weak_scores_by_b`` migration that read scanned the whole table per 500 ids.
This builds a ``weak_scores`` table of ``--rows`` random pairs (the store's schema, in
memory), then times the read of 500 ids' scores at the step's bar without the index and
through it (median of 5 each): SQLite alone, so the growth with the table shows without a
store of that size. ``benchmarks/store_add.py --preload`` measures it in a real store.

    python benchmarks/store_read_by_b.py --rows 1000000
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import statistics
import sys
import time

from samestory.exclusive import NEIGHBOUR_BAR
from samestory.store import schema


def median_ms(conn: sqlite3.Connection, query: str, args: list[object]) -> tuple[int, float]:
    laps, found = [], 0
    for _ in range(5):
        start = time.perf_counter()
        found = len(conn.execute(query, args).fetchall())
        laps.append(time.perf_counter() - start)
    return found, 1000 * statistics.median(laps)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="weak scores in the table")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    rng = random.Random(args.seed)
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE TABLE articles (id TEXT PRIMARY KEY)")
    schema.execute_all(conn, schema.WEAK_SCORES)
    ids = [f"article-{k:08d}" for k in range(max(1000, args.rows * 2 // 5))]
    conn.executemany(
        "INSERT OR IGNORE INTO weak_scores VALUES (?, ?, ?)",
        ((rng.choice(ids), rng.choice(ids), rng.random()) for _ in range(args.rows)),
    )
    rows = conn.execute("SELECT count(*) FROM weak_scores").fetchone()[0]
    wanted = rng.sample(ids, 500)
    marks = ",".join("?" * len(wanted))
    query = f"SELECT a, b, score FROM weak_scores {{}} WHERE b IN ({marks}) AND score >= ?"
    found, scan = median_ms(conn, query.format(""), [*wanted, NEIGHBOUR_BAR])
    schema.execute_all(conn, schema.WEAK_SCORES_BY_B)
    _, indexed = median_ms(
        conn, query.format("INDEXED BY weak_scores_by_b"), [*wanted, NEIGHBOUR_BAR]
    )
    print(
        f"weak_scores {rows} rows; scores to 500 articles ({found} rows): "
        f"table scan {scan:.1f} ms, weak_scores_by_b {indexed:.2f} ms (medians of 5)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
