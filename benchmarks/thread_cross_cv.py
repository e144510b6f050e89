"""Protocol G's judge across two sets of tables: the thread fit's fold models fitted on one
encoder's and cut's tables score another's held-out pairs.

    python benchmarks/thread_cross_cv.py --fit-cache DIR --fit-encoder use
        --fit-cut first-sentence --score-cache DIR --score-encoder static --score-cut reader
        [--short-inputs far_apart_no_person_place] [--seeds 0,1,2,3] [--files FILE,...]

A refit on production's tables (the static encoder's, the reader's cut) is judged against
the shipped procedure on those same tables: the shipped file is fitted on USE's
first-sentence tables, so its fold models are fitted there (``--fit-*``) and score the
pairs production's rows are made of (``--score-*``), under the same fold deals as
``scripts/fit_thread_model.py --fold-seeds`` (5-fold CV over incidents and topics) and
MEANTIME's leave-one-topic-out (each of its two topics held out, every other pair fitted
on). The fit is the shipped file's procedure (``--learner logistic --C 0.3 --tol 1e-10
--threshold 0.6 --short-offset --short-inputs ... --no-short-level --same-days-weight 0
--short-floor``, short forms lead, summary and headline at weight 1). ``--files``: thread
model files also scored in sample on the score tables. Prints thread ARI at 0.6 per table;
fits nothing that is written. Both caches are ``fit_thread_model.py``'s (built if
missing). Sanity: with the same tables on both sides it prints the fit script's own CV
figures.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))

import fit_thread_model as fit

from samestory import threads

FORMS = ("lead", "summary", "headline")
THRESHOLD = 0.6


def procedure(short_inputs: tuple[str, ...]) -> argparse.Namespace:
    """The shipped file's fit options (protocol G's, ``--short-floor``)."""
    return argparse.Namespace(
        learner="logistic",
        C=0.3,
        tol=fit.CONVERGED_TOL,
        threshold=THRESHOLD,
        short_offset=True,
        short_balance="pooled",
        short_floor=True,
        pairs="all",
        short_inputs=short_inputs,
    )


def build(data: Path, cache: Path, encoder: str, cut: str, inputs: tuple[str, ...]) -> dict:
    """Every set's and short form's table as the fit builds it with the shipped options:
    the correction's columns appended, the same-days route's pairs at weight 0."""
    fit.claim_cache(cache, encoder)
    config = fit.fit_config(encoder, fit.DEFAULT_CONFIG.min_keyword_cosine)
    names = fit.ROW_NAMES
    sets = [*fit.SETS, *(f"{s}.{f}" for s in fit.SETS for f in FORMS)]
    tables = {n: fit.pair_table(n, data, cache, config, cut) for n in sets}
    for name, t in tables.items():
        t["x"], _ = fit.short_inputs(t["x"], names, inputs, False)
        t["weight"] = np.where(fit.fitted_pairs(t, "all"), 1.0, 0.0)
        only = fit.same_days_only(name, data, cache, t, config, cut)
        t["weight"] = np.where(only, 0.0, t["weight"])
    return tables


def _touches(t: dict, fold_of: dict[str, int], f: int) -> np.ndarray:
    g = t["groups"]
    return np.array([fold_of[g[i]] == f or fold_of[g[j]] == f for i, j in t["pairs"]], dtype=bool)


def _rows(tables: dict, kept: dict) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    x = np.vstack([t["x"][kept[n]] for n, t in tables.items()])
    y = np.concatenate([t["y"][kept[n]] for n, t in tables.items()])
    w = np.concatenate([t["weight"][kept[n]] for n, t in tables.items()])
    full = np.concatenate([np.full(kept[n].sum(), n in fit.SETS) for n in tables])
    return x, y, w, full


def fold_model(
    args: argparse.Namespace,
    fitted: dict,
    scored: dict,
    kept: tuple[dict, dict],
    split: bool,
) -> Any:
    """The fold's model: the shipped procedure on ``fitted``'s tables (``kept``: each
    table's pairs fitted on, of ``fitted`` and of ``scored``); ``split``: the base model on
    ``fitted``'s full texts, the correction on ``scored``'s tables (every set and form)
    over that base."""
    if not split:
        x, y, w, full = _rows(fitted, kept[0])
        return fit.fit_model(args, x, y, w, full, None)
    base = {n: t for n, t in fitted.items() if n in fit.SETS}
    xb, yb, wb, _ = _rows(base, kept[0])
    xs, ys, ws, _ = _rows(scored, kept[1])
    x, y = np.vstack([xb, xs]), np.concatenate([yb, ys])
    full = np.concatenate([np.ones(len(xb), bool), np.zeros(len(xs), bool)])
    weight = np.concatenate([wb, ws])
    correction = np.concatenate([np.zeros(len(xb)), ws])
    floor = args.threshold / 2
    model = fit.ShortCorrection(args.C, len(fit.BASE_NAMES), floor, args.tol, fit.STORED_WIDTH)
    return model.fit(x, y, weight, full, correction)


def cross_held_out(
    args: argparse.Namespace,
    fitted: dict,
    scored: dict,
    fold_of: dict[str, int],
    folds: int,
    split: bool = False,
    only: frozenset[str] | None = None,
) -> dict[str, np.ndarray]:
    """``fit_thread_model.held_out`` with the fold models fitted on ``fitted``'s tables and
    scoring ``scored``'s (the same groups); ``split``: see :func:`fold_model`; ``only``:
    the scored tables returned (all by default; every one is fitted on)."""
    out = {n: t for n, t in scored.items() if only is None or n in only}
    sums = {n: np.zeros(len(t["pairs"])) for n, t in out.items()}
    counts = {n: np.zeros(len(t["pairs"])) for n, t in out.items()}
    for f in range(folds):
        kept = tuple(
            {n: ~_touches(t, fold_of, f) & (t["weight"] > 0) for n, t in tables.items()}
            for tables in (fitted, scored if split else {})
        )
        model = fold_model(args, fitted, scored, (kept[0], kept[1]), split)
        for n, t in out.items():
            mask = _touches(t, fold_of, f)
            if mask.any():
                sums[n][mask] += model.predict_proba(t["x"][mask])[:, 1]
                counts[n][mask] += 1
    return {n: sums[n] / np.maximum(counts[n], 1) for n in out}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=fit.DEFAULT_DATA)
    parser.add_argument("--fit-cache", type=Path, required=True)
    parser.add_argument("--fit-encoder", choices=("use", "static"), default="use")
    parser.add_argument("--fit-cut", choices=fit.SHORT_CUTS, default=fit.FIRST_SENTENCE)
    parser.add_argument("--score-cache", type=Path, required=True)
    parser.add_argument("--score-encoder", choices=("use", "static"), default="static")
    parser.add_argument("--score-cut", choices=fit.SHORT_CUTS, default="reader")
    parser.add_argument("--short-inputs", default="far_apart_no_person_place")
    parser.add_argument("--seeds", default="0,1,2,3")
    parser.add_argument("--files", default="", help="thread model files scored in sample")
    parser.add_argument(
        "--split",
        action="store_true",
        help="The fold models' base on the fit tables' full texts, their correction on the "
        "score tables (a refit of the correction alone on the score tables).",
    )
    a = parser.parse_args(argv)
    inputs = tuple(n for n in a.short_inputs.split(",") if n)
    args = procedure(inputs)
    fitted = build(a.data, a.fit_cache, a.fit_encoder, a.fit_cut, inputs)
    scored = build(a.data, a.score_cache, a.score_encoder, a.score_cut, inputs)
    width = len(fit.ROW_NAMES)
    for file in [f for f in a.files.split(",") if f]:
        model = threads.model_from_data(json.loads(Path(file).read_text(encoding="utf-8")))
        print(f"in sample, {file}:")
        for n, t in scored.items():
            q = np.array(threads.thread_probabilities(t["x"][:, :width], model))
            print(f"  {n}: {fit.thread_ari(t, q, THRESHOLD):.3f}")
    groups = fit.all_groups(fitted)
    if groups != fit.all_groups(scored):
        parser.error("the two sets of tables hold different groups")
    seeds = [int(s) for s in a.seeds.split(",")]
    how = "the base fitted" if a.split else "fitted"
    print(f"{how} on {a.fit_encoder} {a.fit_cut}, scored on {a.score_encoder} {a.score_cut}")
    if a.split:
        print(f"  the correction ({', '.join(inputs)}) fitted on the score tables")
    results = {}
    for seed in seeds:
        deal = fit.fold_assignment(groups, seed)
        held = cross_held_out(args, fitted, scored, deal, fit.FOLDS, a.split)
        results[seed] = {n: fit.thread_ari(scored[n], held[n], THRESHOLD) for n in scored}
    print(f"thread ARI at {THRESHOLD} under {fit.FOLDS}-fold CV, fold seeds {seeds} (mean):")
    for n in scored:
        v = [results[s][n] for s in seeds]
        print(f"  {n}: " + " / ".join(f"{x:.3f}" for x in v) + f"  ({np.mean(v):.4f})")
    mt = frozenset(fit.set_tables(scored, "meantime_dev"))
    topics = sorted({g for n in mt for g in scored[n]["groups"]})
    fold_of = {g: -1 for g in groups} | {g: k for k, g in enumerate(topics)}
    held = cross_held_out(args, fitted, scored, fold_of, len(topics), a.split, mt)
    print(f"MEANTIME, each of {topics} held out in turn:")
    for n, prob in held.items():
        print(f"  {n}: {fit.thread_ari(scored[n], prob, THRESHOLD):.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
