"""Pair scoring: the date gate depends on where the dates come from; the graded scale."""

from __future__ import annotations

import dataclasses
import datetime as dt

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from samestory import params, relate
from samestory.config import DEFAULT_CONFIG
from samestory.errors import ParamsError
from samestory.features import featurize
from samestory.models import Article, RelationKind


@pytest.fixture(scope="module")
def same_event_pair(seed_articles):
    return featurize([seed_articles["003"], seed_articles["004"]])


def _dated(features, day: dt.date, from_text: bool):
    return dataclasses.replace(features, date=day, date_from_text=from_text)


def test_close_dates_do_not_change_the_score(same_event_pair):
    a, b = same_event_pair
    undated = relate.pair_score(a, b).score
    a2 = _dated(a, dt.date(2025, 8, 6), from_text=False)
    b2 = _dated(b, dt.date(2025, 8, 7), from_text=False)
    assert relate.pair_score(a2, b2).score == pytest.approx(undated)


def test_published_dates_far_apart_cut_below_the_threshold(same_event_pair):
    a, b = same_event_pair
    a2 = _dated(a, dt.date(2025, 8, 6), from_text=False)
    b2 = _dated(b, dt.date(2025, 10, 23), from_text=False)
    score = relate.pair_score(a2, b2)
    assert score.date_gap == 78
    assert score.score < DEFAULT_CONFIG.same_story_threshold


def test_dates_read_from_text_gate_more_softly(same_event_pair):
    # A date found in the text may be that of an earlier event the article mentions.
    a, b = same_event_pair
    undated = relate.pair_score(a, b).score
    a2 = _dated(a, dt.date(2025, 8, 6), from_text=True)
    b2 = _dated(b, dt.date(2025, 10, 23), from_text=False)
    factor = relate.STORY_MODEL.text_date_factor_long
    assert factor > relate.PUBLISHED_DATE_GAP_FACTOR
    assert relate.pair_score(a2, b2).score == pytest.approx(undated * factor, rel=1e-3)


cue_values = st.floats(-1.0, 1.0, allow_nan=False)


def _cues(**values: float) -> relate.EventCues:
    base = dict.fromkeys(relate.CUE_NAMES, 0.0)
    return relate.EventCues(**{**base, **values})


@given(
    st.sampled_from(sorted(relate.GRADED_SHAPES)),
    cue_values,
    cue_values,
    st.fixed_dictionaries({name: cue_values for name in relate.GRADED_SHAPES}),
)
def test_graded_similarity_is_monotone_in_each_cue(name, x, y, others):
    low, high = sorted((x, y))
    at_low = relate.graded_similarity(_cues(**{**others, name: low}))
    at_high = relate.graded_similarity(_cues(**{**others, name: high}))
    assert 0.0 <= at_low <= at_high <= 1.0


@given(st.sampled_from(sorted(relate.GRADED_SHAPES)), st.floats(-2.0, 2.0))
def test_piecewise_linear_matches_numpy_interp(name, x):
    knots, values = relate.GRADED_SHAPES[name]
    assert relate._piecewise_linear(x, knots, values) == pytest.approx(
        float(np.interp(x, knots, values)), abs=1e-12
    )


def test_graded_similarity_ranks_the_seed_rewrites_above_different_stories(seed_articles):
    versions = featurize([seed_articles[k] for k in ("001", "002", "003")])
    same = relate.pair_score(versions[0], versions[1]).similarity
    different = relate.pair_score(versions[0], versions[2]).similarity
    assert same > different


def test_the_shipped_model_names_every_cue_once():
    data = params.load(params.STORY_MODEL_FILE)
    assert set(data["event_model"]["weights"]) == set(relate.CUE_NAMES)
    assert relate.StoryModel.from_dict(relate.STORY_MODEL.to_dict()) == relate.STORY_MODEL
    assert data["event_model"]["fitted_on"]["cv"]["ari_topic_cv"]["ecbplus_dev"] > 0.8


