"""Encoder cascade experiment: static for everything, USE only near the decision boundary.

    python benchmarks/cascade.py [--cache DIR] [--deltas 0,0.05,0.1,...] [--json OUT]

Each article of the real corpus (ECB+, MEANTIME and GVA dev, ``corpus.real_corpus``) and
each text of the SemEval-2022 pair file is featurised twice, with the static encoder and
with USE (cached as pickles in ``--cache``: USE takes minutes). Then, per set and on the
whole real corpus:

- **static**: candidates and scores from the static features (``--encoder static``);
- **use**: candidates and scores from the USE features (the default encoder);
- **cascade(δ)**: static candidates and scores, except that every candidate pair whose
  static story score ``s`` lies within ``δ`` of the threshold (``|s - t| <= δ``, copies
  excluded) is scored again with both articles' USE features. Only the articles of such
  pairs need USE: the cost is reported as that share of the articles (and of their
  sentences).

``δ`` is chosen by cross-validation over topics: for each of 5 folds of a set's topics,
the δ with the best ARI on the other folds' articles (the smallest on ties) decides the
pairs of the held-out fold's articles; the whole set is then grouped once with those
decisions and scored (ARI). SemEval pairs have no topics: its row is per δ, Pearson of
the graded similarity.
"""

from __future__ import annotations

import argparse
import json
import pickle
import random
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent
sys.path.insert(0, str(REPO))

from corpus import DATA, real_corpus, real_records  # noqa: E402

from samestory.config import DEFAULT_CONFIG  # noqa: E402
from samestory.evaluate import cluster_metrics, load_records, pearson, record_to_article  # noqa: E402
from samestory.features import DocFeatures  # noqa: E402
from samestory.models import Article, RelationKind  # noqa: E402
from samestory.pipeline.copies import collapse_copies  # noqa: E402
from samestory.pipeline.featurise import featurize_all  # noqa: E402
from samestory.pipeline.group import group  # noqa: E402
from samestory.pipeline.propose import propose_pairs  # noqa: E402
from samestory.pipeline.score import score_pairs  # noqa: E402

SETS = ("ecbplus", "meantime", "gva")
DELTAS = (0.0, 0.05, 0.1, 0.15, 0.2, 0.3, 1.0)
FOLDS = 5
COPY_KINDS = (RelationKind.EXACT, RelationKind.NEAR_DUPLICATE)


def cached_features(
    cache: Path, name: str, articles: Sequence[Article], encoder: str
) -> tuple[list[DocFeatures], float]:
    """Features of ``articles`` with ``encoder``, and the seconds they took (from cache)."""
    path = cache / f"{name}_{encoder}.pkl"
    if path.exists():
        with open(path, "rb") as handle:
            return pickle.load(handle)
    start = time.process_time(), time.perf_counter()
    features = featurize_all(articles, DEFAULT_CONFIG.replace(encoder=encoder))
    took = time.perf_counter() - start[1]
    cache.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as handle:
        pickle.dump((features, took), handle)
    return features, took


def topic_of(article_id: str, records: dict[str, dict[str, Any]]) -> str:
    record = records[article_id]
    return f"{article_id.split(':')[0]}:{record.get('topic') or record['story']}"


class SetRun:
    """One set's static and USE runs, and the USE score of each static candidate pair."""

    def __init__(self, static: list[DocFeatures], use: list[DocFeatures], gold: list[str]):
        self.static, self.use, self.gold = static, use, gold
        config = DEFAULT_CONFIG
        self.copies = collapse_copies(static, config)
        self.pairs = propose_pairs(static, self.copies, config)
        self.static_rel = score_pairs(static, self.pairs, config)
        self.use_rel = score_pairs(use, self.pairs, config)
        use_copies = collapse_copies(use, config)
        use_pairs = propose_pairs(use, use_copies, config)
        use_rel = score_pairs(use, use_pairs, config)
        self.use_only = self._groups(
            [(i, j, r.score) for (i, j), r in zip(use_pairs, use_rel, strict=True)],
            use_copies.copy_of(),
        )
        self.n_sentences = [len(f.sentences) for f in static]

    def _groups(self, scored: list[tuple[int, int, float]], copy_of: list[int | None]) -> list[int]:
        label = [0] * len(self.static)
        for g, members in enumerate(group(len(self.static), scored, copy_of, DEFAULT_CONFIG)):
            for i in members:
                label[i] = g
        return label

    def in_band(self, k: int, delta: float) -> bool:
        r = self.static_rel[k]
        if r.kind in COPY_KINDS:
            return False
        return abs(r.score - DEFAULT_CONFIG.same_story_threshold) <= delta

    def labels(self, delta_of_pair: Sequence[float]) -> list[int]:
        scored = []
        for k, (i, j) in enumerate(self.pairs):
            chosen = self.use_rel[k] if self.in_band(k, delta_of_pair[k]) else self.static_rel[k]
            scored.append((i, j, chosen.score))
        return self._groups(scored, self.copies.copy_of())

    def cost(self, delta: float) -> tuple[float, float]:
        """Share of articles, and of sentences, that the cascade encodes with USE."""
        touched = {
            i for k, (a, b) in enumerate(self.pairs) if self.in_band(k, delta) for i in (a, b)
        }
        n = len(self.static)
        sentences = sum(self.n_sentences)
        return len(touched) / n, sum(self.n_sentences[i] for i in touched) / max(sentences, 1)

    def ari(self, labels: Sequence[int], subset: Sequence[int] | None = None) -> float:
        idx = range(len(labels)) if subset is None else subset
        return float(cluster_metrics([self.gold[i] for i in idx], [labels[i] for i in idx])["ari"])


