"""Which gold stories grouping by version moves on a labelled set, and why, traced.

    PYTHONPATH=src python scripts/trace_versions.py [--data tests/fixtures/ecbplus_dev_subset.jsonl]
        [--encoder static]

Runs the batch pipeline (``pipeline.batch.analyze``) on the records and keeps what its
grouping reads (the scored pairs, the copy groups, the copy pairs the exclusive-names
step counts as one version). Then groups the pairs after the step three ways with plain
``group``: texts as items (main before the hook), each version one item of weight one
(branch ``excl2`` b5a0315) and production's (``group(..., versions=...)``: a version
merged as one item, weighing its copy groups for the splinter rule). Prints the versions
of two or more copy groups and, for each gold story grouped differently, its parts each
way with their sizes in items and in copy groups (the splinter rule's three times).
"""

from __future__ import annotations

import argparse
import json
from collections import defaultdict
from pathlib import Path
from typing import Any

from samestory import exclusive
from samestory.config import DEFAULT_CONFIG
from samestory.models import Article
from samestory.pipeline import batch
from samestory.pipeline.group import group
from samestory.stories import DisjointSets

FIXTURE = Path(__file__).resolve().parents[1] / "tests/fixtures/ecbplus_dev_subset.jsonl"


def captured_grouping(records: list[dict], encoder: str) -> dict[str, Any]:
    """The batch's grouping inputs for ``records`` (``group_with_roundups`` wrapped)."""
    seen: dict[str, Any] = {}
    grouping = batch.group_with_roundups

    def spy(views: Any, scored: Any, copy_of: Any, config: Any, fork: bool = False) -> Any:
        seen.update(views=views, scored=list(scored), copy_of=list(copy_of), config=config)
        return grouping(views, scored, copy_of, config, fork=fork)

    batch.group_with_roundups = spy  # type: ignore[assignment]
    try:
        articles = [Article(id=r["id"], text=r["text"]) for r in records]
        batch.analyze(articles, DEFAULT_CONFIG.replace(encoder=encoder))
    finally:
        batch.group_with_roundups = grouping  # type: ignore[assignment]
    return seen


def roots(copy_of: list[int | None]) -> list[int]:
    sets = DisjointSets(len(copy_of))
    for i, j in enumerate(copy_of):
        if j is not None:
            sets.union(i, j)
    return sets.roots()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=FIXTURE)
    parser.add_argument("--encoder", default="static")
    args = parser.parse_args(argv)
    records = [json.loads(x) for x in args.data.read_text(encoding="utf-8").splitlines() if x]
    seen = captured_grouping(records, args.encoder)
    views, copy_of, config = seen["views"], seen["copy_of"], seen["config"]
    ids = [f.id for f in views.features]
    gold = {r["id"]: r["story"] for r in records}
    n = len(ids)
    scored = list(exclusive.before_grouping(views, seen["scored"]))
    versions = list(exclusive.with_versions(views, copy_of))
    copy_root, version_root = roots(copy_of), roots(versions)
    members: dict[int, list[int]] = defaultdict(list)
    for k in range(n):
        members[version_root[k]].append(k)
    for texts in members.values():
        if len({copy_root[k] for k in texts}) > 1:
            print("version:", " ".join(ids[k] for k in texts))
    ways = {
        "texts": group(n, scored, copy_of, config),
        "versions weigh 1": group(n, scored, versions, config),
        "production": group(n, scored, copy_of, config, versions=versions),
    }
    story_of = {way: {k: g for g, m in enumerate(gs) for k in m} for way, gs in ways.items()}
    for story in sorted({gold[i] for i in ids}):
        texts = [k for k in range(n) if gold[ids[k]] == story]
        parts = {way: sorted({story_of[way][k] for k in texts}) for way in ways}
        shapes = {
            way: sorted((len(ways[way][g]) for g in parts[way]), reverse=True) for way in ways
        }
        if len({tuple(s) for s in shapes.values()}) == 1:
            continue
        print(f"gold {story} ({len(texts)} texts):")
        for way, groups in ways.items():
            for g in parts[way]:
                inside = [k for k in groups[g] if gold[ids[k]] == story]
                items = len({version_root[k] if way != "texts" else copy_root[k] for k in inside})
                copies = len({copy_root[k] for k in inside})
                names = " ".join(ids[k].split(":")[-1] for k in inside)
                print(f"  {way}: {len(inside)} texts, {items} items, {copies} copy groups: {names}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
