"""Connected components of a graph held as an RDD of edges, with nothing collected.

The large-star / small-star iteration of Kiveris et al. (2014), as text-dedup runs it on
Spark. Edges ``(u, v)`` are rewritten until every node points at the smallest node of
its component:

- *large-star*: each node ``u`` with neighbourhood ``N(u)`` links every neighbour
  ``v > u`` to ``m = min(N(u) ∪ {u})``;
- *small-star*: each node ``u`` with smaller neighbours ``S(u) = {v ≤ u}`` links every
  node of ``S(u) ∪ {u}`` other than ``m = min(S(u) ∪ {u})`` to ``m``.

Neither step changes the components; together they converge in ``O(log² n)`` rounds
(in practice a handful) to stars centred on each component's minimum. A round is a few
shuffles of integer pairs with ``partitions`` partitions; only counts reach the driver.
A node's neighbour list is held in one task: a component of ``m`` nodes has a star of
``m`` integers at its centre (8·m bytes, 80 MB for 10⁷).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pyspark import RDD

#: Graphs with at most this many edges are solved in one task (union-find on an
#: executor, ~100 B an edge): a round of large/small-star costs several shuffles, which
#: small graphs do not need.
ONE_TASK_EDGES = 2_000_000
#: Rounds after which the iteration stops even if edges still change (never reached in
#: practice: the bound is O(log² n)).
MAX_ROUNDS = 64


def _both_ways(edge: tuple[int, int]) -> list[tuple[int, int]]:
    u, v = edge
    return [(u, v), (v, u)]


def _large_star(item: tuple[int, Iterable[int]]) -> Iterator[tuple[int, int]]:
    u, neighbours = item
    nodes = set(neighbours)
    m = min(min(nodes), u)
    for v in nodes:
        if v > u:
            yield v, m


def _smaller_first(edge: tuple[int, int]) -> tuple[int, int]:
    u, v = edge
    return (u, v) if v <= u else (v, u)


def _small_star(item: tuple[int, Iterable[int]]) -> Iterator[tuple[int, int]]:
    u, neighbours = item
    nodes = set(neighbours)
    nodes.add(u)
    m = min(nodes)
    for v in nodes:
        if v != m:
            yield v, m


def _union_find(edges: Iterable[tuple[int, int]]) -> Iterator[tuple[int, int]]:
    parent: dict[int, int] = {}

    def find(x: int) -> int:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for u, v in edges:
        ru, rv = find(u), find(v)
        if ru != rv:
            parent[max(ru, rv)] = min(ru, rv)
    for x in list(parent):
        yield x, find(x)


def connected_components(
    edges: RDD,
    partitions: int,
    one_task_edges: int = ONE_TASK_EDGES,
    most_edges: int | None = None,
) -> RDD:
    """``(node, component)`` for every node of ``edges`` (pairs of ints), where the
    component is the smallest node connected to it (the node itself for a minimum).

    Up to ``one_task_edges`` distinct edges, union-find in one task; above, the
    large-star/small-star iteration. Either way the driver receives counts only.

    The result comes back computed and persisted (memory and disk) and every RDD the
    iteration cached is released: the caller unpersists the result when done with it.
    ``most_edges``: a bound on the edges that the caller knows from its sizes. Within
    ``one_task_edges`` the union-find runs without counting the edges, and the result
    comes back persisted but *not computed* (the caller's next job computes it): two
    jobs fewer, which on a small input cost more than the work (an incremental day).
    """
    from pyspark import StorageLevel

    current = edges.filter(lambda e: e[0] != e[1]).distinct(partitions)
    if most_edges is not None and most_edges <= one_task_edges:
        one_task = current.coalesce(1).mapPartitions(_union_find)
        return one_task.persist(StorageLevel.MEMORY_AND_DISK)
    current.persist(StorageLevel.MEMORY_AND_DISK)
    if current.count() <= one_task_edges:
        return computed(current.coalesce(1).mapPartitions(_union_find), current)
    for _ in range(MAX_ROUNDS):
        large = (
            current.flatMap(_both_ways)
            .groupByKey(partitions)
            .flatMap(_large_star)
            .distinct(partitions)
        )
        small = (
            large.map(_smaller_first)
            .groupByKey(partitions)
            .flatMap(_small_star)
            .distinct(partitions)
            .persist(StorageLevel.MEMORY_AND_DISK)
        )
        changed = current.subtract(small, partitions).union(small.subtract(current, partitions))
        done = changed.isEmpty()
        current.unpersist()
        current = small
        if done:
            break
    # Now every edge is (node, minimum of its component); minima point at themselves.
    minima = current.values().distinct(partitions).map(lambda m: (m, m))
    return computed(current.union(minima), current)


def computed(result: RDD, *sources: RDD) -> RDD:
    """``result`` persisted and computed, then the cached ``sources`` it was computed
    from released (without it, the last round's edges stayed cached until the job
    ended: nothing else held a reference to unpersist them)."""
    from pyspark import StorageLevel

    result.persist(StorageLevel.MEMORY_AND_DISK)
    result.count()
    for source in sources:
        source.unpersist()
    return result
