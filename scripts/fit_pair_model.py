"""Can a pair model calibrated for ``compare`` (no corpus) do better than the story score?

    python scripts/fit_pair_model.py [--data ../shared/data] [--cache /tmp/samestory-pairs]
        [--train ecbplus_dev,meantime_dev,gva_dev] [--C 0.1] [--rule f1|target]
        [--max-pairs 20000] [--no-cross-lingual]

An experiment, not a writer of parameters: it prints figures and ships nothing.

Pairs: every pair of articles of one topic of each dev set (``hard_negative_pairs``: same
topic, different event are the hard negatives); above ``--max-pairs``, every positive and
a seeded sample of the negatives, weighted (``sample_negatives``, as
``benchmarks/accuracy.py`` does). Each pair is measured by production's own functions
(``relate.measure_pair``, ``relate.score_measures``, ``relate.relation_of``), so the
*production* row is ``compare``'s decision (``Relation.same_story``) and the inputs of the
pair model are what production computes (:func:`pair_design`, all model-free: the event
cues, the shortness ``u`` and ``u·x``, the disagreement cues, the headline-and-lead
cosine, shingle overlap, the story score's date factor, the thread model's inputs after
its cues, and, unless ``--no-cross-lingual``, the cues times a cross-lingual indicator).

Model: ``P(same | x) = 1 / (1 + exp(-(b + w·(x - μ)/σ)))``, a logistic regression on
standardised inputs, each training set weighing the same in total (negatives by their
sampling weight), and a decision threshold chosen on the training pairs (``--rule f1``:
the mean F1 over the training sets; ``target``: the smallest ratio to the target, min over
sets of ``min(P / 0.9, R / 0.8)``). Cross-validation: 5 folds over topics (ECB+'s topics
hold two events each, MEANTIME's two companies, GVA's six incident types), each pair
decided by the model and threshold fitted without its topic; a set left out of
``--train`` is decided by models that never saw it (an out-of-set test). The *both*
column links a pair only when production and the pair model (under CV) both do: the
pair model as a veto. GVA's labels are incidents with their later coverage: its row
with ``follow_up`` counts a pair that the thread model links too
(``THREAD_THRESHOLD``), as ``compare``'s would.
"""

from __future__ import annotations

import argparse
import math
import os
import pickle
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler

from samestory import relate
from samestory.config import DEFAULT_CONFIG
from samestory.evaluate import (
    hard_negative_pairs,
    read_labelled,
    record_to_article,
    sample_negatives,
)
from samestory.features import DocFeatures
from samestory.pipeline.featurise import featurize_all
from samestory.threads import THREAD_THRESHOLD

SETS = ("ecbplus_dev", "meantime_dev", "gva_dev")
FOLDS = 5
TARGET = (0.9, 0.8)  # issue 13: precision >= 0.9 at recall >= 0.8
THRESHOLDS = np.linspace(0.05, 0.95, 91)
DEFAULT_DATA = Path(os.environ.get("SAMESTORY_SHARED", "../shared")) / "data"


@dataclass
class PairSet:
    """One dev set's pairs of one topic: design rows, gold, topics, weights, production."""

    name: str
    x: np.ndarray
    gold: np.ndarray
    topics: np.ndarray
    weight: np.ndarray  # 1 for positives, the sampling weight for negatives
    production: np.ndarray  # compare's Relation.same_story
    threaded: np.ndarray  # the thread model links the pair (follow_up when not the same)


def pair_design(m: relate.PairMeasures, cross_lingual: float | None) -> list[float]:
    """The pair model's inputs from production's measures of a pair (see the docstring);
    ``cross_lingual`` (1.0 for two languages) adds the cues times it, None leaves them out."""
    x = m.cues.vector()
    u = m.cues.shortness
    row = [
        *x,
        u,
        *(u * v for v in x),
        *m.cues.conflicts(),
        m.cues.lead_sentences,
        m.jaccard,
        m.containment,
        m.date_factor,
        *m.thread_features[len(x) :],
    ]
    if cross_lingual is not None:
        row += [cross_lingual * v for v in x]
    return row


def features_of(name: str, data: Path, cache: Path) -> tuple[list[dict], list[DocFeatures]]:
    records, skipped = read_labelled(data / f"{name}.jsonl")
    if skipped:
        raise SystemExit(f"{name}: {len(skipped)} records skipped; fix the data first")
    file = cache / f"{name}.features.pkl"
    if file.exists():
        return records, pickle.loads(file.read_bytes())
    features = featurize_all([record_to_article(r) for r in records], DEFAULT_CONFIG)
    file.write_bytes(pickle.dumps(features))
    return records, features


def pair_set(name: str, data: Path, cache: Path, max_pairs: int, cross_lingual: bool) -> PairSet:
    records, features = features_of(name, data, cache)
    pairs, negative_weight = sample_negatives(hard_negative_pairs(records), max_pairs)
    rows, production, threaded = [], [], []
    with relate.single_threaded_blas():
        for i, j, _ in pairs:
            a, b = features[i], features[j]
            m = relate.measure_pair(a, b)
            ps = relate.score_measures(m)
            production.append(relate.relation_of(a, b, ps, DEFAULT_CONFIG).same_story)
            threaded.append(ps.thread >= THREAD_THRESHOLD)
            rows.append(pair_design(m, float(a.lang != b.lang) if cross_lingual else None))
    gold = np.array([same for *_, same in pairs], dtype=bool)
    return PairSet(
        name=name,
        x=np.array(rows, dtype=np.float64),
        gold=gold,
        topics=np.array([f"{name}:{records[i].get('topic')}" for i, _, _ in pairs]),
        weight=np.where(gold, 1.0, negative_weight),
        production=np.array(production, dtype=bool),
        threaded=np.array(threaded, dtype=bool),
    )


