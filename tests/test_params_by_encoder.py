"""Fitted models by encoder: production scores a pair with the model fitted on the
features of the encoder in use (``story_model.ENCODER.json``), or USE's when none ships."""

from __future__ import annotations

import dataclasses
import json

import pytest

from samestory import api, params, relate
from samestory.config import DEFAULT_CONFIG
from samestory.errors import ParamsError
from samestory.features import featurize
from samestory.pipeline.score import score_pairs


@pytest.fixture(scope="module")
def pair(seed_articles):
    return featurize([seed_articles["003"], seed_articles["004"]])


@pytest.fixture
def fresh_models(monkeypatch):
    """An empty per-process model cache (restored after the test)."""
    monkeypatch.setattr(relate.model, "_STORY_MODELS", {"use": relate.STORY_MODEL})
    return relate.model._STORY_MODELS


def test_encoder_files_sit_beside_the_default_one():
    assert params.encoder_file("story_model.json", "static") == "story_model.static.json"
    assert params.for_encoder("story_model.json", "use")[0] == "story_model.json"


def test_an_encoder_without_its_own_file_falls_back_to_uses_and_says_so(fresh_models):
    name, why = params.for_encoder("story_model.json", "no-such-encoder")
    assert name == "story_model.json"
    assert "no story_model.no-such-encoder.json shipped" in why
    model = relate.story_model_for("no-such-encoder")
    assert model == relate.STORY_MODEL
    assert model.info["fitted_by"] == why


def test_each_shipped_model_was_fitted_on_its_encoders_features(fresh_models):
    for encoder in ("use", "static"):
        model = relate.story_model_for(encoder)
        name, why = params.for_encoder(params.STORY_MODEL_FILE, encoder)
        fitted_on = params.load(name).get("encoder", "use")
        assert fitted_on == (encoder if name != params.STORY_MODEL_FILE else "use")
        assert model.info["fitted_by"] == why
        # fitted_by says how a process loaded the file: it is not written back.
        assert "fitted_by" not in model.to_dict()


def test_a_file_fitted_on_another_encoder_is_a_clear_error(fresh_models, monkeypatch):
    data = relate.STORY_MODEL.to_dict()  # encoder "use"
    monkeypatch.setattr(params, "exists", lambda name: True)
    monkeypatch.setattr(params, "load", lambda name: json.loads(json.dumps(data)))
    with pytest.raises(ParamsError, match=r"story_model.static.json: fitted on 'use' features"):
        relate.story_model_for("static")


def _shifted(model: relate.StoryModel, by: float) -> relate.StoryModel:
    return dataclasses.replace(model, event_bias=model.event_bias + by)


def test_production_scores_with_the_model_of_the_encoder_in_use(pair, fresh_models):
    a, b = pair
    static = DEFAULT_CONFIG.replace(encoder="static")
    other = DEFAULT_CONFIG.replace(
        encoder="use" if DEFAULT_CONFIG.encoder == "static" else "static"
    )
    fresh_models[static.encoder] = _shifted(relate.STORY_MODEL, -6.0)
    fresh_models["use"] = relate.STORY_MODEL
    for config in (static, other):
        model = relate.story_model_for(config.encoder)
        expected = relate.relate(a, b, config, model)
        assert relate.relate(a, b, config) == expected
        assert relate.relate_against(a, [b], config) == [expected]
        assert relate.relate_to([a], b, config) == [expected]
        assert score_pairs([a, b], [(0, 1)], config.replace(workers=1)) == [expected]
        assert relate.pair_score(a, b, config).score == relate.pair_score(a, b, config, model).score
    # The shifted model really is the one read: the same pair scores lower under it.
    assert (
        relate.relate(a, b, static).score
        < relate.relate(a, b, DEFAULT_CONFIG.replace(encoder="use")).score
    )


def test_compare_scores_with_the_model_of_the_encoder_in_use(pair, fresh_models):
    a, b = pair
    # compare scores with the pair encoder (Config.for_pairs).
    static = DEFAULT_CONFIG.replace(pair_encoder="static")
    use = DEFAULT_CONFIG.replace(pair_encoder="use")
    fresh_models["static"] = _shifted(relate.STORY_MODEL, -6.0)
    story_static = api.compare_features(a, b, static).evidence.scores.get("story")
    story_use = api.compare_features(a, b, use).evidence.scores.get("story")
    assert story_static is not None and story_use is not None
    assert story_static < story_use
