"""Static's neighbour lists widen by the words their last distinct neighbour shares
(``candidates.SATURATED_KEYWORD_COSINE``), the same in the local index, Spark's cell
search (``spark.vectors.cell_neighbours``) and the incremental run's
(``spark.incremental.neighbour_list``). No Spark session: the cell functions are numpy."""

from __future__ import annotations

import numpy as np

from samestory.candidates import (
    SATURATED_KEYWORD_COSINE,
    CandidateIndex,
    keyword_cosine,
    saturation_test,
    select_neighbours,
)
from samestory.config import DEFAULT_CONFIG
from samestory.spark.incremental import neighbour_list
from samestory.spark.vectors import cell_neighbours

STATIC = DEFAULT_CONFIG.replace(encoder="static", ann_neighbours=3, min_keyword_cosine=0.0)
DIM = 32


def _corpus(seed: int) -> tuple[np.ndarray, list[dict[int, float]]]:
    """Two stories of 14 versions each around one topic: same-story cosines ~0.58 (under
    static's 0.8), across ~0.3; keywords shared within a story (cosine 0.36) and not
    across."""
    rng = np.random.default_rng(seed)
    topic = rng.standard_normal(DIM)
    scale = np.linalg.norm(topic) / np.sqrt(DIM)
    stories = [topic + scale * rng.standard_normal(DIM) for _ in range(2)]
    rows = np.vstack([stories[k // 14] + 1.2 * scale * rng.standard_normal(DIM) for k in range(28)])
    vectors = (rows / np.linalg.norm(rows, axis=1, keepdims=True)).astype(np.float32)
    words: list[dict[int, float]] = []
    for k in range(28):
        story = k // 14
        own = {1000 * story + w: 0.3 for w in range(4)}  # the story's words
        own.update({10_000 + 10 * k + w: 0.15 for w in range(4)})  # the article's own
        words.append(own)
    return vectors, words


def test_the_keyword_test_follows_the_encoder_and_the_articles_words() -> None:
    assert SATURATED_KEYWORD_COSINE["use"] is None
    a, b = {1: 0.5, 2: 0.5}, {1: 0.5, 3: 0.5}
    assert saturation_test("use", a, lambda key: b) is None
    assert saturation_test("static", {}, lambda key: b) is None  # no keywords: by cosine
    test = saturation_test("static", a, lambda key: b)
    assert test is not None
    assert keyword_cosine(a, b) == 0.25 and test(0, 0.1)  # 0.25 >= 0.2 at any cosine
    never = saturation_test("static", a, lambda key: {9: 1.0})
    assert never is not None and not never(0, 0.99)  # no shared word: not saturated


def _lists(seed: int) -> tuple[list[int] | None, list[int] | None, np.ndarray]:
    """Article 0's list by the document cosine's rule and by the words (budget 4)."""
    vectors, words = _corpus(seed)
    cosines = vectors @ vectors[0]
    order = np.argsort(-cosines, kind="stable")
    assert cosines[order[4]] < 0.8  # the document cosine's rule does not widen
    plain = select_neighbours(order, cosines[order], vectors, 4, -1.0, 0.8)
    test = saturation_test("static", words[0], words.__getitem__)
    wide = select_neighbours(order, cosines[order], vectors, 4, -1.0, 0.8, still_close=test)
    return plain, wide, order


def test_a_list_widens_while_its_last_neighbour_shares_the_words() -> None:
    plain, wide, order = _lists(0)
    assert plain == [int(k) for k in order[:4]]
    # 4, 8, 16: each time the last was of the story (keyword cosine 0.36); capped at 4x.
    assert wide == [int(k) for k in order[:16]] and max(wide[:8]) < 14
    plain, wide, order = _lists(2)
    assert plain == [int(k) for k in order[:4]]
    # 4, 8: the 8th is of the other story (no shared word), so it stops there.
    assert wide == [int(k) for k in order[:8]] and wide[-1] >= 14 and max(wide[:7]) < 14


def _local_pairs(vectors: np.ndarray, words: list[dict[int, float]]) -> set[tuple[int, int]]:
    index = CandidateIndex(STATIC, dim=DIM)
    for k, (v, w) in enumerate(zip(vectors, words, strict=True)):
        index.add_entry(f"d{k:02d}", f"f{k}", v, None)
        index.add_keywords(f"d{k:02d}", w)
    pairs = set()
    for i, (v, w) in enumerate(zip(vectors, words, strict=True)):
        for other in index._vector_neighbours(v, w):
            j = int(other[1:])
            if j != i:
                pairs.add((min(i, j), max(i, j)))
    return pairs


def test_spark_cells_widen_the_lists_as_the_local_index_does() -> None:
    for seed in range(3):
        vectors, words = _corpus(seed)
        local = _local_pairs(vectors, words)
        keys = np.arange(len(vectors), dtype=np.int64)
        cells = set(cell_neighbours(range(len(vectors)), keys, vectors, STATIC, words))
        by_cosine = set(cell_neighbours(range(len(vectors)), keys, vectors, STATIC))
        assert cells == local
        assert by_cosine != local  # the words decided some lists
        incremental = set()
        for row in range(len(vectors)):
            chosen, _ = neighbour_list(row, keys, vectors, STATIC, words)
            incremental.update((min(row, r), max(row, r)) for r in chosen if r != row)
        assert incremental == local
