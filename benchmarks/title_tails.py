"""Where an outlet's title tail ("- KSLA News 12 Shreveport, Louisiana News Weather &
Sports") enters a dev set's evidence, and what production's pairs score without it.

    PYTHONPATH=src python benchmarks/title_tails.py [--sets gva_dev,...]
        [--forms full,headline,...] [--json FILE]

For each set and form (``full`` or a short form of ``evaluate.make_short_variants``):

- ``tails``: the texts whose first line ``normalize.title_line`` shortens (its cut part is
  the text's tail), the distinct tails, and for the full texts also the titles
  ``normalize.headline`` shortens (features.py strips those already);
- ``without``: production's batch run with rule T off (``switches.READ_TITLE_LINE``
  False: the first line kept whole) and ``with`` it on, each: ARI, wrongly
  merged article pairs (one found story, two gold stories) and missed ones, and how many
  wrong pairs share a tail;
- ``rescored``: the candidate pairs (of the run without the rule) whose two texts share
  a tail, scored again by production's ``score_pairs`` on the texts without it: story
  score before and after, by band, and the cues that moved (shared names, keyword and
  document cosine).

Each run sets ``switches.READ_TITLE_LINE`` in this process (the workers are forked from
it, so they read the same), whatever the shipped switch says.
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import json
import statistics
import sys
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from corpus import DATA  # $SAMESTORY_SHARED/data
from sklearn.metrics import adjusted_rand_score

from samestory import exclusive, normalize, switches
from samestory.api import story_similarity
from samestory.config import DEFAULT_CONFIG
from samestory.embed import encoder_for
from samestory.evaluate import (
    evaluate_pairs,
    is_pair_file,
    load_records,
    make_short_variants,
    record_to_article,
)
from samestory.features import featurize
from samestory.models import Article, Relation
from samestory.pipeline import batch
from samestory.pipeline.copies import collapse_copies
from samestory.pipeline.featurise import featurize_all, uncached
from samestory.pipeline.propose import propose_pairs
from samestory.pipeline.score import score_pairs

BANDS = (0.0, 0.2, 0.4, 1.01)


def rule(on: bool) -> contextlib.AbstractContextManager[None]:
    """``normalize.clean_text`` with rule T on (the first line through
    ``normalize.title_line``) or off (kept whole), whatever the shipped switch says."""
    return switches.switched("READ_TITLE_LINE", on)


def tail_of(text: str) -> str:
    """The part ``title_line`` cuts from the text's cleaned first line, lowercased ("")."""
    with rule(False):
        first = normalize.clean_text(text).split("\n")[0]
    head = normalize.title_line(first)
    return " ".join(first[len(head) :].lower().split())


def pairs_of(groups: Sequence[Sequence[str]]) -> set[tuple[str, str]]:
    out = set()
    for g in groups:
        members = sorted(g)
        out |= {(a, b) for k, a in enumerate(members) for b in members[k + 1 :]}
    return out


def run(
    articles: list[Article], gold: dict[str, str], tails: dict[str, str]
) -> tuple[dict[str, Any], Any]:
    """``batch.analyze``'s stages, step by step (the same stories), with the pairs the
    exclusive-names step cuts (``exclusive.before_grouping`` of the grouping's views)."""
    config = DEFAULT_CONFIG
    features = featurize_all(articles, config, uncached(encoder_for(config.encoder)))
    copies = collapse_copies(features, config)
    pairs = propose_pairs(features, copies, config)
    relations = score_pairs(features, copies.copies + pairs, config, lean=True)
    analysis = batch.assemble_analysis(features, copies, pairs, relations, config)
    pair_relations = relations[len(copies.copies) :]
    scored = [(i, j, r.score) for (i, j), r in zip(pairs, pair_relations, strict=True)]
    seen = exclusive.before_grouping(batch.grouping_views(features, pairs, pair_relations), scored)
    cut = [
        (features[i].id, features[j].id)
        for (i, j, s), (_, _, t) in zip(scored, seen, strict=True)
        if t < s
    ]
    found = {a: k for k, s in enumerate(analysis.stories) for a in s.articles}
    ids = [a.id for a in articles]
    ari = adjusted_rand_score([gold[i] for i in ids], [found[i] for i in ids])
    together = pairs_of([list(s.articles) for s in analysis.stories])
    by_gold: dict[str, list[str]] = {}
    for i in ids:
        by_gold.setdefault(gold[i], []).append(i)
    same = pairs_of(list(by_gold.values()))
    wrong = {p for p in together if gold[p[0]] != gold[p[1]]}
    res = {
        "ari": round(ari, 4),
        "wrong": wrong,
        "missed": same - together,
        "exclusive_cuts": len(cut),
        "exclusive_cuts_same_story": sum(gold[a] == gold[b] for a, b in cut),
        "exclusive_cuts_two_tails": sum(
            bool(tails.get(a) and tails.get(b) and tails[a] != tails[b]) for a, b in cut
        ),
    }
    return {**res, "relations": analysis.relations}, analysis


def band(score: float) -> str:
    for lo, hi in itertools.pairwise(BANDS):
        if lo <= score < hi:
            return f"{lo:.1f}-{min(hi, 1.0):.1f}"
    return "?"


