"""Story threads in the store: kept up to date on every add, read with each story.

The batch pipeline ties stories of one incident into threads from the thread
probabilities of its scored pairs (:mod:`samestory.threads`). The store keeps those
probabilities (``thread_scores``: one row per scored pair, as ``weak_scores`` keeps the
story scores) and each story's thread (``story_threads``), and after each add
re-threads the neighbourhood the add touched, as ``_Batch._regroup`` re-clusters the
stories it touched:

- the stories that gained or lost an article;
- every story with a scored pair of thread probability ``>= THREAD_THRESHOLD / 2`` to
  one of them (below that no average can reach the lower attach level, ``threshold / 2``,
  since an average is at most its largest term);
- every story sharing a thread with one of those, so threads are re-made whole.

Average link over those stories' pairs (:func:`samestory.threads.thread_groups`, each
story one unit) gives the threads; a thread's id is :func:`samestory.threads.thread_id`
of its first story (earliest first version, then story id), as in the batch.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING

from samestory.models import Relation
from samestory.pipeline.assemble import thread_inputs
from samestory.store.codec import parse_date
from samestory.threads import (
    MODEL,
    THREAD_THRESHOLD,
    borrowed_gaps,
    thread_groups,
    thread_id,
    thread_probability,
    with_gap,
)

if TYPE_CHECKING:
    from samestory.features import DocFeatures

# Articles beyond which a neighbourhood is not re-threaded on add (new stories then
# get a thread of their own), as Config.regroup_limit bounds re-clustering.
THREAD_MEMBER_LIMIT = 10_000
_CHUNK = 500  # host parameters per query, under SQLite's limit


def write_thread_scores(
    conn: sqlite3.Connection, relations: Iterable[Relation], features: Mapping[str, DocFeatures]
) -> None:
    """Keep the thread probability of every scored pair (``evidence.scores['thread']``),
    its date gap and, when the gap is unknown, the thread model's inputs (``features``
    holds both ends' features), so threads can re-score it with its stories' gap."""
    conn.executemany(
        "INSERT OR REPLACE INTO thread_scores (a, b, score, gap, inputs) VALUES (?, ?, ?, ?, ?)",
        [
            (r.a, r.b, float(p), r.evidence.date_gap_days, _inputs_json(r, features))
            for r in relations
            if (p := r.evidence.scores.get("thread", 0.0)) > 0.0
        ],
    )


def _inputs_json(relation: Relation, features: Mapping[str, DocFeatures]) -> str | None:
    """An undated pair's thread inputs as JSON (exact floats); None for a dated pair and
    for a copy relation (no inputs: it keeps its thread probability, 1, whatever the
    gap its stories lend it, as the batch threads it)."""
    if relation.evidence.date_gap_days is not None:
        return None
    x = thread_inputs(features[relation.a], features[relation.b], relation)
    return None if x is None else json.dumps(x)


def set_threads(conn: sqlite3.Connection, thread_of: dict[str, str]) -> None:
    """Record ``story -> thread`` for the given stories."""
    conn.executemany(
        "INSERT OR REPLACE INTO story_threads VALUES (?, ?)", sorted(thread_of.items())
    )


def _chunks(ids: Sequence[str]) -> Iterable[Sequence[str]]:
    for start in range(0, len(ids), _CHUNK):
        yield ids[start : start + _CHUNK]


def _marks(n: int) -> str:
    return ",".join("?" * n)


def _articles_of(conn: sqlite3.Connection, stories: Sequence[str]) -> dict[str, str]:
    """article id -> story id, for the members of ``stories``."""
    out: dict[str, str] = {}
    for chunk in _chunks(stories):
        out.update(
            conn.execute(
                f"SELECT id, story_id FROM articles WHERE story_id IN ({_marks(len(chunk))})",
                chunk,
            ).fetchall()
        )
    return out


def _scores_touching(
    conn: sqlite3.Connection, ids: Sequence[str], floor: float = 0.0
) -> list[tuple[str, str, float]]:
    """Thread scores of pairs with an end in ``ids`` (both directions), at least ``floor``."""
    out: list[tuple[str, str, float]] = []
    for chunk in _chunks(ids):
        marks = _marks(len(chunk))
        for column in ("a", "b"):
            out += conn.execute(
                f"SELECT a, b, score FROM thread_scores WHERE {column} IN ({marks}) AND score >= ?",
                [*chunk, floor],
            ).fetchall()
    return out


def _threadmates(conn: sqlite3.Connection, stories: Sequence[str]) -> set[str]:
    """Stories sharing a thread with one of ``stories`` (those included)."""
    out = set(stories)
    for chunk in _chunks(stories):
        marks = _marks(len(chunk))
        out.update(
            r[0]
            for r in conn.execute(
                "SELECT story FROM story_threads WHERE thread IN (SELECT thread FROM "
                f"story_threads WHERE story IN ({marks}))",
                chunk,
            )
        )
    return out


def _existing(conn: sqlite3.Connection, stories: Iterable[str]) -> list[str]:
    return sorted(
        s for s in set(stories) if conn.execute("SELECT 1 FROM stories WHERE id=?", (s,)).fetchone()
    )


def update_threads(
    conn: sqlite3.Connection, touched: Iterable[str], threshold: float = THREAD_THRESHOLD
) -> None:
    """Re-thread the neighbourhood of the ``touched`` stories (see the module docstring).

    Stories of ``touched`` that no longer exist lose their row; a story too large a
    neighbourhood to re-thread keeps its thread (a new one gets a thread of its own).
    """
    touched = set(touched)
    gone = sorted(touched - set(_existing(conn, touched)))
    conn.executemany("DELETE FROM story_threads WHERE story=?", [(s,) for s in gone])
    alive = _existing(conn, touched)
    if not alive:
        return
    members = _articles_of(conn, alive)
    near = _scores_touching(conn, list(members), threshold / 2)
    linked = {s for a, b, _ in near for s in (_story(conn, a), _story(conn, b))}
    stories = sorted(_threadmates(conn, sorted({*alive, *linked})))
    members = _articles_of(conn, stories)
    if len(members) > THREAD_MEMBER_LIMIT:
        _thread_alone(conn, alive)
        return
    set_threads(conn, compute_threads(conn, members, threshold))


def _story(conn: sqlite3.Connection, article_id: str) -> str:
    return conn.execute("SELECT story_id FROM articles WHERE id=?", (article_id,)).fetchone()[0]


def _thread_alone(conn: sqlite3.Connection, stories: Sequence[str]) -> None:
    """A thread of its own for each of ``stories`` that has none yet."""
    conn.executemany(
        "INSERT OR IGNORE INTO story_threads VALUES (?, ?)", [(s, thread_id(s)) for s in stories]
    )


def compute_threads(
    conn: sqlite3.Connection, story_of: dict[str, str], threshold: float = THREAD_THRESHOLD
) -> dict[str, str]:
    """story -> thread id for the stories of ``story_of`` (article -> story), from the
    stored thread scores among those articles. Copies are left out: a story weighs as
    many articles as it has copy groups, as the batch threads its representatives."""
    articles = sorted(set(story_of) - _copies(conn, list(story_of)))
    position = {a: k for k, a in enumerate(articles)}
    stories = sorted(set(story_of.values()))
    unit = {s: k for k, s in enumerate(stories)}
    rows = [
        row
        for row in _rows_touching(conn, articles)
        if row[0] in position and row[1] in position and story_of[row[0]] != story_of[row[1]]
    ]
    pairs = [(position[a], position[b]) for a, b, *_ in rows]
    story_unit = [unit[story_of[a]] for a in articles]
    gaps = borrowed_gaps(pairs, [gap for *_, gap, _ in rows], story_unit)
    edges = [
        (i, j, _threaded_score(score, gap, inputs, borrowed))
        for (i, j), (_, _, score, gap, inputs), borrowed in zip(pairs, rows, gaps, strict=True)
    ]
    groups = thread_groups(len(articles), edges, story_unit, threshold)
    firsts = _first_dates(conn, stories)
    out: dict[str, str] = {}
    for group in groups:
        in_group = sorted({story_of[articles[k]] for k in group})
        lead = min(in_group, key=lambda s: (firsts[s] is None, firsts[s] or "", s))
        out.update(dict.fromkeys(in_group, thread_id(lead)))
    return out


def _threaded_score(
    score: float, gap: int | None, inputs: str | None, borrowed: int | None
) -> float:
    """A pair's thread probability as the batch threads it: an undated pair re-scored
    with its stories' gap (``borrowed``) when its inputs are stored. Inputs stored under
    a thread model reading other features (a store older than the shipped model) are
    not read: the pair keeps its stored score, as a pair stored without inputs does."""
    if gap is not None or borrowed is None or inputs is None:
        return score
    x = json.loads(inputs)
    if len(x) != len(MODEL.names):
        return score
    return thread_probability(with_gap(x, borrowed))


def _rows_touching(
    conn: sqlite3.Connection, ids: Sequence[str]
) -> list[tuple[str, str, float, int | None, str | None]]:
    """``(a, b, score, gap, inputs)`` of the thread scores with an end in ``ids``, each
    pair once."""
    out: dict[tuple[str, str], tuple[str, str, float, int | None, str | None]] = {}
    for chunk in _chunks(ids):
        marks = _marks(len(chunk))
        for column in ("a", "b"):
            for row in conn.execute(
                f"SELECT a, b, score, gap, inputs FROM thread_scores WHERE {column} IN ({marks})",
                chunk,
            ):
                out[(row[0], row[1])] = row
    return list(out.values())


def _copies(conn: sqlite3.Connection, ids: Sequence[str]) -> set[str]:
    """The articles of ``ids`` stored as copies of another."""
    out: set[str] = set()
    for chunk in _chunks(sorted(ids)):
        out.update(
            r[0]
            for r in conn.execute(
                f"SELECT id FROM articles WHERE id IN ({_marks(len(chunk))}) "
                "AND copy_of IS NOT NULL",
                chunk,
            )
        )
    return out


def _first_dates(conn: sqlite3.Connection, stories: Sequence[str]) -> dict[str, str | None]:
    """story -> ISO date of its first version (None if undated)."""
    out: dict[str, str | None] = {}
    for chunk in _chunks(stories):
        for story, date in conn.execute(
            "SELECT s.id, f.date FROM stories s LEFT JOIN features f ON f.id = s.first "
            f"WHERE s.id IN ({_marks(len(chunk))})",
            chunk,
        ):
            parsed = parse_date(date)
            out[story] = parsed.isoformat() if parsed else None
    return out


def thread_of(conn: sqlite3.Connection, story: str) -> str:
    """The thread of a stored story (a story not yet threaded is a thread of its own)."""
    row = conn.execute("SELECT thread FROM story_threads WHERE story=?", (story,)).fetchone()
    return row[0] if row else thread_id(story)


def thread_stories(conn: sqlite3.Connection, thread: str) -> list[str]:
    """Ids of the stories of ``thread``, earliest first version first."""
    stories = [
        r[0] for r in conn.execute("SELECT story FROM story_threads WHERE thread=?", (thread,))
    ]
    firsts = _first_dates(conn, stories)
    return sorted(stories, key=lambda s: (firsts[s] is None, firsts[s] or "", s))


def rethread_all(conn: sqlite3.Connection) -> None:
    """Thread every stored story from the stored thread scores (a migration's fill)."""
    story_of = dict(conn.execute("SELECT id, story_id FROM articles").fetchall())
    set_threads(conn, compute_threads(conn, story_of))
    stories = [r[0] for r in conn.execute("SELECT id FROM stories")]
    _thread_alone(conn, stories)


def follow_up_rows(
    conn: sqlite3.Connection, story: str, thread: str
) -> list[tuple[str, str, str, float, str]]:
    """``(a, b, kind, score, evidence_json)`` of the stored ``follow_up`` relations from
    the articles of ``story`` to those of the other stories of ``thread``."""
    mates = set(thread_stories(conn, thread)) - {story}
    if not mates:
        return []
    ids = [r[0] for r in conn.execute("SELECT id FROM articles WHERE story_id=?", (story,))]
    rows: set[tuple[str, str, str, float, str]] = set()
    for chunk in _chunks(ids):
        for column, other in (("a", 1), ("b", 0)):
            for row in conn.execute(
                "SELECT a, b, kind, score, evidence_json FROM relations "
                f"WHERE {column} IN ({_marks(len(chunk))}) AND kind = 'follow_up'",
                chunk,
            ):
                if _story(conn, row[other]) in mates:
                    rows.add((row[0], row[1], row[2], float(row[3]), row[4]))
    return sorted(rows)
