"""Opt-in pytest plugin: each test's wall time and the CPU of its worker's whole process tree.

pytest's ``--durations`` gives wall time, which a busy box stretches, and ``time`` leaves
out the processes that outlive their parent (the Spark JVMs and their Python workers:
docs/testing.md, "CI time"). This plugin reads, before and after each test (setup and
teardown included), the CPU of the worker process, of the children it has reaped, and of
every descendant still running (from ``/proc``: its own CPU and its reaped children's),
and writes one JSON line a test to ``$SAMESTORY_CPU_LOG/<worker>.jsonl``::

    SAMESTORY_CPU_LOG=/tmp/cpu python -m pytest -q -n 2 --dist loadgroup \\
        -m 'slow or not slow' -p tests.cputrace
    python -m tests.cputrace /tmp/cpu          # the files and tests by CPU, the workers

A shared session fixture's start (the Spark session's JVM) is counted in the first test
that uses it. The children of a descendant that ignores ``SIGCHLD`` (PySpark's daemon
and its Python workers) are reaped by the kernel, their CPU in no parent's: the worker
reads them every ``SAMPLE`` seconds as ``.ci/cputime.py`` does (its :class:`Unwaited`), and
one that has exited counts at its last reading (up to one interval of its CPU missed). A
descendant that exits between two reads, reaped by a process outside the tree, is lost
(Chromium's after a browser quits; the JVMs run until their worker exits). Off unless
``-p tests.cputrace`` is given; it reads ``/proc`` (Linux).
"""

from __future__ import annotations

import json
import os
import resource
import sys
import threading
import time
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest


