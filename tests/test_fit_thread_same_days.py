"""``fit_thread_model.py --same-days-weight``: a file without ``same_days_weight`` was
fitted on every candidate pair (weight 1), and the base model's fit reads the pairs'
weights when some full-text pair weighs other than 1."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))

import fit_thread_model

from samestory import relate, threads

NAMES = tuple(relate.CUE_NAMES + threads.EXTRA_FEATURES)


def test_a_file_without_same_days_weight_was_fitted_on_every_pair(thread_model_file: dict) -> None:
    model = thread_model_file
    every = {**model, "same_days_weight": 1.0}
    assert fit_thread_model.model_differences(model, every) == []
    none = {**model, "same_days_weight": 0.0}
    assert fit_thread_model.model_differences(model, none) == ["same_days_weight: 1.0 -> 0.0"]
    assert fit_thread_model.model_differences(none, none) == []


def test_a_weighted_base_fit_reads_the_weights():
    from sklearn.linear_model import LogisticRegression

    rng = np.random.RandomState(1)
    base = len(NAMES)
    x = rng.normal(size=(300, base))
    y = (x[:, 0] + rng.normal(size=300) > 0).astype(int)
    z = np.zeros((300, 1))  # long texts: the correction's column is 0
    weight = np.where(np.arange(300) < 100, 0.5, 1.0)
    full = np.ones(300, dtype=bool)
    model = fit_thread_model.ShortCorrection(3.0, base).fit(
        np.column_stack([x, z]), y, weight, full
    )
    weighted = LogisticRegression(C=3.0, max_iter=5000).fit(x, y, sample_weight=weight)
    assert np.allclose(model.coef_[0, :base], weighted.coef_[0], atol=1e-6)
    plain = LogisticRegression(C=3.0, max_iter=5000).fit(x, y)
    assert not np.allclose(model.coef_[0, :base], plain.coef_[0], atol=1e-6)
