"""A persistent story store in one SQLite file, with incremental assignment.

New articles are featurised, proposed candidate neighbours by a :class:`CandidateIndex`
built from the stored features, scored against them with :func:`relate` and assigned
with the incremental rule of :func:`samestory.stories.best_story`: join the story with
the highest average score to its members if it reaches ``same_story_threshold``
(``attach_threshold`` for a story of three or more), else start a new one. Then only the
stories the new article touched are re-clustered (average link over their stored
relations, see ``Store._regroup``), so the result depends little on arrival order.
No features or stored relations are ever recomputed.

A repost (a near-duplicate of a stored article, found from the MinHash sketches of its
candidates) is scored against that one copy only and joins its story, recorded in
``articles.copy_of``; re-clustering then treats each copy group as one item, as the
batch pipeline clusters one representative per copy group, and every scored pair's
score is kept (``weak_scores``), so re-clustering a stored story from the store gives it
back unchanged.

Opening is cheap at any size: the MinHash-LSH buckets are rows of the ``lsh`` table
(nothing to rebuild), and the HNSW graph of the document vectors is saved beside the
database as ``<store>.usearch`` when the store is closed, and reused (with its vectors)
when it was saved with the articles stored first; articles added after it was saved (a
process that stopped before closing the store) are added to it, and a graph that
matches nothing is rebuilt when first searched. (100,000 articles: 1 s to open,
against 12 s rebuilding the LSH and vectors and another ~40 s for the graph.)

Schema (``SCHEMA_VERSION`` = 2)::

    articles(id TEXT PK, fingerprint, title, text, date, source, url, lang, origin,
             added_at, story_id REFERENCES stories(id), copy_of)
        copy_of = the stored article this one was collapsed onto as a copy, or NULL
        INDEX articles(fingerprint), INDEX articles(story_id, id, copy_of)
    features(id TEXT PK REFERENCES articles(id), doc_json TEXT, sentence_vectors BLOB,
             vector BLOB, minhash BLOB, date, n_words)
        INDEX features(id, date, n_words)
    stories(id TEXT PK, title, first, size, created_at, updated_at)
    relations(a, b, kind, score, evidence_json, source, PRIMARY KEY(a, b))
        a = the article stored earlier, b = the later one; only same-story kinds;
        source = a or b, the source of a derivation (provenance.orient), else NULL
        INDEX relations(a, b, kind, source)
    weak_scores(a, b, score, PRIMARY KEY(a, b))
        the scores of every other scored pair (no kind, score > 0): the average link of
        a re-clustering needs them as the batch clustering had them
    lsh(band, bucket, id, PRIMARY KEY(band, bucket, id)) WITHOUT ROWID
        the MinHash-LSH buckets of every article with shingles (see store_index.StoredLSH)
    meta(key TEXT PK, value TEXT): schema_version, config (JSON of the Config used
        when the store was created), created_at

Features are stored as JSON + raw NumPy bytes, not pickle (:mod:`samestory.store_codec`).
``date`` and ``n_words`` are duplicated as columns so story summaries (first version,
size) are updated from SQL without decoding features. The LSH table and the copy test's
MinHash reads are in :mod:`samestory.store_index`.

Version 1 stores (no ``copy_of``, ``source``, ``lsh`` or covering indexes) are migrated
when opened (:mod:`samestory.store_schema`, each step in one transaction): ``copy_of``
is filled from their exact / near-duplicate relations, ``source`` by orienting each
derivation, ``lsh`` from the stored MinHashes. Their weak scores below
``attach_threshold`` were never kept, so their re-clustering stays a little coarser.

Every :meth:`Store.add` is one ``BEGIN IMMEDIATE … COMMIT`` transaction: an error
mid-batch rolls the whole batch back and the store is exactly as before. The file
uses WAL journaling and ``PRAGMA foreign_keys=ON``.

Story ids are :func:`samestory.api.story_id` of the article that created the story and
stay stable when a later, earlier-dated article becomes the story's first version.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
import sqlite3
import warnings
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any

import numpy as np

from samestory import normalize, provenance, store_schema
from samestory.api import Progress, analyze, featurize_all, make_story, story_id, story_title
from samestory.candidates import CandidateIndex, load_graph
from samestory.config import DEFAULT_CONFIG, Config
from samestory.embed import SentenceEncoder, encoder_for
from samestory.features import DocFeatures
from samestory.lru import LRUCache
from samestory.models import Article, Derivation, Evidence, Relation, RelationKind, Story
from samestory.relate import relate, single_threaded_blas
from samestory.store_codec import decode_features, encode_features, iso_date, parse_date
from samestory.store_index import CopySketches, StoredLSH
from samestory.store_schema import SCHEMA_VERSION, Transaction
from samestory.stories import average_link_over_copies, best_story

# Largest neighbourhood re-clustered after an add: copy groups, and articles in all.
REGROUP_LIMIT = 500
REGROUP_MEMBER_LIMIT = 20 * REGROUP_LIMIT
# Articles featurised at once by an add, and features kept in memory while it runs.
ADD_CHUNK = 1024
# An empty store given at least BULK_MIN new articles is filled by the batch pipeline
# (``api.analyze``: the stories ``samestory cluster`` gives, an order of magnitude faster
# than adding them one at a time), at most BULK_MAX of them, since it holds all their
# features at once.
BULK_MIN = 2_000
BULK_MAX = 200_000
FEATURE_CACHE = 20_000
# Config fields that change stored features: a store must be used with the same values.
FEATURE_FIELDS = ("encoder", "shingle_size", "max_sentences", "num_perm", "seed")
_COPY_KINDS = (RelationKind.EXACT, RelationKind.NEAR_DUPLICATE)


class StoreError(Exception):
    """The file is not a usable samestory store (wrong format, version or config)."""


@dataclasses.dataclass(frozen=True, slots=True)
class AddReport:
    """What one :meth:`Store.add` did."""

    added: list[str]
    unchanged: list[str]
    story_of: dict[str, str]
    new_stories: list[str]

    @property
    def stories_touched(self) -> list[str]:
        """Stories that gained an article, each once, in first-touched order."""
        return list(dict.fromkeys(self.story_of.values()))


@dataclasses.dataclass(frozen=True, slots=True)
class StorySummary:
    """One row of :meth:`Store.stories`."""

    id: str
    title: str | None
    size: int
    first: str
    updated: str

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def text_fingerprint(article: Article) -> str:
    """The fingerprint :func:`featurize` gives ``article``, without featurising it."""
    return normalize.fingerprint(normalize.clean_text(article.text))


def _relation_row(
    r: Relation, features: Mapping[str, DocFeatures]
) -> tuple[str, str, str, float, str, str | None]:
    """The row of a relation with a kind; ``features`` holds (at least) both ends."""
    assert r.kind is not None
    return (
        r.a,
        r.b,
        r.kind.value,
        float(r.score),
        json.dumps(r.evidence.to_dict(), ensure_ascii=False),
        _source_of(r, features),
    )


def _source_of(r: Relation, features: Mapping[str, DocFeatures]) -> str | None:
    """Which end of a derivation is the source (:func:`provenance.orient`), else None.

    Stored with the relation, so a story's first version is found in SQL (see
    ``_Batch._refresh_story``) without reading the evidence of every relation.
    """
    if r.kind is None or not r.kind.is_derivation:
        return None
    a, b = features[r.a], features[r.b]
    oriented, _ = provenance.orient(
        r, {a.id: a.date, b.id: b.date}, {a.id: a.n_words, b.id: b.n_words}
    )
    return oriented.a


def _relation_of(a: str, b: str, kind: str, score: float, evidence_json: str) -> Relation:
    return Relation(
        a=a,
        b=b,
        kind=RelationKind(kind),
        score=score,
        evidence=Evidence.from_dict(json.loads(evidence_json)),
    )


def _relations_from(
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
    ids = list(ids)
    for start in range(0, len(ids), 500):  # under SQLite's limit on host parameters
        chunk = ids[start : start + 500]
        out += map(
            tuple,
            conn.execute(
                f"SELECT a, b, {columns} FROM {table} {index} "
                f"WHERE a IN ({','.join('?' * len(chunk))}) AND {where}",
                chunk,
            ),
        )
    return out


# ------------------------------------------------------------------------------ store


class Store:
    """Stories persisted in a SQLite file; articles are added incrementally.

    ``config`` defaults to the config the store was created with (``DEFAULT_CONFIG``
    for a new store). A config whose feature settings (:data:`FEATURE_FIELDS`) differ
    from the stored one is refused, since stored MinHashes and sentences would not be
    comparable with new ones; thresholds may differ.
    """

    def __init__(
        self,
        path: str | Path = "samestory.db",
        config: Config | None = None,
        encoder: SentenceEncoder | None = None,
    ) -> None:
        self.path = Path(path)
        self._encoder = encoder
        self._index: CandidateIndex | None = None
        self._conn = self._connect()
        self._sketches = CopySketches(self._conn)
        try:
            self.config = self._open_schema(config)
        except BaseException:
            self._conn.close()
            raise

    # -- opening

    def _connect(self) -> sqlite3.Connection:
        try:
            conn = sqlite3.connect(self.path, isolation_level=None)  # explicit transactions
        except sqlite3.Error as exc:
            raise StoreError(f"cannot open store {self.path}: {exc}") from exc
        conn.row_factory = sqlite3.Row
        try:
            conn.execute("PRAGMA foreign_keys=ON")
            conn.execute("PRAGMA journal_mode=WAL")
        except sqlite3.DatabaseError as exc:
            conn.close()
            raise StoreError(f"{self.path} is not a samestory database: {exc}") from exc
        return conn

    def _open_schema(self, config: Config | None) -> Config:
        tables = {
            r[0] for r in self._conn.execute("SELECT name FROM sqlite_master WHERE type='table'")
        }
        if not tables:
            config = config or DEFAULT_CONFIG
            store_schema.create(self._conn, config, _now())
            return config
        if "meta" not in tables:
            raise StoreError(f"{self.path} is not a samestory database (no meta table)")
        meta = dict(self._conn.execute("SELECT key, value FROM meta").fetchall())
        version = meta.get("schema_version")
        if version is None:
            raise StoreError(f"{self.path} is not a samestory database (no schema version)")
        if version not in ("1", str(SCHEMA_VERSION)):
            raise StoreError(
                f"{self.path} has store schema version {version}; this samestory "
                f"reads versions 1 and {SCHEMA_VERSION}"
            )
        stored = Config(**json.loads(meta["config"]))
        if "weak_scores" not in tables:
            with self._transaction():
                self._conn.execute(store_schema.WEAK_SCORES)
        if version == "1":
            store_schema.migrate_from_v1(self._conn)
        if "lsh" not in tables:
            store_schema.build_lsh(self._conn, stored)
        if config is None:
            return stored
        changed = [k for k in FEATURE_FIELDS if getattr(config, k) != getattr(stored, k)]
        if changed:
            raise StoreError(
                f"{self.path} was built with different feature settings "
                f"({', '.join(changed)}); use the stored config"
            )
        return config

    # -- lifecycle

    def close(self) -> None:
        """Save the candidate index's graph if it changed, and close the database."""
        try:
            self._save_ann()
        except (OSError, sqlite3.Error) as exc:  # a cache: the next open rebuilds it
            warnings.warn(
                f"could not save the candidate graph of {self.path} ({exc}); "
                "it will be rebuilt when next needed",
                stacklevel=2,
            )
        finally:
            self._index = None
            self._conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __len__(self) -> int:
        return self._conn.execute("SELECT COUNT(*) FROM articles").fetchone()[0]

    def _transaction(self) -> Transaction:
        return Transaction(self._conn)

    # -- reading

    def stories(self) -> list[StorySummary]:
        """Every story, largest first (then oldest created, then id)."""
        rows = self._conn.execute(
            "SELECT id, title, size, first, updated_at FROM stories "
            "ORDER BY size DESC, created_at, id"
        )
        return [
            StorySummary(r["id"], r["title"], r["size"], r["first"], r["updated_at"]) for r in rows
        ]

    def story(self, story_id: str) -> Story:
        """The full story, relations oriented and derivations recomputed; KeyError if missing."""
        if self._conn.execute("SELECT 1 FROM stories WHERE id=?", (story_id,)).fetchone() is None:
            raise KeyError(story_id)
        ids = [
            r[0]
            for r in self._conn.execute(
                "SELECT id FROM articles WHERE story_id=? ORDER BY id", (story_id,)
            )
        ]
        members = set(ids)
        relations = [
            _relation_of(*row)
            for row in sorted(_relations_from(self._conn, ids, "kind, score, evidence_json"))
            if row[1] in members
        ]
        built = make_story(self.features(ids), relations)
        return dataclasses.replace(built, id=story_id)

    def article(self, article_id: str) -> Article:
        """A stored article; KeyError if missing."""
        row = self._conn.execute("SELECT * FROM articles WHERE id=?", (article_id,)).fetchone()
        if row is None:
            raise KeyError(article_id)
        return Article(
            id=row["id"],
            text=row["text"],
            title=row["title"],
            date=parse_date(row["date"]),
            source=row["source"],
            url=row["url"],
            lang=row["lang"],
            origin=row["origin"],
        )

    def story_of(self, article_id: str) -> str:
        """The id of the story ``article_id`` belongs to; KeyError if missing."""
        row = self._conn.execute(
            "SELECT story_id FROM articles WHERE id=?", (article_id,)
        ).fetchone()
        if row is None:
            raise KeyError(article_id)
        return row[0]

    def features(self, ids: Iterable[str]) -> list[DocFeatures]:
        """Stored features of ``ids``, in that order; KeyError for an unknown id."""
        out = []
        for article_id in ids:
            row = self._conn.execute(
                "SELECT doc_json, sentence_vectors, vector, minhash FROM features WHERE id=?",
                (article_id,),
            ).fetchone()
            if row is None:
                raise KeyError(article_id)
            out.append(decode_features(*row))
        return out

    # -- adding

    def _encoder_or_default(self) -> SentenceEncoder:
        if self._encoder is None:
            self._encoder = encoder_for(self.config.encoder)
        return self._encoder

    def _candidate_index(self) -> CandidateIndex:
        """The index over every stored article, built on first use.

        Ids and fingerprints come from SQL, the LSH stays in its table, and the HNSW
        graph saved beside the database (:attr:`ann_path`) is reused with its vectors
        when it was saved with the first stored articles (see :meth:`_saved_graph`):
        rebuilding it is most of opening a large store (about 40 s for 100,000
        articles), loading it a fraction of a second.
        """
        if self._index is None:
            dim = self._encoder_or_default().dim
            index = CandidateIndex(self.config, dim=dim, lsh=StoredLSH(self._conn, self.config))
            ids, fingerprints, rowids = [], [], []
            for rowid, article_id, fingerprint in self._conn.execute(
                "SELECT f.rowid, f.id, a.fingerprint FROM features f "
                "JOIN articles a ON a.id = f.id ORDER BY f.rowid"
            ):
                rowids.append(rowid)
                ids.append(article_id)
                fingerprints.append(fingerprint)
            saved = self._saved_graph(ids, dim)
            graph, done = (saved[0], len(saved[1])) if saved is not None else (None, 0)
            vectors = np.zeros((len(ids), dim), dtype=np.float32)
            if saved is not None:
                vectors[:done] = saved[1]
            # Vectors the saved graph lacks (all of them without one), in rowid order.
            for k, (blob,) in enumerate(
                self._conn.execute(
                    "SELECT vector FROM features WHERE rowid > ? ORDER BY rowid",
                    (rowids[done - 1] if done else -1,),
                ),
                start=done,
            ):
                vectors[k] = np.frombuffer(blob, dtype="<f4")
            index.restore(ids, fingerprints, vectors, graph)
            self._index = index
        return self._index

    def _saved_graph(self, ids: Sequence[str], dim: int) -> tuple[Any, np.ndarray] | None:
        """The saved HNSW graph and its vectors, if it was saved with the first articles
        of ``ids`` (all of them, or fewer when a process added articles and stopped
        before saving it: those are added to it, not the whole graph rebuilt)."""
        record = self._conn.execute("SELECT value FROM meta WHERE key='ann_index'").fetchone()
        path = self.ann_path
        if record is None or path is None or not path.exists():
            return None
        saved_with = json.loads(record[0])
        count, last = saved_with.get("count", 0), saved_with.get("last")
        if not 0 < count <= len(ids) or ids[count - 1] != last:
            return None
        saved = load_graph(path, dim)
        return saved if saved is not None and len(saved[1]) == count else None

    @property
    def ann_path(self) -> Path | None:
        """Where the HNSW graph of the candidate index is kept: ``<store>.usearch``."""
        if str(self.path) == ":memory:":
            return None
        return self.path.with_name(self.path.name + ".usearch")

    def _save_ann(self) -> None:
        """Save the candidate index's HNSW graph if it changed (atomically: written to a
        temporary file, then renamed), and record which articles it holds."""
        index, path = self._index, self.ann_path
        if index is None or path is None or not index.ann_changed:
            return
        tmp = path.with_name(path.name + ".tmp")
        if not index.save_ann(tmp):
            return
        last = self._conn.execute("SELECT id FROM features ORDER BY rowid DESC LIMIT 1")
        record = json.dumps({"count": len(index), "last": last.fetchone()[0]})
        with self._transaction():
            self._conn.execute("DELETE FROM meta WHERE key='ann_index'")
            os.replace(tmp, path)
            self._conn.execute("INSERT INTO meta VALUES ('ann_index', ?)", (record,))

    def add(self, articles: Sequence[Article], progress: Progress | None = None) -> AddReport:
        """Add ``articles`` in one transaction and assign each to a story.

        An article whose id is stored already, or whose normalised text is (same
        fingerprint), is reported ``unchanged`` and nothing about it is written.
        """
        index = self._candidate_index()
        try:
            with self._transaction():
                return _Batch(self, index, progress).run(articles)
        except BaseException:
            self._index = None  # it may hold articles of the rolled-back batch
            self._sketches = CopySketches(self._conn)
            raise


