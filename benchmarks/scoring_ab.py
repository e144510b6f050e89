"""The scoring stage alone, from features pickled once: its digest, CPU and profile.

    python benchmarks/scoring_ab.py prepare --corpus real|N --encoder static|use OUT.pkl
    python benchmarks/scoring_ab.py digest IN.pkl
    python benchmarks/scoring_ab.py cpu IN.pkl [--workers 1|2]
    python benchmarks/scoring_ab.py profile IN.pkl [--top 30]

``prepare`` runs the features stage, the copy collapse and the candidate search as
``analyze`` does and pickles the features, the copies and the pairs (none of them is
computed by pair scoring's code, so two versions of the scorer can read one file).
``digest`` scores the pairs as ``analyze`` does (``score_pairs(..., lean=True)``,
``Config.workers`` of the pickled config), builds the stories and threads
(:func:`~samestory.pipeline.batch.assemble_analysis`) and prints the SHA-256 of the
``repr`` of every relation and of every story's ``to_dict``: two scorers give the same
relations and stories when both digests are equal. ``cpu`` prints the CPU seconds
(``getrusage`` of this process and of its reaped workers) and wall seconds of
``score_pairs`` alone, in a fresh process (cold caches), word tables loaded first.
``profile`` runs cProfile over one-process ``score_pairs``.

For an A/B, run the same command with ``PYTHONPATH`` at each version's ``src``,
alternated.
"""

from __future__ import annotations

import argparse
import json
import pickle
import resource
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))


def prepare(corpus: str, encoder_name: str, out: str) -> None:
    from stages import load_articles

    from samestory.config import DEFAULT_CONFIG
    from samestory.embed import encoder_for
    from samestory.pipeline.batch import usable_articles
    from samestory.pipeline.copies import collapse_copies
    from samestory.pipeline.featurise import featurize_all, uncached
    from samestory.pipeline.propose import propose_pairs

    config = DEFAULT_CONFIG.replace(encoder=encoder_name)
    articles, _ = usable_articles(load_articles(corpus, 1))
    encoder = uncached(encoder_for(config.encoder))
    features = featurize_all(articles, config, encoder)
    copies = collapse_copies(features, config)
    pairs = propose_pairs(features, copies, config)
    with open(out, "wb") as f:
        pickle.dump({"config": config, "features": features, "copies": copies, "pairs": pairs}, f)
    print(
        json.dumps({"articles": len(features), "copies": len(copies.copies), "pairs": len(pairs)})
    )


def _load(path: str, workers: int | None = None) -> dict[str, Any]:
    from samestory import lexical
    from samestory.config import DEFAULT_CONFIG

    with open(path, "rb") as f:
        data = pickle.load(f)
    # The config rebuilt from its encoder: a Config pickled by another version of the
    # code may lack fields this one has.
    config = DEFAULT_CONFIG.replace(encoder=data["config"].encoder)
    data["config"] = config if workers is None else config.replace(workers=workers)
    # As analyze: the word tables are loaded before scoring (shared with the workers).
    lexical.load_backgrounds({f.lang for f in data["features"]})
    return data


def _score(data: dict[str, Any]) -> list[Any]:
    from samestory.pipeline.score import score_pairs

    return score_pairs(
        data["features"], data["copies"].copies + data["pairs"], data["config"], lean=True
    )


def digest(path: str, workers: int | None) -> dict[str, object]:
    from run_digest import analysis_digests

    from samestory.pipeline.batch import assemble_analysis

    data = _load(path, workers)
    relations = _score(data)
    analysis = assemble_analysis(
        data["features"], data["copies"], data["pairs"], relations, data["config"]
    )
    relations_sha256, stories_sha256 = analysis_digests(analysis)
    return {
        "relations": len(analysis.relations),
        "stories": len(analysis.stories),
        "relations_sha256": relations_sha256,
        "stories_sha256": stories_sha256,
    }


def _cpu() -> tuple[float, float]:
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime, children.ru_utime + children.ru_stime


def cpu(path: str, workers: int | None) -> dict[str, object]:
    data = _load(path, workers)
    start, (own, children) = time.perf_counter(), _cpu()
    relations = _score(data)
    wall, (own_after, children_after) = time.perf_counter() - start, _cpu()
    return {
        "pairs": len(relations),
        "workers": data["config"].workers,
        "cpu_s": round(own_after - own + children_after - children, 3),
        "parent_cpu_s": round(own_after - own, 3),
        "workers_cpu_s": round(children_after - children, 3),
        "wall_s": round(wall, 3),
    }


def profile(path: str, top: int) -> str:
    from speed import profile_report

    data = _load(path, 1)
    return profile_report(lambda: _score(data), top)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=("prepare", "digest", "cpu", "profile"))
    parser.add_argument("path", help="the pickle (written by prepare, read by the others)")
    parser.add_argument("--corpus", default="real", help="prepare: real, or a synthetic size")
    parser.add_argument("--encoder", default="static", choices=("static", "use"))
    parser.add_argument("--workers", type=int, default=None, help="Config.workers")
    parser.add_argument("--top", type=int, default=30)
    args = parser.parse_args(argv)
    if args.command == "prepare":
        prepare(args.corpus, args.encoder, args.path)
    elif args.command == "digest":
        print(json.dumps(digest(args.path, args.workers)))
    elif args.command == "cpu":
        print(json.dumps(cpu(args.path, args.workers)))
    else:
        print(profile(args.path, args.top))
    return 0


if __name__ == "__main__":
    sys.exit(main())
