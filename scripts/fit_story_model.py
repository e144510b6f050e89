"""Fit the models of samestory.relate on the dev sets and report what they give.

    python scripts/fit_story_model.py [--data ../shared/data] [--cache /tmp/samestory-fit]
        [--encoder use|static|static-model2vec]

(Give each encoder its own --cache directory: the cached features hold the vectors.)

Event model: for ECB+ and MEANTIME it takes the pairs the pipeline actually scores (the
candidate pairs), computes their event cues, and fits a logistic regression
P(same story | cues) on both sets together: the model is trained on the distribution it
is applied to, where the hard negatives (same topic, different event) live. It then
clusters each set as the pipeline does (rewrite route, date gate, sparse average link)
for a grid of thresholds and prints ARI (in-sample), leave-one-set-out ARI (fit on one
set, test on the other: a harsh estimate, the sets differ in kind) and ARI under 5-fold
cross-validation over topics (every pair scored by a model that never saw its topics):
the honest estimate for unseen topics of a kind the dev sets hold.

Graded similarity: a monotone additive model of the SemEval-2022 human scale on the
semantic cues (:class:`MonotoneAdditiveModel`), with its 5-fold cross-validated Pearson
beside that of a linear (ridge) model over the same cues.

Paste the printed weights into relate.py.
"""

from __future__ import annotations

import argparse
import itertools
import json
import pickle
from pathlib import Path

import numpy as np
from scipy.stats import pearsonr
from sklearn.isotonic import IsotonicRegression
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.metrics import adjusted_rand_score
from sklearn.model_selection import KFold

from samestory import relate
from samestory.candidates import candidate_pairs
from samestory.embed import SentenceEncoder
from samestory.features import featurize
from samestory.models import Article
from samestory.static_encoder import StaticSentenceEncoder
from samestory.stories import average_link

ARTICLE_SETS = ("ecbplus_dev", "meantime_dev")
GRADED_CUES = ("doc_cosine", "best_sentence", "top3_sentences")
GRADED_KNOTS = 8
THRESHOLDS = (0.3, 0.35, 0.4, 0.45, 0.5)
TOPIC_FOLDS = 5


