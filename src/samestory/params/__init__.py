"""Fitted parameters shipped with the package, as data files written by ``scripts/``.

``story_model.json`` holds the models of :mod:`samestory.relate` (event-model weights by
cue name, graded-similarity shapes, what they were fitted on and their cross-validated
figures); ``scripts/fit_story_model.py`` rewrites it. :mod:`samestory.relate` reads it once,
at import, and checks its cue names against the cues it computes.

A model fitted on another encoder's features sits beside it as ``NAME.ENCODER.json``
(e.g. ``story_model.static.json``, ``scripts/fit_story_model.py --encoder static``):
:func:`for_encoder` picks the file for the encoder in use, and falls back to the
plain file, fitted on USE features, when there is none: so the default static encoder
(since 2026-12-03) scores with USE's fit (no ``story_model.static.json`` ships: its own fit
was no better under topic CV, docs/experiments.md 2026-12-03).
"""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

STORY_MODEL_FILE = "story_model.json"
# The encoder whose features fitted the plain NAME.json files (not the default encoder).
DEFAULT_FIT_ENCODER = "use"


def load(name: str) -> dict[str, Any]:
    """The parsed JSON data file ``name`` of this package."""
    data: dict[str, Any] = json.loads(
        resources.files(__name__).joinpath(name).read_text(encoding="utf-8")
    )
    return data


def path_of(name: str) -> str:
    """Filesystem path of the data file ``name`` (for the fit script to rewrite it)."""
    return str(resources.files(__name__).joinpath(name))


def exists(name: str) -> bool:
    """Whether the data file ``name`` ships with this package."""
    return resources.files(__name__).joinpath(name).is_file()


def encoder_file(name: str, encoder: str) -> str:
    """``NAME.ENCODER.json`` for ``NAME.json`` (where a fit on ``encoder``'s features goes)."""
    stem, dot, ext = name.rpartition(".")
    return f"{stem}.{encoder}.{ext}" if dot else f"{name}.{encoder}"


def for_encoder(name: str, encoder: str) -> tuple[str, str]:
    """The data file to load for ``encoder`` (``NAME.ENCODER.json`` when shipped, else
    ``name``), and why: a line for the model's ``fitted_by``."""
    if encoder == DEFAULT_FIT_ENCODER:
        return name, f"{name}: fitted on {encoder} features"
    own = encoder_file(name, encoder)
    if exists(own):
        return own, f"{own}: fitted on {encoder} features"
    return name, (
        f"{name}: fitted on {DEFAULT_FIT_ENCODER} features, applied to {encoder}'s "
        f"(no {own} shipped)"
    )
