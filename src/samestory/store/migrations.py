"""The store's schema as an ordered list of named steps, recorded in the database.

Each :class:`Migration` is applied in its own ``BEGIN IMMEDIATE … COMMIT`` transaction,
together with the row that records it in the ``migrations`` table: a step is either
wholly applied and recorded or not at all, and a store interrupted mid-upgrade carries on
from the next step when opened again. A new store runs every step from the first.

To change the schema, append a step to :data:`MIGRATIONS` (never edit or reorder one
that has shipped)::

    Migration.ddl("feed_state", "CREATE TABLE feed_state (...)", "CREATE INDEX ..."),

A step's ``apply(conn, config)`` runs inside the transaction; it must not commit (use
``conn.execute`` per statement, not ``executescript``).

Stores made before the ``migrations`` table (``meta.schema_version`` 1 or 2) are
recognised once, from the tables and columns they have (:func:`legacy_baseline`); the
steps they already had are recorded as applied, and the rest run as for any store.
A store whose table names a step this samestory does not know was upgraded by a newer
samestory and is refused rather than misread.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import sqlite3
from collections.abc import Callable
from types import SimpleNamespace

import numpy as np

from samestory import provenance
from samestory.candidates import keywords
from samestory.config import Config
from samestory.models import Evidence, Relation, RelationKind
from samestory.store import backlog, cleaning, schema, scoring, threads
from samestory.store.codec import parse_date
from samestory.store.index import StoredKeywords, StoredLSH
from samestory.store.schema import LEGACY_VERSIONS, SCHEMA_VERSION, StoreError, Transaction

Apply = Callable[[sqlite3.Connection, Config], None]


@dataclasses.dataclass(frozen=True)
class Migration:
    """One named, transactional schema step.

    ``reads_through``: the step changes nothing a read sees (it adds what only writes
    use), so a store whose pending steps all say so can be read before they are applied,
    e.g. while another process holds the write lock (:func:`reads_through`).
    ``recorded``: False for a step that is pending whenever the store needs it (its
    ``apply`` checks again inside the transaction), not once: no row records it.
    ``shown_as_stored``: the step changes what a read sees, but what the store holds
    without it reads as a whole (the threads as an older samestory made them), so a read
    that cannot apply it (another process holds the write lock, or the store is
    read-only) shows the store as stored, and says so in one line (:func:`readable`).
    """

    name: str
    apply: Apply
    reads_through: bool = False
    recorded: bool = True
    shown_as_stored: bool = False

    @classmethod
    def ddl(cls, name: str, *statements: str) -> Migration:
        """A step that runs ``statements`` in order."""

        def run(conn: sqlite3.Connection, config: Config) -> None:
            schema.execute_all(conn, statements)

        return cls(name, run)


def now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def _initial(conn: sqlite3.Connection, config: Config) -> None:
    """The tables of the first stores (format 1), and the config the store is made with."""
    schema.execute_all(conn, schema.INITIAL)
    conn.executemany(
        "INSERT INTO meta VALUES (?, ?)",
        [
            ("schema_version", str(SCHEMA_VERSION)),
            ("config", json.dumps(dataclasses.asdict(config), sort_keys=True)),
            ("created_at", now()),
        ],
    )


def _copies_and_sources(conn: sqlite3.Connection, config: Config) -> None:
    """Add ``articles.copy_of`` (each copy onto the earliest stored article it copies,
    from the exact / near-duplicate relations) and ``relations.source`` (each derivation
    oriented as :func:`provenance.orient` does), with the covering indexes."""
    conn.execute("ALTER TABLE articles ADD COLUMN copy_of TEXT")
    conn.execute(
        "UPDATE articles SET copy_of = (SELECT r.a FROM relations r JOIN articles x "
        "ON x.id = r.a WHERE r.b = articles.id AND r.kind IN ('exact', "
        "'near_duplicate') ORDER BY x.rowid LIMIT 1)"
    )
    conn.execute("ALTER TABLE relations ADD COLUMN source TEXT")
    schema.execute_all(conn, schema.COPY_AND_SOURCE_INDEXES)
    rows = conn.execute(
        "SELECT r.a, r.b, r.kind, json_extract(r.evidence_json, '$.scores.coverage_a'), "
        "json_extract(r.evidence_json, '$.scores.coverage_b'), x.date, x.n_words, "
        "y.date, y.n_words FROM relations r JOIN features x ON x.id = r.a "
        "JOIN features y ON y.id = r.b WHERE r.kind NOT IN ('same_event', 'follow_up')"
    ).fetchall()
    sources = []
    for a, b, kind, cov_a, cov_b, date_a, words_a, date_b, words_b in rows:
        scores = (
            {} if cov_a is None or cov_b is None else {"coverage_a": cov_a, "coverage_b": cov_b}
        )
        relation = Relation(
            a=a, b=b, kind=RelationKind(kind), score=0.0, evidence=Evidence(scores=scores)
        )
        dates = {a: parse_date(date_a), b: parse_date(date_b)}
        oriented, _ = provenance.orient(relation, dates, {a: words_a, b: words_b})
        sources.append((oriented.a, a, b))
    conn.executemany("UPDATE relations SET source=? WHERE a=? AND b=?", sources)


def _lsh(conn: sqlite3.Connection, config: Config) -> None:
    """Create the ``lsh`` table and fill it from the stored MinHashes."""
    schema.execute_all(conn, schema.LSH)
    lsh = StoredLSH(conn, config)
    rows = conn.execute(
        "SELECT id, json_extract(doc_json, '$.minhash.dtype'), minhash FROM features "
        "WHERE json_extract(doc_json, '$.n_shingles') > 0"
    ).fetchall()
    for article_id, dtype, values in rows:
        hashvalues = np.frombuffer(values, dtype=np.dtype(dtype))
        lsh.insert(article_id, SimpleNamespace(hashvalues=hashvalues))


def _threads(conn: sqlite3.Connection, config: Config) -> None:
    """Create the thread tables; fill the thread scores from the relations that have
    them in their evidence (older stores kept no others). Every story is threaded by
    the ``thread_inputs`` step, which follows."""
    schema.execute_all(conn, schema.THREADS)
    conn.execute(
        "INSERT OR REPLACE INTO thread_scores SELECT a, b, "
        "json_extract(evidence_json, '$.scores.thread') FROM relations "
        "WHERE json_extract(evidence_json, '$.scores.thread') > 0"
    )


def _keywords(conn: sqlite3.Connection, config: Config) -> None:
    """Create the ``keywords`` table and fill it from the stored term vectors of every
    article that is no copy (stores made before it had no keyword candidates once
    reopened)."""
    schema.execute_all(conn, schema.KEYWORDS)
    index = StoredKeywords(conn)
    rows = conn.execute(
        "SELECT f.id, json_extract(f.doc_json, '$.terms') FROM features f "
        "JOIN articles a ON a.id = f.id WHERE a.copy_of IS NULL ORDER BY f.rowid"
    )
    for article_id, terms_json in rows.fetchall():
        hashes, weights = json.loads(terms_json) if terms_json else ([], [])
        terms = (np.array(hashes, dtype=np.int64), np.array(weights, dtype=np.float32))
        index.insert(article_id, keywords(SimpleNamespace(terms=terms)))  # type: ignore[arg-type]


def _thread_inputs(conn: sqlite3.Connection, config: Config) -> None:
    """Add each thread score's date gap and inputs; fill the gaps the relations' evidence
    holds (older stores kept no inputs: their undated pairs keep their own scores)."""
    schema.execute_all(conn, schema.THREAD_INPUTS)
    conn.execute(
        "UPDATE thread_scores SET gap = (SELECT json_extract(r.evidence_json, "
        "'$.date_gap_days') FROM relations r WHERE r.a = thread_scores.a AND "
        "r.b = thread_scores.b)"
    )
    threads.rethread_all(conn)


def _thread_model(conn: sqlite3.Connection, config: Config) -> None:
    """Keep every scored pair's thread inputs (stores before it kept an undated pair's
    only) and the digest of the thread model the thread scores were made with: the
    missing inputs are read again from the stored features, then every pair is
    re-scored and every story re-threaded under this samestory's model
    (:func:`samestory.store.threads.refresh`). From then on a store opened by a
    samestory with another thread model re-threads from its stored inputs."""
    missing = conn.execute("SELECT count(*) FROM thread_scores WHERE inputs IS NULL").fetchone()[0]
    if missing:
        threads.log.info(
            "upgrading the store: reading the thread inputs of %d stored pairs from their "
            "stored features (once)",
            missing,
        )
    threads.refresh(conn, config, fill_missing=True)


def _route_pairs(conn: sqlite3.Connection, config: Config) -> None:
    """Record the articles held now as the pairing backlog (:mod:`samestory.store.backlog`):
    the candidate routes added after they were stored never proposed the pairs among
    them. Free here; ``samestory upgrade`` (``Store.upgrade``) pairs them, a chunk per
    transaction. Stories read as stored meanwhile."""
    backlog.record(conn)


# The routes of the samestory that added the ``route_pairs`` step: a store it opened
# holds articles paired by these, or records them as the backlog.
ROUTE_PAIRS_ROUTES = frozenset({"vectors", "keywords", "same_days"})


def _candidate_routes(conn: sqlite3.Connection, config: Config) -> None:
    """Record the candidate routes the held articles outside the backlog were paired by
    (:mod:`samestory.store.backlog`): a new store's adds propose with every route this
    samestory has; an older store has had ``route_pairs`` (the step before), so what it
    holds outside the backlog was paired by the routes of the samestory that added that
    step. A store older than the record that was written after the same-days route
    shipped (082202f) but before ``route_pairs`` cannot be told from one written
    without the route (nothing it holds says which routes proposed its pairs), so it
    keeps its backlog: pairing it costs the time and changes nothing."""
    empty = conn.execute("SELECT 1 FROM features LIMIT 1").fetchone() is None
    backlog.record_routes(conn, backlog.ROUTES if empty else ROUTE_PAIRS_ROUTES)
    backlog.follow_routes(conn)


def _follow_routes(conn: sqlite3.Connection, config: Config) -> None:
    """Record the held articles as the backlog when the store's routes lack one of this
    samestory's (:func:`samestory.store.backlog.follow_routes`)."""
    backlog.follow_routes(conn)


