"""The store's SQLite schema, its transactions and its migrations.

``SCHEMA_VERSION`` 2 is described in :mod:`samestory.store`. A version 1 store is
migrated in place when opened (:func:`migrate_from_v1`), and a store without the ``lsh``
table gets it filled from its stored MinHashes (:func:`build_lsh`); each step is one
transaction, so an interrupted migration leaves the store as it was.
"""

from __future__ import annotations

import dataclasses
import json
import sqlite3
from types import SimpleNamespace, TracebackType

import numpy as np

from samestory import provenance
from samestory.config import Config
from samestory.models import Evidence, Relation, RelationKind
from samestory.store_codec import parse_date
from samestory.store_index import StoredLSH

SCHEMA_VERSION = 2

SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE stories (
    id TEXT PRIMARY KEY, title TEXT, first TEXT NOT NULL, size INTEGER NOT NULL,
    created_at TEXT NOT NULL, updated_at TEXT NOT NULL
);
CREATE TABLE articles (
    id TEXT PRIMARY KEY, fingerprint TEXT NOT NULL, title TEXT, text TEXT NOT NULL,
    date TEXT, source TEXT, url TEXT, lang TEXT, origin TEXT, added_at TEXT NOT NULL,
    story_id TEXT NOT NULL REFERENCES stories(id), copy_of TEXT
);
CREATE INDEX articles_fingerprint ON articles(fingerprint);
CREATE INDEX articles_story ON articles(story_id, id, copy_of);
CREATE TABLE features (
    id TEXT PRIMARY KEY REFERENCES articles(id), doc_json TEXT NOT NULL,
    sentence_vectors BLOB NOT NULL, vector BLOB NOT NULL, minhash BLOB NOT NULL,
    date TEXT, n_words INTEGER NOT NULL
);
CREATE INDEX features_provenance ON features(id, date, n_words);
CREATE TABLE relations (
    a TEXT NOT NULL REFERENCES articles(id), b TEXT NOT NULL REFERENCES articles(id),
    kind TEXT NOT NULL, score REAL NOT NULL, evidence_json TEXT NOT NULL, source TEXT,
    PRIMARY KEY (a, b)
);
CREATE INDEX relations_source ON relations(a, b, kind, source);
CREATE TABLE lsh (
    band INTEGER NOT NULL, bucket INTEGER NOT NULL,
    id TEXT NOT NULL REFERENCES articles(id), PRIMARY KEY (band, bucket, id)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS weak_scores (
    a TEXT NOT NULL REFERENCES articles(id), b TEXT NOT NULL REFERENCES articles(id),
    score REAL NOT NULL, PRIMARY KEY (a, b)
);
"""
# Covering indexes for the reads done on every add. Feature rows hold ~100 KB of
# sentence vectors and relation rows their evidence, in overflow pages that SQLite walks
# to reach a later column: reading a story's dates or derivation sources through these
# indexes instead is about 30x faster (14 ms -> 0.4 ms for a story of 475 versions).
V2_INDEXES = (
    "DROP INDEX articles_story",
    "CREATE INDEX articles_story ON articles(story_id, id, copy_of)",
    "CREATE INDEX features_provenance ON features(id, date, n_words)",
    "CREATE INDEX relations_source ON relations(a, b, kind, source)",
)
# Scores of scored pairs that got no kind. Created on open too, for stores made before it.
WEAK_SCORES = SCHEMA[SCHEMA.index("CREATE TABLE IF NOT EXISTS weak_scores") :]


class Transaction:
    """``BEGIN IMMEDIATE`` … ``COMMIT``, or ``ROLLBACK`` on any exception."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def __enter__(self) -> sqlite3.Connection:
        self.conn.execute("BEGIN IMMEDIATE")
        return self.conn

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.conn.execute("ROLLBACK" if kind is not None else "COMMIT")


def create(conn: sqlite3.Connection, config: Config, created_at: str) -> None:
    """Create every table of an empty database and record the version and config."""
    with Transaction(conn):
        for statement in SCHEMA.split(";"):
            if statement.strip():
                conn.execute(statement)
        conn.executemany(
            "INSERT INTO meta VALUES (?, ?)",
            [
                ("schema_version", str(SCHEMA_VERSION)),
                ("config", json.dumps(dataclasses.asdict(config), sort_keys=True)),
                ("created_at", created_at),
            ],
        )


def migrate_from_v1(conn: sqlite3.Connection) -> None:
    """Add ``articles.copy_of`` (each copy onto the earliest stored article it
    copies, from the exact / near-duplicate relations) and ``relations.source``
    (each derivation oriented as :func:`provenance.orient` does), in one transaction."""
    with Transaction(conn):
        conn.execute("ALTER TABLE articles ADD COLUMN copy_of TEXT")
        conn.execute(
            "UPDATE articles SET copy_of = (SELECT r.a FROM relations r JOIN articles x "
            "ON x.id = r.a WHERE r.b = articles.id AND r.kind IN ('exact', "
            "'near_duplicate') ORDER BY x.rowid LIMIT 1)"
        )
        conn.execute("ALTER TABLE relations ADD COLUMN source TEXT")
        for statement in V2_INDEXES:
            conn.execute(statement)
        rows = conn.execute(
            "SELECT r.a, r.b, r.kind, json_extract(r.evidence_json, '$.scores.coverage_a'), "
            "json_extract(r.evidence_json, '$.scores.coverage_b'), x.date, x.n_words, "
            "y.date, y.n_words FROM relations r JOIN features x ON x.id = r.a "
            "JOIN features y ON y.id = r.b WHERE r.kind != 'same_event'"
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
        conn.execute("UPDATE meta SET value=? WHERE key='schema_version'", (str(SCHEMA_VERSION),))


def build_lsh(conn: sqlite3.Connection, config: Config) -> None:
    """Create and fill the ``lsh`` table from the stored MinHashes (stores made
    before it: version 1, and early version 2)."""
    lsh = StoredLSH(conn, config)
    with Transaction(conn):
        conn.execute(
            SCHEMA[
                SCHEMA.index("CREATE TABLE lsh") : SCHEMA.index(
                    "CREATE TABLE IF NOT EXISTS weak_scores"
                )
            ]
        )
        rows = conn.execute(
            "SELECT id, json_extract(doc_json, '$.minhash.dtype'), minhash FROM features "
            "WHERE json_extract(doc_json, '$.n_shingles') > 0"
        ).fetchall()
        for article_id, dtype, values in rows:
            lsh.insert(
                article_id, SimpleNamespace(hashvalues=np.frombuffer(values, dtype=np.dtype(dtype)))
            )
