"""The whole ``analyze`` of a corpus: relations/stories digests, wall, CPU and laps.

    python benchmarks/run_digest.py [--corpus real|N] [--encoder static|use]
        [--encode-batch N] [--fixed-blocks on|off]

Runs :func:`samestory.api.analyze` as ``speed.py`` does (corpus read and encoder
loaded first, outside the clock) and prints the SHA-256 of every relation's ``repr``
and every story's ``to_dict`` (the digests earlier sections of docs/history/benchmarks.md
quote), with the wall time, the CPU time (this process and its children) and the
stage clock's laps. Two versions of the code make the same analysis when both digests
are equal; a speed claim reads the CPU of alternated runs. ``--encode-batch`` sets the
static encoder's sentences per product (another batching of the same sentences: with
bit-stable vectors the digests do not move) and ``--fixed-blocks`` its
``static_encoder.FIXED_BLOCKS`` switch, for this run.
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
    parser.add_argument("--encode-batch", type=int, help="the static encoder's batch")
    parser.add_argument("--fixed-blocks", choices=("on", "off"), help="static_encoder's switch")
    args = parser.parse_args(argv)
    from samestory import static_encoder

    if args.encode_batch is not None:
        static_encoder._ENCODE_BATCH = args.encode_batch
    if args.fixed_blocks is not None:
        static_encoder.FIXED_BLOCKS = args.fixed_blocks == "on"
    print(json.dumps(run(args.corpus, args.encoder)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
