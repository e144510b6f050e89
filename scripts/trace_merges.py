"""Where a corpus's wrongly merged article pairs come from: which gold stories one story
holds, through which pairs, at which stage.

    python scripts/trace_merges.py [--set 10000] [--cache /tmp/samestory-screen]
        [--rule keywords|cosine] [--top 12] [--json FILE]

Runs production's pipeline from the cached features on (as
``benchmarks/candidate_screen.py`` does, whose feature cache it reads: copy collapse,
``propose_pairs``, lean ``score_pairs``, ``group_with_roundups``) and, for every found
story holding articles of two or more gold stories, each pair of gold stories it joins:

- ``merged``: the article pairs (two gold stories, one found story) it accounts for;
- ``links``: the scored candidate pairs between them, by score band (>= the
  same-story threshold: a pair the story model called the same story; >= the attach
  threshold; under it), each pair's relation kind, and the top pair's story-model inputs
  (``relate.pair_score``: event cues, event probability, rewrite evidence, date gap);
- ``stage``: ``scoring`` (a pair between them scored at or above the same-story
  threshold: average link joins what the story model calls one story), ``grouping``
  (none did: they joined through average link's mean over groups or an attach at the
  lower bar) or ``roundups`` (not together in the plain grouping, together after the
  roundup step);
- ``same_topic``: whether the two gold stories share the source set's topic (ECB+ topics
  hold two events of one kind; the synthetic corpus keeps the originals' gold stories).

``--rule cosine`` proposes with static's saturation rule before the keyword widening
(``candidates.SATURATED_KEYWORD_COSINE["static"] = None``: document cosine >= 0.8),
for the before/after of that change.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "benchmarks"))

from candidate_screen import ari, features_of, load, scored_candidates  # noqa: E402
from corpus import DATA  # noqa: E402

from samestory import candidates, relate  # noqa: E402
from samestory.config import DEFAULT_CONFIG, Config  # noqa: E402
from samestory.evaluate import load_records  # noqa: E402
from samestory.features import DocFeatures  # noqa: E402
from samestory.pipeline.batch import grouping_views  # noqa: E402
from samestory.pipeline.group import group, group_with_roundups  # noqa: E402


def topic_of_gold(gold: list[str]) -> dict[str, str]:
    """Each gold story's source topic (``file:topic`` of its dev record), or itself. Gold
    stories are named ``ecbplus_dev.jsonl:story`` (synthetic) or ``ecbplus:story`` (real)."""
    by_story: dict[str, str] = {}
    for name in ("ecbplus_dev", "meantime_dev", "gva_dev"):
        for r in load_records(DATA / f"{name}.jsonl"):
            topic = f"{name}:{r.get('topic') or r['story']}"
            by_story.setdefault(f"{name}.jsonl:{r['story']}", topic)
            by_story.setdefault(f"{name.split('_')[0]}:{r['story']}", topic)
            by_story.setdefault(str(r["story"]), topic)  # a dev set's own labels
    return {g: by_story.get(g, g) for g in set(gold)}


def pairs_of(n: int) -> int:
    return n * (n - 1) // 2


def trace(features: list[DocFeatures], gold: list[str], config: Config, top: int) -> dict[str, Any]:
    """The merges of production's stories over ``features`` (see the module doc)."""
    run = scored_candidates(features, config)
    pairs, pair_relations, scored, copy_of = run.pairs, run.relations, run.scored, run.copy_of
    plain = group(len(features), scored, copy_of, config)
    views = grouping_views(features, pairs, pair_relations)  # as analyze
    groups, roundups = group_with_roundups(views, scored, copy_of, config)
    plain_of = {i: g for g, members in enumerate(plain) for i in members}
    topic = topic_of_gold(gold)
    # The links between two gold stories: candidate pairs, kinds and scores.
    links: dict[tuple[str, str], list[tuple[float, str, int, int]]] = defaultdict(list)
    for (i, j), r in zip(pairs, pair_relations, strict=True):
        if gold[i] != gold[j]:
            key = (min(gold[i], gold[j]), max(gold[i], gold[j]))
            links[key].append((r.score, r.kind.value if r.kind else "none", i, j))
    rows = []
    for g, members in enumerate(groups):
        count = Counter(gold[i] for i in members)
        if len(count) < 2:
            continue
        for a, b in sorted(
            ((x, y) for x in count for y in count if x < y),
            key=lambda p: -count[p[0]] * count[p[1]],
        ):
            found = sorted(links.get((a, b), []), reverse=True)
            together_plain = any(
                plain_of[i] == plain_of[j]
                for i in members
                if gold[i] == a
                for j in members
                if gold[j] == b
            )
            strong = [x for x in found if x[0] >= config.same_story_threshold]
            row: dict[str, Any] = {
                "story": g,
                "size": len(members),
                "gold": [a, b],
                "sizes": [count[a], count[b]],
                "merged": count[a] * count[b],
                "same_topic": topic[a] == topic[b],
                "topics": [topic[a], topic[b]],
                "links": len(found),
                "at_link": len(strong),
                "at_attach": sum(x[0] >= (config.attach_threshold or 0) for x in found),
                "kinds": dict(Counter(x[1] for x in found)),
                "stage": "scoring" if strong else "grouping" if together_plain else "roundups",
            }
            routes: Counter[str] = Counter()
            for _, _, i, j in strong:
                ps = relate.pair_score(features[i], features[j], config)
                shorter = min(len(features[i].sentences), len(features[j].sentences))
                route = "rewrite" if ps.rewrite_evidence > ps.event_probability else "event"
                routes[f"{route}, shorter text {'1 sentence' if shorter == 1 else '2+'}"] += 1
            row["at_link_routes"] = dict(routes)
            if found:
                score, kind, i, j = found[0]
                ps = relate.pair_score(features[i], features[j], config)
                row["top"] = {
                    "ids": [features[i].id, features[j].id],
                    "score": round(score, 3),
                    "kind": kind,
                    "event_probability": round(ps.event_probability, 3),
                    "rewrite_evidence": round(ps.rewrite_evidence, 3),
                    "date_gap": ps.date_gap,
                    "cues": {
                        k: round(float(v), 3)
                        for k, v in zip(relate.CUE_NAMES, ps.cues.vector(), strict=True)
                    },
                }
            rows.append(row)
    rows.sort(key=lambda r: -r["merged"])
    merged_total = sum(pairs_of(n) for n in (len(m) for m in groups)) - sum(
        pairs_of(n) for n in Counter((gold[i], k) for k, m in enumerate(groups) for i in m).values()
    )
    by_stage = Counter()
    by_topic = Counter()
    for r in rows:
        by_stage[r["stage"]] += r["merged"]
        by_topic["same topic" if r["same_topic"] else "other topic"] += r["merged"]
    gold_of = {features[i].id: gold[i] for i in range(len(features))}
    return {
        "articles": len(features),
        "pairs": len(pairs),
        "ari": round(ari(gold_of, [[features[i].id for i in m] for m in groups]), 4),
        "stories": len(groups),
        "roundups": len(roundups),
        "merged_article_pairs": merged_total,
        "merged_by_stage": dict(by_stage),
        "merged_by_topic": dict(by_topic),
        "gold_pairs_merged": len(rows),
        "top": rows[:top],
        "rows": rows,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--set", default="10000", help="a synthetic size, 'real', or a dev set (ecbplus, gva, …)"
    )
    parser.add_argument(
        "--cache",
        type=Path,
        default=Path("/tmp/samestory-screen"),
        help="features cache, shared with benchmarks/candidate_screen.py",
    )
    parser.add_argument(
        "--rule",
        choices=("keywords", "cosine"),
        default="keywords",
        help="static's list widening: today's keyword rule or the document cosine before it",
    )
    parser.add_argument("--top", type=int, default=12, help="gold-story pairs printed")
    parser.add_argument("--json", type=Path, help="write every row here")
    args = parser.parse_args(argv)
    if args.rule == "cosine":
        candidates.SATURATED_KEYWORD_COSINE["static"] = None
    config = DEFAULT_CONFIG
    articles, gold = load(args.set)
    features = features_of(args.set, articles, config, args.cache)
    result = trace(features, [str(g) for g in gold], config, args.top)
    rows = result.pop("rows")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1), encoding="utf-8")
    top = result.pop("top")
    print(json.dumps(result))
    for row in top:
        print(json.dumps(row))
    return 0


if __name__ == "__main__":
    sys.exit(main())