def test_a_model_file_with_other_cues_is_a_clear_error():
    data = relate.STORY_MODEL.to_dict()
    weights = data["event_model"]["weights"]
    weights["dateline_match"] = weights.pop("number_jaccard")
    expected = r"missing \['number_jaccard'\], unknown \['dateline_match'\]"
    with pytest.raises(ParamsError, match=expected):
        relate.StoryModel.from_dict(data, "story_model.json")


def _with(data: dict, *path_and_value: object) -> dict:
    """``data`` with the value at ``path`` set (``...``: deleted)."""
    *path, last, value = path_and_value
    here = data
    for key in path:
        here = here[key]
    if value is ...:
        del here[last]
    else:
        here[last] = value
    return data


@pytest.mark.parametrize(
    ("path_and_value", "expected"),
    [
        (("event_model", "bias", ...), r"story_model.json: malformed \(KeyError: 'bias'\)"),
        (("event_model", "weights", "number_jaccard", "high"), r"malformed \(ValueError"),
        (("graded_model", "shapes", "no_such_cue", {"knots": [0], "values": [0]}), r"no_such_cue"),
        (("graded_model", "shapes", "doc_cosine", {"knots": [1, 0], "values": [0, 1]}), "knots"),
        (("graded_model", "shapes", "doc_cosine", {"knots": [0, 1], "values": [0]}), "knots"),
        (("event_model", "short", {"ramp": [20, 10]}), "ramp needs low < high"),
        (("event_model", "short", {"upper": [60, 60]}), "upper fall needs low < high"),
        (("event_model", "date_gate", "far_days", "soon"), r"malformed \(ValueError"),
    ],
)
def test_a_malformed_model_file_names_its_fault(path_and_value, expected):
    data = _with(relate.STORY_MODEL.to_dict(), *path_and_value)
    with pytest.raises(ParamsError, match=expected):
        relate.StoryModel.from_dict(data, "story_model.json")


def test_a_date_gate_without_far_factors_uses_the_text_factors_beyond_far_days():
    data = relate.STORY_MODEL.to_dict()
    data["event_model"]["date_gate"] = {"text_long": 0.7, "text_short": 0.2, "far_days": 30}
    model = relate.StoryModel.from_dict(data)
    assert (model.text_date_factor_far, model.text_date_factor_far_short) == (0.7, 0.2)
    assert model.text_date_factor(0.5, gap=90) == model.text_date_factor(0.5, gap=10)
    assert model.text_date_factor(0.5, gap=10) == pytest.approx(0.45)
    assert model.near_gap_days is None and model.near_date_factor(1.0, 20) == 1.0


def test_another_model_changes_the_scores_it_is_given_to():
    a, b = featurize(
        [
            Article(id="a", text="The bridge closed on Monday after a crack was found."),
            Article(id="b", text="Engineers found a crack, and the bridge was shut on Monday."),
        ]
    )
    stricter = dataclasses.replace(relate.STORY_MODEL, event_bias=relate.STORY_MODEL.event_bias - 5)
    assert (
        relate.pair_score(a, b, model=stricter).event_probability
        < relate.pair_score(a, b).event_probability
    )


def test_shortness_falls_with_the_shorter_texts_length():
    assert relate.shortness(10) > 0.95 > relate.shortness(40) > 0.8
    assert relate.shortness(relate.SHORT_TEXT_WORDS) == pytest.approx(0.5)
    assert relate.shortness(240) < 1e-3 and relate.shortness(10**6) == 0.0


