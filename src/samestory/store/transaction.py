"""The work of one store transaction: an add, or one chunk of an upgrade.

:class:`TransactionWork` holds what the transaction has done so far (the stories it created and
moved articles out of, copies found, each added article's closest relation) and the
steps every kind of work shares: reading stored features through a bounded cache,
writing scored pairs, articles and story rows, re-threading what changed, and the
:class:`AddReport` read back from the store at the end (also logged in ``changes``).
The re-clustering is :mod:`samestory.store.regroup`; an add's steps are
:mod:`samestory.store.adding`, an upgrade chunk's :mod:`samestory.store.upgrading`;
``samestory.store.core._Work`` is all of them.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from samestory import provenance
from samestory.candidates import CandidateIndex
from samestory.features import DocFeatures
from samestory.lru import LRUCache
from samestory.models import Derivation, Relation, RelationKind, SkippedRecord
from samestory.pipeline.assemble import earlier_first, story_id, story_title
from samestory.pipeline.featurise import Progress
from samestory.store.codec import encode_features, iso_date, parse_date, relation_row
from samestory.store.reading import chunks, closest_in_story, relations_from
from samestory.store.threads import update_threads, write_thread_scores

if TYPE_CHECKING:
    from samestory.models import Article
    from samestory.store.core import Store


# Features kept in memory while an add runs (chosen for memory: tens of KB each).
FEATURE_CACHE = 20_000


@dataclasses.dataclass(frozen=True, slots=True)
class AddReport:
    """What one :meth:`Store.add` did, as the store holds it once the add committed.

    - ``added``: ids of the articles stored, in input order (a revision by its
      stored id, see :func:`revision_id`);
    - ``unchanged``: input ids with nothing to store (the id holds that text already);
    - ``story_of``: every added id -> its story after all the add's re-clustering;
    - ``new_stories``: stories the add created (each exists);
    - ``revised``: stored id of a revision -> the id it is a revision of;
    - ``copy_of``: added id -> the stored article it copies (exact / near-duplicate);
    - ``closest``: added id -> its highest-scored same-story relation to a version of its
      story when it was added (``a`` the stored version, ``b`` the new one), if it had
      one; when a later re-grouping of the add moved either end out of its story, its
      strongest stored same-story relation to a version of its final story, if any;
    - ``merged``: story that no longer exists -> the stories now holding its articles;
    - ``split``: story that lost articles to other stories -> those stories;
    - ``warnings``: one line per thing worth a look (a text changed under its id);
    - ``skipped``: articles without visible text, left out as the batch pipeline leaves
      them out.
    """

    added: list[str]
    unchanged: list[str]
    story_of: dict[str, str]
    new_stories: list[str]
    revised: dict[str, str] = dataclasses.field(default_factory=dict)
    copy_of: dict[str, str] = dataclasses.field(default_factory=dict)
    closest: dict[str, Relation] = dataclasses.field(default_factory=dict)
    merged: dict[str, list[str]] = dataclasses.field(default_factory=dict)
    split: dict[str, list[str]] = dataclasses.field(default_factory=dict)
    warnings: list[str] = dataclasses.field(default_factory=list)
    skipped: list[SkippedRecord] = dataclasses.field(default_factory=list)

    @property
    def stories_touched(self) -> list[str]:
        """Stories that gained an article, each once, in first-touched order."""
        return list(dict.fromkeys(self.story_of.values()))

    def to_dict(self) -> dict[str, Any]:
        return {
            "added": self.added,
            "unchanged": self.unchanged,
            "stories": self.story_of,
            "new_stories": self.new_stories,
            "revised": self.revised,
            "copy_of": self.copy_of,
            "closest": {k: r.to_dict() for k, r in self.closest.items()},
            "merged": self.merged,
            "split": self.split,
            "warnings": self.warnings,
            "skipped": [s.to_dict() for s in self.skipped],
        }


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


class TransactionWork:
    """What one store transaction (an add, an upgrade chunk) has done so far, and the
    steps every kind of work shares. Made inside the transaction; not kept after it."""

    def __init__(self, store: Store, index: CandidateIndex, progress: Progress | None) -> None:
        self.store = store
        self.conn = store._conn
        self.config = store.config
        self.index = index
        self.progress = progress
        # Features of recently used articles (bounded: a large batch must not keep them all).
        self.cache: LRUCache[str, DocFeatures] = LRUCache(FEATURE_CACHE)
        self.now = _now()
        # What the report says beyond each article's story: stories this add created,
        # the story each article stored before the add was in when the add first moved
        # it, copies found, and the closest relation of each added article.
        self.created: list[str] = []
        self.moved_from: dict[str, str] = {}
        self.copy_of: dict[str, str] = {}
        self.closest: dict[str, Relation] = {}
        self.adding: set[str] = set()
        self.skipped: list[SkippedRecord] = []
        # Stories whose candidate pairs the add changed (their thread scores too), and
        # stories holding a roundup a re-clustering cut, or no longer cut.
        self.pairs_changed_in: set[str] = set()
        self.cut_changed_in: set[str] = set()

    def _report(self, stage: str, done: int, total: int) -> None:
        if self.progress is not None:
            self.progress(stage, done, total)

    def _neighbour_features(self, ids: Sequence[str]) -> list[DocFeatures]:
        found = {i: f for i in ids if (f := self.cache.get(i)) is not None}
        found.update((f.id, f) for f in self.store.features([i for i in ids if i not in found]))
        out = [found[i] for i in ids]
        for f in out:
            self._remember(f)
        return out

    def _remember(self, f: DocFeatures) -> None:
        self.cache.put(f.id, f)

    def _story_of_article(self, article_id: str) -> str:
        row = self.conn.execute("SELECT story_id FROM articles WHERE id=?", (article_id,))
        return row.fetchone()[0]

    def _stories_of(self, scores: dict[str, float]) -> tuple[dict[str, str], dict[str, int]]:
        story_of: dict[str, str] = {}
        sizes: dict[str, int] = {}
        for article_id in scores:
            row = self.conn.execute(
                "SELECT a.story_id, s.size FROM articles a JOIN stories s ON s.id = a.story_id "
                "WHERE a.id=?",
                (article_id,),
            ).fetchone()
            story_of[article_id] = row[0]
            sizes[row[0]] = row[1]
        return story_of, sizes

    def _story_exists(self, story: str) -> bool:
        return bool(self.conn.execute("SELECT 1 FROM stories WHERE id=?", (story,)).fetchone())

    def _scored(self, a: str, b: str) -> bool:
        return any(
            self.conn.execute(
                f"SELECT 1 FROM {table} WHERE (a=? AND b=?) OR (a=? AND b=?)", (a, b, b, a)
            ).fetchone()
            for table in ("relations", "weak_scores")
        )

    def _stored_pairs(self, ids: Sequence[str]) -> list[tuple[str, str]]:
        """Every scored pair stored with an end in ``ids`` (relations, weak scores and
        thread scores: a copy relation keeps no weak score), as stored (``a`` first)."""
        out: set[tuple[str, str]] = set()
        for chunk in chunks(ids):
            marks = ",".join("?" * len(chunk))
            for table in ("relations", "weak_scores", "thread_scores"):
                for column in ("a", "b"):
                    out.update(
                        (a, b)
                        for a, b in self.conn.execute(
                            f"SELECT a, b FROM {table} WHERE {column} IN ({marks})", chunk
                        )
                    )
        return sorted(out)

    def _fresh_story_id(self, article_id: str) -> str:
        """``story_id(article_id)``, suffixed if a story of that id exists already."""
        candidate, n = story_id(article_id), 1
        while self.conn.execute("SELECT 1 FROM stories WHERE id=?", (candidate,)).fetchone():
            n += 1
            candidate = story_id(f"{article_id}#{n}")
        return candidate

    def _write_relations(
        self, relations: Sequence[Relation], features: Mapping[str, DocFeatures]
    ) -> None:
        """Relations that have a kind; of the others, just the score (weak scores).

        Every score is kept, low ones too: average link sums them, so a re-clustering
        without them would see weaker links than the clustering that made the story.
        """
        self.conn.executemany(
            "INSERT OR REPLACE INTO relations VALUES (?, ?, ?, ?, ?, ?)",
            [relation_row(r, features) for r in relations if r.kind is not None],
        )
        self.conn.executemany(
            "INSERT OR REPLACE INTO weak_scores VALUES (?, ?, ?)",
            [(r.a, r.b, float(r.score)) for r in relations if r.kind is None and r.score > 0],
        )
        write_thread_scores(self.conn, relations, features)

    def _insert_article(
        self, article: Article, f: DocFeatures, story: str, copy_of: str | None = None
    ) -> None:
        self.conn.execute(
            "INSERT INTO articles VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                article.id,
                f.fingerprint,
                article.title,
                article.text,
                iso_date(article.date),
                article.source,
                article.url,
                article.lang,
                article.origin,
                self.now,
                story,
                copy_of,
            ),
        )
        self.conn.execute(
            "INSERT INTO features VALUES (?, ?, ?, ?, ?, ?, ?)",
            (f.id, *encode_features(f), iso_date(f.date), f.n_words),
        )

    def _refresh_story(self, story: str, added: DocFeatures | None = None) -> None:
        """Recompute size, first version, title and update time of ``story``.

        When ``added`` just joined a story of more than ``Config.regroup_limit`` versions, the
        first version is updated incrementally (``added`` takes over only if it is dated
        earlier): recomputing provenance over every relation of a story that large on
        each add would make filling a store quadratic in story size.
        """
        size = self.conn.execute(
            "SELECT count(*) FROM articles WHERE story_id=?", (story,)
        ).fetchone()[0]
        if added is not None and size > self.config.regroup_limit:
            first = self.conn.execute("SELECT first FROM stories WHERE id=?", (story,)).fetchone()[
                0
            ]
            first = earlier_first(self._neighbour_features([first])[0], added)
            self.conn.execute(
                "UPDATE stories SET size=?, first=?, title=?, updated_at=? WHERE id=?",
                (size, first, story_title(self._neighbour_features([first])[0]), self.now, story),
            )
            return
        # The derivation edges come oriented from the relations' stored sources, and the
        # dates and lengths from a covering index: no evidence or feature is decoded.
        rows = self.conn.execute(
            "SELECT f.id, f.date, f.n_words FROM articles a INDEXED BY articles_story "
            "CROSS JOIN features f INDEXED BY features_provenance ON f.id = a.id "
            "WHERE a.story_id=?",
            (story,),
        ).fetchall()
        dates = {r[0]: parse_date(r[1]) for r in rows}
        lengths = {r[0]: r[2] for r in rows}
        edges = [
            Derivation(source, b if source == a else a, RelationKind(kind), "stored")
            for a, b, kind, source in relations_from(
                self.conn, (r[0] for r in rows), "kind, source", "source IS NOT NULL"
            )
            if b in dates
        ]
        first = provenance.first_version(list(dates), dates, lengths, edges)
        title = story_title(self._neighbour_features([first])[0])
        self.conn.execute(
            "UPDATE stories SET size=?, first=?, title=?, updated_at=? WHERE id=?",
            (len(rows), first, title, self.now, story),
        )

    def _update_threads(self, assigned: Sequence[str]) -> None:
        """Re-thread around every story this add's assignments touched (see
        :func:`samestory.store.threads.update_threads`). A bulk load sets threads itself."""
        if not assigned:
            return
        touched = {
            *self.created,
            *self.moved_from.values(),
            *self.pairs_changed_in,
            *self.cut_changed_in,
            *(self._story_of_article(a) for a in [*assigned, *self.moved_from]),
        }
        update_threads(self.conn, touched)

    def _closest_in(self, story_of: Mapping[str, str]) -> dict[str, Relation]:
        """Each added article's closest version in its final story (``story_of``): the one
        taken when it was added while its other end is still in the article's story; else
        (a later re-grouping of the add moved either end, or the article had none) its
        strongest stored same-story relation to a version of that story
        (:func:`~samestory.store.reading.closest_in_story`), if any."""
        out: dict[str, Relation] = {}
        for article_id, story in story_of.items():
            given = self.closest.get(article_id)
            if given is not None:
                other = given.a if given.b == article_id else given.b
                if self._story_of_article(other) == story:
                    out[article_id] = given
                    continue
            found = closest_in_story(self.conn, article_id, story)
            if found is not None:
                out[article_id] = found
        return out

    def _final_report(
        self, added: list[str], unchanged: list[str], revised: dict[str, str]
    ) -> AddReport:
        """The report, read back from the store once every re-clustering is done: each
        article's final story, the stories created, merged and split; logged in
        ``changes`` and ``revisions``."""
        story_of = {a: self._story_of_article(a) for a in added}
        exists = {
            s
            for s in {*self.created, *self.moved_from.values()}
            if self.conn.execute("SELECT 1 FROM stories WHERE id=?", (s,)).fetchone()
        }
        now_in: dict[str, Counter[str]] = {}
        moved = []
        for article_id, before in self.moved_from.items():
            after = self._story_of_article(article_id)
            if after != before:
                now_in.setdefault(before, Counter())[after] += 1
                moved.append((article_id, after))
        merged: dict[str, list[str]] = {}
        split: dict[str, list[str]] = {}
        for before, counts in sorted(now_in.items()):
            targets = [s for s, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]
            (split if before in exists else merged)[before] = targets
        self.conn.executemany(
            "INSERT INTO changes (at, kind, article_id, story_id) VALUES (?, ?, ?, ?)",
            [
                *((self.now, "added", a, s) for a, s in story_of.items()),
                *((self.now, "moved", a, s) for a, s in moved),
                *((self.now, "removed", None, s) for s in merged),
            ],
        )
        self.conn.executemany(
            "INSERT INTO revisions VALUES (?, ?, ?, ?)",
            [
                (original, int(stored.rsplit("~rev", 1)[1]), stored, self.now)
                for stored, original in revised.items()
            ],
        )
        warnings = [
            f"{original}: a different text under a stored id; kept both, the new text as {stored}"
            for stored, original in revised.items()
        ]
        return AddReport(
            added=added,
            unchanged=unchanged,
            story_of=story_of,
            new_stories=[s for s in dict.fromkeys(self.created) if s in exists],
            revised=revised,
            copy_of=self.copy_of,
            closest=self._closest_in(story_of),
            merged=merged,
            split=split,
            warnings=warnings,
            skipped=self.skipped,
        )
