"""The whole ``analyze`` of a corpus: relations/stories digests, wall, CPU and laps.

    python benchmarks/run_digest.py [--corpus real|N] [--encoder static|use]

Runs :func:`samestory.api.analyze` as ``speed.py`` does (corpus read and encoder
loaded first, outside the clock) and prints the SHA-256 of every relation's ``repr``
and every story's ``to_dict`` (the digests earlier sections of docs/history/benchmarks.md
quote), with the wall time, the CPU time (this process and its children) and the
stage clock's laps. Two versions of the code make the same analysis when both digests
are equal; a speed claim reads the CPU of alternated runs.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from typing import Any

from speed import cpu_s, load_corpus

from samestory.api import Analysis, analyze
from samestory.config import DEFAULT_CONFIG, Config
from samestory.embed import SentenceEncoder, encoder_for
from samestory.models import Article


def analysis_digests(analysis: Analysis) -> tuple[str, str]:
    """SHA-256 of every relation's ``repr`` and of every story's ``to_dict`` (JSON, keys
    sorted), in order: equal digests, the same analysis."""
    relations = hashlib.sha256()
    for r in analysis.relations:
        relations.update(repr(r).encode() + b"\n")
    stories = hashlib.sha256()
    for s in analysis.stories:
        stories.update(json.dumps(s.to_dict(), sort_keys=True, default=str).encode() + b"\n")
    return relations.hexdigest(), stories.hexdigest()


def digest_row(articles: list[Article], config: Config, encoder: SentenceEncoder) -> dict[str, Any]:
    """One timed ``analyze`` of ``articles``: counts, digests, wall, CPU and laps."""
    laps: dict[str, float] = {}
    start, cpu = time.perf_counter(), cpu_s()
    analysis = analyze(articles, config, encoder, timings=laps)
    wall, cpu = time.perf_counter() - start, cpu_s() - cpu
    relations_sha256, stories_sha256 = analysis_digests(analysis)
    return {
        "relations": len(analysis.relations),
        "stories": len(analysis.stories),
        "relations_sha256": relations_sha256[:12],
        "stories_sha256": stories_sha256[:12],
        "wall_s": round(wall, 2),
        "cpu_s": round(cpu, 2),
        "laps_s": {k: round(v, 2) for k, v in laps.items()},
    }


def run(corpus: str, encoder_name: str) -> dict[str, Any]:
    articles, _gold = load_corpus(corpus, 0)
    encoder = encoder_for(encoder_name)
    encoder.encode(["warm up"])
    return digest_row(articles, DEFAULT_CONFIG.replace(encoder=encoder_name), encoder)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", default="real", help="real, or a synthetic size")
    parser.add_argument("--encoder", default="static", choices=("static", "use"))
    args = parser.parse_args(argv)
    print(json.dumps(run(args.corpus, args.encoder)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
