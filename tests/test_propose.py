"""propose_pairs: the candidate search on forked workers gives the pairs of one process."""

from __future__ import annotations

from typing import Any

import pytest

from samestory import candidates, parallel
from samestory.candidates import candidate_pairs
from samestory.config import DEFAULT_CONFIG
from samestory.features import DocFeatures, featurize
from samestory.models import Article
from samestory.pipeline import propose
from samestory.pipeline.copies import collapse_copies

needs_fork = pytest.mark.skipif(not parallel.can_fork(), reason="no safe fork here")
STATIC = DEFAULT_CONFIG.replace(encoder="static")


@pytest.fixture(scope="module")
def features(ecb_records: list[dict]) -> list[DocFeatures]:
    """The ECB+ subset (four topics), each fourth text again as an exact repost."""
    articles = [Article(id=f"a{k}", text=r["text"]) for k, r in enumerate(ecb_records)]
    articles += [Article(id=f"copy{k}", text=a.text) for k, a in enumerate(articles[::4])]
    return featurize(articles, STATIC)


def one_process(features: list[DocFeatures]) -> list[tuple[int, int]]:
    copies = collapse_copies(features, STATIC)
    reps = copies.reps
    return [(reps[i], reps[j]) for i, j in candidate_pairs([features[r] for r in reps], STATIC)]


@needs_fork
@pytest.mark.parametrize("exact", [True, False])
def test_searching_on_workers_proposes_the_pairs_of_one_process(
    monkeypatch: pytest.MonkeyPatch, features: list[DocFeatures], exact: bool
) -> None:
    if not exact:  # the HNSW graph, built before the fork, searched in the workers
        monkeypatch.setattr(candidates.index, "EXACT_SEARCH_LIMIT", 20)
    expected = one_process(features)
    assert len(expected) > 100  # the check only means something with many pairs
    monkeypatch.setattr(propose, "MIN_ROWS_PER_WORKER", 1)
    monkeypatch.setattr(propose, "ROWS_CHUNK", 7)  # many chunks, out of order
    copies = collapse_copies(features, STATIC)
    asked: list[int] = []
    fan_out = propose.map_chunks

    def spying(*args: Any, **kwargs: Any) -> Any:
        asked.append(args[2])  # workers
        return fan_out(*args, **kwargs)

    monkeypatch.setattr(propose, "map_chunks", spying)
    assert propose.propose_pairs(features, copies, STATIC.replace(workers=2)) == expected
    assert asked == [2]


def test_one_worker_searches_here(features: list[DocFeatures]) -> None:
    copies = collapse_copies(features, STATIC)
    assert propose.propose_pairs(features, copies, STATIC.replace(workers=1)) == one_process(
        features
    )
