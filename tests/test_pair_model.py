"""compare's pair model: read and checked at load, scored as the fit script scores it."""

from __future__ import annotations

import dataclasses
import math

import pytest

from samestory import api, pair_model, relate, threads
from samestory.errors import ParamsError
from samestory.features import featurize
from samestory.models import Article, RelationKind
from samestory.pair_model import PairModel, decide, input_names, load_pair_model, pair_design


def _model(weights: dict[str, float], bias: float = 0.0, threshold: float = 0.5) -> PairModel:
    names = tuple(weights)
    return PairModel(
        inputs=names,
        mean=(0.0,) * len(names),
        scale=(1.0,) * len(names),
        weights=tuple(weights.values()),
        bias=bias,
        threshold=threshold,
    )


def test_the_probability_is_the_logistic_of_the_standardised_inputs():
    names = input_names()
    model = PairModel(
        inputs=(names[0], names[3]),
        mean=(0.5, 1.0),
        scale=(2.0, 0.5),
        weights=(1.5, -0.25),
        bias=0.1,
        threshold=0.5,
    )
    row = [0.0] * len(names)
    row[0], row[3] = 0.9, 2.0
    z = 0.1 + 1.5 * (0.9 - 0.5) / 2.0 - 0.25 * (2.0 - 1.0) / 0.5
    assert model.probability_of_row(row) == pytest.approx(1 / (1 + math.exp(-z)))
    # Gated: times the date factor, as the story score is.
    assert model.probability_of_row(row, 0.35) == pytest.approx(0.35 / (1 + math.exp(-z)))
    ungated = dataclasses.replace(model, gate=False)
    assert ungated.probability_of_row(row, 0.35) == pytest.approx(1 / (1 + math.exp(-z)))


def test_the_params_round_trip_and_bad_ones_are_refused():
    model = _model({"shortness": 1.0, "date_factor": -2.0}, bias=0.3, threshold=0.6)
    assert PairModel.from_dict(model.to_dict()) == model
    with pytest.raises(ParamsError, match="unknown inputs no_such_cue"):
        _model({"no_such_cue": 1.0})
    with pytest.raises(ParamsError, match="threshold"):
        _model({"shortness": 1.0}, threshold=1.5)
    bad = model.to_dict()
    bad["inputs"]["shortness"]["scale"] = 0.0
    with pytest.raises(ParamsError, match="scale"):
        PairModel.from_dict(bad)
    with pytest.raises(ParamsError, match="malformed"):
        PairModel.from_dict({"inputs": {"shortness": {"mean": 0}}})


def test_the_shipped_model_if_any_reads_production_inputs():
    model = load_pair_model()
    if model is None:
        pytest.skip("no pair model shipped")
    assert set(model.inputs) <= set(input_names(cross_lingual=True)) | set(pair_model.OFFSET_INPUTS)
    assert 0 < model.threshold < 1 and "figures (precision, recall; unrelated: share linked)" in (
        model.info
    )


QUAKE_A = Article(
    id="a",
    text=(
        "A magnitude 7.1 earthquake struck off northern Japan on Friday, triggering a tsunami "
        "warning. Residents of Iwate and Miyagi were told to move to higher ground."
    ),
)
QUAKE_B = Article(
    id="b",
    text=(
        "Japan issued a tsunami warning after a 7.1-magnitude quake struck off its northern "
        "coast on Friday. People in Iwate and Miyagi were urged to go to higher ground."
    ),
)


