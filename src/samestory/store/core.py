"""A persistent story store in one SQLite file, with incremental assignment.

New articles are featurised, proposed candidate neighbours by a :class:`CandidateIndex`
built from the stored features, scored against them with :func:`relate` and assigned
with the incremental rule of :func:`samestory.stories.best_story`: join the story with
the highest average score to its members if it reaches ``same_story_threshold``
(``attach_threshold`` for a story of three or more), else start a new one. Then only the
stories the new article touched are re-clustered (average link over their stored
relations, see ``_Batch._regroup``), so the result depends little on arrival order.
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
matches nothing or fails its checksum is rebuilt. (100,000 articles: 1 s to open,
against 12 s rebuilding the LSH and vectors and another ~40 s for the graph.)

The tables are in :mod:`samestory.store.schema`, made and changed by the named steps of
:mod:`samestory.store.migrations`; features are stored as JSON + raw NumPy bytes, not
pickle (:mod:`samestory.store.codec`); the LSH table and the copy test's MinHash reads
are in :mod:`samestory.store.index`.

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
import functools
import hashlib
import itertools
import json
import operator
import os
import sqlite3
import urllib.parse
import warnings
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any, Generic, TypeVar

import numpy as np

from samestory import exclusive, normalize, provenance
from samestory.candidates import CandidateIndex, Proposals, keywords, load_graph
from samestory.config import DEFAULT_CONFIG, Config
from samestory.embed import SentenceEncoder, encoder_for
from samestory.features import DocFeatures
from samestory.lru import LRUCache
from samestory.models import (
    Article,
    Derivation,
    Relation,
    RelationKind,
    SkippedRecord,
    Story,
)
from samestory.pipeline.assemble import earlier_first, story_id, story_title
from samestory.pipeline.batch import analyze, usable_articles
from samestory.pipeline.featurise import Progress, featurize_all
from samestory.pipeline.group import FoundRoundup, group_with_roundups
from samestory.relate import relate, relate_against, relate_to, single_threaded_blas
from samestory.store import backlog, cleaning, migrations, reading
from samestory.store.codec import decode_features, encode_features, iso_date, parse_date
from samestory.store.index import CopySketches, StoredKeywords, StoredLSH
from samestory.store.listing import SUMMARY_COLUMNS as _SUMMARY_COLUMNS
from samestory.store.listing import StorySummary as StorySummary
from samestory.store.listing import summaries
from samestory.store.reading import (
    ARTICLE_COLUMNS,
    relation_of,
    relations_from,
    row_article,
)
from samestory.store.roundups import (
    StoredRoundup,
    covered_stories,
    cut_roundups,
    unjudged,
    write_roundups,
)
from samestory.store.schema import StoreBusy, StoreError, Transaction
from samestory.store.threads import (
    log,
    refresh_if_changed,
    set_threads,
    stored_model,
    update_threads,
    write_thread_scores,
)
from samestory.stories import best_story
from samestory.threads import MODEL_DIGEST, thread_id

# The largest neighbourhood re-clustered after an add is Config.regroup_limit copy
# groups, and this many times as many articles in all: reposts make most of a large
# story (docs/experiments.md, 2026-11-25: bounding copy groups, not articles).
REGROUP_MEMBERS_PER_GROUP = 20
# Articles featurised at once by an add, and features kept in memory while it runs.
ADD_CHUNK = 1024
# An empty store given at least Config.bulk_load_min new articles is filled by the batch
# pipeline (``batch.analyze``: the stories ``samestory cluster`` gives, an order of
# magnitude faster than adding them one at a time), at most BULK_MAX of them, since it
# holds all their features at once (chosen for memory: tens of KB of features an article).
BULK_MAX = 200_000
# Features kept in memory while an add runs (chosen for memory: tens of KB each).
FEATURE_CACHE = 20_000
# Seconds a writer waits for another one to finish before giving up (SQLite's busy
# timeout): long enough for an add of a few hundred articles, short enough to say so.
BUSY_TIMEOUT = 30.0
# Default page sizes of search_stories and changes_since (chosen: a screen of stories; a
# poll's worth of changes).
STORIES_PAGE = 50
CHANGES_PAGE = 1000
# Held articles paired per transaction by Store.upgrade: a killed upgrade loses at most
# this much work, and another writer waits at most one chunk for the lock.
UPGRADE_CHUNK = 100
# Host parameters per query (by definition: under SQLite's default limit of 999).
SQL_CHUNK = 500
# Config fields that change stored features: a store must be used with the same values.
FEATURE_FIELDS = ("encoder", "shingle_size", "max_sentences", "num_perm", "seed")

Within = Callable[[sqlite3.Connection], None]
# What one chunk of an upgrade loop works on (a backlog position, a list of ids).
Todo = TypeVar("Todo")


@dataclasses.dataclass(frozen=True, slots=True)
class AddReport:
    """What one :meth:`Store.add` did, as the store holds it once the add committed.

    - ``added``: ids of the articles stored, in input order (a revision by its
      stored id, see :func:`revision_id`);
    - ``unchanged``: input ids with nothing to store (the id holds that text already);
    - ``story_of``: every added id -> its story after all the add's re-clustering;
    - ``new_stories``: stories the add created (each exists);
    - ``revised``: stored id of a revision -> the id it is a revision of;
    - ``copy_of``: added id -> the stored article it copies (exact / near-duplicate);
    - ``closest``: added id -> its highest-scored same-story relation when it was added
      (``a`` the stored version, ``b`` the new one), if it had one;
    - ``merged``: story that no longer exists -> the stories now holding its articles;
    - ``split``: story that lost articles to other stories -> those stories;
    - ``warnings``: one line per thing worth a look (a text changed under its id);
    - ``skipped``: articles without visible text, left out as the batch pipeline leaves
      them out.
    """

    added: list[str]
    unchanged: list[str]
    story_of: dict[str, str]
    new_stories: list[str]
    revised: dict[str, str] = dataclasses.field(default_factory=dict)
    copy_of: dict[str, str] = dataclasses.field(default_factory=dict)
    closest: dict[str, Relation] = dataclasses.field(default_factory=dict)
    merged: dict[str, list[str]] = dataclasses.field(default_factory=dict)
    split: dict[str, list[str]] = dataclasses.field(default_factory=dict)
    warnings: list[str] = dataclasses.field(default_factory=list)
    skipped: list[SkippedRecord] = dataclasses.field(default_factory=list)

    @property
    def stories_touched(self) -> list[str]:
        """Stories that gained an article, each once, in first-touched order."""
        return list(dict.fromkeys(self.story_of.values()))

    def to_dict(self) -> dict[str, Any]:
        return {
            "added": self.added,
            "unchanged": self.unchanged,
            "stories": self.story_of,
            "new_stories": self.new_stories,
            "revised": self.revised,
            "copy_of": self.copy_of,
            "closest": {k: r.to_dict() for k, r in self.closest.items()},
            "merged": self.merged,
            "split": self.split,
            "warnings": self.warnings,
            "skipped": [s.to_dict() for s in self.skipped],
        }


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


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def text_fingerprint(article: Article) -> str:
    """The fingerprint :func:`featurize` gives ``article``, without featurising it."""
    return normalize.fingerprint(normalize.clean_text(article.text))


def revision_id(article_id: str, revision: int) -> str:
    """The stored id of revision ``revision`` (2, 3, ...) of ``article_id``."""
    return f"{article_id}~rev{revision}"


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


def _relation_row(
    r: Relation, features: Mapping[str, DocFeatures]
) -> tuple[str, str, str, float, str, str | None]:
    """The row of a relation with a kind; ``features`` holds (at least) both ends."""
    assert r.kind is not None
    return (
        r.a,
        r.b,
        r.kind.value,
        float(r.score),
        json.dumps(r.evidence.to_dict(), ensure_ascii=False),
        _source_of(r, features),
    )


def _source_of(r: Relation, features: Mapping[str, DocFeatures]) -> str | None:
    """Which end of a derivation is the source (:func:`provenance.orient`), else None.

    Stored with the relation, so a story's first version is found in SQL (see
    ``_Batch._refresh_story``) without reading the evidence of every relation.
    """
    if r.kind is None or not r.kind.is_derivation:
        return None
    a, b = features[r.a], features[r.b]
    oriented, _ = provenance.orient(
        r, {a.id: a.date, b.id: b.date}, {a.id: a.n_words, b.id: b.n_words}
    )
    return oriented.a


def _relations_to(
    conn: sqlite3.Connection, ids: Iterable[str], bar: float
) -> list[tuple[Any, ...]]:
    """``(a, b, score)`` of the relations and weak scores at ``bar`` or more whose ``b`` is
    one of ``ids``, each read through its index by ``b``."""
    out: list[tuple[Any, ...]] = []
    ids = list(ids)
    for start in range(0, len(ids), SQL_CHUNK):
        chunk = ids[start : start + SQL_CHUNK]
        marks = ",".join("?" * len(chunk))
        for table, index in (
            ("relations", "INDEXED BY relations_by_b"),
            ("weak_scores", "INDEXED BY weak_scores_by_b"),
        ):
            out += map(
                tuple,
                conn.execute(
                    f"SELECT a, b, score FROM {table} {index} WHERE b IN ({marks}) AND score >= ?",
                    [*chunk, bar],
                ),
            )
    return out


def _copy_pairs(conn: sqlite3.Connection, ids: Iterable[str]) -> set[tuple[str, str]]:
    """``(a, b)`` of the relations whose ``a`` is one of ``ids`` between copies of one
    text (:func:`samestory.exclusive.stored_copy`: the exact and near-duplicate ones, and
    the rewrites keeping most of the shorter text's shingles, whose evidence is read)."""
    kinds = ",".join(f"'{k.value}'" for k in (*exclusive.COPY_KINDS, RelationKind.REWRITE))
    rows = relations_from(conn, ids, "kind", f"kind IN ({kinds})")
    rewrites = [(a, b) for a, b, kind in rows if kind == RelationKind.REWRITE.value]
    out = {(a, b) for a, b, kind in rows if kind != RelationKind.REWRITE.value}
    for start in range(0, len(rewrites), SQL_CHUNK):
        chunk = rewrites[start : start + SQL_CHUNK]
        marks = " OR ".join("(a = ? AND b = ?)" for _ in chunk)
        for a, b, evidence in conn.execute(
            f"SELECT a, b, evidence_json FROM relations WHERE {marks}",
            [x for pair in chunk for x in pair],
        ):
            if exclusive.stored_copy(RelationKind.REWRITE.value, evidence):
                out.add((a, b))
    return out


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


def _file_digest(path: Path) -> str:
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


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


class Store:
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

    def unpaired(self) -> int:
        """How many stored articles the candidate routes added since they were stored
        have not paired yet (:mod:`samestory.store.backlog`); :meth:`upgrade` pairs them."""
        if migrations.makes_backlog(self._deferred):
            return int(
                self._conn.execute(
                    "SELECT count(*) FROM articles WHERE copy_of IS NULL"
                ).fetchone()[0]
            )
        return backlog.remaining(self._conn)

    def _warn_upgrade_work(self) -> None:
        """One line for each kind of work ``samestory upgrade`` would do on this store
        (the upgrade command leaves these lines out: they name it)."""
        for count, what, does in (
            (
                self.unclean(),
                "stored texts were cleaned or their pairs scored by older rules than this "
                "samestory's, so their features, scores and stories can differ from a new "
                "store's",
                "cleans and scores them again",
            ),
            (
                self.unpaired(),
                "stored articles were never paired by the candidate routes added since they "
                "were stored, so its stories can differ from a new store's",
                "pairs them",
            ),
            (
                self.unreconciled(),
                "stored articles are still to reconcile (a reconcile was stopped), so some of "
                "its stored pairs can be pairs no candidate list proposes",
                "carries on",
            ),
            (
                self.unjudged_roundups(),
                "stored roundups predate the record of which ones were cut, so its threads "
                "can chain through them where a new store's do not",
                "judges them",
            ),
        ):
            if count:
                warnings.warn(
                    f"{self.path}: {count} {what}; `samestory upgrade --db {self.path}` {does}",
                    stacklevel=3,
                )

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
            if not self.read_only:
                with contextlib.suppress(sqlite3.Error):
                    self._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            message = explain(exc, self.path, doing, self.busy_timeout)
            busy = "locked" in str(exc).lower() or "busy" in str(exc).lower()
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
            rows = self._conn.execute(
                "SELECT r.a, r.b, r.kind, r.score, r.evidence_json FROM relations r "
                "JOIN articles x ON x.id = (CASE WHEN r.a = ?1 THEN r.b ELSE r.a END) "
                "WHERE (r.a = ?1 OR r.b = ?1) AND x.story_id = ?2 "
                "ORDER BY r.score DESC, r.a, r.b LIMIT 1",
                (article_id, story),
            ).fetchall()
        return relation_of(*rows[0]) if rows else None

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
        """The index over every stored article, built on first use.

        Ids and fingerprints come from SQL, the LSH stays in its table, and the HNSW
        graph saved beside the database (:attr:`ann_path`) is reused with its vectors
        when it was saved with the first stored articles (see :meth:`_saved_graph`):
        rebuilding it is most of opening a large store (about 40 s for 100,000
        articles), loading it a fraction of a second.
        """
        if self._index is None:
            dim = self._encoder_or_default().dim
            index = CandidateIndex(
                self.config,
                dim=dim,
                lsh=StoredLSH(self._conn, self.config),
                keywords_index=StoredKeywords(self._conn),
            )
            ids, fingerprints, rowids = [], [], []
            # Copies are not indexed (as in the batch, their representative stands for
            # them); the LSH still holds them, for copy detection.
            for rowid, article_id, fingerprint in self._conn.execute(
                "SELECT f.rowid, f.id, a.fingerprint FROM features f "
                "JOIN articles a ON a.id = f.id WHERE a.copy_of IS NULL ORDER BY f.rowid"
            ):
                rowids.append(rowid)
                ids.append(article_id)
                fingerprints.append(fingerprint)
            saved = self._saved_graph(ids, dim)
            graph, done = (saved[0], len(saved[1])) if saved is not None else (None, 0)
            vectors = np.zeros((len(ids), dim), dtype=np.float32)
            if saved is not None:
                vectors[:done] = saved[1]
            # Vectors the saved graph lacks (all of them without one), in rowid order.
            for k, (blob,) in enumerate(
                self._conn.execute(
                    "SELECT f.vector FROM features f JOIN articles a ON a.id = f.id "
                    "WHERE f.rowid > ? AND a.copy_of IS NULL ORDER BY f.rowid",
                    (rowids[done - 1] if done else -1,),
                ),
                start=done,
            ):
                vectors[k] = np.frombuffer(blob, dtype="<f4")
            index.restore(ids, fingerprints, vectors, graph)
            self._index = index
        return self._index

    def _saved_graph(self, ids: Sequence[str], dim: int) -> tuple[Any, np.ndarray] | None:
        """The saved HNSW graph and its vectors, if it was saved with the first articles
        of ``ids`` (all of them, or fewer when a process added articles and stopped
        before saving it: those are added to it, not the whole graph rebuilt) and its
        bytes have the SHA-256 recorded when it was saved. A damaged file is not loaded
        (its vectors would send articles to the wrong stories): the graph is rebuilt
        from the stored vectors and saved again."""
        record = self._conn.execute("SELECT value FROM meta WHERE key='ann_index'").fetchone()
        path = self.ann_path
        if record is None or path is None or not path.exists():
            return None
        saved_with = json.loads(record[0])
        if not saved_with.get("representatives_only"):
            return None  # saved with copies in it, before they were left out: rebuilt
        count, last = saved_with.get("count", 0), saved_with.get("last")
        if not 0 < count <= len(ids) or ids[count - 1] != last:
            return None
        if saved_with.get("sha256") != _file_digest(path):
            warnings.warn(
                f"{path} is damaged or was saved without a checksum; "
                "rebuilding the candidate graph from the stored vectors",
                stacklevel=3,
            )
            return None
        saved = load_graph(path, dim)
        return saved if saved is not None and len(saved[1]) == count else None

    @property
    def ann_path(self) -> Path | None:
        """Where the HNSW graph of the candidate index is kept: ``<store>.usearch``."""
        if str(self.path) == ":memory:":
            return None
        return self.path.with_name(self.path.name + ".usearch")

    def _save_ann(self) -> None:
        """Save the candidate index's HNSW graph if it changed (atomically: written to a
        temporary file, then renamed), and record which articles it holds and the
        SHA-256 of its bytes."""
        index, path = self._index, self.ann_path
        if index is None or path is None or not index.ann_changed:
            return
        tmp = path.with_name(path.name + ".tmp")
        try:
            if not index.save_ann(tmp):
                return
            record = json.dumps(
                {
                    "count": len(index),
                    "last": index.ids[-1],
                    "representatives_only": True,
                    "sha256": _file_digest(tmp),
                }
            )
            with self._transaction():
                self._conn.execute("DELETE FROM meta WHERE key='ann_index'")
                os.replace(tmp, path)
                self._conn.execute("INSERT INTO meta VALUES ('ann_index', ?)", (record,))
        finally:
            with contextlib.suppress(OSError):
                tmp.unlink(missing_ok=True)  # a half-written file must not fill the disk

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
                report = _Batch(self, index, progress).run(articles)
                if within is not None:
                    within(self._conn)
                return report
        except BaseException:
            self._index = None  # it may hold articles of the rolled-back batch
            self._sketches = CopySketches(self._conn)
            raise

    def upgrade(
        self, progress: Progress | None = None, chunk: int = UPGRADE_CHUNK, reconcile: bool = False
    ) -> Paired:
        """Pair the stored articles the candidate routes added since they were stored
        never proposed (:mod:`samestory.store.backlog`), as a new store holding them would
        have: each one's candidates are proposed again by every route, the pairs never
        scored are scored (``relate``) and written as an add writes them, and the stories
        they touch are re-clustered and re-threaded as an add does. ``chunk`` articles
        per transaction, the position saved with them: killed, it carries on from the
        last chunk committed. ``progress("pairing", done, total)`` after each chunk.

        ``reconcile``: then re-propose every stored representative's candidates
        (:meth:`_reconcile`); a reconcile stopped before is carried on either way.
        """
        if self.read_only:
            raise StoreError(f"{self.path} is read-only here: cannot upgrade it")
        with self._errors("upgrading"):
            self._apply_deferred()
            total = backlog.remaining(self._conn)
        done = self._reclean(progress, chunk)
        done = done.plus(self._pair_backlog(progress, chunk, total))
        done = done.plus(self._judge_roundups())
        if reconcile:
            with self._errors("upgrading"), self._transaction():
                if backlog.read(self._conn, backlog.RECONCILE_KEY) is None:
                    backlog.record(self._conn, backlog.RECONCILE_KEY)
        return done.plus(self._reconcile(progress, chunk))

    def _run_chunks(self, loop: _Chunks[Any], progress: Progress | None = None) -> Paired:
        """Run one resumable upgrade loop to its end, a chunk per transaction: the
        prelude every chunk needs (forget the index if another process wrote, follow
        another thread model, read what is left, take the candidate index only when
        there is work), the chunk's work committed with the position it saves, and on
        failure, in one place, what the rollback leaves to do: the index and the copy
        sketches may hold the rolled-back chunk (forgotten), and a StoreError says in
        one line that the chunks before are kept. ``progress(loop.stage, ...)`` after
        each chunk."""
        done = Paired()
        memo = _IndexMemo()
        while True:
            try:
                with self._errors("upgrading"), self._transaction():
                    self._forget_outside_writes()
                    refresh_if_changed(self._conn, self.config, self.path)
                    todo = loop.next(self._conn)
                    if todo is None:
                        return done
                    index = self._idle_index() if loop.idle else self._candidate_index()
                    part = loop.work(_Batch(self, index, None), memo.of(index), todo)
                    done = done.plus(part)
            except BaseException as exc:
                self._forget_chunk(exc, loop.kept)
                raise
            finally:
                if loop.changes_vectors:  # the index holds the old vectors
                    self._index = None
                    self._sketches = CopySketches(self._conn)
            if progress is not None and loop.stage:
                progress(loop.stage, loop.count(done), loop.total)

    def _pair_backlog(self, progress: Progress | None, chunk: int, total: int) -> Paired:
        """Pair the backlog's held articles, ``chunk`` a transaction (``_Batch.pair_backlog``),
        the position saved with each; ``progress("pairing", done, total)``."""

        def work(batch: _Batch, memo: _IndexMemo, todo: backlog.Backlog) -> Paired:
            if memo.held is None:  # the first ones indexed (the index is in rowid order)
                memo.held = batch.held_positions(todo)
            return batch.pair_backlog(todo, chunk, memo.held)

        pairing = _Chunks(
            "pairing", "paired", backlog.read, work, operator.attrgetter("articles"), total
        )
        return self._run_chunks(pairing, progress)

    def _forget_chunk(self, exc: BaseException, done: str) -> None:
        """After an upgrade chunk's transaction rolled back: forget what the index and
        the copy sketches may hold of it; a StoreError is raised again as one line
        saying what is kept (the chunks ``done`` before)."""
        self._index = None  # it may remember proposals of a rolled-back chunk
        self._sketches = CopySketches(self._conn)
        if isinstance(exc, StoreError):
            raise type(exc)(
                f"{exc}; the chunks {done} before are kept, and `samestory upgrade` "
                "carries on from there"
            ) from exc

    def unreconciled(self) -> int:
        """How many stored representatives a reconcile stopped before has still to
        propose candidates for (0: none in progress)."""
        return backlog.remaining(self._conn, key=backlog.RECONCILE_KEY)

    def _reconcile(self, progress: Progress | None, chunk: int) -> Paired:
        """Make the store's candidate pairs exactly those its index proposes, ``chunk``
        representatives a transaction (``_Batch.reconcile``), the position saved with
        each (:data:`backlog.RECONCILE_KEY`): killed, it carries on from the last chunk
        committed. From the stored features: nothing is encoded again. A store an add
        wrote before 38e6a1b can hold pairs no list proposes (scored by the add bug);
        the re-cleaning's re-proposal reaches only the neighbourhoods of changed texts.
        ``progress("reconciling", done, total)`` after each chunk."""

        def work(batch: _Batch, memo: _IndexMemo, todo: backlog.Backlog) -> Paired:
            return batch.reconcile(todo, chunk, memo.positions(), memo.lists)

        reconciling = _Chunks(
            "reconciling",
            "reconciled",
            functools.partial(backlog.read, key=backlog.RECONCILE_KEY),
            work,
            operator.attrgetter("reconciled"),
            self.unreconciled(),
        )
        return self._run_chunks(reconciling, progress)

    def _reclean(self, progress: Progress | None, chunk: int) -> Paired:
        """Clean again the stored texts the cleaning changed since they were stored
        (:mod:`samestory.store.cleaning`), ``chunk`` articles per transaction, each
        chunk taken off the backlog with its work: featurised again from the stored
        text, the pairs stored with them scored again, their stories re-clustered and
        re-threaded (``_Batch.reclean``). The candidate graph is rebuilt from the new
        vectors afterwards."""

        def work(batch: _Batch, _memo: _IndexMemo, ids: list[str]) -> Paired:
            part = batch.reclean(ids)
            if part.recleaned:  # the saved graph holds old vectors: rebuild it
                self._conn.execute("DELETE FROM meta WHERE key='ann_index'")
            return part

        cleaning_loop = _Chunks(
            "cleaning",
            "cleaned",
            lambda conn: cleaning.next_chunk(conn, chunk) or None,
            work,
            lambda done: done.recleaned + done.kept_features,
            cleaning.remaining(self._conn),
            idle=True,
            changes_vectors=True,
        )
        done = self._run_chunks(cleaning_loop, progress)
        return done.plus(self._propose_recleaned(chunk))

    def _propose_recleaned(self, chunk: int) -> Paired:
        """Propose again the neighbourhoods of the articles cleaned again, ``chunk`` a
        transaction, with the index rebuilt from the new vectors (``_Batch.propose_again``):
        the candidate pairs a new store holding the same texts has. The last chunk
        re-clusters every story, as the pairing backlog's last chunk does."""

        def work(batch: _Batch, memo: _IndexMemo, ids: list[str]) -> Paired:
            return batch.propose_again(ids[:chunk], memo.positions(), len(ids) <= chunk)

        proposing = _Chunks(
            "",
            "proposed again",
            lambda conn: cleaning.next_chunk(conn, chunk + 1, cleaned=True) or None,
            work,
        )
        return self._run_chunks(proposing)

    def _idle_index(self) -> CandidateIndex:
        """An empty candidate index, for the work of an upgrade that proposes no
        candidates (re-cleaning, judging roundups): building the store's costs up to
        ~40 s at 100,000 articles."""
        return CandidateIndex(
            self.config,
            dim=self._encoder_or_default().dim,
            lsh=StoredLSH(self._conn, self.config),
            keywords_index=StoredKeywords(self._conn),
        )

    def unclean(self) -> int:
        """How many stored texts the cleaning changed since they were stored and
        :meth:`upgrade` has not cleaned again (:mod:`samestory.store.cleaning`)."""
        return cleaning.remaining(self._conn)

    def unjudged_roundups(self) -> int:
        """How many stored roundups were stored before the store recorded which ones the
        grouping cut (:mod:`samestory.store.roundups`); :meth:`upgrade` judges them."""
        if "roundup_cut" in {step.name for step in self._deferred}:
            query = "SELECT count(*) FROM roundups WHERE attached = 1"
        else:
            query = "SELECT count(*) FROM roundups WHERE cut IS NULL"
        return int(self._conn.execute(query).fetchone()[0])

    def _judge_roundups(self) -> Paired:
        """Re-cluster the stories of the roundups whose ``cut`` is not known (the end of
        :meth:`upgrade`, in one transaction), as an add touching them would: each is
        judged again with the stories it covers and its flag written with ``cut``, and
        what that changes is re-threaded."""

        def work(batch: _Batch, _memo: _IndexMemo, articles: list[str]) -> Paired:
            return batch.judge_roundups(articles)

        judging = _Chunks("", "judged", lambda conn: unjudged(conn) or None, work, idle=True)
        return self._run_chunks(judging)


@dataclasses.dataclass(frozen=True)
class Paired:
    """What :meth:`Store.upgrade` did: held articles paired, pairs scored, articles
    whose story changed, stored roundups judged again (whether they were cut), stored
    texts cleaned again, the stored pairs scored again with them and the new pairs
    their new candidates gave, the texts of the backlog whose cleaning had not
    changed (there for their pairs' scoring), which kept their stored features, and
    the stored pairs forgotten because no end proposes the other since the re-cleaning;
    and of a reconcile (``reconcile=True``): the representatives whose candidates it
    proposed again, the stored pairs it forgot (no end proposes the other) and the
    proposed pairs it scored (never scored before)."""

    articles: int = 0
    pairs: int = 0
    moved: int = 0
    roundups: int = 0
    recleaned: int = 0
    rescored: int = 0
    proposed: int = 0
    kept_features: int = 0
    forgotten: int = 0
    reconciled: int = 0
    stray: int = 0
    missing: int = 0

    def plus(self, other: Paired) -> Paired:
        return Paired(
            *(getattr(self, f.name) + getattr(other, f.name) for f in dataclasses.fields(self))
        )


@dataclasses.dataclass(frozen=True)
class _Chunks(Generic[Todo]):
    """One resumable loop of :meth:`Store.upgrade`, run by :meth:`Store._run_chunks`: what
    progress calls it (``stage``, empty: no progress) and what an error says is kept
    (``kept``); ``next(conn)``: the next chunk's work, read in its transaction (None:
    nothing left); ``work(batch, memo, todo)`` does it and saves its position in the same
    transaction; ``count(done)``, ``total``: its progress; ``idle``: it proposes no
    candidates (an empty index, not the store's); ``changes_vectors``: the index is
    dropped after each chunk (it holds the old vectors)."""

    stage: str
    kept: str
    next: Callable[[sqlite3.Connection], Todo | None]
    work: Callable[[_Batch, _IndexMemo, Todo], Paired]
    count: Callable[[Paired], int] = operator.attrgetter("articles")
    total: int = 0
    idle: bool = False
    changes_vectors: bool = False


class _IndexMemo:
    """What an upgrade loop's chunks work out from one candidate index and share while it
    lives (no chunk changes a vector; reading them again each chunk is O(store)): every
    indexed article's position (its arrival order), the pairing backlog's held ones and
    the candidate lists worked out. Dropped when the index is rebuilt (another process
    wrote, or a chunk failed)."""

    def __init__(self) -> None:
        self.index: CandidateIndex | None = None
        self.held: dict[str, int] | None = None
        self.lists: dict[str, set[str]] = {}
        self._positions: dict[str, int] | None = None

    def of(self, index: CandidateIndex) -> _IndexMemo:
        """This memo for ``index``: emptied first if it was worked out from another."""
        if index is not self.index:
            self.index, self.held, self.lists, self._positions = index, None, {}, None
        return self

    def positions(self) -> dict[str, int]:
        if self._positions is None:
            assert self.index is not None
            self._positions = {article: k for k, article in enumerate(self.index.ids)}
        return self._positions


class _Batch:
    """The work of one :meth:`Store.add` (or one chunk of :meth:`Store.upgrade`),
    inside its transaction."""

    def __init__(self, store: Store, index: CandidateIndex, progress: Progress | None) -> None:
        self.store = store
        self.conn = store._conn
        self.config = store.config
        self.index = index
        self.progress = progress
        # Features of recently used articles (bounded: a large batch must not keep them all).
        self.cache: LRUCache[str, DocFeatures] = LRUCache(FEATURE_CACHE)
        self.now = _now()
        # What the report says beyond each article's story: stories this add created,
        # the story each article stored before the add was in when the add first moved
        # it, copies found, and the closest relation of each added article.
        self.created: list[str] = []
        self.moved_from: dict[str, str] = {}
        self.copy_of: dict[str, str] = {}
        self.closest: dict[str, Relation] = {}
        self.adding: set[str] = set()
        self.skipped: list[SkippedRecord] = []
        # Stories whose candidate pairs the add changed (their thread scores too), and
        # stories holding a roundup a re-clustering cut, or no longer cut.
        self.pairs_changed_in: set[str] = set()
        self.cut_changed_in: set[str] = set()

    def _report(self, stage: str, done: int, total: int) -> None:
        if self.progress is not None:
            self.progress(stage, done, total)

    def run(self, articles: Sequence[Article]) -> AddReport:
        usable, self.skipped = usable_articles(articles)  # as the batch skips them
        # An article is indexed (its LSH and keyword rows) before its row is written,
        # since where it goes depends on what the index proposes: the references are
        # checked at commit (this pragma ends with the transaction).
        self.conn.execute("PRAGMA defer_foreign_keys = ON")
        fresh, unchanged, revised = self._split_new(usable)
        encoder = self.store._encoder_or_default()
        added = [a.id for a in fresh]
        self.adding = set(added)
        if not len(self.index) and len(fresh) >= self.config.bulk_load_min:
            bulk, fresh = fresh[:BULK_MAX], fresh[BULK_MAX:]
            self._bulk_load(bulk, encoder)
        # Featurise a chunk at a time: a large batch never holds all its features at once.
        for start in range(0, len(fresh), ADD_CHUNK):
            chunk = fresh[start : start + ADD_CHUNK]
            features = featurize_all(chunk, self.config, encoder)
            self._report("embedding", start + len(chunk), len(fresh))
            with single_threaded_blas():
                for n, (article, f) in enumerate(zip(chunk, features, strict=True), start + 1):
                    self._assign(article, f)
                    self._report("assigning", n, len(fresh))
        self._update_threads([a.id for a in fresh])
        return self._final_report(added, unchanged, revised)

    def held_positions(self, todo: backlog.Backlog) -> dict[str, int]:
        """The backlog's held representatives and their positions in the candidate index:
        the first ones indexed (the index is in rowid order)."""
        return {
            article_id: k
            for k, article_id in enumerate(self.index.ids[: backlog.held_count(self.conn, todo)])
        }

    def pair_backlog(self, todo: backlog.Backlog, size: int, held: Mapping[str, int]) -> Paired:
        """Pair the next ``size`` held articles of the backlog (:meth:`Store.upgrade`;
        ``held``: :meth:`held_positions`), re-thread what moved, log the moves in
        ``changes`` and save the position."""
        rows = backlog.held_chunk(self.conn, todo, size)
        pairs = 0
        paired: list[str] = []
        for _, article_id in rows:
            scored = self._pair_held(article_id, held)
            if scored:
                pairs += scored
                paired.append(article_id)
        last = len(rows) < size or rows[-1][0] >= todo.through
        if last and (todo.scored or pairs):  # no new pair: nothing new to merge
            self._regroup_all()
        self._update_threads([*paired, *self.moved_from])
        moved = sum(self._story_of_article(m) != s for m, s in self.moved_from.items())
        self._final_report([], [], {})  # logs the moves in `changes`, as an add's
        backlog.advance(self.conn, todo, todo.through if last else rows[-1][0], pairs > 0)
        return Paired(articles=len(rows), pairs=pairs, moved=moved)

    def reclean(self, ids: Sequence[str]) -> Paired:
        """Clean the stored articles ``ids`` again (:meth:`Store._reclean`): featurise
        each whose cleaning changed from its stored text, rewrite its features,
        fingerprint, MinHash-LSH and keyword rows, score every pair stored with one of
        ``ids`` again with the same ``relate`` (oriented as stored), re-cluster the
        stories those pairs touch, as an add would, and re-thread. A copy stays the copy
        of what it copied. The changed ones' candidates are proposed again afterwards
        (:meth:`propose_again`), once the candidate index holds every new vector; the
        others leave the backlog here, features and candidates as they were."""
        rows = {
            row[0]: row
            for chunk in _id_chunks(ids)
            for row in self.conn.execute(
                f"SELECT {ARTICLE_COLUMNS}, copy_of, fingerprint "
                f"FROM articles WHERE id IN ({','.join('?' * len(chunk))})",
                chunk,
            )
        }
        articles = [row_article(rows[i]) for i in ids]
        # A text the current cleaning gives its stored fingerprint is here for its pairs'
        # scoring only (a pair-scoring switch: store.scoring): its features cannot have
        # changed, and encoding it again is most of an upgrade's cost (300 headlines,
        # docs/history/benchmarks.md 2026-12-06 store).
        same = {a.id for a in articles if text_fingerprint(a) == rows[a.id][9]}
        changed = [a for a in articles if a.id not in same]
        kept = [i for i in ids if i in same]
        encoder = self.store._encoder_or_default() if changed else None  # loading it costs
        fresh = featurize_all(changed, self.config, encoder) if encoder is not None else []
        lsh, words = StoredLSH(self.conn, self.config), StoredKeywords(self.conn)
        for f in fresh:
            self._rewrite_features(f, rows[f.id][8] is not None, lsh, words)
        features = {f.id: f for f in fresh}
        features.update((f.id, f) for f in self._neighbour_features(kept))
        pairs = self._stored_pairs(ids)
        partners = sorted({x for pair in pairs for x in pair} - set(features))
        features.update((f.id, f) for f in self._neighbour_features(partners))
        relations = [relate(features[a], features[b], self.config) for a, b in pairs]
        for table in ("relations", "weak_scores", "thread_scores"):
            self.conn.executemany(f"DELETE FROM {table} WHERE a=? AND b=?", pairs)
        self._write_relations(relations, features)
        touched = {self._story_of_article(i) for i in [*ids, *partners]}
        self.pairs_changed_in.update(touched)
        for story in sorted(touched):
            if self._story_exists(story):
                self._refresh_story(story)  # a title read from a first line may change
        self._regroup(touched, ids[0])
        self._update_threads([*ids, *self.moved_from])
        moved = sum(self._story_of_article(m) != s for m, s in self.moved_from.items())
        self._final_report([], [], {})
        cleaning.cleaned(self.conn, [a.id for a in changed])
        cleaning.proposed(self.conn, kept)  # the same candidates: nothing to propose
        return Paired(
            moved=moved, recleaned=len(changed), rescored=len(pairs), kept_features=len(kept)
        )

    def propose_again(self, ids: Sequence[str], held: Mapping[str, int], last: bool) -> Paired:
        """Make the candidate pairs around the articles ``ids`` cleaned again those a
        new store holding the same texts has (``held``: every indexed article's
        position, the index holding the new vectors): forget the stored pairs their
        neighbourhood no longer proposes, score the pairs it proposes that were never
        scored (oriented by arrival), re-cluster what that touches (every story when
        ``last``), re-thread, and take ``ids`` off the backlog. Copies propose nothing;
        their copy relations stay."""
        around = self._neighbourhood([i for i in ids if i in held])
        # Their candidate lists now, their features read in one query, not one each.
        now = {f.id: set(self.index.neighbours(f)) for f in self._neighbour_features(list(around))}

        def proposes(a: str, b: str) -> bool:
            for x, y in ((a, b), (b, a)):
                if x not in now:
                    now[x] = set(self.index.neighbours(self._neighbour_features([x])[0]))
                if y in now[x]:
                    return True
            return False

        stored = self._stored_pairs(list(around))
        stale = [(a, b) for a, b in stored if a in held and b in held and not proposes(a, b)]
        fresh = self._replace_pairs(stored, stale, {x: now[x] for x in around}, held)
        touched = {self._story_of_article(i) for pair in [*stale, *fresh] for i in pair}
        self.pairs_changed_in.update(touched)
        if touched:
            self._regroup(touched, ids[0])
        if last:
            self._regroup_all()
        self._update_threads([*ids, *self.moved_from])
        moved = sum(self._story_of_article(m) != s for m, s in self.moved_from.items())
        self._final_report([], [], {})
        cleaning.proposed(self.conn, ids)
        return Paired(moved=moved, proposed=len(fresh), forgotten=len(stale))

    def reconcile(
        self,
        todo: backlog.Backlog,
        size: int,
        held: Mapping[str, int],
        lists: dict[str, set[str]],
    ) -> Paired:
        """Reconcile the next ``size`` representatives of ``todo`` (:meth:`Store._reconcile`;
        ``held``: every indexed article's position, ``lists``: the candidate lists worked
        out so far, filled here): each one's list proposed again; a stored pair whose
        later end is one of them is forgotten unless one end proposes the other (the
        earlier end's list was worked out in its own chunk), a pair one of them proposes
        and never scored is scored, oriented by arrival; what that touches re-clustered,
        every story at the end if any chunk changed a pair, re-threaded; the position
        saved."""
        rows = backlog.held_chunk(self.conn, todo, size)
        ids = [article for _, article in rows if article in held]
        mine = set(ids)

        def list_of(article: str) -> set[str]:
            if article not in lists:
                lists[article] = set(self.index.neighbours(self._neighbour_features([article])[0]))
            return lists[article]

        for f in self._neighbour_features([i for i in ids if i not in lists]):  # one query
            lists[f.id] = set(self.index.neighbours(f))
        stored = self._stored_pairs(ids)
        judged = [
            (a, b)
            for a, b in stored
            if a in held and b in held and (a if held[a] > held[b] else b) in mine
        ]
        stray = [(a, b) for a, b in judged if b not in list_of(a) and a not in list_of(b)]
        missing = self._replace_pairs(stored, stray, {x: lists[x] for x in ids}, held)
        # A pair scored 0 with no kind and no thread probability is not stored (as an add
        # leaves it): it changes nothing, and is scored again by the next reconcile.
        kept = {frozenset(pair) for pair in self._stored_pairs(ids)}
        missing = [pair for pair in missing if frozenset(pair) in kept]
        ends = [i for pair in [*stray, *missing] for i in pair]
        touched = {self._story_of_article(i) for i in ends}
        self.pairs_changed_in.update(touched)
        if touched:
            self._regroup(touched, ends[0])
        last = len(rows) < size or rows[-1][0] >= todo.through
        changed = bool(stray or missing)
        if last and (todo.scored or changed):  # no pair changed: nothing to regroup
            self._regroup_all()
        self._update_threads([*ends, *self.moved_from])
        moved = sum(self._story_of_article(m) != s for m, s in self.moved_from.items())
        self._final_report([], [], {})
        after = todo.through if last else rows[-1][0]
        backlog.advance(self.conn, todo, after, changed, backlog.RECONCILE_KEY)
        return Paired(moved=moved, reconciled=len(rows), stray=len(stray), missing=len(missing))

    def _replace_pairs(
        self,
        stored: Sequence[tuple[str, str]],
        stale: Sequence[tuple[str, str]],
        proposing: Mapping[str, set[str]],
        held: Mapping[str, int],
    ) -> list[tuple[str, str]]:
        """Forget the ``stale`` stored pairs (score, relation, thread score) and score the
        pairs the ``proposing`` articles' lists hold that ``stored`` lacks, oriented by
        arrival (``held``: index positions); returns those scored, (earlier, later)."""
        for table in ("relations", "weak_scores", "thread_scores"):
            self.conn.executemany(f"DELETE FROM {table} WHERE a=? AND b=?", stale)
        scored = {frozenset(pair) for pair in stored}
        proposed = {_in_order(x, y, held) for x, ys in proposing.items() for y in ys if y in held}
        fresh = sorted(
            (pair for pair in proposed if frozenset(pair) not in scored),
            key=lambda pair: (held[pair[1]], held[pair[0]]),
        )
        self._score_in_order(fresh)
        return fresh

    def _neighbourhood(self, changed: Sequence[str]) -> dict[str, None]:
        """The indexed articles whose candidate lists a change of ``changed``'s features
        can change: those articles, every indexed article a pair is stored with (an old
        neighbour, or one that proposed it), and those that propose it now."""
        around = dict.fromkeys(changed)
        for pair in self._stored_pairs(changed):
            around.update((i, None) for i in pair if i in self.index)
        for f in self._neighbour_features(changed):
            around.update(dict.fromkeys(self.index.proposers(f)))
        return around

    def _score_in_order(self, pairs: Sequence[tuple[str, str]]) -> None:
        """Score ``pairs`` (earlier, later), grouped by the later one, as its add scores
        its earlier candidates (``relate_to``)."""
        for later, run in itertools.groupby(pairs, key=operator.itemgetter(1)):
            earlier = [a for a, _ in run]
            features = {g.id: g for g in self._neighbour_features([*earlier, later])}
            relations = relate_to(
                [features[a] for a in earlier], features[later], self.config, lean=True
            )
            self._write_relations(relations, features)

    def _rewrite_features(
        self, f: DocFeatures, is_copy: bool, lsh: StoredLSH, words: StoredKeywords
    ) -> None:
        """Replace an article's stored features and index rows with ``f``'s."""
        self.conn.execute("UPDATE articles SET fingerprint=? WHERE id=?", (f.fingerprint, f.id))
        self.conn.execute(
            "UPDATE features SET doc_json=?, sentence_vectors=?, vector=?, minhash=?, date=?, "
            "n_words=? WHERE id=?",
            (*encode_features(f), iso_date(f.date), f.n_words, f.id),
        )
        self.conn.execute("DELETE FROM lsh WHERE id=?", (f.id,))
        if f.n_shingles:
            lsh.insert(f.id, f.minhash)
        self.conn.execute("DELETE FROM keywords WHERE id=?", (f.id,))
        if not is_copy:
            words.insert(f.id, keywords(f))
        self._remember(f)

    def _stored_pairs(self, ids: Sequence[str]) -> list[tuple[str, str]]:
        """Every scored pair stored with an end in ``ids`` (relations, weak scores and
        thread scores: a copy relation keeps no weak score), as stored (``a`` first)."""
        out: set[tuple[str, str]] = set()
        for chunk in _id_chunks(ids):
            marks = ",".join("?" * len(chunk))
            for table in ("relations", "weak_scores", "thread_scores"):
                for column in ("a", "b"):
                    out.update(
                        (a, b)
                        for a, b in self.conn.execute(
                            f"SELECT a, b FROM {table} WHERE {column} IN ({marks})", chunk
                        )
                    )
        return sorted(out)

    def _story_exists(self, story: str) -> bool:
        return bool(self.conn.execute("SELECT 1 FROM stories WHERE id=?", (story,)).fetchone())

    def judge_roundups(self, articles: Sequence[str]) -> Paired:
        """Re-cluster the story of each roundup of ``articles`` (those whose ``cut`` is
        not known) with the stories it covers, unless an earlier one's re-clustering
        judged it already; re-thread what changed and log the moves in ``changes``. A
        roundup whose stories are over the re-clustering bound keeps its flag, not cut
        (threaded as before)."""
        for article in articles:
            if self.conn.execute(
                "SELECT 1 FROM roundups WHERE article=? AND cut IS NULL", (article,)
            ).fetchone():
                self._regroup({self._story_of_article(article)}, article)
        self.conn.execute("UPDATE roundups SET cut = 0 WHERE cut IS NULL")
        self._update_threads([*articles, *self.moved_from])
        moved = sum(self._story_of_article(m) != s for m, s in self.moved_from.items())
        self._final_report([], [], {})
        return Paired(moved=moved, roundups=len(articles))

    def _regroup_all(self) -> None:
        """Re-cluster every story at once, as the batch groups the whole collection: the
        end of an upgrade that scored a pair (in its last chunk's transaction; on a store
        of 50,000 articles, 1,700 representatives, it costs ~29 s CPU and ~1 GB, so an
        upgrade that scored nothing skips it). Each held article's new pairs
        re-clustered only the stories they touch, as an add does, so a merge they make
        possible with a story linked to those by older pairs alone was left undone
        (5,043 representatives: 41 of 5,431 articles elsewhere than in a new store with
        the same pairs and scores, none after this; docs/history/benchmarks.md,
        2026-12-06, hygiene)."""
        stories = {row[0] for row in self.conn.execute("SELECT id FROM stories")}
        first = self.conn.execute("SELECT id FROM articles ORDER BY rowid LIMIT 1").fetchone()
        if stories and first is not None:
            self._regroup(stories, first[0], bounded=False)

    def _pair_held(self, article_id: str, held: Mapping[str, int]) -> int:
        """Score the held article's candidate pairs with other held articles that were
        never scored (an add scores pairs with the article it adds and reverse
        neighbours only), each oriented by arrival as an add orients it; re-cluster the
        stories they touch as the add of the later one would. Returns how many."""
        f = self._neighbour_features([article_id])[0]
        partners = [
            other
            for other in self.index.neighbours(f)
            if other in held and not self._scored(article_id, other)
        ]
        if not partners:
            return 0
        features = {g.id: g for g in self._neighbour_features(partners)}
        earlier = [features[o] for o in partners if held[o] < held[article_id]]
        later = [features[o] for o in partners if held[o] > held[article_id]]
        relations = [
            *(relate_to(earlier, f, self.config, lean=True) if earlier else []),
            *(relate_against(f, later, self.config, lean=True) if later else []),
        ]
        self._write_relations(relations, {article_id: f, **features})
        touched = {self._story_of_article(i) for i in [article_id, *partners]}
        self.pairs_changed_in.update(touched)
        if any(r.score > 0 for r in relations):  # a zero score links nothing
            self._regroup(touched, article_id)
        return len(relations)

    def _update_threads(self, assigned: Sequence[str]) -> None:
        """Re-thread around every story this add's assignments touched (see
        :func:`samestory.store.threads.update_threads`). A bulk load sets threads itself."""
        if not assigned:
            return
        touched = {
            *self.created,
            *self.moved_from.values(),
            *self.pairs_changed_in,
            *self.cut_changed_in,
            *(self._story_of_article(a) for a in [*assigned, *self.moved_from]),
        }
        update_threads(self.conn, touched)

    def _final_report(
        self, added: list[str], unchanged: list[str], revised: dict[str, str]
    ) -> AddReport:
        """The report, read back from the store once every re-clustering is done: each
        article's final story, the stories created, merged and split; logged in
        ``changes`` and ``revisions``."""
        story_of = {a: self._story_of_article(a) for a in added}
        exists = {
            s
            for s in {*self.created, *self.moved_from.values()}
            if self.conn.execute("SELECT 1 FROM stories WHERE id=?", (s,)).fetchone()
        }
        now_in: dict[str, Counter[str]] = {}
        moved = []
        for article_id, before in self.moved_from.items():
            after = self._story_of_article(article_id)
            if after != before:
                now_in.setdefault(before, Counter())[after] += 1
                moved.append((article_id, after))
        merged: dict[str, list[str]] = {}
        split: dict[str, list[str]] = {}
        for before, counts in sorted(now_in.items()):
            targets = [s for s, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]
            (split if before in exists else merged)[before] = targets
        self.conn.executemany(
            "INSERT INTO changes (at, kind, article_id, story_id) VALUES (?, ?, ?, ?)",
            [
                *((self.now, "added", a, s) for a, s in story_of.items()),
                *((self.now, "moved", a, s) for a, s in moved),
                *((self.now, "removed", None, s) for s in merged),
            ],
        )
        self.conn.executemany(
            "INSERT INTO revisions VALUES (?, ?, ?, ?)",
            [
                (original, int(stored.rsplit("~rev", 1)[1]), stored, self.now)
                for stored, original in revised.items()
            ],
        )
        warnings = [
            f"{original}: a different text under a stored id; kept both, the new text as {stored}"
            for stored, original in revised.items()
        ]
        return AddReport(
            added=added,
            unchanged=unchanged,
            story_of=story_of,
            new_stories=[s for s in dict.fromkeys(self.created) if s in exists],
            revised=revised,
            copy_of=self.copy_of,
            closest=self.closest,
            merged=merged,
            split=split,
            warnings=warnings,
            skipped=self.skipped,
        )

    def _bulk_load(self, articles: Sequence[Article], encoder: SentenceEncoder) -> None:
        """Fill an empty store with the batch pipeline: the stories ``cluster`` gives.

        Written as the incremental path writes (articles, features, relations that have
        a kind, weak scores), so later adds carry on from it as from any store.
        """
        analysis = analyze(articles, self.config, encoder, self.progress)
        features = {f.id: f for f in analysis.features}
        story_of: dict[str, str] = {}
        for story in analysis.stories:
            self.conn.execute(
                "INSERT INTO stories VALUES (?, ?, ?, ?, ?, ?)",
                (story.id, story.title, story.first, len(story.articles), self.now, self.now),
            )
            self.created.append(story.id)
            story_of.update(dict.fromkeys(story.articles, story.id))
        for article in articles:
            copied = analysis.copy_of.get(article.id)
            self._insert_article(article, features[article.id], story_of[article.id], copied)
            if copied is not None:
                self.copy_of[article.id] = copied
        for r in analysis.relations:
            if r.kind is not None and story_of[r.a] == story_of[r.b]:
                for end in (r.a, r.b):
                    if end not in self.closest or r.score > self.closest[end].score:
                        self.closest[end] = r
        self._write_relations(analysis.relations, features)
        set_threads(self.conn, {s.id: s.thread or thread_id(s.id) for s in analysis.stories})
        member = {s.id: s.articles[0] for s in analysis.stories}
        write_roundups(
            self.conn,
            [],
            [
                (
                    r.article,
                    r.attached,
                    r.cut,
                    [(member[p.story], p.share, p.sentences, p.names) for p in r.parts],
                )
                for s in analysis.stories
                for r in s.roundups
            ],
        )
        # Representatives are indexed (their proposals are worked out when first
        # needed), copies only kept for copy detection, as the incremental path does.
        for f in analysis.features:
            if f.id in analysis.copy_of:
                self.index.add_copy(f)
            else:
                self.index.add([f])
            self.store._sketches.add(f.id, f.minhash.hashvalues, f.n_shingles)

    def _write_relations(
        self, relations: Sequence[Relation], features: Mapping[str, DocFeatures]
    ) -> None:
        """Relations that have a kind; of the others, just the score (weak scores).

        Every score is kept, low ones too: average link sums them, so a re-clustering
        without them would see weaker links than the clustering that made the story.
        """
        self.conn.executemany(
            "INSERT OR REPLACE INTO relations VALUES (?, ?, ?, ?, ?, ?)",
            [_relation_row(r, features) for r in relations if r.kind is not None],
        )
        self.conn.executemany(
            "INSERT OR REPLACE INTO weak_scores VALUES (?, ?, ?)",
            [(r.a, r.b, float(r.score)) for r in relations if r.kind is None and r.score > 0],
        )
        write_thread_scores(self.conn, relations, features)

    def _split_new(
        self, articles: Sequence[Article]
    ) -> tuple[list[Article], list[str], dict[str, str]]:
        """Articles to store, ids with nothing to store, and revisions made.

        An id already holding this text (any of its revisions, stored or earlier in the
        batch) is unchanged; a new text under a known id is stored as the next revision
        (:func:`revision_id`); a new id is stored whatever its text (a copy is a version).
        """
        texts: dict[str, list[str]] = {}  # id -> fingerprints of its revisions, in order
        fresh: list[Article] = []
        unchanged: list[str] = []
        revised: dict[str, str] = {}
        taken: set[str] = set()
        for article in articles:
            fp = text_fingerprint(article)
            known = texts.get(article.id)
            if known is None:
                known = texts[article.id] = self._stored_texts(article.id)
            if fp in known:
                unchanged.append(article.id)
                continue
            known.append(fp)
            if len(known) == 1:
                fresh.append(article)
                taken.add(article.id)
                continue
            stored_id = self._free_revision_id(article.id, len(known), taken)
            taken.add(stored_id)
            revised[stored_id] = article.id
            fresh.append(dataclasses.replace(article, id=stored_id))
        return fresh, unchanged, revised

    def _stored_texts(self, article_id: str) -> list[str]:
        """Fingerprints of the stored revisions of ``article_id``, oldest first."""
        first = self.conn.execute("SELECT fingerprint FROM articles WHERE id=?", (article_id,))
        row = first.fetchone()
        if row is None:
            return []
        later = self.conn.execute(
            "SELECT a.fingerprint FROM revisions r JOIN articles a ON a.id = r.stored_id "
            "WHERE r.id=? ORDER BY r.revision",
            (article_id,),
        )
        return [row[0], *(r[0] for r in later)]

    def _free_revision_id(self, article_id: str, revision: int, taken: set[str]) -> str:
        """:func:`revision_id`, with ``~`` added while an unrelated article has that id."""
        candidate = revision_id(article_id, revision)
        while (
            candidate in taken
            or self.conn.execute("SELECT 1 FROM articles WHERE id=?", (candidate,)).fetchone()
        ):
            candidate = revision_id(article_id + "~", revision)
            article_id += "~"
        return candidate

    def _neighbour_features(self, ids: Sequence[str]) -> list[DocFeatures]:
        found = {i: f for i in ids if (f := self.cache.get(i)) is not None}
        found.update((f.id, f) for f in self.store.features([i for i in ids if i not in found]))
        out = [found[i] for i in ids]
        for f in out:
            self._remember(f)
        return out

    def _remember(self, f: DocFeatures) -> None:
        self.cache.put(f.id, f)

    def _assign(self, article: Article, f: DocFeatures) -> None:
        """Score ``f`` against its candidates, write it, re-cluster what it touched."""
        # A copy of a stored article joins its story, scored against that one copy: as
        # in a batch run, where copies are collapsed onto one representative. Reposts
        # are most of a feed, and scoring each against every stored copy of its text
        # made adding to a large store slow. _regroup collapses copies again.
        # The copy test is the batch pipeline's (samestory.overlap) on the batch's copy
        # candidates: the same normalised text (the earliest stored one), else the
        # MinHash-LSH candidate with the most shingle overlap that passes the
        # near-duplicate test; its verdict alone makes a copy, as in the batch's copy
        # collapse, whatever kind the scored relation gets.
        copied = self._exact_copy(f) or self.store._sketches.closest_copy(
            f, self.index.copy_candidates(f), self.config
        )
        if copied is not None:
            original = self._neighbour_features([copied])[0]
            relation = relate(original, f, self.config)
            story = self._story_of_article(original.id)
            self._write(article, f, story, [relation], [original], copy_of=original.id)
            self.index.add_copy(f)
            self.store._sketches.add(f.id, f.minhash.hashvalues, f.n_shingles)
            self.copy_of[f.id] = original.id
            if relation.kind is not None:
                self.closest[f.id] = relation
            return
        # The pairs a batch run over the stored representatives would score: f's own
        # candidates, and the stored articles that now have f among theirs (which can
        # push another candidate out of their list, or let one in).
        proposals = self.index.insert(f)
        self.store._sketches.add(f.id, f.minhash.hashvalues, f.n_shingles)
        # f's own candidates, then the articles that now propose f.
        partners = dict.fromkeys(proposals.neighbours)
        partners.update((a, None) for a, b in proposals.gained if b == f.id)  # f is last
        partners.pop(f.id, None)
        neighbours = self._neighbour_features(list(partners))
        # relate(other, f) for each, with f's sentence cosines summarised at once.
        relations = relate_to(neighbours, f, self.config, lean=True)  # as the batch
        related = [r for r in relations if r.kind is not None]
        if related:
            self.closest[f.id] = max(related, key=lambda r: r.score)
        scores = {r.a: r.score for r in relations}
        story_of, sizes = self._stories_of(scores)
        best = best_story(
            scores, story_of, sizes, self.config.same_story_threshold, self.config.attach_threshold
        )
        story = best if best is not None else story_id(article.id)
        if best is None:
            if self.conn.execute("SELECT 1 FROM stories WHERE id=?", (story,)).fetchone():
                story = self._fresh_story_id(article.id)
            self.conn.execute(
                "INSERT INTO stories VALUES (?, ?, ?, 0, ?, ?)",
                (story, story_title(f), article.id, self.now, self.now),
            )
            self.created.append(story)
        self._write(article, f, story, relations, neighbours)
        others = self._update_pairs(proposals, f.id)
        self.pairs_changed_in.update(others)
        self._regroup({story, *story_of.values(), *others}, f.id)

    def _update_pairs(self, proposals: Proposals, added: str) -> set[str]:
        """Score the pairs between stored articles the add made candidates, forget the
        scores of pairs no longer proposed from either end (a batch run would not have
        scored them); returns the stories of their articles."""
        gained = [(a, b) for a, b in proposals.gained if added not in (a, b)]
        fresh = [(a, b) for a, b in gained if not self._scored(a, b)]
        if fresh:
            ids = list(dict.fromkeys(i for pair in fresh for i in pair))
            features = {f.id: f for f in self._neighbour_features(ids)}
            relations = [
                relation
                for a, run in itertools.groupby(fresh, key=operator.itemgetter(0))
                for relation in relate_against(
                    features[a], [features[b] for _, b in run], self.config, lean=True
                )
            ]
            self._write_relations(relations, features)
        for a, b in proposals.lost:
            for table in ("relations", "weak_scores", "thread_scores"):
                self.conn.execute(
                    f"DELETE FROM {table} WHERE (a=? AND b=?) OR (a=? AND b=?)", (a, b, b, a)
                )
        ends = {i for pair in [*gained, *proposals.lost] for i in pair}
        return {self._story_of_article(i) for i in sorted(ends)}

    def _scored(self, a: str, b: str) -> bool:
        return any(
            self.conn.execute(
                f"SELECT 1 FROM {table} WHERE (a=? AND b=?) OR (a=? AND b=?)", (a, b, b, a)
            ).fetchone()
            for table in ("relations", "weak_scores")
        )

    def _exact_copy(self, f: DocFeatures) -> str | None:
        """The earliest stored article with ``f``'s normalised text, if it has words."""
        if not f.n_words:
            return None
        row = self.conn.execute(
            "SELECT id FROM articles WHERE fingerprint=? AND id != ? ORDER BY rowid LIMIT 1",
            (f.fingerprint, f.id),
        ).fetchone()
        return None if row is None else row[0]

    def _write(
        self,
        article: Article,
        f: DocFeatures,
        story: str,
        relations: Sequence[Relation],
        scored: Sequence[DocFeatures],
        copy_of: str | None = None,
    ) -> None:
        """Store the article in ``story`` with its relations (to ``scored``)."""
        self._insert_article(article, f, story, copy_of)
        self._write_relations(relations, {f.id: f, **{o.id: o for o in scored}})
        self._remember(f)
        self._refresh_story(story, f)

    def _regroup(self, touched: set[str], article_id: str, bounded: bool = True) -> str:
        """Re-cluster the stories a new article touched, so arrival order matters less.

        One-step assignment is order dependent: an article can join a story before the
        article it really belongs with arrives. Average link over the members of just the
        touched stories (their stored relations) repairs that locally, with no full
        recompute. Each new group keeps the id of the old story holding most of its
        members; a group split off gets a new id. Returns the new article's story.
        ``bounded``: stories over ``Config.regroup_limit`` are left as they are (an add's
        re-clustering); unbounded for :meth:`_regroup_all`.
        """
        rows = self._members_of(touched)
        # A roundup found by an earlier re-clustering is judged again with the stories it
        # covers, as the batch judges it with all of them: without them in view it covers
        # one story here, is no roundup, and its pairs chain again (on ECB+ dev, a long
        # report read as covering two pieces of its own event was cut in one add and
        # kept by a later, narrower one, which left a lone version out of its story).
        covered = covered_stories(self.conn, [row[1] for row in rows]) - touched
        if covered:
            rows = self._members_of(touched | covered)
        members = [row[1] for row in rows]
        present = set(members)
        # Copies are clustered as one item with their original, so it is the number of
        # copy groups that bounds the work (reposts make most of a large story).
        limit = self.config.regroup_limit
        if bounded and (
            len(members) > REGROUP_MEMBERS_PER_GROUP * limit
            or sum(row[2] is None or row[2] not in present for row in rows) > limit
        ):
            return self._story_of_article(article_id)
        position = {m: k for k, m in enumerate(members)}
        edges = [
            (position[a], position[b], score)
            for a, b, score in [
                *relations_from(self.conn, members, "score"),
                *relations_from(self.conn, members, "score", table="weak_scores"),
            ]
            if b in position
        ]
        copy_of = [position.get(row[2]) for row in rows]
        # A copy's one scored pair is with its original (the batch scores none): left
        # out, so roundups are looked for among the pairs the batch would look at.
        edges = [(i, j, s) for i, j, s in edges if copy_of[i] != j and copy_of[j] != i]
        views = self._views_in_context(members, position)
        groups, found = group_with_roundups(views, edges, copy_of, self.config)
        old = {row[1]: row[3] for row in rows}
        used: set[str] = set()
        changed: set[str] = set()
        for group in sorted(groups, key=len, reverse=True):
            ids = [members[k] for k in group]
            votes = sorted((-sum(old[m] == s for m in ids), s) for s in {old[m] for m in ids})
            story = next((s for _, s in votes if s not in used), None)
            if story is None:
                story = self._fresh_story_id(min(ids))
                self.conn.execute(
                    "INSERT INTO stories VALUES (?, ?, ?, 0, ?, ?)",
                    (story, None, ids[0], self.now, self.now),
                )
                self.created.append(story)
            used.add(story)
            moved = [m for m in ids if old[m] != story]
            for m in moved:
                if m not in self.adding:
                    self.moved_from.setdefault(m, old[m])
            self.conn.executemany(
                "UPDATE articles SET story_id=? WHERE id=?", [(story, m) for m in moved]
            )
            if moved:
                changed.update({story, *(old[m] for m in moved)})
        for story in sorted(changed & used):  # stories whose membership changed
            self._refresh_story(story)
        for story in set(old.values()) - used:
            self.conn.execute("DELETE FROM stories WHERE id=?", (story,))
        cut_before = cut_roundups(self.conn, members)
        stored = _stored_roundups(found, members, groups)
        write_roundups(self.conn, members, stored)
        # A roundup cut now, or no longer, chains threads otherwise: re-threaded after.
        cut_after = {article for article, _, cut, _ in stored if cut}
        self.cut_changed_in.update(
            self._story_of_article(a) for a in cut_before.symmetric_difference(cut_after)
        )
        return self._story_of_article(article_id)

    def _views_in_context(
        self, members: list[str], position: dict[str, int]
    ) -> exclusive.InContext:
        """The name views of ``members`` with what the exclusive-names step reads beyond
        them (:class:`samestory.exclusive.InContext`), as the batch's step reads the
        whole corpus: their pairs scored at its bar to articles outside the stories
        re-clustered here, and which pairs are copies (among the members, to the
        outside partners and among them: :func:`_copy_pairs`), whose texts are one
        version."""
        bar = exclusive.NEIGHBOUR_BAR
        rows = [
            *relations_from(self.conn, members, "score", f"score >= {bar}"),
            *relations_from(self.conn, members, "score", f"score >= {bar}", "weak_scores"),
            *_relations_to(self.conn, members, bar),
        ]
        outside: dict[str, int] = {}
        context = []
        for a, b, score in rows:
            inner, other = (a, b) if a in position else (b, a)
            if other not in position:
                k = outside.setdefault(other, len(members) + len(outside))
                context.append((position[inner], k, score))
        index = {**position, **outside}
        copied = [
            (index[a], index[b])
            for a, b in sorted(
                _copy_pairs(self.conn, members) | _copy_pairs(self.conn, list(outside))
            )
            if a in index and b in index
        ]
        return exclusive.InContext(
            _LazyFeatures(self, members), _LazyFeatures(self, list(outside)), context, copied
        )

    def _members_of(self, stories: set[str]) -> list[tuple[Any, ...]]:
        """``(rowid, id, copy_of, story_id)`` of the articles of ``stories``, in rowid order."""
        return sorted(
            tuple(row)
            for row in self.conn.execute(
                f"SELECT rowid, id, copy_of, story_id FROM articles INDEXED BY articles_story "
                f"WHERE story_id IN ({','.join('?' * len(stories))})",
                sorted(stories),
            )
        )

    def _fresh_story_id(self, article_id: str) -> str:
        """``story_id(article_id)``, suffixed if a story of that id exists already."""
        candidate, n = story_id(article_id), 1
        while self.conn.execute("SELECT 1 FROM stories WHERE id=?", (candidate,)).fetchone():
            n += 1
            candidate = story_id(f"{article_id}#{n}")
        return candidate

    def _story_of_article(self, article_id: str) -> str:
        row = self.conn.execute("SELECT story_id FROM articles WHERE id=?", (article_id,))
        return row.fetchone()[0]

    def _stories_of(self, scores: dict[str, float]) -> tuple[dict[str, str], dict[str, int]]:
        story_of: dict[str, str] = {}
        sizes: dict[str, int] = {}
        for article_id in scores:
            row = self.conn.execute(
                "SELECT a.story_id, s.size FROM articles a JOIN stories s ON s.id = a.story_id "
                "WHERE a.id=?",
                (article_id,),
            ).fetchone()
            story_of[article_id] = row[0]
            sizes[row[0]] = row[1]
        return story_of, sizes

    def _insert_article(
        self, article: Article, f: DocFeatures, story: str, copy_of: str | None = None
    ) -> None:
        self.conn.execute(
            "INSERT INTO articles VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                article.id,
                f.fingerprint,
                article.title,
                article.text,
                iso_date(article.date),
                article.source,
                article.url,
                article.lang,
                article.origin,
                self.now,
                story,
                copy_of,
            ),
        )
        self.conn.execute(
            "INSERT INTO features VALUES (?, ?, ?, ?, ?, ?, ?)",
            (f.id, *encode_features(f), iso_date(f.date), f.n_words),
        )

    def _refresh_story(self, story: str, added: DocFeatures | None = None) -> None:
        """Recompute size, first version, title and update time of ``story``.

        When ``added`` just joined a story of more than ``Config.regroup_limit`` versions, the
        first version is updated incrementally (``added`` takes over only if it is dated
        earlier): recomputing provenance over every relation of a story that large on
        each add would make filling a store quadratic in story size.
        """
        size = self.conn.execute(
            "SELECT count(*) FROM articles WHERE story_id=?", (story,)
        ).fetchone()[0]
        if added is not None and size > self.config.regroup_limit:
            first = self.conn.execute("SELECT first FROM stories WHERE id=?", (story,)).fetchone()[
                0
            ]
            first = earlier_first(self._neighbour_features([first])[0], added)
            self.conn.execute(
                "UPDATE stories SET size=?, first=?, title=?, updated_at=? WHERE id=?",
                (size, first, story_title(self._neighbour_features([first])[0]), self.now, story),
            )
            return
        # The derivation edges come oriented from the relations' stored sources, and the
        # dates and lengths from a covering index: no evidence or feature is decoded.
        rows = self.conn.execute(
            "SELECT f.id, f.date, f.n_words FROM articles a INDEXED BY articles_story "
            "CROSS JOIN features f INDEXED BY features_provenance ON f.id = a.id "
            "WHERE a.story_id=?",
            (story,),
        ).fetchall()
        dates = {r[0]: parse_date(r[1]) for r in rows}
        lengths = {r[0]: r[2] for r in rows}
        edges = [
            Derivation(source, b if source == a else a, RelationKind(kind), "stored")
            for a, b, kind, source in relations_from(
                self.conn, (r[0] for r in rows), "kind, source", "source IS NOT NULL"
            )
            if b in dates
        ]
        first = provenance.first_version(list(dates), dates, lengths, edges)
        title = story_title(self._neighbour_features([first])[0])
        self.conn.execute(
            "UPDATE stories SET size=?, first=?, title=?, updated_at=? WHERE id=?",
            (len(rows), first, title, self.now, story),
        )


