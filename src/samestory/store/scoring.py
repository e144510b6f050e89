"""Which pair-scoring rules a store's pairs were scored with, and the texts to score again.

A stored pair keeps the story score, relation kind, evidence and thread inputs it was
scored with. Some rules of pair scoring are switches read at pair time from features a
store keeps unchanged (``switches.YEARLESS_IN_SHORT_TEXTS``: a short text's bare year-less
written date dates it, ``dates._gating``), or rules of the relation kind that a new
samestory changes (``published_far_kinds``: across the published-date gate, sentence
alignment alone makes no ``near_duplicate`` and a ``rewrite`` needs the story bar,
``relate._kind``, 2026-12-06; ``text_far_rewrites``: a rewrite dated far apart only by
a text's date is a ``follow_up`` no more, ``relate._is_follow_up``); when one changes, a
stored pair can differ from what a new store holding the same two texts scores. The store
records the rules it scored with (:data:`KEY`: :func:`rules`; a store older than the
record was scored with :data:`BEFORE_RECORD`), and when the record is not this
samestory's it puts the stored articles whose pairs the change can touch into the
re-cleaning backlog (:mod:`samestory.store.cleaning`): ``samestory upgrade`` then
featurises them again (the same features), scores every pair stored with one of them
again, re-clusters and re-threads, as for a changed cleaning. One path, resumable after
a kill as that one is.

A new switch is one entry in :func:`samestory.switches.pair_scoring_rules` (and
:data:`samestory.switches.PAIR_SCORING_BEFORE_RECORD`); without an entry
in :data:`_TOUCHES` saying which articles it can touch, every stored article is scored
again.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterator

from samestory import switches  # imports nothing: the listing reads rules() from there

# meta key: the pair-scoring rules the stored pairs were scored with (JSON of rules()).
KEY = "pair_scoring"
# What every store written before the record was scored with.
BEFORE_RECORD = switches.PAIR_SCORING_BEFORE_RECORD
# Stored features read at a time while looking for the touched articles.
_SCAN = 2_000


# This samestory's pair-scoring rules as recorded (a new switch: one entry there).
rules = switches.pair_scoring_rules


def recorded(conn: sqlite3.Connection) -> dict[str, bool]:
    """The rules the store's pairs were scored with (:data:`BEFORE_RECORD` if it has no
    record)."""
    row = conn.execute("SELECT value FROM meta WHERE key=?", (KEY,)).fetchone()
    return dict(BEFORE_RECORD) if row is None else dict(json.loads(row[0]))


def differs(conn: sqlite3.Connection) -> bool:
    """Whether the stored pairs were scored by other rules than this samestory's (and the
    store has the re-cleaning backlog to score them again with)."""
    return _has_backlog(conn) and recorded(conn) != rules()


def record(conn: sqlite3.Connection) -> int:
    """Add the stored articles whose pairs the change of rules can touch to the backlog
    and record this samestory's rules; returns how many were added."""
    old, new = recorded(conn), rules()
    changed = {name for name in new.keys() | old.keys() if old.get(name) != new.get(name)}
    touched: set[str] = set()
    for name in sorted(changed):
        touches = _TOUCHES.get(name, _every_article)
        touched.update(touches(conn))
    conn.executemany("INSERT OR IGNORE INTO reclean (article) VALUES (?)", [(a,) for a in touched])
    conn.execute(
        "INSERT OR REPLACE INTO meta VALUES (?, ?)", (KEY, json.dumps(new, sort_keys=True))
    )
    return len(touched)


def _short_with_bare_date(conn: sqlite3.Connection) -> Iterator[str]:
    """The stored articles a year-less switch can re-date: short texts whose written date
    has neither year nor weekday (``relate._short_for_dates``), deadlines included (cheap,
    and the deadline rule may change too)."""
    from samestory.relate import SHORT_TEXT_WORDS  # the pipeline: only when looking

    last = ""
    while True:
        rows = conn.execute(
            "SELECT id, doc_json FROM features WHERE id > ? AND n_words < ? ORDER BY id LIMIT ?",
            (last, SHORT_TEXT_WORDS, _SCAN),
        ).fetchall()
        if not rows:
            return
        for article, doc_json in rows:
            written = json.loads(doc_json).get("written_date")
            if written and written.get("year") is None and written.get("weekday") is None:
                yield article
        last = rows[-1][0]


