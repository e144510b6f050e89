"""Scoring an article against all its candidates at once gives the same bits as pair by pair."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from samestory import lexical, relate
from samestory.align import sentence_similarity
from samestory.config import DEFAULT_CONFIG
from samestory.features import featurize
from samestory.models import Article
from samestory.pairsims import (
    LEAD_SENTENCES,
    _descending_bits,
    _float_of_descending_bits,
    summarise,
    summarise_against,
    summarise_runs,
    summarise_to,
)
from samestory.pipeline.score import score_pairs


def _unit_rows(rng: np.random.Generator, n: int, dim: int = 16) -> np.ndarray:
    x = rng.standard_normal((n, dim)).astype(np.float32)
    x /= np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-9)
    return x.astype(np.float16)  # as features keep them


# Thresholds of the close shares; random unit vectors in 16 dimensions have cosines
# around 0, so low ones are crossed too.
THRESHOLDS = (0.7, 0.0, -0.2)


def _close_share_by_definition(summary, t: float) -> float:
    """Mean over the shorter side of "best match >= t" (both sides' means if equal)."""
    rows, columns = summary.rows >= t, summary.columns >= t
    if not summary.size:
        return 0.0
    if len(rows) != len(columns):
        shorter = rows if len(rows) < len(columns) else columns
        return float(np.mean(shorter))
    return 0.5 * (float(np.mean(rows)) + float(np.mean(columns)))


def _assert_same_close_shares(summary, alone) -> None:
    for t in THRESHOLDS:
        expected = _close_share_by_definition(alone, t)
        assert summary.close_share(t) == alone.close_share(t) == expected


def _same(x, y) -> bool:
    return (
        np.array_equal(x.sim, y.sim)
        and np.array_equal(x.rows, y.rows)
        and np.array_equal(x.columns, y.columns)
        and x.best == y.best
        and x.top3 == y.top3
        and _same_lead(x, y)
    )


def _same_lead(x, y) -> bool:
    """The block's lead cue (when it computed one) is ``max S[:L, :L]`` of the pair."""
    if x.lead is None:
        return True
    return bool(y.size) and x.lead == float(y.sim[:LEAD_SENTENCES, :LEAD_SENTENCES].max())


@settings(max_examples=120, deadline=None)
@given(
    st.integers(0, 2**31),
    st.integers(0, 6),
    st.lists(st.integers(0, 7), min_size=0, max_size=8),
    st.booleans(),
)
def test_summaries_of_a_block_equal_one_pair_at_a_time(seed, n_fixed, sizes, fixed_first):
    # Shapes include empty articles and pairs of fewer than three sentence pairs; the fixed
    # article stands first (batch order, summarise_against) or second (store order, summarise_to).
    rng = np.random.default_rng(seed)
    fixed = _unit_rows(rng, n_fixed)
    others = [_unit_rows(rng, m) for m in sizes]
    if fixed_first:
        together = summarise_against(fixed, others, THRESHOLDS)
    else:
        together = summarise_to(others, fixed, THRESHOLDS)
    assert len(together) == len(others)
    for other, summary in zip(others, together, strict=True):
        pair = (fixed, other) if fixed_first else (other, fixed)
        alone = summarise(sentence_similarity(*pair))
        assert _same(summary, alone)
        _assert_same_close_shares(summary, alone)


@settings(max_examples=120, deadline=None)
@given(
    st.integers(0, 2**31),
    st.lists(
        st.tuples(st.integers(0, 9), st.lists(st.integers(0, 7), min_size=0, max_size=5)),
        min_size=0,
        max_size=6,
    ),
    st.sampled_from([THRESHOLDS, (), (0.5,), (-1.0, 0.3)]),
)
def test_summaries_of_many_runs_equal_one_pair_at_a_time(seed, shapes, thresholds):
    # Runs of first articles of different lengths share a padded block (summarise_runs);
    # a threshold of -1 would count the padding, so those runs keep a block each.
    rng = np.random.default_rng(seed)
    runs = [(_unit_rows(rng, n), [_unit_rows(rng, m) for m in sizes]) for n, sizes in shapes]
    together = summarise_runs(runs, thresholds)
    assert [len(s) for s in together] == [len(others) for _, others in runs]
    for (fixed, others), summaries in zip(runs, together, strict=True):
        assert [s.close for s in summaries] == [
            s.close for s in summarise_against(fixed, others, thresholds)
        ]
        for other, summary in zip(others, summaries, strict=True):
            alone = summarise(sentence_similarity(fixed, other))
            assert _same(summary, alone)
            assert summary.sim.shape == alone.sim.shape
            assert summary.rows.shape == alone.rows.shape
            for t in thresholds:
                assert summary.close_share(t) == _close_share_by_definition(alone, t)


def test_summary_reads_the_matrix():
    sim = np.array([[0.1, 0.9, 0.3], [0.8, 0.2, 0.85]], dtype=np.float32)
    s = summarise(sim)
    assert s.best == pytest.approx(0.9)
    assert s.top3 == pytest.approx((0.9 + 0.85 + 0.8) / 3)
    assert s.rows.tolist() == pytest.approx([0.9, 0.85])
    assert s.columns.tolist() == pytest.approx([0.8, 0.9, 0.85])
    empty = summarise(np.zeros((2, 0), dtype=np.float32))
    assert (empty.size, empty.best, empty.top3, len(empty.rows)) == (0, 0.0, 0.0, 2)


@given(st.lists(st.floats(-1.0, 1.0, width=32), min_size=1, max_size=50))
def test_float_bits_sort_in_decreasing_order_and_come_back_exactly(values):
    x = np.array(values, dtype=np.float32)
    keys = _descending_bits(x)
    assert np.array_equal(_float_of_descending_bits(keys).view(np.uint32), x.view(np.uint32))
    ordered = x[np.argsort(keys, kind="stable")]
    assert (ordered[1:] <= ordered[:-1]).all()


def test_batched_scoring_gives_the_relations_of_relate(ecb_records):
    # Relations compare every field, evidence scores included, exactly.
    articles = [Article(id=r["id"], text=r["text"]) for r in ecb_records[:24]]
    features = featurize(articles)
    pairs = [(i, j) for i in range(0, 24, 3) for j in range(24) if j != i]
    config = DEFAULT_CONFIG.replace(workers=1)
    batched = score_pairs(features, pairs, config)
    one_by_one = [relate.relate(features[i], features[j], config) for i, j in pairs]
    assert batched == one_by_one
    assert relate.relate_against(features[0], features[1:5], config) == one_by_one[:4]


def test_relating_many_to_one_gives_the_relations_of_relate(ecb_records):
    # The store's order: each stored neighbour first, the new article second.
    articles = [Article(id=r["id"], text=r["text"]) for r in ecb_records[:16]]
    features = featurize(articles)
    config = DEFAULT_CONFIG.replace(workers=1)
    for b in (features[0], features[7]):
        others = [f for f in features if f is not b]
        expected = [relate.relate(o, b, config) for o in others]
        assert relate.relate_to(others, b, config) == expected


@settings(max_examples=60, deadline=None)
@given(
    st.integers(0, 2**31), st.lists(st.integers(0, 30), min_size=0, max_size=6), st.integers(0, 30)
)
def test_term_cosines_against_many_equal_one_at_a_time(seed, sizes, size_a):
    # Small hash range, so vectors share words; empty vectors included.
    rng = np.random.default_rng(seed)

    def vector(n: int) -> tuple[np.ndarray, np.ndarray]:
        hashes = np.unique(rng.integers(-40, 40, n)).astype(np.int64)
        weights = rng.random(len(hashes)).astype(np.float32)
        return hashes, weights

    a = vector(size_a)
    others = [vector(n) for n in sizes]
    expected = [lexical.cosine(a, b) for b in others]
    assert lexical.cosines_against(a, others) == expected
    # Symmetric bit for bit, so relate_to may search the fixed article's hashes.
    assert [lexical.cosine(b, a) for b in others] == expected


# Words of several lengths: the prefix filter orders words by length.
_WORDS = st.lists(
    st.sampled_from(["a", "bb", "c", "ddd", "e", "ff", "g", "hhhh"]), min_size=0, max_size=6
)


@settings(max_examples=80, deadline=None)
@given(st.lists(_WORDS, max_size=4), st.lists(_WORDS, max_size=4))
def test_shared_quotes_are_those_of_word_jaccard_at_least_a_half(quotes_a, quotes_b):
    a = tuple(" ".join(q) for q in quotes_a)
    b = tuple(" ".join(q) for q in quotes_b)

    def jaccard(x: str, y: str) -> float:
        wx, wy = set(x.split()), set(y.split())
        return len(wx & wy) / len(wx | wy) if wx | wy else 0.0

    expected = list(dict.fromkeys(q for q in a if any(jaccard(q, o) >= 0.5 for o in b)))
    assert relate._shared_quotes(a, b) == expected


def test_pairs_in_any_order_get_the_relations_of_relate_in_that_order(ecb_records):
    # Copy pairs come by copy index, so one article's pairs are scattered: scoring puts
    # them together and gives the relations back in the callers' order.
    articles = [Article(id=r["id"], text=r["text"]) for r in ecb_records[:12]]
    features = featurize(articles)
    pairs = [(i, j) for j in range(12) for i in (0, 4, 8) if i != j]
    config = DEFAULT_CONFIG.replace(workers=1)
    expected = [relate.relate(features[i], features[j], config) for i, j in pairs]
    assert score_pairs(features, pairs, config) == expected


@given(st.lists(st.tuples(st.integers(0, 6), st.integers(0, 6)), max_size=30))
def test_pairs_are_put_in_first_article_order_stably(pairs):
    from samestory.pipeline.score import _by_first_article

    order = _by_first_article(pairs)
    ordered = pairs if order is None else [pairs[k] for k in order]
    assert sorted(order or range(len(pairs))) == list(range(len(pairs)))
    firsts = [i for i, _ in ordered]
    # Each article's pairs together, in their given order.
    assert len({i for i, _ in pairs}) == len(
        [k for k in range(len(firsts)) if k == 0 or firsts[k] != firsts[k - 1]]
    )
    for i in set(firsts):
        assert [p for p in ordered if p[0] == i] == [p for p in pairs if p[0] == i]
    if order is not None:
        assert firsts == sorted(firsts)


def test_scoring_workers_retire_only_on_a_corpus_they_could_not_read_whole(monkeypatch):
    # A retiring worker bounds its copied pages only when its pairs read a small part of
    # the corpus; below RECYCLE_FROM_ARTICLES it would read most of it anyway.
    import samestory.pipeline.score as score_module

    seen: list[tuple[int | None, bool]] = []

    def record(
        task, n_items, workers, chunk_size, on_chunk=None, chunks_per_worker=0, contiguous=False
    ):
        seen.append((chunks_per_worker, contiguous))
        return []

    monkeypatch.setattr(score_module, "map_chunks", record)
    features = [object()] * score_module.RECYCLE_FROM_ARTICLES
    score_pairs(features[:-1], [], DEFAULT_CONFIG)  # type: ignore[arg-type]
    score_pairs(features, [], DEFAULT_CONFIG)  # type: ignore[arg-type]
    # Workers score runs of neighbouring articles either way (their caches serve them).
    assert seen == [(None, True), (score_module.CHUNKS_PER_WORKER, True)]
