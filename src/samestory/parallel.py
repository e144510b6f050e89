"""Run pure-Python work on every core: forked worker processes that inherit their inputs.

Pair scoring is Python code that holds the GIL, so threads do not speed it up; processes
do. With the ``fork`` start method the workers see the parent's memory as it was at the
fork (copy-on-write), so the features they score need neither pickling nor copying; only
the results travel back, in order. Work is split into contiguous chunks ``[start, stop)``
of an index range; :func:`map_chunks` returns the concatenated results, exactly what one
process would have produced.

Forking is used only where it is safe and pays:

- on Linux (macOS system libraries are not fork-safe, and Windows has no fork);
- not from inside a daemonic worker (which may not have children);
- with at least ``min_per_worker`` items per worker: starting a worker and sending
  results back costs a few milliseconds, which a few hundred pairs do not repay.

Module-level locks of the library are re-created in the child after a fork (see
``os.register_at_fork`` in :mod:`samestory.align` and :mod:`samestory.lexical`), so a
lock that another thread held at the moment of the fork cannot deadlock a worker.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar

T = TypeVar("T")

# The task workers run, set while the pool forks (inherited by the children, never pickled).
_task: Callable[[int, int], Sequence[Any]] | None = None
_fork_lock = threading.Lock()
# Default chunks a worker process runs before it exits and a fresh fork replaces it.
CHUNKS_PER_WORKER = 8


def usable_cpus() -> int:
    """CPUs this process may run on (respects affinity masks, e.g. taskset/cpusets)."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def can_fork() -> bool:
    """True where forked workers are safe: Linux, and not inside a daemonic worker."""
    return (sys.platform.startswith("linux")
            and "fork" in multiprocessing.get_all_start_methods()
            and not multiprocessing.current_process().daemon)


def worker_count(requested: int, n_items: int, min_per_worker: int) -> int:
    """Workers to use for ``n_items``: ``requested`` (0 = one per usable CPU), no more than
    ``n_items // min_per_worker``, and 1 (no workers: run in this process) where
    :func:`can_fork` is false."""
    if requested < 0:
        raise ValueError(f"workers must be >= 0, got {requested}")
    wanted = usable_cpus() if requested == 0 else requested
    if wanted <= 1 or not can_fork():
        return 1
    return max(1, min(wanted, n_items // max(min_per_worker, 1)))


def map_chunks(
    task: Callable[[int, int], Sequence[T]],
    n_items: int,
    workers: int,
    chunk_size: int,
    on_chunk: Callable[[int], None] | None = None,
    chunks_per_worker: int | None = CHUNKS_PER_WORKER,
) -> list[T]:
    """``task(0, c) + task(c, 2c) + ...`` over ``range(n_items)``, on ``workers`` processes.

    ``task(start, stop)`` returns the results of items ``start..stop-1``; it is called in
    forked children (``workers > 1``) or in this process (``workers == 1``). Results are
    concatenated in item order whatever order the chunks finish in. ``on_chunk(done)`` is
    called in this process with the number of items done so far. An exception in a
    worker is raised here. See :func:`imap_chunks` for ``chunks_per_worker``.
    """
    out: list[T] = []
    for stop, results in imap_chunks(task, n_items, workers, chunk_size, chunks_per_worker):
        out.extend(results)
        if on_chunk is not None:
            on_chunk(stop)
    return out


def imap_chunks(
    task: Callable[[int, int], Sequence[T]],
    n_items: int,
    workers: int,
    chunk_size: int,
    chunks_per_worker: int | None = CHUNKS_PER_WORKER,
) -> Iterator[tuple[int, Sequence[T]]]:
    """``(stop, task(start, stop))`` for each chunk in order, as soon as it is done, so
    the caller can work on early chunks while the workers compute later ones.

    ``chunks_per_worker``: chunks a worker runs before it exits and a fresh fork takes
    its place (None: workers live for the whole map). A worker copies the pages of the
    parent's objects it reads (reference counts are writes), so for tasks that read
    objects all over the heap (pair scoring) short-lived workers keep those private
    copies small instead of letting them grow to the whole heap.
    """
    bounds = [(s, min(s + chunk_size, n_items)) for s in range(0, n_items, chunk_size)]
    if workers <= 1 or len(bounds) <= 1:
        for start, stop in bounds:
            yield stop, task(start, stop)
        return
    global _task
    # Held for the whole map: retired workers are replaced by new forks, which must
    # inherit this task, so one map at a time per process.
    with _fork_lock:
        _task = task
        # Frozen objects are never visited by the children's garbage collector, which
        # would otherwise write to every object of the parent's heap and so copy all of
        # its pages (copy-on-write): more memory, and workers ~30% slower.
        gc.freeze()
        try:
            with multiprocessing.get_context("fork").Pool(
                    min(workers, len(bounds)), maxtasksperchild=chunks_per_worker) as pool:
                for (_, stop), results in zip(bounds, pool.imap(_run_chunk, bounds),
                                              strict=True):
                    yield stop, results
        finally:
            gc.unfreeze()
            _task = None


def _run_chunk(bounds: tuple[int, int]) -> Sequence[Any]:
    if _task is None:  # cannot happen while map_chunks holds _fork_lock
        raise RuntimeError("samestory.parallel: worker has no task")
    return _task(*bounds)