def test_decide_links_by_the_model_and_keeps_copies():
    fa, fb = featurize([QUAKE_A, QUAKE_B])
    m = relate.measure_pair(fa, fb)
    ps = relate.score_measures(m)
    relation = relate.relation_of(fa, fb, ps)
    row = pair_design(m, fa, fb)
    assert len(row) == len(input_names())
    yes = _model({"shortness": 0.0}, bias=5.0)  # P = 0.993: links
    no = _model({"shortness": 0.0}, bias=-5.0)  # P = 0.007: apart
    linked = decide(relation, m, ps.thread, yes, fa, fb)
    assert linked.same_story and linked.kind in (RelationKind.SAME_EVENT, RelationKind.REWRITE)
    assert linked.evidence.scores["pair_model"] == pytest.approx(1 / (1 + math.exp(-5.0)))
    assert linked.evidence.scores["story"] == relation.evidence.scores["story"]
    apart = decide(relation, m, 0.0, no, fa, fb)
    assert apart.kind is None and not apart.same_story
    assert decide(relation, m, 1.0, no, fa, fb).kind is RelationKind.FOLLOW_UP
    (fc,) = featurize([dataclasses.replace(QUAKE_A, id="c")])
    mc = relate.measure_pair(fa, fc)
    copy = relate.relation_of(fa, fc, relate.score_measures(mc))
    assert copy.kind is RelationKind.EXACT
    assert decide(copy, mc, 0.0, no, fa, fc).kind is RelationKind.EXACT


def test_no_params_file_means_no_model(monkeypatch: pytest.MonkeyPatch):
    def missing(name: str) -> dict:
        raise FileNotFoundError(name)

    load_pair_model.cache_clear()
    monkeypatch.setattr(pair_model.params, "load", missing)
    try:
        assert load_pair_model() is None
    finally:
        load_pair_model.cache_clear()


def test_compare_keeps_a_one_word_text_apart_from_a_quake_story():
    word = Article(id="word", text="Earthquake")
    for relation in api.compare_pairs([(word, QUAKE_A), (QUAKE_B, word)]):
        assert not relation.same_story, relation.evidence.scores


def test_the_design_reads_each_value_once():
    """The thread model's ``latest_year_gap`` (``year_gap`` times ``gap_unknown``) is not
    a pair-model input; every other thread input is, at its own name."""
    fa, fb = featurize([QUAKE_A, QUAKE_B])
    m = relate.measure_pair(fa, fb)
    names = input_names()
    row = dict(zip(names, pair_design(m, fa, fb), strict=True))
    assert "latest_year_gap" not in names and names.count("year_gap") == 1
    extra = [n for n in threads.EXTRA_FEATURES if n != "latest_year_gap"]
    offset = len(relate.CUE_NAMES)  # the thread row: the cues, then EXTRA_FEATURES in order
    for name in extra:
        index = offset + threads.EXTRA_FEATURES.index(name)
        assert row[name] == m.thread_features[index]


def test_an_offset_input_is_read_last_and_only_by_a_file_that_names_it():
    """``OFFSET_INPUTS`` (the venue agreement): a file without it designs and decides as
    before; one naming it reads it after every other input."""
    a, b = featurize(
        [
            Article(id="a", text="Two men were shot outside the Lucky Star lounge on Sunday."),
            Article(id="b", text="Police said the gunman fled the Lucky Star lounge Sunday."),
        ]
    )
    m = relate.measure_pair(a, b)
    plain = pair_design(m, a, b)
    assert len(plain) == len(input_names())
    assert pair_design(m, a, b, offset=("local_venue_agreement",)) == [*plain, 1.0]
    base = _model({"doc_cosine": 1.0}, bias=-0.5)
    on_top = _model({"doc_cosine": 1.0, "local_venue_agreement": 2.0}, bias=-0.5)
    assert base.offset_inputs == () and on_top.offset_inputs == ("local_venue_agreement",)
    z = -0.5 + plain[input_names().index("doc_cosine")]
    assert base.probability(m, a, b) == pytest.approx(m.date_factor / (1 + math.exp(-z)))
    z2 = z + 2.0
    assert on_top.probability(m, a, b) == pytest.approx(m.date_factor / (1 + math.exp(-z2)))
    assert PairModel.from_dict(on_top.to_dict()) == on_top
