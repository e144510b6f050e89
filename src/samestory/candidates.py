"""Candidate generation: which pairs are worth scoring.

Scoring every pair costs ``O(n²)``; three indexes each propose a few neighbours per
article instead, so the cost grows about linearly with the corpus:

- **exact hash** of the normalised text: copies, in ``O(1)`` per article;
- **MinHash-LSH** (datasketch) on 5-word shingles: near-duplicates. With ``b`` bands of
  ``r`` rows, a pair with Jaccard ``J`` becomes a candidate with probability
  ``1 - (1 - J^r)^b``, an S-curve centred near ``lsh_threshold``;
- **approximate nearest neighbours** (usearch HNSW, cosine) on the multilingual document
  vectors: rewrites, translations and other reports of the event, which share few words.
  Small collections are searched exactly (a matrix product), large ones with HNSW.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any, Protocol

import numpy as np
from datasketch import MinHashLSH

from samestory.config import DEFAULT_CONFIG, Config
from samestory.features import DocFeatures
from samestory.relate import is_copy
from samestory.stories import DisjointSets


class MinHashLike(Protocol):
    """What MinHash-LSH reads of a MinHash (datasketch's MinHash and LeanMinHash)."""

    hashvalues: np.ndarray


class LSHLike(Protocol):
    """What the index asks of MinHash-LSH: datasketch's ``MinHashLSH`` (in memory, the
    default) or another index of the same bands, such as the store's SQLite table."""

    def insert(self, key: str, minhash: MinHashLike) -> None: ...

    def query(self, minhash: MinHashLike) -> Iterable[str]: ...


# Below this many articles an exact (brute-force) vector search is cheap and deterministic.
EXACT_SEARCH_LIMIT = 5_000
# Document vectors this close are near-twins: versions of one text (see _vector_neighbours).
NEAR_TWIN_COSINE = 0.95
# How many times the neighbour budget is searched, so near-twins can be skipped over.
TWIN_SEARCH_FACTOR = 4


class CandidateIndex:
    """An incremental index over articles' features that proposes candidate neighbours.

    ``add`` articles, then ``neighbours`` of any article (indexed or not) returns the ids
    of indexed articles worth scoring against it, best first.
    """

    def __init__(
        self, config: Config = DEFAULT_CONFIG, dim: int = 512, lsh: LSHLike | None = None
    ) -> None:
        self.config = config
        self.dim = dim
        self._ids: list[str] = []
        # Rows [0, len) of a buffer that doubles when full: adding one article at a time
        # (a store fed by a live feed) then costs amortised O(1) copies, not O(n) each.
        self._buffer = np.zeros((0, dim), dtype=np.float32)
        self._pending: list[np.ndarray] = []
        self._by_fingerprint: dict[str, list[str]] = {}
        self._lsh = lsh if lsh is not None else MinHashLSH(
            threshold=config.lsh_threshold, num_perm=config.num_perm)
        self._ann = None  # usearch index, built lazily once the collection is large
        # Whether the graph differs from the one last saved or loaded (see save_ann).
        self.ann_changed = False

    def __len__(self) -> int:
        return len(self._ids)

    def add(self, features: Iterable[DocFeatures]) -> None:
        for f in features:
            self.add_entry(f.id, f.fingerprint, f.vector, f.minhash if f.n_shingles else None)

    def add_entry(
        self, article_id: str, fingerprint: str, vector: np.ndarray, minhash: MinHashLike | None
    ) -> None:
        """Index one article by the parts of its features the index reads (``minhash``
        None when the text has no shingles)."""
        key = len(self._ids)
        self._ids.append(article_id)
        self._pending.append(vector)
        self._by_fingerprint.setdefault(fingerprint, []).append(article_id)
        if minhash is not None:
            self._lsh.insert(article_id, minhash)
        if self._ann is not None:
            self._ann.add(key, vector, threads=1)
        self.ann_changed = True

    def restore(self, ids: Sequence[str], fingerprints: Sequence[str], vectors: np.ndarray,
                graph: Any = None) -> None:
        """Index articles already in the LSH (a persisted one), in one go: their ids,
        fingerprints and vectors (one row each), and optionally the HNSW graph saved
        with the first ``len(graph)`` of these vectors (see :func:`load_graph`); the rest
        are added to it."""
        if len(ids) != len(fingerprints) or len(ids) != len(vectors):
            raise ValueError("ids, fingerprints and vectors must have one entry per article")
        if graph is not None and (self._ids or len(graph) > len(ids)):
            raise ValueError("the graph does not hold a prefix of these articles")
        start = len(self._ids)
        self._ids.extend(ids)
        self._pending.append(np.asarray(vectors, dtype=np.float32))
        self._flush()
        for article_id, fingerprint in zip(ids, fingerprints, strict=True):
            self._by_fingerprint.setdefault(fingerprint, []).append(article_id)
        if graph is not None:
            self._ann, start = graph, len(graph)
            self.ann_changed = False
        if self._ann is not None and start < len(self._ids):
            self._ann.add(np.arange(start, len(self._ids)), self._buffer[start : len(self._ids)],
                          threads=1)
            self.ann_changed = True

    def save_ann(self, path: str | Path) -> bool:
        """Write the HNSW graph (usearch's own format) to ``path``, building it first if
        the collection is large enough to have one. False when there is none."""
        self._matrix()
        if self._ann is None:
            return False
        self._ann.save(str(path))
        self.ann_changed = False
        return True

    def _matrix(self) -> np.ndarray:
        self._flush()
        if self._ann is None and len(self._ids) > EXACT_SEARCH_LIMIT:
            self._build_ann()
        return self._buffer[: len(self._ids)]

    def _flush(self) -> None:
        """Move pending vectors (rows, or blocks of rows) into the matrix buffer."""
        if not self._pending:
            return
        rows = np.vstack(self._pending)
        self._pending = []
        start = len(self._ids) - len(rows)
        if len(self._ids) > len(self._buffer):
            grown = np.zeros((max(len(self._ids), 2 * len(self._buffer)), self.dim),
                             dtype=np.float32)
            grown[:start] = self._buffer[:start]
            self._buffer = grown
        self._buffer[start : len(self._ids)] = rows

    def _build_ann(self) -> None:
        from usearch.index import Index

        # One thread keeps insertion order, and so the graph and the results, deterministic.
        self._ann = Index(ndim=self.dim, metric="cos", dtype="f32")
        self._ann.add(np.arange(len(self._ids)), self._buffer[: len(self._ids)], threads=1)
        self.ann_changed = True

    def neighbours(self, f: DocFeatures) -> list[str]:
        """Ids of indexed articles that may be the same story as ``f`` (``f`` excluded)."""
        found = dict.fromkeys(self._by_fingerprint.get(f.fingerprint, []))
        if f.n_shingles:
            found.update(dict.fromkeys(sorted(self._lsh.query(f.minhash))))
        found.update(dict.fromkeys(self._vector_neighbours(f.vector)))
        found.pop(f.id, None)
        return list(found)

    def _vector_neighbours(self, vector: np.ndarray) -> list[str]:
        """The ``ann_neighbours`` nearest *distinct* articles, plus near-twins of them.

        A neighbour whose vector is within ``NEAR_TWIN_COSINE`` of one already taken is a
        near-twin (a lightly different version of the same text that copy detection did
        not merge): it is returned too, but does not use up the budget. Otherwise, in a
        feed with many versions of each article, the nearest neighbours would all be
        versions of one text and the other reports of the story never be scored.
        """
        matrix = self._matrix()
        if not len(matrix):
            return []
        budget = self.config.ann_neighbours + 1
        k = min(budget * TWIN_SEARCH_FACTOR, len(matrix))
        if self._ann is None:
            cosines = matrix @ vector
            order = np.argsort(-cosines, kind="stable")[:k]
            keys, sims = order, cosines[order]
        else:
            matches = self._ann.search(vector, k, threads=1)
            keys, sims = matches.keys, 1.0 - matches.distances
        taken: list[int] = []
        out: list[str] = []
        distinct = 0
        for key, sim in zip(keys, sims, strict=True):
            if sim < self.config.ann_min_cosine or distinct >= budget:
                break
            key = int(key)
            twin = bool(taken) and float(np.max(matrix[taken] @ matrix[key])) >= NEAR_TWIN_COSINE
            if not twin:
                distinct += 1
                taken.append(key)
            out.append(self._ids[key])
        return out


def load_graph(path: str | Path, dim: int) -> tuple[Any, np.ndarray] | None:
    """The HNSW graph saved at ``path`` by :meth:`CandidateIndex.save_ann` and its
    vectors (row ``k`` = key ``k``), or None if it is missing, unreadable, of another
    dimension or not keyed ``0 .. n-1``."""
    from usearch.index import Index

    try:
        graph = Index.restore(str(path))
    except (OSError, RuntimeError, ValueError):
        return None
    if graph is None or graph.ndim != dim:
        return None
    keys = np.asarray(graph.keys).astype(np.int64)  # the graph's own (slot) order
    if not np.array_equal(np.sort(keys), np.arange(len(graph))):
        return None
    vectors = np.zeros((len(graph), dim), dtype=np.float32)
    vectors[keys] = graph.vectors
    return graph, vectors


def candidate_pairs(
    features: Sequence[DocFeatures], config: Config = DEFAULT_CONFIG
) -> list[tuple[int, int]]:
    """All candidate pairs ``(i, j)``, ``i < j``, among ``features`` (indices), sorted."""
    index = CandidateIndex(config, dim=features[0].vector.shape[0] if features else 512)
    index.add(features)
    position = {f.id: i for i, f in enumerate(features)}
    pairs: set[tuple[int, int]] = set()
    for i, f in enumerate(features):
        for other in index.neighbours(f):
            j = position[other]
            pairs.add((min(i, j), max(i, j)))
    return sorted(pairs)


def copy_groups(features: Sequence[DocFeatures], config: Config = DEFAULT_CONFIG) -> list[int]:
    """For each article, the index of its copy group's representative (smallest index).

    Copies (exact hash, or MinHash-LSH candidates that pass :func:`is_copy`) are joined
    with union-find. Later stages work on representatives only: a corpus with many
    reposts then neither pays to score every repost against every other report, nor lets
    reposts crowd the other reports out of an article's nearest neighbours. A candidate
    already in the article's group is not verified again: with ``k`` reposts of one text
    that saves ``O(k²)`` checks (the groups are the same as joining every copy pair).
    """
    sets = DisjointSets(len(features))
    for j, i, certain in _copy_candidates(features, config):
        if sets.find(i) != sets.find(j) and (
                certain or is_copy(features[j], features[i], config)):
            sets.union(i, j)
    return sets.roots()


def copy_pairs(
    features: Sequence[DocFeatures], config: Config = DEFAULT_CONFIG
) -> list[tuple[int, int]]:
    """Pairs ``(i, j)``, ``i < j``, that are copies (hash or LSH candidates, verified)."""
    return sorted({(j, i) for j, i, certain in _copy_candidates(features, config)
                   if certain or is_copy(features[j], features[i], config)})


def _copy_candidates(
    features: Sequence[DocFeatures], config: Config
) -> Iterator[tuple[int, int, bool]]:
    """``(j, i, certain)`` with ``j < i``: ``i``'s first exact copy (certain) and its
    MinHash-LSH candidates among earlier articles (to verify)."""
    position = {f.id: i for i, f in enumerate(features)}
    by_fingerprint: dict[str, int] = {}
    lsh = MinHashLSH(threshold=config.lsh_threshold, num_perm=config.num_perm)
    for i, f in enumerate(features):
        first = by_fingerprint.setdefault(f.fingerprint, i)
        if first != i:
            yield first, i, True
        if not f.n_shingles:
            continue
        for other in lsh.query(f.minhash):
            yield position[other], i, False
        lsh.insert(f.id, f.minhash)