class _LazyFeatures(Sequence[DocFeatures]):
    """The features of ``ids`` read from the store (through the batch's cache) only when
    indexed: roundup detection reads those of a few texts with several partners."""

    def __init__(self, batch: _Batch, ids: Sequence[str]) -> None:
        self.batch = batch
        self.ids = ids

    def __len__(self) -> int:
        return len(self.ids)

    def __getitem__(self, k):  # type: ignore[no-untyped-def,override]
        if isinstance(k, slice):
            return self.batch._neighbour_features(self.ids[k])
        return self.batch._neighbour_features([self.ids[k]])[0]


def _in_order(a: str, b: str, position: Mapping[str, int]) -> tuple[str, str]:
    """The pair (earlier, later) by ``position`` (index order: arrival)."""
    return (a, b) if position[a] < position[b] else (b, a)


def _id_chunks(ids: Sequence[str]) -> Iterator[list[str]]:
    """``ids`` in runs of :data:`SQL_CHUNK`, under SQLite's limit of bound parameters."""
    for start in range(0, len(ids), SQL_CHUNK):
        yield list(ids[start : start + SQL_CHUNK])


def _stored_roundups(
    found: Sequence[FoundRoundup], members: Sequence[str], groups: Sequence[Sequence[int]]
) -> list[StoredRoundup]:
    """The roundups found by a re-clustering, each part's story named by its first member."""
    return [
        (
            members[r.index],
            r.attached_to is not None,
            r.cut,
            [
                (members[groups[p.side][0]], p.share, sorted(p.sentences), sorted(p.names))
                for p in r.parts
            ],
        )
        for r in found
    ]