def rescore(articles: list[Article], analysis: Any, tails: dict[str, str]) -> dict[str, Any]:
    """The scored candidate pairs of ``analysis`` whose texts share a tail, scored again
    on the texts without it (the rule on) and with it (off), in one featurisation each."""
    shared = [
        (r.a, r.b)
        for r in analysis.relations
        if tails.get(r.a) and tails.get(r.a) == tails.get(r.b)
    ]
    if not shared:
        return {"pairs": 0}
    index = {a.id: k for k, a in enumerate(articles)}
    pairs = [(index[a], index[b]) for a, b in shared]
    with rule(False):
        before = score_pairs(featurize(articles, DEFAULT_CONFIG), pairs, DEFAULT_CONFIG)
    with rule(True):
        after = score_pairs(featurize(articles, DEFAULT_CONFIG), pairs, DEFAULT_CONFIG)
    kinds = Counter(f"{_kind(r0)} -> {_kind(r1)}" for r0, r1 in zip(before, after, strict=True))
    copies = [sum(exclusive.copy_relation(r) for r in rs) for rs in (before, after)]
    moves: Counter[str] = Counter()
    cues: dict[str, list[float]] = {}
    for r0, r1 in zip(before, after, strict=True):
        moves[f"{band(r0.score)} -> {band(r1.score)}"] += 1
        cues.setdefault("score", []).append(r1.score - r0.score)
        cues.setdefault("shared_names", []).append(
            len(r1.evidence.shared_entities) - len(r0.evidence.shared_entities)
        )
        for key in r0.evidence.scores.keys() & r1.evidence.scores.keys():
            cues.setdefault(key, []).append(r1.evidence.scores[key] - r0.evidence.scores[key])
    return {
        "pairs": len(pairs),
        "score_before_median": round(statistics.median(r.score for r in before), 3),
        "score_after_median": round(statistics.median(r.score for r in after), 3),
        "band_moves": dict(moves.most_common()),
        "kind_moves": dict(kinds.most_common()),
        "exclusive_copies_before_after": copies,
        "median_change": {k: round(statistics.median(v), 4) for k, v in sorted(cues.items())},
        "mean_change": {k: round(statistics.fmean(v), 4) for k, v in sorted(cues.items())},
    }


def _kind(r: Relation) -> str:
    return r.kind.value if r.kind else "none"


def trace(records: list[dict[str, Any]], full: bool) -> dict[str, Any]:
    articles = [record_to_article(r) for r in records]
    gold = {str(r["id"]): str(r["story"]) for r in records}
    tails = {a.id: t for a in articles if (t := tail_of(a.text))}
    out: dict[str, Any] = {
        "texts": len(articles),
        "tailed": len(tails),
        "distinct_tails": len(set(tails.values())),
        "top_tails": Counter(tails.values()).most_common(5),
    }
    if full:
        titles = [r.get("title") or "" for r in records]
        out["titles_headline_shortens"] = sum(
            1 for t in titles if t and normalize.headline(t) != t.strip()
        )
    with rule(False):
        off, analysis = run(articles, gold, tails)
    with rule(True):
        on, _ = run(articles, gold, tails)
    for name, res in (("without", off), ("with", on)):
        wrong = res.pop("wrong")
        res["wrong_pairs"] = len(wrong)
        res["wrong_sharing_tail"] = sum(
            1 for a, b in wrong if tails.get(a) and tails.get(a) == tails.get(b)
        )
        res["missed_pairs"] = len(res.pop("missed"))
        relations = res.pop("relations")
        res["scored_sharing_tail"] = sum(
            1 for r in relations if tails.get(r.a) and tails.get(r.a) == tails.get(r.b)
        )
        out[name] = res
    out["rescored"] = rescore(articles, analysis, tails)
    return out


def pair_trace(records: list[dict[str, Any]]) -> dict[str, Any]:
    """A pair file (SemEval): its texts with a tail, and ``story_similarity``'s Pearson
    with the human judgement without the rule and with it."""
    texts = [r[k] for r in records for k in ("text1", "text2")]
    out: dict[str, Any] = {"texts": len(texts), "tailed": sum(1 for t in texts if tail_of(t))}
    for name in ("without", "with"):
        with rule(name == "with"):
            res = evaluate_pairs(records, lambda pairs: story_similarity(pairs, DEFAULT_CONFIG))
        out[name] = {k: round(res[k], 4) for k in ("pearson", "pearson_crosslingual")}
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sets", default="gva_dev,ecbplus_dev,meantime_dev,semeval2022_pairs_dev")
    parser.add_argument("--forms", default="full,headline")
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    results: dict[str, Any] = {}
    for name in args.sets.split(","):
        records = load_records(args.data / f"{name}.jsonl")
        if is_pair_file(records):
            results[name] = pair_trace(records)
            print(name, json.dumps(results[name]), flush=True)
            continue
        for form in args.forms.split(","):
            rows = records if form == "full" else make_short_variants(records, form)
            res = trace(rows, form == "full")
            results[f"{name}:{form}"] = res
            print(f"{name}:{form}", json.dumps(res, default=str), flush=True)
    if args.json:
        args.json.write_text(json.dumps(results, indent=1, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
