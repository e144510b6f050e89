"""``short_calibration.Runs.choose``: the grid's best point by mean ARI in sample, and for
each topic fold the best point on the other folds' articles (the fits' CV rule)."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))

import fit_story_model as fsm  # noqa: E402
import short_calibration  # noqa: E402


class TableRuns(short_calibration.Runs):
    """Runs whose ARIs are a table by point: whole[set] and off_fold[set, fold]."""

    def __init__(self, table: dict[float, tuple[np.ndarray, np.ndarray]]) -> None:
        self.table = table
        self.cv_asked: list[list[float]] = []

    def ari(self, params: dict[str, float]) -> tuple[np.ndarray, np.ndarray]:
        return self.table[params["x"]]

    def cv(self, choices: list[dict[str, float]]) -> list[float]:  # type: ignore[override]
        self.cv_asked.append([p["x"] for p in choices])
        return [0.5, 0.5]


def test_choose_takes_the_best_mean_in_sample_and_per_fold() -> None:
    folds = fsm.TOPIC_FOLDS
    off_a = np.full((2, folds), 0.6)
    off_b = np.full((2, folds), 0.5)
    off_b[:, 0] = 0.9  # point b wins only off fold 0
    runs = TableRuns({1.0: (np.array([0.7, 0.7]), off_a), 2.0: (np.array([0.6, 0.6]), off_b)})
    grid, chosen, fold_points, in_sample, cv = runs.choose(
        [{"x": 1.0}, {"x": 2.0}], key=lambda p: f"{p['x']:g}", label="test"
    )
    assert grid == {"1": 0.7, "2": 0.6}
    assert chosen == {"x": 1.0}
    assert [p["x"] for p in fold_points] == [2.0] + [1.0] * (folds - 1)
    assert list(in_sample) == [0.7, 0.7]
    assert runs.cv_asked == [[2.0] + [1.0] * (folds - 1)] and cv == [0.5, 0.5]


def test_shipped_short_part_reads_back_the_shipped_model() -> None:
    from samestory import relate

    point = short_calibration.shipped_short_part()
    assert short_calibration.short_part(point) == relate.STORY_MODEL
    assert short_calibration.s_key(point) == "20/0/2/both"


def test_fold_seed_deals_the_same_topics_afresh() -> None:
    from types import SimpleNamespace

    sets = [SimpleNamespace(topics=[f"t{k}" for k in range(29)])]
    seed0 = fsm.fold_of_topics(sets)  # type: ignore[arg-type]
    topics = sorted(seed0)
    order = np.random.RandomState(0).permutation(len(topics))
    assert seed0 == {t: order[k] % fsm.TOPIC_FOLDS for k, t in enumerate(topics)}
    fresh = fsm.fold_of_topics(sets, 100)  # type: ignore[arg-type]
    assert set(fresh) == set(seed0) and fresh != seed0
    assert sorted(set(fresh.values())) == list(range(fsm.TOPIC_FOLDS))
