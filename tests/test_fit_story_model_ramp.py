"""The shaped short part's fit (scripts/short_calibration.py --shape, fit_story_model's
offsets): the ramp read back from the design rows, the rescoring of only the pairs the
part weighs on, and the writer's file read back as the model it chose."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))

import fit_story_model  # noqa: E402
import short_calibration  # noqa: E402
from conftest import ECBPLUS_SUBSET, read_jsonl  # noqa: E402

from samestory import relate  # noqa: E402
from samestory.config import DEFAULT_CONFIG  # noqa: E402
from samestory.evaluate import make_short_variants, record_to_article  # noqa: E402
from samestory.features import featurize  # noqa: E402

POINT = {"ramp_low": 20.0, "discount": 0.2, "bias": 2.0}


def test_short_ramps_reads_the_words_back_from_the_shortness_column():
    model = short_calibration.short_part(POINT)
    assert model.short_ramp == (20.0, 30.0)
    words = list(range(1, 400))
    x = np.array(
        [
            relate.event_design(
                relate.EventCues(*[0.5] * len(relate.CUE_NAMES), shorter_words=w)  # type: ignore[arg-type]
            )
            for w in words
        ]
    )
    got = fit_story_model.short_ramps(x, model)
    assert got.tolist() == [model.short_strength(w, 1.0) for w in words]
    unshaped = short_calibration.short_part({"discount": 0.2, "bias": 2.0})
    assert fit_story_model.short_ramps(x, unshaped).tolist() == [1.0] * len(words)


def test_the_fits_offset_reads_both_texts_words_as_production():
    # fit_conflict_part's offset over design rows with their words (DevSet.words) is the
    # event model's log-odds as production computes it, for a part weighing both texts.
    model = short_calibration.short_part({**POINT, "both": 1.0})
    assert model.short_both
    pairs = [(s, s + d) for s in (8, 22, 26, 40, 60, 90) for d in (0, 15, 300)]
    cues = [
        relate.EventCues(  # type: ignore[arg-type]
            *[0.3 + 0.05 * k for k in range(len(relate.CUE_NAMES))],
            shorter_words=s,
            longer_words=longer,
        )
        for s, longer in pairs
    ]
    x = np.array([relate.event_design(c) for c in cues])
    words = np.array(pairs)
    n = len(relate.CUE_NAMES)
    r = fit_story_model.short_ramps(x, model, words)
    logit = (
        model.event_bias
        + x[:, :n] @ np.array(model.event_weights)
        + r * (x[:, 2 * n] * model.short_bias + x[:, n : 2 * n] @ np.array(model.short_weights))
    )
    assert logit == pytest.approx([model.event_logit(c) for c in cues])
    with pytest.raises(ValueError):
        fit_story_model.short_ramps(x, model)


@pytest.fixture(scope="module")
def lead_set() -> fit_story_model.DevSet:
    # Leads and headlines of the ECB+ subset together: pairs on both sides of the knots.
    records = read_jsonl(ECBPLUS_SUBSET)
    short = make_short_variants(records, "lead") + make_short_variants(records, "headline")
    short = [{**r, "id": f"{r['id']}#{k}"} for k, r in enumerate(short)]
    features = featurize(
        [record_to_article(r) for r in short],
        DEFAULT_CONFIG,
        fit_story_model.make_encoder("static"),
    )
    return fit_story_model.dev_set_of("lead", "lead", short, features, False)


@pytest.mark.parametrize(
    "point",
    [POINT, {**POINT, "both": 1.0}, {**POINT, "upper_low": 40.0, "upper_high": 50.0}],
    ids=["ramp", "both", "upper"],
)
def test_shape_runs_rescore_as_production_scores_every_pair(lead_set, point):
    runs = short_calibration.ShapeRuns([lead_set])
    model = short_calibration.short_part(point)
    ((scores, copied),) = runs.scores(point)
    full, full_copied = lead_set.scored(model, DEFAULT_CONFIG)
    assert scores.tolist() == full.tolist() and copied.tolist() == full_copied.tolist()
    # The part moves some pair (so the test can fail) and none of a headline's.
    zero = lead_set.scored(short_calibration.short_part({}), DEFAULT_CONFIG)[0]
    assert (scores != zero).any()
    short = [m.cues.shorter_words <= POINT["ramp_low"] for m in lead_set.measures]
    assert (scores[short] == zero[short]).all()


def test_the_writer_writes_the_chosen_part(tmp_path):
    out = tmp_path / "story_model.json"
    found = {"chosen": POINT, "fitted_on": {"method": "test"}}
    short_calibration.write_shape(found, out)
    model = relate.StoryModel.from_dict(json.loads(out.read_text(encoding="utf-8")))
    assert model == short_calibration.short_part(POINT)
    assert json.loads(out.read_text())["event_model"]["short"]["fitted_on"] == {"method": "test"}
    zero_discount = short_calibration.short_part({**POINT, "discount": 0.0})
    assert all(str(v) == "0.0" for v in zero_discount.short_weights)  # no -0.0 written
    # Another writer keeps the part and what it says of its fit.
    again = relate.StoryModel.from_dict(model.to_dict())
    assert again == model and again.to_dict()["event_model"]["short"]["fitted_on"]
