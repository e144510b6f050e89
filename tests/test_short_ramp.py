"""The event model's short part shaped by length (``StoryModel.short_ramp``): none on a
headline, full on a lead; inert without a ramp; the column path equal to the object path."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from samestory import lexical, relate
from samestory.config import DEFAULT_CONFIG
from samestory.errors import ParamsError
from samestory.evaluate import make_short_variants
from samestory.features import featurize
from samestory.models import Article
from samestory.overlap import shingle_overlap
from samestory.pairsims import summarise_against

CONFIG = DEFAULT_CONFIG.replace(workers=1)


def _with_short_part(ramp: list[float] | None) -> relate.StoryModel:
    data = relate.STORY_MODEL.to_dict()
    data["event_model"]["short"] = {
        "bias": 2.0,
        "weights": {name: -0.5 for name in relate.CUE_NAMES},
        **({} if ramp is None else {"ramp": ramp}),
    }
    return relate.StoryModel.from_dict(data)


def _no_short_part() -> relate.StoryModel:
    # The shipped model's long part with no short part (whatever the file ships).
    data = relate.STORY_MODEL.to_dict()
    data["event_model"]["short"] = {"bias": 0.0, "weights": {}}
    return relate.StoryModel.from_dict(data)


def _cues(words: int) -> relate.EventCues:
    x = {"doc_cosine": 0.8, "lexical_cosine": 0.4, "number_jaccard": 0.5}
    return relate.EventCues(**{**dict.fromkeys(relate.CUE_NAMES, 0.0), **x}, shorter_words=words)


def test_the_ramp_takes_the_short_part_off_headlines_only():
    uniform, ramped = _with_short_part(None), _with_short_part([25, 35])
    assert relate.StoryModel.from_dict(ramped.to_dict()) == ramped
    assert ramped.short_ramp == (25.0, 35.0) and uniform.short_ramp is None
    assert "ramp" not in uniform.to_dict()["event_model"]["short"]
    none = _no_short_part()
    # A 12-word headline: the long model alone; a 45-word lead: the whole short part.
    assert ramped.event_logit(_cues(12)) == none.event_logit(_cues(12))
    assert uniform.event_logit(_cues(12)) != none.event_logit(_cues(12))
    assert ramped.event_logit(_cues(45)) == uniform.event_logit(_cues(45))
    # Between the knots, the part in proportion: 30 words, half of it.
    half = (uniform.event_logit(_cues(30)) - none.event_logit(_cues(30))) / 2
    assert ramped.event_logit(_cues(30)) == pytest.approx(none.event_logit(_cues(30)) + half)
    assert ramped.short_strength(30, 0.8) == pytest.approx(0.4)
    # Only the short part reads the ramp: the date gate keeps the pair's shortness.
    assert ramped.text_date_factor(relate.shortness(12), 60) == uniform.text_date_factor(
        relate.shortness(12), 60
    )


def _with_both(ramp: list[float] | None) -> relate.StoryModel:
    data = _with_short_part(ramp).to_dict()
    data["event_model"]["short"]["both"] = True
    return relate.StoryModel.from_dict(data)


def test_both_weighs_the_part_by_the_longer_texts_shortness_too():
    both, uniform, none = _with_both([20, 30]), _with_short_part([20, 30]), _no_short_part()
    assert relate.StoryModel.from_dict(both.to_dict()) == both and both.short_both
    assert "both" not in uniform.to_dict()["event_model"]["short"]
    lead_pair = dataclasses.replace(_cues(45), longer_words=50)
    lead_article = dataclasses.replace(_cues(45), longer_words=400)
    part = uniform.event_logit(lead_pair) - none.event_logit(lead_pair)
    got = both.event_logit(lead_pair) - none.event_logit(lead_pair)
    assert got == pytest.approx(part * relate.shortness(50))
    # A lead against a long article: the long part alone (to the last bits it leaves).
    assert both.event_logit(lead_article) == pytest.approx(none.event_logit(lead_article))
    assert uniform.event_logit(lead_article) != pytest.approx(none.event_logit(lead_article))
    # EventCues' default: the longer text unknown reads as long.
    assert both.event_logit(_cues(45)) == pytest.approx(none.event_logit(_cues(45)))


def test_the_upper_fall_keeps_the_part_to_two_texts_of_a_leads_length():
    data = _with_short_part([20, 30]).to_dict()
    data["event_model"]["short"]["upper"] = [60, 70]
    upper, uniform, none = (
        relate.StoryModel.from_dict(data),
        _with_short_part([20, 30]),
        _no_short_part(),
    )
    assert relate.StoryModel.from_dict(upper.to_dict()) == upper
    assert (
        upper.short_upper == (60.0, 70.0)
        and "upper" not in uniform.to_dict()["event_model"]["short"]
    )
    two_leads = dataclasses.replace(_cues(45), longer_words=55)
    half_way = dataclasses.replace(_cues(45), longer_words=65)
    lead_article = dataclasses.replace(_cues(45), longer_words=95)
    assert upper.event_logit(two_leads) == uniform.event_logit(two_leads)
    part = uniform.event_logit(half_way) - none.event_logit(half_way)
    assert upper.event_logit(half_way) == pytest.approx(none.event_logit(half_way) + part / 2)
    assert upper.event_logit(lead_article) == none.event_logit(lead_article)
    data["event_model"]["short"]["upper"] = [70, 60]
    with pytest.raises(ParamsError):
        relate.StoryModel.from_dict(data)


def test_a_ramp_needs_increasing_knots():
    data = _with_short_part([25, 35]).to_dict()
    data["event_model"]["short"]["ramp"] = [35, 25]
    with pytest.raises(ParamsError):
        relate.StoryModel.from_dict(data)


def test_the_shipped_file_has_no_ramp_or_a_valid_one():
    ramp = relate.STORY_MODEL.short_ramp
    assert ramp is None or ramp[0] < ramp[1]


@pytest.fixture(scope="module")
def short_features(ecb_records):
    # Headlines and leads (8-60 words): the ramp's range, on both sides of its knots.
    records = ecb_records[:20]
    texts = make_short_variants(records, "headline") + make_short_variants(records, "lead")
    return featurize(
        [Article(id=f"{k}", text=r["text"], lang=r.get("lang")) for k, r in enumerate(texts)]
    )


def test_the_column_path_reads_the_ramp_as_the_object_path(short_features):
    model = _with_both([20, 30])
    words = sorted(f.n_words for f in short_features)
    assert words[0] < 20 and words[-1] > 30  # both sides of the knots
    weak_pairs = 0
    for a in short_features[::4]:
        others = [b for b in short_features if b is not a]
        summaries = summarise_against(
            a.sentence_vectors,
            [b.sentence_vectors for b in others],
            relate._close_thresholds(CONFIG),
        )
        cosines = lexical.cosines_against(a.terms, [b.terms for b in others])
        overlaps = [shingle_overlap(a, b) for b in others]
        columns = relate.measure_columns(a, others, summaries, cosines, overlaps)
        scores, weak = relate._score_all(columns.measures(range(len(others))), model, CONFIG)
        got = relate._weak_relations([(a, b) for b in others], columns, model, CONFIG)
        for b, ps, is_weak, relation in zip(others, scores, weak, got, strict=True):
            assert (relation is not None) == is_weak
            if relation is not None:
                weak_pairs += 1
                assert repr(relation) == repr(relate.weak_relation(a, b, ps))
    assert weak_pairs
    assert np.isfinite(model.short_bias)
