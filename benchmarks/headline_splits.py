"""Why a short form's same-story pairs are never proposed, and what would propose them.

    python benchmarks/headline_splits.py [--sets ecbplus_dev:headline] [--cache DIR]
        [--options budget:40,floor:0.2,unscreened] [--json FILE]

For each set (a dev file's stem in ``$SAMESTORY_SHARED/data``, ``:FORM`` a short form of
it, :func:`samestory.evaluate.make_short_variants`; ``real``: the real corpus of
``benchmarks/corpus.py``, full texts) it runs production's copy collapse and candidate
proposal (:func:`samestory.pipeline.propose.propose_pairs`), then reads every same-gold
pair of copy representatives that is **not proposed**:

- its document cosine and its **vector rank**: where each text stands in the other's
  list of representatives ordered by cosine (1 = nearest), the better of the two;
- whether the vector or keyword route proposes it and the keyword screen drops it
  (``screened``: keyword cosine under ``Config.min_keyword_cosine``);
- how many of the two texts' keywords (:func:`samestory.candidates.keywords`) and names
  they share;
- its score by production's scoring (:func:`samestory.pipeline.score.score_pairs`): at
  or over the story bar, in the attach band, under it (is the recall lost at candidates
  or at scoring?);
- the **oracle**: the story and thread ARI when every such pair is proposed too.

Then each **option** (a change of the candidate routes for short texts, under
:data:`samestory.relate.SHORT_TEXT_WORDS` words) by the pairs it adds to production's,
the same-gold pairs among them, and the story / thread ARI with them added; an option is
``+``-joined parts:

- ``budget:K``: a short text's vector list takes ``K`` distinct neighbours (production's
  ``ann_neighbours + 1``, its saturation and near-twin rules), screened as production;
- ``floor:X``: its vector list runs down to document cosine ``X`` (production's
  ``ann_min_cosine`` 0.35);
- ``unscreened``: its vector and keyword proposals are not screened;
- ``words:N``: the option reads only texts under ``N`` words (a headline's 20, say);
- ``sentences:N``: ... and of at most ``N`` sentences (``len(features.sentences)``);
- ``to:N``: a neighbour the list reaches under production's floor (``ann_min_cosine``)
  is kept only when it is under ``N`` words too (a short text's list reaches lower
  only towards other short texts).

On a set with gold labels the ARIs are production's story and thread labels against the
gold; ``real`` has gold stories too. Writes nothing but ``--json``.
"""

from __future__ import annotations

import argparse
import json
import pickle
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from corpus import DATA, real_corpus
from sklearn.metrics import adjusted_rand_score

from samestory import candidates
from samestory.config import DEFAULT_CONFIG, Config
from samestory.embed import encoder_for
from samestory.evaluate import make_short_variants, read_labelled, record_to_article
from samestory.features import DocFeatures
from samestory.pipeline import batch
from samestory.pipeline.copies import collapse_copies
from samestory.pipeline.featurise import featurize_all, uncached
from samestory.pipeline.propose import propose_pairs
from samestory.pipeline.score import score_pairs
from samestory.relate import SHORT_TEXT_WORDS

Pair = tuple[int, int]
RANK_BANDS = (21, 42, 84, 168)


def load(spec: str, config: Config, cache: Path) -> tuple[list[DocFeatures], list[str]]:
    """Features (cached in ``cache``) and gold labels of ``FILE[:FORM]`` or ``real``."""
    file = cache / f"{spec.replace(':', '-')}-{config.encoder}.features.pkl"
    if spec == "real":
        articles, gold = real_corpus()
    else:
        name, _, form = spec.partition(":")
        records, _ = read_labelled(DATA / f"{name}.jsonl")
        if form:
            records = make_short_variants(records, form)
        gold = [str(r["story"]) for r in records]
        articles = [record_to_article(r) for r in records]
    if file.exists():
        return pickle.loads(file.read_bytes()), gold
    features = featurize_all(articles, config, uncached(encoder_for(config.encoder)))
    cache.mkdir(parents=True, exist_ok=True)
    file.write_bytes(pickle.dumps(features))
    return features, gold


def rank_band(rank: int) -> str:
    for most in RANK_BANDS:
        if rank <= most:
            return f"<={most}"
    return f">{RANK_BANDS[-1]}"


def widened_analysis(
    features: list[DocFeatures], extra: Sequence[Pair] | set[Pair], config: Config
) -> batch.Analysis:
    """Production's batch analysis of ``features`` with ``extra`` article pairs proposed
    beside its own candidate pairs."""
    original = batch.propose_pairs

    def widened(feats: Any, groups: Any, cfg: Config = config) -> list[Pair]:
        return sorted(set(original(feats, groups, cfg)) | set(extra))

    batch.propose_pairs = widened  # type: ignore[assignment]
    try:
        return batch.analyze_features(list(features), config)
    finally:
        batch.propose_pairs = original  # type: ignore[assignment]


