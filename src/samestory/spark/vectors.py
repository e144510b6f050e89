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
  levels. A top-level cell of more than ``task_bound`` vectors (``MAX_TASK_FACTOR ·
  cell_size`` by default) is not grouped into one task: its sub-centroids are fitted on
  the executors from a sample of the cell, its vectors are assigned to them in salted
  groups of at most ``task_bound`` and keyed by ``(cell, sub-cell)`` *before* the
  grouping (:func:`_split_on_executors`), so no task holds more than about the bound;
  the same split (copies, home cell of each query, keywords), one level a round, up to
  the three levels. Cost per query:
  ``~CELL_COPIES · cell_size`` dot products instead of ``n``; the neighbours can
  differ from the exact ones (see ``benchmarks/spark.py`` for the measured recall).
"""

from __future__ import annotations

import dataclasses
import logging
import math
import operator
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from samestory.candidates import (
    EXACT_SEARCH_LIMIT,
    EXPANSION,
    SATURATED_COSINE,
    TWIN_SEARCH_FACTOR,
    saturation_test,
    select_neighbours,
    vector_floor,
)
from samestory.config import Config

if TYPE_CHECKING:
    from pyspark import RDD, Accumulator, SparkContext

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
#: A task holds at most about this many times CELL_SIZE vectors: a cell over it is split
#: on the executors before its vectors are grouped (24,000 at the default cell size:
#: ~48 MB of 512-d float32 vectors; a top-level cell reaches it at ~2M representatives).
MAX_TASK_FACTOR = 24
#: Sub-cells of one split on the executors at most (as top-level cells: each fitted on a
#: sample of at most SUB_SAMPLE vectors, 50 a centroid).
MAX_SUB_CELLS = MAX_CELLS
SUB_SAMPLE = KMEANS_SAMPLE
#: Split levels at most, on the executors and in a task together (a cell of
#: near-identical vectors cannot be split: it is searched whole after them).
MAX_SPLIT_LEVELS = 3

log = logging.getLogger("samestory")


def widest_list(config: Config) -> int:
    return (config.ann_neighbours + 1) * EXPANSION * TWIN_SEARCH_FACTOR


def cell_neighbours(
    queries: Iterable[int],
    keys: np.ndarray,
    matrix: np.ndarray,
    config: Config,
    words: Sequence[Mapping[int, float]] | None = None,
    floors: Sequence[float] | None = None,
    flags: bool = False,
) -> Iterator[tuple[Any, ...]]:
    """Pairs ``(i, j)``, ``i < j``, of each query ``i`` (a key of a row of ``matrix``)
    with the neighbours the local engine's rule picks among the rows of ``matrix``.

    ``keys`` are the rows' article indices, ascending, so ties break by index as in the
    local stable ``argsort``. ``words`` are the rows' keywords (``candidates.keywords``),
    which the saturation test of some encoders reads (:func:`~samestory.candidates.
    saturation_test`); None: none known (the document cosine's rule). ``floors``: the
    rows' vector floors (:func:`~samestory.candidates.vector_floor`, a short text's
    lower); None: ``ann_min_cosine`` for every row. ``flags`` (rule L,
    ``switches.LONE_FLOOR_BAR``): ``(i, j, floor)``, ``floor`` whether the neighbour is
    in the list's part under ``ann_min_cosine`` (float32, as the list compares), which
    only a short text's lower floor reaches (``candidates.index._at_or_over``'s split).
    """
    budget = config.ann_neighbours + 1
    widest = min(widest_list(config), len(keys))
    saturated = SATURATED_COSINE[config.encoder]
    row_of = {int(k): r for r, k in enumerate(keys)}
    for i in queries:
        cosines = matrix @ matrix[row_of[i]]  # matrix-vector: as the local exact search
        order = np.argsort(-cosines, kind="stable")[:widest]
        test = (
            None
            if words is None
            else saturation_test(config.encoder, words[row_of[i]], words.__getitem__)
        )
        floor = config.ann_min_cosine if floors is None else floors[row_of[i]]
        chosen = select_neighbours(
            order, cosines[order], matrix, budget, floor, saturated, still_close=test
        )
        for r in chosen or ():
            j = int(keys[r])
            if j != i:
                pair = (i, j) if i < j else (j, i)
                yield (*pair, under_firm_bar(cosines[r], config)) if flags else pair


def under_firm_bar(cosine: float, config: Config) -> bool:
    """Rule L's flag of a list neighbour at ``cosine``: whether it is in the list's part
    under ``ann_min_cosine`` (compared in float32, as the list compares), which only a
    short text's lower floor reaches (``candidates.index._at_or_over``'s split)."""
    return bool(np.float32(cosine) < np.float32(config.ann_min_cosine))


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
    floors: list[float] | None = None,
    flags: bool = False,
) -> Iterator[tuple[Any, ...]]:
    """Neighbour pairs of ``queries`` in a cell, split while it is over the size bound
    (at most three levels: a cell of near-identical vectors cannot be split). ``words``,
    ``floors``, ``flags``: the rows' keywords and vector floors, and rule L's flag (see
    :func:`cell_neighbours`)."""
    if len(keys) <= MAX_CELL_FACTOR * cell_size or depth >= MAX_SPLIT_LEVELS:
        yield from cell_neighbours(queries, keys, matrix, config, words, floors, flags)
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
                None if floors is None else [floors[r] for r in stored],
                flags,
            )


def _search_cell(
    item: tuple[Any, Iterable[tuple[int, tuple[np.ndarray, dict[int, float], int | None], bool]]],
    config: Config,
    cell_size: int,
    largest: Accumulator | None = None,
    flags: bool = False,
) -> Iterator[tuple[Any, ...]]:
    """Neighbour pairs of one cell's queries. The key is an exact chunk (an int) or an
    IVF cell's path ``(cell, sub-cell, ...)``: the levels split on the executors, which
    the in-task split continues. ``largest``: the most vectors a cell's task held.
    ``flags``: rule L's flag on each pair (:func:`cell_neighbours`)."""
    key, members = item
    listed = sorted(members, key=lambda m: m[0])
    if largest is not None:
        largest.add(len(listed))
    keys, matrix = _matrix((i, vw[0]) for i, vw, _ in listed)
    words = [vw[1] for _, vw, _ in listed]
    floors = [row_floor(config, vw[2]) for _, vw, _ in listed]
    queries = sorted(i for i, _, is_query in listed if is_query)
    depth = len(key) - 1 if isinstance(key, tuple) else 0
    yield from _split_cell(queries, keys, matrix, config, cell_size, words, depth, floors, flags)


