"""Length calibration of the event model's short part: which shifts move the short variants.

    python scripts/short_calibration.py [--data ../shared/data] [--cache /tmp/samestory-fit]
        [--sets ecbplus_dev,meantime_dev] [--forms full,lead,summary,headline]

Measures only (writes nothing). Every figure is production's scoring and grouping of the
candidate pairs (``fit_story_model.DevSet``: ``relate`` under a model, ``group`` at the
default config), ARI against the gold stories. The short part is the event model's
``u·(β + v·x)`` (``relate.StoryModel``, ``u`` the shortness of the shorter text); the
shipped one is zero. Three families of it, from the long weights ``w``:

- **moves**: one direction at a time; ``slope``: weight on the mean of the four
  sentence-vector cues (a headline's are one value, and the long weights sum to a
  negative slope on it); ``names``, ``numbers``, ``lexical``: those cues' long weights
  discounted by that fraction (evidence that grows with length); ``bias``: a shift.
- **grid**: ``slope`` against ``bias`` (a steeper slope, re-centred).
- **discount**: every cue discounted (``v = -λ w``) with a bias, chosen by the mean ARI
  over the sets, and under 5-fold cross-validation over topics (each fold's point chosen
  on the other folds' articles, as ``fit_story_model.fit_date_gate``).

The caches are ``fit_story_model.py``'s (give each encoder its own); the default encoder.
"""

from __future__ import annotations

import argparse
import dataclasses
import itertools
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from sklearn.metrics import adjusted_rand_score

sys.path.insert(0, str(Path(__file__).resolve().parent))
import fit_story_model as fsm

from samestory import relate
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


def short_part(params: dict[str, float]) -> relate.StoryModel:
    """The shipped model with the short part ``params`` (see the module docstring)."""
    base = relate.STORY_MODEL
    w = np.array(base.event_weights)
    index = {name: k for k, name in enumerate(relate.CUE_NAMES)}
    v = -params.get("discount", 0.0) * w
    for name in VECTOR_CUES:
        v[index[name]] += params.get("slope", 0.0) / len(VECTOR_CUES)
    for group, names in (
        ("names", NAME_CUES),
        ("numbers", ("number_jaccard",)),
        ("lexical", ("lexical_cosine",)),
    ):
        for name in names:
            v[index[name]] -= params.get(group, 0.0) * w[index[name]]
    return dataclasses.replace(
        base, short_weights=tuple(v.tolist()), short_bias=params.get("bias", 0.0)
    )


class Runs:
    """ARI of each set under a short part: over all articles, and off each topic fold."""

    def __init__(self, sets: Sequence[fsm.DevSet]) -> None:
        self.sets = sets
        self.fold_of = fsm.fold_of_topics(sets)
        self.folds = [np.array([self.fold_of[t] for t in dev.topics]) for dev in sets]
        self.memo: dict[tuple[tuple[str, float], ...], tuple[np.ndarray, np.ndarray]] = {}

    def scores(self, params: dict[str, float]) -> list[np.ndarray]:
        model = short_part(params)
        return [dev.scores(model, DEFAULT_CONFIG) for dev in self.sets]

    def ari(self, params: dict[str, float]) -> tuple[np.ndarray, np.ndarray]:
        """``(whole[set], off_fold[set, fold])``."""
        key = tuple(sorted(params.items()))
        if key not in self.memo:
            whole, off = [], np.zeros((len(self.sets), fsm.TOPIC_FOLDS))
            for k, (dev, s) in enumerate(zip(self.sets, self.scores(params), strict=True)):
                labels, gold = dev.grouping(s, DEFAULT_CONFIG), np.array(dev.gold)
                whole.append(adjusted_rand_score(gold, labels))
                for f in range(fsm.TOPIC_FOLDS):
                    kept = self.folds[k] != f
                    off[k, f] = adjusted_rand_score(gold[kept], labels[kept])
            self.memo[key] = (np.array(whole), off)
        return self.memo[key]

    def cv(self, choices: Sequence[dict[str, float]]) -> list[float]:
        """ARI with each pair scored under the point chosen without its topics' fold."""
        out = []
        per_choice = [self.scores(p) for p in choices]
        for k, dev in enumerate(self.sets):
            touches = dev.touching(dev.pairs, self.fold_of)
            total, count = np.zeros(len(dev.pairs)), np.zeros(len(dev.pairs))
            for f in range(fsm.TOPIC_FOLDS):
                total[touches[f]] += per_choice[f][k][touches[f]]
                count[touches[f]] += 1
            out.append(dev.ari(total / np.maximum(count, 1), DEFAULT_CONFIG))
        return out


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
    args = parser.parse_args()
    args.cache.mkdir(parents=True, exist_ok=True)
    sets = [
        fsm.dev_set(base, args.data, args.cache, None, form)
        for base in args.sets.split(",")
        for form in args.forms.split(",")
    ]
    runs = Runs(sets)
    print(f"{'':28s} " + " ".join(dev.name for dev in sets))
    shipped, _ = runs.ari({})
    print(show("shipped (short part zero)", shipped))
    for name, values in MOVES.items():
        for value in values:
            print(show(f"move {name}={value}", runs.ari({name: value})[0] - shipped), flush=True)
    for slope, bias in itertools.product(*GRID.values()):
        gain = runs.ari({"slope": slope, "bias": bias})[0] - shipped
        print(show(f"grid slope={slope} bias={bias}", gain), flush=True)
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
