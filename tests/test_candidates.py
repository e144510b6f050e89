"""Candidate generation: the vector neighbours of an article."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np

from samestory.candidates import NEAR_TWIN_COSINE, CandidateIndex
from samestory.config import DEFAULT_CONFIG


def _doc(doc_id: str, vector: np.ndarray) -> SimpleNamespace:
    """Just what the index reads; n_shingles=0 keeps MinHash-LSH out of the test."""
    unit = (vector / np.linalg.norm(vector)).astype(np.float32)
    return SimpleNamespace(id=doc_id, vector=unit, fingerprint=doc_id, n_shingles=0)


def _near(base: np.ndarray, rng: np.random.Generator, noise: float) -> np.ndarray:
    return base + noise * rng.standard_normal(base.shape)


def test_near_twins_do_not_crowd_out_other_reports():
    rng = np.random.default_rng(0)
    dim, budget = 64, 3
    topic = rng.standard_normal(dim)
    original = _near(topic, rng, 0.3)
    twins = [_doc(f"twin{k}", _near(original, rng, 0.01)) for k in range(10)]
    others = [_doc(f"other{k}", _near(topic, rng, 0.6)) for k in range(3)]
    config = DEFAULT_CONFIG.replace(ann_neighbours=budget, ann_min_cosine=0.0)
    index = CandidateIndex(config, dim=dim)
    index.add([*twins, *others])
    query = _doc("query", original)
    found = index.neighbours(query)
    # All ten versions of the text are near-twins of each other, so they use up one
    # place of the budget and the other reports of the topic are still proposed.
    twin_cos = twins[0].vector @ twins[1].vector
    assert twin_cos >= NEAR_TWIN_COSINE
    assert {d.id for d in twins} <= set(found)
    assert {d.id for d in others} & set(found)
    assert len(found) <= (budget + 1) * 4


def test_distinct_neighbours_are_capped_by_the_budget():
    rng = np.random.default_rng(1)
    docs = [_doc(f"d{k}", rng.standard_normal(32)) for k in range(50)]
    config = DEFAULT_CONFIG.replace(ann_neighbours=5, ann_min_cosine=-1.0)
    index = CandidateIndex(config, dim=32)
    index.add(docs)
    found = index.neighbours(docs[0])
    assert docs[0].id not in found
    assert 5 <= len(found) <= 6  # the budget counts the article itself, dropped after
