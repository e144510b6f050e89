"""fit_story_model.py's conflict-part options: the cues left out keep the shipped weights
(``--keep-other-conflicts``) or weigh 0, and the per-topic ARIs under topic CV
(``--topic-aris``)."""

from __future__ import annotations

import sys
import types
from pathlib import Path

import numpy as np
import pytest
from sklearn.metrics import adjusted_rand_score

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))

import fit_story_model  # noqa: E402

from samestory import relate  # noqa: E402
from samestory.config import DEFAULT_CONFIG  # noqa: E402


def _design(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Full-length pairs' design rows whose labels follow the shipped log-odds minus a
    number conflict: a pair stating one number differently is less often one story."""
    rng = np.random.default_rng(seed)
    cues = [
        relate.EventCues(  # type: ignore[arg-type]
            *rng.uniform(0.0, 1.0, len(relate.CUE_NAMES)),
            shorter_words=400,
            longer_words=600,
            number_conflict=float(rng.integers(0, 2)),
            year_gap=float(rng.integers(0, 2)),
        )
        for _ in range(n)
    ]
    x = np.array([relate.event_design(c) for c in cues])
    logit = np.array([relate.STORY_MODEL.event_logit(c) for c in cues])
    logit -= 3.0 * x[:, 2 * len(relate.CUE_NAMES) + 1]  # the number conflict's column
    y = (rng.uniform(size=n) < 1.0 / (1.0 + np.exp(-logit))).astype(float)
    return x, y


def _weights(model: relate.StoryModel) -> dict[str, float]:
    return dict(zip(relate.CONFLICT_CUE_NAMES, model.conflict_weights, strict=True))


def test_the_conflict_cues_left_out_weigh_zero_or_keep_the_shipped_weights():
    x, y = _design(3000, seed=1)
    base = relate.STORY_MODEL
    shipped = _weights(base)["year_gap"]
    assert shipped < 0
    words = np.array([[400, 600]] * len(x))  # DevSet.words: (shorter, longer)
    alone = _weights(fit_story_model.fit_conflict_part(x, y, base, 1.0, ["number_conflict"], words))
    kept = _weights(
        fit_story_model.fit_conflict_part(
            x, y, base, 1.0, ["number_conflict"], words, keep_others=True
        )
    )
    assert alone["year_gap"] == 0.0
    assert kept["year_gap"] == shipped
    # The fitted cue finds the conflict the labels were drawn with, either way.
    assert alone["number_conflict"] < -1.5 and kept["number_conflict"] < -1.5


def test_topic_aris_score_each_topic_within_itself_and_the_set_as_a_whole():
    gold = ["a", "a", "b", "b", "c", "c", "d", "d"]
    topics = ["t1"] * 4 + ["t2"] * 4
    # t1 is found right; t2's two stories are merged into one.
    found = np.array([0, 0, 1, 1, 2, 2, 2, 2])
    stub = types.SimpleNamespace(
        gold=gold, topics=topics, grouping=lambda scores, config, copied=None: found
    )
    aris = fit_story_model.DevSet.topic_aris(stub, np.zeros(0), DEFAULT_CONFIG)  # type: ignore[arg-type]
    assert aris["t1"] == 1.0
    assert aris["t2"] == 0.0
    assert aris["all"] == pytest.approx(adjusted_rand_score(gold, found))
    assert 0.0 < aris["all"] < 1.0
