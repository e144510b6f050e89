"""How far can the event model's inputs go on short texts at all? An in-sample ceiling.

    python scripts/short_ceiling.py [--data ../shared/data] [--cache /tmp/samestory-fit-static]
        [--encoder static|use] [--sets ecbplus_dev,meantime_dev,gva_dev]
        [--forms full,lead,summary,headline] [--json OUT] [--trees]

For each dev set and form (the full texts, or a short variant of
:func:`samestory.evaluate.make_short_variants`) it builds production's stages up to
scoring (``fit_story_model.dev_set_of`` under the encoder's own production config:
copies, candidate pairs, each pair's measures) and prints ARI of production's grouping
of the candidate pairs scored

- ``shipped``: by the shipped model (``relate.STORY_MODEL``);
- ``ceiling``: by the best logistic event model fitted *in sample* on that set and form's
  own candidate pairs alone (every input of :func:`samestory.relate.event_design`: the
  cues, shortness x cues, shortness, disagreement cues), the best of a grid of ``C`` and
  same-story thresholds by ARI. Fitted on the pairs it is scored on and chosen on the
  gold: no estimate of anything, an upper bound of what one linear model of these
  inputs, scored by production's ``relate`` and grouped by production's ``group``,
  reaches on that set;
- ``trees`` (``--trees``): the same with boosted trees (depth 3, 200 rounds) in place
  of the logistic model, a looser bound;
- ``oracle``: the candidate pairs scored by the gold (1 same story, 0 not) and grouped
  by production: what perfect pair decisions on these candidates give (the candidates'
  and grouping's own limit).

If the short forms' ceiling stays more than 0.05 below the full texts' shipped figure,
the target (short variants within 0.05 of the full texts) needs evidence the model does
not have. Writes nothing but ``--json``.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression

sys.path.insert(0, str(Path(__file__).resolve().parent))
import fit_story_model as fsm

from samestory import relate
from samestory.config import DEFAULT_CONFIG, Config
from samestory.evaluate import make_short_variants, read_labelled, record_to_article

SETS = ("ecbplus_dev", "meantime_dev", "gva_dev")
FORMS = ("full", "lead", "summary", "headline")
C_GRID = (0.1, 1.0, 10.0)
THRESHOLDS = (0.3, 0.4, 0.5, 0.6)


def build(
    base: str, form: str, data: Path, cache: Path, encoder: str, config: Config
) -> fsm.DevSet:
    """``base``'s set in ``form`` under ``config`` (the fit script's feature cache)."""
    records, _ = read_labelled(data / f"{base}.jsonl")
    name = base if form == "full" else f"{base}:{form}"
    if form != "full":
        records = make_short_variants(records, form)
    articles = [record_to_article(r) for r in records]
    features = fsm.cached_features(
        name.replace(":", "-"), articles, cache, fsm.make_encoder(encoder)
    )
    return fsm.dev_set_of(name, base, records, features, False, config=config)


def at_threshold(config: Config, threshold: float) -> Config:
    attach = config.attach_threshold
    return config.replace(
        same_story_threshold=threshold,
        attach_threshold=None if attach is None else min(attach, threshold),
    )


def ceiling(dev: fsm.DevSet, config: Config) -> dict[str, float | str]:
    """The best in-sample logistic model's ARI over the C and threshold grids."""
    y = dev.labels
    best: dict[str, float | str] = {"ari": -1.0}
    if len(set(y.tolist())) < 2:
        return best
    for c in C_GRID:
        fitted = LogisticRegression(C=c, max_iter=5000).fit(dev.cues, y)
        model = fsm.event_model(fitted, relate.STORY_MODEL)
        for t in THRESHOLDS:
            cfg = at_threshold(config, t)
            ari = dev.ari(dev.scores(model, cfg), cfg)
            if ari > float(best["ari"]):
                best = {"ari": round(ari, 4), "C": c, "threshold": t}
    return best


class Precomputed:
    """A :class:`samestory.relate.StoryModel` whose event probability of each scored
    pair is given (by the identity of its cues object); the rest is ``base``'s."""

    def __init__(self, base: relate.StoryModel, p_of: dict[int, float]) -> None:
        self.base, self.p_of = base, p_of

    def __getattr__(self, name: str) -> Any:
        return getattr(self.base, name)

    def event_probability(self, cues: relate.EventCues) -> float:
        return self.p_of[id(cues)]