def test_the_short_part_weighs_on_short_texts_only():
    data = relate.STORY_MODEL.to_dict()
    data["event_model"]["short"] = {
        "bias": -2.0,
        "weights": {name: -1.0 for name in relate.CUE_NAMES},
    }
    model = relate.StoryModel.from_dict(data)
    assert relate.StoryModel.from_dict(model.to_dict()) == model
    x = {"doc_cosine": 0.8, "lexical_cosine": 0.4, "number_jaccard": 0.5}
    long_pair = relate.EventCues(**{**dict.fromkeys(relate.CUE_NAMES, 0.0), **x})
    short_pair = dataclasses.replace(long_pair, shorter_words=12)
    assert model.event_logit(long_pair) == pytest.approx(relate.STORY_MODEL.event_logit(long_pair))
    shift = relate.shortness(12) * (-2.0 - sum(x.values()))
    assert model.event_logit(short_pair) == pytest.approx(
        relate.STORY_MODEL.event_logit(short_pair) + shift
    )
    # The design row: cues, shortness x cues, shortness, then the disagreement cues.
    design = relate.event_design(short_pair)
    assert design[2 * len(relate.CUE_NAMES)] == pytest.approx(relate.shortness(12))
    assert len(design) == 2 * len(relate.CUE_NAMES) + 1 + len(relate.CONFLICT_CUE_NAMES)
    bad = relate.STORY_MODEL.to_dict()
    bad["event_model"]["short"] = {"weights": {"unknown": 1.0}}
    with pytest.raises(ParamsError):
        relate.StoryModel.from_dict(bad)


def test_a_text_date_gap_cuts_short_texts_as_hard_as_published_dates(same_event_pair):
    # A short text's cues are weak evidence: a dated gap is not outweighed by them.
    a, b = same_event_pair
    a2 = _dated(a, dt.date(2025, 8, 6), from_text=True)
    b2 = _dated(b, dt.date(2025, 10, 23), from_text=False)
    long_factor = relate.date_gap_factor(a2, b2, 78)
    assert long_factor == pytest.approx(relate.STORY_MODEL.text_date_factor_long, abs=1e-4)
    short = dataclasses.replace(a2, n_words=12)
    short_factor = relate.date_gap_factor(short, b2, 78)
    assert short_factor <= relate.PUBLISHED_DATE_GAP_FACTOR + 0.01
    assert short_factor == pytest.approx(
        relate.STORY_MODEL.text_date_factor(relate.shortness(12)), abs=1e-9
    )
    # Under a month is not the text-date gate's (the near step is scoring's).
    assert relate.date_gap_factor(short, b2, 20) == 1.0


ORDER_ATOL = 1e-7


def test_cues_do_not_depend_on_the_order_of_the_pair(seed_articles):
    # Two texts of equally many sentences (soft coverage and the rewrite share read the
    # shorter text's sentences: on a tie, both sides), and two languages (the names'
    # specificity is weighed under each one's word frequencies).
    first = (
        "Angela Merkel met Emmanuel Macron in Berlin on Monday. "
        "Merkel and Macron met in Berlin to talk. Rain fell over Hamburg."
    )
    second = (
        "Angela Merkel hat Emmanuel Macron am Montag in Berlin getroffen. "
        "Die Börse in Frankfurt fiel stark. Fans von Bayern München feierten den Titel."
    )
    a, b = featurize(
        [Article(id="a", text=first, lang="en"), Article(id="b", text=second, lang="de")]
    )
    assert len(a.sentences) == len(b.sentences)
    ab, ba = relate.pair_score(a, b), relate.pair_score(b, a)
    # To float rounding, not bit for bit: a x b^T and b x a^T go through BLAS in other
    # orders (seen: 6e-10 on a score; docs/design.md, "Floating point"). A cue read on one
    # side only would differ by far more.
    assert ab.cues.vector() == pytest.approx(ba.cues.vector(), abs=ORDER_ATOL)
    assert ab.score == pytest.approx(ba.score, abs=ORDER_ATOL)
    x, y = featurize([seed_articles["003"], seed_articles["004"]])
    assert relate.pair_score(x, y).score == pytest.approx(
        relate.pair_score(y, x).score, abs=ORDER_ATOL
    )