def _roundup_cut(conn: sqlite3.Connection, config: Config) -> None:
    """Record whether the grouping cut each stored roundup (its pairs then chain no
    thread, as in the batch: :mod:`samestory.store.roundups`). Nothing older says so,
    except that a roundup left alone was always cut (average link leaves no roundup
    it does not cut outside a story): those are marked and every story re-threaded;
    the others stay unknown (NULL, threaded as before) until ``samestory upgrade``
    re-clusters their stories (``Store.upgrade``) or an add does."""
    schema.execute_all(conn, schema.ROUNDUP_CUT)
    if conn.execute("UPDATE roundups SET cut = 1 WHERE attached = 0").rowcount:
        threads.rethread_all(conn)


def _cleaning(conn: sqlite3.Connection, config: Config) -> None:
    """Record the cleaning rules the stored texts were cleaned with, and the stored
    articles this samestory's cleaning changes as the backlog ``samestory upgrade``
    cleans again (:mod:`samestory.store.cleaning`): one cleaning of every stored text."""
    schema.execute_all(conn, schema.RECLEAN)
    _record_cleaning(conn)


def _follow_cleaning(conn: sqlite3.Connection, config: Config) -> None:
    """Add the stored articles the cleaning changed to the backlog when the store records
    other cleaning rules than this samestory's (checked again inside the transaction)."""
    if cleaning.differs(conn):
        _record_cleaning(conn)


