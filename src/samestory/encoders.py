"""What every sentence encoder shares: the protocol, row normalisation, BLAS threads.

The lowest layer of encoding: :mod:`samestory.embed` (the Universal Sentence Encoder and
the encoder registry) and :mod:`samestory.static_encoder` both build on it, and neither
imports the other at module level.
"""

from __future__ import annotations

import contextlib
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


def one_blas_thread() -> contextlib.AbstractContextManager[object]:
    """Run many small matrix products with one BLAS thread.

    A product of one vector with a few thousand rows (a nearest-neighbour search) or of
    two small sentence matrices (scoring a pair) takes microseconds; a multi-threaded
    BLAS spends far longer waking and synchronising its threads (candidate search on
    1,156 real articles: 8.6 s of CPU with two threads, 1.7 s with one). Wrap loops, not
    single calls: entering the limit costs ~0.1 ms.
    """
    from threadpoolctl import threadpool_limits

    return threadpool_limits(limits=1, user_api="blas")
