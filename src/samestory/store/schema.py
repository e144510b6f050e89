"""The store's tables (as the migrations leave them), its transactions and its errors.

The tables are created and changed only by the named steps of
:mod:`samestory.store.migrations`; the DDL of each step lives here, one constant per
step, so the current schema can be read in one place::

    meta(key TEXT PK, value TEXT): schema_version, config (JSON of the Config the store
        was created with), created_at, ann_index (what the saved graph holds, and the
        SHA-256 of its file)
    migrations(name TEXT PK, applied_at TEXT): every step applied, in order
    stories(id TEXT PK, title, first, size, created_at, updated_at)
        INDEX stories(updated_at)
    articles(id TEXT PK, fingerprint, title, text, date, source, url, lang, origin,
             added_at, story_id REFERENCES stories(id), copy_of)
        copy_of = the stored article this one was collapsed onto as a copy, or NULL
        INDEX (fingerprint), (story_id, id, copy_of), (story_id, lang, date)
    features(id TEXT PK REFERENCES articles(id), doc_json TEXT, sentence_vectors BLOB,
             vector BLOB, minhash BLOB, date, n_words)
        INDEX features(id, date, n_words)
    relations(a, b, kind, score, evidence_json, source, PRIMARY KEY(a, b))
        a = the article stored earlier, b = the later one; only same-story kinds;
        source = a or b, the source of a derivation (provenance.orient), else NULL
        INDEX relations(a, b, kind, source), relations(b, a)
    weak_scores(a, b, score, PRIMARY KEY(a, b))
        the scores of every other scored pair (no kind, score > 0)
    lsh(band, bucket, id, PRIMARY KEY(band, bucket, id)) WITHOUT ROWID
        the MinHash-LSH buckets of every article with shingles (see store.index)
    keywords(word, id, rank, weight, PRIMARY KEY(word, id)) WITHOUT ROWID
        the keyword candidate index: each article's KEYWORDS most specific words
        (copies excluded: their representative stands for them)
        INDEX keywords(id, rank)
    articles_fts: FTS5 over (title, text) of every article, kept by triggers
    revisions(id, revision, stored_id, added_at, PRIMARY KEY(id, revision))
        a text given again under a stored id but different: revision n >= 2 is
        stored as the article ``stored_id`` (see store.core.revision_id)
    changes(seq INTEGER PK AUTOINCREMENT, at, kind, article_id, story_id)
        one row per article added ('added') or moved to another story ('moved') and per
        story removed by a merge ('removed'): a counter a UI can poll
    thread_scores(a, b, score, gap, inputs, PRIMARY KEY(a, b)) WITHOUT ROWID, INDEX (b, a)
        the thread probability (P(same incident), samestory.threads) of every scored
        pair, its date gap in days (NULL: unknown) and, for an undated pair, the thread
        model's inputs (JSON list) to re-score it with its stories' gap
    story_threads(story TEXT PK, thread TEXT), INDEX (thread, story)
        the thread of each story (see samestory.store.threads)
    roundups(article TEXT PK, attached, parts_json, cut)
        texts covering several stories (see samestory.store.roundups): whether the text
        joined a story, and per part a member of the covered story, share, sentences,
        names; whether the grouping cut it (its pairs chain no thread; NULL: stored
        before the roundup_cut step and not judged since)
    reclean(article TEXT PK, cleaned)
        the stored articles whose cleaned text the cleaning rules changed since they
        were stored, to clean again, then (cleaned = 1) to propose candidates for again
        (samestory.store.cleaning; meta.cleaning records the rules the stored texts
        were cleaned with)
    floor_pairs(a, b, PRIMARY KEY(a, b)) WITHOUT ROWID, INDEX (b, a)
        the stored pairs only the short-text vector floor proposed (rule L's flag,
        switches.LONE_FLOOR_BAR; samestory.store.floor_pairs), a = the earlier article
"""

from __future__ import annotations

import contextlib
import sqlite3
from types import TracebackType

from samestory.errors import SamestoryError

# The format generation written to meta.schema_version. 1 and 2 are the stores made
# before the migrations table existed (see migrations.legacy_baseline); from 3 on,
# which steps a store has is what its migrations table says.
SCHEMA_VERSION = 3
LEGACY_VERSIONS = ("1", "2")


class StoreError(SamestoryError):
    """A store that cannot be used as asked, in one line: not a store, a newer format,
    other feature settings, locked by another writer, read-only, disk full, damaged."""


class StoreBusy(StoreError):
    """Another writer held the store's lock longer than the busy timeout."""