def row_floor(config: Config, n_words: int | None) -> float:
    """A search row's vector floor (:func:`~samestory.candidates.vector_floor`) by its
    word count; None (not known): long, ``ann_min_cosine``."""
    return config.ann_min_cosine if n_words is None else vector_floor(config, n_words)


def with_words(value: Any) -> tuple[np.ndarray, dict[int, float], int | None]:
    """A search input's ``(vector, keywords, word count)``: given as such, as ``(vector,
    keywords)`` or a bare vector (no keywords known: the document cosine's saturation
    rule; no word count: the long texts' floor, ``ann_min_cosine``)."""
    if isinstance(value, tuple):
        return value[0], value[1], (value[2] if len(value) > 2 else None)
    return value, {}, None


def vector_pairs(
    vectors: RDD,
    n: int,
    config: Config,
    partitions: int = 4,
    exact_limit: int = EXACT_SEARCH_LIMIT,
    cell_size: int = CELL_SIZE,
    task_bound: int | None = None,
    largest: Accumulator | None = None,
    flags: bool = False,
) -> RDD:
    """Pairs ``(i, j)``, ``i < j``: each article (``vectors``: ``(idx, unit vector)``, or
    ``(idx, (unit vector, keywords))`` for the encoders whose saturation test reads
    them, ``(idx, (unit vector, keywords, word count))`` for a short text's floor:
    :func:`row_floor`) with its distinct nearest neighbours, exactly up to
    ``exact_limit`` articles.

    Above it, IVF cells of about ``cell_size``; a cell over ``task_bound`` vectors
    (default ``MAX_TASK_FACTOR · cell_size``) is split on the executors before its
    vectors are grouped. ``largest`` (:func:`largest_accumulator`): gets the most vectors
    one cell's search task held. ``flags`` (rule L): ``((i, j), floor)`` instead, each
    pair once, ``floor`` whether every proposal of it (from either end) was in its
    list's part under ``ann_min_cosine`` (:func:`cell_neighbours`; the one shuffle that
    deduplicates the pairs ANDs their flags)."""
    vectors = vectors.mapValues(with_words)
    if n <= exact_limit:
        cells = _exact_cells(vectors, n, partitions)
        size = max(n, 1)  # never split
    else:
        bound = task_bound if task_bound is not None else MAX_TASK_FACTOR * cell_size
        cells = _ivf_cells(vectors, n, partitions, cell_size, bound)
        size = cell_size
    found = cells.groupByKey(partitions).flatMap(
        lambda item: _search_cell(item, config, size, largest, flags)
    )
    if flags:
        return found.map(lambda p: ((p[0], p[1]), p[2])).reduceByKey(operator.and_, partitions)
    return found.distinct(partitions)


class _Max:
    """Spark accumulator parameter: the largest value added (a task rerun adds the same)."""

    def zero(self, value: int) -> int:
        return 0

    def addInPlace(self, a: int, b: int) -> int:  # Spark's name
        return max(a, b)


