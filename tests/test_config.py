"""The one configuration object: defaults and validation."""

from __future__ import annotations

import pytest

from samestory.config import DEFAULT_CONFIG, ENCODERS, Config


def test_defaults_are_documented_values():
    assert DEFAULT_CONFIG.encoder == "use"
    assert DEFAULT_CONFIG.attach_threshold is not None
    assert DEFAULT_CONFIG.attach_threshold < DEFAULT_CONFIG.same_story_threshold


@pytest.mark.parametrize("name", ENCODERS)
def test_known_encoders_are_accepted(name):
    assert Config(encoder=name).encoder == name


def test_unknown_encoder_is_a_clear_error():
    with pytest.raises(ValueError, match="encoder must be one of use, static"):
        DEFAULT_CONFIG.replace(encoder="bert")


def test_negative_workers_is_a_clear_error():
    assert Config().workers == 0  # one scoring process per CPU
    with pytest.raises(ValueError, match="workers must be >= 0"):
        Config(workers=-1)
