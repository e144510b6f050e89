"""Every read the server makes of the store, in one place.

Readers never write: each worker thread keeps its own read-only use of a
:class:`~samestory.store.Store` (SQLite connections are per thread; in WAL mode readers
never wait for the writer). Story listing, search and the change counter are plain SQL
over the store's tables until the store offers them as methods; keeping them here makes
that switch a change to this module only.
"""

from __future__ import annotations

import contextlib
import dataclasses
import sqlite3
import threading
from pathlib import Path
from typing import Any

from samestory.models import Article, Relation, RelationKind, Story
from samestory.store import Store, text_fingerprint

LANG_SAMPLE = 200
# Labels of relation kinds as a reader of the web page understands them.
KIND_LABELS = {
    "exact": "exact copy",
    "near_duplicate": "near-duplicate",
    "rewrite": "rewrite",
    "translation": "translation",
    "same_event": "independent report",
}


@dataclasses.dataclass(frozen=True, slots=True)
class StoryRow:
    """One story of a listing page."""

    id: str
    title: str | None
    size: int
    first: str
    updated: str
    langs: list[str]
    first_date: str | None
    last_date: str | None

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


@dataclasses.dataclass(frozen=True, slots=True)
class StoryPage:
    total: int
    stories: list[StoryRow]


def display_kind(kind: str | None, lang_a: str | None, lang_b: str | None) -> str | None:
    """The kind shown to people: a rewrite across languages is a translation."""
    if kind == RelationKind.REWRITE.value and lang_a and lang_b and lang_a != lang_b:
        return "translation"
    return kind


def _like(term: str) -> str:
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