def test_the_text_date_gate_is_the_models(same_event_pair):
    # The factor for a gap read from the text is a fitted parameter of the story model
    # (scripts/fit_story_model.py --date-gate-only), read from and written to its JSON.
    a, b = same_event_pair
    undated = relate.pair_score(a, b).score
    a2 = _dated(a, dt.date(2025, 8, 6), from_text=True)
    b2 = _dated(b, dt.date(2025, 10, 23), from_text=False)
    data = relate.STORY_MODEL.to_dict()
    data["event_model"]["date_gate"].update(text_long=0.2, text_short=0.1)
    model = relate.StoryModel.from_dict(data)
    assert (model.text_date_factor(0.0), model.text_date_factor(1.0)) == (0.2, 0.1)
    assert relate.pair_score(a2, b2, model=model).score == pytest.approx(undated * 0.2)
    published = _dated(a, dt.date(2025, 8, 6), from_text=False)
    assert relate.pair_score(published, b2, model=model).score == pytest.approx(
        undated * relate.PUBLISHED_DATE_GAP_FACTOR
    )
    del data["event_model"]["date_gate"]  # files without it keep the former factors
    assert relate.StoryModel.from_dict(data).text_date_factor(0.0) == relate.DATE_GAP_FACTOR


def _with_near_step(days: int, long: float, short: float) -> relate.StoryModel:
    data = relate.STORY_MODEL.to_dict()
    data["event_model"]["date_gate"].update(near_days=days, near_long=long, near_short=short)
    return relate.StoryModel.from_dict(data)


def test_without_a_near_step_gaps_under_a_month_do_not_cut(same_event_pair):
    a, b = same_event_pair
    a2, b2 = _dated(a, dt.date(2025, 8, 1), True), _dated(b, dt.date(2025, 8, 21), True)
    short = dataclasses.replace(a2, n_words=12)
    data = relate.STORY_MODEL.to_dict()
    data["event_model"]["date_gate"].pop("near_days", None)  # files without it: no step
    model = relate.StoryModel.from_dict(data)
    assert model.near_gap_days is None
    assert relate.date_gap_factor(short, b2, 20, model=model) == 1.0
    assert relate.pair_score(short, b2, model=model).score == pytest.approx(
        relate.pair_score(dataclasses.replace(short, date=None), b2, model=model).score
    )


def test_a_near_step_cuts_short_pairs_days_apart_and_long_ones_less(same_event_pair):
    # A lead carries its event's date: two short texts a week apart are two events more
    # often than their weak cues say; two long reports a week apart may be follow-ups.
    a, b = same_event_pair
    model = _with_near_step(3, 0.9, 0.3)
    assert relate.StoryModel.from_dict(model.to_dict()) == model
    a2, b2 = _dated(a, dt.date(2025, 8, 1), True), _dated(b, dt.date(2025, 8, 11), False)
    short = dataclasses.replace(a2, n_words=12)
    u = relate.shortness(12)

    def factor(x, y) -> float:  # the score's cut for the pair's dates, under the model
        undated = relate.pair_score(
            dataclasses.replace(x, date=None, written_date=None), y, model=model
        ).score
        return relate.pair_score(x, y, model=model).score / undated

    assert factor(short, b2) == pytest.approx(0.9 - 0.6 * u, rel=1e-6)
    long_factor = factor(a2, b2)
    assert long_factor == pytest.approx(
        0.9 - 0.6 * relate.shortness(min(a.n_words, b.n_words)), rel=1e-6
    )
    assert long_factor > factor(short, b2)
    within = _dated(b, dt.date(2025, 8, 4), False)  # 3 days: within the near days
    assert factor(short, within) == pytest.approx(1.0)
    # Far gaps keep the far gate.
    assert relate.date_gap_factor(short, b2, 78, model=model) == pytest.approx(
        relate.STORY_MODEL.text_date_factor(u, 78)
    )
    # The measured factor (an input of compare's pair model) is not the near step's;
    # scoring a measured pair under the model applies it (the fit script rescores).
    measured = relate.measure_pair(short, b2)
    assert (measured.date_gap, measured.date_factor) == (10, 1.0)
    scored = relate.score_measures(measured, model)
    assert scored.score == pytest.approx(relate.pair_score(short, b2, model=model).score)
    assert relate.score_measures_all([measured], model)[0].score == scored.score


