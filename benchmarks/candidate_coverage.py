"""Candidate pairs and their recall of gold stories, by encoder and saturation cosine.

    python benchmarks/candidate_coverage.py [--corpus real|N] [--runs use@0.7,static@0.8/0,...]
        [--cache DIR]

For each run ``ENCODER@COSINE[/FLOOR]`` it runs production's copy collapse and candidate search
(``pipeline.propose.propose_pairs``) on the corpus (``real``: ``corpus.real_corpus``; a
number: ``corpus.build_corpus`` of that size, seed 0) with the encoder's features and
``candidates.SATURATED_COSINE[encoder]`` set to ``COSINE`` (and ``Config.min_keyword_cosine``,
the pair screen, set to ``FLOOR``; default: the config's), and prints the candidate
pairs among copy-group representatives and their coverage: the share of the
representatives' same-gold pairs that are proposed. Average link counts an unproposed
pair as 0, so a gold story whose pairs are not proposed can split however well they
score. Features are computed once per encoder (``featurize_all``, the default config
with that encoder) and cached in ``--cache``.
"""

from __future__ import annotations

import argparse
import pickle
import sys
import time
from collections import Counter
from pathlib import Path

from corpus import build_corpus, real_corpus

from samestory import candidates
from samestory.config import DEFAULT_CONFIG
from samestory.embed import encoder_for
from samestory.features import DocFeatures
from samestory.models import Article
from samestory.pipeline.copies import collapse_copies
from samestory.pipeline.featurise import featurize_all, uncached
from samestory.pipeline.propose import propose_pairs


def load(spec: str) -> tuple[list[Article], list[str]]:
    """The corpus ``spec`` and its gold stories."""
    return real_corpus() if spec == "real" else build_corpus(int(spec), 0)


def features_of(spec: str, encoder: str, cache: Path) -> list[DocFeatures]:
    """Production's features of the corpus under ``encoder`` (cached per corpus and encoder)."""
    file = cache / f"{spec}-{encoder}.features.pkl"
    if file.exists():
        cached: list[DocFeatures] = pickle.loads(file.read_bytes())
        return cached
    articles, _ = load(spec)
    config = DEFAULT_CONFIG.replace(encoder=encoder)
    features = featurize_all(articles, config, uncached(encoder_for(encoder)))
    cache.mkdir(parents=True, exist_ok=True)
    file.write_bytes(pickle.dumps(features))
    return features


def coverage(
    features: list[DocFeatures],
    gold: dict[str, str],
    encoder: str,
    saturated: float,
    floor: float = DEFAULT_CONFIG.min_keyword_cosine,
) -> tuple[int, int, int, int]:
    """Representatives, candidate pairs, same-gold pairs proposed, same-gold pairs in all,
    with the saturation cosine of ``encoder`` set to ``saturated`` for this search and the
    pair screen's floor at ``floor``."""
    config = DEFAULT_CONFIG.replace(encoder=encoder, min_keyword_cosine=floor)
    before = candidates.SATURATED_COSINE[encoder]
    candidates.SATURATED_COSINE[encoder] = saturated
    try:
        copies = collapse_copies(features, config)
        pairs = propose_pairs(features, copies, config)
    finally:
        candidates.SATURATED_COSINE[encoder] = before
    per_story = Counter(gold[features[r].id] for r in copies.reps)
    total = sum(n * (n - 1) // 2 for n in per_story.values())
    same = sum(gold[features[i].id] == gold[features[j].id] for i, j in pairs)
    return len(copies.reps), len(pairs), same, total


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", default="real", help="'real' or a synthetic size")
    parser.add_argument("--runs", default="use@0.7,static@0.8,static@0.7")
    parser.add_argument("--cache", type=Path, default=Path("/tmp/samestory-coverage"))
    args = parser.parse_args(argv)
    articles, labels = load(args.corpus)
    gold = {a.id: g for a, g in zip(articles, labels, strict=True)}
    for run in args.runs.split(","):
        encoder, _, rule = run.partition("@")
        cosine, _, floor = rule.partition("/")
        start = time.perf_counter()
        features = features_of(args.corpus, encoder, args.cache)
        screen = float(floor) if floor else DEFAULT_CONFIG.min_keyword_cosine
        reps, pairs, same, total = coverage(features, gold, encoder, float(cosine), screen)
        print(
            f"{args.corpus} {encoder} saturated={cosine} screen={screen}: {reps} "
            f"representatives, {pairs} "
            f"candidate pairs, same-gold pairs proposed {same} of {total} "
            f"({same / max(total, 1):.4f}) [{time.perf_counter() - start:.0f} s]",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
