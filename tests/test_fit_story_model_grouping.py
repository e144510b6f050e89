"""scripts/fit_story_model.py scores production's grouping: its ``DevSet.grouping`` is the
batch's (``group_with_roundups``, the exclusive-names step included), not plain average link.

Checked on the ECB+ fixture subset with the static encoder under the default config (no
USE pass): there the exclusive-names step moves a story, so plain average link and
production differ, and the fit must give production's stories.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))

import fit_story_model  # noqa: E402
from conftest import ECBPLUS_SUBSET, MEANTIME_SUBSET, read_jsonl  # noqa: E402

from samestory import exclusive, relate  # noqa: E402
from samestory.config import Config  # noqa: E402
from samestory.evaluate import record_to_article  # noqa: E402
from samestory.features import featurize  # noqa: E402
from samestory.pipeline.batch import analyze_features  # noqa: E402

CONFIG = Config(workers=1)


def partition(labels: np.ndarray) -> set[frozenset[int]]:
    return {frozenset(np.flatnonzero(labels == k).tolist()) for k in set(labels.tolist())}


def batch_partition(features: list) -> set[frozenset[int]]:
    """The batch driver's stories of ``features``, as sets of indices."""
    index = {f.id: k for k, f in enumerate(features)}
    stories = analyze_features(features, CONFIG).stories
    return {frozenset(index[a] for a in story.articles) for story in stories}


@pytest.fixture(scope="module", params=["ecb", "meantime"])
def dev(request) -> fit_story_model.DevSet:
    records = read_jsonl({"ecb": ECBPLUS_SUBSET, "meantime": MEANTIME_SUBSET}[request.param])
    articles = [record_to_article(r) for r in records]
    features = featurize(articles, CONFIG, fit_story_model.make_encoder("static"))
    return fit_story_model.dev_set_of(
        request.param, request.param, records, features, False, config=CONFIG
    )


def test_the_fits_grouping_is_the_batch_drivers(dev):
    scores, copied = dev.scored(relate.STORY_MODEL, CONFIG)
    batch = batch_partition(dev.features)
    assert partition(dev.grouping(scores, CONFIG, copied)) == batch
    # Copies read under the shipped model when the caller names none: the same here.
    assert partition(dev.grouping(scores, CONFIG)) == batch


def test_plain_grouping_is_average_link_without_the_step(dev):
    """``plain_grouping`` (fit_exclusive's "without") is not production where the
    exclusive-names step cuts a pair or versions are merged: on the ECB+ subset the two
    differ; on the MEANTIME subset (translations, no copies, no cut) they agree."""
    scores = dev.scores(relate.STORY_MODEL, CONFIG)
    plain = partition(dev.plain_grouping(scores, CONFIG))
    production = partition(dev.grouping(scores, CONFIG))
    assert (plain != production) == (dev.name == "ecb")


def test_copy_flags_are_the_batchs_copy_relations(dev):
    """``scored``'s flags are the candidate pairs the batch hands the step as copies."""
    _, copied = dev.scored(relate.STORY_MODEL, CONFIG)
    relations = analyze_features(dev.features, CONFIG).relations[len(dev.copies.copies) :]
    assert copied.tolist() == [exclusive.copy_relation(r) for r in relations]
    assert copied.any() == (dev.name == "ecb")  # the ECB+ subset holds copies
