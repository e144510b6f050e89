"""The metrics: a grouping against the gold stories (pair counting, ARI, B-cubed), Pearson's
r, and yes/no pair decisions.

All pair counts come from the contingency table of (gold, predicted) labels, never from a
loop over pairs, so the metrics run in O(n log n) on 100k documents.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np


def _comb2(counts: np.ndarray) -> int:
    """sum over counts c of C(c, 2) = c(c-1)/2, as an exact Python int."""
    c = counts.astype(np.int64)
    return int((c * (c - 1) // 2).sum())


def _encode(labels: Sequence[Any]) -> np.ndarray:
    """Map arbitrary hashable labels to dense integer codes 0..k-1."""
    index: dict[Any, int] = {}
    return np.fromiter(
        (index.setdefault(x, len(index)) for x in labels), dtype=np.int64, count=len(labels)
    )


def cluster_metrics(gold: Sequence[Any], pred: Sequence[Any]) -> dict[str, float | int]:
    """Compare a predicted clustering with the gold one (``gold[i]``/``pred[i]`` label doc i).

    With ``n_ij`` the contingency table (docs in gold story i and predicted cluster j),
    ``a_i = sum_j n_ij`` the gold story sizes, ``b_j = sum_i n_ij`` the predicted cluster
    sizes and ``C(x) = x(x-1)/2``:

    Pair counting (over all unordered pairs of docs):
        ``TP = sum_ij C(n_ij)``; predicted-same pairs ``P = sum_j C(b_j)``; gold-same pairs
        ``G = sum_i C(a_i)``. ``pair_precision = TP / P`` (1.0 when P = 0: no pair was
        claimed, so none is wrong), ``pair_recall = TP / G`` (1.0 when G = 0),
        ``pair_f1 = 2 p r / (p + r)`` (0.0 when p + r = 0).

    Adjusted Rand index (Hubert & Arabie 1985), from the pair confusion matrix with
    ``FP = P - TP``, ``FN = G - TP``, ``TN = C(n) - TP - FP - FN``:
        ``ARI = 2 (TP·TN - FN·FP) / ((TP+FN)(FN+TN) + (TP+FP)(FP+TN))``,
        1.0 when FP = FN = 0 (identical partitions), as in scikit-learn.

    B-cubed (Bagga & Baldwin 1998), per document d in cell (i, j):
        ``precision(d) = n_ij / b_j``, ``recall(d) = n_ij / a_i``, averaged over documents:
        ``bcubed_precision = (1/n) sum_ij n_ij² / b_j``,
        ``bcubed_recall = (1/n) sum_ij n_ij² / a_i``, ``bcubed_f1`` their harmonic mean.

    Also returned: ``stories`` (predicted clusters), ``gold_stories`` and ``docs``.
    An empty input gives all scores 1.0.
    """
    if len(gold) != len(pred):
        raise ValueError(f"gold has {len(gold)} labels but pred has {len(pred)}")
    n = len(gold)
    if n == 0:
        return _PERFECT_EMPTY.copy()
    table = _Contingency.of(_encode(gold), _encode(pred))
    pair_p, pair_r, ari = _pair_scores(table)
    b3_p, b3_r = _bcubed(table)
    return {
        "ari": ari,
        "pair_precision": pair_p,
        "pair_recall": pair_r,
        "pair_f1": _f1(pair_p, pair_r),
        "bcubed_precision": b3_p,
        "bcubed_recall": b3_r,
        "bcubed_f1": _f1(b3_p, b3_r),
        "stories": len(table.pred_sizes),
        "gold_stories": len(table.gold_sizes),
        "docs": n,
    }


# What cluster_metrics returns for no documents: nothing claimed, nothing missed.
_PERFECT_EMPTY: dict[str, float | int] = {
    "ari": 1.0,
    "pair_precision": 1.0,
    "pair_recall": 1.0,
    "pair_f1": 1.0,
    "bcubed_precision": 1.0,
    "bcubed_recall": 1.0,
    "bcubed_f1": 1.0,
    "stories": 0,
    "gold_stories": 0,
    "docs": 0,
}


@dataclass(frozen=True)
class _Contingency:
    """The non-zero cells of the gold x predicted table (see :func:`cluster_metrics`):
    each cell's count ``n_ij`` with its gold story and predicted cluster, and the two
    sides' sizes ``a_i`` and ``b_j``. Kept sparse: a corpus has thousands of stories."""

    n_ij: np.ndarray
    cell_gold: np.ndarray
    cell_pred: np.ndarray
    gold_sizes: np.ndarray
    pred_sizes: np.ndarray

    @classmethod
    def of(cls, gold: np.ndarray, pred: np.ndarray) -> _Contingency:
        """The table of two dense label codings (:func:`_encode`) of at least one doc."""
        n_pred = int(pred.max()) + 1
        cells, n_ij = np.unique(gold * n_pred + pred, return_counts=True)
        return cls(n_ij, cells // n_pred, cells % n_pred, np.bincount(gold), np.bincount(pred))

    @property
    def docs(self) -> int:
        return int(self.n_ij.sum())


def _pair_scores(table: _Contingency) -> tuple[float, float, float]:
    """Pair precision, pair recall and the adjusted Rand index (formulas in
    :func:`cluster_metrics`)."""
    n = table.docs
    tp = _comb2(table.n_ij)
    pred_pairs = _comb2(table.pred_sizes)
    gold_pairs = _comb2(table.gold_sizes)
    fp, fn = pred_pairs - tp, gold_pairs - tp
    tn = n * (n - 1) // 2 - tp - fp - fn
    pair_p = tp / pred_pairs if pred_pairs else 1.0
    pair_r = tp / gold_pairs if gold_pairs else 1.0
    if fp == 0 and fn == 0:
        ari = 1.0
    else:  # Python ints: the products overflow int64 beyond ~50k docs.
        ari = 2.0 * (tp * tn - fn * fp) / ((tp + fn) * (fn + tn) + (tp + fp) * (fp + tn))
    return float(pair_p), float(pair_r), float(ari)


def _bcubed(table: _Contingency) -> tuple[float, float]:
    """B-cubed precision and recall, averaged over documents (see :func:`cluster_metrics`)."""
    n = table.docs
    sq = table.n_ij.astype(np.float64) ** 2
    precision = float((sq / table.pred_sizes[table.cell_pred]).sum() / n)
    recall = float((sq / table.gold_sizes[table.cell_gold]).sum() / n)
    return precision, recall


def _f1(precision: float, recall: float) -> float:
    """Harmonic mean ``2pr / (p + r)``, 0.0 when both are 0."""
    total = precision + recall
    return float(2 * precision * recall / total) if total > 0 else 0.0


def pearson(x: Sequence[float], y: Sequence[float]) -> float:
    """Pearson's r = cov(x, y) / (sd(x) sd(y)); NaN for fewer than 2 points or a constant."""
    xa = np.asarray(x, dtype=np.float64)
    ya = np.asarray(y, dtype=np.float64)
    if xa.shape != ya.shape:
        raise ValueError(f"x has {xa.size} values but y has {ya.size}")
    if xa.size < 2:
        return math.nan
    xc, yc = xa - xa.mean(), ya - ya.mean()
    denom = math.sqrt(float((xc * xc).sum()) * float((yc * yc).sum()))
    if denom == 0.0:
        return math.nan
    return float(np.clip((xc * yc).sum() / denom, -1.0, 1.0))


def decision_metrics(
    gold: Sequence[bool], decided: Sequence[bool], negative_weight: float = 1.0
) -> dict[str, float | int]:
    """Pair precision, recall and F1 of yes/no decisions against gold yes/no; each
    negative counts ``negative_weight`` times (:func:`sample_negatives`)."""
    tp = sum(1 for g, d in zip(gold, decided, strict=True) if g and d)
    fp = sum(1 for g, d in zip(gold, decided, strict=True) if d and not g)
    predicted, positive = tp + fp * negative_weight, sum(map(bool, gold))
    precision = tp / predicted if predicted else math.nan
    recall = tp / positive if positive else math.nan
    return {
        "pairs": len(gold),
        "positives": positive,
        "precision": precision,
        "recall": recall,
        "f1": _f1(precision, recall),
    }
