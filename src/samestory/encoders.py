"""What every sentence encoder shares: the protocol, row normalisation, BLAS threads.

The lowest layer of encoding: :mod:`samestory.embed` (the Universal Sentence Encoder and
the encoder registry) and :mod:`samestory.static_encoder` both build on it, and neither
imports the other at module level.
"""

from __future__ import annotations

import os
from typing import Protocol

import numpy as np

from samestory.parallel import usable_cpus

THREADS_ENV = "SAMESTORY_THREADS"
# Measured on 2 cores: featurize 1.3-1.4x faster with 2 BLAS threads than with 1. More
# threads are untested here, so the automatic default stops at 2.
_MAX_DEFAULT_THREADS = 2


class SentenceEncoder(Protocol):
    """Anything that maps sentences to L2-normalised row vectors."""

    dim: int

    def encode(self, sentences: list[str]) -> np.ndarray: ...


def default_threads() -> int:
    """Encoder BLAS threads: ``$SAMESTORY_THREADS`` if set, else ``min(2, usable CPUs)``."""
    raw = os.environ.get(THREADS_ENV, "").strip()
    if raw:
        try:
            threads = int(raw)
        except ValueError:
            threads = 0
        if threads < 1:
            raise ValueError(f"{THREADS_ENV} must be a positive integer, got {raw!r}")
        return threads
    return max(1, min(_MAX_DEFAULT_THREADS, usable_cpus()))


# Norms below this are treated as zero (by definition: far below any float32 word or
# sentence vector's norm; avoids dividing by zero).
NORM_FLOOR = 1e-12


def normalize_rows(vectors: np.ndarray) -> np.ndarray:
    """Scale each row to unit length (zero rows stay zero)."""
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.maximum(norms, NORM_FLOOR)