INITIAL = (
    "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    """CREATE TABLE stories (
        id TEXT PRIMARY KEY, title TEXT, first TEXT NOT NULL, size INTEGER NOT NULL,
        created_at TEXT NOT NULL, updated_at TEXT NOT NULL
    )""",
    """CREATE TABLE articles (
        id TEXT PRIMARY KEY, fingerprint TEXT NOT NULL, title TEXT, text TEXT NOT NULL,
        date TEXT, source TEXT, url TEXT, lang TEXT, origin TEXT, added_at TEXT NOT NULL,
        story_id TEXT NOT NULL REFERENCES stories(id)
    )""",
    "CREATE INDEX articles_fingerprint ON articles(fingerprint)",
    "CREATE INDEX articles_story ON articles(story_id)",
    """CREATE TABLE features (
        id TEXT PRIMARY KEY REFERENCES articles(id), doc_json TEXT NOT NULL,
        sentence_vectors BLOB NOT NULL, vector BLOB NOT NULL, minhash BLOB NOT NULL,
        date TEXT, n_words INTEGER NOT NULL
    )""",
    """CREATE TABLE relations (
        a TEXT NOT NULL REFERENCES articles(id), b TEXT NOT NULL REFERENCES articles(id),
        kind TEXT NOT NULL, score REAL NOT NULL, evidence_json TEXT NOT NULL,
        PRIMARY KEY (a, b)
    )""",
)
WEAK_SCORES = (
    """CREATE TABLE IF NOT EXISTS weak_scores (
        a TEXT NOT NULL REFERENCES articles(id), b TEXT NOT NULL REFERENCES articles(id),
        score REAL NOT NULL, PRIMARY KEY (a, b)
    )""",
)
# The exclusive-names step reads, on every re-clustering add, the weak scores whose ``b``
# is a re-clustered article (``regroup.relations_to``): without this index each 500-id
# chunk scanned the whole table, linear in the store. Covering (b, score, a): the read
# wants rows at a score bar and never visits the table.
WEAK_SCORES_BY_B = ("CREATE INDEX weak_scores_by_b ON weak_scores(b, score, a)",)
# Covering indexes for the reads done on every add. Feature rows hold ~100 KB of
# sentence vectors and relation rows their evidence, in overflow pages that SQLite walks
# to reach a later column: reading a story's dates or derivation sources through these
# indexes instead is about 30x faster (14 ms -> 0.4 ms for a story of 475 versions).
COPY_AND_SOURCE_INDEXES = (
    "DROP INDEX articles_story",
    "CREATE INDEX articles_story ON articles(story_id, id, copy_of)",
    "CREATE INDEX features_provenance ON features(id, date, n_words)",
    "CREATE INDEX relations_source ON relations(a, b, kind, source)",
)
LSH = (
    """CREATE TABLE lsh (
        band INTEGER NOT NULL, bucket INTEGER NOT NULL,
        id TEXT NOT NULL REFERENCES articles(id), PRIMARY KEY (band, bucket, id)
    ) WITHOUT ROWID""",
)
# The keyword candidate index (samestory.candidates): each copy-group representative's
# keywords, by word (postings) and by article (in rank order).
KEYWORDS = (
    """CREATE TABLE keywords (
        word INTEGER NOT NULL, id TEXT NOT NULL REFERENCES articles(id),
        rank INTEGER NOT NULL, weight REAL NOT NULL, PRIMARY KEY (word, id)
    ) WITHOUT ROWID""",
    "CREATE INDEX keywords_by_article ON keywords(id, rank)",
)
# Full-text search over every article. A table with its own copy of the text (not
# external content): text is a small part of a row next to its features, and the index
# then does not depend on the articles table's implicit rowids staying put.
FTS = (
    "CREATE VIRTUAL TABLE articles_fts USING fts5("
    "id UNINDEXED, title, text, tokenize='unicode61 remove_diacritics 2')",
    "CREATE TRIGGER articles_fts_insert AFTER INSERT ON articles BEGIN "
    "INSERT INTO articles_fts(rowid, id, title, text) "
    "VALUES (new.rowid, new.id, new.title, new.text); END",
    "CREATE TRIGGER articles_fts_delete AFTER DELETE ON articles BEGIN "
    "DELETE FROM articles_fts WHERE rowid = old.rowid; END",
    "CREATE TRIGGER articles_fts_update AFTER UPDATE OF title, text ON articles BEGIN "
    "UPDATE articles_fts SET title = new.title, text = new.text WHERE rowid = old.rowid; END",
    "INSERT INTO articles_fts(rowid, id, title, text) SELECT rowid, id, title, text FROM articles",
)
# Story summaries (languages, date range) read from an index, not from article rows
# (whose text sits before these columns); stories listed newest activity first; an
# article's relations found from either end.
READ_INDEXES = (
    "CREATE INDEX articles_summary ON articles(story_id, lang, date)",
    "CREATE INDEX stories_updated ON stories(updated_at, id)",
    "CREATE INDEX relations_by_b ON relations(b, a)",
)
REVISIONS = (
    """CREATE TABLE revisions (
        id TEXT NOT NULL, revision INTEGER NOT NULL, stored_id TEXT NOT NULL,
        added_at TEXT NOT NULL, PRIMARY KEY (id, revision)
    )""",
    "CREATE INDEX revisions_stored ON revisions(stored_id)",
)
CHANGES = (
    """CREATE TABLE changes (
        seq INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL, kind TEXT NOT NULL,
        article_id TEXT, story_id TEXT
    )""",
)

# The state of `samestory follow` (see samestory.follow.state): sources, items with their
# fetch state, listing cursors. IF NOT EXISTS: stores that followed before this step
# existed made the same tables themselves.
FOLLOW = (
    """CREATE TABLE IF NOT EXISTS follow_sources (
        id TEXT PRIMARY KEY, kind TEXT NOT NULL, added_at TEXT NOT NULL, last_attempt TEXT,
        last_success TEXT, last_error TEXT, last_error_at TEXT,
        failures INTEGER NOT NULL DEFAULT 0, next_due REAL NOT NULL DEFAULT 0
    )""",
    """CREATE TABLE IF NOT EXISTS follow_items (
        url TEXT PRIMARY KEY, source TEXT NOT NULL, state TEXT NOT NULL,
        entry_fingerprint TEXT, entry_json TEXT, article_id TEXT, content_hash TEXT,
        author TEXT, attempts INTEGER NOT NULL DEFAULT 0, next_due REAL NOT NULL DEFAULT 0,
        last_error TEXT, first_seen TEXT NOT NULL, updated_at TEXT NOT NULL
    )""",
    "CREATE INDEX IF NOT EXISTS follow_items_due ON follow_items(state, next_due)",
    "CREATE INDEX IF NOT EXISTS follow_items_source ON follow_items(source, state)",
    """CREATE TABLE IF NOT EXISTS follow_cursors (
        source TEXT NOT NULL, key TEXT NOT NULL, value TEXT, PRIMARY KEY (source, key)
    )""",
)

# Story threads (see samestory.store.threads): each story's thread, and the thread
# probability of every scored pair, from which threads are re-made on add.
THREADS = (
    """CREATE TABLE thread_scores (
        a TEXT NOT NULL, b TEXT NOT NULL, score REAL NOT NULL, PRIMARY KEY (a, b)
    ) WITHOUT ROWID""",
    "CREATE INDEX thread_scores_by_b ON thread_scores(b, a)",
    "CREATE TABLE story_threads (story TEXT PRIMARY KEY, thread TEXT NOT NULL)",
    "CREATE INDEX story_threads_thread ON story_threads(thread, story)",
)


# Each scored pair's date gap, and an undated pair's thread inputs (see
# samestory.threads.borrowed_gaps): threads re-score undated pairs with their stories' gap.
THREAD_INPUTS = (
    "ALTER TABLE thread_scores ADD COLUMN gap INTEGER",
    "ALTER TABLE thread_scores ADD COLUMN inputs TEXT",
)


# Roundups (see samestory.store.roundups): texts covering several stories.
ROUNDUPS = (
    """CREATE TABLE roundups (
        article TEXT PRIMARY KEY, attached INTEGER NOT NULL, parts_json TEXT NOT NULL
    )""",
)
# Whether the grouping cut each roundup (samestory.pipeline.group.FoundRoundup.cut): the
# batch leaves a cut roundup's pairs out of threading, and so does the store.
ROUNDUP_CUT = ("ALTER TABLE roundups ADD COLUMN cut INTEGER",)
# The stored articles to clean again (samestory.store.cleaning): the cleaning rules
# changed their cleaned text since they were stored.
RECLEAN = ("CREATE TABLE reclean (article TEXT PRIMARY KEY, cleaned INTEGER NOT NULL DEFAULT 0)",)
# The stored pairs only the short-text vector floor proposed (rule L's flag,
# samestory.store.floor_pairs): one row a pair, found from either end.
FLOOR_PAIRS = (
    """CREATE TABLE IF NOT EXISTS floor_pairs (
        a TEXT NOT NULL, b TEXT NOT NULL, PRIMARY KEY (a, b)
    ) WITHOUT ROWID""",
    "CREATE INDEX IF NOT EXISTS floor_pairs_by_b ON floor_pairs(b, a)",
)


class Transaction:
    """``BEGIN IMMEDIATE`` … ``COMMIT``, or ``ROLLBACK`` on any exception.

    A failed COMMIT (disk full, I/O error) is rolled back too. SQLite rolls a
    transaction back by itself on some errors (a full disk among them): the ROLLBACK is
    then skipped, so the error the caller sees is the real one, never "cannot rollback -
    no transaction is active".
    """

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
        if kind is None:
            try:
                self.conn.execute("COMMIT")
                return
            except BaseException:
                self._rollback()
                raise
        self._rollback()

    def _rollback(self) -> None:
        # The original error says more than a failed ROLLBACK would.
        if self.conn.in_transaction:
            with contextlib.suppress(sqlite3.Error):
                self.conn.execute("ROLLBACK")


def execute_all(conn: sqlite3.Connection, statements: tuple[str, ...]) -> None:
    """Run each statement on ``conn`` (``executescript`` would commit the transaction)."""
    for statement in statements:
        conn.execute(statement)
