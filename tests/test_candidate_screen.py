"""The candidate screen (``Config.min_keyword_cosine``): pairs of the vector and keyword
indexes that share no specific word are not proposed, in the batch and in the store."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from samestory import candidates
from samestory.candidates import (
    TRANSLATION_COSINE,
    CandidateIndex,
    candidate_index,
    candidate_pairs,
    keyword_cosine,
    keywords,
    pairs_of_rows,
    screened,
)
from samestory.config import DEFAULT_CONFIG, Config, ConfigError
from samestory.features import featurize
from samestory.models import Article
from samestory.pipeline.score import score_pairs

_words = st.dictionaries(
    st.integers(0, 30), st.floats(0.0, 1.0, allow_nan=False, width=32), max_size=20
)


@settings(max_examples=200, deadline=None)
@given(_words, _words)
def test_the_keyword_cosine_is_the_dot_product_over_shared_words_either_way(a, b):
    expected = sum(a[w] * b[w] for w in a if w in b)
    assert keyword_cosine(a, b) == keyword_cosine(b, a)
    assert keyword_cosine(a, b) == pytest.approx(expected, abs=1e-12)


def test_a_pair_passes_on_shared_keywords_or_translation_close_vectors():
    a, b = {1: 0.5, 2: 0.5}, {2: 0.1, 3: 0.9}  # keyword cosine 0.05
    apart = np.array([1.0, 0.0], dtype=np.float32), np.array([0.6, 0.8], dtype=np.float32)
    close = np.array([1.0, 0.0], dtype=np.float32), np.array([0.9, 0.436], dtype=np.float32)
    assert screened(a, b, *apart, floor=0.05, close=0.85)
    assert not screened(a, b, *apart, floor=0.06, close=0.85)
    assert screened(a, b, *close, floor=0.06, close=0.85)  # cosine 0.9: translations
    assert screened({}, b, *apart, floor=0.06, close=0.85)  # no keywords: not judged


def test_the_floor_is_validated():
    assert Config(min_keyword_cosine=0.0).min_keyword_cosine == 0.0
    with pytest.raises(ConfigError):
        Config(min_keyword_cosine=-0.1)
    with pytest.raises(ConfigError):
        Config(min_keyword_cosine=1.5)


def _docs(seed: int, stories: int = 6) -> list[SimpleNamespace]:
    """Versions of a few stories: close vectors (cosine ~0.6-0.8, under the translation
    cosine) and words of their own story's vocabulary plus a few common ones."""
    rng = np.random.default_rng(seed)
    docs = []
    for s in range(stories):
        centre = rng.standard_normal(32)
        vocabulary = rng.integers(100, 10**6, size=30)
        for k in range(int(rng.integers(4, 12))):
            row = centre + 0.8 * np.linalg.norm(centre) / np.sqrt(32) * rng.standard_normal(32)
            own = rng.choice(vocabulary, 6) if rng.random() < 0.7 else rng.integers(100, 10**6, 6)
            words = np.unique(np.concatenate([own, rng.integers(0, 40, 4)]))
            weights = rng.random(len(words)).astype(np.float32)
            docs.append(
                SimpleNamespace(
                    id=f"s{s}-{k}",
                    vector=(row / np.linalg.norm(row)).astype(np.float32),
                    fingerprint=f"s{s}-{k}",
                    n_shingles=0,
                    terms=(words.astype(np.int64), weights / np.linalg.norm(weights)),
                )
            )
    return docs


@pytest.mark.parametrize("seed", [0, 1])
def test_the_screen_drops_exactly_the_proposed_pairs_that_fail_it(seed):
    docs = _docs(seed)
    config = DEFAULT_CONFIG.replace(ann_neighbours=3, ann_min_cosine=0.0, encoder="use")
    floor = 0.25
    unscreened = candidate_pairs(docs, config.replace(min_keyword_cosine=0.0))
    kept = candidate_pairs(docs, config.replace(min_keyword_cosine=floor))

    def passes(i: int, j: int) -> bool:
        a, b = docs[i], docs[j]
        close = TRANSLATION_COSINE[config.encoder]
        return screened(keywords(a), keywords(b), a.vector, b.vector, floor, close)

    assert kept == [p for p in unscreened if passes(*p)]
    assert len(kept) < len(unscreened)  # the test means something only if some fail


def test_rows_asked_apart_give_the_candidate_pairs():
    docs = _docs(3)
    index = candidate_index(docs, DEFAULT_CONFIG.replace(ann_neighbours=3, ann_min_cosine=0.0))
    joined = pairs_of_rows(index, docs, 0, 20) + pairs_of_rows(index, docs, 20, len(docs))
    config = DEFAULT_CONFIG.replace(ann_neighbours=3, ann_min_cosine=0.0)
    assert sorted(set(joined)) == candidate_pairs(docs, config)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_inserting_one_at_a_time_keeps_the_screened_batch_pairs(monkeypatch, seed):
    """The store's incremental proposals (gained minus lost) are the batch's screened
    pairs after every insert: a pair is screened whichever end proposes it."""
    monkeypatch.setattr(candidates.keyword_routes, "KEYWORD_NEIGHBOURS", 3)
    docs = _docs(seed)
    config = DEFAULT_CONFIG.replace(
        ann_neighbours=3, ann_min_cosine=0.2, encoder="use", min_keyword_cosine=0.25
    )
    index = CandidateIndex(config, dim=32)
    pairs: set[frozenset[str]] = set()
    order = np.random.default_rng(seed).permutation(len(docs))
    for step, k in enumerate(order, 1):
        change = index.insert(docs[k])
        pairs |= {frozenset(p) for p in change.gained}
        pairs -= {frozenset(p) for p in change.lost}
        so_far = [docs[j] for j in sorted(order[:step])]
        expected = {
            frozenset((so_far[i].id, so_far[j].id)) for i, j in candidate_pairs(so_far, config)
        }
        assert pairs == expected, step


def test_screened_pairs_of_real_news_score_near_zero(ecb_records):
    """What the screen rests on: on ECB+ articles (four topics, two events each), the
    pairs it leaves out share no specific word and are no story: each scores below 0.1."""
    config = DEFAULT_CONFIG.replace(encoder="static", workers=1)
    articles = [Article(id=r["id"], text=r["text"]) for r in ecb_records]
    features = featurize(articles, config)
    every = set(candidate_pairs(features, config.replace(min_keyword_cosine=0.0)))
    left_out = sorted(every - set(candidate_pairs(features, config)))
    assert left_out
    relations = score_pairs(features, left_out, config)
    assert max(r.score for r in relations) < 0.1
    gold = {r["id"]: r["story"] for r in ecb_records}
    assert not any(gold[features[i].id] == gold[features[j].id] for i, j in left_out)
