"""The store's candidate-search helpers that live in SQLite rather than in memory.

- :class:`StoredLSH`: MinHash-LSH buckets as rows of the ``lsh`` table;
- :class:`StoredKeywords`: the keyword candidate index's postings as rows of the
  ``keywords`` table, and the stored articles' dates its same-days route reads;
- :class:`CopySketches`: MinHash values of stored articles, read when a new article's
  candidates are tested for being copies.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import sqlite3
from collections.abc import Sequence
from typing import Any

import numpy as np

from samestory.candidates import day_number
from samestory.config import Config
from samestory.features import DocFeatures
from samestory.lru import LRUCache
from samestory.overlap import is_near_duplicate, overlap_from_jaccard

# Entries kept by the LSH's bucket cache and the keyword index's caches.
RECENT = 20_000
# Ids per query when reading stored dates (SQLite's default bound-parameter limit: 32,766).
DAYS_CHUNK = 900


class StoredLSH:
    """MinHash-LSH whose buckets are rows of the store's ``lsh`` table.

    The bands are datasketch's for the config (``b`` bands of ``r`` hash values, from
    ``MinHashLSH(lsh_threshold, num_perm)``), so the candidates are the ones the batch
    pipeline's in-memory LSH gives; a bucket is the 64-bit BLAKE2b digest of a band's
    values. Kept on disk it needs no rebuilding when the store opens (inserting 100,000
    MinHashes into an in-memory LSH took 7 s), it is rolled back with a failed add, and
    it costs no memory.
    """

    def __init__(self, conn: sqlite3.Connection, config: Config) -> None:
        # Imported here: datasketch's import (SciPy integrators, 0.6-2 s) is needed only
        # for the bands, not by every command that opens a store.
        from datasketch import MinHashLSH

        self.conn = conn
        self.ranges = MinHashLSH(
            threshold=config.lsh_threshold, num_perm=config.num_perm
        ).hashranges
        # Buckets of recently inserted articles, for shares_bucket (dropped with the
        # candidate index, so never outlives a rolled-back add).
        self._buckets: LRUCache[str, list[tuple[int, int]]] = LRUCache(RECENT)

    def buckets(self, hashvalues: np.ndarray) -> list[tuple[int, int]]:
        values = np.ascontiguousarray(hashvalues, dtype="<u8")
        return [
            (
                band,
                int.from_bytes(
                    hashlib.blake2b(values[start:end].tobytes(), digest_size=8).digest(),
                    "little",
                    signed=True,
                ),
            )
            for band, (start, end) in enumerate(self.ranges)
        ]

    def insert(self, key: str, minhash: Any) -> None:
        buckets = self.buckets(minhash.hashvalues)
        self._buckets.put(key, buckets)
        self.conn.executemany(
            "INSERT OR IGNORE INTO lsh VALUES (?, ?, ?)",
            [(band, bucket, key) for band, bucket in buckets],
        )

    def query(self, minhash: Any) -> set[str]:
        buckets = self.buckets(minhash.hashvalues)
        # One primary-key lookup per band (a row-value IN list would scan the table).
        rows = self.conn.execute(
            " UNION ".join(["SELECT id FROM lsh WHERE band=? AND bucket=?"] * len(buckets)),
            [x for pair in buckets for x in pair],
        )
        return {row[0] for row in rows}

    def shares_bucket(self, a: str, b: str) -> bool:
        """Whether two stored articles share a bucket in some band."""
        if a == b:
            return False
        x, y = self._buckets_of(a), self._buckets_of(b)
        return bool(x and y) and any(p == q for p, q in zip(x, y, strict=True))

    def _buckets_of(self, article_id: str) -> list[tuple[int, int]]:
        """An article's buckets (none without shingles), kept or from its MinHash."""
        found = self._buckets.get(article_id)
        if found is None:
            row = self.conn.execute(
                "SELECT json_extract(doc_json, '$.minhash.dtype'), minhash FROM features "
                "WHERE id=? AND json_extract(doc_json, '$.n_shingles') > 0",
                (article_id,),
            ).fetchone()
            found = [] if row is None else self.buckets(np.frombuffer(row[1], np.dtype(row[0])))
            self._buckets.put(article_id, found)
        return found


