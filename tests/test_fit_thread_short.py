"""``fit_thread_model.py --short-forms / --short-inputs``: a short form's pairs share its
full texts' CV groups, the shortness column is the story model's curve, and a file fitted
on the full texts only still checks SAME against one that states no short forms."""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))

import fit_thread_model

from samestory import relate, threads

# A thread row as the fit builds it: the base inputs, then the stored correction-only ones.
NAMES = fit_thread_model.ROW_NAMES


def _rows(words: list[int]) -> np.ndarray:
    x = np.zeros((len(words), len(NAMES)))
    x[:, NAMES.index("log_shorter_words")] = [math.log1p(w) / 7.0 for w in words]
    x[:, NAMES.index("log_fewer_names")] = 0.4
    return x


def test_shortness_inputs_follow_the_story_model_s_curve():
    words = [10, 40, 80, 200, 5000]
    x, names = fit_thread_model.short_inputs(_rows(words), NAMES, ("log_fewer_names",))
    assert names == (*NAMES, "shortness", "short_x_log_fewer_names")
    assert x.shape == (5, len(NAMES) + 2)
    expected = [relate.shortness(w) for w in words]
    assert np.allclose(x[:, -2], expected, atol=1e-12)
    assert np.allclose(x[:, -1], 0.4 * np.array(expected), atol=1e-12)
    assert x[-1, -2] == 0.0  # a long text is not short at all


def test_no_short_inputs_leave_the_rows_as_they_are():
    rows = _rows([10, 500])
    x, names = fit_thread_model.short_inputs(rows, NAMES, ())
    assert x is rows and names == NAMES


def test_a_file_without_short_forms_was_fitted_on_the_full_texts(thread_model_file: dict) -> None:
    MODEL = thread_model_file
    assert fit_thread_model.model_differences(MODEL, {**MODEL, "short_forms": []}) == []
    short = {**MODEL, "short_forms": ["lead"], "short_weight": 1.0}
    assert fit_thread_model.model_differences(MODEL, short) == [
        "short_forms: [] -> ['lead']",
        "short_weight: 0.0 -> 1.0",
    ]


def test_a_short_form_is_read_from_its_set_s_records(tmp_path):
    record = {"id": "a1", "story": "s1", "topic": "t1", "title": "A title", "text": "One two."}
    (tmp_path / "x_dev.jsonl").write_text(json.dumps(record) + "\n")
    full = fit_thread_model.set_records("x_dev", tmp_path)
    short = fit_thread_model.set_records("x_dev.headline", tmp_path)
    assert [r["id"] for r in full] == [r["id"] for r in short] == ["a1"]
    assert short[0]["title"] is None


def test_the_short_correction_leaves_long_texts_with_the_full_text_model():
    from sklearn.linear_model import LogisticRegression

    rng = np.random.RandomState(0)
    base = len(NAMES)
    x = rng.normal(size=(400, base))
    u = np.r_[np.zeros(200), np.ones(200)]  # 200 long pairs, 200 short ones
    z = np.column_stack([u, u * x[:, 0]])
    y = (x[:, 1] + 2.0 * u * x[:, 0] + rng.normal(size=400) > 0).astype(int)
    full = u == 0
    model = fit_thread_model.ShortCorrection(3.0, base).fit(
        np.column_stack([x, z]), y, np.ones(400), full
    )
    first = LogisticRegression(C=3.0, max_iter=5000).fit(x[full], y[full])
    long_rows = np.column_stack([x, z])[full]
    assert np.allclose(
        model.predict_proba(long_rows)[:, 1], first.predict_proba(x[full])[:, 1], atol=1e-9
    )
    assert model.coef_.shape == (1, base + 2) and model.coef_[0, -1] > 0.5  # the short slope


def test_short_inputs_without_a_level_are_only_the_products():
    x, names = fit_thread_model.short_inputs(
        _rows([10, 500]), NAMES, ("log_fewer_names",), level=False
    )
    assert names == (*NAMES, "short_x_log_fewer_names")
    assert np.allclose(x[:, -1], 0.4 * np.array([relate.shortness(10), relate.shortness(500)]))


