"""One story of a store, read without loading the engine: ``samestory show``.

What :meth:`Store.story`, :meth:`Store.article` and :meth:`Store.thread` return, read with
``sqlite3`` and the light modules (:mod:`samestory.models`, :mod:`samestory.provenance`,
:mod:`samestory.pipeline.story_of`): no NumPy, encoders or MinHash. ``Store`` reads
through these functions too, so both give the same objects; the CLI's fast path
(:mod:`samestory.cli.launch`) calls them on a store
:func:`samestory.store.listing.open_current` finds current (0.26 s of start-up before,
most of it importing what ``Store`` needs to write).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from samestory.ids import thread_id
from samestory.models import Article, Evidence, Relation, RelationKind, Story
from samestory.pipeline.story_of import StoryMember, make_story
from samestory.store.listing import SUMMARY_COLUMNS, StorySummary
from samestory.store.roundups import roundups_of

# Host parameters per query, under SQLite's limit.
SQL_CHUNK = 500
# The columns of an article's row that make the Article (:func:`row_article`).
ARTICLE_COLUMNS = "id, text, title, date, source, url, lang, origin"


def parse_date(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


def chunks(ids: Sequence[str]) -> Iterator[list[str]]:
    """``ids`` in runs of :data:`SQL_CHUNK`."""
    for start in range(0, len(ids), SQL_CHUNK):
        yield list(ids[start : start + SQL_CHUNK])


def marks(n: int) -> str:
    return ",".join("?" * n)


def relation_of(a: str, b: str, kind: str, score: float, evidence_json: str) -> Relation:
    return Relation(
        a=a,
        b=b,
        kind=RelationKind(kind),
        score=score,
        evidence=Evidence.from_dict(json.loads(evidence_json)),
    )


def closest_in_story(conn: sqlite3.Connection, article_id: str, story: str) -> Relation | None:
    """The highest-scored same-story relation of ``article_id`` to another version of
    ``story`` (either end; ties by ``a``, ``b``), or None."""
    rows = conn.execute(
        "SELECT r.a, r.b, r.kind, r.score, r.evidence_json FROM relations r "
        "JOIN articles x ON x.id = (CASE WHEN r.a = ?1 THEN r.b ELSE r.a END) "
        "WHERE (r.a = ?1 OR r.b = ?1) AND x.story_id = ?2 AND r.kind != 'follow_up' "
        "ORDER BY r.score DESC, r.a, r.b LIMIT 1",
        (article_id, story),
    ).fetchall()
    return relation_of(*rows[0]) if rows else None


def relations_from(
    conn: sqlite3.Connection,
    ids: Iterable[str],
    columns: str,
    where: str = "1",
    table: str = "relations",
) -> list[tuple[Any, ...]]:
    """``(a, b, *columns)`` of the rows of ``table`` whose ``a`` is one of ``ids``.

    Looked up by ``a`` alone (the primary key's prefix) and filtered by the caller:
    asking for ``a IN (...) AND b IN (...)``, or joining both ends to a story's
    articles, makes SQLite probe every (a, b) combination, quadratic in story size.
    """
    index = "INDEXED BY relations_source" if table == "relations" else ""
    out: list[tuple[Any, ...]] = []
    for chunk in chunks(list(ids)):
        out += map(
            tuple,
            conn.execute(
                f"SELECT a, b, {columns} FROM {table} {index} "
                f"WHERE a IN ({marks(len(chunk))}) AND {where}",
                chunk,
            ),
        )
    return out


def row_article(row: Sequence[Any]) -> Article:
    """The article of a row starting with :data:`ARTICLE_COLUMNS`."""
    return Article(
        id=row[0],
        text=row[1],
        title=row[2],
        date=parse_date(row[3]),
        source=row[4],
        url=row[5],
        lang=row[6],
        origin=row[7],
    )


def article(conn: sqlite3.Connection, article_id: str) -> Article:
    """A stored article; KeyError if missing."""
    row = conn.execute(
        f"SELECT {ARTICLE_COLUMNS} FROM articles WHERE id=?", (article_id,)
    ).fetchone()
    if row is None:
        raise KeyError(article_id)
    return row_article(row)


def story_of_article(conn: sqlite3.Connection, article_id: str) -> str:
    return str(
        conn.execute("SELECT story_id FROM articles WHERE id=?", (article_id,)).fetchone()[0]
    )


def first_dates(conn: sqlite3.Connection, stories: Sequence[str]) -> dict[str, str | None]:
    """story -> ISO date of its first version (None if undated)."""
    out: dict[str, str | None] = {}
    for chunk in chunks(stories):
        for story, date in conn.execute(
            "SELECT s.id, f.date FROM stories s LEFT JOIN features f ON f.id = s.first "
            f"WHERE s.id IN ({marks(len(chunk))})",
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
    firsts = first_dates(conn, stories)
    return sorted(stories, key=lambda s: (firsts[s] is None, firsts[s] or "", s))


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
    for chunk in chunks(ids):
        for column, other in (("a", 1), ("b", 0)):
            for row in conn.execute(
                "SELECT a, b, kind, score, evidence_json FROM relations "
                f"WHERE {column} IN ({marks(len(chunk))}) AND kind = 'follow_up'",
                chunk,
            ):
                if story_of_article(conn, row[other]) in mates:
                    rows.add((row[0], row[1], row[2], float(row[3]), row[4]))
    return sorted(rows)


def summary(conn: sqlite3.Connection, row: Sequence[Any]) -> StorySummary:
    """A listed story (a row of ``SELECT {SUMMARY_COLUMNS}``) with its languages and date
    range, read from an index."""
    story_id, title, size, first, updated, created, thread = row
    languages, first_date, last_date = conn.execute(
        "SELECT group_concat(DISTINCT lang), min(date), max(date) FROM articles "
        "INDEXED BY articles_summary WHERE story_id=?",
        (story_id,),
    ).fetchone()
    return StorySummary(
        story_id,
        title,
        size,
        first,
        updated,
        tuple(sorted(languages.split(","))) if languages else (),
        first_date,
        last_date,
        created,
        thread or thread_id(story_id),
    )


def thread(conn: sqlite3.Connection, thread_id_: str) -> list[StorySummary]:
    """The stories of a thread, earliest first version first; KeyError if none."""
    ids = thread_stories(conn, thread_id_)
    if not ids:
        raise KeyError(thread_id_)
    return [
        summary(conn, conn.execute(f"SELECT {SUMMARY_COLUMNS} WHERE id=?", (i,)).fetchone())
        for i in ids
    ]


@dataclasses.dataclass(frozen=True)
class _Member:
    """The fields of a stored article's features a story is built from (its
    ``doc_json``'s scalars: :func:`samestory.store.codec.scalar_doc`)."""

    id: str
    date: dt.date | None
    n_words: int
    title: str | None
    sentences: list[str]


def members(conn: sqlite3.Connection, ids: Sequence[str]) -> list[StoryMember]:
    """What :func:`make_story` reads of each of ``ids``'s stored features, in order."""
    docs: dict[str, dict[str, Any]] = {}
    for chunk in chunks(ids):
        for article_id, doc_json in conn.execute(
            f"SELECT id, doc_json FROM features WHERE id IN ({marks(len(chunk))})", chunk
        ):
            docs[article_id] = json.loads(doc_json)
    return [
        _Member(i, parse_date(d["date"]), d["n_words"], d["title"], list(d["sentences"]))
        for i in ids
        for d in (docs[i],)
    ]


def story(conn: sqlite3.Connection, story_id: str) -> Story:
    """The full story, relations oriented and derivations recomputed; KeyError if missing."""
    if conn.execute("SELECT 1 FROM stories WHERE id=?", (story_id,)).fetchone() is None:
        raise KeyError(story_id)
    ids = [
        r[0]
        for r in conn.execute("SELECT id FROM articles WHERE story_id=? ORDER BY id", (story_id,))
    ]
    inside = set(ids)
    relations = [
        relation_of(*row)
        for row in sorted(relations_from(conn, ids, "kind, score, evidence_json"))
        if row[1] in inside
    ]
    built = make_story(members(conn, ids), relations)
    thread_ = thread_of(conn, story_id)
    follow_ups = tuple(relation_of(*row) for row in follow_up_rows(conn, story_id, thread_))
    return dataclasses.replace(
        built, id=story_id, thread=thread_, follow_ups=follow_ups, roundups=roundups_of(conn, ids)
    )


def shown(
    conn: sqlite3.Connection, story_id: str
) -> tuple[Story, dict[str, Article], list[StorySummary]]:
    """What ``samestory show`` prints: the story, its versions, and the stories of its
    thread (none when it has no thread recorded); KeyError if there is no such story."""
    found = story(conn, story_id)
    versions = {a: article(conn, a) for a in found.articles}
    try:
        mates = thread(conn, found.thread) if found.thread else []
    except KeyError:
        mates = []
    return found, versions, mates