def precision_recall(
    gold: np.ndarray, decided: np.ndarray, weight: np.ndarray
) -> tuple[float, float]:
    """Weighted pair precision ``tp / (tp + Σ w fp)`` and recall ``tp / positives``."""
    tp = float((gold & decided).sum())
    fp = float((weight * (decided & ~gold)).sum())
    return (tp / (tp + fp) if tp + fp else math.nan, tp / max(int(gold.sum()), 1))


def _f1(p: float, r: float) -> float:
    return 2 * p * r / (p + r) if p + r and not math.isnan(p) else 0.0


def choose_threshold(
    probabilities: Sequence[np.ndarray],
    sets: Sequence[PairSet],
    masks: Sequence[np.ndarray],
    rule: str,
) -> float:
    """The threshold on the grid that is best on the training pairs under ``rule``."""
    best, chosen = -1.0, 0.5
    for t in THRESHOLDS:
        figures = [
            precision_recall(s.gold[k], p >= t, s.weight[k])
            for p, s, k in zip(probabilities, sets, masks, strict=True)
        ]
        if rule == "f1":
            value = float(np.mean([_f1(p, r) for p, r in figures]))
        else:
            value = min(min(p / TARGET[0], r / TARGET[1]) for p, r in figures)
        if value > best:
            best, chosen = value, float(t)
    return chosen


def fit(
    sets: Sequence[PairSet], masks: Sequence[np.ndarray], c: float, rule: str
) -> tuple[Callable[[np.ndarray], np.ndarray], float]:
    """Logistic regression on the masked pairs, each set weighing the same, and its threshold."""
    x = np.vstack([s.x[k] for s, k in zip(sets, masks, strict=True)])
    y = np.concatenate([s.gold[k] for s, k in zip(sets, masks, strict=True)])
    w = np.concatenate([s.weight[k] / s.weight[k].sum() for s, k in zip(sets, masks, strict=True)])
    scaler = StandardScaler().fit(x)
    model = LogisticRegression(C=c, max_iter=5000).fit(
        scaler.transform(x), y, sample_weight=w * len(y)
    )

    def predict(z: np.ndarray) -> np.ndarray:
        return model.predict_proba(scaler.transform(z))[:, 1]

    threshold = choose_threshold(
        [predict(s.x[k]) for s, k in zip(sets, masks, strict=True)], sets, masks, rule
    )
    return predict, threshold


def fold_of(sets: Sequence[PairSet]) -> dict[str, int]:
    topics = sorted({t for s in sets for t in s.topics})
    order = np.random.RandomState(0).permutation(len(topics))
    return {topic: int(order[k]) % FOLDS for k, topic in enumerate(topics)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--cache", type=Path, default=Path("/tmp/samestory-pairs"))
    parser.add_argument("--train", default=",".join(SETS), help="sets the model is fitted on")
    parser.add_argument("--C", type=float, default=0.1, help="inverse L2 penalty")
    parser.add_argument("--rule", choices=("f1", "target"), default="f1")
    parser.add_argument("--max-pairs", type=int, default=20_000)
    parser.add_argument("--no-cross-lingual", action="store_true")
    args = parser.parse_args()
    if not args.data.is_dir():
        parser.error(f"no such data folder: {args.data}")
    args.cache.mkdir(parents=True, exist_ok=True)
    train = [s for s in args.train.split(",") if s]
    sets = [
        pair_set(n, args.data, args.cache, args.max_pairs, not args.no_cross_lingual) for n in SETS
    ]
    trained = [s for s in sets if s.name in train]
    folds = fold_of(sets)
    cv = {s.name: np.zeros(len(s.gold), dtype=bool) for s in sets}
    thresholds = []
    for f in range(FOLDS):
        masks = [np.array([folds[t] != f for t in s.topics]) for s in trained]
        predict, threshold = fit(trained, masks, args.C, args.rule)
        thresholds.append(threshold)
        for s in sets:
            held = np.array([folds[t] == f for t in s.topics])
            if held.any():
                cv[s.name][held] = predict(s.x[held]) >= threshold
    predict, threshold = fit(
        trained, [np.ones(len(s.gold), dtype=bool) for s in trained], args.C, args.rule
    )
    print(
        f"fitted on {','.join(train)}, C {args.C}, rule {args.rule}; threshold in sample "
        f"{threshold:.2f}, per fold {', '.join(f'{t:.2f}' for t in thresholds)}"
    )
    print(
        "set                    pairs (same)   production P / R   "
        "pair model CV P / R   in sample P / R   both (CV) P / R"
    )
    for s in sets:
        fitted = predict(s.x) >= threshold
        both = s.production & cv[s.name]
        rows = [("", s.production, cv[s.name], fitted, both)]
        if s.name == "gva_dev":  # incidents: a follow_up links too
            t = s.threaded
            rows.append((" +follow_up", s.production | t, cv[s.name] | t, fitted | t, both | t))
        for suffix, *decisions in rows:
            figures = [
                "{:.3f} / {:.3f}".format(*precision_recall(s.gold, d, s.weight)) for d in decisions
            ]
            print(
                f"{s.name + suffix:<22} {len(s.gold):>6} ({int(s.gold.sum()):>5})   "
                + "   ".join(f"{f:<17}" for f in figures)
            )


if __name__ == "__main__":
    main()
