"""Which candidate route proposes each same-story pair, full texts against short forms.

    python benchmarks/candidate_routes.py [--sets gva,gva:lead,gva:summary] [--cache DIR]
        [--json FILE]

For each set (a dev file's stem, optionally ``:FORM`` for a short form of it,
:func:`samestory.evaluate.make_short_variants`) it runs production's copy collapse and
builds production's candidate index over the copy-group representatives, then asks each
representative's routes apart:

- ``hash``: the exact fingerprint; ``lsh``: a shared MinHash-LSH bucket;
- ``vector``: the vector scan's neighbours (``select_neighbours``), either end;
- ``keyword``: the keyword ranking's neighbours, either end;
- ``screened``: a vector/keyword proposal the keyword screen drops.

It prints, per set: candidate pairs, same-gold pairs among representatives, and how many
of those each route finds (alone and in all); with two forms of one file, the same-gold
pairs the full texts propose and the short form misses, and what the missed pairs share
in their short form (names, names the text marks as people / places, keywords, their
keyword cosine, document cosine and date gap). Features are cached per set in
``--cache``.
"""

from __future__ import annotations

import argparse
import json
import pickle
import statistics
import sys
from collections import Counter
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from corpus import DATA

from samestory import candidates
from samestory.config import DEFAULT_CONFIG, Config
from samestory.embed import encoder_for
from samestory.evaluate import make_short_variants, read_labelled, record_to_article
from samestory.features import DocFeatures
from samestory.pipeline.copies import collapse_copies
from samestory.pipeline.featurise import featurize_all, uncached


def load(spec: str, config: Config, cache: Path) -> tuple[list[DocFeatures], list[str]]:
    """Features (cached) and gold labels of ``FILE[:FORM]``."""
    name, _, form = spec.partition(":")
    records, _ = read_labelled(DATA / f"{name}_dev.jsonl")
    if form:
        records = make_short_variants(records, form)
    gold = [str(r["story"]) for r in records]
    file = cache / f"{spec.replace(':', '-')}-{config.encoder}.features.pkl"
    if file.exists():
        return pickle.loads(file.read_bytes()), gold
    articles = [record_to_article(r) for r in records]
    features = featurize_all(articles, config, uncached(encoder_for(config.encoder)))
    cache.mkdir(parents=True, exist_ok=True)
    file.write_bytes(pickle.dumps(features))
    return features, gold


Pair = tuple[str, str]


def key(a: str, b: str) -> Pair:
    return (a, b) if a < b else (b, a)


def routes(features: list[DocFeatures], config: Config) -> tuple[dict[Pair, set[str]], list[int]]:
    """Every pair of representatives some route proposes, with the routes that do."""
    copies = collapse_copies(features, config)
    rows = [features[r] for r in copies.reps]
    index = candidates.candidate_index(rows, config)
    found: dict[Pair, set[str]] = {}
    for f in rows:
        words = candidates.keywords(f)
        by_route = {
            "hash": index._by_fingerprint.get(f.fingerprint, []),
            "lsh": index.copy_candidates(f),
            "vector": index._vector_scan(f.vector, words)[0],
            "keyword": index._keyword_scan(words, f.id)[0],
        }
        kept = set(index._screened(by_route["vector"] + by_route["keyword"], f.vector, words))
        for route, others in by_route.items():
            for other in others:
                if other == f.id or other not in index:
                    continue
                tags = found.setdefault(key(f.id, other), set())
                tags.add(route)
                if route in ("vector", "keyword") and other not in kept:
                    tags.add("screened")
    return found, copies.reps


def proposed(tags: set[str]) -> bool:
    """Whether production proposes a pair with these routes."""
    if tags & {"hash", "lsh"}:
        return True
    return bool(tags & {"vector", "keyword"}) and not _only_screened(tags)


def _only_screened(tags: set[str]) -> bool:
    # A pair both ends propose may pass from one end and not the other only if the
    # screen were asymmetric; it is symmetric, so "screened" means dropped.
    return "screened" in tags


