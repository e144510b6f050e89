"""The static encoder distilled from USE: determinism, unit rows, cross-lingual sense, cache.

Tables are distilled from the 6,000 most frequent pieces only (about a second), into a
temporary cache directory.
"""

from __future__ import annotations

import logging
import threading

import numpy as np
import pytest

pytest.importorskip("sentencepiece")

from samestory.static_encoder import StaticSentenceEncoder, blas_threads_at_most

VOCAB = 6000
SENTENCES = [
    "The earthquake destroyed hundreds of houses in the north of the country.",
    "El terremoto destruyó cientos de casas en el norte del país.",
    "The company reported higher profits for the third quarter.",
    "",
]


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    return tmp_path_factory.mktemp("static-cache")


# Distilling the model2vec table (PCA over 6,000 pieces) takes 6 s of CPU: a slow test.
@pytest.fixture(scope="module", params=["dan", pytest.param("model2vec", marks=pytest.mark.slow)])
def encoder(request, cache):
    return StaticSentenceEncoder(request.param, vocab_size=VOCAB, cache=cache, pca_dims=128)


def test_shape_unit_norm_and_determinism(encoder, cache):
    vectors = encoder.encode(SENTENCES)
    assert vectors.shape == (len(SENTENCES), encoder.dim)
    assert vectors.dtype == np.float32
    norms = np.linalg.norm(vectors[:3], axis=1)
    np.testing.assert_allclose(norms, 1.0, atol=1e-5)
    assert np.linalg.norm(vectors[3]) <= 1.0 + 1e-5  # empty text: unit or zero row
    again = StaticSentenceEncoder(
        encoder.method, vocab_size=VOCAB, cache=cache, pca_dims=128
    ).encode(SENTENCES)
    np.testing.assert_array_equal(vectors, again)
    # A sentence's vector does not depend on the rest of the batch (up to BLAS rounding).
    np.testing.assert_allclose(encoder.encode(SENTENCES[2:3])[0], vectors[2], atol=1e-6)
    assert encoder.encode([]).shape == (0, encoder.dim)


def test_fewer_blas_threads_same_bits(cache):
    """Capping the BLAS threads (the features stage's encoder thread beside its workers)
    changes the threads, on this thread only, not one bit of the vectors."""
    encoder = StaticSentenceEncoder("dan", vocab_size=VOCAB, cache=cache, threads=2)
    # Enough rows for OpenBLAS to share a product among two threads.
    batch = [f"{s} ({k})" for k in range(300) for s in SENTENCES]
    vectors = encoder.encode(batch)
    with blas_threads_at_most(1):
        assert encoder.encode_threads() == 1
        capped = encoder.encode(batch)
        seen: list[int] = []
        other = threading.Thread(target=lambda: seen.append(encoder.encode_threads()))
        other.start()
        other.join()
    assert seen == [2]  # another thread is not capped
    assert encoder.encode_threads() == 2
    np.testing.assert_array_equal(vectors, capped)


def test_translation_is_closer_than_an_unrelated_sentence(encoder):
    english, spanish, unrelated = encoder.encode(SENTENCES[:3])
    assert english @ spanish > english @ unrelated + 0.1


def test_dan_vectors_live_in_use_space(cache):
    """ "dan" keeps USE's head, so its vectors are comparable with USE's own.

    Checked on a sentence of common words: the reduced test vocabulary covers them.
    """
    from samestory.embed import UniversalSentenceEncoder

    common = SENTENCES[2:3]
    static = StaticSentenceEncoder("dan", vocab_size=VOCAB, cache=cache).encode(common)
    use = UniversalSentenceEncoder(threads=1).encode(common)
    assert float(static[0] @ use[0]) > 0.6


@pytest.fixture(scope="module")
def small_table(tmp_path_factory):
    """One table built from scratch (vocabulary 500) and its vectors, to damage copies of."""
    encoder = StaticSentenceEncoder("dan", vocab_size=500, cache=tmp_path_factory.mktemp("t"))
    vectors = encoder.encode(SENTENCES)
    assert encoder.table_path().exists()
    return encoder.table_path(), vectors


