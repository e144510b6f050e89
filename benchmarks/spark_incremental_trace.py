"""Which scored pairs decide the stories a kept incremental run splits or joins (no Spark).

``python benchmarks/spark_incremental_trace.py DIR [--encoder static]``: ``DIR`` is a run
kept by ``spark_incremental.py --keep DIR`` with its full rerun (``full/``) and its last
day's output (``out2/``; ``--out NAME`` for another day's). Where ``--explain`` says
*which* stories differ, this says *why*:

1. Each run's scored representative pairs (``relations.parquet``; the representatives are
   the full rerun's copy groups' first articles, recomputed by the local engine from the
   features stored in the state) are grouped again with the job's own function
   (:func:`samestory.spark.stages.cluster_component`, with the roundup rule on the name
   views of the stored features), over the components (of pairs at or above the
   grouping's bar) that hold a differing story. ``reproduced``: whether that gives each
   run's stories there (it must, or nothing below holds).
2. The pairs only one run scored inside those components are the *changes* that turn the
   incremental run's pairs into the full rerun's. ``alone``: what each change does by
   itself (``restores``: the full rerun's stories come back; ``moves``: other stories;
   ``none``). ``deciding``: a smallest set of them that, applied together, gives the full
   rerun's stories (every change applied, then each one left out again while the result
   stays the full rerun's).
3. For each deciding pair: its score and ends, the day that scored it (``None``: only the
   full rerun did), both ends' top-level IVF cells (the state's), and where the
   candidates come from: whether a day's caught vector candidates hold it
   (``vector-pairs-N.parquet``, written with ``--recall-sample``), and whether the local
   rules propose it over the representatives of the day that scored it and over all of
   them: the exact vector rule (``incremental.neighbour_list``), and each end's keyword
   and same-days lists (``candidates.keyword_neighbours`` / ``dated_ranking`` over the
   representatives' 20 keywords; ties broken by index, where the job breaks them by
   ``(id, idx)``).

A pair that day 1's lists propose and the lists over all days do not is one that a full
rerun's lists no longer make (a closer later article pushed it out): the incremental run
keeps it, since edges are never removed (docs/spark.md, *Where the result can differ*).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from spark_incremental import (  # noqa: E402  (benchmarks/ on the path first)
    _assignments,
    _parquet_rows,
    _stored_features,
)

Edges = dict[tuple[int, int], tuple[float, bool]]
Groups = list[frozenset[int]]


def _rep_edges(relations: Path, idx_of: dict[str, int], reps: set[int]) -> Edges:
    """``(i, j) -> (score, copy?)`` of the representative pairs a run scored."""
    from types import SimpleNamespace

    from samestory import exclusive
    from samestory.spark.incremental import relation_of

    edges: Edges = {}
    for row in _parquet_rows(relations):
        i, j = sorted((idx_of[row["a"]], idx_of[row["b"]]))
        if i in reps and j in reps:
            copy = exclusive.copy_relation(relation_of(SimpleNamespace(**row)))
            edges[(i, j)] = (float(row["score"]), copy)
    return edges


def _components(edges: Edges, bar: float) -> list[set[int]]:
    """Connected components of the pairs scoring at least ``bar``."""
    parent: dict[int, int] = {}

    def find(x: int) -> int:
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for (i, j), (score, _) in edges.items():
        if score >= bar:
            parent[find(i)] = find(j)
    found: dict[int, set[int]] = {}
    for x in list(parent):
        found.setdefault(find(x), set()).add(x)
    return list(found.values())


class _Grouping:
    """The job's grouping of one run's pairs over a fixed set of representatives."""

    def __init__(self, config: Any, views: dict[int, Any], nodes: set[int]) -> None:
        self.threshold = config.same_story_threshold
        self.attach = config.attach_threshold
        self.bar = min(self.threshold, self.attach)
        self.views, self.nodes = views, nodes

    def __call__(self, edges: Edges) -> Groups:
        from samestory.spark.stages import cluster_component

        groups: list[frozenset[int]] = []
        linked: set[int] = set()
        for component in _components(edges, self.bar):
            if not component & self.nodes:
                continue
            linked |= component
            listed = [
                (i, j, score, copy)
                for (i, j), (score, copy) in edges.items()
                if i in component and j in component
            ]
            found, _ = cluster_component(listed, self.threshold, self.attach, self.views)
            members: dict[int, set[int]] = {}
            for node, group in found:
                members.setdefault(group, set()).add(node)
            groups += [frozenset(m) for m in members.values()]
        groups += [frozenset({k}) for k in self.nodes - linked]
        return sorted((g for g in groups if g & self.nodes), key=min)


def _stories(assignments: dict[str, str], idx_of: dict[str, int]) -> dict[str, set[int]]:
    stories: dict[str, set[int]] = {}
    for article, story in assignments.items():
        stories.setdefault(story, set()).add(idx_of[article])
    return stories


def _differing(full: dict[str, set[int]], got: dict[str, set[int]]) -> list[str]:
    """The full rerun's stories the incremental run splits or joins with others."""
    story_of = {k: s for s, members in got.items() for k in members}
    return [
        s
        for s, members in full.items()
        if len({story_of[k] for k in members}) > 1
        or len(got[story_of[min(members)]]) != len(members)
    ]


