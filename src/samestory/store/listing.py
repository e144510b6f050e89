"""The story list of a store, read without loading the engine.

``samestory stories`` only reads two queries' worth of rows, but opening a
:class:`~samestory.store.Store` imports the whole pipeline (NumPy, MinHash-LSH, the
encoders: about 0.3 s before the first row). This module needs only ``sqlite3``,
:mod:`samestory.config` and :mod:`samestory.switches` (the cleaning and pair-scoring
rules a current store records; not ``normalize`` or ``dates``): :func:`open_current`
opens a store read-only when it is exactly
as this samestory would leave it (every migration applied, a usable stored config, its
threads made by this thread model: :mod:`samestory.thread_digest`; no pairing backlog:
:mod:`samestory.store.backlog`; no roundup whose cut is not known:
:mod:`samestory.store.roundups`), and
:func:`summaries` is the query :meth:`Store.stories` runs too. For anything else (no
file, a store to upgrade, a damaged one) it returns None and the caller opens the store
the usual way, which upgrades it or says what is wrong.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import sqlite3
import urllib.parse
from pathlib import Path
from typing import Any

from samestory import switches  # imports nothing (not normalize, not dates)
from samestory.store import backlog
from samestory.store.schema import SCHEMA_VERSION

# The names of the store's migration steps, in order: ``[m.name for m in
# migrations.MIGRATIONS]`` (tests/test_startup.py checks they agree). A store that has
# applied exactly these is current; any other is opened by Store, which upgrades it.
STEPS = (
    "initial",
    "weak_scores",
    "copies_and_sources",
    "lsh",
    "full_text_search",
    "read_indexes",
    "revisions",
    "changes",
    "follow_state",
    "story_threads",
    "keywords",
    "roundups",
    "thread_inputs",
    "weak_scores_by_b",
    "thread_model",
    "route_pairs",
    "candidate_routes",
    "roundup_cut",
    "cleaning",
    "pair_scoring",
    "floor_pairs",
)

SUMMARY_COLUMNS = (
    "id, title, size, first, updated_at, created_at, t.thread AS thread FROM stories "
    "LEFT JOIN story_threads t ON t.story = stories.id"
)


@dataclasses.dataclass(frozen=True, slots=True)
class StorySummary:
    """One story as listed: :meth:`Store.stories` and :meth:`Store.search_stories`.

    ``first`` is the first version's id; ``updated`` when an article last joined or
    left it (UTC, ISO 8601); ``languages``, ``first_date`` and ``last_date`` (the
    articles' own dates) are filled by :meth:`Store.search_stories`; ``thread`` is the
    id of the story's thread (stories of one incident, see :mod:`samestory.threads`).
    """

    id: str
    title: str | None
    size: int
    first: str
    updated: str
    languages: tuple[str, ...] = ()
    first_date: str | None = None
    last_date: str | None = None
    created: str | None = None
    thread: str | None = None

    def to_dict(self) -> dict[str, Any]:
        out = dataclasses.asdict(self)
        out["languages"] = list(self.languages)
        return out


def summaries(conn: sqlite3.Connection) -> list[StorySummary]:
    """Every story, largest first (then oldest created, then id)."""
    rows = conn.execute(f"SELECT {SUMMARY_COLUMNS} ORDER BY size DESC, created_at, id")
    return [
        StorySummary(id_, title, size, first, updated, thread=thread)
        for id_, title, size, first, updated, _created, thread in rows
    ]


def open_current(path: Path) -> sqlite3.Connection | None:
    """A read-only connection to the store at ``path`` if it is current, else None.

    Current: a samestory store of this schema version with every step of :data:`STEPS`
    applied, in order, and a stored config this samestory can use, i.e. one that
    ``Store(path)`` would open without writing or refusing. None on any SQLite error.
    """
    if not path.is_file():
        return None
    uri = "file:" + urllib.parse.quote(str(path.resolve())) + "?mode=ro"
    try:
        conn = sqlite3.connect(uri, uri=True, isolation_level=None)
    except sqlite3.Error:
        return None
    try:
        if _is_current(conn):
            return conn
    except sqlite3.Error:
        pass
    with contextlib.suppress(sqlite3.Error):
        conn.close()
    return None


def _is_current(conn: sqlite3.Connection) -> bool:
    meta = dict(conn.execute("SELECT key, value FROM meta").fetchall())
    if meta.get("schema_version") != str(SCHEMA_VERSION):
        return False
    steps = tuple(r[0] for r in conn.execute("SELECT name FROM migrations ORDER BY rowid"))
    return (
        steps == STEPS
        and backlog.KEY not in meta  # Store says in one line that it needs `upgrade`
        and backlog.RECONCILE_KEY not in meta  # a stopped reconcile: Store says so
        and _current_routes(meta.get(backlog.ROUTES_KEY))  # else Store records a backlog
        and _usable_config(meta.get("config"))
        and _current_threads(meta.get("thread_model"))
        # Store says in one line that `upgrade` judges them.
        and not conn.execute("SELECT 1 FROM roundups WHERE cut IS NULL LIMIT 1").fetchone()
        # Store says in one line that `upgrade` cleans them again (or records them).
        and not conn.execute("SELECT 1 FROM reclean LIMIT 1").fetchone()
        and _current_cleaning(meta.get("cleaning"))
        and _current_scoring(meta.get("pair_scoring"))
    )


def _current_scoring(recorded: str | None) -> bool:
    """True if the store records this samestory's pair-scoring rules (else Store looks
    for the stored texts whose pairs they score differently: :mod:`samestory.store.scoring`)."""
    return recorded is not None and json.loads(recorded) == switches.pair_scoring_rules()


def _current_cleaning(recorded: str | None) -> bool:
    """True if the store records this samestory's cleaning rules (else Store looks for
    the stored texts they clean differently: :mod:`samestory.store.cleaning`)."""
    return recorded == switches.cleaning_rules()


def _current_routes(recorded: str | None) -> bool:
    """True if the store records this samestory's candidate routes (else Store records
    its held articles as the backlog on open: :func:`samestory.store.backlog.follow_routes`)."""
    return recorded is not None and frozenset(json.loads(recorded)) == backlog.ROUTES


def _current_threads(digest: str | None) -> bool:
    """True if the store's threads were made by this samestory's thread model (else
    Store re-threads it on open, or says it shows them as stored: read-only)."""
    from samestory.thread_digest import model_digest  # json and hashlib: light

    return digest == model_digest()


def _usable_config(text: str | None) -> bool:
    """True if ``text`` is a stored config Store would accept (as its ``_load_config``:
    unknown fields dropped, missing ones defaulted)."""
    from samestory.config import Config

    if text is None:
        return False
    try:
        stored = json.loads(text)
        known = {f.name for f in dataclasses.fields(Config)}
        Config(**{k: v for k, v in stored.items() if k in known})
    except (TypeError, ValueError, AttributeError):
        return False
    return True