def aris(features: list[DocFeatures], gold: list[str], extra: Sequence[Pair], config: Config):
    """Story and thread ARI of production's analysis with ``extra`` pairs proposed too."""
    analysis = widened_analysis(features, extra, config)
    story = {a: s.id for s in analysis.stories for a in s.articles}
    thread = {a: s.thread or s.id for s in analysis.stories for a in s.articles}
    ids = [f.id for f in features]
    return (
        round(adjusted_rand_score(gold, [story[i] for i in ids]), 4),
        round(adjusted_rand_score(gold, [thread[i] for i in ids]), 4),
        len(analysis.relations),
    )


def option_pairs(
    index: candidates.CandidateIndex, rows: list[DocFeatures], config: Config, option: str
) -> set[Pair]:
    """Pairs (row numbers) the short rows propose under ``option``: ``+``-joined parts
    ``budget:K`` (K distinct vector neighbours), ``floor:X`` (vector neighbours down to
    cosine X), ``unscreened`` (the keyword screen off, the keyword route's proposals
    added unscreened), ``words:N`` (only rows under N words, fewer than
    :data:`samestory.relate.SHORT_TEXT_WORDS`), ``sentences:N`` (only rows of at most N
    sentences) and ``to:N`` (a neighbour under ``config.ann_min_cosine`` only when it is
    under N words)."""
    wide, unscreened, under = config, False, SHORT_TEXT_WORDS
    most_sentences: int | None = None
    reach_under: int | None = None
    for part in option.split("+"):
        name, _, value = part.partition(":")
        if name == "words":
            under = min(under, int(value))
        elif name == "sentences":
            most_sentences = int(value)
        elif name == "to":
            reach_under = int(value)
        elif name == "budget":
            wide = wide.replace(ann_neighbours=int(value) - 1)
        elif name == "floor":
            wide = wide.replace(ann_min_cosine=float(value))
        elif name == "unscreened":
            unscreened = True
        else:
            raise ValueError(f"unknown option part {part!r}")
    key = index._key_of
    out: set[Pair] = set()
    for i, f in enumerate(rows):
        if f.n_words >= under or (most_sentences is not None and len(f.sentences) > most_sentences):
            continue
        words = candidates.keywords(f)
        index.config = wide
        try:
            found = index._vector_scan(f.vector, words)[0]
        finally:
            index.config = config
        if reach_under is not None:
            found = [o for o in found if reached(f, rows[key[o]], config, reach_under)]
        if unscreened:
            found = found + index._keyword_scan(words, f.id)[0]
        else:
            found = index._screened(found, f.vector, words)
        for other in found:
            j = key[other]
            if j != i:
                out.add((min(i, j), max(i, j)))
    return out


def reached(f: DocFeatures, other: DocFeatures, config: Config, under: int) -> bool:
    """Whether option part ``to:under`` keeps ``other`` in ``f``'s widened vector list:
    at production's floor or over, or under ``under`` words."""
    # float32, as the index's own cosines are (a stored vector may be float16).
    cosine = float(np.asarray(f.vector, np.float32) @ np.asarray(other.vector, np.float32))
    return cosine >= config.ann_min_cosine or other.n_words < under


