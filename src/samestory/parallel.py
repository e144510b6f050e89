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

Module-level locks of code the workers run are :class:`ForkSafeLock`: re-created in
the child after a fork, so a lock that another thread held at the moment of the fork
cannot deadlock a worker.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import signal
import sys
import threading
import traceback
from collections.abc import Callable, Iterator, Sequence
from multiprocessing.connection import Connection, wait
from multiprocessing.process import BaseProcess
from typing import Any, TypeVar

T = TypeVar("T")

# Held while forking, so that gc.freeze/unfreeze of two threads do not interleave.
_fork_lock = threading.Lock()
# Default chunks a worker process runs before it exits and a fresh fork replaces it.
CHUNKS_PER_WORKER = 8


class ForkSafeLock:
    """A ``threading.Lock`` that a forked child starts with unlocked.

    A fork copies only the forking thread; a lock another thread held at that moment
    would stay locked in the child for ever. For module-level locks of code that forked
    workers run (the fork handler keeps the lock alive for the life of the process).
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        os.register_at_fork(after_in_child=self._renew)

    def _renew(self) -> None:
        self._lock = threading.Lock()

    def __enter__(self) -> bool:
        return self._lock.acquire()

    def __exit__(self, *exc: object) -> None:
        self._lock.release()


def usable_cpus() -> int:
    """CPUs this process may run on (respects affinity masks, e.g. taskset/cpusets)."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def can_fork() -> bool:
    """True where forked workers are safe: Linux, and not inside a daemonic worker."""
    return (
        sys.platform.startswith("linux")
        and "fork" in multiprocessing.get_all_start_methods()
        and not multiprocessing.current_process().daemon
    )


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
    called in this process with the number of items done so far.

    ``chunks_per_worker``: chunks a worker runs before it exits and a fresh fork takes
    its place (None: workers run until the chunks run out). A worker copies the pages of
    the parent's objects it reads (reference counts are writes), so for tasks that read
    objects all over the heap (pair scoring) short-lived workers keep those private
    copies small instead of letting them grow to the whole heap.

    An exception in a task is raised here, with the worker's traceback as a note. A
    worker that dies without finishing (killed, out of memory) raises
    :class:`WorkerDied` naming its items; it never leaves the caller waiting.
    """
    out: list[T] = []
    for stop, results in _results_in_order(task, n_items, workers, chunk_size, chunks_per_worker):
        out.extend(results)
        if on_chunk is not None:
            on_chunk(stop)
    return out


def _results_in_order(
    task: Callable[[int, int], Sequence[T]],
    n_items: int,
    workers: int,
    chunk_size: int,
    chunks_per_worker: int | None,
) -> Iterator[tuple[int, Sequence[T]]]:
    """``(stop, task(start, stop))`` for each chunk, in order (see :func:`map_chunks`)."""
    bounds = [(s, min(s + chunk_size, n_items)) for s in range(0, n_items, chunk_size)]
    if workers <= 1 or len(bounds) <= 1:
        for start, stop in bounds:
            yield stop, task(start, stop)
        return
    # Chunks are handed out one at a time as workers finish them, so a slow chunk does
    # not leave a core idle.
    per_worker = chunks_per_worker or len(bounds)
    done: dict[int, Sequence[T]] = {}
    running: dict[Connection, _Worker] = {}
    handed = emitted = 0
    try:
        while emitted < len(bounds):
            while len(running) < workers and handed < len(bounds):
                worker = _Worker.fork(task, bounds)
                running[worker.conn] = worker
                worker.assign(handed)
                handed += 1
            for conn in wait(list(running)):
                worker = running[conn]  # type: ignore[index]
                if worker.receive(done):  # it has exited, its work done
                    del running[worker.conn]
                elif worker.given < per_worker and handed < len(bounds):
                    worker.assign(handed)
                    handed += 1
                else:
                    worker.retire()
            while emitted in done:
                yield bounds[emitted][1], done.pop(emitted)
                emitted += 1
    finally:
        for worker in running.values():
            worker.stop()


class WorkerDied(RuntimeError):
    """A worker process ended before sending the results of the chunk it was given."""


class _Worker:
    """A forked process that runs the chunks it is sent, one at a time, until told to stop."""

    def __init__(
        self, process: BaseProcess, conn: Connection, bounds: list[tuple[int, int]]
    ) -> None:
        self.process = process
        self.conn = conn
        self.bounds = bounds
        self.given = 0
        self.in_flight: int | None = None

    @classmethod
    def fork(
        cls, task: Callable[[int, int], Sequence[Any]], bounds: list[tuple[int, int]]
    ) -> _Worker:
        context = multiprocessing.get_context("fork")
        conn, child_conn = context.Pipe()
        process = context.Process(target=_serve, args=(task, bounds, child_conn), daemon=True)
        with _fork_lock:
            # Frozen objects are never visited by the child's garbage collector, which
            # would otherwise write to every object of the parent's heap and so copy all
            # of its pages (copy-on-write): more memory, and workers ~30% slower.
            gc.freeze()
            try:
                process.start()
            finally:
                gc.unfreeze()
        child_conn.close()  # the child holds the only other end: EOF when it exits
        return cls(process, conn, bounds)

    def assign(self, index: int) -> None:
        self.conn.send(index)
        self.in_flight = index
        self.given += 1

    def retire(self) -> None:
        self.conn.send(None)

    def receive(self, done: dict[int, Any]) -> bool:
        """Read one result into ``done``; True once the worker has exited."""
        try:
            index, payload = self.conn.recv()
        except EOFError:
            self.process.join()
            self.conn.close()
            if self.in_flight is not None:
                start, stop = self.bounds[self.in_flight]
                raise WorkerDied(
                    f"a worker process exited (code {self.process.exitcode}) before "
                    f"finishing items {start}-{stop - 1}: killed, or out of memory? "
                    "Run with workers=1 (--workers 1) to use one process."
                ) from None
            return True
        if index < 0:  # the task raised: re-raise it here, with the worker's traceback
            raise payload
        done[index] = payload
        self.in_flight = None
        return False

    def stop(self) -> None:
        if self.process.is_alive():
            self.process.kill()
        self.process.join()
        self.conn.close()


def _serve(
    task: Callable[[int, int], Sequence[Any]], bounds: list[tuple[int, int]], conn: Connection
) -> None:
    """The body of a worker: run each chunk it is sent; stop at None (or if the parent
    goes away); send back the results, or the exception the task raised."""
    # Ctrl-C reaches the whole process group: the parent handles it (and stops its
    # workers), instead of every worker printing a traceback.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        while (index := conn.recv()) is not None:
            conn.send((index, task(*bounds[index])))
    except EOFError:
        pass
    except Exception as exc:
        exc.add_note(f"(raised in a samestory worker process:\n{traceback.format_exc().rstrip()})")
        try:
            conn.send((-1, exc))
        except Exception:  # not picklable: send what it said
            conn.send((-1, RuntimeError(f"{type(exc).__name__}: {exc}")))
    finally:
        conn.close()
