"""The held articles whose candidate pairs no add proposed: a store's pairing backlog.

A store proposes a new article's candidates with every route this samestory has, and
the stored articles whose lists the new one enters: pairs between two articles stored
*before* an upgrade are proposed by no add. A candidate route added since a store was
written (the keyword route, the same-days route) has therefore never run over the pairs
among its older articles, and its stories can differ from a fresh store's over the same
articles (docs/store.md, "Upgrading").

A *reconcile* (``samestory upgrade --reconcile``) walks the same way over every
representative held when it starts, under its own meta key (:data:`RECONCILE_KEY`), with
the same functions (``key=RECONCILE_KEY``): each chunk's candidates proposed again, the
stored pairs no list proposes forgotten, the missing ones scored.

The ``route_pairs`` migration records the articles held when it runs (:func:`record`,
free at open); ``Store.upgrade`` (``samestory upgrade``) works through them a chunk per
transaction, saving its position in the same transaction (:func:`advance`), so a killed
upgrade carries on from its last committed chunk.

The store also records which candidate routes its held articles were paired by
(:data:`ROUTES_KEY`: every held article outside the backlog was proposed by each of
them). A samestory whose :data:`ROUTES` has one the record lacks records the held
articles as the backlog when it opens the store (:func:`follow_routes`, the
``follow_routes`` step of :mod:`samestory.store.migrations`): the backlog comes from
the record, not from where a step stands in the list, so a store written after a route
shipped never gets one for it, and a new route needs only its name in :data:`ROUTES`.
"""

from __future__ import annotations

import dataclasses
import json
import sqlite3

from samestory.config import DEFAULT_CONFIG, Config

# meta key of the backlog: {"through": last features rowid held, "next": first not paired,
# "scored": whether the chunks paired so far scored any pair, and, when only the
# short-text floor's route is new, "short_words": only articles under so many words}.
KEY = "pair_backlog"
# meta key of a whole-store reconcile in progress (the same fields; "scored": whether a
# chunk so far forgot or scored a pair).
RECONCILE_KEY = "reconcile"
# meta key of the walk flagging an older store's floor-only pairs (the same fields:
# samestory.store.floor_pairs, the floor_pairs migration).
FLOOR_KEY = "floor_flags"
# meta key of the candidate routes the held articles outside the backlog were paired by
# (a sorted JSON list), and the routes this samestory's adds propose with: the nearest
# document vectors (with their widening), the keyword route and the same-days route
# (samestory.candidates). Add a route's name here when it ships.
ROUTES_KEY = "candidate_routes"


_SHORT_PREFIX = "vectors_short:"


def short_floor_route(config: Config) -> str | None:
    """The short-text vector floor as a route name, with its numbers (an article under
    ``short_text_words`` words takes its vector neighbours down to
    ``short_text_ann_min_cosine``: ``samestory.candidates.vector_floor``), or None when
    the config has no such rule. Its pairs among stored short articles were never
    proposed by a samestory without it, so a store recording other numbers (or none)
    is paired again by ``samestory upgrade``, as for a new route."""
    cosine = config.short_text_ann_min_cosine
    if cosine is None or config.short_text_words <= 0 or cosine == config.ann_min_cosine:
        return None
    return f"{_SHORT_PREFIX}{config.short_text_words}:{cosine:g}"


# The shipped config's rule (a store created with other numbers records these too: its
# pairing backlog after an upgrade of the rule costs time and changes nothing).
_SHORT = short_floor_route(DEFAULT_CONFIG)
ROUTES: frozenset[str] = frozenset({"vectors", "keywords", "same_days"}) | (
    frozenset({_SHORT}) if _SHORT else frozenset()
)


@dataclasses.dataclass(frozen=True)
class Backlog:
    """Held articles (features rowid <= ``through``) from ``next`` on are still to pair;
    ``scored``: the chunks paired before scored at least one pair."""

    through: int
    next: int
    scored: bool = False
    # Only the held articles of fewer words are to pair (None: every one): when the one
    # route missing is the short-text floor, which lengthens short articles' own lists
    # and no other (samestory.candidates.vector_floor).
    short_words: int | None = None


def record(conn: sqlite3.Connection, key: str = KEY, short_words: int | None = None) -> None:
    """Record every article held now as to be paired (nothing for an empty store), or
    only those of fewer than ``short_words`` words."""
    last = conn.execute("SELECT max(rowid) FROM features").fetchone()[0]
    if last is not None:
        saved: dict[str, int] = {"through": last, "next": 0}
        if short_words is not None:
            saved["short_words"] = short_words
        conn.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, json.dumps(saved)))


def read(conn: sqlite3.Connection, key: str = KEY) -> Backlog | None:
    """The backlog, or None when every held article has been paired."""
    row = conn.execute("SELECT value FROM meta WHERE key=?", (key,)).fetchone()
    if row is None:
        return None
    saved = json.loads(row[0])
    words = saved.get("short_words")
    return Backlog(
        through=int(saved["through"]),
        next=int(saved["next"]),
        scored=bool(saved.get("scored")),
        short_words=None if words is None else int(words),
    )


