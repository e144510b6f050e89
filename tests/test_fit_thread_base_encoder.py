"""``fit_thread_model.py --base-encoder``: the base model fitted on another encoder's full
texts, the short correction on this encoder's tables over it (fit_split), fold by fold
in the CV; the file states it, and a file without it had both on one encoder."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))

import fit_thread_model

NAMES = fit_thread_model.ROW_NAMES  # a thread row as the fit builds it
ARGS = argparse.Namespace(
    C=3.0,
    tol=fit_thread_model.STOP_TOL,
    threshold=0.6,
    short_floor=False,
    short_offset=True,
    short_balance="pooled",
    learner="logistic",
)


def _table(rng: np.random.RandomState, groups: list[str], shift: float, short: bool) -> dict:
    """A table of one set: four articles per group, every pair a candidate, its first
    input shifted by ``shift`` (another encoder reads the pairs a little differently) and
    the correction's column on for a short form's pairs."""
    members = [g for g in groups for _ in range(4)]
    pairs = [(i, j) for i in range(len(members)) for j in range(i + 1, len(members))]
    same = np.array([members[i] == members[j] for i, j in pairs])
    x = np.zeros((len(pairs), len(NAMES) + 1))
    x[:, 0] = rng.normal(size=len(pairs)) + 2.0 * same + shift
    x[:, -1] = 1.0 if short else 0.0
    return {
        "pairs": pairs,
        "groups": [f"s:{g}" for g in members],
        "x": x,
        "y": (same & (rng.uniform(size=len(pairs)) < 0.9)).astype(int),
        "weight": np.ones(len(pairs)),
    }


def _tables(shift: float) -> dict[str, dict]:
    rng = np.random.RandomState(5)
    groups = [f"g{k}" for k in range(10)]
    return {
        "gva_dev": _table(rng, groups, shift, False),
        "gva_dev.headline": _table(rng, groups, shift, True),
    }


def _every(tables: dict[str, dict]) -> dict[str, np.ndarray]:
    return {n: t["weight"] > 0 for n, t in tables.items()}


def test_a_split_fit_on_its_own_full_texts_is_the_one_step_fit():
    tables = _tables(0.0)
    rows = fit_thread_model.rows_of(tables, _every(tables))
    x, y, weight, full, table = rows
    one = fit_thread_model.fit_model(ARGS, x, y, weight, full, table)
    split = fit_thread_model.fit_split(ARGS, rows, rows)
    assert np.allclose(one.coef_, split.coef_, atol=1e-4)
    assert np.allclose(one.intercept_, split.intercept_, atol=1e-4)


def test_the_base_comes_from_the_base_tables_and_the_correction_from_the_others():
    """The base encoder's tables read every pair 1.0 higher: the base model's intercept
    follows them (lower), and the correction, fitted on the other tables over that base,
    lifts their short pairs back, so that they keep nearly the one-encoder model's
    probabilities."""
    own, other = _tables(0.0), _tables(1.0)
    rows = fit_thread_model.rows_of(own, _every(own))
    base = {"gva_dev": other["gva_dev"]}
    split = fit_thread_model.fit_split(ARGS, fit_thread_model.rows_of(base, _every(base)), rows)
    one = fit_thread_model.fit_split(ARGS, rows, rows)
    shift = split.intercept_[0] + split.coef_[0, 0] * 1.0 - one.intercept_[0]
    assert abs(shift) < 0.3  # the base models agree once the shift is read
    assert split.intercept_[0] < one.intercept_[0] - 0.5
    assert split.coef_[0, -1] > one.coef_[0, -1] + 0.5
    short = own["gva_dev.headline"]["x"]
    gap = split.predict_proba(short)[:, 1] - one.predict_proba(short)[:, 1]
    assert np.abs(gap).mean() < 0.05


def test_the_cv_with_a_base_holds_the_base_tables_groups_out_too():
    """Held out fold by fold: a base table that is the fit's own full texts gives the
    one-step CV's figures."""
    tables = _tables(0.0)
    base = {"gva_dev": tables["gva_dev"]}
    one = fit_thread_model.cross_validated(tables, ARGS, 0)
    split = fit_thread_model.cross_validated(tables, ARGS, 0, base)
    for name in tables:
        assert np.allclose(one[name], split[name], atol=1e-4)


def test_a_file_without_base_encoder_had_both_steps_on_its_encoder(thread_model_file: dict):
    model = thread_model_file
    assert fit_thread_model.model_differences(model, {**model}) == []
    assert fit_thread_model.model_differences(model, {**model, "base_encoder": "use"}) == [
        "base_encoder: None -> use"
    ]
