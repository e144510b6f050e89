"""``benchmarks/short_floor_cv.py`` and ``headline_splits.py``'s option parts: the
floor-off base, the rows minus another option's, and ``to:N``'s reach."""

from __future__ import annotations

import sys
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

import headline_splits  # noqa: E402
import short_floor_cv  # noqa: E402

from samestory.config import DEFAULT_CONFIG  # noqa: E402


def _text(angle: float, n_words: int) -> SimpleNamespace:
    vector = np.array([np.cos(angle), np.sin(angle), 0.0], np.float16)
    return SimpleNamespace(vector=vector, n_words=n_words)


def test_to_keeps_a_neighbour_under_the_floor_only_when_it_is_short() -> None:
    config = DEFAULT_CONFIG  # ann_min_cosine 0.35
    short = _text(0.0, 8)
    below = np.arccos(0.30)  # under production's floor, over the short floor
    above = np.arccos(0.50)
    assert headline_splits.reached(short, _text(below, 12), config, 25)
    assert not headline_splits.reached(short, _text(below, 40), config, 25)
    assert headline_splits.reached(short, _text(above, 40), config, 25)
    assert not headline_splits.reached(short, _text(below, 25), config, 25)


def test_the_floor_off_base_and_rows_minus_another_option() -> None:
    assert short_floor_cv.floor_off(DEFAULT_CONFIG).short_text_ann_min_cosine is None
    assert short_floor_cv.floor_off(DEFAULT_CONFIG).ann_min_cosine == DEFAULT_CONFIG.ann_min_cosine
    rows = {"ecbplus_dev:lead": (0.8149, 0.7976)}
    other = {"ecbplus_dev:lead": (0.8124, 0.7952)}
    assert short_floor_cv.minus(rows, other) == {"ecbplus_dev:lead": [0.0025, 0.0024]}


def test_against_must_name_an_option() -> None:
    with pytest.raises(SystemExit):
        short_floor_cv.main(["--options", "floor:0.2", "--against", "floor:0.3"])
