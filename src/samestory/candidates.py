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
- **keywords**: an inverted index of each article's ``KEYWORDS`` most specific words
  (highest weights of its specificity-weighted term vector, :mod:`samestory.lexical`).
  Articles sharing at least ``MIN_SHARED_KEYWORDS`` of them, ranked by the summed weight
  of the shared ones, are proposed, ``KEYWORD_NEIGHBOURS`` at most. In a collection of
  one kind of news (local reports of shootings) every document vector is close to every
  other, and the reports of one incident (the victim's name, the street) are not among
  each other's nearest: on GVA dev, 361 of 1,353 same-incident pairs were not
  candidates (median rank 372 by cosine); the keyword index proposes 250 of them for 22%
  more pairs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any, Protocol, TypeVar

import numpy as np

from samestory.config import DEFAULT_CONFIG, Config
from samestory.features import DocFeatures

#: A posting-list key: an article id, or anything ordered like one.
K = TypeVar("K")


class MinHashLike(Protocol):
    """What MinHash-LSH reads of a MinHash (samestory.minhash's Signature, datasketch's
    MinHash and LeanMinHash)."""

    @property
    def hashvalues(self) -> np.ndarray: ...


class LSHLike(Protocol):
    """What the index asks of MinHash-LSH: datasketch's ``MinHashLSH`` (in memory, the
    default) or another index of the same bands, such as the store's SQLite table."""

    def insert(self, key: str, minhash: MinHashLike) -> None: ...

    def query(self, minhash: MinHashLike) -> Iterable[str]: ...


# Below this many articles an exact (brute-force) vector search is cheap and deterministic.
EXACT_SEARCH_LIMIT = 5_000
# Document vectors this close are near-twins: versions of one text (see select_neighbours).
NEAR_TWIN_COSINE = 0.95
# How many times the neighbour budget is searched, so near-twins can be skipped over.
TWIN_SEARCH_FACTOR = 4
# A neighbour list whose last distinct neighbour is still this close (document cosine) is
# saturated: the article's story probably has more versions than the budget holds, so the
# budget doubles, up to EXPANSION times (see select_neighbours). Per encoder: on ECB+ dev
# candidate pairs, USE cosines >= 0.7 are the same story 59% of the time; the static
# encoder's cosines run higher (48% at 0.7, 62% at 0.75, 73% at 0.8), and 0.75 cost it
# 0.006 ECB+ ARI at the normal budget where 0.8 cost nothing. With a budget of 5 (stories
# 4x the budget) widening lifts ECB+ from 0.713 to 0.858 (USE) and 0.751 to 0.845 (static).
SATURATED_COSINE = {"use": 0.70, "static": 0.80}
EXPANSION = 4
# Keyword index (see the module docstring): words per article, least shared words to be
# proposed, proposals per article, and the posting-list length above which a word is too
# common in the collection to propose anything (it still counts nowhere: bounded cost).
KEYWORDS = 20
MIN_SHARED_KEYWORDS = 2
KEYWORD_NEIGHBOURS = 10
MAX_KEYWORD_POSTINGS = 200


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
        self._by_keyword: dict[int, list[str]] = {}
        self._lsh = lsh if lsh is not None else memory_lsh(config)
        self._ann: Any = None  # usearch index, built lazily once the collection is large
        # Whether the graph differs from the one last saved or loaded (see save_ann).
        self.ann_changed = False

    def __len__(self) -> int:
        return len(self._ids)

    def add(self, features: Iterable[DocFeatures]) -> None:
        for f in features:
            self.add_entry(f.id, f.fingerprint, f.vector, f.minhash if f.n_shingles else None)
            self.add_keywords(f.id, keywords(f))

    def add_keywords(self, article_id: str, words: dict[int, float]) -> None:
        """Index an article under its keywords (word hashes, see :func:`keywords`)."""
        for word in words:
            self._by_keyword.setdefault(word, []).append(article_id)

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

    def restore(
        self,
        ids: Sequence[str],
        fingerprints: Sequence[str],
        vectors: np.ndarray,
        graph: Any = None,
    ) -> None:
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
            self._ann.add(
                np.arange(start, len(self._ids)), self._buffer[start : len(self._ids)], threads=1
            )
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
            grown = np.zeros(
                (max(len(self._ids), 2 * len(self._buffer)), self.dim), dtype=np.float32
            )
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
        found.update(dict.fromkeys(self._keyword_neighbours(keywords(f), f.id)))
        found.pop(f.id, None)
        return list(found)

    def _keyword_neighbours(self, words: dict[int, float], exclude: str) -> list[str]:
        """Indexed articles sharing at least ``MIN_SHARED_KEYWORDS`` of ``words`` (see
        :func:`keyword_neighbours`)."""
        return keyword_neighbours(words, lambda word: self._by_keyword.get(word, ()), exclude)

    def _vector_neighbours(self, vector: np.ndarray) -> list[str]:
        """The article's distinct nearest neighbours, as :func:`select_neighbours` picks
        them from an exact or HNSW search."""
        matrix = self._matrix()
        if not len(matrix):
            return []
        budget = self.config.ann_neighbours + 1
        widest = min(budget * EXPANSION * TWIN_SEARCH_FACTOR, len(matrix))
        rule = (budget, self.config.ann_min_cosine, SATURATED_COSINE[self.config.encoder])
        if self._ann is None:
            cosines = matrix @ vector
            order = np.argsort(-cosines, kind="stable")[:widest]
            keys = select_neighbours(order, cosines[order], matrix, *rule)
        else:
            # Search for the plain budget first, and wider only if the list saturates
            # (most do not).
            matches = self._ann.search(vector, min(budget * TWIN_SEARCH_FACTOR, widest), threads=1)
            keys = select_neighbours(
                matches.keys,
                1.0 - matches.distances,
                matrix,
                *rule,
                complete=len(matches.keys) >= widest,
            )
            if keys is None:
                matches = self._ann.search(vector, widest, threads=1)
                keys = select_neighbours(matches.keys, 1.0 - matches.distances, matrix, *rule)
        assert keys is not None  # complete searches always give a list
        return [self._ids[key] for key in keys]


def keywords(f: DocFeatures, most: int = KEYWORDS) -> dict[int, float]:
    """The article's ``most`` most specific words: word hash -> weight in its term vector
    (none for features without one, such as the vector-only stand-ins of some callers)."""
    terms = getattr(f, "terms", None)
    if terms is None:
        return {}
    hashes, weights = terms
    order = np.argsort(-weights, kind="stable")[:most]
    return dict(zip(hashes[order].tolist(), weights[order].tolist(), strict=True))


def keyword_neighbours(
    words: dict[int, float], posting: Callable[[int], Sequence[K]], exclude: K
) -> list[K]:
    """The articles sharing at least ``MIN_SHARED_KEYWORDS`` of ``words`` (the querying
    article's :func:`keywords`, best first), ranked by the summed weight ``w`` of the
    shared words (summed in the order of ``words``; ties by key), ``KEYWORD_NEIGHBOURS``
    at most. ``posting(word)`` lists the indexed articles with that keyword; a word whose
    posting holds more than ``MAX_KEYWORD_POSTINGS`` is too common to count. One
    definition for every driver: the local index passes its posting lists, Spark the
    posting lists joined onto the querying article (keys: article ids, or ``(id, idx)``).
    """
    weight: dict[K, float] = {}
    shared: dict[K, int] = {}
    for word, w in words.items():
        listed = posting(word)
        if len(listed) > MAX_KEYWORD_POSTINGS:
            continue
        for other in listed:
            if other != exclude:
                weight[other] = weight.get(other, 0.0) + w
                shared[other] = shared.get(other, 0) + 1
    ranked = sorted(
        (other for other, n in shared.items() if n >= MIN_SHARED_KEYWORDS),
        key=lambda other: (-weight[other], other),
    )
    return ranked[:KEYWORD_NEIGHBOURS]


def select_neighbours(
    keys: Sequence[int] | np.ndarray,
    cosines: Sequence[float],
    vectors: Any,
    budget: int,
    min_cosine: float,
    saturated: float,
    complete: bool = True,
) -> list[int] | None:
    """The neighbours worth scoring, from candidates sorted best first.

    Distinct neighbours are taken until ``budget`` of them; a neighbour whose vector is
    within ``NEAR_TWIN_COSINE`` of one already taken is a near-twin (a lightly different
    version of the same text that copy detection did not merge): it is returned too, but
    does not use up the budget. Otherwise, in a feed with many versions of each article,
    the nearest neighbours would all be versions of one text and the other reports of
    the story never be scored. When the budget is used up and the last distinct
    neighbour is still at ``saturated`` or closer (``SATURATED_COSINE`` of the encoder),
    the budget doubles, up to ``EXPANSION`` times: a story with more versions than the
    budget otherwise gets too few of its pairs scored, and average linkage, which counts
    unscored pairs as 0, splits it. Candidates under ``min_cosine`` end the list.
    ``vectors[key]`` is a candidate's vector. Returns None when ``complete`` is False and
    the candidates ran out while the list was still growing (the caller searches wider
    and asks again).
    """
    limit, ceiling = budget, budget * EXPANSION
    taken: np.ndarray | None = None  # rows 0 .. distinct-1: the distinct neighbours' vectors
    distinct = 0
    out: list[int] = []
    last = 1.0
    floor = np.float32(min_cosine)
    for seen, (key, cosine) in enumerate(zip(keys, cosines, strict=True)):
        # Each budget looks at TWIN_SEARCH_FACTOR times as many candidates.
        if seen >= limit * TWIN_SEARCH_FACTOR or np.float32(cosine) < floor:
            return out
        if distinct >= limit:
            if limit >= ceiling or last < saturated:
                return out
            limit = min(ceiling, 2 * limit)
        key = int(key)
        vector = vectors[key]
        if taken is None:
            taken = np.empty((ceiling, len(vector)), dtype=np.float32)
        if not distinct or float(np.max(taken[:distinct] @ vector)) < NEAR_TWIN_COSINE:
            taken[distinct] = vector
            distinct += 1
            last = float(cosine)
        out.append(key)
    return out if complete or len(keys) >= limit * TWIN_SEARCH_FACTOR else None


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


def memory_lsh(config: Config) -> LSHLike:
    """datasketch's in-memory ``MinHashLSH`` for the config.

    Imported here, not at the top: importing datasketch imports SciPy's integrators
    (0.6-2 s), which commands that never look for candidates (``compare``, ``stories``)
    should not pay.
    """
    from datasketch import MinHashLSH

    return MinHashLSH(threshold=config.lsh_threshold, num_perm=config.num_perm)
