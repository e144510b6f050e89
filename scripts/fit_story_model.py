"""Fit the event model of samestory.relate on the dev sets and report what it gives.

    python scripts/fit_story_model.py [--data ../shared/data] [--cache /tmp/samestory-fit]

For ECB+ and MEANTIME it computes the event cues of every pair of articles, fits a
logistic regression P(same story | cues) on all pairs of both sets together, then
clusters each set with average link over the full score matrix (including the rewrite
route and the date gate of relate.py) for a grid of thresholds, and prints ARI per set,
SemEval Pearson, and the weights to paste into relate.py. Leave-one-set-out ARI (fit on
one set, test on the other) is printed too, as an honest estimate for unseen data.
"""

from __future__ import annotations

import argparse
import itertools
import json
import pickle
from pathlib import Path

import numpy as np
from scipy.cluster.hierarchy import fcluster, linkage
from scipy.stats import pearsonr
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.metrics import adjusted_rand_score
from sklearn.model_selection import KFold, cross_val_predict

from samestory import relate
from samestory.features import featurize
from samestory.models import Article

ARTICLE_SETS = ("ecbplus_dev", "meantime_dev")


def load(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def articles_of(records: list[dict]) -> list[Article]:
    return [Article(id=r["id"], text=r["text"], title=r.get("title"), lang=r.get("lang"))
            for r in records]


def cached_features(name: str, articles: list[Article], cache: Path):
    file = cache / f"{name}.pkl"
    if file.exists():
        return pickle.loads(file.read_bytes())
    features = featurize(articles)
    file.write_bytes(pickle.dumps(features))
    return features


def pair_table(features) -> dict[str, np.ndarray]:
    """Cues, rewrite evidence and date gaps for all pairs i < j."""
    n = len(features)
    rows = []
    for i, j in itertools.combinations(range(n), 2):
        a, b = features[i], features[j]
        sim = relate.sentence_similarity(a.sentence_vectors, b.sentence_vectors)
        cues = relate.event_cues(a, b, sim)
        gap = relate.date_gap(a, b)
        rows.append((*cues.vector(), relate.rewrite_evidence(sim), -1 if gap is None else gap))
    table = np.array(rows, dtype=np.float64)
    return {"cues": table[:, :-2], "rewrite": table[:, -2], "gap": table[:, -1]}


def story_scores(model: LogisticRegression, table: dict[str, np.ndarray]) -> np.ndarray:
    p = model.predict_proba(table["cues"])[:, 1]
    p = np.maximum(p, table["rewrite"])
    return np.where(table["gap"] > relate.DATE_GAP_DAYS, p * relate.DATE_GAP_FACTOR, p)


def cluster_ari(scores: np.ndarray, gold: list[str], threshold: float) -> float:
    distances = 1.0 - scores
    labels = fcluster(linkage(distances, "average"), 1.0 - threshold, "distance")
    return adjusted_rand_score(gold, labels)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    repo = Path(__file__).resolve().parents[1]
    parser.add_argument("--data", type=Path, default=repo.parent / "shared" / "data")
    parser.add_argument("--cache", type=Path, default=Path("/tmp/samestory-fit"))
    parser.add_argument("--C", type=float, default=1.0)
    args = parser.parse_args()
    args.cache.mkdir(parents=True, exist_ok=True)

    tables, golds = {}, {}
    for name in ARTICLE_SETS:
        records = load(args.data / f"{name}.jsonl")
        features = cached_features(name, articles_of(records), args.cache)
        tables[name] = pair_table(features)
        gold = [r["story"] for r in records]
        iu = np.triu_indices(len(gold), 1)
        tables[name]["y"] = (np.array(gold)[iu[0]] == np.array(gold)[iu[1]]).astype(int)
        golds[name] = gold

    def fit(names):
        x = np.vstack([tables[n]["cues"] for n in names])
        y = np.concatenate([tables[n]["y"] for n in names])
        return LogisticRegression(C=args.C, max_iter=5000).fit(x, y)

    thresholds = (0.2, 0.3, 0.35, 0.4, 0.45, 0.5, 0.6)
    model = fit(ARTICLE_SETS)
    print("weights", np.round(model.coef_[0], 3).tolist(), "bias", round(model.intercept_[0], 3))
    for name in ARTICLE_SETS:
        scores = story_scores(model, tables[name])
        print(name, {t: round(cluster_ari(scores, golds[name], t), 3) for t in thresholds})
    for train, test in itertools.permutations(ARTICLE_SETS, 2):
        held = story_scores(fit([train]), tables[test])
        print(f"fit on {train}, test on {test}",
              {t: round(cluster_ari(held, golds[test], t), 3) for t in thresholds})

    pairs = load(args.data / "semeval2022_pairs_dev.jsonl")
    flat = [Article(id=f"{k}{side}", text=p[f"text{side}"], lang=p[f"lang{side}"])
            for k, p in enumerate(pairs) for side in (1, 2)]
    features = cached_features("semeval", flat, args.cache)
    cues = []
    for k in range(len(pairs)):
        a, b = features[2 * k], features[2 * k + 1]
        sim = relate.sentence_similarity(a.sentence_vectors, b.sentence_vectors)
        cues.append(relate.event_cues(a, b, sim).vector())
    cues = np.array(cues)
    logit = model.decision_function(cues)
    overall = -np.array([p["overall"] for p in pairs])
    cross = np.array([p["lang1"] != p["lang2"] for p in pairs])
    print("semeval pearson(event logit)", round(pearsonr(logit, overall)[0], 3),
          "cross-lingual", round(pearsonr(logit[cross], overall[cross])[0], 3))
    # The graded similarity: ridge regression of -overall on the four semantic cues.
    semantic = cues[:, :4]
    folds = KFold(5, shuffle=True, random_state=0)
    predicted = cross_val_predict(Ridge(alpha=1.0), semantic, overall, cv=folds)
    graded = Ridge(alpha=1.0).fit(semantic, overall)
    print("graded weights", np.round(graded.coef_, 3).tolist(), "bias",
          round(float(graded.intercept_), 3), "5-fold CV pearson",
          round(pearsonr(predicted, overall)[0], 3), "cross-lingual",
          round(pearsonr(predicted[cross], overall[cross])[0], 3))


if __name__ == "__main__":
    main()