def remaining(conn: sqlite3.Connection, backlog: Backlog | None = None, key: str = KEY) -> int:
    """How many held articles (representatives: copies propose nothing) are still to pair."""
    backlog = read(conn, key) if backlog is None else backlog
    if backlog is None:
        return 0
    return int(
        conn.execute(
            "SELECT count(*) FROM features f JOIN articles a ON a.id = f.id "
            f"WHERE a.copy_of IS NULL AND f.rowid >= ? AND f.rowid <= ?{_SHORTER}",
            (backlog.next, backlog.through, *_shorter(backlog)),
        ).fetchone()[0]
    )


def held_chunk(conn: sqlite3.Connection, backlog: Backlog, size: int) -> list[tuple[int, str]]:
    """``(rowid, id)`` of the next ``size`` held representatives to pair, in rowid order."""
    return [
        (int(rowid), article_id)
        for rowid, article_id in conn.execute(
            "SELECT f.rowid, f.id FROM features f JOIN articles a ON a.id = f.id "
            f"WHERE a.copy_of IS NULL AND f.rowid >= ? AND f.rowid <= ?{_SHORTER} "
            "ORDER BY f.rowid LIMIT ?",
            (backlog.next, backlog.through, *_shorter(backlog), size),
        )
    ]


# The word-count condition of a backlog that pairs short articles only.
_SHORTER = " AND (? IS NULL OR f.n_words < ?)"


def _shorter(backlog: Backlog) -> tuple[int | None, int | None]:
    return backlog.short_words, backlog.short_words


def held_count(conn: sqlite3.Connection, backlog: Backlog) -> int:
    """How many representatives were held when the backlog was recorded (paired or not,
    short or not: the first ones of the candidate index)."""
    return remaining(conn, Backlog(through=backlog.through, next=0))


def advance(
    conn: sqlite3.Connection, backlog: Backlog, after: int, scored: bool, key: str = KEY
) -> None:
    """Mark the held articles up to features rowid ``after`` as paired, ``scored``: the
    chunk scored a pair (the backlog is removed once none is left); runs in the chunk's
    transaction."""
    if after >= backlog.through:
        conn.execute("DELETE FROM meta WHERE key=?", (key,))
        return
    saved: dict[str, int | bool] = {
        "through": backlog.through,
        "next": after + 1,
        "scored": backlog.scored or scored,
    }
    if backlog.short_words is not None:
        saved["short_words"] = backlog.short_words
    conn.execute("UPDATE meta SET value=? WHERE key=?", (json.dumps(saved), key))


def routes(conn: sqlite3.Connection) -> frozenset[str] | None:
    """The candidate routes the store records, or None when it records none (a store
    older than the ``candidate_routes`` step)."""
    row = conn.execute("SELECT value FROM meta WHERE key=?", (ROUTES_KEY,)).fetchone()
    return None if row is None else frozenset(json.loads(row[0]))


def record_routes(conn: sqlite3.Connection, paired_by: frozenset[str]) -> None:
    """Record ``paired_by`` as the routes the held articles outside the backlog were
    paired by."""
    conn.execute(
        "INSERT OR REPLACE INTO meta VALUES (?, ?)", (ROUTES_KEY, json.dumps(sorted(paired_by)))
    )


def routes_differ(conn: sqlite3.Connection) -> bool:
    """Whether the store records routes other than this samestory's (never for a store
    that records none: its ``candidate_routes`` step is still to run)."""
    recorded = routes(conn)
    return recorded is not None and recorded != ROUTES


def _short_floor_words(missing: frozenset[str]) -> int | None:
    """The word bound when the one route ``missing`` is the short-text floor's
    (``vectors_short:WORDS:COSINE``), else None."""
    if len(missing) != 1:
        return None
    name = next(iter(missing))
    if not name.startswith(_SHORT_PREFIX):
        return None
    return int(name[len(_SHORT_PREFIX) :].split(":")[0])


def follow_routes(conn: sqlite3.Connection) -> None:
    """Bring the record to this samestory's routes: when it lacks one of them, every
    held article becomes the backlog (those paired before were not paired by it
    either); a route it has that this samestory lacks (an older samestory opening the
    store) is dropped, so the samestory that has it pairs the store again. When the
    one route it lacks is the short-text floor (and no backlog is pending), only the
    held articles under its word bound become the backlog: the floor lengthens short
    articles' own lists and no other, so only theirs propose new pairs."""
    recorded = routes(conn)
    if recorded is None or recorded == ROUTES:
        return
    missing = ROUTES - recorded
    if missing:
        words = _short_floor_words(missing)
        record(conn, short_words=words if read(conn) is None else None)
    record_routes(conn, ROUTES)