def trace(spec: str, config: Config, cache: Path, options: list[str], oracle: bool) -> dict:
    features, gold = load(spec, config, cache)
    copies = collapse_copies(features, config)
    reps = copies.reps
    rows = [features[r] for r in reps]
    label = [gold[r] for r in reps]
    t0 = time.process_time()
    produced = set(propose_pairs(features, copies, config))
    propose_cpu = time.process_time() - t0
    index = candidates.candidate_index(rows, config)
    row_of = {r: k for k, r in enumerate(reps)}
    proposed = {(row_of[i], row_of[j]) for i, j in produced}
    matrix = index._matrix()
    cos = matrix @ matrix.T
    # rank[i, j]: 1 + how many representatives are closer to i than j is.
    order = (-cos).argsort(axis=1, kind="stable")
    rank = order.argsort(axis=1, kind="stable")  # self at 0
    screened_tags: dict[Pair, bool] = {}
    for i, f in enumerate(rows):
        words = candidates.keywords(f)
        raw = index._vector_scan(f.vector, words)[0] + index._keyword_scan(words, f.id)[0]
        for other in raw:
            j = index._key_of[other]
            if j != i:
                screened_tags[(min(i, j), max(i, j))] = True
    n = len(rows)
    same = [(i, j) for i in range(n) for j in range(i + 1, n) if label[i] == label[j]]
    missed = [p for p in same if p not in proposed]
    views: list[dict[str, Any]] = []
    for i, j in missed:
        a, b = rows[i], rows[j]
        wa, wb = candidates.keywords(a), candidates.keywords(b)
        views.append(
            {
                "cos": float(cos[i, j]),
                "rank": int(min(rank[i, j], rank[j, i])),
                "screened": (i, j) in screened_tags,
                "keywords": len(wa.keys() & wb.keys()),
                "kw_cos": candidates.keyword_cosine(wa, wb),
                "names": len(a.entities & b.entities),
                "short": min(a.n_words, b.n_words) < SHORT_TEXT_WORDS,
            }
        )
    scored = (
        score_pairs(features, [(reps[i], reps[j]) for i, j in missed], config) if missed else []
    )
    bar, attach = config.same_story_threshold, config.attach_threshold or 0.0
    bands = Counter(
        "story bar" if r.score >= bar else "attach band" if r.score >= attach else "under"
        for r in scored
    )
    by_rank = Counter(rank_band(v["rank"]) for v in views)
    over_by_rank = Counter(
        rank_band(v["rank"]) for v, r in zip(views, scored, strict=True) if r.score >= bar
    )
    row: dict[str, Any] = {
        "set": spec,
        "articles": len(features),
        "reps": n,
        "short_reps": sum(f.n_words < SHORT_TEXT_WORDS for f in rows),
        "proposed": len(proposed),
        "propose_cpu_s": round(propose_cpu, 2),
        "same_gold_pairs": len(same),
        "same_proposed": len(same) - len(missed),
        "missed": len(missed),
        "missed_screened": sum(v["screened"] for v in views),
        "missed_by_rank": dict(sorted(by_rank.items())),
        "missed_over_bar_by_rank": dict(sorted(over_by_rank.items())),
        "missed_cos_under_floor": sum(v["cos"] < config.ann_min_cosine for v in views),
        "missed_no_keyword": sum(v["keywords"] == 0 for v in views),
        "missed_one_keyword": sum(v["keywords"] == 1 for v in views),
        "missed_kw_cos_under_floor": sum(v["kw_cos"] < config.min_keyword_cosine for v in views),
        "missed_no_name": sum(v["names"] == 0 for v in views),
        "missed_median_cos": round(statistics.median(v["cos"] for v in views), 3)
        if views
        else None,
        "missed_median_rank": statistics.median(v["rank"] for v in views) if views else None,
        "missed_scored": dict(bands),
    }
    base = aris(features, gold, [], config)
    row["ari"] = {"story": base[0], "thread": base[1], "relations": base[2]}
    if oracle and missed:
        ceiling = aris(features, gold, [(reps[i], reps[j]) for i, j in missed], config)
        row["oracle_ari"] = {"story": ceiling[0], "thread": ceiling[1], "relations": ceiling[2]}
    row["options"] = {}
    for name in options:
        added = option_pairs(index, rows, config, name) - proposed
        added_same = sum(label[i] == label[j] for i, j in added)
        got = aris(features, gold, [(reps[i], reps[j]) for i, j in added], config)
        row["options"][name] = {
            "added_pairs": len(added),
            "added_same_gold": added_same,
            "story": got[0],
            "thread": got[1],
        }
        print(json.dumps({"set": spec, "option": name, **row["options"][name]}), flush=True)
    return row


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sets", default="ecbplus_dev:headline")
    parser.add_argument("--cache", type=Path, default=Path("/tmp/headline_splits"))
    parser.add_argument(
        "--options",
        default="budget:40,floor:0.2,floor:0,unscreened,floor:0+unscreened",
        help="options to try, comma list (parts: budget:K, floor:X, unscreened, joined by +)",
    )
    parser.add_argument("--no-oracle", action="store_true", help="skip the oracle's ARI")
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args(argv)
    options = [o for o in args.options.split(",") if o]
    return report_sets(
        args.sets,
        lambda spec: trace(spec, DEFAULT_CONFIG, args.cache, options, not args.no_oracle),
        args.json,
        shown=lambda row: {k: v for k, v in row.items() if k != "options"},
    )


def report_sets(
    sets: str,
    row_of: Callable[[str], dict[str, Any]],
    json_path: Path | None,
    shown: Callable[[dict[str, Any]], dict[str, Any]] = lambda row: row,
) -> int:
    """One JSON line a set of ``sets`` (comma list) as it is done, and every row in
    ``json_path``: the shared output of this script and ``far_kinds.py``."""
    out = {}
    for spec in sets.split(","):
        out[spec] = row = row_of(spec)
        print(json.dumps(shown(row)), flush=True)
    if json_path:
        json_path.write_text(json.dumps(out, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
