"""A persistent story store in one SQLite file, with incremental assignment.

New articles are featurised, proposed candidate neighbours by a :class:`CandidateIndex`
built from the stored features, scored against them with :func:`relate` and assigned
with the incremental rule of :func:`samestory.stories.best_story`: join the story with
the highest average score to its members if it reaches ``same_story_threshold``
(``attach_threshold`` for a story of three or more), else start a new one. Then only the
stories the new article touched are re-clustered (average link over their stored
relations, :mod:`samestory.store.regroup`), so the result depends little on arrival order.
No features or stored relations are ever recomputed.

Every version is stored. A repost (an exact or near-duplicate copy of a stored article,
under another id, found from the MinHash sketches of its candidates) is scored against
that one copy only, joins its story and is recorded in ``articles.copy_of``;
re-clustering treats each copy group as one item, as the batch pipeline clusters one
representative per copy group, and every scored pair's score is kept (``weak_scores``),
so re-clustering a stored story from the store gives it back unchanged. An id given
again with the same text (same fingerprint) changes nothing; with a different text, the
new text is stored as a revision, a version of its own with the id
:func:`revision_id` (``ID~rev2``, ...), recorded in ``revisions``.

Opening is cheap at any size: the MinHash-LSH buckets are rows of the ``lsh`` table
(nothing to rebuild), and the HNSW graph of the document vectors is saved beside the
database as ``<store>.usearch`` when the store is closed, with its SHA-256 in ``meta``,
and reused (with its vectors) when it was saved with the articles stored first and its
bytes match; articles added after it was saved are added to it, and a graph that
matches nothing or fails its checksum is rebuilt (:mod:`samestory.store.graph`). (100,000
articles: 1 s to open, against 12 s rebuilding the LSH and vectors and another ~40 s for
the graph.)

The tables are in :mod:`samestory.store.schema`, made and changed by the named steps of
:mod:`samestory.store.migrations`; features are stored as JSON + raw NumPy bytes, not
pickle (:mod:`samestory.store.codec`); the LSH table and the copy test's MinHash reads
are in :mod:`samestory.store.index`. This module is :class:`Store`: opening, reading, and
the transaction of an add; its upgrade (how much is left, the loops and the transaction
of each chunk) is its base class :class:`~samestory.store.upgrade_loops.UpgradeLoops`.
The work inside a transaction is ``_Work``: :mod:`samestory.store.transaction` (what
every kind of work shares: writing, the report), :mod:`samestory.store.adding` (an add's
steps), :mod:`samestory.store.regroup` (the re-clustering) and
:mod:`samestory.store.upgrading` (an upgrade chunk's steps).

Every :meth:`Store.add` is one ``BEGIN IMMEDIATE … COMMIT`` transaction: an error
mid-batch (disk full included) rolls the whole batch back and the store is exactly as
before. The file uses WAL journaling and ``PRAGMA foreign_keys=ON``. SQLite failures
reach callers as one-line :class:`StoreError` messages (locked, read-only, disk full,
damaged). A store that cannot be written (read-only file or file system) is opened
read-only: reading works, adding says why it cannot.

Story ids are :func:`samestory.api.story_id` of the article that created the story and
stay stable when a later, earlier-dated article becomes the story's first version.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import json
import os
import sqlite3
import urllib.parse
import warnings
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any

from samestory.candidates import CandidateIndex
from samestory.config import DEFAULT_CONFIG, Config
from samestory.embed import SentenceEncoder, encoder_for
from samestory.features import DocFeatures
from samestory.models import Article, Relation, Story
from samestory.pipeline.featurise import Progress
from samestory.store import graph, migrations, reading
from samestory.store.adding import Adding
from samestory.store.adding import revision_id as revision_id
from samestory.store.adding import text_fingerprint as text_fingerprint
from samestory.store.codec import decode_features
from samestory.store.index import CopySketches
from samestory.store.listing import SUMMARY_COLUMNS as _SUMMARY_COLUMNS
from samestory.store.listing import StorySummary as StorySummary
from samestory.store.listing import summaries
from samestory.store.schema import StoreBusy, StoreError, Transaction
from samestory.store.threads import log, refresh_if_changed, stored_model
from samestory.store.transaction import AddReport as AddReport
from samestory.store.upgrade_loops import UpgradeLoops
from samestory.store.upgrading import Paired as Paired
from samestory.store.upgrading import UpgradeSteps
from samestory.threads import MODEL_DIGEST

# Seconds a writer waits for another one to finish before giving up (SQLite's busy
# timeout): long enough for an add of a few hundred articles, short enough to say so.
BUSY_TIMEOUT = 30.0
# Default page sizes of search_stories and changes_since (chosen: a screen of stories; a
# poll's worth of changes).
STORIES_PAGE = 50
CHANGES_PAGE = 1000
# Config fields that change stored features: a store must be used with the same values.
FEATURE_FIELDS = ("encoder", "shingle_size", "max_sentences", "num_perm", "seed")

Within = Callable[[sqlite3.Connection], None]


@dataclasses.dataclass(frozen=True, slots=True)
class Change:
    """One row of the change log: an article ``added`` or ``moved`` to ``story_id``, or a
    story ``removed`` (merged into others)."""

    seq: int
    at: str
    kind: str
    article_id: str | None
    story_id: str | None

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def fts_query(q: str) -> str:
    """``q`` as an FTS5 query: every word must occur (prefixes match: ``elect*``).

    Each word is quoted, so user text never reaches FTS5's query syntax (a stray
    ``"`` or ``AND`` would otherwise be an error or an operator).
    """
    words = [w for w in q.split() if w.strip('"*')]
    return " ".join(
        '"' + w.strip('"*').replace('"', '""') + '"' + ("*" if w.endswith("*") else "")
        for w in words
    )


def _utc_iso(value: str | dt.date | dt.datetime) -> str:
    """A date or time as the store writes times (UTC, seconds), for comparisons."""
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    if not isinstance(value, dt.datetime):
        value = dt.datetime(value.year, value.month, value.day, tzinfo=dt.UTC)
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(dt.UTC).isoformat(timespec="seconds")


# The encoder of every store written before Config had an encoder field.
LEGACY_ENCODER = "use"


def _load_config(text: str) -> Config:
    """The stored config, tolerantly: fields this samestory no longer has are dropped,
    fields it added since take their defaults."""
    known = {f.name for f in dataclasses.fields(Config)}
    stored = {k: v for k, v in json.loads(text).items() if k in known}
    # A store older than Config.encoder (2026-11-24) holds USE's vectors: the default
    # encoder is static since 2026-12-03, so a missing encoder must not take it.
    stored.setdefault("encoder", LEGACY_ENCODER)
    try:
        return Config(**stored)
    except (TypeError, ValueError) as exc:
        raise StoreError(f"has a stored config this samestory cannot use ({exc})") from exc


def _busy(exc: sqlite3.Error) -> bool:
    """Whether ``exc`` is another connection's write lock."""
    return "locked" in str(exc).lower() or "busy" in str(exc).lower()


