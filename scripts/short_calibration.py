"""Length calibration of the event model: the short part's shifts, and the near date gap.

    python scripts/short_calibration.py [--data ../shared/data] [--cache /tmp/samestory-fit]
        [--sets ecbplus_dev,meantime_dev] [--forms full,lead,summary,headline]
        [--encoder use|static] [--parts moves,grid,discount]
    python scripts/short_calibration.py --near [--sets ecbplus_dev,meantime_dev,gva_dev]
        [--out FILE | --dry-run]
    python scripts/short_calibration.py --shape [--sets ecbplus_dev,meantime_dev,gva_dev]
        [--out FILE | --dry-run]

Without ``--near`` it measures only (writes nothing). Every figure is production's
scoring and grouping of the candidate pairs (``fit_story_model.DevSet``: ``relate`` under
a model, production's grouping at the default config, ``group_with_roundups`` with the
exclusive-names step since 2026-12-05), ARI against the gold stories. The short part
is the event model's ``u·(β + v·x)`` (``relate.StoryModel``, ``u`` the shortness of the
shorter text); the shipped one is zero. Three families of it, from the long weights ``w``:

- **moves**: one direction at a time; ``slope``: weight on the mean of the four
  sentence-vector cues (a headline's are one value, and the long weights sum to a
  negative slope on it); ``names``, ``numbers``, ``lexical``: those cues' long weights
  discounted by that fraction (evidence that grows with length); ``bias``: a shift.
- **grid**: ``slope`` against ``bias`` (a steeper slope, re-centred).
- **discount**: every cue discounted (``v = -λ w``) with a bias, chosen by the mean ARI
  over the sets, and under 5-fold cross-validation over topics (each fold's point chosen
  on the other folds' articles, as ``fit_story_model.fit_date_gate``).

``--near`` fits the date gate's near step (``StoryModel.near_date_factor``: a gap of
more than ``near_days`` and at most 30 days cuts the score by ``f = f_long - (f_long -
f_short) u``, ``u`` the pair's shortness): a grid over ``(near_days, f_long, f_short)``
chosen by the mean ARI over every set and form, and each topic fold's point chosen on the
other folds (5-fold topic CV). Only the pairs with such a gap are rescored per point (the
others do not depend on it), by production's ``relate``. It writes the chosen step and its
figures to ``event_model.date_gate`` of the params file (``--out``; ``--dry-run``: not).

``--shape`` fits the short part shaped by length (2026-12-05, docs/history/accuracy.md): the
discount ``v = -λ w`` and bias ``β`` weighed by ``u · r``, ``r`` a ramp in the shorter
text's words, 0 up to ``ramp_low`` words and 1 from ``ramp_low + RAMP_WIDTH``
(``StoryModel.short_ramp``: a headline reads the long part alone, a lead the whole short
part): a grid over (``ramp_low``, λ, β) (:data:`SHAPE`) chosen by the mean ARI over every
set and form, and under 5-fold topic CV. Only the pairs the part weighs on (``u · r`` > 0)
are rescored per point. It writes the chosen part and its figures to
``event_model.short`` of the params file (``--out``; ``--dry-run``: not).

The caches are ``fit_story_model.py``'s (give each encoder its own).
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import itertools
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
from sklearn.metrics import adjusted_rand_score

sys.path.insert(0, str(Path(__file__).resolve().parent))
import fit_story_model as fsm

from samestory import exclusive, relate
from samestory.config import DEFAULT_CONFIG

VECTOR_CUES = ("doc_cosine", "best_sentence", "top3_sentences", "soft_coverage")
NAME_CUES = ("entity_jaccard", "entity_overlap", "entity_specific_jaccard")
MOVES = {
    "slope": (-2.0, 2.0, 4.0),
    "names": (-0.5, 0.5),
    "numbers": (-0.5, 0.5, 1.0),
    "lexical": (-0.3, 0.3, 0.6),
    "bias": (-2.0, -1.0, 1.0, 2.0),
}
GRID = {"slope": (0.0, 1.0, 2.0, 4.0, 6.0, 8.0), "bias": (-4.0, -3.0, -2.0, -1.0, 0.0, 1.0)}
DISCOUNT = {"discount": (-0.2, 0.0, 0.2, 0.4, 0.6), "bias": (-2.0, -1.0, 0.0, 1.0, 2.0)}
# The shaped short part's grid (--shape): the ramp's lower knot in words, the discount
# and the bias; the ramp reaches 1 RAMP_WIDTH words above its knot (headlines are at most
# ~20 words, leads from ~30).
SHAPE = {"ramp_low": (20.0, 25.0), "discount": (0.0, 0.2, 0.4), "bias": (0.0, 1.0, 2.0, 3.0)}
RAMP_WIDTH = 10.0
# --shape --both: the part weighs u(shorter) * u(longer) * r, as far as both texts are
# short (StoryModel.short_both); the bias one step higher (u(longer) ~0.8 on a lead pair).
SHAPE_BOTH = {"ramp_low": (20.0, 25.0), "discount": (0.0, 0.2, 0.4), "bias": (1.0, 2.0, 3.0, 4.0)}
# The families measured without --near (``--parts``), in this order.
PARTS = ("moves", "grid", "discount")
# The near step's grid (days, then the factors of a long and a short pair; 1.0 is no cut).
NEAR = {
    "near_days": (1, 2, 3, 5, 7, 14),
    "near_long": (1.0, 0.9),
    "near_short": (1.0, 0.5, 0.4, 0.35, 0.3),
}


def short_part(params: dict[str, float]) -> relate.StoryModel:
    """The shipped model with the short part ``params`` (see the module docstring)."""
    base = relate.STORY_MODEL
    w = np.array(base.event_weights)
    index = {name: k for k, name in enumerate(relate.CUE_NAMES)}
    v = -params.get("discount", 0.0) * w + 0.0  # + 0.0: no -0.0 weights in the file
    for name in VECTOR_CUES:
        v[index[name]] += params.get("slope", 0.0) / len(VECTOR_CUES)
    for group, names in (
        ("names", NAME_CUES),
        ("numbers", ("number_jaccard",)),
        ("lexical", ("lexical_cosine",)),
    ):
        for name in names:
            v[index[name]] -= params.get(group, 0.0) * w[index[name]]
    low = params.get("ramp_low")
    return dataclasses.replace(
        base,
        short_weights=tuple(v.tolist()),
        short_bias=params.get("bias", 0.0),
        short_ramp=None if low is None else (low, low + RAMP_WIDTH),
        short_both=bool(params.get("both", 0.0)),
        short_upper=(params["upper_low"], params["upper_high"]) if "upper_low" in params else None,
    )


class Runs:
    """ARI of each set under a short part: over all articles, and off each topic fold."""

    def __init__(self, sets: Sequence[fsm.DevSet], fold_seed: int = 0) -> None:
        self.sets = sets
        self.memo: dict[tuple[tuple[str, float], ...], tuple[np.ndarray, np.ndarray]] = {}
        self.groupings: dict[tuple[tuple[str, float], ...], list[np.ndarray]] = {}
        self.reseed(fold_seed)

    def reseed(self, fold_seed: int) -> None:
        """Deal the topics to folds by ``fold_seed`` (the groupings are kept)."""
        self.fold_of = fsm.fold_of_topics(self.sets, fold_seed)
        self.folds = [np.array([self.fold_of[t] for t in dev.topics]) for dev in self.sets]
        self.memo.clear()

    def scores(self, params: dict[str, float]) -> list[tuple[np.ndarray, np.ndarray]]:
        """Each set's scores and copy flags (``fsm.DevSet.scored``) under ``params``."""
        model = short_part(params)
        return [dev.scored(model, DEFAULT_CONFIG) for dev in self.sets]

    def grouping(self, params: dict[str, float]) -> list[np.ndarray]:
        """Each set's story labels under ``params`` (kept across fold seeds)."""
        key = tuple(sorted(params.items()))
        if key not in self.groupings:
            self.groupings[key] = [
                np.asarray(dev.grouping(s, DEFAULT_CONFIG, copied))
                for dev, (s, copied) in zip(self.sets, self.scores(params), strict=True)
            ]
        return self.groupings[key]

    def ari(self, params: dict[str, float]) -> tuple[np.ndarray, np.ndarray]:
        """``(whole[set], off_fold[set, fold])``."""
        key = tuple(sorted(params.items()))
        if key not in self.memo:
            whole, off = [], np.zeros((len(self.sets), fsm.TOPIC_FOLDS))
            for k, (dev, labels) in enumerate(zip(self.sets, self.grouping(params), strict=True)):
                gold = np.array(dev.gold)
                whole.append(adjusted_rand_score(gold, labels))
                for f in range(fsm.TOPIC_FOLDS):
                    kept = self.folds[k] != f
                    off[k, f] = adjusted_rand_score(gold[kept], labels[kept])
            self.memo[key] = (np.array(whole), off)
        return self.memo[key]

    def cv(self, choices: Sequence[dict[str, float]]) -> list[float]:
        """ARI with each pair scored under the point chosen without its topics' fold (a
        copy when either fold's point relates it as one)."""
        out = []
        per_choice = [self.scores(p) for p in choices]
        for k, dev in enumerate(self.sets):
            touches = dev.touching(dev.pairs, self.fold_of)
            total, count = np.zeros(len(dev.pairs)), np.zeros(len(dev.pairs))
            copied = np.zeros(len(dev.pairs), dtype=bool)
            for f in range(fsm.TOPIC_FOLDS):
                scores, copies = per_choice[f][k]
                total[touches[f]] += scores[touches[f]]
                count[touches[f]] += 1
                copied[touches[f]] |= copies[touches[f]]
            out.append(dev.ari(total / np.maximum(count, 1), DEFAULT_CONFIG, copied))
        return out

    def choose(
        self, points: Sequence[dict[str, float]], key: Callable[[dict[str, float]], str], label: str
    ) -> tuple[dict[str, float], dict[str, float], list[dict[str, float]], np.ndarray, list[float]]:
        """The point of ``points`` with the best mean ARI, in sample and per topic fold
        (each fold's point chosen on the other folds' articles): ``(grid, chosen, folds,
        in_sample, cv)``, each step printed under ``label``."""
        grid = {}
        for p in points:
            whole = self.ari(p)[0]
            grid[key(p)] = round(float(whole.mean()), 4)
            print(show(f"{label} {key(p)}", whole), flush=True)
        chosen = max(points, key=lambda p: float(self.ari(p)[0].mean()))
        folds = [
            max(points, key=lambda p, f=f: float(self.ari(p)[1][:, f].mean()))
            for f in range(fsm.TOPIC_FOLDS)
        ]
        in_sample, cv = self.ari(chosen)[0], self.cv(folds)
        print(show(f"{label} {key(chosen)}, in sample", in_sample))
        print(show(f"{label}, 5-fold topic CV", cv), "folds:", [key(p) for p in folds])
        return grid, chosen, folds, in_sample, cv