def _record_cleaning(conn: sqlite3.Connection) -> None:
    found = cleaning.record(conn)
    if found.changed:
        threads.log.info(
            "%d stored texts clean differently under this samestory's cleaning rules "
            "(%d of them only split into other sentences, by the in-line run-on rule); "
            "`samestory upgrade` cleans them again",
            found.changed,
            found.resplit,
        )


def _pair_scoring(conn: sqlite3.Connection, config: Config) -> None:
    """Record the pair-scoring rules the stored pairs were scored with (a store older
    than the record: :data:`samestory.store.scoring.BEFORE_RECORD`), the stored
    articles whose pairs this samestory's rules score differently going to the backlog
    ``samestory upgrade`` scores again (:mod:`samestory.store.scoring`)."""
    _record_scoring(conn)


def _follow_scoring(conn: sqlite3.Connection, config: Config) -> None:
    """Add the stored articles whose pairs the pair-scoring rules changed to the backlog
    when the store records other rules than this samestory's (checked again inside the
    transaction)."""
    if scoring.differs(conn):
        _record_scoring(conn)


def _record_scoring(conn: sqlite3.Connection) -> None:
    before = scoring.recorded(conn)
    touched = scoring.record(conn)
    if touched:
        threads.log.info(
            "%d stored texts have pairs scored by other pair-scoring rules (%s) than "
            "this samestory's (%s); `samestory upgrade` scores them again",
            touched,
            json.dumps(before, sort_keys=True),
            json.dumps(scoring.rules(), sort_keys=True),
        )


