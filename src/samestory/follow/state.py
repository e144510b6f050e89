"""Follow state in the store: sources, items and cursors, written with the articles.

This is the only module of :mod:`samestory.follow` that touches the store's SQLite
connection. Tables (the store's ``follow_state`` migration, :data:`samestory.store.schema.FOLLOW`)::

    follow_sources(id PK, kind, added_at, last_attempt, last_success, last_error,
                   last_error_at, failures, next_due)
        id = the SOURCE as given (URL, or absolute path of a file or folder);
        next_due = unix time of the next poll (later after each failure: backoff)
    follow_items(url PK, source, state, entry_fingerprint, entry_json, article_id,
                 content_hash, author, attempts, next_due, last_error, first_seen,
                 updated_at)
        url = canonical URL (``file://`` + path for a folder's files);
        state = pending | stored | duplicate | skipped | failed | gave_up
    follow_cursors(source, key, value, PRIMARY KEY(source, key))
        per listing URL: etag, last_modified (conditional GET)

Crash safety. A poll writes the new and changed entries as ``pending`` items and the
listing's ETag in one transaction, so a listing is never marked read before its entries
are durable. An article and its item's ``stored`` state are written in the transaction
of :meth:`Store.add` (its ``within`` hook when the store has one; without it, a crash
between the two leaves the item ``pending``: it is fetched again and found stored, by id
or by text, so it is still stored once). ``kill -9`` at any moment therefore leaves each
item stored once, or pending to be fetched again.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import inspect
import json
import sqlite3
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, Protocol, TypeVar

from samestory.follow.listing import Entry
from samestory.models import Article
from samestory.store import AddReport, Store, text_fingerprint

# Story moves during an add, seen by temporary triggers on this connection only:
# a story deleted by the add's re-clustering was merged into where its articles went.
_MERGE_WATCH = """
CREATE TEMP TABLE IF NOT EXISTS follow_moves (old TEXT, new TEXT);
CREATE TEMP TABLE IF NOT EXISTS follow_gone (id TEXT);
CREATE TEMP TRIGGER IF NOT EXISTS follow_moves_t AFTER UPDATE OF story_id ON main.articles
    WHEN old.story_id != new.story_id
    BEGIN INSERT INTO follow_moves VALUES (old.story_id, new.story_id); END;
CREATE TEMP TRIGGER IF NOT EXISTS follow_gone_t AFTER DELETE ON main.stories
    BEGIN INSERT INTO follow_gone VALUES (old.id); END;