def cross_validated(
    run: SetRun, topics: list[str], deltas: Sequence[float], seed: int = 0
) -> dict[str, Any]:
    """ARI with δ chosen per fold of topics on the other folds (see the module docstring)."""
    distinct = sorted(set(topics))
    random.Random(seed).shuffle(distinct)
    fold_of_topic = {t: k % FOLDS for k, t in enumerate(distinct)}
    fold = [fold_of_topic[t] for t in topics]
    by_delta = {d: run.labels([d] * len(run.pairs)) for d in deltas}
    chosen: dict[int, float] = {}
    for f in range(FOLDS):
        train = [i for i in range(len(fold)) if fold[i] != f]
        if not train:
            chosen[f] = 0.0
            continue
        scores = {d: run.ari(by_delta[d], train) for d in deltas}
        best = max(scores.values())
        chosen[f] = min(d for d in deltas if scores[d] >= best - 1e-9)
    delta_of_pair = [chosen[fold[i]] for i, _ in run.pairs]
    labels = run.labels(delta_of_pair)
    touched = {
        i for k, (a, b) in enumerate(run.pairs) if run.in_band(k, delta_of_pair[k]) for i in (a, b)
    }
    return {
        "ari": run.ari(labels),
        "deltas": [chosen[f] for f in range(FOLDS)],
        "use_articles": len(touched) / len(run.static),
    }


def semeval(cache: Path, deltas: Sequence[float]) -> dict[str, Any]:
    from samestory.relate import relate, single_threaded_blas

    path = DATA / "semeval2022_pairs_dev.jsonl"
    records = load_records(path)
    flat: list[Article] = []
    for i, r in enumerate(records):
        pid = str(r.get("pair_id", i))
        flat.append(
            record_to_article({"id": f"{pid}:1", "text": r["text1"], "lang": r.get("lang1")})
        )
        flat.append(
            record_to_article({"id": f"{pid}:2", "text": r["text2"], "lang": r.get("lang2")})
        )
    target = [-float(r["overall"]) for r in records]
    out: dict[str, Any] = {}
    rel = {}
    for enc in ("static", "use"):
        features, _ = cached_features(cache, "semeval", flat, enc)
        with single_threaded_blas():
            rel[enc] = [relate(features[2 * k], features[2 * k + 1]) for k in range(len(records))]
    threshold = DEFAULT_CONFIG.same_story_threshold
    for d in deltas:
        sims = []
        used = 0
        for s, u in zip(rel["static"], rel["use"], strict=True):
            band = s.kind not in COPY_KINDS and abs(s.score - threshold) <= d
            used += band
            sims.append((u if band else s).evidence.scores["similarity"])
        out[f"{d:g}"] = {"pearson": pearson(sims, target), "use_pairs": used / len(records)}
    out["static"] = {
        "pearson": pearson([r.evidence.scores["similarity"] for r in rel["static"]], target)
    }
    out["use"] = {"pearson": pearson([r.evidence.scores["similarity"] for r in rel["use"]], target)}
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cache", type=Path, default=Path("/tmp/samestory-cascade"))
    parser.add_argument("--deltas", default=",".join(f"{d:g}" for d in DELTAS))
    parser.add_argument("--sets", default="ecbplus,meantime,gva,real,semeval")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    deltas = [float(x) for x in args.deltas.split(",")]
    wanted = args.sets.split(",")

    articles, gold = real_corpus()
    records = real_records()
    static, static_s = cached_features(args.cache, "real", articles, "static")
    use, use_s = cached_features(args.cache, "real", articles, "use")
    print(
        f"features of {len(articles)} articles: static {static_s:.1f} s, USE {use_s:.1f} s",
        flush=True,
    )
    results: dict[str, Any] = {"featurise_s": {"static": static_s, "use": use_s}}
    for name in [s for s in wanted if s in (*SETS, "real")]:
        idx = [k for k, a in enumerate(articles) if name == "real" or a.id.startswith(name + ":")]
        start = time.perf_counter()
        run = SetRun([static[k] for k in idx], [use[k] for k in idx], [gold[k] for k in idx])
        topics = [topic_of(articles[k].id, records) for k in idx]
        row: dict[str, Any] = {
            "n": len(idx),
            "pairs": len(run.pairs),
            "static": run.ari(run.labels([-1.0] * len(run.pairs))),
            "use": run.ari(run.use_only),
            "by_delta": {},
        }
        for d in deltas:
            share, sent_share = run.cost(d)
            row["by_delta"][f"{d:g}"] = {
                "ari": run.ari(run.labels([d] * len(run.pairs))),
                "use_articles": share,
                "use_sentences": sent_share,
            }
        row["cv"] = cross_validated(run, topics, deltas)
        row["seconds"] = time.perf_counter() - start
        results[name] = row
        print(json.dumps({name: row}), flush=True)
    if "semeval" in wanted:
        results["semeval"] = semeval(args.cache, deltas)
        print(json.dumps({"semeval": results["semeval"]}), flush=True)
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