class ShapeRuns(Runs):
    """:class:`Runs` over the shaped short part (:data:`SHAPE`): the scores under the
    short part zero, with only the pairs the part weighs on (``u · r`` > 0) rescored by
    production (the others' scores do not read it)."""

    def __init__(self, sets: Sequence[fsm.DevSet], fold_seed: int = 0) -> None:
        super().__init__(sets, fold_seed)
        zero = short_part({})
        self.zero = [dev.scored(zero, DEFAULT_CONFIG) for dev in sets]
        self.scored: dict[tuple[tuple[str, float], ...], list[tuple[np.ndarray, np.ndarray]]] = {}

    def scores(self, params: dict[str, float]) -> list[tuple[np.ndarray, np.ndarray]]:
        if not params.get("discount") and not params.get("bias"):
            return self.zero
        key = tuple(sorted(params.items()))
        if key not in self.scored:
            self.scored[key] = self._rescored(params)
        return self.scored[key]

    def _rescored(self, params: dict[str, float]) -> list[tuple[np.ndarray, np.ndarray]]:
        model = short_part(params)
        out = []
        with relate.single_threaded_blas():
            for dev, (zero, copies) in zip(self.sets, self.zero, strict=True):
                s, copied = zero.copy(), copies.copy()
                for k, m in enumerate(dev.measures):
                    c = m.cues
                    if model.short_strength(c.shorter_words, c.shortness, c.longer_words) > 0.0:
                        r = dev._relation(k, model, DEFAULT_CONFIG)
                        s[k], copied[k] = r.score, exclusive.copy_relation(r)
                out.append((s, copied))
        return out


