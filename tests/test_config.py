"""The one configuration object: defaults and validation."""

from __future__ import annotations

import dataclasses
import logging

import pytest

from samestory import config as config_module
from samestory.config import DEFAULT_CONFIG, ENCODERS, Config
from samestory.errors import ConfigError


def test_defaults_are_documented_values():
    assert DEFAULT_CONFIG.encoder == "static"
    assert DEFAULT_CONFIG.pair_encoder == "use"
    assert DEFAULT_CONFIG.for_pairs().encoder == "use"
    assert DEFAULT_CONFIG.attach_threshold is not None
    assert DEFAULT_CONFIG.attach_threshold < DEFAULT_CONFIG.same_story_threshold


@pytest.mark.parametrize("name", ENCODERS)
def test_known_encoders_are_accepted(name):
    assert Config(encoder=name).encoder == name


def test_unknown_encoder_is_a_clear_error():
    with pytest.raises(ValueError, match="encoder must be one of use, static"):
        DEFAULT_CONFIG.replace(encoder="bert")


def test_pairs_run_with_the_pair_encoder_when_one_is_set():
    split = Config(encoder="static", pair_encoder="use")
    assert split.for_pairs() == split.replace(encoder="use")
    assert split.for_pairs().for_pairs() == split.for_pairs()
    unset = Config(encoder="static", pair_encoder=None)  # None: the encoder
    assert unset.for_pairs() is unset
    same = Config(encoder="static", pair_encoder="static")
    assert same.for_pairs() is same


def test_negative_workers_is_a_clear_error():
    assert Config().workers == 0  # one scoring process per CPU
    with pytest.raises(ValueError, match="workers must be >= 0"):
        Config(workers=-1)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"same_story_threshold": 7}, r"same_story_threshold must be in \(0, 1\]; got 7"),
        ({"same_story_threshold": 0}, r"same_story_threshold must be in \(0, 1\]"),
        ({"attach_threshold": 0.5}, "attach_threshold must be <= same_story_threshold"),
        ({"lsh_threshold": float("nan")}, "lsh_threshold must be a number"),
        ({"ann_neighbours": 0}, "ann_neighbours must be >= 1"),
        ({"num_perm": True}, "num_perm must be an integer"),
        ({"max_sentences": 2.5}, "max_sentences must be an integer"),
        ({"ann_min_cosine": -2}, r"ann_min_cosine must be in \[-1, 1\]"),
        ({"near_duplicate_jaccard": "0.6"}, "near_duplicate_jaccard must be a number"),
        ({"regroup_limit": 0}, "regroup_limit must be >= 1"),
        ({"bulk_load_min": 1.5}, "bulk_load_min must be an integer"),
        ({"pair_encoder": "bert"}, "pair_encoder must be one of use, static"),
    ],
)
def test_every_field_is_validated_with_a_named_error(changes, message):
    with pytest.raises(ConfigError, match=message):
        DEFAULT_CONFIG.replace(**changes)


def test_every_field_has_a_rule():
    assert {f.name for f in dataclasses.fields(Config)} == set(config_module._RULES)


def test_attach_threshold_may_be_off_or_equal_to_the_threshold():
    assert Config(attach_threshold=None).attach_threshold is None
    assert Config(attach_threshold=0.4, same_story_threshold=0.4).attach_threshold == 0.4


def test_from_dict_takes_older_and_newer_stored_configs(caplog):
    stored = {**DEFAULT_CONFIG.to_dict(), "same_story_threshold": 0.45, "retired_knob": 3}
    del stored["seed"]  # a field this version added
    with caplog.at_level(logging.WARNING, logger="samestory"):
        config = Config.from_dict(stored, source="store.db")
    assert config == DEFAULT_CONFIG.replace(same_story_threshold=0.45)
    assert "store.db: ignoring unknown config keys retired_knob" in caplog.text


def test_from_dict_rejects_bad_values():
    with pytest.raises(ConfigError, match="workers must be >= 0"):
        Config.from_dict({"workers": -3})