def _floor_pairs(conn: sqlite3.Connection, config: Config) -> None:
    """Keep rule L's flag beside the stored pairs (``samestory.store.floor_pairs``, not
    imported here: the fast reads import this module):
    the table, and the held short articles (the only ones whose own lists the floor
    lengthens) recorded as the walk ``samestory upgrade`` flags their pairs by, a chunk
    a transaction. Free here; stories read as stored (the rule is read only with
    ``switches.LONE_FLOOR_BAR`` on)."""
    schema.execute_all(conn, schema.FLOOR_PAIRS)
    if config.short_text_ann_min_cosine is not None and config.short_text_words > 0:
        backlog.record(conn, backlog.FLOOR_KEY, short_words=config.short_text_words)


# Pending whenever the store records other pair-scoring rules than this samestory's.
FOLLOW_SCORING = Migration("follow_scoring", _follow_scoring, reads_through=True, recorded=False)


# Pending whenever the store records other cleaning rules than this samestory's.
FOLLOW_CLEANING = Migration("follow_cleaning", _follow_cleaning, reads_through=True, recorded=False)


# Pending whenever the store records other routes than this samestory's (not recorded).
FOLLOW_ROUTES = Migration("follow_routes", _follow_routes, reads_through=True, recorded=False)


def makes_backlog(todo: list[Migration]) -> bool:
    """Whether applying ``todo`` records every held article as the backlog."""
    names = {step.name for step in todo}
    return bool(
        names & {"route_pairs", FOLLOW_ROUTES.name}
        or ("candidate_routes" in names and backlog.ROUTES - ROUTE_PAIRS_ROUTES)
    )


# Append only. Names are recorded in stores: never rename or reorder a shipped step.
MIGRATIONS: list[Migration] = [
    Migration("initial", _initial),
    Migration.ddl("weak_scores", *schema.WEAK_SCORES),
    Migration("copies_and_sources", _copies_and_sources),
    Migration("lsh", _lsh),
    Migration.ddl("full_text_search", *schema.FTS),
    Migration.ddl("read_indexes", *schema.READ_INDEXES),
    Migration.ddl("revisions", *schema.REVISIONS),
    Migration.ddl("changes", *schema.CHANGES),
    Migration.ddl("follow_state", *schema.FOLLOW),
    Migration("story_threads", _threads),
    Migration("keywords", _keywords),
    Migration.ddl("roundups", *schema.ROUNDUPS),
    Migration("thread_inputs", _thread_inputs),
    Migration.ddl("weak_scores_by_b", *schema.WEAK_SCORES_BY_B),
    Migration("thread_model", _thread_model, shown_as_stored=True),
    Migration("route_pairs", _route_pairs, reads_through=True),
    Migration("candidate_routes", _candidate_routes, reads_through=True),
    Migration("roundup_cut", _roundup_cut, shown_as_stored=True),
    Migration("cleaning", _cleaning, reads_through=True),
    Migration("pair_scoring", _pair_scoring, reads_through=True),
    Migration("floor_pairs", _floor_pairs, reads_through=True),
]

_MIGRATIONS_TABLE = (
    "CREATE TABLE IF NOT EXISTS migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)"
)


def _tables(conn: sqlite3.Connection) -> set[str]:
    return {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}


def _columns(conn: sqlite3.Connection, table: str) -> set[str]:
    return {r[1] for r in conn.execute(f"PRAGMA table_info({table})")}


def legacy_baseline(conn: sqlite3.Connection, version: str) -> list[str]:
    """The steps a store made before the migrations table already has.

    Format 1 had the initial tables (and later ``weak_scores``); format 2 added
    ``copy_of`` / ``source`` with their indexes, and, in later releases, ``lsh``.
    What exists is what counts: a table a release created on open may be missing.
    """
    tables = _tables(conn)
    have = ["initial"]
    if "weak_scores" in tables:
        have.append("weak_scores")
    if version != "1" and "copy_of" in _columns(conn, "articles"):
        have.append("copies_and_sources")
    if "lsh" in tables:
        have.append("lsh")
    return have


