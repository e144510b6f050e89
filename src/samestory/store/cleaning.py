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
is not detected by the fingerprint: rule T drops words, but the in-line run-on rule
(``switches.SPLIT_RUNS_ON_IN_LINE``, recorded as ``split_runs_on_in_line``) only moves
sentence cuts. When the record and this samestory disagree on that rule, the texts whose
sentences the two splits cut differently join the backlog too (:func:`resplit`), and the
upgrade featurises again every text whose stored sentences are not the ones the current
cleaning and split give (``UpgradeSteps.reclean``).

Rule BS (``switches.BOILERPLATE_BY_SENTENCE``, recorded as ``boilerplate_by_sentence``
only when on) keeps words the rule before it dropped, so its texts are found by their
fingerprints. The same pass adds to the backlog every stored copy that was a copy only by
the empty text's fingerprint (:func:`is_wordless_copy`): the upgrade makes each its own
representative, as a new store holds it.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator, Sequence
from typing import NamedTuple

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


class Recorded(NamedTuple):
    """What :func:`record` added to the backlog: every text, and of them those whose
    words the cleaning keeps but whose sentences the run-on rule cuts otherwise."""

    changed: int
    resplit: int


def record(conn: sqlite3.Connection) -> Recorded:
    """Add the stored articles the current cleaning changes to the backlog and record
    this samestory's rules."""
    found = list(_changed(conn, _recorded_split(conn)))
    conn.executemany("INSERT OR IGNORE INTO reclean (article) VALUES (?)", [(a,) for a, _ in found])
    conn.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (KEY, rules()))
    return Recorded(changed=len(found), resplit=sum(only_split for _, only_split in found))


def _recorded_split(conn: sqlite3.Connection) -> bool | None:
    """Whether the store's texts were split with the in-line run-on rule, when that
    differs from this samestory's (None: the same; a store older than the record, or
    recording no ``split_runs_on_in_line``, was split without it)."""
    was = json.loads(recorded(conn) or "{}").get("split_runs_on_in_line", False)
    return None if was == switches.SPLIT_RUNS_ON_IN_LINE else bool(was)


def resplit(cleaned_text: str, was: bool) -> bool:
    """Whether the in-line run-on rule as recorded (``was``) and as this samestory has it
    cut ``cleaned_text`` into other sentences (its stored sentences are then stale)."""
    now = switches.SPLIT_RUNS_ON_IN_LINE
    split = normalize.split_sentences
    return split(cleaned_text, runs_on_in_line=was) != split(cleaned_text, runs_on_in_line=now)


def _changed(conn: sqlite3.Connection, split_was: bool | None) -> Iterator[tuple[str, bool]]:
    """The stored articles whose fingerprint the current cleaning of their text changes,
    the copies that were copies only by the empty text's fingerprint
    (:func:`is_wordless_copy`), and, when the run-on rule changed (``split_was``: as
    recorded, None if not), those whose sentences it cuts otherwise: (id, whether only
    its sentences changed)."""
    last = -1
    while True:
        rows = conn.execute(
            "SELECT rowid, id, text, fingerprint, copy_of FROM articles WHERE rowid > ? "
            "ORDER BY rowid LIMIT ?",
            (last, _SCAN),
        ).fetchall()
        if not rows:
            return
        for _, article_id, text, fingerprint, copy_of in rows:
            cleaned = normalize.clean_text(text)
            now = normalize.fingerprint(cleaned)
            if now != fingerprint or (copy_of is not None and is_wordless_copy(fingerprint, now)):
                yield article_id, False
            elif split_was is not None and resplit(cleaned, split_was):
                yield article_id, True
        last = rows[-1][0]


def is_wordless_copy(stored: str, now: str) -> bool:
    """Whether a stored copy was one only by the empty text's fingerprint, as stored
    (``stored``) or as the current cleaning gives it (``now``): no copy at all
    (``pipeline.copies.has_words``). A store written between cca58bf and the wordless
    fix (2026-12-07, 10:50-12:30) made every wordless text of an add one copy group; the
    upgrade that follows a change of the cleaning rules takes them out of it
    (``UpgradeSteps.reclean``), each its own representative as in a new store."""
    return normalize.EMPTY_FINGERPRINT in (stored, now)


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
