"""The first run after a pause against the next ones: what makes a run cold, repeatably.

    python benchmarks/coldstart.py [--runs 3] [--corpus real] [--cold pause|cache|pyc]
                                   [--pause 30] [--env NAME=VALUE]
    python benchmarks/coldstart.py --touch MB [--pause 30]

Runs ``speed.py``'s samestory measurement (``--child samestory CORPUS``: corpus read and
encoder loaded, then ``analyze`` on the clock) in a fresh interpreter, alternating a
*cold* run and a *warm* one right after it, ``--runs`` of each, and prints each run's
laps, its CPU (user + system of the process and its workers, from ``wait4``) and its
major page faults, then the medians of each kind. What makes a run cold (``--cold``):

- ``pause`` (default): ``--pause`` seconds with nothing of this script running;
- ``cache``: the page cache of every file a run reads dropped first
  (``posix_fadvise(DONTNEED)``, no root needed; pages a live process maps stay):
  ``$SAMESTORY_CACHE`` (the static table, the word tables), the interpreter's library
  (standard library, site-packages: modules, wordfreq's lists, shared objects),
  samestory's source and the dev data;
- ``pyc``: an empty ``PYTHONPYCACHEPREFIX`` (every module compiled again).

``--touch MB`` instead measures the machine: the CPU, per 4 KiB page, to first write a
fresh MB-sized array after ``--pause`` seconds idle and again at once, with numpy's own
allocation (``madvise(MADV_HUGEPAGE)`` from 4 MiB on: transparent huge pages) and with
plain 4 KiB pages. On this VM (free page reporting: the host takes back guest memory
freed for a few seconds) a huge page written after a pause costs ~25x one just given
back (docs/history/benchmarks.md, 2026-12-04 evening, feats).

CPU and major faults do not stretch with the load; wall times do.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
SRC = HERE.parent / "src"


def drop_page_cache(roots: list[Path]) -> tuple[int, int]:
    """``posix_fadvise(DONTNEED)`` on every regular file under ``roots``: (files, bytes)."""
    files = size = 0
    for root in roots:
        paths = [root] if root.is_file() else (p for p in root.rglob("*") if p.is_file())
        for path in paths:
            try:
                fd = os.open(path, os.O_RDONLY)
            except OSError:
                continue
            try:
                os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
                files += 1
                size += os.fstat(fd).st_size
            finally:
                os.close(fd)
    return files, size


def cache_roots() -> list[Path]:
    """What a samestory run reads: its caches, the interpreter's library, its source, data."""
    from samestory.diskcache import cache_dir

    roots = [cache_dir(), Path(sysconfig.get_paths()["stdlib"]), SRC]
    roots += [Path(sysconfig.get_paths()["purelib"]), Path(sysconfig.get_paths()["platlib"])]
    shared = os.environ.get("SAMESTORY_SHARED")
    if shared:
        roots.append(Path(shared) / "data")
    return list(dict.fromkeys(r for r in roots if r.exists()))


def one_run(corpus: str, env: dict[str, str]) -> dict[str, Any]:
    """``speed.py --child samestory CORPUS`` in a fresh interpreter, with its rusage."""
    cmd = [sys.executable, str(HERE / "speed.py"), "--child", "samestory", corpus]
    with tempfile.TemporaryFile("w+") as out:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.DEVNULL, env=env)
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        process_s = time.perf_counter() - start
        out.seek(0)
        lines = [line for line in out.read().splitlines() if line.startswith("RESULT ")]
    if not lines:
        raise RuntimeError(f"the child failed (exit {proc.returncode})")
    result = json.loads(lines[-1][len("RESULT ") :])
    return {
        "process_s": process_s,
        "wall_s": result["wall_s"],
        "stages_s": result["stages_s"],
        "cpu_s": usage.ru_utime + usage.ru_stime,
        "major_faults": usage.ru_majflt,
        "load": os.getloadavg()[0],
    }


def touch_costs(megabytes: int, pause: float, huge: bool) -> dict[str, float]:
    """CPU microseconds a 4 KiB page to first write a fresh ``megabytes`` array (numpy's
    own allocation: ``madvise(MADV_HUGEPAGE)`` from 4 MiB on, unless ``huge`` is false),
    after ``pause`` seconds idle and again at once (the pages just given back)."""
    import mmap

    import numpy as np

    def once() -> float:
        size = megabytes << 20
        if huge:
            array = np.empty(size, dtype=np.uint8)
        else:
            buffer = mmap.mmap(-1, size, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS)
            array = np.frombuffer(buffer, dtype=np.uint8)
        start = time.process_time()
        array[::4096] = 1
        spent = time.process_time() - start
        del array
        return spent / (size // 4096) * 1e6

    time.sleep(pause)
    return {"after_pause_us": once(), "at_once_us": once()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="runs of each kind, alternated")
    parser.add_argument("--corpus", default="real")
    parser.add_argument(
        "--cold",
        default="pause",
        choices=("pause", "cache", "pyc"),
        help="what makes a run cold: a pause before it, a dropped page cache, no .pyc",
    )
    parser.add_argument("--pause", type=float, default=30.0, help="seconds idle before")
    parser.add_argument(
        "--env", action="append", default=[], help="NAME=VALUE for every run (repeatable)"
    )
    parser.add_argument(
        "--touch",
        type=int,
        metavar="MB",
        help="instead: the CPU to first write MB of fresh memory, after --pause and at once",
    )
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    if args.touch:
        for huge in (True, False):
            costs = touch_costs(args.touch, args.pause, huge)
            print(
                f"{'huge pages (numpy)' if huge else '4 KiB pages (mmap)'}: "
                f"{costs['after_pause_us']:.2f} us a 4 KiB page after {args.pause:.0f} s idle, "
                f"{costs['at_once_us']:.2f} at once; load {os.getloadavg()[0]:.1f}"
            )
        return 0
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    env.update(item.split("=", 1) for item in args.env)
    runs: dict[str, list[dict[str, Any]]] = {"cold": [], "warm": []}
    for _ in range(args.runs):
        for kind in ("cold", "warm"):  # warm: right after the cold one
            run_env = dict(env)
            if kind == "cold" and args.cold == "pause":
                time.sleep(args.pause)
            elif kind == "cold" and args.cold == "cache":
                files, size = drop_page_cache(cache_roots())
                print(f"dropped the page cache of {files} files, {size >> 20} MB", file=sys.stderr)
            elif kind == "cold":
                run_env["PYTHONPYCACHEPREFIX"] = tempfile.mkdtemp(prefix="samestory-pyc-")
            row = one_run(args.corpus, run_env)
            runs[kind].append(row)
            laps = " ".join(f"{k} {v:.2f}" for k, v in row["stages_s"].items())
            print(
                f"{kind}: wall {row['wall_s']:.2f} s (process {row['process_s']:.2f}), CPU "
                f"{row['cpu_s']:.2f} s, major faults {row['major_faults']}, load "
                f"{row['load']:.1f}; laps: {laps}",
                file=sys.stderr,
                flush=True,
            )
    summary = {
        kind: {
            key: statistics.median(r[key] for r in rows)
            for key in ("wall_s", "process_s", "cpu_s", "major_faults")
        }
        | {
            "features_s": statistics.median(r["stages_s"]["features"] for r in rows),
            "model_load_s": statistics.median(r["stages_s"]["model_load"] for r in rows),
        }
        for kind, rows in runs.items()
    }
    if args.json:
        print(json.dumps({"runs": runs, "medians": summary}))
    else:
        for kind, medians in summary.items():
            print(kind, " ".join(f"{k} {v:.2f}" for k, v in medians.items()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
