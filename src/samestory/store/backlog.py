"""The held articles whose candidate pairs no add proposed: a store's pairing backlog.

A store proposes a new article's candidates with every route this samestory has, and
the stored articles whose lists the new one enters: pairs between two articles stored
*before* an upgrade are proposed by no add. A candidate route added since a store was
written (the keyword route, the same-days route) has therefore never run over the pairs
among its older articles, and its stories can differ from a fresh store's over the same
articles (docs/store.md, "Upgrading").

The ``route_pairs`` migration records the articles held when it runs (:func:`record`,
free at open); ``Store.upgrade`` (``samestory upgrade``) works through them a chunk per
transaction, saving its position in the same transaction (:func:`advance`), so a killed
upgrade carries on from its last committed chunk.
"""

from __future__ import annotations

import dataclasses
import json
import sqlite3

# meta key of the backlog: {"through": last features rowid held, "next": first not paired}.
KEY = "pair_backlog"


@dataclasses.dataclass(frozen=True)
class Backlog:
    """Held articles (features rowid <= ``through``) from ``next`` on are still to pair."""

    through: int
    next: int


def record(conn: sqlite3.Connection) -> None:
    """Record every article held now as to be paired (nothing for an empty store)."""
    last = conn.execute("SELECT max(rowid) FROM features").fetchone()[0]
    if last is not None:
        conn.execute(
            "INSERT OR REPLACE INTO meta VALUES (?, ?)",
            (KEY, json.dumps({"through": last, "next": 0})),
        )


def read(conn: sqlite3.Connection) -> Backlog | None:
    """The backlog, or None when every held article has been paired."""
    row = conn.execute("SELECT value FROM meta WHERE key=?", (KEY,)).fetchone()
    if row is None:
        return None
    saved = json.loads(row[0])
    return Backlog(through=int(saved["through"]), next=int(saved["next"]))


def remaining(conn: sqlite3.Connection, backlog: Backlog | None = None) -> int:
    """How many held articles (representatives: copies propose nothing) are still to pair."""
    backlog = read(conn) if backlog is None else backlog
    if backlog is None:
        return 0
    return int(
        conn.execute(
            "SELECT count(*) FROM features f JOIN articles a ON a.id = f.id "
            "WHERE a.copy_of IS NULL AND f.rowid >= ? AND f.rowid <= ?",
            (backlog.next, backlog.through),
        ).fetchone()[0]
    )


def held_chunk(conn: sqlite3.Connection, backlog: Backlog, size: int) -> list[tuple[int, str]]:
    """``(rowid, id)`` of the next ``size`` held representatives to pair, in rowid order."""
    return [
        (int(rowid), article_id)
        for rowid, article_id in conn.execute(
            "SELECT f.rowid, f.id FROM features f JOIN articles a ON a.id = f.id "
            "WHERE a.copy_of IS NULL AND f.rowid >= ? AND f.rowid <= ? ORDER BY f.rowid LIMIT ?",
            (backlog.next, backlog.through, size),
        )
    ]


def held_count(conn: sqlite3.Connection, backlog: Backlog) -> int:
    """How many representatives the backlog covers in all (paired or not)."""
    return remaining(conn, Backlog(through=backlog.through, next=0))


def advance(conn: sqlite3.Connection, backlog: Backlog, after: int) -> None:
    """Mark the held articles up to features rowid ``after`` as paired (the backlog is
    removed once none is left); runs in the chunk's transaction."""
    if after >= backlog.through:
        conn.execute("DELETE FROM meta WHERE key=?", (KEY,))
        return
    conn.execute(
        "UPDATE meta SET value=? WHERE key=?",
        (json.dumps({"through": backlog.through, "next": after + 1}), KEY),
    )