class _Batch:
    """The work of one :meth:`Store.add`, inside its transaction."""

    def __init__(self, store: Store, index: CandidateIndex, progress: Progress | None) -> None:
        self.store = store
        self.conn = store._conn
        self.config = store.config
        self.index = index
        self.progress = progress
        # Features of recently used articles (bounded: a large batch must not keep them all).
        self.cache: LRUCache[str, DocFeatures] = LRUCache(FEATURE_CACHE)
        self.now = _now()

    def _report(self, stage: str, done: int, total: int) -> None:
        if self.progress is not None:
            self.progress(stage, done, total)

    def run(self, articles: Sequence[Article]) -> AddReport:
        fresh, unchanged = self._split_new(articles)
        story_of: dict[str, str] = {}
        new_stories: list[str] = []
        encoder = self.store._encoder_or_default()
        added = [a.id for a in fresh]
        if not len(self.index) and len(fresh) >= BULK_MIN:
            bulk, fresh = fresh[:BULK_MAX], fresh[BULK_MAX:]
            story_of, new_stories = self._bulk_load(bulk, encoder)
        # Featurise a chunk at a time: a large batch never holds all its features at once.
        for start in range(0, len(fresh), ADD_CHUNK):
            chunk = fresh[start : start + ADD_CHUNK]
            features = featurize_all(chunk, self.config, encoder)
            self._report("embedding", start + len(chunk), len(fresh))
            with single_threaded_blas():
                for n, (article, f) in enumerate(zip(chunk, features, strict=True), start + 1):
                    story, created = self._assign(article, f)
                    story_of[article.id] = story
                    if created:
                        new_stories.append(story)
                    self._report("assigning", n, len(fresh))
        return AddReport(
            added=added, unchanged=unchanged, story_of=story_of, new_stories=new_stories
        )

    def _bulk_load(
        self, articles: Sequence[Article], encoder: SentenceEncoder
    ) -> tuple[dict[str, str], list[str]]:
        """Fill an empty store with the batch pipeline: the stories ``cluster`` gives.

        Written as the incremental path writes (articles, features, relations that have
        a kind, weak scores), so later adds carry on from it as from any store.
        """
        analysis = analyze(articles, self.config, encoder, self.progress)
        features = {f.id: f for f in analysis.features}
        story_of: dict[str, str] = {}
        for story in analysis.stories:
            self.conn.execute(
                "INSERT INTO stories VALUES (?, ?, ?, ?, ?, ?)",
                (story.id, story.title, story.first, len(story.articles), self.now, self.now),
            )
            story_of.update(dict.fromkeys(story.articles, story.id))
        for article in articles:
            self._insert_article(
                article,
                features[article.id],
                story_of[article.id],
                analysis.copy_of.get(article.id),
            )
        self._write_relations(analysis.relations, features)
        self._index_features(analysis.features)
        return {a.id: story_of[a.id] for a in articles}, [s.id for s in analysis.stories]

    def _write_relations(
        self, relations: Sequence[Relation], features: Mapping[str, DocFeatures]
    ) -> None:
        """Relations that have a kind; of the others, just the score (weak scores).

        Every score is kept, low ones too: average link sums them, so a re-clustering
        without them would see weaker links than the clustering that made the story.
        """
        self.conn.executemany(
            "INSERT OR REPLACE INTO relations VALUES (?, ?, ?, ?, ?, ?)",
            [_relation_row(r, features) for r in relations if r.kind is not None],
        )
        self.conn.executemany(
            "INSERT OR REPLACE INTO weak_scores VALUES (?, ?, ?)",
            [(r.a, r.b, float(r.score)) for r in relations if r.kind is None and r.score > 0],
        )

    def _split_new(self, articles: Sequence[Article]) -> tuple[list[Article], list[str]]:
        """Articles to add, and ids of those stored already (by id or fingerprint)."""
        seen_ids: set[str] = set()
        seen_prints: set[str] = set()
        fresh, unchanged = [], []
        for article in articles:
            fp = text_fingerprint(article)
            if article.id in seen_ids or fp in seen_prints or self._stored(article.id, fp):
                unchanged.append(article.id)
                continue
            seen_ids.add(article.id)
            seen_prints.add(fp)
            fresh.append(article)
        return fresh, unchanged

    def _stored(self, article_id: str, fp: str) -> bool:
        row = self.conn.execute(
            "SELECT 1 FROM articles WHERE id=? OR fingerprint=? LIMIT 1", (article_id, fp)
        )
        return row.fetchone() is not None

    def _neighbour_features(self, ids: Sequence[str]) -> list[DocFeatures]:
        found = {i: f for i in ids if (f := self.cache.get(i)) is not None}
        found.update((f.id, f) for f in self.store.features([i for i in ids if i not in found]))
        out = [found[i] for i in ids]
        for f in out:
            self._remember(f)
        return out

    def _remember(self, f: DocFeatures) -> None:
        self.cache.put(f.id, f)

    def _assign(self, article: Article, f: DocFeatures) -> tuple[str, bool]:
        """Score ``f`` against its candidates, write it, and return (story id, created)."""
        candidates = self.index.neighbours(f)
        # A copy of a stored article joins its story, scored against that one copy: as
        # in a batch run, where copies are collapsed onto one representative. Reposts
        # are most of a feed, and scoring each against every stored copy of its text
        # made adding to a large store slow. _regroup collapses copies again.
        copied = self.store._sketches.closest_copy(f, candidates, self.config)
        if copied is not None:
            original = self._neighbour_features([copied])[0]
            relation = relate(original, f, self.config)
            if relation.kind in _COPY_KINDS:
                story = self._story_of_article(original.id)
                self._write(article, f, story, [relation], [original], copy_of=original.id)
                return story, False
        neighbours = self._neighbour_features(candidates)
        relations = [relate(other, f, self.config) for other in neighbours]
        scores = {r.a: r.score for r in relations}
        story_of, sizes = self._stories_of(scores)
        story = best_story(
            scores, story_of, sizes, self.config.same_story_threshold, self.config.attach_threshold
        )
        if story is None:
            story = story_id(article.id)
            self.conn.execute(
                "INSERT INTO stories VALUES (?, ?, ?, 0, ?, ?)",
                (story, story_title(f), article.id, self.now, self.now),
            )
        self._write(article, f, story, relations, neighbours)
        before = set(story_of.values())
        story = self._regroup({story, *before}, f.id)
        return story, story not in before

    def _write(
        self,
        article: Article,
        f: DocFeatures,
        story: str,
        relations: Sequence[Relation],
        scored: Sequence[DocFeatures],
        copy_of: str | None = None,
    ) -> None:
        """Store the article in ``story`` with its relations (to ``scored``); index it."""
        self._insert_article(article, f, story, copy_of)
        self._write_relations(relations, {f.id: f, **{o.id: o for o in scored}})
        self._remember(f)
        self._refresh_story(story, f)
        self._index_features([f])

    def _index_features(self, features: Sequence[DocFeatures]) -> None:
        self.index.add(features)
        for f in features:
            self.store._sketches.add(f.id, f.minhash.hashvalues, f.n_shingles)

    def _regroup(self, touched: set[str], article_id: str) -> str:
        """Re-cluster the stories a new article touched, so arrival order matters less.

        One-step assignment is order dependent: an article can join a story before the
        article it really belongs with arrives. Average link over the members of just the
        touched stories (their stored relations) repairs that locally, with no full
        recompute. Each new group keeps the id of the old story holding most of its
        members; a group split off gets a new id. Returns the new article's story.
        """
        rows = sorted(
            tuple(row)
            for row in self.conn.execute(
                f"SELECT rowid, id, copy_of, story_id FROM articles INDEXED BY articles_story "
                f"WHERE story_id IN ({','.join('?' * len(touched))})",
                sorted(touched),
            )
        )
        members = [row[1] for row in rows]
        present = set(members)
        # Copies are clustered as one item with their original, so it is the number of
        # copy groups that bounds the work (reposts make most of a large story).
        if (
            len(members) > REGROUP_MEMBER_LIMIT
            or sum(row[2] is None or row[2] not in present for row in rows) > REGROUP_LIMIT
        ):
            return self._story_of_article(article_id)
        position = {m: k for k, m in enumerate(members)}
        edges = [
            (position[a], position[b], score)
            for a, b, score in [
                *_relations_from(self.conn, members, "score"),
                *_relations_from(self.conn, members, "score", table="weak_scores"),
            ]
            if b in position
        ]
        copy_of = [position.get(row[2]) for row in rows]
        groups = average_link_over_copies(
            len(members),
            edges,
            copy_of,
            self.config.same_story_threshold,
            self.config.attach_threshold,
        )
        old = {row[1]: row[3] for row in rows}
        used: set[str] = set()
        changed: set[str] = set()
        for group in sorted(groups, key=len, reverse=True):
            ids = [members[k] for k in group]
            votes = sorted((-sum(old[m] == s for m in ids), s) for s in {old[m] for m in ids})
            story = next((s for _, s in votes if s not in used), None)
            if story is None:
                story = self._fresh_story_id(min(ids))
                self.conn.execute(
                    "INSERT INTO stories VALUES (?, ?, ?, 0, ?, ?)",
                    (story, None, ids[0], self.now, self.now),
                )
            used.add(story)
            moved = [m for m in ids if old[m] != story]
            self.conn.executemany(
                "UPDATE articles SET story_id=? WHERE id=?", [(story, m) for m in moved]
            )
            if moved:
                changed.update({story, *(old[m] for m in moved)})
        for story in sorted(changed & used):  # stories whose membership changed
            self._refresh_story(story)
        for story in set(old.values()) - used:
            self.conn.execute("DELETE FROM stories WHERE id=?", (story,))
        return self._story_of_article(article_id)

    def _fresh_story_id(self, article_id: str) -> str:
        """``story_id(article_id)``, suffixed if a story of that id exists already."""
        candidate, n = story_id(article_id), 1
        while self.conn.execute("SELECT 1 FROM stories WHERE id=?", (candidate,)).fetchone():
            n += 1
            candidate = story_id(f"{article_id}#{n}")
        return candidate

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

        When ``added`` just joined a story of more than ``REGROUP_LIMIT`` versions, the
        first version is updated incrementally (``added`` takes over only if it is dated
        earlier): recomputing provenance over every relation of a story that large on
        each add would make filling a store quadratic in story size.
        """
        size = self.conn.execute(
            "SELECT count(*) FROM articles WHERE story_id=?", (story,)
        ).fetchone()[0]
        if added is not None and size > REGROUP_LIMIT:
            first = self.conn.execute("SELECT first FROM stories WHERE id=?", (story,)).fetchone()[
                0
            ]
            first_date = self._neighbour_features([first])[0].date
            if added.date is not None and (first_date is None or added.date < first_date):
                first = added.id
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
            for a, b, kind, source in _relations_from(
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
