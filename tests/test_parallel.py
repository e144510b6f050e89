"""Forked workers: the same results, in the same order, as one process."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from samestory import parallel

needs_fork = pytest.mark.skipif(not parallel.can_fork(), reason="no safe fork here")


def test_a_fork_safe_lock_costs_no_multiprocessing_import() -> None:
    # align and lexical (on `samestory compare`'s start-up path) only need ForkSafeLock;
    # multiprocessing (~17 ms) is imported once a worker is forked.
    code = (
        "import sys, samestory.align, samestory.lexical\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'multiprocessing'))"
    )
    src = str(Path(parallel.__file__).resolve().parents[1])  # this tree's, not an install's
    env = {**os.environ, "PYTHONPATH": src}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def squares(start: int, stop: int) -> list[tuple[int, int]]:
    return [(i, i * i) for i in range(start, stop)]


@needs_fork
@settings(max_examples=15, deadline=None)
@given(n=st.integers(0, 60), chunk=st.integers(1, 17), workers=st.integers(1, 3))
def test_map_chunks_matches_one_process(n: int, chunk: int, workers: int) -> None:
    assert parallel.map_chunks(squares, n, workers, chunk) == squares(0, n)


@needs_fork
@settings(max_examples=10, deadline=None)
@given(n=st.integers(0, 60), chunk=st.integers(1, 17), workers=st.integers(1, 3))
def test_contiguous_chunks_match_one_process(n: int, chunk: int, workers: int) -> None:
    done: list[int] = []
    out = parallel.map_chunks(squares, n, workers, chunk, on_chunk=done.append, contiguous=True)
    assert out == squares(0, n)
    assert done == sorted(done) and done[-1:] == ([n] if n else [])


@settings(max_examples=200, deadline=None)
@given(
    n_chunks=st.integers(0, 40),
    slots=st.integers(1, 4),
    contiguous=st.booleans(),
    asks=st.lists(st.integers(0, 3), max_size=60),
)
def test_chunk_queue_hands_each_chunk_once_in_runs(
    n_chunks: int, slots: int, contiguous: bool, asks: list[int]
) -> None:
    queue = parallel.ChunkQueue(n_chunks, slots, contiguous)
    taken: dict[int, list[int]] = {slot: [] for slot in range(slots)}
    for ask in asks + list(range(slots)) * n_chunks:  # then everyone until none are left
        if not queue.left:
            break
        taken[ask % slots].append(queue.take(ask % slots))
    assert sorted(k for chunks in taken.values() for k in chunks) == list(range(n_chunks))
    with pytest.raises(IndexError):
        queue.take(0)
    for slot, chunks in taken.items():
        if not contiguous:
            assert chunks == sorted(chunks)  # one shared list, in order
            continue
        # A slot's own segment first, front to back, from its first chunk on...
        start, end = n_chunks * slot // slots, n_chunks * (slot + 1) // slots
        own = [k for k in chunks if start <= k < end]
        assert own == list(range(start, start + len(own)))
        assert chunks[: len(own)] == own
        # ...then others' chunks taken from their ends (descending within a segment).
        for other in range(slots):
            lo, hi = n_chunks * other // slots, n_chunks * (other + 1) // slots
            stolen = [k for k in chunks[len(own) :] if lo <= k < hi]
            assert stolen == sorted(stolen, reverse=True)


@needs_fork
def test_work_runs_in_other_processes_and_reports_progress() -> None:
    done: list[int] = []
    pids = parallel.map_chunks(
        lambda s, e: [os.getpid()] * (e - s), 40, 2, 10, on_chunk=done.append
    )
    assert os.getpid() not in pids
    assert done == [10, 20, 30, 40]


@needs_fork
def test_a_worker_error_is_raised_in_the_caller() -> None:
    def fail_on_25(start: int, stop: int) -> list[int]:
        if start <= 25 < stop:
            raise ValueError("record 25 is bad")
        return list(range(start, stop))

    with pytest.raises(ValueError, match="record 25 is bad"):
        parallel.map_chunks(fail_on_25, 40, 2, 10)


def test_worker_count_rules(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parallel, "can_fork", lambda: True)
    monkeypatch.setattr(parallel, "usable_cpus", lambda: 4)
    assert parallel.worker_count(0, 100_000, 1000) == 4  # 0: one per CPU
    assert parallel.worker_count(2, 100_000, 1000) == 2
    assert parallel.worker_count(1, 100_000, 1000) == 1
    assert parallel.worker_count(0, 2_500, 1000) == 2  # at least 1,000 items each
    assert parallel.worker_count(0, 999, 1000) == 1
    monkeypatch.setattr(parallel, "can_fork", lambda: False)
    assert parallel.worker_count(4, 100_000, 1000) == 1
    with pytest.raises(ValueError, match="workers"):
        parallel.worker_count(-1, 10, 1)


@needs_fork
def test_a_worker_that_dies_is_an_error_not_a_hang() -> None:
    def die_on_25(start: int, stop: int) -> list[int]:
        if start <= 25 < stop:
            os.kill(os.getpid(), 9)  # as the kernel's out-of-memory killer would
        return list(range(start, stop))

    with pytest.raises(parallel.WorkerDied, match="items 20-29"):
        parallel.map_chunks(die_on_25, 40, 2, 10, chunks_per_worker=1)


@needs_fork
def test_workers_retire_and_are_replaced() -> None:
    pids = parallel.map_chunks(lambda s, e: [os.getpid()] * (e - s), 60, 2, 10, chunks_per_worker=2)
    chunks_per_pid = {pid: pids.count(pid) // 10 for pid in set(pids)}
    assert max(chunks_per_pid.values()) <= 2 and len(chunks_per_pid) >= 3


@needs_fork
def test_fork_safe_lock_is_free_in_a_child_forked_while_it_was_held() -> None:
    import time

    lock = parallel.ForkSafeLock()
    with lock:  # held here while the child is forked
        pid = os.fork()
        if pid == 0:
            with lock:  # a plain threading.Lock would block for ever
                os._exit(0)
    deadline = time.monotonic() + 10
    while (status := os.waitpid(pid, os.WNOHANG))[0] == 0 and time.monotonic() < deadline:
        time.sleep(0.01)
    if status[0] == 0:
        os.kill(pid, 9)
        os.waitpid(pid, 0)
    assert status[0] == pid and os.waitstatus_to_exitcode(status[1]) == 0


@needs_fork
def test_a_pool_worker_keeps_its_state_and_gets_the_jobs_it_is_sent() -> None:
    kept: list[int] = []  # each worker's own copy after the fork

    def handle(job: tuple[str, int]) -> tuple[int, list[int]]:
        kind, value = job
        if kind == "keep":
            kept.append(value)
        return os.getpid(), list(kept)

    with parallel.WorkerPool(handle, 2) as pool:
        assert pool.idle() == [0, 1]
        pool.submit(0, ("keep", 1))
        pool.submit(1, ("keep", 2))
        with pytest.raises(RuntimeError, match="busy"):
            pool.submit(0, ("keep", 3))
        got = {pool.next_result()[0] for _ in range(2)}
        assert got == {0, 1} and pool.idle() == [0, 1]
        pool.submit(0, ("keep", 3))
        worker, job, (pid, state) = pool.next_result()
        assert (worker, job, state) == (0, ("keep", 3), [1, 3])
        assert pid != os.getpid()
        pool.submit(1, ("show", 0))
        assert pool.next_result()[2][1] == [2]
    assert kept == []  # the parent's list was never touched


@needs_fork
def test_a_pool_job_error_is_raised_and_a_dead_worker_is_an_error() -> None:
    def handle(job: str) -> str:
        if job == "fail":
            raise ValueError("job failed")
        if job == "die":
            os.kill(os.getpid(), 9)
        return job

    with parallel.WorkerPool(handle, 2) as pool:
        pool.submit(0, "fail")
        with pytest.raises(ValueError, match="job failed"):
            pool.next_result()
        pool.submit(1, "die")
        with pytest.raises(parallel.WorkerDied, match="'die'"):
            pool.next_result()


def test_a_frozen_heap_is_thawed_when_the_last_block_ends() -> None:
    import gc

    # Frozen objects that die leave the count, so "still frozen" is "not thawed to 0"
    # (a count compared with an earlier one was flaky: 435,424 < 435,428 in CI).
    assert gc.get_freeze_count() == 0
    with parallel.frozen_heap():
        assert gc.get_freeze_count() > 0
        with parallel.frozen_heap():
            assert gc.get_freeze_count() > 0
        assert gc.get_freeze_count() > 0  # the outer block still holds
    assert gc.get_freeze_count() == 0


def test_a_heap_frozen_before_the_first_block_stays_frozen() -> None:
    """A process that froze its own objects (Spark's workers, forked from
    samestory.spark.daemon) keeps them frozen after a block: unfreeze would thaw them."""
    import gc

    assert gc.get_freeze_count() == 0
    kept = [[n] for n in range(1000)]  # lists: tracked by the collector
    gc.freeze()
    try:
        with parallel.frozen_heap():
            pass
        assert gc.get_freeze_count() > len(kept)
    finally:
        gc.unfreeze()
    with parallel.frozen_heap():
        pass
    assert gc.get_freeze_count() == 0  # and a heap not frozen before is thawed after


@needs_fork
def test_map_chunks_thaws_the_heap_after_its_workers() -> None:
    import gc

    assert parallel.map_chunks(squares, 30, 2, 4, chunks_per_worker=2) == squares(0, 30)
    assert gc.get_freeze_count() == 0


@needs_fork
def test_beside_runs_the_call_on_another_process_and_returns_its_result() -> None:
    with parallel.beside(os.getpid) as result:
        assert result() != os.getpid()
        assert result() == result()  # asked twice: one run
    with parallel.beside(os.getpid, fork=False) as result:
        assert result() == os.getpid()


@needs_fork
def test_beside_raises_the_calls_error_in_the_caller() -> None:
    def fail() -> int:
        raise ValueError("beside failed")

    with parallel.beside(fail) as result, pytest.raises(ValueError, match="beside failed"):
        result()
    with parallel.beside(fail) as result:  # never asked: the child is stopped, nothing raised
        pass
