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

import contextlib
import gc
import os
import signal
import sys
import threading
import traceback
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

# multiprocessing is imported where a worker is forked or heard from, not here: modules
# that only need ForkSafeLock (align, lexical) are on the start-up path of `samestory
# compare`, and importing multiprocessing costs ~17 ms of it.
if TYPE_CHECKING:
    from multiprocessing.connection import Connection
    from multiprocessing.process import BaseProcess

T = TypeVar("T")

# Held while forking, so that gc.freeze/unfreeze of two threads do not interleave.
_fork_lock = threading.Lock()
# Open frozen_heap() blocks: the heap is frozen while there is one (gc.unfreeze undoes
# every gc.freeze at once, so the blocks are counted, under _fork_lock).
_frozen = 0
# Whether the heap was frozen before the outermost open block began (then it stays so).
_frozen_before = False


@contextlib.contextmanager
def frozen_heap() -> Iterator[None]:
    """Within the block, the objects that exist at its start are out of the garbage
    collector's sight (``gc.freeze``); it still collects the ones made since.

    Forked children then never visit the parent's objects (which would write to every
    one of them and so copy all of its pages, copy-on-write). And the parent, while it
    gathers its workers' results, does not walk its whole heap in a full collection: at
    100k articles one took ~2 s of the parent's CPU (3 M objects), time in which the
    workers finished their chunks and waited for it (2026-12-04).

    A heap already frozen when the first block opens stays frozen when the last one
    closes: ``gc.unfreeze`` would also thaw what the process froze for itself (Spark's
    workers, forked from :mod:`samestory.spark.daemon` with its imports frozen, would walk
    them again after every task once a task had run a block)."""
    global _frozen, _frozen_before
    with _fork_lock:
        if _frozen == 0:
            _frozen_before = gc.get_freeze_count() > 0
        gc.freeze()  # (again in an inner block: what was made since is frozen too)
        _frozen += 1
    try:
        yield
    finally:
        with _fork_lock:
            _frozen -= 1
            if _frozen == 0 and not _frozen_before:
                gc.unfreeze()


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
    import multiprocessing

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
    contiguous: bool = False,
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

    ``contiguous``: each worker runs a run of neighbouring chunks (see
    :class:`ChunkQueue`) instead of the next chunk of one shared list, for tasks whose
    neighbouring items share per-process caches (pair scoring: an article's neighbours
    in the corpus are mostly its candidates).

    An exception in a task is raised here, with the worker's traceback as a note. A
    worker that dies without finishing (killed, out of memory) raises
    :class:`WorkerDied` naming its items; it never leaves the caller waiting.
    """
    bounds = [(s, min(s + chunk_size, n_items)) for s in range(0, n_items, chunk_size)]
    parts: list[Sequence[T]] = [()] * len(bounds)
    done = 0
    for index, results in _chunk_results(task, bounds, workers, chunks_per_worker, contiguous):
        parts[index] = results
        done += len(results)
        if on_chunk is not None:
            on_chunk(done)
    return [result for part in parts for result in part]


class ChunkQueue:
    """Which chunk a worker slot runs next.

    Shared (``contiguous`` false): every slot takes the next chunk of one list, in order.
    Contiguous: chunk ``k`` of ``n`` starts in slot ``floor(k * slots / n)``'s segment,
    and a slot takes its own segment's chunks front to back; a slot whose segment is
    empty takes the *last* chunk of the segment with the most chunks left, so the owner
    keeps its run and nobody idles while chunks remain. Every chunk is taken once.
    """

    def __init__(self, n_chunks: int, slots: int, contiguous: bool) -> None:
        cuts = [n_chunks * s // slots for s in range(slots + 1)] if contiguous else [0, n_chunks]
        # [next, end) of each segment
        self.segments = [[cuts[s], cuts[s + 1]] for s in range(len(cuts) - 1)]
        self.left = n_chunks

    def take(self, slot: int) -> int:
        """The chunk ``slot`` runs next (only while :attr:`left` is above 0)."""
        if self.left == 0:
            raise IndexError("every chunk is taken")
        self.left -= 1
        own = self.segments[slot % len(self.segments)]
        if own[0] < own[1]:
            own[0] += 1
            return own[0] - 1
        fullest = max(self.segments, key=lambda seg: seg[1] - seg[0])
        fullest[1] -= 1
        return fullest[1]


def _chunk_results(
    task: Callable[[int, int], Sequence[T]],
    bounds: list[tuple[int, int]],
    workers: int,
    chunks_per_worker: int | None,
    contiguous: bool,
) -> Iterator[tuple[int, Sequence[T]]]:
    """``(k, task(*bounds[k]))`` for each chunk ``k``, as they finish (see :func:`map_chunks`)."""
    if workers <= 1 or len(bounds) <= 1:
        for k, (start, stop) in enumerate(bounds):
            yield k, task(start, stop)
        return
    from multiprocessing.connection import wait

    # Chunks are handed out one at a time as workers finish them, so a slow chunk does
    # not leave a core idle.
    per_worker = chunks_per_worker or len(bounds)
    queue = ChunkQueue(len(bounds), workers, contiguous)
    running: dict[Connection, tuple[_Worker, int]] = {}  # each live worker and its slot
    free_slots = list(range(workers - 1, -1, -1))
    received = 0

    def chunk(index: int) -> Sequence[T]:
        return task(*bounds[index])

    def items(index: int) -> str:
        start, stop = bounds[index]
        return f"items {start}-{stop - 1}"

    # The heap frozen while the results come in (see frozen_heap): no full collection
    # walks it between two chunks while the workers wait.
    with frozen_heap():
        try:
            while received < len(bounds):
                while free_slots and queue.left:
                    slot = free_slots.pop()
                    worker = _Worker.fork(chunk, items)
                    running[worker.conn] = worker, slot
                    worker.assign(queue.take(slot))
                for conn in wait(list(running)):
                    worker, slot = running[conn]  # type: ignore[index]
                    index = worker.in_flight
                    message = worker.receive_message()
                    if message is None:  # it has exited, its work done
                        del running[worker.conn]
                        if slot != _RETIRED:
                            free_slots.append(slot)
                        continue
                    # The worker's next chunk before this one's results are unpickled here
                    # (~5-35 ms a chunk, more on a large heap): it computes meanwhile.
                    if worker.given < per_worker and queue.left:
                        worker.assign(queue.take(slot))
                    else:
                        worker.retire()
                        # Its replacement is forked now, not once it has exited: a worker
                        # that copied many pages takes a while to give them back.
                        running[worker.conn] = worker, _RETIRED
                        free_slots.append(slot)
                    received += 1
                    yield index, worker.result_of(message)
        finally:
            for worker, _ in running.values():
                worker.stop()


# The slot of a worker told to exit: its replacement has the slot.
_RETIRED = -1


class WorkerPool:
    """``workers`` forked processes, each running the jobs it is sent (``handle(job)``,
    one at a time) and sending back the result, until the pool closes.

    Unlike :func:`map_chunks`' workers, a pool's live through several kinds of job, so a
    worker can keep what an earlier job computed (state in ``handle``'s closure, its
    own copy after the fork) and the caller decides which worker gets which job: e.g.
    a second job on the data a first one read, sent to the worker that read it. They
    are all forked when the pool opens, and none later, so the caller may start
    threads once it has opened (a fork copies only the forking thread).
    """

    def __init__(self, handle: Callable[[Any], Any], workers: int) -> None:
        self.handle = handle
        self.size = workers
        self.workers: list[_Worker] = []
        self.busy: set[int] = set()

    def __enter__(self) -> WorkerPool:
        try:
            for _ in range(self.size):
                self.workers.append(_Worker.fork(self.handle, lambda job: f"job {job!r:.60}"))
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Stop every worker (running jobs are abandoned)."""
        for worker in self.workers:
            worker.stop()
        self.busy.clear()

    def idle(self) -> list[int]:
        """The workers (by number) with no job."""
        return [k for k in range(len(self.workers)) if k not in self.busy]

    def submit(self, worker: int, job: Any) -> None:
        """Send ``job`` to worker number ``worker``, which must be idle."""
        if worker in self.busy:
            raise RuntimeError(f"worker {worker} is busy")
        self.workers[worker].assign(job)
        self.busy.add(worker)

    def next_result(self) -> tuple[int, Any, Any]:
        """``(worker, job, result)`` of a job that has finished (waiting for one).

        An exception in a job is raised here, with the worker's traceback as a note; a
        worker that died raises :class:`WorkerDied`."""
        if not self.busy:
            raise RuntimeError("no job is running")
        from multiprocessing.connection import wait

        conns = {self.workers[k].conn: k for k in self.busy}
        conn = wait(list(conns))[0]
        number = conns[conn]  # type: ignore[index]
        self.busy.discard(number)
        got = self.workers[number].receive()
        if got is None:  # exited between jobs: only when stopped
            raise WorkerDied(f"worker {number} exited")
        job, result = got
        return number, job, result


