"""Why an encoder's stories differ from gold on a corpus: the candidate search or the rest.

    python benchmarks/candidate_misses.py [--set 10000] [--encoder static]
        [--other use] [--cache DIR]

Runs production's pipeline from the features on (as ``candidate_screen.py`` does: copy
collapse, ``propose_pairs``, lean ``score_pairs``, ``assemble_analysis``) and prints,
as JSON lines:

- ``base``: ARI and the article pairs it gets wrong: ``split`` (same gold story, two
  stories) and ``merged`` (two gold stories, one story);
- ``missed``: the representatives' same-gold pairs never proposed, each scored with
  production's ``score_pairs`` (lean): how many would score at or above the link
  (``same_story_threshold``), and why each was not proposed: ``screen`` (fails the
  keyword screen), ``floor`` (document cosine under ``ann_min_cosine``), ``outside``
  (beyond both ends' vector scans, with ``ceiling`` those whose end's list was at its
  widest budget and ``unexpanded`` those whose list stopped at a budget the saturation
  rule did not widen) or ``keyword`` (inside a scan's reach, but not taken: near-twin
  skipping or the keyword list);
- ``oracle``: ARI when every missed same-gold pair is proposed too (scored as production
  scores it): what a perfect candidate search would give with this scoring and grouping;
- with ``--other``: ``swap`` rows, this encoder's candidate pairs scored and grouped on the
  other encoder's features and the reverse (scoring's share against the search's);
- ``hubs``: how unevenly the vector lists propose articles (the most proposed article's
  count, the share of proposals taken by the top 1% of articles).

Features are cached as ``candidate_screen.py`` caches them (``--cache``).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import numpy as np
from candidate_screen import ari, features_of, load

from samestory import candidates
from samestory.config import DEFAULT_CONFIG, Config
from samestory.features import DocFeatures
from samestory.pipeline.batch import assemble_analysis
from samestory.pipeline.copies import CopyGroups, collapse_copies
from samestory.pipeline.propose import propose_pairs
from samestory.pipeline.score import score_pairs


def stories_of(
    features: list[DocFeatures],
    copies: CopyGroups,
    pairs: list[tuple[int, int]],
    config: Config,
) -> list[list[str]]:
    """Production's stories (article ids) from these candidate pairs."""
    relations = score_pairs(features, copies.copies + pairs, config, lean=True)
    stories = assemble_analysis(features, copies, pairs, relations, config).stories
    return [list(s.articles) for s in stories]


def wrong_pairs(gold: dict[str, str], groups: list[list[str]]) -> dict[str, int]:
    """Article pairs split (same gold, two groups) and merged (two golds, one group)."""
    label = {doc: k for k, group in enumerate(groups) for doc in group}
    both = Counter((gold[d], label[d]) for d in gold)
    by_gold = Counter(gold.values())
    by_group = Counter(label[d] for d in gold)

    def pairs(n: int) -> int:
        return n * (n - 1) // 2

    together = sum(pairs(n) for n in both.values())
    return {
        "split": sum(pairs(n) for n in by_gold.values()) - together,
        "merged": sum(pairs(n) for n in by_group.values()) - together,
    }


def why_missed(
    index: candidates.CandidateIndex,
    rows: list[DocFeatures],
    missed: list[tuple[int, int]],
    config: Config,
) -> Counter[str]:
    """Why each missed pair (row indices) was not proposed (see the module docstring)."""
    budget = config.ann_neighbours + 1
    ceiling = budget * candidates.EXPANSION
    scans = {}
    for k in {k for pair in missed for k in pair}:
        taken, cut = index._vector_scan(rows[k].vector, candidates.keywords(rows[k]))
        scans[k] = (len(taken), cut)
    close = candidates.TRANSLATION_COSINE[config.encoder]
    reasons: Counter[str] = Counter()
    for i, j in missed:
        a, b = rows[i], rows[j]
        cosine = float(np.dot(a.vector, b.vector))
        words_a, words_b = candidates.keywords(a), candidates.keywords(b)
        if not candidates.screened(
            words_a, words_b, a.vector, b.vector, config.min_keyword_cosine, close
        ):
            reasons["screen"] += 1
        elif cosine < config.ann_min_cosine:
            reasons["floor"] += 1
        elif all(cosine < scans[k][1] for k in (i, j)):
            reasons["outside"] += 1
            widest = max(scans[i][0], scans[j][0])
            reasons["outside_ceiling" if widest >= ceiling else "outside_unexpanded"] += 1
        else:
            reasons["keyword"] += 1
    return reasons


