"""Screen the name-slot contrast (``samestory.screens.contrast``) as an event-model input, under CV.

    python scripts/screen_contrast.py [--data ../shared/data] [--cache /tmp/samestory-fit-static]
        [--encoder static|use] [--sets ecbplus_dev,meantime_dev,gva_dev]
        [--forms full,lead,summary,headline] [--C 1.0]

Every set and form is built as ``scripts/short_ceiling.py`` builds it (production's
stages up to scoring, under the encoder's own production config). The shipped event
model is kept as a fixed offset and two inputs are added to its log-odds, the contrast
``k`` (:func:`samestory.screens.contrast.slot_contrast`, capped at 2) and ``u·k`` (``u`` the
pair's shortness; ``--short-only``: ``u·k`` alone, so that long pairs score as shipped),
their weights fitted by the fit script's L2 logistic regression with
an offset (``fit_story_model.logistic_with_offset``) on the candidate pairs (copies
included) of every set and form. Under 5-fold cross-validation over topics
(``fit_story_model.topic_cv_ari``: every form of a topic in one fold; GVA's topics are
its incidents), each pair is scored by production's ``relate`` under the weights fitted
without its topics and grouped by production's ``group``. Prints each set and form's ARI
shipped and with the contrast (CV), and the weights fitted on everything. Writes nothing.
"""

from __future__ import annotations

import argparse
import dataclasses
import math
import sys
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import fit_story_model as fsm
import short_ceiling

from samestory import relate
from samestory.config import DEFAULT_CONFIG
from samestory.screens import contrast

CAP = 2
# The contrast of every measured pair, by the identity of its cues object (the scoring
# path hands the model only the cues; the screen keeps every DevSet alive meanwhile).
CONTRAST_OF: dict[int, float] = {}


class WithContrast:
    """A :class:`samestory.relate.StoryModel` with ``a·k + b·u·k`` added to its event
    log-odds; everything else is the wrapped model's."""

    def __init__(self, base: relate.StoryModel, a: float, b: float) -> None:
        self.base, self.a, self.b = base, a, b

    def __getattr__(self, name: str) -> Any:
        return getattr(self.base, name)

    def event_probability(self, cues: relate.EventCues) -> float:
        p = self.base.event_probability(cues)
        k = CONTRAST_OF.get(id(cues), 0.0)
        if k == 0.0:
            return p
        p = min(max(p, 1e-12), 1 - 1e-12)
        z = math.log(p / (1 - p)) + k * (self.a + self.b * cues.shortness)
        return 1.0 / (1.0 + math.exp(-z))


def pair_contrast(dev: fsm.DevSet, i: int, j: int) -> float:
    a, b = dev.features[i], dev.features[j]
    k = contrast.slot_contrast(a.sentences, b.sentences, a.entities, b.entities, a.lang, b.lang)
    return float(min(k, CAP))


def with_contrast_columns(dev: fsm.DevSet) -> fsm.DevSet:
    """``dev`` with ``k, u·k`` appended to its training rows, and every scored pair's
    contrast remembered for :class:`WithContrast`."""
    for (i, j), m in zip(dev.pairs, dev.measures, strict=True):
        CONTRAST_OF[id(m.cues)] = pair_contrast(dev, i, j)
    n = len(relate.CUE_NAMES)
    u = dev.cues[:, 2 * n]
    k = np.array([pair_contrast(dev, i, j) for i, j in dev.train_pairs])
    return dataclasses.replace(dev, cues=np.column_stack([dev.cues, k, u * k]))


def offset_of(x: np.ndarray, model: relate.StoryModel) -> np.ndarray:
    """The shipped model's event log-odds of design rows ``x`` (the first columns)."""
    n = len(relate.CUE_NAMES)
    nc = len(relate.CONFLICT_CUE_NAMES)
    return (
        model.event_bias
        + x[:, :n] @ np.array(model.event_weights)
        + x[:, 2 * n] * model.short_bias
        + x[:, n : 2 * n] @ np.array(model.short_weights)
        + x[:, 2 * n + 1 : 2 * n + 1 + nc] @ np.array(model.conflict_weights)
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    short_ceiling.add_set_arguments(parser)
    parser.add_argument("--C", type=float, default=1.0)
    parser.add_argument(
        "--short-only", action="store_true", help="fit u·k alone (k's own weight 0)"
    )
    args = parser.parse_args(argv)
    config = DEFAULT_CONFIG.replace(encoder=args.encoder)
    base = relate.STORY_MODEL
    sets = [with_contrast_columns(dev) for dev in short_ceiling.build_all(args, config)]

    def fit(x: np.ndarray, y: np.ndarray) -> Any:
        if args.short_only:  # u·k alone: a long pair scores as shipped
            theta = fsm.logistic_with_offset(x[:, -1:], y, offset_of(x, base), args.C)
            return WithContrast(base, 0.0, float(theta[0]))
        theta = fsm.logistic_with_offset(x[:, -2:], y, offset_of(x, base), args.C)
        return WithContrast(base, float(theta[0]), float(theta[1]))

    x = np.vstack([dev.cues for dev in sets])
    y = np.concatenate([dev.labels for dev in sets])
    whole = fit(x, y)
    print(f"weights on every set and form: k {whole.a:.3f}, u*k {whole.b:.3f}", flush=True)
    cv, models = fsm.topic_cv_ari(sets, fit)
    print("fold weights:", [(round(m.a, 3), round(m.b, 3)) for m in models])
    print("set:form  shipped  contrast (CV)")
    for dev in sets:
        shipped = dev.ari(dev.scores(base, config), config)
        print(f"{dev.name}  {shipped:.4f}  {cv[dev.name]:.4f}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