@contextlib.contextmanager
def beside(call: Callable[[], T], fork: bool = True) -> Iterator[Callable[[], T]]:
    """Within the block, ``call()`` runs on a forked child (one :class:`WorkerPool`
    worker, so it sees this process's memory as at the block's start) while this
    process does other work; the block gets a function that returns its result,
    waiting for it (an exception in ``call`` is raised there).

    Without ``fork``, or where :func:`can_fork` is false, that function calls ``call()``
    here on its first use: the same result, one process. For independent work of a
    serial stage (two groupings of one set of pairs) that two cores can share; ``call``
    must not use what a fork does not carry (a database connection, threads)."""
    got: list[T] = []
    if not (fork and can_fork()):

        def here() -> T:
            if not got:
                got.append(call())
            return got[0]

        yield here
        return
    with WorkerPool(lambda _job: call(), 1) as pool:
        pool.submit(0, 0)  # (a job of None would stop the worker)

        def there() -> T:
            if not got:
                got.append(pool.next_result()[2])
            return got[0]

        yield there


class WorkerDied(RuntimeError):
    """A worker process ended before sending the results of the chunk it was given."""


class _Worker:
    """A forked process that runs the jobs it is sent, one at a time, until told to stop."""

    def __init__(
        self, process: BaseProcess, conn: Connection, describe: Callable[[Any], str]
    ) -> None:
        self.process = process
        self.conn = conn
        self.describe = describe  # a job, in words (for WorkerDied)
        self.given = 0
        self.in_flight: Any = None
        self.running = False

    @classmethod
    def fork(cls, handle: Callable[[Any], Any], describe: Callable[[Any], str]) -> _Worker:
        import multiprocessing

        context = multiprocessing.get_context("fork")
        conn, child_conn = context.Pipe()
        process = context.Process(target=_serve, args=(handle, child_conn), daemon=True)
        # Frozen objects are never visited by the child's garbage collector, which
        # would otherwise write to every object of the parent's heap and so copy all of
        # its pages (copy-on-write): more memory, and workers ~30% slower.
        with frozen_heap():
            process.start()
        child_conn.close()  # the child holds the only other end: EOF when it exits
        return cls(process, conn, describe)

    def assign(self, job: Any) -> None:
        self.conn.send(job)
        self.in_flight = job
        self.running = True
        self.given += 1

    def retire(self) -> None:
        self.conn.send(None)

    def receive(self) -> tuple[Any, Any] | None:
        """``(job, result)`` of the job in flight, or None once the worker has exited
        with no job in flight; a job's exception is raised here."""
        job = self.in_flight
        message = self.receive_message()
        return None if message is None else (job, self.result_of(message))

    def receive_message(self) -> bytes | None:
        """The message of the job in flight, its result still pickled
        (:meth:`result_of`), or None once the worker has exited with no job in flight;
        a job's exception is raised here."""
        try:
            message = self.conn.recv_bytes()
        except EOFError:
            self.process.join()
            self.conn.close()
            if self.running:
                raise WorkerDied(
                    f"a worker process exited (code {self.process.exitcode}) before "
                    f"finishing {self.describe(self.in_flight)}: killed, or out of memory? "
                    "Run with workers=1 (--workers 1) to use one process."
                ) from None
            return None
        self.running = False
        if message[:1] == _RAISED:  # the job raised: re-raise it here, with its traceback
            raise _Worker.result_of(message)
        return message

    @staticmethod
    def result_of(message: bytes) -> Any:
        """The result a job's message holds (:meth:`receive_message`)."""
        from multiprocessing.reduction import ForkingPickler

        return ForkingPickler.loads(memoryview(message)[1:])

    def stop(self) -> None:
        if self.process.is_alive():
            self.process.kill()
        self.process.join()
        self.conn.close()


def _serve(handle: Callable[[Any], Any], conn: Connection) -> None:
    """The body of a worker: run each job it is sent; stop at None (or if the parent
    goes away); send back its pickled result after ``_DONE``, or the exception after
    ``_RAISED`` if the job raised (one byte first, so the parent can tell which without
    unpickling the result)."""
    # Ctrl-C reaches the whole process group: the parent handles it (and stops its
    # workers), instead of every worker printing a traceback.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    from multiprocessing.reduction import ForkingPickler

    try:
        while (job := conn.recv()) is not None:
            conn.send_bytes(_DONE + ForkingPickler.dumps(handle(job)))
    except EOFError:
        pass
    except Exception as exc:
        exc.add_note(f"(raised in a samestory worker process:\n{traceback.format_exc().rstrip()})")
        try:
            message = _RAISED + ForkingPickler.dumps(exc)
        except Exception:  # not picklable: send what it said
            message = _RAISED + ForkingPickler.dumps(RuntimeError(f"{type(exc).__name__}: {exc}"))
        conn.send_bytes(message)
    finally:
        conn.close()


# The first byte of a worker's message: a result follows, or the job's exception.
_DONE, _RAISED = b"\x01", b"\x00"