def load(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def articles_of(records: list[dict]) -> list[Article]:
    return [
        Article(id=r["id"], text=r["text"], title=r.get("title"), lang=r.get("lang"))
        for r in records
    ]


ENCODERS = ("use", "static", "static-model2vec")


def make_encoder(name: str) -> SentenceEncoder | None:
    """None means the pipeline's default encoder (USE)."""
    if name == "static":
        return StaticSentenceEncoder("dan")
    if name == "static-model2vec":
        return StaticSentenceEncoder("model2vec")
    return None


def cached_features(
    name: str, articles: list[Article], cache: Path, encoder: SentenceEncoder | None = None
):
    file = cache / f"{name}.pkl"
    if file.exists():
        return pickle.loads(file.read_bytes())
    features = featurize(articles, encoder=encoder)
    file.write_bytes(pickle.dumps(features))
    return features


class MonotoneAdditiveModel:
    """``y ≈ b + Σ_c g_c(x_c)`` with each ``g_c`` nondecreasing and piecewise linear.

    Each shape is given by its values at ``knots`` quantiles of its cue (``np.interp``
    between them, flat outside). Fitted by backfitting: each shape in turn is the
    isotonic regression of the partial residual ``y - b - Σ_{k≠c} g_k`` on its cue, read
    off at the knots and centred, for ``rounds`` rounds. Monotone, so a pair that is
    closer on every cue never ranks lower; additive, so each cue's part can be read.
    """

    def __init__(self, knots: int = GRADED_KNOTS, rounds: int = 20) -> None:
        self.knots = knots
        self.rounds = rounds

    def fit(self, x: np.ndarray, y: np.ndarray) -> MonotoneAdditiveModel:
        self.bias_ = float(y.mean())
        parts = np.zeros_like(x, dtype=np.float64)
        self.shapes_: list[tuple[np.ndarray, np.ndarray]] = []
        for _ in range(self.rounds):
            self.shapes_ = []
            for c in range(x.shape[1]):
                residual = y - self.bias_ - parts.sum(axis=1) + parts[:, c]
                iso = IsotonicRegression(out_of_bounds="clip").fit(x[:, c], residual)
                knots = np.unique(np.quantile(x[:, c], np.linspace(0, 1, self.knots)))
                values = iso.predict(knots)
                part = np.interp(x[:, c], knots, values)
                values -= part.mean()
                parts[:, c] = part - part.mean()
                self.shapes_.append((knots, values))
        return self

    def predict(self, x: np.ndarray) -> np.ndarray:
        return self.bias_ + sum(np.interp(x[:, c], *shape) for c, shape in enumerate(self.shapes_))


def cross_validated(model_of, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """5-fold cross-validated predictions of a fresh ``model_of()`` per fold."""
    predicted = np.zeros(len(y))
    for train, test in KFold(5, shuffle=True, random_state=0).split(x):
        predicted[test] = model_of().fit(x[train], y[train]).predict(x[test])
    return predicted


def pair_table(features, gold: list[str], groups: list[str]) -> dict:
    """Cues, rewrite evidence, date gaps and labels of the candidate pairs.

    ``groups`` holds each article's topic (the unit held out in cross-validation).
    """
    pairs = candidate_pairs(features)
    rows = []
    with relate.single_threaded_blas():
        for i, j in pairs:
            a, b = features[i], features[j]
            sim = relate.sentence_similarity(a.sentence_vectors, b.sentence_vectors)
            gap = relate.date_gap(a, b)
            rows.append(
                (
                    *relate.event_cues(a, b, sim).vector(),
                    relate.rewrite_evidence(sim),
                    -1 if gap is None else gap,
                )
            )
    table = np.array(rows, dtype=np.float64)
    labels = np.array([gold[i] == gold[j] for i, j in pairs], dtype=int)
    return {
        "pairs": pairs,
        "cues": table[:, :-2],
        "rewrite": table[:, -2],
        "gap": table[:, -1],
        "y": labels,
        "n": len(features),
        "gold": gold,
        "groups": groups,
    }


def story_scores(model: LogisticRegression, table: dict) -> np.ndarray:
    p = np.maximum(model.predict_proba(table["cues"])[:, 1], table["rewrite"])
    gated = table["gap"] > relate.DATE_GAP_DAYS
    return np.where(gated, p * relate.DATE_GAP_FACTOR, p)


def cluster_ari(table: dict, scores: np.ndarray, threshold: float) -> float:
    edges = [(i, j, s) for (i, j), s in zip(table["pairs"], scores, strict=True)]
    labels = np.zeros(table["n"], dtype=int)
    for k, group in enumerate(average_link(table["n"], edges, threshold, threshold / 2)):
        labels[group] = k
    return adjusted_rand_score(table["gold"], labels)


def topic_cv_scores(tables: dict, C: float) -> dict[str, np.ndarray]:
    """Story scores of every candidate pair from a model fitted without its topics.

    Topics (ECB+ topics hold two events of one kind; MEANTIME's company corpora) are
    dealt into ``TOPIC_FOLDS`` folds; a pair touching a fold is scored by the model fitted
    on the pairs that touch none of its topics (averaged if it touches two folds). The
    clustering ARI of these scores estimates accuracy on topics never seen in fitting.
    """
    topics = sorted({g for table in tables.values() for g in table["groups"]})
    order = np.random.RandomState(0).permutation(len(topics))
    fold_of = {topic: order[k] % TOPIC_FOLDS for k, topic in enumerate(topics)}
    touches = {
        name: np.array(
            [
                [
                    fold_of[t["groups"][i]] == f or fold_of[t["groups"][j]] == f
                    for i, j in t["pairs"]
                ]
                for f in range(TOPIC_FOLDS)
            ]
        )
        for name, t in tables.items()
    }
    sums = {name: np.zeros(len(t["pairs"])) for name, t in tables.items()}
    counts = {name: np.zeros(len(t["pairs"])) for name, t in tables.items()}
    for f in range(TOPIC_FOLDS):
        x = np.vstack([t["cues"][~touches[n][f]] for n, t in tables.items()])
        y = np.concatenate([t["y"][~touches[n][f]] for n, t in tables.items()])
        model = LogisticRegression(C=C, max_iter=5000).fit(x, y)
        for name, table in tables.items():
            mask = touches[name][f]
            if mask.any():
                sums[name][mask] += story_scores(model, table)[mask]
                counts[name][mask] += 1
    return {name: sums[name] / np.maximum(counts[name], 1) for name in tables}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    repo = Path(__file__).resolve().parents[1]
    parser.add_argument("--data", type=Path, default=repo.parent / "shared" / "data")
    parser.add_argument("--cache", type=Path, default=Path("/tmp/samestory-fit"))
    parser.add_argument("--C", type=float, default=1.0)
    parser.add_argument("--encoder", choices=ENCODERS, default="use")
    args = parser.parse_args()
    encoder = make_encoder(args.encoder)
    args.cache.mkdir(parents=True, exist_ok=True)

    tables = {}
    for name in ARTICLE_SETS:
        records = load(args.data / f"{name}.jsonl")
        features = cached_features(name, articles_of(records), args.cache, encoder)
        tables[name] = pair_table(
            features,
            [r["story"] for r in records],
            [f"{name}:{r.get('topic', r['story'])}" for r in records],
        )

    def fit(names):
        x = np.vstack([tables[n]["cues"] for n in names])
        y = np.concatenate([tables[n]["y"] for n in names])
        return LogisticRegression(C=args.C, max_iter=5000).fit(x, y)

    model = fit(ARTICLE_SETS)
    print(
        "event weights",
        np.round(model.coef_[0], 3).tolist(),
        "bias",
        round(float(model.intercept_[0]), 3),
    )
    for name, table in tables.items():
        scores = story_scores(model, table)
        print(name, {t: round(cluster_ari(table, scores, t), 3) for t in THRESHOLDS})
    for train, test in itertools.permutations(ARTICLE_SETS, 2):
        held = story_scores(fit([train]), tables[test])
        print(
            f"fit on {train}, test on {test}",
            {t: round(cluster_ari(tables[test], held, t), 3) for t in THRESHOLDS},
        )

    held = topic_cv_scores(tables, args.C)
    for name, table in tables.items():
        print(
            f"{name}, {TOPIC_FOLDS}-fold CV over topics (held-out topics scored by a model "
            "that never saw them)",
            {t: round(cluster_ari(table, held[name], t), 3) for t in THRESHOLDS},
        )

    pairs = load(args.data / "semeval2022_pairs_dev.jsonl")
    flat = [
        Article(id=f"{k}{side}", text=p[f"text{side}"], lang=p[f"lang{side}"])
        for k, p in enumerate(pairs)
        for side in (1, 2)
    ]
    features = cached_features("semeval", flat, args.cache, encoder)
    cues = []
    for k in range(len(pairs)):
        a, b = features[2 * k], features[2 * k + 1]
        sim = relate.sentence_similarity(a.sentence_vectors, b.sentence_vectors)
        cues.append(relate.event_cues(a, b, sim).vector())
    columns = [relate.CUE_NAMES.index(name) for name in GRADED_CUES]
    semantic = np.array(cues)[:, columns]
    overall = -np.array([p["overall"] for p in pairs])
    cross = np.array([p["lang1"] != p["lang2"] for p in pairs])

    def report(name: str, predicted: np.ndarray) -> str:
        return (
            f"{name}: 5-fold CV pearson {pearsonr(predicted, overall)[0]:.3f}, "
            f"cross-lingual {pearsonr(predicted[cross], overall[cross])[0]:.3f}"
        )

    print(report("graded, linear", cross_validated(lambda: Ridge(alpha=1.0), semantic, overall)))
    print(
        report(
            "graded, monotone additive", cross_validated(MonotoneAdditiveModel, semantic, overall)
        )
    )
    graded = MonotoneAdditiveModel().fit(semantic, overall)
    print(f"GRADED_BIAS = {graded.bias_:.4f}")
    print("GRADED_SHAPES = {")
    for name, (knots, values) in zip(GRADED_CUES, graded.shapes_, strict=True):
        print(
            f'    "{name}": ({tuple(np.round(knots, 3).tolist())},\n'
            f"        {tuple(np.round(values, 3).tolist())}),"
        )
    print("}")


if __name__ == "__main__":
    main()
