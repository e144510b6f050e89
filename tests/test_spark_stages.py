"""The Spark job's per-article payloads keep what its tests read (no Spark started)."""

from __future__ import annotations

import itertools
import pickle

import numpy as np
import pytest

from samestory.candidates import keywords
from samestory.config import DEFAULT_CONFIG
from samestory.features import featurize
from samestory.models import Article
from samestory.overlap import is_copy
from samestory.spark.stages import band_keys, candidate_view, copy_sketch, lsh_params

STATIC = DEFAULT_CONFIG.replace(encoder="static")


@pytest.mark.slow  # the static encoder's table loads in ~5 s
def test_copy_sketch_gives_the_copy_test_of_the_features(ecb_records: list[dict]) -> None:
    """The copy stage ships sketches to every band bucket: the copy test must not change."""
    originals = [Article(id=r["id"], text=r["text"]) for r in ecb_records[:6] if r.get("text")]
    variants = [
        Article(id=f"{a.id}~repost", text="Breaking News\n\n" + a.text + "\n\nShare this article")
        for a in originals[:3]
    ] + [Article(id=f"{a.id}~edit", text=a.text.replace(" the ", " a ", 1)) for a in originals[3:]]
    features = featurize(originals + variants, STATIC)
    verdicts = []
    for a, b in itertools.combinations(features, 2):
        verdict = is_copy(a, b, STATIC)
        assert is_copy(copy_sketch(a), copy_sketch(b), STATIC) == verdict
        verdicts.append(verdict)
    assert any(verdicts) and not all(verdicts)  # both answers were checked
    full = sum(len(pickle.dumps(f)) for f in features)
    sketched = sum(len(pickle.dumps(copy_sketch(f))) for f in features)
    assert sketched * 10 < full


@pytest.mark.slow  # the static encoder's table loads in ~5 s
def test_candidate_view_proposes_what_the_features_propose(ecb_records: list[dict]) -> None:
    """Representatives are cached as candidate views: same keywords, band keys, vector."""
    articles = [Article(id=r["id"], text=r["text"]) for r in ecb_records[:8] if r.get("text")]
    bands, rows = lsh_params(STATIC)
    for k, f in enumerate(featurize(articles, STATIC)):
        view = candidate_view(f)
        assert keywords(view) == keywords(f)
        assert list(band_keys((k, view), bands, rows)) == list(band_keys((k, f), bands, rows))
        assert np.array_equal(view.vector, f.vector)
        assert len(pickle.dumps(view)) * 2 < len(pickle.dumps(f))


class _Context:
    """A SparkContext's ``getConf().get`` from a dict."""

    def __init__(self, settings: dict[str, str]) -> None:
        self.settings = settings

    def getConf(self) -> dict[str, str]:
        return self.settings


def test_large_datasets_are_cached_on_disk_unless_told() -> None:
    """The features cache (~22 KB an article) ran a 2 GB heap out of memory at 50k
    articles with MEMORY_AND_DISK: by default the large datasets stream to disk."""
    pyspark = pytest.importorskip("pyspark")
    from samestory.spark.stages import CACHE_LEVEL_SETTING, cache_level

    level = pyspark.StorageLevel
    assert cache_level(_Context({})) == level.DISK_ONLY
    assert cache_level(_Context({CACHE_LEVEL_SETTING: "memory_and_disk"})) == level.MEMORY_AND_DISK
    with pytest.raises(ValueError, match=CACHE_LEVEL_SETTING):
        cache_level(_Context({CACHE_LEVEL_SETTING: "SOMEWHERE"}))
