"""``fit_thread_model.py --tol``: the logistic fits reach their optimum (the objective's
gradient vanishes there, and a small change of the pairs gives a near model), a fit that
stops short fails loudly, and the older files (fitted at scikit-learn's default) still
check SAME with ``--tol 1e-4``."""

from __future__ import annotations

import sys
from argparse import Namespace
from pathlib import Path

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))

import fit_thread_model

C = 3.0


def _pairs(n: int = 3000, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Ill-conditioned inputs as the thread inputs are (near-collinear similarities on
    very different scales), with many pairs: where lbfgs at tol 1e-4 stops early."""
    rng = np.random.default_rng(seed)
    base = rng.normal(size=n)
    x = np.column_stack(
        [
            base + 0.01 * rng.normal(size=n),
            base + 0.01 * rng.normal(size=n),
            0.05 * rng.normal(size=n),
            5.0 + rng.normal(size=n),
        ]
    )
    logit = -3.5 + 2.0 * base + 20.0 * x[:, 2]
    y = (rng.random(n) < 1.0 / (1.0 + np.exp(-logit))).astype(int)
    return x, y


def _gradient(model: LogisticRegression, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """The gradient of scikit-learn's objective (C times the summed log loss plus half the
    squared weights; the intercept not penalised) at the fitted model."""
    z = x @ model.coef_[0] + model.intercept_[0]
    residual = 1.0 / (1.0 + np.exp(-z)) - y
    return np.concatenate([[C * residual.sum()], C * x.T @ residual + model.coef_[0]])


def test_the_converged_fit_is_at_the_optimum_and_the_old_stop_is_not():
    x, y = _pairs()
    converged = fit_thread_model.fit_logistic(
        fit_thread_model.logistic(C, fit_thread_model.CONVERGED_TOL), x, y, None
    )
    stopped = fit_thread_model.fit_logistic(
        fit_thread_model.logistic(C, fit_thread_model.STOP_TOL), x, y, None
    )
    assert np.abs(_gradient(converged, x, y)).max() < 1e-3
    assert np.abs(_gradient(stopped, x, y)).max() > 100 * np.abs(_gradient(converged, x, y)).max()


def test_a_small_change_of_the_pairs_gives_a_near_converged_model():
    x, y = _pairs()
    # Five of 3,000 pairs counted twice: the optimum hardly moves (at tol 1e-4 lbfgs stops
    # at another place, a weight 0.035 away on these pairs).
    more_x, more_y = np.vstack([x, x[:5]]), np.concatenate([y, y[:5]])
    tol = fit_thread_model.CONVERGED_TOL
    a = fit_thread_model.fit_logistic(fit_thread_model.logistic(C, tol), x, y, None)
    b = fit_thread_model.fit_logistic(fit_thread_model.logistic(C, tol), more_x, more_y, None)
    assert abs(a.intercept_[0] - b.intercept_[0]) < 0.01
    assert np.abs(a.coef_[0] - b.coef_[0]).max() < 0.01


def test_a_fit_stopped_by_its_iteration_limit_fails_loudly():
    x, y = _pairs()
    short = LogisticRegression(C=C, tol=fit_thread_model.CONVERGED_TOL, max_iter=3)
    with pytest.raises(fit_thread_model.NotConverged, match=r"C=3\.0"):
        fit_thread_model.fit_logistic(short, x, y, None)


def test_the_short_correction_converges_too():
    x, y = _pairs()
    shortness = np.where(np.arange(len(y)) % 3 == 0, 0.8, 0.0)
    xz = np.column_stack([x, shortness * x[:, 2]])
    full = shortness == 0.0
    base = x.shape[1]
    tol = fit_thread_model.CONVERGED_TOL
    tight = fit_thread_model.ShortCorrection(C, base, tol=tol).fit(xz, y, np.ones(len(y)), full)
    tighter = fit_thread_model.ShortCorrection(C, base, tol=1e-12).fit(xz, y, np.ones(len(y)), full)
    assert np.allclose(tight.coef_, tighter.coef_, atol=1e-5)
    assert np.allclose(tight.intercept_, tighter.intercept_, atol=1e-5)


def test_a_file_states_its_tolerance_unless_it_is_the_old_stop(thread_model_file: dict) -> None:
    old = {**thread_model_file, "learner": {"logistic": True, "C": 3.0}}
    for tol, stated in ((fit_thread_model.STOP_TOL, {}), (1e-10, {"tol": 1e-10})):
        info = fit_thread_model._learner_info(Namespace(learner="logistic", C=3.0, tol=tol))
        assert info == {"logistic": True, "C": 3.0, **stated}
        differences = fit_thread_model.model_differences(old, {**old, "learner": info})
        assert differences == ([] if not stated else [f"learner: {old['learner']} -> {info}"])


def _correction_with(monkeypatch, stop) -> fit_thread_model.ShortCorrection:
    """The short correction of test_the_short_correction_converges_too's pairs, lbfgs's
    result passed through ``stop`` (a line search that failed, at or off the optimum)."""
    x, y = _pairs()
    shortness = np.where(np.arange(len(y)) % 3 == 0, 0.8, 0.0)
    xz = np.column_stack([x, shortness * x[:, 2]])
    solve = fit_thread_model.minimize

    def failed(*args, **kwargs):
        result = solve(*args, **kwargs)
        result.x, result.success, result.status = stop(result.x), False, 2
        result.message = "ABNORMAL: "
        return result

    monkeypatch.setattr(fit_thread_model, "minimize", failed)
    tol = fit_thread_model.CONVERGED_TOL
    return fit_thread_model.ShortCorrection(C, x.shape[1], tol=tol).fit(
        xz, y, np.ones(len(y)), shortness == 0.0
    )


def test_a_failed_line_search_at_the_optimum_is_accepted_and_said(monkeypatch, capsys):
    """lbfgs's "ABNORMAL" (no step lowers the float sum any more) at the optimum: the
    correction is kept, and stderr says so with the gradient; off the optimum it is
    NotConverged, with the gradient in the message."""
    at = _correction_with(monkeypatch, lambda x: x)
    assert "line search stopped at max |gradient|" in capsys.readouterr().err
    monkeypatch.undo()
    assert np.isfinite(at.coef_).all()
    with pytest.raises(fit_thread_model.NotConverged, match=r"ABNORMAL.*max \|gradient\|"):
        _correction_with(monkeypatch, lambda x: x + 0.5)