def s_key(params: dict[str, float]) -> str:
    upper = (
        f"/upper {params['upper_low']:g}-{params['upper_high']:g}" if "upper_low" in params else ""
    )
    return (
        "/".join(f"{params.get(k, 0.0):g}" for k in SHAPE)
        + ("/both" if params.get("both") else "")
        + upper
    )


def shipped_short_part() -> dict[str, float]:
    """The shipped short part as a :func:`short_part` point (``{}`` when it has none):
    its discount read off its first cue with a nonzero long weight."""
    model = relate.STORY_MODEL
    if model.short_ramp is None and not model.short_bias:
        return {}
    w, v = np.array(model.event_weights), np.array(model.short_weights)
    nonzero = np.flatnonzero(w)
    discount = float(-v[nonzero[0]] / w[nonzero[0]]) if len(nonzero) else 0.0
    point = {"discount": round(discount, 6) + 0.0, "bias": model.short_bias}
    if model.short_ramp is not None:
        point["ramp_low"] = model.short_ramp[0]
    if model.short_both:
        point["both"] = 1.0
    if model.short_upper is not None:
        point["upper_low"], point["upper_high"] = model.short_upper
    return point


def fit_shape(
    sets: Sequence[fsm.DevSet],
    both: bool = False,
    upper: tuple[float, float] | None = None,
    fold_seeds: Sequence[int] = (0,),
    axes: dict[str, tuple[float, ...]] | None = None,
) -> dict[str, object]:
    """The shaped short part chosen by mean ARI over ``sets`` on :data:`SHAPE` (``both``:
    :data:`SHAPE_BOTH`, the part weighing as far as both texts are short), with its
    in-sample and 5-fold topic CV figures beside the short part zero's. ``upper``: the
    fall on the longer text's words (``StoryModel.short_upper``), on :data:`SHAPE_BOTH`'s
    grid."""
    runs = ShapeRuns(sets, fold_seeds[0])
    zero, _ = runs.ari({})
    print(show("short part zero", zero), flush=True)
    shipped_point = shipped_short_part()
    shipped, _ = runs.ari(shipped_point)
    print(show(f"shipped {s_key(shipped_point)}", shipped), flush=True)
    grid_of = dict(SHAPE_BOTH if both or upper else SHAPE)
    grid_of.update(axes or {})  # --ramp-lows, --discounts, --biases
    extra = {"both": 1.0} if both else {}
    if upper is not None:
        extra.update(upper_low=upper[0], upper_high=upper[1])
    points = [
        {**dict(zip(grid_of, p, strict=True)), **extra}
        for p in itertools.product(*grid_of.values())
    ]
    grid, chosen, folds, in_sample, cv = runs.choose(points, s_key, "shape")
    print(show("CV minus zero", np.array(cv) - zero))
    print(show("CV minus shipped", np.array(cv) - shipped), flush=True)
    by_seed = {fold_seeds[0]: ([s_key(p) for p in folds], cv)}
    for seed in fold_seeds[1:]:
        runs.reseed(seed)
        picked = [
            max(points, key=lambda p, f=f: float(runs.ari(p)[1][:, f].mean()))
            for f in range(fsm.TOPIC_FOLDS)
        ]
        seed_cv = runs.cv(picked)
        by_seed[seed] = ([s_key(p) for p in picked], seed_cv)
        print(
            show(f"seed {seed}: CV minus shipped", np.array(seed_cv) - shipped),
            "folds:",
            by_seed[seed][0],
            flush=True,
        )
    names = [dev.name for dev in sets]
    return {
        "chosen": chosen,
        "fitted_on": {
            "method": "grid over (ramp_low, discount, bias) of the short part u * r * (bias "
            "- discount * w.x), r 0 up to ramp_low words of the shorter text and 1 from "
            f"ramp_low + {RAMP_WIDTH:g}"
            + (", times the longer text's shortness (both)" if both else "")
            + (f", times a fall on the longer text's words {upper}" if upper else "")
            + ", mean ARI over the sets and forms at the default config "
            "(production's relate and grouping), the rest of the model fixed; cv: each "
            "topic fold's point chosen on the other folds",
            "data": names,
            "grid_mean_ari": grid,
            "chosen": s_key(chosen),
            "fold_choices": [s_key(p) for p in folds],
            "ari_short_part_zero": dict(zip(names, _rounded(zero), strict=True)),
            "ari_shipped": dict(zip(names, _rounded(shipped), strict=True)),
            "fold_seeds": {
                str(seed): {
                    "fold_choices": c,
                    "ari_topic_cv": dict(zip(names, _rounded(v), strict=True)),
                }
                for seed, (c, v) in by_seed.items()
            },
            "ari_in_sample": dict(zip(names, _rounded(in_sample), strict=True)),
            "ari_topic_cv": dict(zip(names, _rounded(cv), strict=True)),
            "fitted": dt.date.today().isoformat(),
        },
    }