def _far_copy_kinds(conn: sqlite3.Connection) -> Iterator[str]:
    """The stored articles the published-date kind rule can touch: both sides of a stored
    ``rewrite`` or ``near_duplicate`` whose publication dates are more than
    ``relate.DATE_GAP_DAYS`` apart (the only kinds, and the only pairs, the rule changes)."""
    from samestory.relate import DATE_GAP_DAYS  # the pipeline: only when looking

    rows = conn.execute(
        "SELECT r.a, r.b FROM relations r JOIN articles x ON x.id = r.a "
        "JOIN articles y ON y.id = r.b WHERE r.kind IN ('rewrite', 'near_duplicate') "
        "AND x.date IS NOT NULL AND y.date IS NOT NULL "
        "AND abs(julianday(x.date) - julianday(y.date)) > ?",
        (DATE_GAP_DAYS,),
    )
    for a, b in rows:
        yield a
        yield b


def _text_far_follow_ups(conn: sqlite3.Connection) -> Iterator[str]:
    """The stored articles the text-date follow-up rule can touch: both sides of a stored
    ``follow_up`` dated more than ``relate.DATE_GAP_DAYS`` apart with a side that has no
    publication date (its date read from its text), the only pairs the rule changes
    (``relate._is_follow_up``: such a rewrite at the story bar stays a ``rewrite``)."""
    from samestory.relate import DATE_GAP_DAYS  # the pipeline: only when looking

    rows = conn.execute(
        "SELECT r.a, r.b FROM relations r JOIN articles x ON x.id = r.a "
        "JOIN articles y ON y.id = r.b WHERE r.kind = 'follow_up' "
        "AND (x.date IS NULL OR y.date IS NULL) "
        "AND json_extract(r.evidence_json, '$.date_gap_days') > ?",
        (DATE_GAP_DAYS,),
    )
    for a, b in rows:
        yield a
        yield b


def _published_far(conn: sqlite3.Connection) -> Iterator[str]:
    """The stored articles rule AS's cut can touch (``switches.PUBLISHED_YEAR_CUT``,
    ``relate.scoring._date_factor_of``): both sides of every stored pair, relation or
    weak score, whose publication dates are more than ``PUBLISHED_SHORT_CUT_DAYS``
    apart (the cut scales by the pair's shortness, above 0 for any two texts, so every
    such pair's score can move; no other pair's does)."""
    from samestory.relate.scoring import PUBLISHED_SHORT_CUT_DAYS  # only when looking

    for table in ("relations", "weak_scores"):
        rows = conn.execute(
            f"SELECT r.a, r.b FROM {table} r JOIN articles x ON x.id = r.a "
            "JOIN articles y ON y.id = r.b WHERE x.date IS NOT NULL AND y.date IS NOT NULL "
            "AND abs(julianday(x.date) - julianday(y.date)) > ?",
            (PUBLISHED_SHORT_CUT_DAYS,),
        )
        for a, b in rows:
            yield a
            yield b


def _every_article(conn: sqlite3.Connection) -> Iterator[str]:
    return (r[0] for r in conn.execute("SELECT id FROM articles"))


# Which stored articles a change of each switch can touch (absent: every article).
_TOUCHES: dict[str, Callable[[sqlite3.Connection], Iterator[str]]] = {
    "yearless_in_short_texts": _short_with_bare_date,
    "published_far_kinds": _far_copy_kinds,
    "text_far_rewrites": _text_far_follow_ups,
    "published_year_cut": _published_far,
}


def _has_backlog(conn: sqlite3.Connection) -> bool:
    return bool(
        conn.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name='reclean'").fetchone()
    )
