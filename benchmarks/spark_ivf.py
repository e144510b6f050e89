"""The Spark job's IVF vector search on the real dev corpus, in one process, against exact.

``python benchmarks/spark_ivf.py [--encoder static] [--cells 250,100,50] [--copies 3]
[--max-cell-factor 6]``

The real distinct dev articles (ECB+, MEANTIME, GVA: 2,312, 2,287 representatives) are
featurised and their copies collapsed as the local engine does. Their vector search is
then run two ways: exact (the local engine's, which the job reproduces up to 5,000
representatives) and in IVF cells with the job's own functions (``spherical_kmeans`` on
every vector, as the job's sample is every vector below 12,800, seed 0, centroids through
float16; each vector stored in its ``--copies`` nearest cells and querying its nearest;
``_split_cell`` in each cell, oversized cells split). Every candidate pair of both runs
(the LSH and keyword pairs, which do not depend on the vector search, plus each run's
vector pairs) is scored once with the local scorer, and the local grouping gives each
run's stories. Reported per setting: vector recall against exact (all articles, not a
sample), its share among the same-story pairs and the GVA same-story pairs, the search
work (dot products a query, as a share of the representatives), ARI of the stories
against exact search and against gold, and the story edges (pairs scoring at least the
attach threshold) lost and gained. The Spark job gives the local stories for the same
pairs (ARI 1.0, tested), so this is the job's IVF effect without a Spark session, which
a loaded box cannot finish at this size (``benchmarks/spark.py --corpus real`` runs it
through Spark).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))


def ivf_vector_pairs(
    matrix: np.ndarray, config: Any, cell_size: int, copies: int, factor: float
) -> tuple[set[tuple[int, int]], float]:
    """The job's IVF pairs of ``matrix``'s rows (the top level in one process) and the dot
    products a query did, as a share of the rows."""
    from samestory.spark import vectors

    vectors.CELL_COPIES, vectors.MAX_CELL_FACTOR = copies, factor
    n = len(matrix)
    keys = np.arange(n)
    k = max(2, min(vectors.MAX_CELLS, math.ceil(n / cell_size)))
    centroids = vectors.spherical_kmeans(matrix, k).astype(np.float16).astype(np.float32)
    cells = vectors.nearest_cells(matrix, centroids, copies)
    work = [0]
    search = vectors.cell_neighbours

    def counted(queries: Any, cell_keys: np.ndarray, cell: np.ndarray, cfg: Any) -> Any:
        queries = list(queries)
        work[0] += len(queries) * len(cell_keys)
        return search(queries, cell_keys, cell, cfg)

    vectors.cell_neighbours = counted  # type: ignore[assignment]
    try:
        found: set[tuple[int, int]] = set()
        for c in range(k):
            stored = np.flatnonzero((cells == c).any(axis=1))
            queries = [int(i) for i in np.flatnonzero(cells[:, 0] == c)]
            if queries:
                found |= set(
                    vectors._split_cell(queries, keys[stored], matrix[stored], config, cell_size)
                )
    finally:
        vectors.cell_neighbours = search  # type: ignore[assignment]
    return found, work[0] / n / n


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--encoder", default="static", choices=("use", "static"))
    parser.add_argument("--cells", default="250,100,50", help="IVF cell sizes (comma list)")
    parser.add_argument("--copies", default="3", help="cells a vector is stored in (comma list)")
    parser.add_argument("--max-cell-factor", default="6", help="split above this x cell size")
    parser.add_argument("--data", type=Path, default=None)
    args = parser.parse_args(argv)
    from corpus import DATA, real_corpus
    from sklearn.metrics import adjusted_rand_score as ari

    from samestory.candidates import candidate_pairs
    from samestory.config import DEFAULT_CONFIG
    from samestory.embed import encoder_for
    from samestory.encoders import one_blas_thread
    from samestory.pipeline.batch import assemble_analysis
    from samestory.pipeline.copies import collapse_copies
    from samestory.pipeline.featurise import featurize_all, uncached
    from samestory.pipeline.score import score_pairs
    from samestory.spark.vectors import cell_neighbours

    shared = os.environ.get("SAMESTORY_SHARED")
    data = args.data or (Path(shared) / "data" if shared else DATA)
    config = DEFAULT_CONFIG.replace(encoder=args.encoder)
    articles, gold = real_corpus(data)
    features = featurize_all(articles, config, uncached(encoder_for(args.encoder)))
    copies = collapse_copies(features, config)
    reps = copies.reps
    with one_blas_thread():
        everything = set(candidate_pairs([features[r] for r in reps], config))
        # No vector neighbour passes a floor of 1: the LSH and keyword pairs alone.
        lexical = set(
            candidate_pairs([features[r] for r in reps], config.replace(ann_min_cosine=1.0))
        )
    matrix = np.vstack([features[r].vector for r in reps]).astype(np.float32)
    n = len(reps)
    exact = set(cell_neighbours(range(n), np.arange(n), matrix, config))
    assert everything == lexical | exact, "the candidates are not LSH + keywords + vectors"
    story = [gold[r] for r in reps]
    source = [articles[r].id.split(":")[0] for r in reps]
    same = {p for p in exact if story[p[0]] == story[p[1]]}
    gva = {p for p in same if source[p[0]] == "gva"}

    settings = [
        (int(c), int(k), float(f))
        for c in args.cells.split(",")
        for k in args.copies.split(",")
        for f in args.max_cell_factor.split(",")
    ]
    found = {s: ivf_vector_pairs(matrix, config, *s) for s in settings}
    runs = {"exact": everything, **{s: lexical | found[s][0] for s in settings}}
    union = sorted(set().union(*runs.values()))
    start = time.perf_counter()
    pairs = [(reps[i], reps[j]) for i, j in union]
    relations = score_pairs(features, copies.copies + pairs, config)
    held = len(copies.copies)
    relation_of = dict(zip(union, relations[held:], strict=True))
    print(f"{len(articles)} articles, {n} representatives; {len(union)} pairs scored in "
          f"{time.perf_counter() - start:.0f}s", file=sys.stderr)  # fmt: skip
    ids = [a.id for a in articles]

    def stories(run: set[tuple[int, int]]) -> list[str]:
        ordered = sorted(run)
        analysis = assemble_analysis(
            features, copies, [(reps[i], reps[j]) for i, j in ordered],
            relations[:held] + [relation_of[p] for p in ordered], config,
        )  # fmt: skip
        of = {a: s.id for s in analysis.stories for a in s.articles}
        return [of[i] for i in ids]

    def edges(run: set[tuple[int, int]]) -> set[tuple[int, int]]:
        return {p for p in run if relation_of[p].score >= config.attach_threshold}

    reference, reference_edges = stories(everything), edges(everything)
    print(json.dumps({"search": "exact", "representatives": n, "stories": len(set(reference)),
                      "ari_gold": round(ari(gold, reference), 4), "edges": len(reference_edges),
                      "pairs": len(everything)}))  # fmt: skip
    for s in settings:
        vector_pairs, work = found[s]
        got, run_edges = stories(runs[s]), edges(runs[s])
        print(json.dumps({
            "cell_size": s[0], "cells": max(2, math.ceil(n / s[0])), "copies": s[1],
            "max_cell_factor": s[2], "work": round(work, 3),
            "recall": round(len(vector_pairs & exact) / len(exact), 4),
            "recall_same_story": round(len(vector_pairs & same) / len(same), 4),
            "recall_gva_same_story": round(len(vector_pairs & gva) / len(gva), 4),
            "ari_vs_exact": round(ari(reference, got), 4), "ari_gold": round(ari(gold, got), 4),
            "stories": len(set(got)), "pairs": len(runs[s]),
            "edges_lost": len(reference_edges - run_edges),
            "edges_gained": len(run_edges - reference_edges),
        }), flush=True)  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
