"""Run a command and print its wall time and the CPU of every process it started.

``time`` (and ``getrusage``) count a child's CPU only when its parent waits for it. The
test run's Spark JVMs (and the Spark Python workers they start) and Chromium outlive the
pytest worker that started them: they are re-parented to init when it exits and their CPU
is in no total. This wrapper makes itself the child subreaper (Linux ``prctl``), so every
orphaned descendant is re-parented to it and reaped here, and its CPU is counted.

    python .ci/cputime.py python -m pytest -q -n 2 --dist loadgroup -m 'slow or not slow'

prints, after the command's own output, one line on stderr::

    cputime: wall 965.3 s, CPU 1234.5 s (user 1100.2 s, sys 134.3 s), exit 0

and exits with the command's exit status. Descendants still running ``--linger`` seconds
(default 15) after the command exits are named on stderr and left running; their CPU is
not in the figure (the line says so).
"""

from __future__ import annotations

import argparse
import ctypes
import os
import resource
import subprocess
import sys
import time

PR_SET_CHILD_SUBREAPER = 36


def become_subreaper() -> bool:
    """Whether this process now adopts its orphaned descendants (Linux only)."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def reap_orphans(linger: float) -> list[int]:
    """Wait for the adopted descendants, up to ``linger`` seconds; those still running."""
    deadline = time.monotonic() + linger
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return []
        if pid:
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
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)
    if not args.command:
        parser.error("give the command to run")
    adopting = become_subreaper()
    start = time.monotonic()
    code = subprocess.call(args.command)
    wall = time.monotonic() - start
    left = reap_orphans(args.linger) if adopting else []
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    user, system = usage.ru_utime, usage.ru_stime
    line = (
        f"cputime: wall {wall:.1f} s, CPU {user + system:.1f} s "
        f"(user {user:.1f} s, sys {system:.1f} s), exit {code}"
    )
    if not adopting:
        line += " (not a subreaper: orphaned descendants' CPU not counted)"
    if left:
        line += f" ({len(left)} descendants still running, not counted: {left})"
    print(line, file=sys.stderr, flush=True)
    return code


if __name__ == "__main__":
    sys.exit(main())