def applied(conn: sqlite3.Connection) -> list[str]:
    """Names of the steps recorded in the store, in the order they were applied."""
    if "migrations" not in _tables(conn):
        return []
    return [r[0] for r in conn.execute("SELECT name FROM migrations ORDER BY rowid")]


def pending(conn: sqlite3.Connection, steps: list[Migration] | None = None) -> list[Migration]:
    """The steps of ``steps`` (default :data:`MIGRATIONS`) not yet applied to the store.

    Raises StoreError for a store that is not a samestory store, or was upgraded by a
    newer samestory (it names a step not in ``steps``).
    """
    steps = MIGRATIONS if steps is None else steps
    tables = _tables(conn)
    if not tables:
        return list(steps)
    if "meta" not in tables:
        raise StoreError("is not a samestory database (no meta table)")
    version = dict(conn.execute("SELECT key, value FROM meta").fetchall()).get("schema_version")
    if version is None:
        raise StoreError("is not a samestory database (no schema version)")
    if version not in (*LEGACY_VERSIONS, str(SCHEMA_VERSION)):
        raise StoreError(
            f"has store schema version {version}; this samestory reads versions "
            f"{', '.join(LEGACY_VERSIONS)} and {SCHEMA_VERSION}"
        )
    done = applied(conn) if "migrations" in tables else legacy_baseline(conn, version)
    known = {m.name for m in steps}
    unknown = [name for name in done if name not in known]
    if unknown:
        raise StoreError(
            f"was upgraded by a newer samestory (step {unknown[0]!r} unknown here); "
            "upgrade samestory to use it"
        )
    todo = [m for m in steps if m.name not in done]
    if "meta" in tables and backlog.routes_differ(conn):
        todo.append(FOLLOW_ROUTES)
    if cleaning.differs(conn):
        todo.append(FOLLOW_CLEANING)
    if "pair_scoring" in done and scoring.differs(conn):
        todo.append(FOLLOW_SCORING)
    return todo


def reads_through(todo: list[Migration]) -> bool:
    """Whether a store with the steps ``todo`` pending reads as it would after them."""
    return all(step.reads_through for step in todo)


def readable(todo: list[Migration]) -> bool:
    """Whether a store with the steps ``todo`` pending can be read before they are
    applied: as it would read after them, or shown as stored (:attr:`Migration.shown_as_stored`)."""
    return all(step.reads_through or step.shown_as_stored for step in todo)


def shown_as_stored(todo: list[Migration]) -> list[str]:
    """The names of the steps of ``todo`` whose absence a read sees."""
    return [step.name for step in todo if step.shown_as_stored]


def upgrade(
    conn: sqlite3.Connection, config: Config, steps: list[Migration] | None = None
) -> list[str]:
    """Apply every pending step, each in its own transaction; return their names.

    ``config`` is the store's (or, for a new store, the one it is created with). Safe
    against another process upgrading the same store at once: each step is checked
    again inside its transaction.
    """
    steps = MIGRATIONS if steps is None else steps
    todo = pending(conn, steps)
    if not todo:
        return []
    with Transaction(conn):
        if "migrations" not in _tables(conn):
            version = (
                conn.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
                if "meta" in _tables(conn)
                else None
            )
            conn.execute(_MIGRATIONS_TABLE)
            if version is not None:  # a store made before this table: record what it has
                at = now()
                conn.executemany(
                    "INSERT INTO migrations VALUES (?, ?)",
                    [(name, at) for name in legacy_baseline(conn, version[0])],
                )
                conn.execute(
                    "UPDATE meta SET value=? WHERE key='schema_version'", (str(SCHEMA_VERSION),)
                )
    done = []
    for step in todo:
        with Transaction(conn):
            if not step.recorded:
                step.apply(conn, config)  # checks again itself
            elif conn.execute("SELECT 1 FROM migrations WHERE name=?", (step.name,)).fetchone():
                continue  # another process applied it meanwhile
            else:
                step.apply(conn, config)
                conn.execute("INSERT INTO migrations VALUES (?, ?)", (step.name, now()))
        done.append(step.name)
    return done
