"""Fitted parameters shipped with the package, as data files written by ``scripts/``.

``story_model.json`` holds the models of :mod:`samestory.relate` (event-model weights by
cue name, graded-similarity shapes, what they were fitted on and their cross-validated
figures); ``scripts/fit_story_model.py`` rewrites it. :mod:`samestory.relate` reads it once,
at import, and checks its cue names against the cues it computes.
"""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

STORY_MODEL_FILE = "story_model.json"


def load(name: str) -> dict[str, Any]:
    """The parsed JSON data file ``name`` of this package."""
    data: dict[str, Any] = json.loads(
        resources.files(__name__).joinpath(name).read_text(encoding="utf-8")
    )
    return data


def path_of(name: str) -> str:
    """Filesystem path of the data file ``name`` (for the fit script to rewrite it)."""
    return str(resources.files(__name__).joinpath(name))
