"""Which text cleaning a store's features were made with, and the texts to clean again.

Every stored feature starts from the cleaned text (``normalize.clean_text``: boilerplate,
the outlet's own marks, since rule T a first line read as a page title without its
outlet tail). When the cleaning changes, a stored article's features, pairs and story
can differ from what a new store holding the same text gets. The store records the
cleaning rules its texts were cleaned with (:data:`KEY`: :func:`rules`), and the articles
whose cleaning the current rules change as the *re-cleaning backlog* (the ``reclean``
table): those whose stored fingerprint (of the cleaned text's words) differs from the
fingerprint the current cleaning gives their stored text. ``samestory upgrade``
cleans them again (``Store.upgrade``), then proposes their candidates again with
the new features. Finding them costs one
cleaning of every stored text, once per change of rules: the ``cleaning`` step of
:mod:`samestory.store.migrations` for a store older than the record, and the
``follow_cleaning`` check whenever the record is not this samestory's rules (as
``follow_routes`` follows the candidate routes).

What a new cleaning changes without changing a text's words (a line break, punctuation)
is not detected: rule T, the one change so far, drops words.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence

from samestory import normalize, switches

# meta key: the cleaning rules the stored texts were cleaned with (JSON of rules()).
KEY = "cleaning"
# Stored texts cleaned at a time while looking for the changed ones (bounded memory).
_SCAN = 2_000


# This samestory's cleaning rules as recorded (the switches of ``clean_text``): kept in
# the light module that ``samestory stories`` reads without importing ``normalize``.
rules = switches.cleaning_rules


def recorded(conn: sqlite3.Connection) -> str | None:
    """The cleaning rules the store records (None: older than the record)."""
    row = conn.execute("SELECT value FROM meta WHERE key=?", (KEY,)).fetchone()
    return None if row is None else str(row[0])


def differs(conn: sqlite3.Connection) -> bool:
    """Whether the store's record is not this samestory's rules (and the store has the
    ``reclean`` table, else the ``cleaning`` step is pending and does it)."""
    return _has_table(conn) and recorded(conn) != rules()


def record(conn: sqlite3.Connection) -> int:
    """Add the stored articles the current cleaning changes to the backlog and record
    this samestory's rules; returns how many were added."""
    changed = list(_changed(conn))
    conn.executemany("INSERT OR IGNORE INTO reclean (article) VALUES (?)", [(a,) for a in changed])
    conn.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (KEY, rules()))
    return len(changed)


def _changed(conn: sqlite3.Connection) -> Iterator[str]:
    """The stored articles whose fingerprint the current cleaning of their text changes."""
    last = -1
    while True:
        rows = conn.execute(
            "SELECT rowid, id, text, fingerprint FROM articles WHERE rowid > ? "
            "ORDER BY rowid LIMIT ?",
            (last, _SCAN),
        ).fetchall()
        if not rows:
            return
        for _, article_id, text, fingerprint in rows:
            if normalize.fingerprint(normalize.clean_text(text)) != fingerprint:
                yield article_id
        last = rows[-1][0]


def remaining(conn: sqlite3.Connection) -> int:
    """How many stored articles are still to clean again or to propose candidates for
    again (0 before the ``cleaning`` step)."""
    if not _has_table(conn):
        return 0
    return int(conn.execute("SELECT count(*) FROM reclean").fetchone()[0])


def _has_table(conn: sqlite3.Connection) -> bool:
    """Whether the store has the ``reclean`` table (the ``cleaning`` step applied)."""
    return bool(
        conn.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name='reclean'").fetchone()
    )


def next_chunk(conn: sqlite3.Connection, size: int, cleaned: bool = False) -> list[str]:
    """The next ``size`` articles to clean again (``cleaned``: cleaned again, their
    candidates still to propose), in the order they were stored."""
    return [
        r[0]
        for r in conn.execute(
            "SELECT r.article FROM reclean r JOIN articles a ON a.id = r.article "
            "WHERE r.cleaned = ? ORDER BY a.rowid LIMIT ?",
            (int(cleaned), size),
        )
    ]


def cleaned(conn: sqlite3.Connection, articles: Sequence[str]) -> None:
    """Mark ``articles`` cleaned again (in the transaction that cleaned them)."""
    conn.executemany("UPDATE reclean SET cleaned = 1 WHERE article=?", [(a,) for a in articles])


def proposed(conn: sqlite3.Connection, articles: Sequence[str]) -> None:
    """Take ``articles`` off the backlog once their candidates are proposed again."""
    conn.executemany("DELETE FROM reclean WHERE article=?", [(a,) for a in articles])