def tree_ceiling(dev: fsm.DevSet, config: Config) -> dict[str, float | str]:
    """As :func:`ceiling` with boosted trees (depth 3, 200 rounds) in place of the
    logistic model: a looser bound (any monotone or not shape, interactions)."""
    y = dev.labels
    if len(set(y.tolist())) < 2:
        return {"ari": -1.0}
    trees = HistGradientBoostingClassifier(max_depth=3, max_iter=200, random_state=0)
    trees.fit(dev.cues, y)
    rows = np.array([relate.event_design(m.cues) for m in dev.measures])
    p = trees.predict_proba(rows)[:, 1]
    model = Precomputed(
        relate.STORY_MODEL, {id(m.cues): float(v) for m, v in zip(dev.measures, p, strict=True)}
    )
    best: dict[str, float | str] = {"ari": -1.0}
    for t in THRESHOLDS:
        cfg = at_threshold(config, t)
        ari = dev.ari(dev.scores(model, cfg), cfg)  # type: ignore[arg-type]
        if ari > float(best["ari"]):
            best = {"ari": round(ari, 4), "threshold": t}
    return best


def oracle(dev: fsm.DevSet, config: Config) -> float:
    """ARI of production's grouping of the candidate pairs scored by the gold."""
    gold = np.array([float(dev.gold[i] == dev.gold[j]) for i, j in dev.pairs])
    return round(dev.ari(gold, config), 4)


def add_set_arguments(parser: argparse.ArgumentParser) -> None:
    """The dev sets and short forms a short-form script reads, and where from."""
    parser.add_argument("--data", type=Path, default=fsm.DEFAULT_DATA)
    parser.add_argument("--cache", type=Path, default=None)
    parser.add_argument("--encoder", choices=("static", "use"), default="static")
    parser.add_argument("--sets", default=",".join(SETS))
    parser.add_argument("--forms", default=",".join(FORMS))


def cache_of(args: argparse.Namespace) -> Path:
    """The features cache of ``args`` (made if missing)."""
    cache: Path = args.cache or Path(f"/tmp/samestory-fit-{args.encoder}")
    cache.mkdir(parents=True, exist_ok=True)
    return cache


def build_all(args: argparse.Namespace, config: Config) -> list[fsm.DevSet]:
    """Every set of ``args.sets`` in every form of ``args.forms``, scored by production."""
    cache = cache_of(args)
    return [
        build(base, form, args.data, cache, args.encoder, config)
        for base in args.sets.split(",")
        for form in args.forms.split(",")
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    add_set_arguments(parser)
    parser.add_argument("--json", type=Path, default=None)
    parser.add_argument(
        "--trees", action="store_true", help="also boosted trees fitted in sample (slower)"
    )
    args = parser.parse_args(argv)
    cache = cache_of(args)
    config = DEFAULT_CONFIG.replace(encoder=args.encoder)
    rows = []
    print("set:form  pairs  shipped  ceiling (C, threshold)  oracle", flush=True)
    for base in args.sets.split(","):
        for form in args.forms.split(","):
            start = time.process_time()
            dev = build(base, form, args.data, cache, args.encoder, config)
            shipped = round(dev.ari(dev.scores(relate.STORY_MODEL, config), config), 4)
            best = ceiling(dev, config)
            row = {
                "set": dev.name,
                "pairs": len(dev.pairs),
                "shipped": shipped,
                "ceiling": best,
                "oracle": oracle(dev, config),
                "cpu_s": round(time.process_time() - start, 1),
            }
            if args.trees:
                row["trees"] = tree_ceiling(dev, config)
                print(f"  trees in sample: {row['trees']}", flush=True)
            rows.append(row)
            print(
                f"{dev.name}  {row['pairs']}  {shipped:.4f}  {best['ari']:.4f} "
                f"({best.get('C')}, {best.get('threshold')})  {row['oracle']:.4f}  "
                f"[{row['cpu_s']} s CPU]",
                flush=True,
            )
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