def summary(
    spec: str, features: list[DocFeatures], gold: list[str], config: Config
) -> dict[str, Any]:
    found, reps = routes(features, config)
    label = {f.id: g for f, g in zip(features, gold, strict=True)}
    rep_ids = [features[r].id for r in reps]
    per_gold = Counter(label[i] for i in rep_ids)
    same_total = sum(n * (n - 1) // 2 for n in per_gold.values())
    proposed_pairs = {p for p, t in found.items() if proposed(t)}
    same = {p for p in proposed_pairs if label[p[0]] == label[p[1]]}
    by_route = Counter()
    for p in same:
        for t in found[p]:
            by_route[t] += 1
    only = Counter()
    for p in same:
        live = found[p] - {"screened"}
        if len(live) == 1:
            only[next(iter(live))] += 1
    return {
        "set": spec,
        "reps": len(reps),
        "candidates": len(proposed_pairs),
        "same_gold_pairs": same_total,
        "same_proposed": len(same),
        "by_route": dict(by_route),
        "only_route": dict(only),
        "same_screened_out": sum(
            1 for p, t in found.items() if not proposed(t) and label[p[0]] == label[p[1]]
        ),
        "_found": found,
        "_label": label,
        "_rep_ids": rep_ids,
    }


def shared_view(a: DocFeatures, b: DocFeatures) -> dict[str, Any]:
    words_a, words_b = candidates.keywords(a), candidates.keywords(b)
    places_a, people_a = a.roles or (frozenset(), frozenset())
    places_b, people_b = b.roles or (frozenset(), frozenset())
    gap = abs((a.date - b.date).days) if a.date and b.date else None
    return {
        "names": sorted(a.entities & b.entities),
        "people": sorted(people_a & people_b),
        "places": sorted(places_a & places_b),
        "keywords": len(words_a.keys() & words_b.keys()),
        "kw_cos": candidates.keyword_cosine(words_a, words_b),
        "cos": float(a.vector @ b.vector),
        "gap": gap,
        "words": (a.n_words, b.n_words),
    }


def compare(
    full: dict[str, Any], short: dict[str, Any], feats: list[DocFeatures]
) -> dict[str, Any]:
    """Same-gold pairs the full texts propose and the short form misses, and what they share."""
    by_id = {f.id: f for f in feats}
    label = short["_label"]
    reps = set(short["_rep_ids"]) & set(full["_rep_ids"])
    full_same = {
        p
        for p, t in full["_found"].items()
        if proposed(t) and label.get(p[0]) == label.get(p[1]) and set(p) <= reps
    }
    missed = [p for p in full_same if not proposed(short["_found"].get(p, set()))]
    full_routes = Counter(t for p in missed for t in full["_found"][p])
    short_routes = Counter(t for p in missed for t in short["_found"].get(p, {"none"}))
    views = [shared_view(by_id[a], by_id[b]) for a, b in missed]
    # Rarity of a name in the short set: how many representatives hold it.
    holders = Counter(n for i in short["_rep_ids"] for n in by_id[i].entities)
    rare_share = [bool(v["names"]) and min(holders[n] for n in v["names"]) <= 10 for v in views]
    gaps = [v["gap"] for v in views if v["gap"] is not None]
    return {
        "missed": len(missed),
        "full_same_proposed": len(full_same),
        "full_routes_of_missed": dict(full_routes),
        "short_routes_of_missed": dict(short_routes),
        "share_a_name": sum(bool(v["names"]) for v in views),
        "share_a_rare_name_le10": sum(rare_share),
        "share_a_person": sum(bool(v["people"]) for v in views),
        "share_a_place": sum(bool(v["places"]) for v in views),
        "share_no_keyword": sum(v["keywords"] == 0 for v in views),
        "share_1_keyword": sum(v["keywords"] == 1 for v in views),
        "median_kw_cos": statistics.median(v["kw_cos"] for v in views) if views else None,
        "median_cos": statistics.median(v["cos"] for v in views) if views else None,
        "gap_le3": sum(g <= 3 for g in gaps),
        "gap_le30": sum(3 < g <= 30 for g in gaps),
        "gap_gt30": sum(g > 30 for g in gaps),
        "examples": [
            {"pair": p, **v, "names": v["names"][:6]}
            for p, v in list(zip(missed, views, strict=True))[:25]
        ],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sets", default="gva,gva:lead,gva:summary")
    parser.add_argument("--cache", type=Path, default=Path("/tmp/cands/cache"))
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()
    config = DEFAULT_CONFIG
    out: dict[str, Any] = {}
    fulls: dict[str, dict[str, Any]] = {}
    for spec in args.sets.split(","):
        features, gold = load(spec, config, args.cache)
        row = summary(spec, features, gold, config)
        name, _, form = spec.partition(":")
        if not form:
            fulls[name] = row
        elif name in fulls:
            row["vs_full"] = compare(fulls[name], row, features)
        printable = {k: v for k, v in row.items() if not k.startswith("_")}
        print(json.dumps({k: v for k, v in printable.items() if k != "vs_full"}))
        if "vs_full" in printable:
            vs = {k: v for k, v in printable["vs_full"].items() if k != "examples"}
            print(json.dumps({"set": spec, "vs_full": vs}))
        out[spec] = printable
    if args.json:
        args.json.write_text(json.dumps(out, indent=1, default=str))


if __name__ == "__main__":
    main()