def write_shape(found: dict[str, object], out: Path) -> None:
    """The shipped params with the shaped short part ``found`` in ``event_model.short``."""
    chosen = found["chosen"]
    assert isinstance(chosen, dict)
    data = short_part(chosen).to_dict()
    data["event_model"]["short"]["fitted_on"] = found["fitted_on"]
    out.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {out}")


def near_model(params: dict[str, float]) -> relate.StoryModel:
    """The shipped model with the near step ``params`` (keys of :data:`NEAR`)."""
    return dataclasses.replace(
        relate.STORY_MODEL,
        near_gap_days=int(params["near_days"]),
        near_gap_factor_long=params["near_long"],
        near_gap_factor_short=params["near_short"],
    )


class NearRuns(Runs):
    """:class:`Runs` over the near step: the shipped scores, with only the pairs whose
    gap could meet the step (over a day, at most 30 days) rescored by production."""

    def __init__(self, sets: Sequence[fsm.DevSet]) -> None:
        super().__init__(sets)
        # The baseline is the shipped model without a near step (once one is shipped too).
        without = dataclasses.replace(relate.STORY_MODEL, near_gap_days=None)
        self.shipped = [dev.scored(without, DEFAULT_CONFIG) for dev in sets]
        self.near = [
            [
                k
                for k, m in enumerate(dev.measures)
                if m.date_gap is not None and 1 < m.date_gap <= relate.DATE_GAP_DAYS
            ]
            for dev in sets
        ]

    def scores(self, params: dict[str, float]) -> list[tuple[np.ndarray, np.ndarray]]:
        if not params:
            return self.shipped
        model = near_model(params)
        out = []
        with relate.single_threaded_blas():
            for dev, (shipped, copies), near in zip(
                self.sets, self.shipped, self.near, strict=True
            ):
                s, copied = shipped.copy(), copies.copy()
                for k in near:
                    r = dev._relation(k, model, DEFAULT_CONFIG)
                    s[k], copied[k] = r.score, exclusive.copy_relation(r)
                out.append((s, copied))
        return out


