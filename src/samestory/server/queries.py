"""Every read the server makes of the store, in one place.

Readers never write: each worker thread keeps its own :class:`~samestory.store.Store`
handle for reading (SQLite connections are per thread; in WAL mode readers never wait
for the writer). Listing and full-text search (FTS5), the change counter and closest
versions are the store's own methods; what is here shapes them for the API and pages,
plus the two reads the store does not offer: detected languages and per-version
metadata in one query.
"""

from __future__ import annotations

import contextlib
import dataclasses
import sqlite3
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from samestory.lru import LRUCache
from samestory.models import Article, RelationKind, Story
from samestory.store import AddReport, Store, StorySummary

LANG_SAMPLE = 200
# Story details kept (see Reader.story_detail); a detail is ~10-100 KB of Python objects.
DETAIL_CACHE = 256
# Labels of relation kinds as a reader of the web page understands them.
KIND_LABELS = {
    "exact": "exact copy",
    "near_duplicate": "near-duplicate",
    "rewrite": "rewrite",
    "translation": "translation",
    "same_event": "independent report",
    "follow_up": "follow-up",
}


@dataclasses.dataclass(frozen=True, slots=True)
class StoryRow:
    """One story of a listing page."""

    id: str
    title: str | None
    size: int
    first: str
    updated: str
    languages: list[str]
    first_date: str | None
    last_date: str | None
    thread: str | None = None

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


