"""The grouping lap alone: ``group_with_roundups`` as the batch calls it, its CPU and digest.

    python benchmarks/grouping_lap.py prepare [--corpus real|N] OUT.pkl
    python benchmarks/grouping_lap.py cpu IN.pkl [--repeat 5] [--no-fork] [--no-stay]

``prepare`` runs :func:`samestory.api.analyze` on the corpus (as ``speed.py`` reads it)
and saves what the batch hands the grouping (``pipeline.batch.assemble_analysis``: the
features, the scored candidate pairs, the pairs related as copies, ``copy_of``, whether
it forks, and rule AS's stay input when ``switches.PUBLISHED_YEAR_CUT`` is on;
``--no-stay`` groups without it: the rule's cost in the grouping). ``cpu`` loads them
(in a fresh process: code of another version groups the same input) and runs the
grouping ``--repeat`` times, each on fresh name views
(:class:`samestory.exclusive.InContext`, as the batch makes them, so each run reads the
texts' names again; the first run also fills the word tables' caches, as a run of the
pipeline does), and prints the CPU (this process and its forked children) and wall of
the first run and the median of the others, with the SHA-256 of the groups and
roundups (:func:`digest`; equal digests: the same grouping). Alternate two versions' ``cpu``
runs (``PYTHONPATH``) for a claim; the box's load goes beside it.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import pickle
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from speed import cpu_s, load_corpus


def prepare(corpus: str, out: Path) -> None:
    import samestory.pipeline.batch as batch
    from samestory.api import analyze
    from samestory.config import DEFAULT_CONFIG
    from samestory.embed import encoder_for

    got: dict[str, Any] = {}
    grouping = batch.group_with_roundups

    def keep(
        views: Any, scored: Any, copy_of: Any, config: Any, fork: bool = False, stay: Any = None
    ) -> Any:
        got.update(
            features=list(views.features),
            copies=list(views.copies),
            scored=list(scored),
            copy_of=list(copy_of),
            fork=fork,
            stay=stay,
        )
        return grouping(views, scored, copy_of, config, fork=fork, stay=stay)

    batch.group_with_roundups = keep  # type: ignore[assignment]
    articles, _gold = load_corpus(corpus, 0)
    encoder = encoder_for("static")
    encoder.encode(["warm up"])
    analyze(articles, DEFAULT_CONFIG, encoder)
    with out.open("wb") as f:
        pickle.dump(got, f, protocol=pickle.HIGHEST_PROTOCOL)
    print(json.dumps({"texts": len(got["features"]), "pairs": len(got["scored"])}))


def digest(groups: list[list[int]], roundups: list[Any]) -> str:
    """SHA-256 of the groups and the roundups found, sets sorted (a frozenset's ``repr``
    follows the process's string hashing)."""
    found = [
        (
            r.index,
            r.attached_to,
            r.cut,
            [(p.side, sorted(p.sentences), p.share, sorted(p.names)) for p in r.parts],
        )
        for r in roundups
    ]
    return hashlib.sha256(repr((groups, found)).encode()).hexdigest()[:16]


def cpu(path: Path, repeat: int, fork: bool | None, with_stay: bool = True) -> None:
    from samestory import exclusive
    from samestory.config import DEFAULT_CONFIG
    from samestory.pipeline.group import group_with_roundups

    with path.open("rb") as f:
        got = pickle.load(f)
    forked = got["fork"] if fork is None else fork
    stay = got.get("stay") if with_stay else None  # rule AS's input, when the run had it
    cpus, walls, digests = [], [], set()
    for _ in range(repeat):
        views = exclusive.InContext(got["features"], copies=got["copies"])
        start, used = time.perf_counter(), cpu_s()
        result = group_with_roundups(
            views, got["scored"], got["copy_of"], DEFAULT_CONFIG, fork=forked, stay=stay
        )
        cpus.append(cpu_s() - used)
        walls.append(time.perf_counter() - start)
        digests.add(digest(*result))
    rest = cpus[1:] or cpus
    print(
        json.dumps(
            {
                "fork": forked,
                "first_cpu_s": round(cpus[0], 3),
                "first_wall_s": round(walls[0], 3),
                "median_cpu_s": round(statistics.median(rest), 3),
                "median_wall_s": round(statistics.median(walls[1:] or walls), 3),
                "digest": sorted(digests),
                "load": round(os.getloadavg()[0], 1),
            }
        )
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("prepare")
    p.add_argument("--corpus", default="real")
    p.add_argument("out", type=Path)
    c = sub.add_parser("cpu")
    c.add_argument("path", type=Path)
    c.add_argument("--repeat", type=int, default=5)
    c.add_argument("--no-fork", action="store_true", help="group in this process only")
    c.add_argument(
        "--no-stay", action="store_true", help="without rule AS's stay input (the rule's cost)"
    )
    args = parser.parse_args(argv)
    if args.command == "prepare":
        prepare(args.corpus, args.out)
    else:
        cpu(args.path, args.repeat, False if args.no_fork else None, not args.no_stay)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
