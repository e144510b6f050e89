"""benchmarks/encoder_fits.py builds each encoder's sets under that encoder's own config.

Its static columns once ran USE's candidate rule (``fit_story_model.FIT_CONFIG``'s
saturation cosine 0.70, not static's 0.80: docs/experiments.md, 2026-12-03). Checked on
the ECB+ fixture subset with the static encoder (no USE pass).
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

import encoder_fits  # noqa: E402
import fit_story_model  # noqa: E402
from conftest import ECBPLUS_SUBSET, read_jsonl  # noqa: E402

from samestory.candidates import SATURATED_COSINE, candidate_pairs  # noqa: E402
from samestory.config import Config  # noqa: E402
from samestory.evaluate import record_to_article  # noqa: E402
from samestory.features import featurize  # noqa: E402
from samestory.pipeline.copies import collapse_copies  # noqa: E402
from samestory.pipeline.propose import propose_pairs  # noqa: E402


def test_each_encoder_gets_its_production_config_and_use_rule_is_the_fit_config():
    assert encoder_fits.set_config("static") == Config()  # the default encoder
    assert encoder_fits.set_config("use") == Config(encoder="use")
    for encoder in encoder_fits.ENCODERS:
        old = encoder_fits.set_config(encoder, "use")
        assert old is fit_story_model.FIT_CONFIG
        assert old.encoder == "use"
    assert SATURATED_COSINE["static"] != SATURATED_COSINE["use"]  # else nothing to test


@pytest.fixture(scope="module")
def ecb_static() -> tuple[list[dict], list]:
    records = read_jsonl(ECBPLUS_SUBSET)
    articles = [record_to_article(r) for r in records]
    return records, featurize(articles, Config(workers=1), fit_story_model.make_encoder("static"))


def test_dev_set_proposes_under_the_config_given(ecb_static):
    """A small neighbour budget saturates often, so the two encoders' rules propose
    different pairs; the set built under each holds that rule's pairs, as production
    proposes them."""
    records, features = ecb_static
    pairs = {}
    for rule in ("own", "use"):
        config = encoder_fits.set_config("static", rule).replace(ann_neighbours=2)
        dev = fit_story_model.dev_set_of(
            "ecb", "ecbplus_dev", records, features, False, config=config
        )
        copies = collapse_copies(features, config)
        assert dev.pairs == propose_pairs(features, copies, config)
        assert dev.train_pairs == candidate_pairs(features, config)
        pairs[rule] = set(dev.pairs)
    assert pairs["own"] != pairs["use"]