def _ci_cputime() -> Any:
    """``.ci/cputime.py`` as a module (a standalone script: ``.ci/run`` runs it before
    anything of the repo is on the path), for its reading of ``/proc``."""
    import importlib.util

    path = Path(__file__).resolve().parents[1] / ".ci" / "cputime.py"
    spec = importlib.util.spec_from_file_location("ci_cputime", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_CPUTIME = _ci_cputime()
#: A process's children (of every thread), from ``/proc``.
_children = _CPUTIME._children_of
#: Seconds between two reads of the descendants that only ``/proc`` shows (``.ci/cputime.py``'s
#: ``--sample`` default).
SAMPLE = 0.5


class Sampler:
    """``.ci/cputime.py``'s :class:`Unwaited` read every ``every`` seconds on a thread of
    this process (it walks this process's descendants), until :meth:`stop`."""

    def __init__(self, every: float = SAMPLE) -> None:
        self.unwaited = _CPUTIME.Unwaited()
        self._done = threading.Event()
        self._thread = threading.Thread(
            target=_CPUTIME.sample_until, args=(self._done, self.unwaited, every), daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        self._done.set()
        self._thread.join()


def tree_cpu(sampler: Sampler | None = None) -> dict[str, float]:
    """CPU seconds of this process (with its reaped children) and of each running
    descendant, summed by process name (``self`` for this process); with ``sampler``, also
    the last reading of each child of a ``SIGCHLD``-ignoring descendant that has exited."""
    me = resource.getrusage(resource.RUSAGE_SELF)
    reaped = resource.getrusage(resource.RUSAGE_CHILDREN)
    by_name = {"self": me.ru_utime + me.ru_stime + reaped.ru_utime + reaped.ru_stime}
    running: set[tuple[int, str]] = set()
    todo = _children(os.getpid())
    while todo:
        pid = todo.pop()
        try:
            _, start, cpu, name = _CPUTIME._stat(pid)
        except (OSError, ValueError):
            continue  # it exited meanwhile
        running.add((pid, start))
        by_name[name] = by_name.get(name, 0.0) + cpu
        todo += _children(pid)
    if sampler is not None:
        # Read after the walk: one that exits between the two is in the one or the other.
        for name, cpu in sampler.unwaited.gone(running).items():
            by_name[name] = by_name.get(name, 0.0) + cpu
    return by_name


_sampler: Sampler | None = None


def pytest_configure(config: pytest.Config) -> None:
    global _sampler
    if os.environ.get("SAMESTORY_CPU_LOG") and _sampler is None:
        _sampler = Sampler()


def pytest_unconfigure(config: pytest.Config) -> None:
    global _sampler
    if _sampler is not None:
        _sampler.stop()
        _sampler = None


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> Iterator[None]:
    folder = os.environ.get("SAMESTORY_CPU_LOG")
    if not folder:
        yield
        return
    start, before = time.time(), tree_cpu(_sampler)
    yield
    end, after = time.time(), tree_cpu(_sampler)
    names = set(before) | set(after)
    # A descendant gone since the first read moved its CPU to the one that reaped it: in
    # the tree, to its parent (a name's difference can go below 0, the total not); the
    # kernel (a Spark Python worker under PySpark's daemon), to the sampler's last
    # reading; outside the tree (an orphan reaped by init or by .ci/cputime.py:
    # Chromium's processes after `quit`), it is lost, and the test's total can go below 0.
    by_name = {n: round(after.get(n, 0.0) - before.get(n, 0.0), 2) for n in sorted(names)}
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    row = {"test": item.nodeid, "worker": worker, "start": start, "end": end}
    row |= {"cpu": round(sum(by_name.values()), 2), "by_name": by_name}
    Path(folder).mkdir(parents=True, exist_ok=True)
    with open(Path(folder) / f"{worker}.jsonl", "a", encoding="utf-8") as f:
        f.write(json.dumps(row) + "\n")


def read_rows(folder: Path) -> list[dict[str, Any]]:
    return [
        json.loads(line)
        for path in sorted(folder.glob("*.jsonl"))
        for line in path.read_text(encoding="utf-8").splitlines()
        if line
    ]


def report(rows: list[dict[str, Any]], top: int = 25) -> str:
    """The workers (tests, first start and last end from the run's first start, the sum
    of their tests' wall and CPU), then the files and the tests with the most CPU."""
    if not rows:
        return "no tests recorded"
    t0 = min(r["start"] for r in rows)
    lines = ["worker  tests  from s  to s  wall s  CPU s"]
    for worker in sorted({r["worker"] for r in rows}):
        mine = [r for r in rows if r["worker"] == worker]
        wall, cpu = sum(r["end"] - r["start"] for r in mine), sum(r["cpu"] for r in mine)
        first, last = min(r["start"] for r in mine) - t0, max(r["end"] for r in mine) - t0
        lines.append(f"{worker:7} {len(mine):6d} {first:7.0f} {last:5.0f} {wall:7.0f} {cpu:6.0f}")
    files: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0, 0.0])
    for r in rows:
        f = files[r["test"].split("::")[0]]
        f[0] += r["cpu"]
        f[1] += r["end"] - r["start"]
        f[2] += 1
    lines += ["", "CPU s  wall s  tests  file"]
    for name, (cpu, wall, n) in sorted(files.items(), key=lambda kv: -kv[1][0])[:top]:
        lines.append(f"{cpu:6.1f} {wall:7.1f} {n:6.0f}  {name}")
    lines += ["", "CPU s  wall s  worker  test (the largest other processes' CPU)"]
    for r in sorted(rows, key=lambda r: -r["cpu"])[:top]:
        others = sorted(((v, k) for k, v in r["by_name"].items() if k != "self"), reverse=True)
        note = ", ".join(f"{k} {v:.1f}" for v, k in others[:2] if v >= 0.05)
        lines.append(
            f"{r['cpu']:6.1f} {r['end'] - r['start']:7.1f}  {r['worker']:6}  {r['test']}"
            + (f" ({note})" if note else "")
        )
    return "\n".join(lines)


if __name__ == "__main__":
    print(report(read_rows(Path(sys.argv[1])), int(sys.argv[2]) if len(sys.argv) > 2 else 25))
