"""Vector candidates on Spark: each article's distinct nearest neighbours, in cells.

Every search runs inside one task on a *cell*: a set of stored vectors (the cell's
database) and the articles that query it (each article queries exactly one cell, its
home). For a query the cosines to every stored vector of the cell are computed, the
best ``k = (ann_neighbours + 1) · EXPANSION · TWIN_SEARCH_FACTOR`` are taken by
``(-cosine, idx)`` and :func:`samestory.candidates.select_neighbours` picks the
neighbours from them (near-twins skipped over, saturated lists widened), with the cell's
vectors at hand for the near-twin test. No neighbour list or vector is shuffled twice.

- **Exact** (up to ``exact_limit`` articles, ``EXACT_SEARCH_LIMIT`` = 5,000 by default):
  one cell holding every vector, queried in ``chunks`` tasks (each gets the whole
  matrix, 2 KB an article). Cosines are matrix-vector products over the vectors in index
  order, as the local exact search computes them, so the pairs are exactly the local ones.
- **IVF** (above it): spherical k-means on a sample (one task) gives ``K ≈ n / cell_size``
  centroids; each article is stored in its ``CELL_COPIES`` (3) nearest cells and queries
  its nearest one. Storing every vector in several cells is what lets a query near a
  cell boundary find neighbours stored on the other side. A cell whose database is over
  ``MAX_CELL_FACTOR · cell_size`` vectors is split inside its task the same way
  (k-means on the cell, stored in the nearest sub-cells, queried in the nearest); a
  cell of near-identical vectors that no split shrinks is searched whole after three
  levels. Cost per query:
  ``~CELL_COPIES · cell_size`` dot products instead of ``n``; the neighbours can
  differ from the exact ones (see ``benchmarks/spark.py`` for the measured recall).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from samestory.candidates import (
    EXACT_SEARCH_LIMIT,
    EXPANSION,
    SATURATED_COSINE,
    TWIN_SEARCH_FACTOR,
    saturation_test,
    select_neighbours,
)
from samestory.config import Config

if TYPE_CHECKING:
    from pyspark import RDD

#: Vectors per cell the IVF bucketing aims at.
CELL_SIZE = 1_000
#: How many nearest cells each vector is stored in (the issue asks for 2-4).
CELL_COPIES = 3
#: A cell database larger than this many times CELL_SIZE is split inside its task.
MAX_CELL_FACTOR = 6
#: Top-level cells at most (their centroids are broadcast: K x 2 KB).
MAX_CELLS = 256
#: Vectors sampled for the top-level k-means (in one task).
KMEANS_SAMPLE = 50 * MAX_CELLS
KMEANS_ROUNDS = 12


def widest_list(config: Config) -> int:
    return (config.ann_neighbours + 1) * EXPANSION * TWIN_SEARCH_FACTOR


def cell_neighbours(
    queries: Iterable[int],
    keys: np.ndarray,
    matrix: np.ndarray,
    config: Config,
    words: Sequence[Mapping[int, float]] | None = None,
) -> Iterator[tuple[int, int]]:
    """Pairs ``(i, j)``, ``i < j``, of each query ``i`` (a key of a row of ``matrix``)
    with the neighbours the local engine's rule picks among the rows of ``matrix``.

    ``keys`` are the rows' article indices, ascending, so ties break by index as in the
    local stable ``argsort``. ``words`` are the rows' keywords (``candidates.keywords``),
    which the saturation test of some encoders reads (:func:`~samestory.candidates.
    saturation_test`); None: none known (the document cosine's rule).
    """
    budget = config.ann_neighbours + 1
    widest = min(widest_list(config), len(keys))
    rule = (budget, config.ann_min_cosine, SATURATED_COSINE[config.encoder])
    row_of = {int(k): r for r, k in enumerate(keys)}
    for i in queries:
        cosines = matrix @ matrix[row_of[i]]  # matrix-vector: as the local exact search
        order = np.argsort(-cosines, kind="stable")[:widest]
        test = (
            None
            if words is None
            else saturation_test(config.encoder, words[row_of[i]], words.__getitem__)
        )
        chosen = select_neighbours(order, cosines[order], matrix, *rule, still_close=test)
        for r in chosen or ():
            j = int(keys[r])
            if j != i:
                yield (i, j) if i < j else (j, i)


def _matrix(items: Iterable[tuple[int, np.ndarray]]) -> tuple[np.ndarray, np.ndarray]:
    ordered = sorted(items, key=lambda item: item[0])
    keys = np.array([i for i, _ in ordered], dtype=np.int64)
    matrix = np.ascontiguousarray(np.vstack([v for _, v in ordered]), dtype=np.float32)
    return keys, matrix


def spherical_kmeans(vectors: np.ndarray, k: int, seed: int = 0) -> np.ndarray:
    """``k`` unit centroids of unit ``vectors`` (Lloyd on cosine, seeded start).

    Starts from ``k`` distinct sample rows, then alternates assignment to the most
    similar centroid and re-normalised means; an empty cell keeps its centroid.
    """
    k = max(1, min(k, len(vectors)))
    rng = np.random.default_rng(seed)
    centroids = vectors[rng.choice(len(vectors), k, replace=False)].copy()
    for _ in range(KMEANS_ROUNDS):
        nearest = np.argmax(vectors @ centroids.T, axis=1)
        for c in range(k):
            members = vectors[nearest == c]
            if len(members):
                mean = members.sum(axis=0)
                norm = float(np.linalg.norm(mean))
                if norm > 0:
                    centroids[c] = mean / norm
    return centroids.astype(np.float32)


def nearest_cells(matrix: np.ndarray, centroids: np.ndarray, copies: int) -> np.ndarray:
    """Row ``r``: the ``copies`` cells nearest to ``matrix[r]``, nearest first."""
    copies = min(copies, len(centroids))
    similarity = matrix @ centroids.T
    order = np.argsort(-similarity, axis=1, kind="stable")
    return order[:, :copies]


def _split_cell(
    queries: list[int],
    keys: np.ndarray,
    matrix: np.ndarray,
    config: Config,
    cell_size: int,
    words: list[dict[int, float]] | None = None,
    depth: int = 0,
) -> Iterator[tuple[int, int]]:
    """Neighbour pairs of ``queries`` in a cell, split while it is over the size bound
    (at most three levels: a cell of near-identical vectors cannot be split). ``words``:
    the rows' keywords (see :func:`cell_neighbours`)."""
    if len(keys) <= MAX_CELL_FACTOR * cell_size or depth >= 3:
        yield from cell_neighbours(queries, keys, matrix, config, words)
        return
    centroids = spherical_kmeans(matrix, math.ceil(len(keys) / cell_size), seed=depth + 1)
    cells = nearest_cells(matrix, centroids, CELL_COPIES)
    row_of = {int(k): r for r, k in enumerate(keys)}
    home = {i: int(cells[row_of[i], 0]) for i in queries}
    for c in range(len(centroids)):
        stored = np.flatnonzero((cells == c).any(axis=1))
        sub_queries = [i for i in queries if home[i] == c]
        if sub_queries:
            yield from _split_cell(
                sub_queries,
                keys[stored],
                matrix[stored],
                config,
                cell_size,
                None if words is None else [words[r] for r in stored],
                depth + 1,
            )


def _search_cell(
    item: tuple[int, Iterable[tuple[int, tuple[np.ndarray, dict[int, float]], bool]]],
    config: Config,
    cell_size: int,
) -> Iterator[tuple[int, int]]:
    _, members = item
    listed = sorted(members, key=lambda m: m[0])
    keys, matrix = _matrix((i, vw[0]) for i, vw, _ in listed)
    words = [vw[1] for _, vw, _ in listed]
    queries = sorted(i for i, _, is_query in listed if is_query)
    yield from _split_cell(queries, keys, matrix, config, cell_size, words)


def with_words(value: Any) -> tuple[np.ndarray, dict[int, float]]:
    """A search input's ``(vector, keywords)``: given as such, or a bare vector (no
    keywords known: the document cosine's saturation rule)."""
    if isinstance(value, tuple):
        return value[0], value[1]
    return value, {}


def vector_pairs(
    vectors: RDD,
    n: int,
    config: Config,
    partitions: int = 4,
    exact_limit: int = EXACT_SEARCH_LIMIT,
    cell_size: int = CELL_SIZE,
) -> RDD:
    """Pairs ``(i, j)``, ``i < j``: each article (``vectors``: ``(idx, unit vector)``, or
    ``(idx, (unit vector, keywords))`` for the encoders whose saturation test reads
    them) with its distinct nearest neighbours, exactly up to ``exact_limit`` articles."""
    vectors = vectors.mapValues(with_words)
    if n <= exact_limit:
        cells = _exact_cells(vectors, n, partitions)
        size = max(n, 1)  # never split
    else:
        cells = _ivf_cells(vectors, n, partitions, cell_size)
        size = cell_size
    return (
        cells.groupByKey(partitions)
        .flatMap(lambda item: _search_cell(item, config, size))
        .distinct(partitions)
    )


def _exact_cells(vectors: RDD, n: int, partitions: int) -> RDD:
    """One cell of every vector, queried in ``chunks`` tasks: ``((chunk), (i, v, query))``."""
    chunks = max(1, min(partitions, math.ceil(n / 256)))

    def spread(item: tuple[int, Any]) -> Iterator[tuple[int, tuple[int, Any, bool]]]:
        i, v = item
        for chunk in range(chunks):
            yield chunk, (i, v, i % chunks == chunk)

    return vectors.flatMap(spread)


def _ivf_cells(vectors: RDD, n: int, partitions: int, cell_size: int) -> RDD:
    """Vectors keyed by each of their CELL_COPIES nearest top-level cells."""
    k = max(2, min(MAX_CELLS, math.ceil(n / cell_size)))
    fraction = min(1.0, KMEANS_SAMPLE / max(n, 1))
    sample = vectors.sample(False, fraction, seed=17).values().map(lambda vw: vw[0])

    def kmeans_task(rows: Iterable[np.ndarray]) -> Iterator[np.ndarray]:
        listed = list(rows)
        if listed:
            yield spherical_kmeans(np.vstack(listed).astype(np.float32), k)

    found = sample.coalesce(1).mapPartitions(kmeans_task).collect()
    if not found:
        raise ValueError("no vectors to bucket")
    # float16 on the wire: k x 1 KB to the driver and back (a centroid needs no precision).
    shared = vectors.context.broadcast(found[0].astype(np.float16))

    def assign(
        items: Iterable[tuple[int, Any]],
    ) -> Iterator[tuple[int, tuple[int, Any, bool]]]:
        listed = list(items)
        if not listed:
            return
        matrix = np.vstack([v[0] for _, v in listed]).astype(np.float32)
        cells = nearest_cells(matrix, shared.value.astype(np.float32), CELL_COPIES)
        for (i, v), row in zip(listed, cells, strict=True):
            for rank, c in enumerate(row):
                yield int(c), (i, v, rank == 0)

    return vectors.mapPartitions(assign)


def exact_recall(
    vectors: RDD, found: RDD, config: Config, sample: int, partitions: int, seed: int = 5
) -> tuple[float, int]:
    """Share of the exact neighbour pairs of ``sample`` random articles that ``found``
    (pairs ``(i, j)``, ``i < j``) holds, and how many exact pairs that was.

    The sample's exact lists come from one task holding every vector (n x 2 KB): for
    measuring, not for production sizes.
    """
    vectors = vectors.mapValues(with_words)
    chosen = set(vectors.keys().takeSample(False, sample, seed))

    def one_cell(item: tuple[int, Any]) -> tuple[int, tuple[int, Any, bool]]:
        return 0, (item[0], item[1], item[0] in chosen)

    exact = (
        vectors.map(one_cell)
        .groupByKey(1)
        .flatMap(lambda item: _search_cell(item, config, 1 << 62))
        .distinct(partitions)
    )
    hits = exact.map(lambda p: (p, 0)).leftOuterJoin(found.map(lambda p: (p, 1)), partitions)
    total, kept = hits.map(lambda kv: (1, 1 if kv[1][1] else 0)).fold(
        (0, 0), lambda a, b: (a[0] + b[0], a[1] + b[1])
    )
    return (kept / total if total else 1.0), total