@pytest.mark.parametrize("damage", ["missing", "truncated", "garbage"])
def test_damaged_cache_file_is_rebuilt(tmp_path, damage, small_table, caplog):
    caplog.set_level(logging.WARNING, logger="samestory")
    built, expected = small_table
    path = tmp_path / built.name
    if damage == "truncated":
        path.write_bytes(built.read_bytes()[: built.stat().st_size // 2])
    elif damage == "garbage":
        path.write_bytes(b"not a numpy file at all")
    rebuilt = StaticSentenceEncoder("dan", vocab_size=500, cache=tmp_path)
    np.testing.assert_array_equal(rebuilt.encode(SENTENCES), expected)
    assert "building the static sentence encoder" in caplog.text
    assert [p.name for p in tmp_path.iterdir()] == [path.name]  # no temporary files left


# Fitting "ctx" runs USE's first stage over its reference text (here 14 languages x 300
# words) after distilling "dan": ~10 s of CPU.
@pytest.mark.slow
def test_ctx_rows_are_closer_to_use_than_context_free_ones(cache):
    """ "ctx" puts back the average effect of a piece's neighbours: same cost, same space,
    nearer to USE's own vector than "dan" (checked on sentences of common words)."""
    from samestory.embed import UniversalSentenceEncoder

    common = SENTENCES[:3]
    ctx = StaticSentenceEncoder("ctx", vocab_size=VOCAB, context_words=300, cache=cache)
    vectors = ctx.encode(common)
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    again = StaticSentenceEncoder("ctx", vocab_size=VOCAB, context_words=300, cache=cache)
    np.testing.assert_array_equal(again.encode(common), vectors)
    dan = StaticSentenceEncoder("dan", vocab_size=VOCAB, cache=cache).encode(common)
    use = UniversalSentenceEncoder(threads=1).encode(common)
    assert np.all(np.sum(vectors * use, axis=1) > np.sum(dan * use, axis=1))
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2] + 0.1


def test_unknown_method_is_rejected():
    with pytest.raises(ValueError, match="method"):
        StaticSentenceEncoder("glove")


# ---------- "lin": the affine map to USE's pooled vector (params/static_map.npy) ----------
def test_shipped_map_loads_with_its_shape_and_sidecar():
    import hashlib
    import json
    from importlib import resources

    from samestory.static_encoder import MAP_SHAPE, STATIC_MAP_FILE, load_static_map

    affine_map = load_static_map()
    assert affine_map.shape == MAP_SHAPE and affine_map.dtype == np.float32
    assert np.all(np.isfinite(affine_map))
    params = resources.files("samestory.params")
    raw = params.joinpath(STATIC_MAP_FILE).read_bytes()
    assert len(raw) < 600_000  # float16 on disk: package data stays small
    meta = json.loads(params.joinpath("static_map.json").read_text(encoding="utf-8"))
    assert meta["map_sha256"] == hashlib.sha256(raw).hexdigest()
    assert tuple(meta["shape"]) == MAP_SHAPE


@pytest.mark.parametrize(
    "bad",
    [np.zeros((512, 512)), np.zeros((513, 256)), np.full((513, 512), np.nan)],
    ids=["no-intercept-row", "narrow", "nan"],
)
def test_a_malformed_map_is_refused_at_construction(bad):
    with pytest.raises(ValueError, match="map"):
        StaticSentenceEncoder("lin", affine_map=bad)
    with pytest.raises(ValueError, match="lin"):
        StaticSentenceEncoder("dan", affine_map=np.zeros((513, 512)))


def test_identity_map_gives_dan_and_lin_vectors_are_deterministic(cache):
    identity = np.r_[np.eye(512), np.zeros((1, 512))]
    dan = StaticSentenceEncoder("dan", vocab_size=VOCAB, cache=cache).encode(SENTENCES)
    same = StaticSentenceEncoder("lin", vocab_size=VOCAB, cache=cache, affine_map=identity)
    np.testing.assert_allclose(same.encode(SENTENCES), dan, atol=1e-6)
    lin = StaticSentenceEncoder("lin", vocab_size=VOCAB, cache=cache)
    vectors = lin.encode(SENTENCES)
    np.testing.assert_allclose(np.linalg.norm(vectors[:3], axis=1), 1.0, atol=1e-5)
    again = StaticSentenceEncoder("lin", vocab_size=VOCAB, cache=cache).encode(SENTENCES)
    np.testing.assert_array_equal(vectors, again)
    np.testing.assert_allclose(lin.encode(SENTENCES[2:3])[0], vectors[2], atol=1e-6)
    assert not np.allclose(vectors[:3], dan[:3], atol=1e-2)  # the shipped map does something


def test_lin_builds_its_own_table_in_an_empty_cache(tmp_path, cache):
    """On a new machine "lin" may be the first to build the shared table (the CLI's
    `--encoder static`): it must write "dan"'s 512-wide sums, not a PCA'd table."""
    lin = StaticSentenceEncoder("lin", vocab_size=VOCAB, cache=tmp_path)
    vectors = lin.encode(SENTENCES)
    assert vectors.shape == (len(SENTENCES), 512)
    assert np.load(lin.table_path(), mmap_mode="r").shape[1] == 512
    warm = StaticSentenceEncoder("lin", vocab_size=VOCAB, cache=cache).encode(SENTENCES)
    np.testing.assert_allclose(vectors, warm, atol=1e-6)


def test_lin_is_closer_to_use_than_dan(cache):
    """The map is fitted to USE's pooled vector: on sentences of common words its vectors
    are nearer USE's own than the unmapped "dan" ones, and translations stay close."""
    from samestory.embed import UniversalSentenceEncoder

    common = SENTENCES[:3]
    lin = StaticSentenceEncoder("lin", vocab_size=VOCAB, cache=cache).encode(common)
    dan = StaticSentenceEncoder("dan", vocab_size=VOCAB, cache=cache).encode(common)
    use = UniversalSentenceEncoder(threads=1).encode(common)
    assert np.mean(np.sum(lin * use, axis=1)) > np.mean(np.sum(dan * use, axis=1))
    assert lin[0] @ lin[1] > lin[0] @ lin[2] + 0.1


def test_fit_affine_map_recovers_a_known_map_and_is_deterministic():
    from samestory.static_encoder import fit_affine_map

    rng = np.random.default_rng(0)
    x = rng.normal(size=(3000, 8)).astype(np.float32)
    true = rng.normal(size=(9, 8))
    y = (np.c_[x, np.ones(len(x))] @ true + 0.01 * rng.normal(size=(3000, 8))).astype(np.float32)
    fitted = fit_affine_map(x, y, ridge=1e-6)
    np.testing.assert_allclose(fitted, true, atol=1e-2)
    assert fit_affine_map(x, y).tobytes() == fit_affine_map(x, y).tobytes()
    with pytest.raises(ValueError):
        fit_affine_map(x, y[:, :4])


def test_prefetch_reads_the_file_ahead_and_ignores_a_missing_one(tmp_path):
    from samestory.static_encoder import prefetch

    path = tmp_path / "table.npy"
    data = np.arange(3 << 20, dtype=np.uint8)  # a few readahead pieces
    np.save(path, data)
    thread = prefetch(path)
    if thread is None:  # no posix_fadvise here: nothing to ask for
        return
    thread.join(10)
    assert not thread.is_alive() and thread.daemon
    assert np.array_equal(np.load(path, mmap_mode="r"), data)  # a hint: the file unchanged
    missing = prefetch(tmp_path / "gone.npy")
    assert missing is not None
    missing.join(10)
    assert not missing.is_alive()
