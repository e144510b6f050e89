"""Which candidate pairs matter: each proposed pair's provenance beside its exact scores.

    python benchmarks/candidate_value.py [--corpus real|N] [--encoder static] [--cache DIR]

Runs production's copy collapse, candidate search and lean pair scoring (as
``analyze_features`` does) on the corpus and writes, per candidate pair, what the
candidate stage knew (document cosine, each end's rank in the other's vector list,
which index proposed it, the shared keywords' count and weight, shared names and
numbers) beside what scoring found (story score, thread probability, kind) and whether
the pair is the same gold story, as a NumPy ``.npz`` in ``--cache``. The features and the
relations are cached there too, so a candidate rule can be tried offline against them.
"""

from __future__ import annotations

import argparse
import pickle
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import numpy as np
from candidate_coverage import features_of, load

from samestory import candidates
from samestory.config import DEFAULT_CONFIG
from samestory.features import DocFeatures
from samestory.models import Relation
from samestory.pipeline.copies import collapse_copies
from samestory.pipeline.propose import propose_pairs
from samestory.pipeline.score import score_pairs


def provenance(
    features: list[DocFeatures], reps: list[int], encoder: str
) -> tuple[dict[tuple[int, int], int], dict[tuple[int, int], float]]:
    """For each ordered (i, j) of representatives: j's rank in i's vector list, and the
    summed keyword weight of j in i's keyword list."""
    config = DEFAULT_CONFIG.replace(encoder=encoder)
    chosen = [features[r] for r in reps]
    index = candidates.CandidateIndex(config, dim=chosen[0].vector.shape[0])
    index.add(chosen)
    position = {f.id: reps[k] for k, f in enumerate(chosen)}
    rank: dict[tuple[int, int], int] = {}
    weight: dict[tuple[int, int], float] = {}
    for k, f in enumerate(chosen):
        i = reps[k]
        for n, other in enumerate(index._vector_scan(f.vector, candidates.keywords(f))[0]):
            rank[(i, position[other])] = n
        ranked = candidates.keyword_ranking(
            candidates.keywords(f),
            lambda w: index._keywords.posting(w, candidates.MAX_KEYWORD_POSTINGS + 1),
            f.id,
        )
        for other, w in ranked:
            weight[(i, position[other])] = w
    return rank, weight


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", default="real")
    parser.add_argument("--encoder", default="static")
    parser.add_argument("--cache", type=Path, default=Path("/tmp/samestory-coverage"))
    args = parser.parse_args(argv)
    articles, labels = load(args.corpus)
    gold = {a.id: g for a, g in zip(articles, labels, strict=True)}
    features = features_of(args.corpus, args.encoder, args.cache)
    config = DEFAULT_CONFIG.replace(encoder=args.encoder)
    copies = collapse_copies(features, config)
    pairs = propose_pairs(features, copies, config)
    rel_file = args.cache / f"{args.corpus}-{args.encoder}.relations.pkl"
    if rel_file.exists():
        relations: list[Relation] = pickle.loads(rel_file.read_bytes())
    else:
        start = time.process_time()
        relations = score_pairs(features, pairs, config.replace(workers=1), lean=True)
        print(f"scored {len(pairs)} pairs in {time.process_time() - start:.1f} s CPU")
        rel_file.write_bytes(pickle.dumps(relations))
    rank, weight = provenance(features, copies.reps, args.encoder)
    rows = []
    for (i, j), r in zip(pairs, relations, strict=True):
        a, b = features[i], features[j]
        rows.append(
            (
                i,
                j,
                float(a.vector @ b.vector),
                rank.get((i, j), -1),
                rank.get((j, i), -1),
                max(weight.get((i, j), 0.0), weight.get((j, i), 0.0)),
                len(a.entities & b.entities),
                len(a.numbers & b.numbers),
                r.score,
                r.evidence.scores.get("thread", 0.0),
                r.kind is not None,
                gold[a.id] == gold[b.id],
            )
        )
    table = np.array(rows, dtype=np.float64)
    out = args.cache / f"{args.corpus}-{args.encoder}.pairs.npz"
    np.savez(out, table=table)
    print(f"{len(rows)} pairs -> {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