class StoredKeywords:
    """The keyword candidate index (:mod:`samestory.candidates`) as rows of the
    ``keywords`` table: each indexed article's keywords with their rank and weight.

    Looked up a word at a time (its posting) and an article at a time (its keywords, in
    rank order, so weights are summed in the order the in-memory index sums them):
    nothing to rebuild when the store opens, rolled back with a failed add.
    """

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        # Recently read postings (with whether they are whole) and keyword lists: the
        # articles near a new one are looked up again and again while it is placed.
        # Dropped with the candidate index, so never outlive a rolled-back add.
        self._postings: LRUCache[int, tuple[list[str], bool]] = LRUCache(RECENT)
        self._words: LRUCache[str, dict[int, float]] = LRUCache(RECENT)

    def days(self, ids: Sequence[str]) -> dict[str, int | None]:
        """The stored articles' dates as day numbers (``candidates.day_number``: the
        features' publication date, None when undated, read from the text or not
        stored), for the same-days route. The
        candidate index remembers what it read, so each article is read once."""
        found: dict[str, int | None] = {}
        for start in range(0, len(ids), DAYS_CHUNK):
            chunk = ids[start : start + DAYS_CHUNK]
            for article_id, date, from_text in self.conn.execute(
                "SELECT id, json_extract(doc_json, '$.date'), "
                "json_extract(doc_json, '$.date_from_text') FROM features "
                f"WHERE id IN ({','.join('?' * len(chunk))})",
                chunk,
            ):
                found[article_id] = day_number(
                    dt.date.fromisoformat(date) if date else None, bool(from_text)
                )
        return found

    def word_counts(self, ids: Sequence[str]) -> dict[str, int]:
        """The stored articles' word counts (the features' ``n_words``), which set their
        vector floor (``candidates.vector_floor``); ids not stored are left out."""
        found: dict[str, int] = {}
        for start in range(0, len(ids), DAYS_CHUNK):
            chunk = ids[start : start + DAYS_CHUNK]
            for article_id, n_words in self.conn.execute(
                f"SELECT id, n_words FROM features WHERE id IN ({','.join('?' * len(chunk))})",
                chunk,
            ):
                found[article_id] = int(n_words or 0)
        return found

    def insert(self, article_id: str, words: dict[int, float]) -> None:
        self.conn.executemany(
            "INSERT OR IGNORE INTO keywords VALUES (?, ?, ?, ?)",
            [(word, article_id, rank, weight) for rank, (word, weight) in enumerate(words.items())],
        )
        self._words.put(article_id, dict(words))
        for word in words:
            kept = self._postings.get(word)
            if kept is not None:
                kept[0].append(article_id)

    def posting(self, word: int, limit: int) -> list[str]:
        kept = self._postings.get(word)
        if kept is None or (not kept[1] and len(kept[0]) < limit):
            rows = self.conn.execute("SELECT id FROM keywords WHERE word=? LIMIT ?", (word, limit))
            ids = [row[0] for row in rows]
            kept = (ids, len(ids) < limit)
            self._postings.put(word, kept)
        return kept[0][:limit]

    def words(self, article_id: str) -> dict[int, float]:
        kept = self._words.get(article_id)
        if kept is None:
            rows = self.conn.execute(
                "SELECT word, weight FROM keywords INDEXED BY keywords_by_article "
                "WHERE id=? ORDER BY rank",
                (article_id,),
            )
            kept = {word: weight for word, weight in rows}
            self._words.put(article_id, kept)
        return kept


class CopySketches:
    """MinHash values and shingle counts of stored articles, read when needed.

    Which stored article a new one copies needs only these, and most of a feed is
    copies: decoding every candidate's whole features (sentences, ~100 KB of vectors)
    just to test that was most of the cost of adding a repost to a large store.
    """

    def __init__(self, conn: sqlite3.Connection, size: int = RECENT) -> None:
        self.conn = conn
        self._sketch: LRUCache[str, tuple[np.ndarray, int]] = LRUCache(size)

    def add(self, article_id: str, hashvalues: np.ndarray, n_shingles: int) -> None:
        self._sketch.put(article_id, (np.asarray(hashvalues), n_shingles))

    def get(self, ids: Sequence[str]) -> dict[str, tuple[np.ndarray, int]]:
        """``{id: (MinHash values, shingle count)}`` of ``ids``, read from the store when
        not kept."""
        found = {i: sketch for i in ids if (sketch := self._sketch.get(i)) is not None}
        missing = [i for i in ids if i not in found]
        if missing:
            for article_id, n_shingles, dtype, values in self.conn.execute(
                "SELECT id, json_extract(doc_json, '$.n_shingles'), "
                "json_extract(doc_json, '$.minhash.dtype'), minhash FROM features "
                f"WHERE id IN ({','.join('?' * len(missing))})",
                missing,
            ):
                found[article_id] = (np.frombuffer(values, dtype=np.dtype(dtype)), n_shingles)
                self.add(article_id, *found[article_id])
        return found

    def closest_copy(self, f: DocFeatures, ids: Sequence[str], config: Config) -> str | None:
        """The one of ``ids`` that ``f`` is a near-duplicate of (:func:`copy_kind`), with
        the highest shingle Jaccard, then containment; the first on ties (an exact copy
        has Jaccard 1)."""
        if not f.n_shingles or not ids:
            return None
        sketches = self.get(ids)
        mine = np.asarray(f.minhash.hashvalues)
        best: tuple[tuple[float, float], str] | None = None
        for other in ids:
            values, n_shingles = sketches[other]
            if not n_shingles:
                continue
            jaccard = float(np.count_nonzero(values == mine)) / len(mine)
            overlap = overlap_from_jaccard(jaccard, n_shingles, f.n_shingles)
            if is_near_duplicate(*overlap, config) and (best is None or overlap > best[0]):
                best = (overlap, other)
        return None if best is None else best[1]