def test_a_short_correction_is_written_as_short_weights_the_library_reads():
    """The file states a --short-offset fit as base weights plus short_weights by input;
    threads.thread_probability of a base row then equals the fit's own probability of
    the row with its shortness columns."""
    rng = np.random.RandomState(1)
    base = len(fit_thread_model.BASE_NAMES)
    words = rng.randint(5, 400, 300)
    x0 = rng.normal(size=(300, len(NAMES))) * 0.3
    x0[:, NAMES.index("log_shorter_words")] = np.log1p(words) / 7.0
    x0[:, base:] = rng.randint(0, 2, (300, fit_thread_model.STORED_WIDTH))  # read by no weight
    inputs = ("lexical_cosine", "entity_jaccard")
    x, names = fit_thread_model.short_inputs(x0, NAMES, inputs, level=False)
    y = (x0[:, 0] + rng.normal(size=300) > 0).astype(int)
    skip = fit_thread_model.STORED_WIDTH
    model = fit_thread_model.ShortCorrection(3.0, base, skip=skip).fit(
        x, y, np.ones(300), words > 150
    )
    data = {
        "features": list(fit_thread_model.BASE_NAMES),
        "threshold": 0.6,
        **fit_thread_model._model_data(model, names),
    }
    assert sorted(data["short_weights"]) == sorted(inputs) and "short_bias" not in data
    library = threads.model_from_data(data)
    assert np.allclose(
        threads.thread_probabilities(x0, library), model.predict_proba(x)[:, 1], atol=1e-12
    )
    changed = {**data, "short_weights": {**data["short_weights"], "entity_jaccard": 9.0}}
    assert [d.split(":")[0] for d in fit_thread_model.model_differences(data, changed)] == [
        "short_weights.entity_jaccard"
    ]
    assert fit_thread_model.model_differences(data, {**data, "short_weights": {}})[0].startswith(
        "short inputs"
    )


def test_a_correction_only_input_is_read_as_the_library_computes_it():
    """--short-inputs far_apart_no_person_place: shortness times far apart with no shared
    rare person or place, computed from the rows (threads.short_only), and a change of
    its weight is a DIFFERS for --check though it is not one of the file's features."""
    x = _rows([10, 10, 10, 500])
    x[:, NAMES.index("far_apart")] = [1.0, 1.0, 0.0, 1.0]
    x[1, NAMES.index("log_rare_shared_places")] = math.log(2)
    inputs = ("far_apart_no_person_place",)
    z, names = fit_thread_model.short_inputs(x, NAMES, inputs, level=False)
    assert names == (*NAMES, "short_x_far_apart_no_person_place")
    u = [relate.shortness(w) for w in (10, 10, 10, 500)]
    assert np.allclose(z[:, -1], [u[0], 0.0, 0.0, u[3]], atol=1e-12)
    data = {"features": list(NAMES), "threshold": 0.6, "baseline": 0.0, "weights": {}}
    one = {**data, "short_weights": {"far_apart_no_person_place": -4.0}}
    two = {**data, "short_weights": {"far_apart_no_person_place": -3.0}}
    assert fit_thread_model.model_differences(one, two) == [
        "short_weights.far_apart_no_person_place: -4.0 -> -3.0"
    ]


def test_balanced_tables_weigh_alike_and_keep_the_total():
    """--short-balance tables: a table of 300 pairs and one of 10 each sum to half the
    total; pairs of zero weight stay out."""
    table = np.r_[np.zeros(300, dtype=int), np.ones(10, dtype=int)]
    weight = np.ones(310)
    weight[:5] = 0.0
    out = fit_thread_model.balanced(weight, table)
    assert math.isclose(out.sum(), weight.sum())
    assert math.isclose(out[table == 0].sum(), out[table == 1].sum())
    assert np.all(out[:5] == 0.0)


def test_a_balanced_correction_follows_the_small_table():
    """The correction's slope of a small table that disagrees with a large one: pooled,
    the large table decides it; balanced, the small one pulls it its way. The base step
    (the full texts) is the same either way."""
    rng = np.random.RandomState(2)
    base = len(NAMES)
    n_full, n_big, n_small = 300, 600, 60
    n = n_full + n_big + n_small
    x = rng.normal(size=(n, base)) * 0.3
    y = (x[:, 0] + rng.normal(size=n) > 0).astype(int)
    z = np.zeros((n, 1))
    z[n_full:, 0] = 1.0  # the correction's input: on for every short pair
    y[n_full : n_full + n_big] = (rng.uniform(size=n_big) < 0.6).astype(int)  # mostly same
    y[n_full + n_big :] = 0  # the small table: never the same incident
    full = np.r_[np.ones(n_full, dtype=bool), np.zeros(n_big + n_small, dtype=bool)]
    table = np.r_[np.zeros(n_full), np.ones(n_big), np.full(n_small, 2)].astype(int)
    weight = np.ones(n)
    xz = np.column_stack([x, z])
    pooled = fit_thread_model.ShortCorrection(3.0, base).fit(xz, y, weight, full)
    even = fit_thread_model.ShortCorrection(3.0, base).fit(
        xz, y, weight, full, fit_thread_model.balanced(weight, table)
    )
    assert np.allclose(pooled.coef_[0, :base], even.coef_[0, :base])
    assert even.coef_[0, -1] < pooled.coef_[0, -1] - 0.5