def explain(exc: sqlite3.Error, path: Path, doing: str, busy_timeout: float) -> str:
    """One line saying what went wrong with the store at ``path`` and what to do."""
    message = str(exc)
    lower = message.lower()
    if "locked" in lower or "busy" in lower:
        return (
            f"{path} is locked by another writer; stopped {doing} it after waiting "
            f"{busy_timeout:g} s (nothing was written; try again when it has finished)"
        )
    if "full" in lower:
        return f"disk full while {doing} {path}: nothing was written, the store is as it was"
    if "readonly" in lower or "read-only" in lower:
        return f"{path} is read-only: cannot finish {doing} (reading it still works)"
    if "malformed" in lower or "not a database" in lower or "corrupt" in lower:
        return f"{path} is damaged ({message}); restore it from a backup"
    if "unable to open" in lower:
        return f"cannot open {path} ({message})"
    return f"{path}: {doing} failed ({message})"


# ------------------------------------------------------------------------------ store


class Store(UpgradeLoops):
    """Stories persisted in a SQLite file; articles are added incrementally.

    ``config`` defaults to the config the store was created with (``DEFAULT_CONFIG``
    for a new store). A config whose feature settings (:data:`FEATURE_FIELDS`) differ
    from the stored one is refused, since stored MinHashes and sentences would not be
    comparable with new ones; thresholds may differ.

    ``busy_timeout``: seconds to wait for another writer (default :data:`BUSY_TIMEOUT`).
    ``read_only``: open without writing (default: when the file or its folder cannot be
    written).
    """

    def __init__(
        self,
        path: str | Path = "samestory.db",
        config: Config | None = None,
        encoder: SentenceEncoder | None = None,
        *,
        busy_timeout: float | None = None,
        read_only: bool | None = None,
    ) -> None:
        self.path = Path(path)
        self.busy_timeout = BUSY_TIMEOUT if busy_timeout is None else busy_timeout
        self._encoder = encoder
        self._index: CandidateIndex | None = None
        self.read_only = self._must_read_only() if read_only is None else read_only
        self._conn = self._connect()
        self._sketches = CopySketches(self._conn)
        self._data_version = self._conn.execute("PRAGMA data_version").fetchone()[0]
        # Pending steps that change nothing a read sees, left for the first write when
        # another process held the write lock at open (see _open_schema).
        self._deferred: list[migrations.Migration] = []
        try:
            with self._errors("opening"):
                self.config = self._open_schema(config)
        except BaseException:
            self._conn.close()
            raise
        self._warn_upgrade_work()

    # -- opening

    def _must_read_only(self) -> bool:
        """True when the store exists but cannot be written here: WAL needs the file and
        its folder writable (the ``-wal`` and ``-shm`` files live beside it)."""
        if str(self.path) == ":memory:" or not self.path.exists():
            return False
        folder = self.path.parent
        return not (os.access(self.path, os.W_OK) and os.access(folder, os.W_OK | os.X_OK))

    def _connect(self) -> sqlite3.Connection:
        try:
            conn = self._open_connection()
        except sqlite3.Error as exc:
            raise StoreError(f"cannot open store {self.path}: {exc}") from exc
        conn.row_factory = sqlite3.Row
        try:
            conn.execute("PRAGMA foreign_keys=ON")
            if not self.read_only:
                conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        except sqlite3.DatabaseError as exc:
            conn.close()
            if "locked" in str(exc) or "busy" in str(exc):
                raise StoreError(explain(exc, self.path, "opening", self.busy_timeout)) from exc
            raise StoreError(f"{self.path} is not a samestory database: {exc}") from exc
        return conn

    def _open_connection(self) -> sqlite3.Connection:
        if not self.read_only:
            return sqlite3.connect(self.path, isolation_level=None, timeout=self.busy_timeout)
        uri = "file:" + urllib.parse.quote(str(self.path.resolve()))
        conn = sqlite3.connect(
            uri + "?mode=ro", uri=True, isolation_level=None, timeout=self.busy_timeout
        )
        try:
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
            return conn
        except sqlite3.OperationalError:
            # A WAL store on a read-only file system cannot create its -shm file:
            # nobody can write there either, so it is read as an immutable file.
            conn.close()
            return sqlite3.connect(uri + "?immutable=1", uri=True, isolation_level=None)

    def _open_schema(self, config: Config | None) -> Config:
        try:
            todo = migrations.pending(self._conn)
        except StoreError as exc:
            raise StoreError(f"{self.path} {exc}") from None
        has_meta = bool(
            self._conn.execute("SELECT 1 FROM sqlite_master WHERE name='meta'").fetchone()
        )
        if has_meta:
            meta = self._conn.execute("SELECT value FROM meta WHERE key='config'").fetchone()
            try:
                stored = _load_config(meta[0])
            except StoreError as exc:
                raise StoreError(f"{self.path} {exc}") from None
        else:
            stored = config or DEFAULT_CONFIG
        if todo and migrations.readable(todo):
            self._deferred = todo if self.read_only else self._upgrade_unless_busy(stored)
            self._say_shown_as_stored()
        elif todo:
            if self.read_only:
                raise StoreError(
                    f"{self.path} needs upgrading ({', '.join(m.name for m in todo)}) but "
                    "cannot be written here; open it once with write access"
                )
            migrations.upgrade(self._conn, stored)
        if config is None:
            self._follow_thread_model(stored)
            return stored
        changed = [k for k in FEATURE_FIELDS if getattr(config, k) != getattr(stored, k)]
        if changed:
            raise StoreError(
                f"{self.path} was built with different feature settings "
                f"({', '.join(changed)}); use the stored config"
            )
        self._follow_thread_model(config)
        return config

    @contextlib.contextmanager
    def _without_waiting(self) -> Iterator[None]:
        """Meet another process's write lock at once (``locked``), not after
        ``busy_timeout``: for the writes an open makes on its own, which a read must not
        wait for."""
        self._conn.execute("PRAGMA busy_timeout = 0")
        try:
            yield
        finally:
            self._conn.execute(f"PRAGMA busy_timeout = {int(self.busy_timeout * 1000)}")

    def _upgrade_unless_busy(self, config: Config) -> list[migrations.Migration]:
        """Apply pending steps that change nothing a read sees, without waiting for the
        write lock: while another process holds it, they are left to this handle's first
        write (returned), so a read never waits for an upgrade it does not need."""
        try:
            with self._without_waiting():
                migrations.upgrade(self._conn, config)
            return []
        except sqlite3.OperationalError as exc:
            if not _busy(exc):
                raise
            return migrations.pending(self._conn)

    def _say_shown_as_stored(self) -> None:
        """One line when the steps left at open change what this read sees (a store
        older than ``thread_model``: its threads as an older samestory made them)."""
        names = migrations.shown_as_stored(self._deferred)
        if names:
            log.warning(
                "%s: shown as stored, without the %s step (its threads as an older "
                "samestory made them) %s",
                self.path,
                ", ".join(names),
                "(open it once with write access to upgrade it)"
                if self.read_only
                else "while another process writes (its next write here upgrades it)",
            )

    def _apply_deferred(self) -> None:
        """Apply the steps left at open (see :meth:`_upgrade_unless_busy`), waiting for
        the lock as any write does."""
        if self._deferred:
            migrations.upgrade(self._conn, self.config)
            self._deferred = []

    def _follow_thread_model(self, config: Config) -> None:
        """Re-score and re-thread a store made under another thread model (a read-only
        one is shown as stored, with one line saying so): store/threads.py."""
        if stored_model(self._conn) == MODEL_DIGEST:
            return
        if migrations.shown_as_stored(self._deferred):
            return  # said at open; the thread_model step re-threads when it is applied
        if self.read_only:
            refresh_if_changed(self._conn, config, self.path, read_only=True)
            return
        try:
            with self._without_waiting(), self._transaction():
                refresh_if_changed(self._conn, config, self.path)
        except sqlite3.OperationalError as exc:
            if not _busy(exc):
                raise
            # Another process is writing: shown as stored; this handle's first write
            # re-threads (an add or an upgrade runs refresh_if_changed first).
            refresh_if_changed(self._conn, config, self.path, read_only=True, busy=True)

    @contextlib.contextmanager
    def _errors(self, doing: str) -> Iterator[None]:
        """SQLite errors as one-line :class:`StoreError` messages; after a failed write,
        the write-ahead log is truncated so a full disk is not left fuller."""
        try:
            yield
        except sqlite3.Error as exc:
            busy = _busy(exc)
            # Not after a busy failure: the checkpoint would wait a second busy_timeout
            # for the same writer (a locked add took 60 s, its message saying 30 s).
            if not self.read_only and not busy:
                with contextlib.suppress(sqlite3.Error):
                    self._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            message = explain(exc, self.path, doing, self.busy_timeout)
            raise (StoreBusy if busy else StoreError)(message) from exc

    # -- lifecycle

    def close(self) -> None:
        """Save the candidate index's graph if it changed, and close the database."""
        try:
            if not self.read_only:
                self._save_ann()
        except (OSError, sqlite3.Error) as exc:  # a cache: the next open rebuilds it
            warnings.warn(
                f"could not save the candidate graph of {self.path} ({exc}); "
                "it will be rebuilt when next needed",
                stacklevel=2,
            )
        finally:
            self._index = None
            self._conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __len__(self) -> int:
        with self._errors("reading"):
            return self._conn.execute("SELECT COUNT(*) FROM articles").fetchone()[0]

    def _transaction(self) -> Transaction:
        return Transaction(self._conn)

    # -- reading

    def stories(self) -> list[StorySummary]:
        """Every story, largest first (then oldest created, then id)."""
        with self._errors("reading"):
            return summaries(self._conn)

    def thread(self, thread: str) -> list[StorySummary]:
        """The stories of ``thread``, earliest first version first; KeyError if none."""
        with self._errors("reading"):
            return reading.thread(self._conn, thread)

    def search_stories(
        self,
        q: str | None = None,
        since: str | dt.date | dt.datetime | None = None,
        limit: int = STORIES_PAGE,
        offset: int = 0,
    ) -> list[StorySummary]:
        """A page of stories, most recently updated first, with languages and dates.

        ``q``: words that must all occur in the title or text of one of the story's
        articles (SQLite FTS5, case and accent insensitive; ``word*`` matches a prefix).
        ``since``: only stories updated at or after this time (UTC if no zone).
        """
        where, params = self._story_filter(q, since)
        with self._errors("searching"):
            rows = self._conn.execute(
                f"SELECT {_SUMMARY_COLUMNS} "
                f"WHERE {where} ORDER BY updated_at DESC, id LIMIT ? OFFSET ?",
                [*params, limit, offset],
            ).fetchall()
            return [self._summary(r) for r in rows]

    def count_stories(
        self, q: str | None = None, since: str | dt.date | dt.datetime | None = None
    ) -> int:
        """How many stories :meth:`search_stories` pages through."""
        where, params = self._story_filter(q, since)
        with self._errors("searching"):
            return self._conn.execute(
                f"SELECT count(*) FROM stories WHERE {where}", params
            ).fetchone()[0]

    @staticmethod
    def _story_filter(
        q: str | None, since: str | dt.date | dt.datetime | None
    ) -> tuple[str, list[Any]]:
        where, params = ["1"], []
        query = fts_query(q) if q else ""
        if query:
            where.append(
                "id IN (SELECT a.story_id FROM articles_fts f JOIN articles a "
                "ON a.id = f.id WHERE articles_fts MATCH ?)"
            )
            params.append(query)
        elif q is not None and q.strip():
            where.append("0")  # only punctuation: nothing to match
        if since is not None:
            where.append("updated_at >= ?")
            params.append(_utc_iso(since))
        return " AND ".join(where), params

    def _summary(self, row: sqlite3.Row) -> StorySummary:
        """A listed story with its languages and date range, read from an index."""
        return reading.summary(self._conn, row)

    def story(self, story_id: str) -> Story:
        """The full story, relations oriented and derivations recomputed; KeyError if missing."""
        with self._errors("reading"):
            return reading.story(self._conn, story_id)

    def shown(self, story_id: str) -> tuple[Story, dict[str, Article], list[StorySummary]]:
        """The story, its versions and its thread's stories, as ``samestory show`` prints
        them (:func:`samestory.store.reading.shown`); KeyError if missing."""
        with self._errors("reading"):
            return reading.shown(self._conn, story_id)

    def article(self, article_id: str) -> Article:
        """A stored article; KeyError if missing. (A later text given under the same id
        is the article :meth:`revisions` names, not this one.)"""
        with self._errors("reading"):
            return reading.article(self._conn, article_id)

    def story_of(self, article_id: str) -> str:
        """The id of the story ``article_id`` belongs to; KeyError if missing."""
        with self._errors("reading"):
            row = self._conn.execute(
                "SELECT story_id FROM articles WHERE id=?", (article_id,)
            ).fetchone()
        if row is None:
            raise KeyError(article_id)
        return row[0]

    def copy_of(self, article_id: str) -> str | None:
        """The stored article ``article_id`` is a copy of, or None; KeyError if missing."""
        with self._errors("reading"):
            row = self._conn.execute(
                "SELECT copy_of FROM articles WHERE id=?", (article_id,)
            ).fetchone()
        if row is None:
            raise KeyError(article_id)
        return row[0]

    def revisions(self, article_id: str) -> list[str]:
        """Stored ids of every text given under ``article_id``, oldest first (the id
        itself, then ``ID~rev2``, ...); KeyError if missing."""
        self.story_of(article_id)
        with self._errors("reading"):
            later = self._conn.execute(
                "SELECT stored_id FROM revisions WHERE id=? ORDER BY revision", (article_id,)
            ).fetchall()
        return [article_id, *(r[0] for r in later)]

    def closest(self, article_id: str) -> Relation | None:
        """The highest-scored same-story relation of ``article_id`` to a version in its
        own story (``a`` stored earlier), or None; KeyError if missing."""
        story = self.story_of(article_id)
        with self._errors("reading"):
            return reading.closest_in_story(self._conn, article_id, story)

    def last_change(self) -> int:
        """The sequence number of the latest change (0 for none): poll it to see new
        versions; it only grows."""
        with self._errors("reading"):
            row = self._conn.execute("SELECT max(seq) FROM changes").fetchone()
        return row[0] or 0

    def changes_since(self, seq: int = 0, limit: int = CHANGES_PAGE) -> list[Change]:
        """Changes after ``seq``, oldest first, at most ``limit``."""
        with self._errors("reading"):
            rows = self._conn.execute(
                "SELECT seq, at, kind, article_id, story_id FROM changes WHERE seq > ? "
                "ORDER BY seq LIMIT ?",
                (seq, limit),
            ).fetchall()
        return [Change(*row) for row in rows]

    def features(self, ids: Iterable[str]) -> list[DocFeatures]:
        """Stored features of ``ids``, in that order; KeyError for an unknown id."""
        out = []
        for article_id in ids:
            row = self._conn.execute(
                "SELECT doc_json, sentence_vectors, vector, minhash FROM features WHERE id=?",
                (article_id,),
            ).fetchone()
            if row is None:
                raise KeyError(article_id)
            out.append(decode_features(*row))
        return out

    # -- adding

    def _encoder_or_default(self) -> SentenceEncoder:
        if self._encoder is None:
            self._encoder = encoder_for(self.config.encoder)
        return self._encoder

    def _candidate_index(self) -> CandidateIndex:
        """The index over every stored representative, built on first use, with the HNSW
        graph saved beside the database when it still fits (:mod:`samestory.store.graph`)."""
        if self._index is None:
            dim = self._encoder_or_default().dim
            self._index = graph.load_index(self._conn, self.config, dim, self.ann_path)
        return self._index

    @property
    def ann_path(self) -> Path | None:
        """Where the HNSW graph of the candidate index is kept: ``<store>.usearch``."""
        return graph.graph_path(self.path)

    def _save_ann(self) -> None:
        """Save the candidate index's HNSW graph if it changed (:func:`graph.save_graph`)."""
        if self._index is not None and self.ann_path is not None:
            graph.save_graph(self._conn, self._index, self.ann_path)

    def _forget_outside_writes(self) -> None:
        """Drop the in-memory candidate index if another connection (another process,
        or another handle) committed since this one last looked: it lacks their articles.
        Called inside the add's transaction, so no commit can slip in between."""
        version = self._conn.execute("PRAGMA data_version").fetchone()[0]
        if version != self._data_version:
            self._index = None
            self._sketches = CopySketches(self._conn)
            self._data_version = version

    def add(
        self,
        articles: Sequence[Article],
        progress: Progress | None = None,
        *,
        within: Within | None = None,
    ) -> AddReport:
        """Add ``articles`` in one transaction and assign each to a story.

        An article whose id holds the same text already (same fingerprint) is reported
        ``unchanged`` and nothing about it is written; a different text under a stored
        id is stored as a revision (:func:`revision_id`); every other article is stored,
        copies of stored texts included. ``within(conn)``, if given, runs at the end of
        the add's transaction: rows it writes are committed with the articles, or rolled
        back with them (it must not commit). Raises StoreError (read-only, locked, disk
        full, damaged): nothing is written then.
        """
        if self.read_only:
            raise StoreError(f"{self.path} is read-only here: cannot add (reading it works)")
        with self._errors("upgrading"):
            self._apply_deferred()
        try:
            with self._errors("adding to"), self._transaction():
                self._forget_outside_writes()
                refresh_if_changed(self._conn, self.config, self.path)  # another version wrote
                index = self._candidate_index()
                report = _Work(self, index, progress).run(articles)
                if within is not None:
                    within(self._conn)
                return report
        except BaseException:
            self._index = None  # it may hold articles of the rolled-back batch
            self._sketches = CopySketches(self._conn)
            raise

    # -- upgrading (the loops: store/upgrade_loops.py)

    def _chunk_work(self, index: CandidateIndex) -> UpgradeSteps:
        """The work of one upgrade chunk, inside its transaction (``_run_chunks``)."""
        return _Work(self, index, None)


class _Work(Adding, UpgradeSteps):
    """The work of one :meth:`Store.add` (:mod:`samestory.store.adding`) or one chunk of
    :meth:`Store.upgrade` (:mod:`samestory.store.upgrading`), inside its transaction;
    both re-cluster with :mod:`samestory.store.regroup` and write through
    :mod:`samestory.store.transaction`."""