def ranked_relations(relations: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Relations highest score first; equal scores keep the story's order (by ids), so a
    page of them (the API's ``relations_offset``) is the same page on every read."""
    return sorted(relations, key=lambda r: -r["score"])


def relations_page(detail: dict[str, Any], limit: int | None, offset: int = 0) -> dict[str, Any]:
    """``detail`` (a :meth:`Reader.story_detail`, not modified) with its ``relations``
    ranked strongest first and cut to ``[offset, offset + limit)`` (``limit`` None: to
    the end), and ``relations_total`` (how many the story has), ``relations_limit`` and
    ``relations_offset`` beside them."""
    ranked = ranked_relations(detail["relations"])
    end = None if limit is None else offset + limit
    return {
        **detail,
        "relations": ranked[offset:end],
        "relations_total": len(ranked),
        "relations_limit": limit,
        "relations_offset": offset,
    }


class Reader:
    """Read access to one store file, safe to call from any thread."""

    def __init__(self, db_path: str | Path) -> None:
        self.db_path = Path(db_path)
        self._local = threading.local()
        self._lock = threading.Lock()
        self._opened: list[Store] = []
        self._languages: LRUCache[tuple[str, str, int], list[str]] = LRUCache(10_000)
        self._details: LRUCache[tuple[str, int], dict[str, Any]] = LRUCache(DETAIL_CACHE)

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
        """A number that grows whenever an article is stored or moves (by any process)."""
        return self.store().last_change()

    # -- stories

    def stories(
        self, q: str | None = None, since: str | None = None, limit: int = 20, offset: int = 0
    ) -> StoryPage:
        """Stories most recently updated first, optionally matching ``q`` (every word in
        the title or text of one of its articles: FTS5) and updated at or after ``since``
        (an ISO date or time, UTC if no zone)."""
        store = self.store()
        total = store.count_stories(q, since)
        rows = store.search_stories(q, since, limit, offset)
        return StoryPage(total, [self._story_row(r) for r in rows])

    def _story_row(self, summary: StorySummary) -> StoryRow:
        return StoryRow(
            id=summary.id,
            title=summary.title,
            size=summary.size,
            first=summary.first,
            updated=summary.updated,
            languages=list(summary.languages) or self._detected_languages(summary),
            first_date=summary.first_date,
            last_date=summary.last_date,
            thread=summary.thread,
        )

    def _detected_languages(self, summary: StorySummary) -> list[str]:
        """Languages detected when the articles were featurised, for stories whose
        articles state none (from at most LANG_SAMPLE versions, cached per state of the
        story: a large story must not make every listing slow)."""
        key = (summary.id, summary.updated, summary.size)
        with self._lock:
            known = self._languages.get(key)
        if known is not None:
            return known
        found = self.conn.execute(
            "SELECT group_concat(DISTINCT lang) FROM (SELECT json_extract(f.doc_json, "
            "'$.lang') AS lang FROM articles a JOIN features f ON f.id = a.id "
            "WHERE a.story_id=? LIMIT ?)",
            (summary.id, LANG_SAMPLE),
        ).fetchone()[0]
        languages = sorted(set(found.split(","))) if found else []
        with self._lock:
            self._languages.put(key, languages)
        return languages

    def story(self, story_id: str) -> Story:
        """The full story; KeyError if missing."""
        return self.store().story(story_id)

    def story_detail(self, story_id: str) -> dict[str, Any]:
        """The story as the API gives it: versions in time order with their metadata,
        relations with evidence (and the kind shown to people), derivations, first.

        Kept in a small cache keyed by the store's change counter: building a story
        decodes every member's features, and readers ask for the same hot stories again
        and again between two writes. Any write makes every entry stale. The caller
        must not modify the returned dict.
        """
        key = (story_id, self.change_version())
        with self._lock:
            cached = self._details.get(key)
        if cached is not None:
            return cached
        detail = self._story_detail(story_id)
        with self._lock:
            self._details.put(key, detail)
        return detail

    def _story_detail(self, story_id: str) -> dict[str, Any]:
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
            "thread": story.thread,
            "thread_stories": self._thread_rows(story.thread),
            "follow_ups": [r.to_dict() for r in story.follow_ups],
        }

    def stored_pair(self, a: str, b: str) -> tuple[str | None, dict[str, Any] | None]:
        """What the store says of two stored versions: the story they are both in (None
        when they are not in one) and the relation it holds between them (a same-story
        kind, or a follow-up across the thread's stories; None when it holds none: a
        version grouped through the story's others). Scored among the corpus, with its
        encoder; the compare page's own judgement of the pair can differ."""
        story_a, story_b = self.store().story_of(a), self.store().story_of(b)
        detail = self.story_detail(story_a)
        pair = {a, b}
        relation = next(
            (r for r in [*detail["relations"], *detail["follow_ups"]] if {r["a"], r["b"]} == pair),
            None,
        )
        return (story_a if story_a == story_b else None), relation

    def follow_sources(self) -> list[dict[str, Any]]:
        """The followed sources' state, for the page's line under ``serve --follow``: id,
        last success, last error (and when), failures in a row. One small read, not the
        writer's queue (``/api/follow/sources`` also counts items, through the writer)."""
        keys = ("id", "last_success", "last_error", "last_error_at", "failures")
        rows = self.conn.execute(
            "SELECT id, last_success, last_error, last_error_at, failures FROM follow_sources "
            "ORDER BY id"
        ).fetchall()
        return [dict(zip(keys, row, strict=True)) for row in rows]

    def successor(self, story_id: str) -> str | None:
        """Where the versions of a story that is gone (a later add merged it into another)
        are now: the story holding most of the articles the change log ever placed in
        ``story_id`` (ties: the smaller id); None when the log never named it. A page
        following a story live must not stop at a 404 when the story it shows is merged."""
        row = self.conn.execute(
            "SELECT a.story_id FROM articles a WHERE a.id IN (SELECT article_id FROM changes "
            "WHERE story_id=? AND article_id IS NOT NULL) AND a.story_id != ? "
            "GROUP BY a.story_id ORDER BY count(*) DESC, a.story_id LIMIT 1",
            (story_id, story_id),
        ).fetchone()
        return None if row is None else str(row[0])

    def _thread_rows(self, thread: str | None) -> list[dict[str, Any]]:
        """The stories of ``thread`` as listed, earliest first (none if not threaded)."""
        try:
            return self.thread(thread) if thread else []
        except KeyError:
            return []

    def thread(self, thread: str) -> list[dict[str, Any]]:
        """The stories of a thread, earliest first version first; KeyError if none."""
        return [self._story_row(s).to_dict() for s in self.store().thread(thread)]

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

    def first_sentences(self, article_ids: Sequence[str]) -> dict[str, str]:
        """Each stored article's first sentence, as featurised (what a story without a
        title is titled by); articles without one are left out."""
        found: dict[str, str] = {}
        for start in range(0, len(article_ids), 900):  # under SQLite's variable limit
            chunk = tuple(article_ids[start : start + 900])
            rows = self.conn.execute(
                "SELECT id, json_extract(doc_json, '$.sentences[0]') FROM features "
                f"WHERE id IN ({','.join('?' * len(chunk))})",
                chunk,
            )
            found.update((article_id, sentence) for article_id, sentence in rows if sentence)
        return found

    def article_detail(self, article_id: str) -> dict[str, Any]:
        """A stored article with its text, story, the article it copies (if any) and
        the stored ids of every text given under its id (revisions)."""
        store = self.store()
        out = self.article(article_id).to_dict()
        out["story"] = store.story_of(article_id)
        out["copy_of"] = store.copy_of(article_id)
        out["revisions"] = store.revisions(article_id)
        return out

    def added_results(self, articles: list[Article], report: AddReport) -> list[dict[str, Any]]:
        """What the API reports for each posted article, from the add's report (which is
        what the store holds): its story and its relation to the closest version."""
        stored_as: dict[str, str | None] = {}
        added = iter(report.added)
        # report.added lists stored ids in input order; a revision is stored as ID~revN.
        unchanged = set(report.unchanged)
        for article in articles:
            stored_as[article.id] = article.id if article.id in unchanged else next(added, None)
        out: list[dict[str, Any]] = []
        for article in articles:
            stored = stored_as[article.id]
            if stored is None:  # pragma: no cover - every posted article is in the report
                continue
            status = "unchanged" if article.id in unchanged else "added"
            if stored in report.revised:
                status = "revised"
            story = report.story_of.get(stored) or self.store().story_of(stored)
            relation = report.closest.get(stored) if status != "unchanged" else None
            if status == "unchanged":
                relation = self.store().closest(stored)
            closest = None
            if relation is not None:
                closest = {
                    "id": relation.b if relation.a == stored else relation.a,
                    "kind": relation.kind.value if relation.kind else None,
                    "score": round(relation.score, 4),
                }
            out.append(
                {
                    "id": article.id,
                    "status": status,
                    "stored_as": stored,
                    "story": story,
                    "copy_of": report.copy_of.get(stored),
                    "closest": closest,
                }
            )
        return out
