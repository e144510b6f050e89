"""The candidate screen (``Config.min_keyword_cosine``) on and off, set by set.

    python benchmarks/candidate_screen.py [--sets ecbplus,meantime,gva,real,10000]
        [--floors 0,0.02] [--encoder static] [--cache DIR] [--repeat 1]

For each set and each floor it runs production's pipeline from the features on
(``analyze_features``: copy collapse, candidate search with the screen at that floor,
lean scoring in this process, grouping, stories, threads) and prints the candidate
pairs, the share of the representatives' same-gold pairs proposed, ARI of the stories
(and of the threads, for GVA, whose labels are threads), the number of stories, the
SHA-256 of the stories' ``to_dict`` (the same digest: the same stories; ``members``: of
their members and threads only, as the relations listed in a story may differ) and the CPU
seconds (``process_time``) of candidate search and of scoring. Features are computed
once per set and encoder (``featurize_all``) and cached in ``--cache``; the sets are
the dev files in ``$SAMESTORY_SHARED/data`` (``ecbplus`` = ``ecbplus_dev.jsonl``),
``real`` (:func:`corpus.real_corpus`) and a number (:func:`corpus.build_corpus`, seed 0).
With ``--repeat N`` the floors are run alternately N times and the medians of the CPU
seconds (search, scoring, and everything from the features on) are printed last.
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import json
import pickle
import statistics
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from corpus import DATA, build_corpus, real_corpus
from sklearn.metrics import adjusted_rand_score

from samestory.api import thread_groups_of
from samestory.config import DEFAULT_CONFIG, Config
from samestory.embed import encoder_for
from samestory.evaluate import read_labelled, record_to_article
from samestory.features import DocFeatures
from samestory.models import Article, Relation
from samestory.pipeline.batch import assemble_analysis
from samestory.pipeline.copies import collapse_copies
from samestory.pipeline.featurise import featurize_all, uncached
from samestory.pipeline.propose import propose_pairs
from samestory.pipeline.score import score_pairs


def load(name: str) -> tuple[list[Article], list[str]]:
    """The set's articles and gold labels."""
    if name == "real":
        return real_corpus()
    if name.isdigit():
        return build_corpus(int(name), 0)
    records, _ = read_labelled(DATA / f"{name}_dev.jsonl")
    return [record_to_article(r) for r in records], [str(r["story"]) for r in records]


def features_of(name: str, articles: list[Article], config: Config, cache: Path) -> Any:
    file = cache / f"{name}-{config.encoder}.features.pkl"
    if file.exists():
        return pickle.loads(file.read_bytes())
    features = featurize_all(articles, config, uncached(encoder_for(config.encoder)))
    cache.mkdir(parents=True, exist_ok=True)
    file.write_bytes(pickle.dumps(features))
    return features


def ari(gold: dict[str, str], groups: list[list[str]]) -> float:
    label = {doc: k for k, group in enumerate(groups) for doc in group}
    ids = sorted(gold)
    return float(adjusted_rand_score([gold[i] for i in ids], [label[i] for i in ids]))


@dataclasses.dataclass(frozen=True)
class ScoredCandidates:
    """Production's pipeline from the features to the grouping's input: the candidate
    ``pairs``, their ``relations``, the ``scored`` ``(i, j, score)`` triples and each
    copy's representative (``copy_of``)."""

    pairs: list[tuple[int, int]]
    relations: list[Relation]
    scored: list[tuple[int, int, float]]
    copy_of: list[int | None]


def scored_candidates(features: list[DocFeatures], config: Config) -> ScoredCandidates:
    """Copy collapse, ``propose_pairs`` and lean ``score_pairs``, as the batch runs them."""
    copies = collapse_copies(features, config)
    pairs = propose_pairs(features, copies, config)
    relations = score_pairs(features, copies.copies + pairs, config, lean=True)
    pair_relations = relations[len(copies.copies) :]
    scored = [(i, j, r.score) for (i, j), r in zip(pairs, pair_relations, strict=True)]
    return ScoredCandidates(pairs, pair_relations, scored, copies.copy_of())


def run(features: list[DocFeatures], gold: dict[str, str], config: Config) -> dict[str, Any]:
    """One pass of the pipeline from the features on, with its figures."""
    start = time.process_time()
    copies = collapse_copies(features, config)
    pairs = propose_pairs(features, copies, config)
    search = time.process_time() - start
    start = time.process_time()
    relations = score_pairs(features, copies.copies + pairs, config, lean=True)
    scoring = time.process_time() - start
    stories = assemble_analysis(features, copies, pairs, relations, config).stories
    total_cpu = time.process_time() - start + search
    digest = hashlib.sha256()
    for story in stories:
        digest.update(repr(story.to_dict()).encode())
    groups = sorted(sorted(s.articles) for s in stories)
    threads = sorted(sorted(t) for t in thread_groups_of(stories))
    members = hashlib.sha256(repr((groups, threads)).encode()).hexdigest()[:16]
    per_story = Counter(gold[features[r].id] for r in copies.reps)
    total = sum(n * (n - 1) // 2 for n in per_story.values())
    same = sum(gold[features[i].id] == gold[features[j].id] for i, j in pairs)
    return {
        "pairs": len(pairs),
        "coverage": same / max(total, 1),
        "same_gold_proposed": same,
        "ari": ari(gold, [list(s.articles) for s in stories]),
        "thread_ari": ari(gold, thread_groups_of(stories)),
        "stories": len(stories),
        "digest": digest.hexdigest()[:16],
        "members": members,
        "search_cpu_s": round(search, 2),
        "scoring_cpu_s": round(scoring, 2),
        "total_cpu_s": round(total_cpu, 2),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sets", default="ecbplus,meantime,gva,real,10000")
    parser.add_argument("--floors", default="0,0.02")
    parser.add_argument("--encoder", default=DEFAULT_CONFIG.encoder)
    parser.add_argument("--cache", type=Path, default=Path("/tmp/samestory-screen"))
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args(argv)
    for name in args.sets.split(","):
        articles, labels = load(name)
        gold = {a.id: g for a, g in zip(articles, labels, strict=True)}
        base = DEFAULT_CONFIG.replace(encoder=args.encoder, workers=1)
        features = features_of(name, articles, base, args.cache)
        times: dict[float, list[dict[str, Any]]] = {}
        for _ in range(args.repeat):
            for floor in map(float, args.floors.split(",")):
                result = run(features, gold, base.replace(min_keyword_cosine=floor))
                times.setdefault(floor, []).append(result)
                print(json.dumps({"set": name, "floor": floor, **result}), flush=True)
        if args.repeat > 1:
            for floor, results in times.items():
                medians = {
                    key: statistics.median(r[key] for r in results)
                    for key in ("search_cpu_s", "scoring_cpu_s", "total_cpu_s")
                }
                print(json.dumps({"set": name, "floor": floor, "medians": medians}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
