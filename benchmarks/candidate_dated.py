"""What the same-days candidate route adds, and how the models score what it adds.

    python benchmarks/candidate_dated.py [--sets gva:lead,gva:summary,gva] [--cache DIR]

For each set (a dev file's stem, optionally ``:FORM`` for a short form, as in
``candidate_routes.py``) it runs production's copy collapse and ``propose_pairs`` twice,
with the same-days route (``candidates.DATED_NEIGHBOURS``) and without it (0), scores
the pairs only the route proposes with production's lean ``score_pairs``, and prints
per set: the pairs added, how many are same-gold, and for the same-gold and the other
ones the story model's score (``Relation.score``: the link is ``same_story_threshold``)
and the thread model's probability (``evidence.scores["thread"]``: threads join at 0.6),
as quartiles and counts over the bars; then ARI of stories and threads with and without
the route (production's grouping from the features on, as ``candidate_screen.py``).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from candidate_routes import load
from candidate_screen import ari

from samestory import candidates
from samestory.api import thread_groups_of
from samestory.config import DEFAULT_CONFIG, Config
from samestory.features import DocFeatures
from samestory.pipeline.batch import assemble_analysis
from samestory.pipeline.copies import collapse_copies
from samestory.pipeline.propose import propose_pairs
from samestory.pipeline.score import score_pairs

THREAD_BAR = 0.6


def spread(values: list[float]) -> dict[str, Any]:
    if not values:
        return {"n": 0}
    q = statistics.quantiles(values, n=4) if len(values) > 1 else [values[0]] * 3
    return {"n": len(values), "q1": round(q[0], 3), "median": round(q[1], 3), "q3": round(q[2], 3)}


def one_set(spec: str, features: list[DocFeatures], gold: list[str], config: Config) -> None:
    label = {f.id: g for f, g in zip(features, gold, strict=True)}
    copies = collapse_copies(features, config)
    with_route = propose_pairs(features, copies, config)
    kept = candidates.same_days.DATED_NEIGHBOURS
    candidates.same_days.DATED_NEIGHBOURS = 0
    try:
        without = propose_pairs(features, copies, config)
    finally:
        candidates.same_days.DATED_NEIGHBOURS = kept
    added = sorted(set(with_route) - set(without))
    relations = score_pairs(features, added, config, lean=True)
    bar = config.same_story_threshold
    rows: dict[str, dict[str, list[float]]] = {"same": {}, "other": {}}
    for (i, j), r in zip(added, relations, strict=True):
        side = rows["same" if label[features[i].id] == label[features[j].id] else "other"]
        side.setdefault("story", []).append(r.score)
        side.setdefault("thread", []).append(r.evidence.scores.get("thread", 0.0))
    out: dict[str, Any] = {"set": spec, "pairs": len(without), "added": len(added)}
    for side, values in rows.items():
        story, thread = values.get("story", []), values.get("thread", [])
        out[side] = {
            "story": spread(story),
            "story_at_link": sum(s >= bar for s in story),
            "thread": spread(thread),
            "thread_at_bar": sum(t >= THREAD_BAR for t in thread),
        }
    for tag, pairs in (("without", without), ("with", with_route)):
        scored = score_pairs(features, copies.copies + pairs, config, lean=True)
        stories = assemble_analysis(features, copies, pairs, scored, config).stories
        out[f"ari_{tag}"] = round(ari(label, [list(s.articles) for s in stories]), 4)
        out[f"thread_ari_{tag}"] = round(ari(label, thread_groups_of(stories)), 4)
    print(json.dumps(out), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sets", default="gva:lead,gva:summary,gva")
    parser.add_argument("--cache", type=Path, default=Path("/tmp/cands/cache"))
    args = parser.parse_args()
    config = DEFAULT_CONFIG.replace(workers=1)
    for spec in args.sets.split(","):
        features, gold = load(spec, config, args.cache)
        one_set(spec, features, gold, config)


if __name__ == "__main__":
    main()