@given(
    st.floats(0.0, 1.0),
    st.floats(0.0, 1.0),
    st.floats(0.0, 1.0),
    st.floats(0.0, 1.0),
    st.integers(0, 30),
)
def test_the_near_factor_lies_between_its_factors_and_falls_with_shortness(long, short, u, v, gap):
    long, short = max(long, short), min(long, short)
    model = dataclasses.replace(
        relate.STORY_MODEL, near_gap_days=5, near_gap_factor_long=long, near_gap_factor_short=short
    )
    f = model.near_date_factor(u, gap)
    if gap <= 5:
        assert f == 1.0
    else:
        assert short - 1e-12 <= f <= long + 1e-12
        shorter, longer = max(u, v), min(u, v)  # shortness, so the larger u is the shorter
        assert model.near_date_factor(shorter, gap) <= model.near_date_factor(longer, gap) + 1e-12


def test_shared_specific_names_raise_the_graded_similarity():
    # Names are one of the graded model's cues (SemEval CV Pearson 0.728 -> 0.733): two
    # pairs alike in meaning, one naming the same people and places, rank apart.
    semantic = {"doc_cosine": 0.55, "best_sentence": 0.5, "top3_sentences": 0.45}
    apart = relate.graded_similarity(_cues(**semantic, entity_specific_jaccard=0.0))
    named = relate.graded_similarity(_cues(**semantic, entity_specific_jaccard=0.5))
    assert named > apart


def test_a_far_step_cuts_text_gaps_of_months_harder(same_event_pair):
    # Beyond far_days a gap read from the text gates with the far factors (long and
    # short); nearer gaps keep the near ones.
    a, b = same_event_pair
    a2 = _dated(a, dt.date(2025, 1, 6), from_text=True)
    near, far = (
        _dated(b, day, from_text=False) for day in (dt.date(2025, 3, 6), dt.date(2025, 10, 23))
    )
    data = relate.STORY_MODEL.to_dict()
    data["event_model"]["date_gate"].update(
        text_long=0.5, text_short=0.35, far_days=180, text_far=0.3, text_far_short=0.1
    )
    model = relate.StoryModel.from_dict(data)
    assert relate.StoryModel.from_dict(model.to_dict()) == model
    assert relate.date_gap_factor(a2, near, 59, model=model) == pytest.approx(0.5, abs=1e-4)
    assert relate.date_gap_factor(a2, far, 290, model=model) == pytest.approx(0.3, abs=1e-4)
    assert (model.text_date_factor(1.0, 59), model.text_date_factor(1.0, 290)) == (0.35, 0.1)
    undated = relate.pair_score(a, b, model=model).score
    assert relate.pair_score(a2, far, model=model).score == pytest.approx(undated * 0.3, rel=1e-3)
    assert relate.pair_score(a2, near, model=model).score == pytest.approx(undated * 0.5, rel=1e-3)


def test_the_lead_cue_reads_the_headline_and_lead_only():
    # lead_sentences: best cosine between each text's first two sentences. The same
    # sentence in both leads reads ~1; moved to the end of one text, only best_sentence
    # still sees it. The event model does not read it (not in CUE_NAMES).
    same = "A storm flooded the harbour of Genoa on Monday night."
    a, b, c = featurize(
        [
            Article(id="a", text=f"{same} Ships were moved out to sea. Shops stayed shut."),
            Article(id="b", text=f"{same} Markets rose in Tokyo. A film opened in Paris."),
            Article(id="c", text=f"Markets rose in Tokyo. A film opened in Paris. {same}"),
        ]
    )
    led, buried = relate.pair_score(a, b).cues, relate.pair_score(a, c).cues
    assert led.lead_sentences == pytest.approx(1.0, abs=0.01)
    assert buried.best_sentence == pytest.approx(1.0, abs=0.01)
    assert buried.lead_sentences < 0.8
    assert "lead_sentences" not in relate.CUE_NAMES
    assert "lead_sentences" in relate.GRADED_SHAPES
    assert relate.pair_score(a, b).similarity > relate.pair_score(a, c).similarity