def largest_accumulator(sc: SparkContext) -> Accumulator:
    """An accumulator for :func:`vector_pairs`' ``largest``: read its ``value`` after the
    pairs have been computed."""
    return sc.accumulator(0, _Max())  # type: ignore[arg-type]


def _exact_cells(vectors: RDD, n: int, partitions: int) -> RDD:
    """One cell of every vector, queried in ``chunks`` tasks: ``((chunk), (i, v, query))``."""
    chunks = max(1, min(partitions, math.ceil(n / 256)))

    def spread(item: tuple[int, Any]) -> Iterator[tuple[int, tuple[int, Any, bool]]]:
        i, v = item
        for chunk in range(chunks):
            yield chunk, (i, v, i % chunks == chunk)

    return vectors.flatMap(spread)


def _ivf_cells(vectors: RDD, n: int, partitions: int, cell_size: int, task_bound: int) -> RDD:
    """Vectors keyed by each of their CELL_COPIES nearest cells' paths: ``(cell,)``, or
    ``(cell, sub-cell, ...)`` for a cell over ``task_bound`` split on the executors."""
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
    ) -> Iterator[tuple[tuple[int, ...], tuple[int, Any, bool]]]:
        listed = list(items)
        if not listed:
            return
        matrix = np.vstack([v[0] for _, v in listed]).astype(np.float32)
        cells = nearest_cells(matrix, shared.value.astype(np.float32), CELL_COPIES)
        for (i, v), row in zip(listed, cells, strict=True):
            for rank, c in enumerate(row):
                yield (int(c),), (i, v, rank == 0)

    return split_oversized(vectors.mapPartitions(assign), n, partitions, cell_size, task_bound)


@dataclasses.dataclass(frozen=True)
class Members:
    """How the split on the executors reads a cell's members: ``vector`` (the member's
    unit vector), ``stored`` (the member as stored in the sub-cell of that rank among
    its nearest: a query queries only its nearest, rank 0), ``sampled`` (whether it may
    be drawn into the sample the sub-centroids are fitted on)."""

    vector: Callable[[Any], np.ndarray]
    stored: Callable[[Any, int], Any]
    sampled: Callable[[Any], bool]


def _job_vector(member: tuple[int, Any, bool]) -> np.ndarray:
    return member[1][0]  # type: ignore[no-any-return]


def _job_stored(member: tuple[int, Any, bool], rank: int) -> tuple[int, Any, bool]:
    return member[0], member[1], member[2] and rank == 0


def _any_member(member: Any) -> bool:
    return True


#: The job's members: ``(idx, (vector, keywords), is_query)``.
JOB_MEMBERS = Members(_job_vector, _job_stored, _any_member)


def split_oversized(
    cells: RDD,
    n: int,
    partitions: int,
    cell_size: int,
    task_bound: int,
    members: Members = JOB_MEMBERS,
) -> RDD:
    """``cells`` (``((cell,), member)``, each vector at most once a cell, ``n`` of them
    at most) with every cell over ``task_bound`` members split on the executors
    (:func:`_split_on_executors`), level after level while one is over it, up to
    MAX_SPLIT_LEVELS: keys become paths ``(cell, sub-cell, ...)``."""
    # A cell holds each vector once: none can be over the bound while n is not (then no
    # counting job: today's sizes run as before).
    levels = MAX_SPLIT_LEVELS if n > task_bound else 0
    for level in range(1, levels + 1):
        over = _oversized(cells, task_bound, partitions, level)
        if not over:
            break
        log.info(
            "spark: %d IVF cells over %d vectors (the largest %d) split on the executors, "
            "level %d",
            len(over), task_bound, max(over.values()), level,
        )  # fmt: skip
        cells = _split_on_executors(cells, over, partitions, cell_size, task_bound, level, members)
    return cells


def _oversized(
    cells: RDD, task_bound: int, partitions: int, level: int
) -> dict[tuple[int, ...], int]:
    """The cells (paths of ``level`` parts) over ``task_bound`` vectors, with their sizes:
    only they reach the driver, packed as 8 bytes a cell (two uint16 path parts at level
    2, the count as uint32), so the 65,536 sub-cells of 1B articles' level 2 pass a 1 MB
    ``spark.driver.maxResultSize``."""

    def pack(counted: Iterable[tuple[tuple[int, ...], int]]) -> Iterator[np.ndarray]:
        rows = [(*cell, size) for cell, size in counted if size > task_bound]
        if rows:
            table = np.array(rows, dtype=np.int64)
            yield np.hstack([table[:, :-1].astype(np.uint16).view(np.uint8),
                             table[:, -1:].astype(np.uint32).view(np.uint8)])  # fmt: skip

    packed = (
        cells.mapValues(lambda _: 1)
        .reduceByKey(lambda a, b: a + b, partitions)
        .mapPartitions(pack)
        .collect()
    )
    over: dict[tuple[int, ...], int] = {}
    for block in packed:
        parts = block[:, : 2 * level].copy().view(np.uint16)
        sizes = block[:, 2 * level :].copy().view(np.uint32)[:, 0]
        for path, size in zip(parts.tolist(), sizes.tolist(), strict=True):
            over[tuple(path)] = size
    return over