def fit_near(
    sets: Sequence[fsm.DevSet], near: dict[str, tuple[float, ...]] = NEAR
) -> dict[str, object]:
    """The near step chosen by mean ARI over ``sets`` on the grid ``near`` (default
    :data:`NEAR`; ``--near-grid`` screens a smaller one), with its in-sample and CV figures."""
    runs = NearRuns(sets)
    shipped, _ = runs.ari({})
    print(show("shipped (no near step)", shipped), flush=True)
    points = [
        dict(zip(near, p, strict=True))
        for p in itertools.product(*near.values())
        if p[1] >= p[2]  # a short pair's evidence is cut at least as hard as a long one's
    ]
    grid, chosen, folds, in_sample, cv = runs.choose(points, p_key, "near")
    names = [dev.name for dev in sets]
    return {
        "chosen": chosen,
        "fitted_on": {
            "method": "grid over (near_days, near_long, near_short), mean ARI over the sets "
            "and forms at the default config (production's relate and grouping, the "
            "exclusive-names step included), the rest of "
            "the model fixed; cv: each topic fold's point chosen on the other folds",
            "data": names,
            "grid_mean_ari": grid,
            "fold_choices": [p_key(p) for p in folds],
            "ari_shipped_without": dict(zip(names, _rounded(shipped), strict=True)),
            "ari_in_sample": dict(zip(names, _rounded(in_sample), strict=True)),
            "ari_topic_cv": dict(zip(names, _rounded(cv), strict=True)),
            "fitted": dt.date.today().isoformat(),
        },
    }