def _closure(seed: set[int], *runs: dict[str, set[int]]) -> set[int]:
    """``seed`` with every story of either run that shares an article with it, repeated."""
    touched = set(seed)
    grown = True
    while grown:
        grown = False
        for stories in runs:
            for members in stories.values():
                if members & touched and not members <= touched:
                    touched |= members
                    grown = True
    return touched


def _inside(seed: set[int], runs: list[Edges], config: Any) -> set[int]:
    """``seed`` with every component (either run's) that shares a node with it, repeated:
    a set that each run's groups lie inside or outside of, whole."""
    bar = min(config.same_story_threshold, config.attach_threshold)
    components = [c for run in runs for c in _components(run, bar)]
    inside = set(seed)
    grown = True
    while grown:
        grown = False
        for component in components:
            if component & inside and not component <= inside:
                inside |= component
                grown = True
    return inside


def _minimal(changes: list[tuple[int, int]], apply: Callable[[Iterable[Any]], Groups],
             target: Groups) -> list[tuple[int, int]]:  # fmt: skip
    """A 1-minimal subset of ``changes`` whose application gives ``target`` (or all of
    them when even all do not)."""
    kept = list(changes)
    if apply(kept) != target:
        return kept
    for change in list(changes):
        fewer = [c for c in kept if c != change]
        if apply(fewer) == target:
            kept = fewer
    return kept


class _Routes:
    """Which local candidate rules propose a pair over a set of representatives."""

    def __init__(self, features: list[Any], config: Any) -> None:
        import numpy as np

        from samestory.candidates import keywords

        self.features, self.config = features, config
        self.words = {k: keywords(f) for k, f in enumerate(features)}
        self.np = np

    def of(self, i: int, j: int, among: list[int]) -> dict[str, bool]:
        from samestory.candidates import dated_ranking, keyword_neighbours, route_day
        from samestory.spark.incremental import neighbour_list

        np, config = self.np, self.config
        keys = np.array(among, dtype=np.int64)
        matrix = np.vstack([self.features[k].vector for k in among]).astype(np.float32)
        words = [self.words[k] for k in among]
        postings: dict[int, list[int]] = {}
        for k in among:
            for word in self.words[k]:
                postings.setdefault(word, []).append(k)

        def posting(word: int) -> list[int]:
            return postings.get(word, [])

        def day_of(k: int) -> int | None:
            return route_day(self.features[k])

        def vector(a: int, b: int) -> bool:
            row = int(np.searchsorted(keys, a))
            chosen, _ = neighbour_list(row, keys, matrix, config, words)
            return b in {int(keys[r]) for r in chosen}

        def dated(a: int, b: int) -> bool:
            day = day_of(a)
            if day is None:
                return False
            ranked = dated_ranking(self.words[a], posting, day_of, day, a)
            return b in {other for other, _ in ranked}

        out = {}
        for a, b in ((i, j), (j, i)):
            out[f"vector {a}->{b}"] = vector(a, b)
            out[f"keyword {a}->{b}"] = b in keyword_neighbours(self.words[a], posting, a)
            out[f"same_days {a}->{b}"] = dated(a, b)
        return out


def _days(state: Path) -> tuple[list[int], dict[tuple[int, int], int]]:
    """Each day's first index after it (day k: indices below ``ends[k - 1]``), and the day
    that scored each stored pair."""
    ends, scored = [], {}
    for day, part in enumerate(sorted((state / "parts").iterdir()), start=1):
        ends.append(1 + max(r["idx"] for r in _parquet_rows(part / "features.parquet", ["idx"])))
        for r in _parquet_rows(part / "relations.parquet", ["i", "j"]):
            scored[(min(r["i"], r["j"]), max(r["i"], r["j"]))] = day
    return ends, scored


def _vector_candidates(folder: Path) -> dict[tuple[int, int], list[int]]:
    """The days whose caught vector candidates hold each pair (none caught: empty)."""
    found: dict[tuple[int, int], list[int]] = {}
    for path in sorted(folder.glob("vector-pairs-*.parquet")):
        day = int(path.name.split("-")[-1].split(".")[0])
        for r in _parquet_rows(path):
            found.setdefault((min(r["i"], r["j"]), max(r["i"], r["j"])), []).append(day)
    return found


