"""How much of Spark's difference from local the roundup rule explains, without Spark.

``python benchmarks/spark_roundups.py --size 10000 [--encoder static]``
``python benchmarks/spark_roundups.py --corpus real [--real-every 2]``

The Spark job clusters every scored pair; the local batch leaves roundups (texts covering
several stories) out of the grouping when they chain stories
(:func:`samestory.pipeline.group.group_with_roundups`). On the synthetic or the real
corpus of ``benchmarks/spark.py`` (same options) this runs the local pipeline's own
stages once and groups the scored pairs both ways: the ARI between the two groupings is
what the roundup rule alone makes Spark's stories differ from local (``spark.py``
reports ``ari_spark_local`` for the same corpus and size).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))


def _labels(groups: list[list[int]]) -> dict[int, int]:
    return {i: k for k, group in enumerate(groups) for i in group}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", type=int, default=10_000)
    parser.add_argument("--corpus", default="synthetic", choices=("synthetic", "real"))
    parser.add_argument("--real-every", type=int, default=1)
    parser.add_argument("--encoder", default="static", choices=("use", "static"))
    args = parser.parse_args(argv)
    import corpus
    from sklearn.metrics import adjusted_rand_score

    from samestory.config import DEFAULT_CONFIG
    from samestory.embed import encoder_for
    from samestory.pipeline.copies import collapse_copies
    from samestory.pipeline.featurise import featurize_all, uncached
    from samestory.pipeline.group import group, group_with_roundups
    from samestory.pipeline.propose import propose_pairs
    from samestory.pipeline.score import score_pairs
    from samestory.roundups import NameViews

    shared = os.environ.get("SAMESTORY_SHARED")
    data = Path(shared) / "data" if shared else corpus.DATA
    config = DEFAULT_CONFIG.replace(encoder=args.encoder)
    if args.corpus == "real":
        from spark import _every_story

        articles, _ = _every_story(*corpus.real_corpus(data), args.real_every)
    else:
        articles, _ = corpus.build_corpus(args.size, data=data)
    features = featurize_all(articles, config, uncached(encoder_for(config.encoder)))
    copies = collapse_copies(features, config)
    pairs = propose_pairs(features, copies, config)
    relations = score_pairs(features, pairs, config)
    scored = [(i, j, r.score) for (i, j), r in zip(pairs, relations, strict=True)]
    with_rule, roundups = group_with_roundups(NameViews(features), scored, copies.copy_of(), config)
    plain = group(len(features), scored, copies.copy_of(), config)
    a, b = _labels(with_rule), _labels(plain)
    ids = sorted(a)
    result = {
        "n": len(articles),
        "corpus": args.corpus,
        "encoder": args.encoder,
        "roundups": len(roundups),
        "stories": len(with_rule),
        "stories_without_rule": len(plain),
        "ari_without_rule_vs_local": adjusted_rand_score([a[i] for i in ids], [b[i] for i in ids]),
    }
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