def p_key(params: dict[str, float]) -> str:
    return "/".join(f"{params[k]:g}" for k in NEAR)


def _rounded(values: Sequence[float] | np.ndarray) -> list[float]:
    return [round(float(v), 3) for v in values]


def write_near(found: dict[str, object], out: Path) -> None:
    """The shipped params with the near step ``found`` in ``event_model.date_gate``."""
    chosen = found["chosen"]
    assert isinstance(chosen, dict)
    model = near_model(chosen)
    data = model.to_dict()
    data["event_model"]["date_gate"]["near_fitted_on"] = found["fitted_on"]
    out.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {out}")


def show(label: str, values: Sequence[float]) -> str:
    return f"{label:28s} " + " ".join(
        f"{x:+.3f}" if label.startswith(("move", "grid")) else f"{x:.3f}" for x in values
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    repo = Path(__file__).resolve().parents[1]
    parser.add_argument("--data", type=Path, default=repo.parent / "shared" / "data")
    parser.add_argument("--cache", type=Path, default=Path("/tmp/samestory-fit"))
    parser.add_argument("--sets", default=",".join(fsm.ARTICLE_SETS))
    parser.add_argument("--forms", default="full,lead,summary,headline")
    parser.add_argument("--encoder", choices=fsm.ENCODERS, default="use")
    parser.add_argument("--near", action="store_true", help="fit the near date step")
    parser.add_argument("--shape", action="store_true", help="fit the short part shaped by length")
    parser.add_argument(
        "--both",
        action="store_true",
        help="with --shape: the part weighs as far as both texts are short",
    )
    parser.add_argument(
        "--upper",
        default="",
        help="with --shape: LOW,HIGH words, the part 1 up to LOW words of the longer text "
        "and 0 from HIGH",
    )
    parser.add_argument(
        "--cut",
        choices=("first-sentence", "reader"),
        default="first-sentence",
        help="how the short forms are cut (make_short_variants; the shipped fit's: "
        "first-sentence; the accuracy rows': reader)",
    )
    parser.add_argument(
        "--fold-seeds",
        default="0",
        help="with --shape: the seeds dealing the topics to the 5 CV folds, comma list "
        "(the shipped fit: 0; the file keeps the first's figures)",
    )
    parser.add_argument(
        "--ramp-lows",
        default="",
        help="with --shape: the ramp's lower knots screened, e.g. 10,15,20,25 (default: "
        "the grid's)",
    )
    parser.add_argument(
        "--discounts",
        default="",
        help="with --shape: the discounts screened, e.g. 0,0.2 (default: the grid's)",
    )
    parser.add_argument(
        "--biases",
        default="",
        help="with --shape: the biases screened, e.g. 1,2,3 (default: the grid's)",
    )
    parser.add_argument("--out", type=Path, default=fsm.DEFAULT_OUT)
    parser.add_argument(
        "--dry-run", action="store_true", help="with --near or --shape: write nothing"
    )
    parser.add_argument(
        "--near-grid",
        default="",
        help="with --near --dry-run: a screen's grid, e.g. 'near_days=7;near_long=1,0.9;"
        "near_short=0.3' (keys not given keep the default grid's values)",
    )
    parser.add_argument(
        "--parts",
        default=",".join(PARTS),
        help="without --near: the families measured, of " + ",".join(PARTS),
    )
    args = parser.parse_args()
    parts = set(args.parts.split(","))
    if not parts <= set(PARTS):
        parser.error(f"--parts: unknown {sorted(parts - set(PARTS))}")
    near = dict(NEAR)
    for item in filter(None, args.near_grid.split(";")):
        key, _, values = item.partition("=")
        if key not in NEAR:
            parser.error(f"--near-grid: unknown {key!r}; known {list(NEAR)}")
        near[key] = tuple(float(v) for v in values.split(","))
    if args.near_grid and not (args.near and args.dry_run):
        parser.error("--near-grid is a screen: use it with --near --dry-run")
    args.cache.mkdir(parents=True, exist_ok=True)
    encoder = fsm.make_encoder(args.encoder)
    sets = [
        fsm.dev_set(base, args.data, args.cache, encoder, form, args.cut)
        for base in args.sets.split(",")
        for form in args.forms.split(",")
    ]
    if args.shape:
        print(f"{'':28s} " + " ".join(dev.name for dev in sets))
        upper = tuple(float(v) for v in args.upper.split(",")) if args.upper else None
        axes = {"ramp_low": args.ramp_lows, "discount": args.discounts, "bias": args.biases}
        grid = {k: tuple(float(v) for v in x.split(",")) for k, x in axes.items() if x}
        seeds = [int(v) for v in args.fold_seeds.split(",")]
        found = fit_shape(sets, args.both, upper, seeds, grid)  # type: ignore[arg-type]
        found["fitted_on"]["encoder"] = args.encoder  # type: ignore[index]
        found["fitted_on"]["short_cut"] = args.cut  # type: ignore[index]
        if not args.dry_run:
            write_shape(found, args.out)
        return
    if args.near:
        print(f"{'':28s} " + " ".join(dev.name for dev in sets))
        found = fit_near(sets, near)
        found["fitted_on"]["encoder"] = args.encoder  # type: ignore[index]
        if not args.dry_run:
            write_near(found, args.out)
        return
    runs = Runs(sets)
    print(f"{'':28s} " + " ".join(dev.name for dev in sets))
    shipped, _ = runs.ari({})
    print(show("shipped (short part zero)", shipped))
    for name, values in MOVES.items() if "moves" in parts else ():
        for value in values:
            print(show(f"move {name}={value}", runs.ari({name: value})[0] - shipped), flush=True)
    for slope, bias in itertools.product(*GRID.values()) if "grid" in parts else ():
        gain = runs.ari({"slope": slope, "bias": bias})[0] - shipped
        print(show(f"grid slope={slope} bias={bias}", gain), flush=True)
    if "discount" not in parts:
        return
    points = [dict(zip(DISCOUNT, p, strict=True)) for p in itertools.product(*DISCOUNT.values())]
    chosen = max(points, key=lambda p: float(runs.ari(p)[0].mean()))
    folds = [
        max(points, key=lambda p, f=f: float(runs.ari(p)[1][:, f].mean()))
        for f in range(fsm.TOPIC_FOLDS)
    ]
    print(show(f"discount {chosen}, in sample", runs.ari(chosen)[0]))
    print(show("discount, 5-fold topic CV", runs.cv(folds)), "folds:", folds)


if __name__ == "__main__":
    main()
