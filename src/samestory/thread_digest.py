"""The digest of the thread model a store's thread scores were made with.

Light on purpose (``json``, ``hashlib`` and the package's data files): the fast
``samestory stories`` path compares it with the one a store records without importing
the engine. What decides a pair's thread probability is the model file's numbers
(its input names, weights, trees, threshold and short-text correction) and how
:func:`samestory.threads.thread_features` computes the inputs, which the file does not
hold: :data:`INPUTS_VERSION` stands for that code, and is bumped with it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

from samestory import params

MODEL_FILE = "thread_model.json"
# Bump when samestory.threads computes an input differently (a cut such as FAR_APART_DAYS
# or RARE_NAME, a name's roles, a new correction-only input's formula): stores then read
# their pairs' inputs again from the stored features and re-thread.
INPUTS_VERSION = 2
# What a thread model file holds that decides thread probabilities and links (the rest
# of the file says how it was fitted).
DECIDING_KEYS = (
    "features",
    "baseline",
    "weights",
    "trees",
    "threshold",
    "short_weights",
    "short_bias",
)


def model_digest(data: Mapping[str, Any] | None = None) -> str:
    """SHA-256 of what decides thread probabilities and links: the deciding parts of the
    thread model file (``data``, by default the shipped file) and :data:`INPUTS_VERSION`.
    A refit that moves a number changes it; one that rewrites only the file's figures
    (CV results, dates) does not."""
    data = params.load(MODEL_FILE) if data is None else data
    deciding = {k: data[k] for k in DECIDING_KEYS if k in data}
    text = json.dumps({"model": deciding, "inputs_version": INPUTS_VERSION}, sort_keys=True)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
