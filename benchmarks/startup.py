"""Start-up: wall and CPU time of short ``samestory`` commands, each a whole process.

    python benchmarks/startup.py [--runs 7] [--json] [--only help,stories]
        [--baseline-src OLD/src]

Runs every command ``--runs`` times in a fresh interpreter, interleaved (one round runs
each command once), and prints the median wall time and the median CPU time (user +
sys of the child, from ``getrusage``), beside the peers measured in the same rounds:
``python -c pass`` (the interpreter's floor on this machine) and ``python -c "import
typer"`` (what a Typer CLI pays before it parses anything). On a shared machine the wall
time moves with the load; the CPU time and the ratio to the floor carry over.

``samestory`` is run as the installed program runs it: a script that imports the entry
point of pyproject.toml (``samestory.cli.launch:main``); the row "old entry point" runs
``from samestory.cli import app; app()``, what a console script installed before the
entry point moved still does (the same fast path, after importing Typer). Bytecode is
written as an installed package has it (``PYTHONDONTWRITEBYTECODE`` is dropped, and
one unmeasured run per command comes first).

``compare`` is timed on two short seed articles with a warm cache (``$SAMESTORY_CACHE``
as set, or ``~/.cache/samestory``) and once, as "first use", with an empty cache in a
temporary folder: what the first ``compare`` on a machine pays to derive the cache.
``stories`` and ``show`` read a store made from the seeds in a temporary folder.

``--baseline-src`` adds a "before" row for each ``samestory`` command: the same command
run from another source tree (e.g. an older commit, ``git archive COMMIT src | tar -x -C
/tmp/old``) through its ``samestory.cli:app``, in the same rounds.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "tests" / "fixtures" / "seeds"
ENTRY = "import sys\nfrom samestory.cli.launch import main\nsys.exit(main())\n"
OLD_ENTRY = "import sys\nfrom samestory.cli import app\nsys.exit(app())\n"


def child_env(src: Path = ROOT / "src") -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(src), env.get("PYTHONPATH")) if p)
    return env


def run_once(argv: list[str], env: dict[str, str], cwd: Path) -> tuple[float, float]:
    """(wall, CPU) seconds of one child process running ``argv``."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(argv, env=env, cwd=cwd, capture_output=True, check=False)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed:\n{done.stderr.decode()[-2000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def commands(work: Path) -> dict[str, list[str]]:
    python = sys.executable
    entry, old_entry = work / "samestory", work / "samestory-old"
    entry.write_text(ENTRY)
    old_entry.write_text(OLD_ENTRY)
    db = str(work / "seeds.db")
    a, b = (str(p) for p in sorted(SEEDS.glob("*.txt"))[1:3])
    return {
        "python -c pass (floor)": [python, "-c", "pass"],
        'python -c "import typer" (peer)': [python, "-c", "import typer"],
        "samestory --help": [python, str(entry), "--help"],
        "samestory stories": [python, str(entry), "stories", "--db", db],
        "samestory stories (old entry point)": [python, str(old_entry), "stories", "--db", db],
        "samestory show STORY": [python, str(entry), "show", "{story}", "--db", db],
        "samestory compare A B": [python, str(entry), "compare", a, b],
        "samestory compare A B --encoder static": [
            *(python, str(entry), "compare", a, b),
            *("--encoder", "static"),
        ],
    }


def make_store(
    work: Path, env: dict[str, str], name: str = "seeds.db", script: str = "samestory"
) -> str:
    """A store of the seeds in ``work/name``; returns the id of its largest story."""
    db, entry = str(work / name), str(work / script)
    run_once([sys.executable, entry, "add", str(SEEDS), "--db", db, "--quiet"], env, work)
    listed = subprocess.run(
        [sys.executable, entry, "stories", "--db", db, "--json"],
        env=env,
        cwd=work,
        capture_output=True,
        check=True,
    )
    return str(json.loads(listed.stdout)["stories"][0]["id"])


def first_use(argv: list[str], env: dict[str, str], work: Path) -> tuple[float, float]:
    """``argv`` with an empty ``$SAMESTORY_CACHE`` (what the first run on a machine pays)."""
    with tempfile.TemporaryDirectory(dir=work) as cache:
        return run_once(argv, {**env, "SAMESTORY_CACHE": cache}, work)


def measure(
    runs: int, only: list[str] | None, baseline: Path | None = None
) -> dict[str, dict[str, float]]:
    env = child_env()
    with tempfile.TemporaryDirectory(prefix="samestory-startup-") as tmp:
        work = Path(tmp)
        table = commands(work)
        story = make_store(work, env)
        table = {k: [story if x == "{story}" else x for x in v] for k, v in table.items()}
        if only:
            table = {k: v for k, v in table.items() if "(floor)" in k or any(o in k for o in only)}
        envs = {name: env for name in table}
        if baseline is not None:
            old = child_env(baseline)
            # The baseline's own store: a newer store may have steps it does not know.
            make_store(work, old, "seeds-before.db", "samestory-old")
            new_db, old_db = str(work / "seeds.db"), str(work / "seeds-before.db")
            for name, argv in list(table.items()):
                if name.startswith("samestory") and "old entry point" not in name:
                    before = f"{name}, before (--baseline-src)"
                    rest = [old_db if x == new_db else x for x in argv[2:]]
                    table[before] = [argv[0], str(work / "samestory-old"), *rest]
                    envs[before] = old
        results: dict[str, dict[str, float]] = {}
        compare = table.get("samestory compare A B")
        if compare:
            wall, cpu = first_use(compare, env, work)
            results["samestory compare A B, first use (empty cache)"] = {
                "wall": wall,
                "cpu": cpu,
                "runs": 1,
            }
        for name, argv in table.items():  # bytecode written, caches warm
            run_once(argv, envs[name], work)
        times: dict[str, list[tuple[float, float]]] = {name: [] for name in table}
        for _ in range(runs):
            for name, argv in table.items():
                times[name].append(run_once(argv, envs[name], work))
    for name, samples in times.items():
        results[name] = {
            "wall": statistics.median(w for w, _ in samples),
            "cpu": statistics.median(c for _, c in samples),
            "runs": len(samples),
        }
    floor = results["python -c pass (floor)"]
    for row in results.values():
        row["wall_x_floor"] = row["wall"] / floor["wall"]
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=7, help="runs of each command (median)")
    parser.add_argument("--json", action="store_true", help="print JSON")
    parser.add_argument("--only", help="comma-separated substrings of the rows to run")
    parser.add_argument("--baseline-src", type=Path, help="another source tree to run too")
    args = parser.parse_args()
    load = os.getloadavg()[0]
    only = args.only.split(",") if args.only else None
    results = measure(args.runs, only, args.baseline_src)
    if args.json:
        print(json.dumps({"load_average": load, "results": results}, indent=2))
        return
    print(f"load average {load:.1f} on {os.cpu_count()} CPUs; medians of {args.runs} runs")
    print(f"{'command':<68} {'wall s':>7} {'CPU s':>7} {'wall/floor':>10}")
    for name, row in results.items():
        print(f"{name:<68} {row['wall']:>7.3f} {row['cpu']:>7.3f} {row['wall_x_floor']:>10.2f}")


if __name__ == "__main__":
    main()