def test_a_file_without_short_balance_pooled_the_pairs(thread_model_file: dict) -> None:
    model = thread_model_file
    assert fit_thread_model.model_differences(model, {**model, "short_balance": "pooled"}) == []
    assert fit_thread_model.model_differences(model, {**model, "short_balance": "tables"}) == [
        "short_balance: pooled -> tables"
    ]


def test_a_floored_correction_reads_only_the_pairs_near_the_linkage():
    """--short-floor: short pairs the base model already puts far below the floor (here
    same-incident pairs at base p ~ 0.02) no longer hold the correction up; the pairs at
    or above it (two incidents) decide it."""
    base = len(NAMES)
    n_full = 400
    rng = np.random.RandomState(3)
    x_full = np.zeros((n_full, base))
    x_full[:, 0] = rng.normal(size=n_full) * 2.0
    y_full = (x_full[:, 0] + rng.logistic(size=n_full) > 0).astype(int)
    low = np.zeros((80, base))
    low[:, 0] = -4.0  # base p about 0.02: same incident all the same
    high = np.zeros((40, base))
    high[:, 0] = 0.5  # base p about 0.6: two incidents
    x = np.vstack([x_full, low, high])
    y = np.r_[y_full, np.ones(80, dtype=int), np.zeros(40, dtype=int)]
    z = np.r_[np.zeros(n_full), np.ones(120)][:, None]
    full = np.r_[np.ones(n_full, dtype=bool), np.zeros(120, dtype=bool)]
    xz = np.column_stack([x, z])
    every = fit_thread_model.ShortCorrection(3.0, base).fit(xz, y, np.ones(len(y)), full)
    floored = fit_thread_model.ShortCorrection(3.0, base, 0.3).fit(xz, y, np.ones(len(y)), full)
    assert np.allclose(every.coef_[0, :base], floored.coef_[0, :base])
    assert every.coef_[0, -1] > 0.0 > floored.coef_[0, -1] + 1.0


def test_a_file_without_short_floor_fitted_on_every_pair(thread_model_file: dict) -> None:
    model = thread_model_file
    assert fit_thread_model.model_differences(model, {**model, "short_floor": 0.0}) == []
    assert fit_thread_model.model_differences(model, {**model, "short_floor": 0.3}) == [
        "short_floor: 0.0 -> 0.3"
    ]


PAGE = {
    "id": "a1",
    "story": "s1",
    "topic": "t1",
    "title": None,
    "text": "Airbus sees more orders\nMarch 3, 2009\nTOULOUSE, France -- Airbus said on Tuesday "
    "it expects more orders this year. The planemaker cited demand from Asia.",
}


def test_the_reader_s_cut_is_read_when_asked_and_the_first_sentence_one_by_default(tmp_path):
    (tmp_path / "x_dev.jsonl").write_text(json.dumps(PAGE) + "\n")
    default = fit_thread_model.set_records("x_dev.lead", tmp_path)
    reader = fit_thread_model.set_records("x_dev.lead", tmp_path, cut="reader")
    assert default[0]["text"].startswith("March 3, 2009")  # the old builder keeps the dateline
    assert "date" not in default[0]
    # A feed item: the dateline left out of the lead, read as the item's date.
    assert reader[0]["text"].startswith("TOULOUSE") and reader[0]["date"] == "2009-03-03"
    assert fit_thread_model.set_records("x_dev", tmp_path, cut="reader") == [PAGE]


def test_the_cache_names_the_reader_s_short_tables_apart():
    stem = fit_thread_model.cache_stem
    assert stem("gva_dev", "reader") == stem("gva_dev", "first-sentence") == "gva_dev"
    assert stem("gva_dev.lead", "first-sentence") == "gva_dev.lead"  # older caches stay valid
    assert stem("gva_dev.lead", "reader") == "gva_dev.lead.reader"


def test_a_file_without_short_cut_was_fitted_on_the_first_sentence_cut(
    thread_model_file: dict,
) -> None:
    model = {k: v for k, v in thread_model_file.items() if k != "short_cut"}
    first = {**model, "short_cut": "first-sentence"}
    assert fit_thread_model.model_differences(model, first) == []
    assert fit_thread_model.model_differences(model, {**model, "short_cut": "reader"}) == [
        "short_cut: first-sentence -> reader"
    ]
