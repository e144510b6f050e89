"""Candidate inputs of ``compare``'s pair model for ``scripts/fit_pair_model.py --screen``:
*event-type* cues (:mod:`samestory.screens.event_words`), what two reports of one team, company
or person tell happened (the 76ers hire Cheeks / fire him; Airbus cuts jobs / the A380
flies to the US). Read from the pair's two texts alone (no corpus).

    python scripts/fit_pair_model.py <the shipped options> --seed N \\
        --screen scripts/pair_inputs_event.py --screen-with scripts/pair_inputs_instance.py

- ``event_unmatched``: of each headline's first content words after its subject, the
  share the other text never uses, the smaller of both directions (one language only).
- ``event_conflict``: 1 when neither text uses any of the other's (one language only).
- ``headline_event_cosine``: the USE cosine of the two headlines without their names and
  numbers (:func:`samestory.screens.event_words.headline_phrase`; multilingual).

Screened 2026-12-05 under a protocol fixed before seeds 0-3 (docs/history/accuracy.md, pairfit):
not shipped.
"""

from __future__ import annotations

import numpy as np

from samestory.embed import encoder_for
from samestory.features import DocFeatures
from samestory.screens.event_words import event_conflict, event_unmatched, headline_phrase

_ENCODE = encoder_for("use").encode
_VECTORS: dict[str, np.ndarray] = {}


def _vector(f: DocFeatures) -> np.ndarray:
    key = f"{f.id}\0{f.fingerprint}"
    if key not in _VECTORS:
        v = np.asarray(_ENCODE([headline_phrase(f) or "-"])[0], dtype=np.float64)
        _VECTORS[key] = v / max(float(np.linalg.norm(v)), 1e-9)
    return _VECTORS[key]


def headline_event_cosine(a: DocFeatures, b: DocFeatures) -> float:
    return float(_vector(a) @ _vector(b))


INPUTS = {
    "event_unmatched": event_unmatched,
    "event_conflict": event_conflict,
    "headline_event_cosine": headline_event_cosine,
}