class Reader:
    """Read access to one store file, safe to call from any thread."""

    def __init__(self, db_path: str | Path) -> None:
        self.db_path = Path(db_path)
        self._local = threading.local()
        self._lock = threading.Lock()
        self._opened: list[Store] = []

    def store(self) -> Store:
        """This thread's store handle (opened on first use)."""
        store = getattr(self._local, "store", None)
        if store is None:
            store = Store(self.db_path)
            self._local.store = store
            with self._lock:
                self._opened.append(store)
        return store

    @property
    def conn(self) -> sqlite3.Connection:
        return self.store()._conn

    def close(self) -> None:
        """Close the handles of every thread (call when the server stops)."""
        with self._lock:
            opened, self._opened = self._opened, []
        for store in opened:
            with contextlib.suppress(sqlite3.Error):
                store._conn.close()

    # -- counts and change counter

    def counts(self) -> tuple[int, int]:
        """(articles, stories) in the store."""
        row = self.conn.execute(
            "SELECT (SELECT count(*) FROM articles), (SELECT count(*) FROM stories)"
        ).fetchone()
        return int(row[0]), int(row[1])

    def change_version(self) -> int:
        """A number that grows whenever an article is stored (by any process)."""
        row = self.conn.execute("SELECT max(rowid) FROM articles").fetchone()
        return int(row[0] or 0)

    # -- stories

    def stories(
        self, q: str | None = None, since: str | None = None, limit: int = 20, offset: int = 0
    ) -> StoryPage:
        """Stories most recently updated first, optionally matching ``q`` (titles and
        texts) and updated at or after ``since`` (an ISO date or time)."""
        where, params = ["1"], []
        if q:
            where.append(
                "s.id IN (SELECT story_id FROM articles "
                "WHERE title LIKE ? ESCAPE '\\' OR text LIKE ? ESCAPE '\\')"
            )
            params += [_like(q), _like(q)]
        if since:
            where.append("s.updated_at >= ?")
            params.append(since)
        condition = " AND ".join(where)
        total = self.conn.execute(
            f"SELECT count(*) FROM stories s WHERE {condition}", params
        ).fetchone()[0]
        rows = self.conn.execute(
            f"SELECT s.id, s.title, s.size, s.first, s.updated_at FROM stories s "
            f"WHERE {condition} ORDER BY s.updated_at DESC, s.created_at DESC, s.id "
            f"LIMIT ? OFFSET ?",
            [*params, limit, offset],
        ).fetchall()
        return StoryPage(int(total), [self._story_row(r) for r in rows])

    def _story_row(self, row: sqlite3.Row) -> StoryRow:
        first_date, last_date = self.conn.execute(
            "SELECT min(date), max(date) FROM articles WHERE story_id=?", (row[0],)
        ).fetchone()
        # Stated language, else the one detected when featurised (from at most
        # LANG_SAMPLE versions: a huge story must not make the listing slow).
        langs = self.conn.execute(
            "SELECT group_concat(DISTINCT lang) FROM (SELECT coalesce(a.lang, "
            "json_extract(f.doc_json, '$.lang')) AS lang FROM articles a "
            "JOIN features f ON f.id = a.id WHERE a.story_id=? LIMIT ?)",
            (row[0], LANG_SAMPLE),
        ).fetchone()[0]
        return StoryRow(
            id=row[0],
            title=row[1],
            size=row[2],
            first=row[3],
            updated=row[4],
            langs=sorted(set(langs.split(","))) if langs else [],
            first_date=first_date,
            last_date=last_date,
        )

    def story(self, story_id: str) -> Story:
        """The full story; KeyError if missing."""
        return self.store().story(story_id)

    def story_detail(self, story_id: str) -> dict[str, Any]:
        """The story as the API gives it: versions in time order with their metadata,
        relations with evidence (and the kind shown to people), derivations, first."""
        story = self.story(story_id)
        versions = [self.article_meta(a) for a in story.articles]
        lang = {v["id"]: v["lang"] for v in versions}
        relations: list[dict[str, Any]] = []
        for r in story.relations:
            item = r.to_dict()
            item["display_kind"] = display_kind(item["kind"], lang.get(r.a), lang.get(r.b))
            relations.append(item)
        derivations: list[dict[str, Any]] = []
        for d in story.derivations:
            edge: dict[str, Any] = d.to_dict()
            edge["display_kind"] = display_kind(edge["kind"], lang.get(d.source), lang.get(d.copy))
            derivations.append(edge)
        return {
            "id": story.id,
            "title": story.title,
            "first": story.first,
            "size": len(story.articles),
            "versions": versions,
            "relations": relations,
            "derivations": derivations,
        }

    # -- articles

    def article(self, article_id: str) -> Article:
        """A stored article; KeyError if missing."""
        return self.store().article(article_id)

    def article_meta(self, article_id: str) -> dict[str, Any]:
        """id, title, source, url, date, lang and story of a stored article (``lang`` is
        the stated language, else the one detected when it was featurised)."""
        row = self.conn.execute(
            "SELECT a.id, a.title, a.source, a.url, a.date, "
            "coalesce(a.lang, json_extract(f.doc_json, '$.lang')), a.story_id "
            "FROM articles a LEFT JOIN features f ON f.id = a.id WHERE a.id=?",
            (article_id,),
        ).fetchone()
        if row is None:
            raise KeyError(article_id)
        keys = ("id", "title", "source", "url", "date", "lang", "story")
        return dict(zip(keys, row, strict=True))

    def article_detail(self, article_id: str) -> dict[str, Any]:
        """A stored article with its text and story."""
        article = self.article(article_id)
        out = article.to_dict()
        out["story"] = self.store().story_of(article_id)
        return out

    def closest(self, article_id: str) -> Relation | None:
        """The stored relation of ``article_id`` with the highest score, if any."""
        row = self.conn.execute(
            "SELECT a, b, kind, score, evidence_json FROM relations WHERE a=? "
            "UNION ALL SELECT a, b, kind, score, evidence_json FROM relations WHERE b=? "
            "ORDER BY score DESC LIMIT 1",
            (article_id, article_id),
        ).fetchone()
        if row is None:
            return None
        from samestory.store.core import _relation_of

        return _relation_of(*row)

    def stored_copy(self, article: Article) -> str | None:
        """The id under which ``article`` (or a text equal to it) is stored, if any."""
        row = self.conn.execute("SELECT id FROM articles WHERE id=?", (article.id,)).fetchone()
        if row is not None:
            return str(row[0])
        row = self.conn.execute(
            "SELECT id FROM articles WHERE fingerprint=? LIMIT 1", (text_fingerprint(article),)
        ).fetchone()
        return None if row is None else str(row[0])

    def added_result(self, article: Article, added: bool) -> dict[str, Any]:
        """What the API reports for one posted article: its story and its relation to
        the closest stored version."""
        stored_as = article.id if added else self.stored_copy(article)
        if stored_as is None:  # pragma: no cover - the writer stored or matched it
            return {"id": article.id, "status": "unknown", "story": None, "closest": None}
        story = self.store().story_of(stored_as)
        if not added and stored_as != article.id:
            closest: dict[str, Any] | None = {"id": stored_as, "kind": "exact", "score": 1.0}
        else:
            relation = self.closest(stored_as)
            closest = None
            if relation is not None:
                other = relation.b if relation.a == stored_as else relation.a
                closest = {
                    "id": other,
                    "kind": relation.kind.value if relation.kind else None,
                    "score": round(relation.score, 4),
                }
        return {
            "id": article.id,
            "status": "added" if added else "unchanged",
            "stored_as": stored_as,
            "story": story,
            "closest": closest,
        }