"""
T = TypeVar("T")
DONE_STATES = ("stored", "duplicate", "skipped", "gave_up")
# Every item state, in the order `samestory sources` prints them.
ITEM_STATES = ("stored", "duplicate", "skipped", "failed", "gave_up", "pending")


@contextmanager
def transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """``BEGIN IMMEDIATE`` … ``COMMIT``, or ``ROLLBACK`` on any exception (the store's
    own rule, kept here so this module depends on the store's public surface only)."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def now_iso() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def connection(store: Store) -> sqlite3.Connection:
    """The store's connection (one per process: the store is its only writer)."""
    return store._conn


def ensure_schema(store: Store) -> None:
    """The follow tables (made by the store's ``follow_state`` migration, or here for a
    store opened by an older samestory), and this connection's merge watch."""
    from samestory.store.schema import FOLLOW

    conn = connection(store)
    with transaction(conn):
        for statement in FOLLOW:
            conn.execute(statement)
    conn.executescript(_MERGE_WATCH)  # temporary: this connection only, nothing stored


# ---------------------------------------------------------------------------- sources


@dataclasses.dataclass(frozen=True, slots=True)
class SourceRow:
    id: str
    kind: str
    last_success: str | None
    last_error: str | None
    last_error_at: str | None
    failures: int
    next_due: float
    counts: dict[str, int]

    def to_dict(self) -> dict[str, Any]:
        """The row for JSON (`samestory sources --json`, `/api/follow/sources`): times as
        ISO UTC, `next_due` too (null before the first poll), and a count for every
        item state, 0 included, so scripts read the same keys from every source."""
        return dataclasses.asdict(self) | {
            "next_due": iso_time(self.next_due) if self.next_due else None,
            "counts": {key: self.counts.get(key, 0) for key in ITEM_STATES},
        }


def iso_time(unix: float) -> str:
    """A unix time as ISO UTC to the second, as the table's other times are written."""
    return dt.datetime.fromtimestamp(unix, dt.UTC).isoformat(timespec="seconds")


def register_source(store: Store, source: str, kind: str) -> None:
    conn = connection(store)
    with transaction(conn):
        conn.execute(
            "INSERT INTO follow_sources (id, kind, added_at) VALUES (?, ?, ?) "
            "ON CONFLICT(id) DO UPDATE SET kind=excluded.kind",
            (source, kind, now_iso()),
        )


def source_due(store: Store, source: str) -> float:
    row = (
        connection(store)
        .execute("SELECT next_due FROM follow_sources WHERE id=?", (source,))
        .fetchone()
    )
    return 0.0 if row is None else float(row[0])


def source_failed(store: Store, source: str, reason: str, backoff: Callable[[int], float]) -> float:
    """Record a failed poll; returns the delay (s) before the next one."""
    conn = connection(store)
    with transaction(conn):
        row = conn.execute("SELECT failures FROM follow_sources WHERE id=?", (source,)).fetchone()
        failures = (row[0] if row else 0) + 1
        delay = backoff(failures)
        stamp = now_iso()
        conn.execute(
            "UPDATE follow_sources SET last_attempt=?, last_error=?, last_error_at=?, "
            "failures=?, next_due=? WHERE id=?",
            (stamp, reason, stamp, failures, time.time() + delay, source),
        )
    return delay


def sources(store: Store) -> list[SourceRow]:
    conn = connection(store)
    counts: dict[str, dict[str, int]] = {}
    for source, state, n in conn.execute(
        "SELECT source, state, count(*) FROM follow_items GROUP BY source, state"
    ):
        counts.setdefault(source, {})[state] = n
    rows = conn.execute(
        "SELECT id, kind, last_success, last_error, last_error_at, failures, next_due "
        "FROM follow_sources ORDER BY id"
    ).fetchall()
    return [
        SourceRow(
            id=row[0],
            kind=row[1],
            last_success=row[2],
            last_error=row[3],
            last_error_at=row[4],
            failures=row[5],
            next_due=row[6],
            counts=counts.get(row[0], {}),
        )
        for row in rows
    ]


def source_polled(store: Store, source: str, next_due: float) -> None:
    """A poll that succeeded (used for folders; listings use :func:`record_listing`)."""
    conn = connection(store)
    stamp = now_iso()
    with transaction(conn):
        conn.execute(
            "UPDATE follow_sources SET last_attempt=?, last_success=?, failures=0, "
            "next_due=? WHERE id=?",
            (stamp, stamp, next_due, source),
        )


def next_due(store: Store, sources: Sequence[str]) -> float | None:
    """When the next of ``sources`` or of their retried items is due (unix time)."""
    marks = ",".join("?" * len(sources))
    row = (
        connection(store)
        .execute(
            f"SELECT min(next_due) FROM (SELECT next_due FROM follow_sources WHERE id IN ({marks}) "
            "UNION ALL SELECT next_due FROM follow_items WHERE state IN ('pending', 'failed') "
            f"AND source IN ({marks}))",
            (*sources, *sources),
        )
        .fetchone()
    )
    return None if row is None or row[0] is None else float(row[0])


def has_follow_tables(store: Store) -> bool:
    row = (
        connection(store)
        .execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name='follow_sources'")
        .fetchone()
    )
    return row is not None


# ----------------------------------------------------------------------------- cursors


def cursor(store: Store, source: str, key: str) -> str | None:
    row = (
        connection(store)
        .execute("SELECT value FROM follow_cursors WHERE source=? AND key=?", (source, key))
        .fetchone()
    )
    return None if row is None else row[0]


def save_cursor(store: Store, source: str, key: str, value: str | None) -> None:
    conn = connection(store)
    with transaction(conn):
        _set_cursor(conn, source, key, value)


def _set_cursor(conn: sqlite3.Connection, source: str, key: str, value: str | None) -> None:
    conn.execute("INSERT OR REPLACE INTO follow_cursors VALUES (?, ?, ?)", (source, key, value))


# ------------------------------------------------------------------------------- items


@dataclasses.dataclass(frozen=True, slots=True)
class PendingItem:
    url: str
    source: str
    entry: Entry
    attempts: int
    content_hash: str | None


def entry_to_json(entry: Entry) -> str:
    data = dataclasses.asdict(entry)
    data["date"] = entry.date.isoformat() if entry.date else None
    return json.dumps(data, ensure_ascii=False)


def entry_from_json(text: str | None, url: str) -> Entry:
    if not text:
        return Entry(url=url)
    data = json.loads(text)
    data["date"] = dt.date.fromisoformat(data["date"]) if data.get("date") else None
    return Entry(**data)


def record_listing(
    store: Store,
    source: str,
    entries: Sequence[tuple[str, Entry]],
    cursors: Sequence[tuple[str, str | None, str | None]],
    now: float,
) -> int:
    """In one transaction: new and changed entries become ``pending`` items, the
    listing cursors (``(url, etag, last_modified)``) are saved and the source marked
    polled. Returns how many entries were queued."""
    conn = connection(store)
    queued = 0
    stamp = now_iso()
    with transaction(conn):
        for url, entry in entries:
            row = conn.execute(
                "SELECT state, entry_fingerprint FROM follow_items WHERE url=?", (url,)
            ).fetchone()
            if row is not None and (row[0] == "pending" or row[1] == entry.fingerprint):
                continue  # queued already, or seen with this very entry
            queued += 1
            if row is None:
                conn.execute(
                    "INSERT INTO follow_items (url, source, state, entry_fingerprint, "
                    "entry_json, first_seen, updated_at, next_due) "
                    "VALUES (?, ?, 'pending', ?, ?, ?, ?, 0)",
                    (url, source, entry.fingerprint, entry_to_json(entry), stamp, stamp),
                )
            else:  # the entry changed: fetch again (attempts start over)
                conn.execute(
                    "UPDATE follow_items SET state='pending', entry_fingerprint=?, "
                    "entry_json=?, attempts=0, next_due=0, updated_at=? WHERE url=?",
                    (entry.fingerprint, entry_to_json(entry), stamp, url),
                )
        for listing_url, etag, modified in cursors:
            _set_cursor(conn, listing_url, "etag", etag)
            _set_cursor(conn, listing_url, "last_modified", modified)
        conn.execute(
            "UPDATE follow_sources SET last_attempt=?, last_success=?, failures=0, "
            "next_due=? WHERE id=?",
            (stamp, stamp, now, source),
        )
    return queued


def due_items(store: Store, sources: Sequence[str], limit: int) -> list[PendingItem]:
    """Items to fetch now: pending, or failed and due for a retry, oldest first."""
    if not sources:
        return []
    conn = connection(store)
    marks = ",".join("?" * len(sources))
    rows = conn.execute(
        "SELECT url, source, entry_json, attempts, content_hash FROM follow_items "
        f"WHERE state IN ('pending', 'failed') AND next_due <= ? AND source IN ({marks}) "
        "ORDER BY next_due, rowid LIMIT ?",
        (time.time(), *sources, limit),
    ).fetchall()
    return [
        PendingItem(url, source, entry_from_json(entry, url), attempts, digest)
        for url, source, entry, attempts, digest in rows
    ]


def item_failed(
    store: Store, url: str, reason: str, retry_in: float | None, final_state: str
) -> None:
    """A failed item: retried after ``retry_in`` seconds, or left in ``final_state``."""
    conn = connection(store)
    with transaction(conn):
        if retry_in is None:
            conn.execute(
                "UPDATE follow_items SET state=?, last_error=?, attempts=attempts+1, "
                "updated_at=? WHERE url=?",
                (final_state, reason, now_iso(), url),
            )
        else:
            conn.execute(
                "UPDATE follow_items SET state='failed', last_error=?, attempts=attempts+1, "
                "next_due=?, updated_at=? WHERE url=?",
                (reason, time.time() + retry_in, now_iso(), url),
            )


def stored_text_hash(store: Store, article_id: str) -> str | None:
    """The content hash of a stored article's text, or None when it is not stored."""
    from samestory.follow.urls import content_hash

    row = (
        connection(store).execute("SELECT text FROM articles WHERE id=?", (article_id,)).fetchone()
    )
    return None if row is None else content_hash(row[0])


@dataclasses.dataclass(frozen=True, slots=True)
class Fetched:
    """An item ready to store: its articles (none when its text is stored already)."""

    url: str
    source: str
    fingerprint: str | None  # the entry's (a file's stamp); None: keep the recorded one
    articles: tuple[Article, ...]
    content_hash: str
    author: str | None = None
    article_id: str | None = None  # the stored article, when ``articles`` is empty


@dataclasses.dataclass(frozen=True, slots=True)
class BatchResult:
    report: AddReport
    merged: dict[str, list[str]]  # surviving story -> stories merged into it


class StorePort(Protocol):
    """How the follower reaches its store: ``call(fn)`` runs ``fn(store)`` on the thread
    that owns the store; ``add`` adds articles, running ``within(conn)`` in the add's
    transaction. :class:`DirectPort` for a store of this thread; ``samestory serve``
    passes one that goes through its single writer."""

    def call(self, fn: Callable[[Store], T]) -> T: ...

    def add(
        self, articles: Sequence[Article], within: Callable[[sqlite3.Connection], None]
    ) -> AddReport: ...


class DirectPort:
    """The store is used directly, on the calling thread."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def call(self, fn: Callable[[Store], T]) -> T:
        return fn(self.store)

    def add(
        self, articles: Sequence[Article], within: Callable[[sqlite3.Connection], None]
    ) -> AddReport:
        return add_with(self.store, articles, within)


class CallPort:
    """The store is owned by another thread that runs ``call(fn)`` for us (the
    server's single writer: ``CallPort(writer.call)``); adds go through it too."""

    def __init__(self, call: Callable[[Callable[[Store], Any]], Any]) -> None:
        self._call = call

    def call(self, fn: Callable[[Store], T]) -> T:
        result: T = self._call(fn)
        return result

    def add(
        self, articles: Sequence[Article], within: Callable[[sqlite3.Connection], None]
    ) -> AddReport:
        return self.call(lambda store: add_with(store, articles, within))


def add_with(
    store: Store, articles: Sequence[Article], within: Callable[[sqlite3.Connection], None]
) -> AddReport:
    """``store.add(articles)`` with ``within(conn)`` in its transaction when the store
    offers the hook; otherwise in a transaction of its own right after (see the module
    docstring: a crash in between leaves the items pending, still stored once)."""
    if _has_within_hook(store):
        return store.add(articles, within=within)  # type: ignore[call-arg]
    report = store.add(articles)
    conn = connection(store)
    with transaction(conn):
        within(conn)
    return report


def add_batch(port: StorePort, batch: Sequence[Fetched]) -> BatchResult:
    """Add the batch's articles and mark its items stored, in one transaction."""
    articles = [a for f in batch for a in f.articles]
    port.call(_reset_merge_watch)
    report = port.add(articles, lambda conn: _mark_stored(conn, batch))
    merged = port.call(lambda store: _merges(connection(store), report))
    return BatchResult(report, merged)


def _reset_merge_watch(store: Store) -> None:
    conn = connection(store)
    conn.execute("DELETE FROM temp.follow_moves")
    conn.execute("DELETE FROM temp.follow_gone")


def _has_within_hook(store: Store) -> bool:
    return "within" in inspect.signature(store.add).parameters


def _mark_stored(conn: sqlite3.Connection, batch: Sequence[Fetched]) -> None:
    """Each item ``stored`` (``duplicate`` when its text was stored under another id)."""
    stamp = now_iso()
    for item in batch:
        state, article_id = "stored", None
        if len(item.articles) == 1:
            article_id = item.articles[0].id
            owner = _owner_of(conn, item.articles[0])
            if owner is not None and owner != article_id:
                state, article_id = "duplicate", owner
        elif not item.articles:
            article_id = item.article_id
        conn.execute(
            "INSERT INTO follow_items (url, source, state, entry_fingerprint, article_id, "
            "content_hash, author, first_seen, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT(url) DO UPDATE SET state=excluded.state, "
            "entry_fingerprint=coalesce(excluded.entry_fingerprint, entry_fingerprint), "
            "article_id=coalesce(excluded.article_id, article_id), "
            "content_hash=excluded.content_hash, author=coalesce(excluded.author, author), "
            "last_error=NULL, updated_at=excluded.updated_at",
            (
                item.url,
                item.source,
                state,
                item.fingerprint,
                article_id,
                item.content_hash,
                item.author,
                stamp,
                stamp,
            ),
        )


def _owner_of(conn: sqlite3.Connection, article: Article) -> str | None:
    """The stored article holding ``article``'s text: itself, or an earlier copy."""
    row = conn.execute("SELECT id FROM articles WHERE id=?", (article.id,)).fetchone()
    if row is not None:
        return str(row[0])
    row = conn.execute(
        "SELECT id FROM articles WHERE fingerprint=? LIMIT 1", (text_fingerprint(article),)
    ).fetchone()
    return None if row is None else str(row[0])


def _merges(conn: sqlite3.Connection, report: AddReport) -> dict[str, list[str]]:
    """Surviving story -> the stories the add folded into it.

    From the report when the store gives merges (``AddReport.merged``: gone story ->
    stories now holding its articles), else from this connection's temporary triggers.
    """
    given = getattr(report, "merged", None)
    if given is not None:
        out: dict[str, list[str]] = {}
        for gone, holders in given.items():
            if holders:
                out.setdefault(holders[0], []).append(gone)
        return out
    gone = [r[0] for r in conn.execute("SELECT DISTINCT id FROM temp.follow_gone")]
    merged: dict[str, list[str]] = {}
    for story in gone:
        row = conn.execute(
            "SELECT new, count(*) AS n FROM temp.follow_moves WHERE old=? "
            "GROUP BY new ORDER BY n DESC LIMIT 1",
            (story,),
        ).fetchone()
        if row is not None:
            merged.setdefault(row[0], []).append(story)
    return merged


def folder_items(store: Store, source: str) -> dict[str, tuple[str | None, str | None]]:
    """``url -> (stamp, content hash)`` of a folder source's known files."""
    rows = connection(store).execute(
        "SELECT url, entry_fingerprint, content_hash FROM follow_items WHERE source=?",
        (source,),
    )
    return {url: (stamp, digest) for url, stamp, digest in rows}