def trace(folder: Path, encoder: str, out: str = "out2") -> dict[str, Any]:
    """The deciding pairs of a kept run (see the module doc)."""
    from samestory.config import DEFAULT_CONFIG
    from samestory.pipeline.copies import copy_groups
    from samestory.roundups import name_view

    config = DEFAULT_CONFIG.replace(encoder=encoder)
    state = folder / "state"
    features = _stored_features(state)
    idx_of = {f.id: k for k, f in enumerate(features)}
    group = copy_groups(features, config)
    reps = {k for k, g in enumerate(group) if g == k}
    full = _stories(_assignments(folder / "full"), idx_of)
    got = _stories(_assignments(folder / out), idx_of)
    differing = _differing(full, got)
    touched = _closure(
        set().union(*(full[s] for s in differing)) if differing else set(), full, got
    )
    edges = {
        "full": _rep_edges(folder / "full" / "relations.parquet", idx_of, reps),
        "incremental": _rep_edges(folder / out / "relations.parquet", idx_of, reps),
    }
    inside = _inside(touched & reps, list(edges.values()), config)
    grouping = _Grouping(config, {k: name_view(features[k]) for k in inside}, inside)
    wanted = {
        name: sorted({frozenset(m & reps) for m in stories.values() if m & inside}, key=min)
        for name, stories in (("full", full), ("incremental", got))
    }
    reproduced = {name: grouping(edges[name]) == wanted[name] for name in edges}
    only = {
        pair: ("full" if pair in edges["full"] else "incremental")
        for pair in set(edges["full"]) ^ set(edges["incremental"])
        if pair[0] in inside and pair[1] in inside
    }

    def apply(changes: Iterable[tuple[int, int]]) -> Groups:
        run = dict(edges["incremental"])
        for pair in changes:
            if only[pair] == "incremental":
                run.pop(pair)
            else:
                run[pair] = edges["full"][pair]
        return grouping(run)

    target = wanted["full"]
    alone = {}
    for pair in sorted(only):
        result = apply([pair])
        alone[str(pair)] = (
            "restores"
            if result == target
            else "moves"
            if result != wanted["incremental"]
            else "none"
        )
    deciding = _minimal(sorted(only), apply, target)
    ends, scored_on = _days(state)
    caught = _vector_candidates(folder)
    routes = _Routes(features, config)
    full_story = {k: s for s, m in full.items() for k in m}
    got_story = {k: s for s, m in got.items() for k in m}
    cells = {
        r["idx"]: r["cells"]
        for r in _parquet_rows(state / (state / "CURRENT").read_text().strip() / "nodes.parquet")
    }
    described = []
    for i, j in deciding:
        run = edges[only[(i, j)]]
        day = scored_on.get((i, j))
        among_day = sorted(k for k in reps if k < ends[(day or len(ends)) - 1])
        described.append(
            {
                "pair": [i, j],
                "ids": [features[i].id, features[j].id],
                "only_in": only[(i, j)],
                "score": round(run[(i, j)][0], 4),
                "alone": alone[str((i, j))],
                "scored_on_day": day,
                "cells": [cells.get(i), cells.get(j)],
                "cosine": round(float(features[i].vector @ features[j].vector), 4),
                "caught_vector_candidate_days": caught.get((i, j), []),
                "rules_over_that_days_representatives": routes.of(i, j, among_day),
                "rules_over_all_representatives": routes.of(i, j, sorted(reps)),
                "full_stories": [full_story[i], full_story[j]],
                "incremental_stories": [got_story[i], got_story[j]],
            }
        )
    return {
        "differing_full_stories": {s: len(full[s]) for s in differing},
        "representatives_inside": len(inside),
        "reproduced": reproduced,
        "pairs_only_in": {
            name: sum(1 for v in only.values() if v == name) for name in ("full", "incremental")
        },
        "alone": alone,
        "deciding": described,
        "deciding_gives_full": apply(deciding) == target,
        "stories": {
            name: [sorted({full_story[k] for k in g}) for g in grouping(edges[name])]
            for name in edges
        },
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("folder", type=Path, help="a run kept by spark_incremental.py --keep")
    parser.add_argument("--encoder", default="static", choices=("use", "static"))
    parser.add_argument("--out", default="out2", help="the day's output folder to compare")
    args = parser.parse_args(argv)
    print(json.dumps(trace(args.folder, args.encoder, args.out), indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
