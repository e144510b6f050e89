"""A sentence's vector is a function of the sentence alone, bit for bit.

Whatever the batch it came in (alone, among others, in another order, in sub-lists), the
BLAS threads and the cache's state: the static encoder's products run in fixed blocks
(:class:`samestory.static_encoder.FixedBlocks`; docs/design.md "Floating point").
Tables are distilled from the 6,000 most frequent pieces (about a second), into a
temporary cache directory.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

pytest.importorskip("sentencepiece")

from samestory import static_encoder
from samestory.embed import CachedEncoder
from samestory.static_encoder import (
    FIXED_BLOCK,
    FixedBlocks,
    StaticSentenceEncoder,
    blas_threads_at_most,
    row_hashes,
)

VOCAB = 6000
TEXT = (
    "the earthquake destroyed hundreds of houses in north country police said a man was "
    "shot killed on Tuesday night el terremoto destruyó cientos de casas company reported "
    "higher profits for third quarter 2013 Chicago 17-year-old suspect arrested charged"
)
WORDS = TEXT.split(" ")
# 300 distinct sentences: more than one block of FIXED_BLOCK rows, so slots are shared.
POOL = [
    " ".join(WORDS[(k * 7 + j * 3) % len(WORDS)] for j in range(3 + k % 17)) + f" ({k})"
    for k in range(300)
] + ["", "x"]


@pytest.fixture(scope="module", autouse=True)
def fixed_blocks():
    """These tests judge the switch on (off, it is main's one product per batch)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(static_encoder, "FIXED_BLOCKS", True)
        yield


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    return tmp_path_factory.mktemp("bitstable-cache")


# The shipped encoders' methods: "lin" is the default static encoder, "dan" its map-free
# form; "model2vec" (a sum and a norm, no BLAS product) distils for 6 s: slow.
@pytest.fixture(
    scope="module", params=["lin", "dan", pytest.param("model2vec", marks=pytest.mark.slow)]
)
def encoder(request, cache):
    return StaticSentenceEncoder(request.param, vocab_size=VOCAB, cache=cache, threads=2)


@pytest.fixture(scope="module")
def reference(encoder):
    return dict(zip(POOL, encoder.encode(POOL), strict=True))


def assert_same_bits(vectors: np.ndarray, sentences: list[str], reference: dict) -> None:
    expected = np.array([reference[s] for s in sentences], dtype=np.float32)
    assert vectors.dtype == np.float32
    assert vectors.tobytes() == expected.tobytes()


def test_alone_equals_in_the_whole_batch(encoder, reference):
    for sentence in POOL[::23] + POOL[-2:]:
        assert_same_bits(encoder.encode([sentence]), [sentence], reference)


def test_order_sub_lists_and_repeats(encoder, reference):
    rng = np.random.default_rng(0)
    shuffled = [POOL[k] for k in rng.permutation(len(POOL))]
    assert_same_bits(encoder.encode(shuffled), shuffled, reference)
    for size in (2, 3, 37, FIXED_BLOCK, FIXED_BLOCK + 1, 129):
        chunks = [shuffled[k : k + size] for k in range(0, len(shuffled), size)]
        vectors = np.concatenate([encoder.encode(c) for c in chunks])
        assert_same_bits(vectors, shuffled, reference)
    repeated = POOL[:5] * 40  # one slot shared by many copies of few rows
    assert_same_bits(encoder.encode(repeated), repeated, reference)


@settings(max_examples=25)
@given(st.lists(st.integers(0, len(POOL) - 1), min_size=1, max_size=150))
def test_any_batch_gives_the_same_bits(encoder, reference, picks):
    batch = [POOL[k] for k in picks]
    assert_same_bits(encoder.encode(batch), batch, reference)


def test_blas_threads_and_the_cache_state_do_not_move_a_bit(encoder, reference, cache):
    batch = POOL[::-1]
    with blas_threads_at_most(1):
        assert_same_bits(encoder.encode(batch), batch, reference)
    one = StaticSentenceEncoder(
        encoder.method, vocab_size=VOCAB, cache=cache, threads=1, pca_dims=encoder.pca_dims
    )
    assert_same_bits(one.encode(batch), batch, reference)
    cached = CachedEncoder(encoder)
    cached.encode(POOL[10:50])  # warm with one batching, ask with another
    mixed = POOL[:100]
    assert_same_bits(cached.encode(mixed), mixed, reference)


def test_head_on_pooled_rows_is_row_wise(cache):
    encoder = StaticSentenceEncoder("dan", vocab_size=VOCAB, cache=cache)
    pooled = encoder.pooled(POOL)
    whole = encoder.head(pooled)
    alone = np.concatenate([encoder.head(pooled[k : k + 1]) for k in range(0, len(POOL), 17)])
    assert alone.tobytes() == whole[::17].tobytes()
    assert encoder.head(pooled[:0]).shape == (0, 512)


def test_fixed_blocks_keep_rows_in_their_class_of_places():
    rng = np.random.default_rng(1)
    rows = rng.standard_normal((500, 64)).astype(np.float32)
    rows[7] = rows[3]  # equal rows, one class: they take two places
    shapes: list[tuple[int, ...]] = []

    def by_place(x: np.ndarray) -> np.ndarray:
        """A fake kernel that rounds by place: places 0-9 add 1, the others 2."""
        shapes.append(x.shape)
        return x + np.where(np.arange(len(x)) < 10, 1, 2).astype(np.float32)[:, None]

    blocks = FixedBlocks(by_place, 64, block=32)
    assert [p.tolist() for p in blocks.classes] == [list(range(10)), list(range(10, 32))]
    out = blocks.run(rows, by_place)
    assert set(shapes) == {(32, 64)}
    hashes = row_hashes(rows) % np.uint64(32)
    expected = rows + np.where(hashes < 10, 1, 2).astype(np.float32)[:, None]
    assert out.tobytes() == expected.tobytes()
    assert out[3].tobytes() == out[7].tobytes()
    assert blocks.run(rows[:0], by_place).shape == (0, 64)
    assert len(set(hashes.tolist())) == 32  # the hash spreads the rows
