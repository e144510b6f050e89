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

It also runs the Spark job's grouping task (:func:`samestory.spark.stages.cluster_component`,
with the name views) on each connected component of the representative pairs at or above
``min(same_story_threshold, attach_threshold)``, as the job splits them (no giant
component is cut here), and reports its ARI against local and whether it flags the same
roundups with the same parts (``ari_components_vs_local``, ``same_roundups``), and the
pickled bytes of the name views the job ships into those tasks (``view_bytes``, against
``features_bytes`` of the features it does not ship).
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))


def _labels(groups: list[list[int]]) -> dict[int, int]:
    return {i: k for k, group in enumerate(groups) for i in group}


def per_component(
    features: list[Any],
    scored: list[tuple[int, int, float]],
    copy_of: list[int | None],
    config: Any,
) -> tuple[list[list[int]], list[Any], int]:
    """The Spark job's grouping without Spark: :func:`cluster_component` with the name
    views on each component of the pairs at or above the component bar (copies follow
    their representative; texts in no such pair are alone). Returns the groups, the
    roundups (in indices, parts by a group's smallest representative) and the pickled
    bytes of the views shipped."""
    from samestory.roundups import name_view
    from samestory.spark.stages import cluster_component
    from samestory.stories import DisjointSets

    same, attach = config.same_story_threshold, config.attach_threshold
    bar = same if attach is None else min(same, attach)
    sets = DisjointSets(len(features))
    for i, j, s in scored:
        if s >= bar:
            sets.union(i, j)
    root = sets.roots()
    edges: dict[int, list[tuple[int, int, float]]] = {}
    for i, j, s in scored:
        if root[i] == root[j]:  # both ends in one component (its strong pairs and the rest)
            edges.setdefault(root[i], []).append((i, j, s))
    group = list(range(len(features)))
    found: list[Any] = []
    shipped = 0
    for listed in edges.values():
        nodes = {k for e in listed for k in e[:2]}
        views = {k: name_view(features[k]) for k in nodes}
        shipped += sum(len(pickle.dumps((k, v), protocol=5)) for k, v in views.items())
        placed, flags = cluster_component(listed, same, attach, views)
        for node, g in placed:
            group[node] = g
        found += flags
    for i, rep in enumerate(copy_of):
        if rep is not None:
            group[i] = group[rep]
    by_group: dict[int, list[int]] = {}
    for i, g in enumerate(group):
        by_group.setdefault(g, []).append(i)
    return sorted(by_group.values()), sorted(found, key=lambda f: f.index), shipped


def _same_roundups(local: list[Any], groups: list[list[int]], spark: list[Any]) -> bool:
    """Local and per-component roundups alike: the same texts, parts (by the group's
    smallest member), shares, sentences, names and attachment."""

    def key(f: Any, side_of: Any) -> tuple[Any, ...]:
        parts = tuple((side_of(p.side), p.share, p.sentences, p.names) for p in f.parts)
        return f.index, parts, f.attached_to is None

    first = [key(f, lambda side: groups[side][0]) for f in local]
    return first == [key(f, lambda side: side) for f in spark]


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
    from samestory.pipeline.batch import grouping_views
    from samestory.pipeline.copies import collapse_copies
    from samestory.pipeline.featurise import featurize_all, uncached
    from samestory.pipeline.group import group, group_with_roundups
    from samestory.pipeline.propose import propose_pairs
    from samestory.pipeline.score import score_pairs

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
    views = grouping_views(features, pairs, relations)  # as analyze
    with_rule, roundups = group_with_roundups(views, scored, copies.copy_of(), config)
    plain = group(len(features), scored, copies.copy_of(), config)
    components, flags, view_bytes = per_component(features, scored, copies.copy_of(), config)
    a, b, c = _labels(with_rule), _labels(plain), _labels(components)
    ids = sorted(a)
    reps = set(copies.reps)
    result = {
        "n": len(articles),
        "corpus": args.corpus,
        "encoder": args.encoder,
        "roundups": len(roundups),
        "stories": len(with_rule),
        "stories_without_rule": len(plain),
        "ari_without_rule_vs_local": adjusted_rand_score([a[i] for i in ids], [b[i] for i in ids]),
        "ari_components_vs_local": adjusted_rand_score([a[i] for i in ids], [c[i] for i in ids]),
        "same_roundups": _same_roundups(roundups, with_rule, flags),
        "view_bytes": view_bytes,
        "features_bytes": sum(len(pickle.dumps(features[i], protocol=5)) for i in reps),
    }
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