def sampled(i: int, salt: int) -> float:
    """A uniform number in [0, 1) of article ``i`` (splitmix64 of ``i`` and ``salt``): a
    sample that does not depend on the order a shuffle delivers the vectors in."""
    mask = (1 << 64) - 1
    z = (i * 0x9E3779B97F4A7C15 + salt * 0xBF58476D1CE4E5B9 + 0x632BE59BD9B4E019) & mask
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & mask
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & mask
    return (z ^ (z >> 31)) / float(1 << 64)


def sub_cell_count(size: int, cell_size: int, task_bound: int) -> int:
    """Sub-cells of a split cell of ``size`` vectors: as the in-task split (one a
    ``cell_size``), but at least enough that they average half the bound with their
    copies (a bound of a few cells' worth would otherwise leave each sub-cell most of
    its cell: 3 copies in 4 sub-cells); at most MAX_SUB_CELLS."""
    wanted = max(math.ceil(size / cell_size), math.ceil(2 * CELL_COPIES * size / task_bound))
    return max(2, min(MAX_SUB_CELLS, wanted))


def _split_on_executors(
    cells: RDD,
    over: Mapping[tuple[int, ...], int],
    partitions: int,
    cell_size: int,
    task_bound: int,
    level: int,
    read: Members = JOB_MEMBERS,
) -> RDD:
    """``cells`` with each cell of ``over`` (path: vectors) split as :func:`_split_cell`
    splits it, without one task holding it: spherical k-means on a sample of at most
    ``min(SUB_SAMPLE, task_bound)`` of its vectors (one task a cell), then its vectors
    assigned to the sub-centroids in salted groups of about ``task_bound`` (each group
    gets its cell's centroids: no centroid passes through the driver). A vector is
    stored in its CELL_COPIES nearest sub-cells and a query queries the nearest one
    (``read``: how the members say so)."""
    sc = cells.context
    # Per split cell: its sub-cells and its salts (groups of at most ~task_bound).
    plan = sc.broadcast(
        {
            cell: (sub_cell_count(size, cell_size, task_bound), math.ceil(size / task_bound))
            for cell, size in over.items()
        }
    )
    share = sc.broadcast(
        {cell: min(1.0, min(SUB_SAMPLE, task_bound) / size) for cell, size in over.items()}
    )
    big = cells.filter(lambda kv: kv[0] in plan.value)
    kept = cells.filter(lambda kv: kv[0] not in plan.value)

    def fit(item: tuple[tuple[int, ...], Iterable[tuple[int, np.ndarray]]]) -> tuple[Any, Any]:
        cell, rows = item
        _, matrix = _matrix(rows)  # in index order, as the in-task split's matrix
        return cell, spherical_kmeans(matrix, plan.value[cell][0], seed=level)

    centroids = (
        big.filter(lambda kv: read.sampled(kv[1]) and sampled(kv[1][0], level) < share.value[kv[0]])
        .mapValues(lambda m: (m[0], read.vector(m)))
        .groupByKey(partitions)
        .map(fit)
    )

    def salt_member(kv: tuple[tuple[int, ...], Any]) -> tuple[Any, Any]:
        cell, member = kv
        return (cell, member[0] % plan.value[cell][1]), (False, member)

    def salt_centroids(kv: tuple[tuple[int, ...], np.ndarray]) -> Iterator[tuple[Any, Any]]:
        cell, found = kv
        for salt in range(plan.value[cell][1]):
            yield (cell, salt), (True, found)

    def assign(item: tuple[Any, Iterable[tuple[bool, Any]]]) -> Iterator[tuple[Any, Any]]:
        (cell, _), tagged = item
        found, members = None, []
        for is_centroids, value in tagged:
            if is_centroids:
                found = value
            else:
                members.append(value)
        if not members:
            return
        if found is None:  # no vector sampled (tiny bounds): the cell stays whole
            yield from (((*cell, 0), m) for m in members)
            return
        matrix = np.vstack([read.vector(m) for m in members]).astype(np.float32)
        for member, row in zip(members, nearest_cells(matrix, found, CELL_COPIES), strict=True):
            for rank, sub in enumerate(row):
                yield (*cell, int(sub)), read.stored(member, rank)

    split = (
        big.map(salt_member)
        .union(centroids.flatMap(salt_centroids))
        .groupByKey(partitions)
        .flatMap(assign)
    )
    return kept.union(split)


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
