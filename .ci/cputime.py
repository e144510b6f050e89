"""Run a command and print its wall time and the CPU of every process it started.

``time`` (and ``getrusage``) count a child's CPU only when its parent waits for it. The
test run's Spark JVMs (and the Spark Python workers they start) and Chromium outlive the
pytest worker that started them: they are re-parented to init when it exits and their CPU
is in no total. This wrapper makes itself the child subreaper (Linux ``prctl``), so every
orphaned descendant is re-parented to it and reaped here, and its CPU is counted.

    python .ci/cputime.py python -m pytest -q -n 2 --dist loadgroup -m 'slow or not slow'

prints, after the command's own output, one line on stderr::

    cputime: wall 965.3 s, CPU 1234.5 s (user 1100.2 s, sys 134.3 s), exit 0

and exits with the command's exit status. A process that ignores ``SIGCHLD`` has its
children reaped by the kernel, whose CPU then reaches no one's ``RUSAGE_CHILDREN``
(PySpark's daemon does so for Spark's Python workers: a job that used ~26 s printed
8.7 s): their CPU is read from ``/proc`` every ``--sample`` seconds (0.5) while the
command runs and added (the last reading of each, so up to one interval of each such
child's CPU is missed). Descendants still running ``--linger`` seconds
(default 15) after the command exits are named on stderr and left running; their CPU is
not in the figure (the line says so).
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import os
import resource
import signal
import subprocess
import sys
import threading
import time

PR_SET_CHILD_SUBREAPER = 36


def become_subreaper() -> bool:
    """Whether this process now adopts its orphaned descendants (Linux only)."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


SIGCHLD_MASK = 1 << (signal.SIGCHLD - 1)
TICK = os.sysconf("SC_CLK_TCK")


def _stat(pid: int) -> tuple[int, str, float, str]:
    """A process's parent, start time, CPU seconds (its own and its reaped children's)
    and name."""
    with open(f"/proc/{pid}/stat") as f:
        stat = f.read()
    fields = stat[stat.rindex(")") + 2 :].split()
    name = stat[stat.index("(") + 1 : stat.rindex(")")]
    return int(fields[1]), fields[19], sum(map(int, fields[11:15])) / TICK, name


def _ignores_sigchld(pid: int) -> bool:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("SigIgn:"):
                return bool(int(line.split()[1], 16) & SIGCHLD_MASK)
    return False


def _children_of(pid: int) -> list[int]:
    found: list[int] = []
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return found
    for task in tasks:
        try:
            with open(f"/proc/{pid}/task/{task}/children") as f:
                found += [int(c) for c in f.read().split()]
        except OSError:
            pass
    return found


class Unwaited:
    """The CPU of the descendants that no ``wait`` counts: the children of a process that
    ignores ``SIGCHLD``, each at its last reading (``(pid, start time)`` -> seconds)."""

    def __init__(self) -> None:
        self.seen: dict[tuple[int, str], float] = {}
        self.names: dict[tuple[int, str], str] = {}
        self._lock = threading.Lock()

    def sample(self) -> None:
        me = os.getpid()
        todo = _children_of(me)
        while todo:
            pid = todo.pop()
            kids = _children_of(pid)
            if not kids:
                continue
            todo += kids
            try:
                ignoring = _ignores_sigchld(pid)
                readings = [(kid, *_stat(kid)) for kid in kids] if ignoring else []
            except (OSError, ValueError):
                continue  # it exited meanwhile
            with self._lock:
                for kid, parent, start, cpu, name in readings:
                    if parent == pid:
                        self.seen[(kid, start)] = cpu
                        self.names[(kid, start)] = name

    def waited(self, pid: int) -> None:
        """``pid`` was re-parented here and waited for: its CPU is in the rusage."""
        with self._lock:
            for key in [k for k in self.seen if k[0] == pid]:
                del self.seen[key], self.names[key]

    def total(self) -> float:
        with self._lock:
            return sum(self.seen.values())

    def gone(self, running: set[tuple[int, str]]) -> dict[str, float]:
        """The last readings of those not in ``running`` (``(pid, start time)``: exited
        and reaped by the kernel), summed by process name."""
        by_name: dict[str, float] = {}
        with self._lock:
            for key, cpu in self.seen.items():
                if key not in running:
                    name = self.names[key]
                    by_name[name] = by_name.get(name, 0.0) + cpu
        return by_name


def sample_until(done: threading.Event, unwaited: Unwaited, every: float) -> None:
    while not done.wait(every):
        with contextlib.suppress(OSError):
            unwaited.sample()


def reap_orphans(linger: float, unwaited: Unwaited | None = None) -> list[int]:
    """Wait for the adopted descendants, up to ``linger`` seconds; those still running."""
    deadline = time.monotonic() + linger
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return []
        if pid:
            if unwaited is not None:
                unwaited.waited(pid)
            continue
        if time.monotonic() >= deadline:
            return children()
        time.sleep(0.1)


def children() -> list[int]:
    """This process's children now (adopted orphans included)."""
    me = str(os.getpid())
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        if stat[stat.rindex(")") + 2 :].split()[1] == me:
            found.append(int(entry))
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--linger", type=float, default=15.0, metavar="SECONDS")
    parser.add_argument("--sample", type=float, default=0.5, metavar="SECONDS")
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)
    if not args.command:
        parser.error("give the command to run")
    adopting = become_subreaper()
    unwaited, done = Unwaited(), threading.Event()
    sampler = threading.Thread(target=sample_until, args=(done, unwaited, args.sample))
    start = time.monotonic()
    sampler.start()
    try:
        code = subprocess.call(args.command)
    finally:
        done.set()
        sampler.join()
    wall = time.monotonic() - start
    left = reap_orphans(args.linger, unwaited) if adopting else []
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    user, system, extra = usage.ru_utime, usage.ru_stime, unwaited.total()
    line = (
        f"cputime: wall {wall:.1f} s, CPU {user + system + extra:.1f} s "
        f"(user {user:.1f} s, sys {system:.1f} s, not waited for {extra:.1f} s), exit {code}"
    )
    if not adopting:
        line += " (not a subreaper: orphaned descendants' CPU not counted)"
    if left:
        line += f" ({len(left)} descendants still running, not counted: {left})"
    print(line, file=sys.stderr, flush=True)
    return code


if __name__ == "__main__":
    sys.exit(main())
