"""The fits state the candidate screen their pairs passed: the thread model's ``--check``
reads ``min_keyword_cosine`` as an option (a file without it was fitted on unscreened
pairs), and its cache keeps each screen's pairs apart."""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))

import fit_thread_model

from samestory.config import DEFAULT_CONFIG


def test_a_file_without_the_screen_was_fitted_on_unscreened_pairs(thread_model_file: dict) -> None:
    MODEL = thread_model_file
    unscreened = {**MODEL, "min_keyword_cosine": 0.0}
    assert fit_thread_model.model_differences(MODEL, unscreened) == []
    screened = {**MODEL, "min_keyword_cosine": 0.02, "baseline": -3.6}
    assert fit_thread_model.model_differences(MODEL, screened) == [
        "min_keyword_cosine: 0.0 -> 0.02"
    ]


def test_the_fit_config_is_production_s_with_the_screen_given():
    config = fit_thread_model.fit_config("use", 0.0)
    assert config.min_keyword_cosine == 0.0 and config.encoder == "use"
    assert config.workers == 1
    assert (
        fit_thread_model.fit_config("static", DEFAULT_CONFIG.min_keyword_cosine).replace(
            workers=DEFAULT_CONFIG.workers, encoder=DEFAULT_CONFIG.encoder
        )
        == DEFAULT_CONFIG
    )


def test_the_shipped_thread_model_states_its_screen():
    # Fitted on production's (screened) pairs since it reads the latest-year gap (the
    # file before it: unscreened, 0.0).
    shipped = json.loads(fit_thread_model.OUT.read_text(encoding="utf-8"))
    assert shipped["min_keyword_cosine"] == DEFAULT_CONFIG.min_keyword_cosine