def hubs(index: candidates.CandidateIndex, rows: list[DocFeatures]) -> dict[str, Any]:
    """How unevenly the vector lists propose the articles."""
    count: Counter[str] = Counter()
    for f in rows:
        count.update(index._vector_scan(f.vector, candidates.keywords(f))[0])
    ranked = sorted(count.values(), reverse=True)
    top = max(1, len(rows) // 100)
    return {
        "proposals": sum(ranked),
        "most_proposed": ranked[0] if ranked else 0,
        "top1pct_share": round(sum(ranked[:top]) / max(sum(ranked), 1), 4),
        "never_proposed": len(rows) - len(count),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--set", default="10000")
    parser.add_argument("--encoder", default="static")
    parser.add_argument("--other", default="")
    parser.add_argument("--cache", type=Path, default=Path("/tmp/samestory-screen"))
    args = parser.parse_args(argv)
    articles, labels = load(args.set)
    gold = {a.id: g for a, g in zip(articles, labels, strict=True)}
    config = DEFAULT_CONFIG.replace(encoder=args.encoder, workers=1)
    features = features_of(args.set, articles, config, args.cache)
    copies = collapse_copies(features, config)
    pairs = propose_pairs(features, copies, config)
    groups = stories_of(features, copies, pairs, config)
    row = {"set": args.set, "encoder": args.encoder}
    print(
        json.dumps(
            {
                **row,
                "base": {
                    "pairs": len(pairs),
                    "ari": ari(gold, groups),
                    **wrong_pairs(gold, groups),
                },
            }
        ),
        flush=True,
    )
    reps = copies.reps
    proposed = set(pairs)
    by_story: dict[str, list[int]] = {}
    for r in reps:
        by_story.setdefault(gold[features[r].id], []).append(r)
    missed = [
        (i, j)
        for members in by_story.values()
        for n, i in enumerate(members)
        for j in members[n + 1 :]
        if (i, j) not in proposed
    ]
    relations = score_pairs(features, missed, config, lean=True)
    above = sum(r.score >= config.same_story_threshold for r in relations)
    rows = [features[r] for r in reps]
    row_of = {r: k for k, r in enumerate(reps)}
    index = candidates.candidate_index(rows, config)
    reasons = why_missed(index, rows, [(row_of[i], row_of[j]) for i, j in missed], config)
    total = sum(len(m) * (len(m) - 1) // 2 for m in by_story.values())
    sizes = sorted((len(m) for m in by_story.values()), reverse=True)
    print(
        json.dumps(
            {
                **row,
                "missed": {
                    "same_gold_pairs": total,
                    "missed": len(missed),
                    "above_link": above,
                    "mean_score": round(float(np.mean([r.score for r in relations])), 4)
                    if relations
                    else 0,
                    "why": dict(reasons),
                    "largest_stories_reps": sizes[:8],
                },
            }
        ),
        flush=True,
    )
    oracle = sorted(proposed | set(missed))
    groups_oracle = stories_of(features, copies, oracle, config)
    print(
        json.dumps(
            {
                **row,
                "oracle": {
                    "pairs": len(oracle),
                    "ari": ari(gold, groups_oracle),
                    **wrong_pairs(gold, groups_oracle),
                },
            }
        ),
        flush=True,
    )
    print(json.dumps({**row, "hubs": hubs(index, rows)}), flush=True)
    if args.other:
        other_config = config.replace(encoder=args.other)
        other = features_of(args.set, articles, other_config, args.cache)
        other_copies = collapse_copies(other, other_config)
        other_pairs = propose_pairs(other, other_copies, other_config)
        print(json.dumps({**row, "same_copies": other_copies.reps == copies.reps}), flush=True)
        for name, feats, cps, prs, cfg in (
            ("search_mine_scoring_other", other, copies, pairs, other_config),
            ("search_other_scoring_mine", features, other_copies, other_pairs, config),
        ):
            groups_swapped = stories_of(feats, cps, prs, cfg)
            print(
                json.dumps(
                    {
                        **row,
                        name: {
                            "pairs": len(prs),
                            "ari": ari(gold, groups_swapped),
                            **wrong_pairs(gold, groups_swapped),
                        },
                    }
                ),
                flush=True,
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
