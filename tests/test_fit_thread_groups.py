"""``fit_thread_model.py --leave-one-group-out``: a set's pairs scored by models fitted
without one of its groups at a time, every other set always fitted on; the 5-fold CV is
the same held-out scoring over its own fold deal."""

from __future__ import annotations

import sys
from argparse import Namespace
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))

import fit_thread_model

ARGS = Namespace(short_offset=False, learner="logistic", C=1.0, tol=1e-10)


def _table(name: str, groups: list[str], rng: np.random.RandomState) -> dict:
    """A set's table: four articles per group, every pair of articles a candidate, the
    same group's pairs mostly the same incident (their first input high)."""
    members = [g for g in groups for _ in range(4)]
    pairs = [(i, j) for i in range(len(members)) for j in range(i + 1, len(members))]
    same = np.array([members[i] == members[j] for i, j in pairs])
    x = rng.normal(size=(len(pairs), 3))
    x[:, 0] += 2.0 * same
    return {
        "pairs": pairs,
        "groups": [f"{name}:{g}" for g in members],
        "x": x,
        "y": (same & (rng.uniform(size=len(pairs)) < 0.9)).astype(int),
        "weight": np.ones(len(pairs)),
    }


def _tables() -> dict[str, dict]:
    rng = np.random.RandomState(4)
    return {
        "gva_dev": _table("gva_dev", [f"g{k}" for k in range(8)], rng),
        "meantime_dev": _table("meantime_dev", ["airbus", "apple"], rng),
        "meantime_dev.lead": _table("meantime_dev", ["airbus", "apple"], rng),
    }


def test_the_cv_is_held_out_scoring_over_its_fold_deal():
    tables = _tables()
    fold_of = fit_thread_model.fold_assignment(fit_thread_model.all_groups(tables), 1)
    assert set(fold_of.values()) <= set(range(fit_thread_model.FOLDS))
    held = fit_thread_model.held_out(tables, ARGS, fold_of, fit_thread_model.FOLDS)
    cv = fit_thread_model.cross_validated(tables, ARGS, 1)
    for name in tables:
        assert np.array_equal(held[name], cv[name])


def test_each_group_of_the_set_is_scored_by_a_model_fitted_without_it():
    tables = _tables()
    got = fit_thread_model.leave_one_group_out(tables, ARGS, "meantime_dev")
    assert set(got) == {"meantime_dev", "meantime_dev.lead"}  # only the set's tables
    models = {}
    for group in ("meantime_dev:airbus", "meantime_dev:apple"):
        # Fitted on every pair touching neither article of that group, other sets included.
        kept = {
            n: np.array([group not in (t["groups"][i], t["groups"][j]) for i, j in t["pairs"]])
            for n, t in tables.items()
        }
        x = np.vstack([t["x"][kept[n]] for n, t in tables.items()])
        y = np.concatenate([t["y"][kept[n]] for n, t in tables.items()])
        models[group] = fit_thread_model.logistic(ARGS.C, ARGS.tol).fit(x, y)
    for name in got:
        t = tables[name]
        for k, (i, j) in enumerate(t["pairs"]):
            touched = {t["groups"][i], t["groups"][j]}
            want = np.mean([models[g].predict_proba(t["x"][k : k + 1])[0, 1] for g in touched])
            assert np.isclose(got[name][k], want, atol=1e-6)


def _threadable(t: dict) -> dict:
    """``t`` with what :func:`fit_thread_model.thread_ari` reads: each article its own
    story and copy group, its group the gold label."""
    n = len(t["groups"])
    return {
        **t,
        "story_of": list(range(n)),
        "reps": list(range(n)),
        "left_out": set(),
        "gold": t["groups"],
    }


def test_the_report_says_on_which_seeds_the_cv_deals_the_set_s_groups_to_one_fold(capsys):
    tables = {n: _threadable(t) for n, t in _tables().items()}
    seeds = list(range(6))
    mine = ["meantime_dev:airbus", "meantime_dev:apple"]
    deals = {
        s: fit_thread_model.fold_assignment(fit_thread_model.all_groups(tables), s) for s in seeds
    }
    together = {s for s, d in deals.items() if d[mine[0]] == d[mine[1]]}
    assert together and together != set(seeds)  # the deal moves with the seed
    args = Namespace(**vars(ARGS), threshold=0.6)
    fit_thread_model.report_groups_held_out(tables, args, "meantime_dev", seeds)
    lines = capsys.readouterr().out.splitlines()
    for s in seeds:
        (line,) = [x for x in lines if x.startswith(f"  {s}: ")]
        assert ("share a fold" in line) == (s in together)
    assert any(x.startswith("  meantime_dev.lead: ") for x in lines)
    assert not any(x.startswith("  gva_dev: ") for x in lines)