def test_scoring_many_measured_pairs_equals_scoring_each(seed_articles):
    versions = featurize(list(seed_articles.values()))
    measures = [relate.measure_pair(a, b) for a in versions for b in versions if a is not b]
    many = relate.score_measures_all(measures)
    assert many == [relate.score_measures(m) for m in measures]
    assert relate.score_measures_all([]) == []


# Two one-sentence headlines of one kind of incident: their one sentence shares half its
# words, so the alignment reads it as copied, and its meaning as a rewrite.
HEADLINE = "3 killed, 1 seriously injured in Harbor Gateway shooting"
REWORDED = "3 Dead, 1 Hurt in Harbor Gateway Shooting"


def _headline_pair(days_apart: int):
    a = Article(id="a", text=HEADLINE, date=dt.date(2015, 3, 1))
    b = Article(id="b", text=REWORDED, date=dt.date(2015, 3, 1) + dt.timedelta(days=days_apart))
    fa, fb = featurize([a, b])
    return relate.relate(fa, fb)


def test_copied_headlines_close_in_time_are_near_duplicates():
    relation = _headline_pair(1)
    assert relation.kind is RelationKind.NEAR_DUPLICATE
    assert relation.score == 1.0


def test_copied_headlines_published_across_the_date_gate_are_not_one_story():
    # The alignment alone (one sentence) does not override the published dates' gate.
    relation = _headline_pair(427)
    assert relation.evidence.date_gap_days == 427
    assert relation.evidence.scores["copied_sentences"] == 1.0
    assert relation.kind not in (
        RelationKind.NEAR_DUPLICATE,
        RelationKind.REWRITE,
        RelationKind.SAME_EVENT,
    )
    assert relation.score < DEFAULT_CONFIG.same_story_threshold
    assert not relation.same_story


def test_a_copy_is_a_copy_whatever_the_dates():
    a = Article(id="a", text=HEADLINE, date=dt.date(2015, 3, 1))
    b = Article(id="b", text=HEADLINE, date=dt.date(2016, 5, 1))
    relation = relate.relate(*featurize([a, b]))
    assert relation.kind is RelationKind.EXACT


@pytest.mark.parametrize(
    ("published_far_apart", "score", "kind"),
    [
        (False, 0.25, "rewrite"),  # close in time: half the bar, then floored to it
        (True, 0.35, None),  # across the gate under the bar: another story
        (True, 0.45, "rewrite"),  # across the gate at the bar
    ],
)
def test_an_aligned_rewrite_across_the_published_date_gate_needs_the_story_bar(
    same_event_pair, published_far_apart, score, kind
):
    a, b = same_event_pair
    got = relate._kind(a, b, 0.0, 0.0, 1.0, 0.0, score, DEFAULT_CONFIG, published_far_apart)
    assert (got.value if got else None) == kind


def test_copied_sentences_make_a_near_duplicate_only_within_the_published_gate(same_event_pair):
    a, b = same_event_pair
    assert relate._kind(a, b, 0.0, 0.0, 1.0, 1.0, 0.2, DEFAULT_CONFIG) is (
        RelationKind.NEAR_DUPLICATE
    )
    far = relate._kind(a, b, 0.0, 0.0, 1.0, 1.0, 0.2, DEFAULT_CONFIG, published_far_apart=True)
    assert far is None


def test_copied_headlines_dated_apart_by_their_texts_stay_near_duplicates():
    # A date read from a text gates softly and may be a copy-edit's: the alignment holds.
    fa, fb = featurize([Article(id="a", text=HEADLINE), Article(id="b", text=REWORDED)])
    fa = _dated(fa, dt.date(2015, 3, 1), from_text=True)
    fb = _dated(fb, dt.date(2016, 5, 1), from_text=False)
    relation = relate.relate(fa, fb)
    assert relation.evidence.date_gap_days == 427
    assert relation.kind is RelationKind.NEAR_DUPLICATE
