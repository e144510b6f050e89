"""Candidate inputs of ``compare``'s pair model for ``scripts/fit_pair_model.py --screen``:
how much of each text's lead event the other never tells (:mod:`samestory.screens.lead_words`),
with USE's vectors of single words (the encoder the pair model is fitted and run with).

    python scripts/fit_pair_model.py <the shipped options> --seed N \\
        --screen scripts/pair_inputs_lead_words.py

Screened 2026-12-04 (docs/history/accuracy.md): not shipped.
"""

from __future__ import annotations

from samestory.embed import encoder_for
from samestory.features import DocFeatures
from samestory.screens.lead_words import WordVectors, lead_unmatched

_VECTORS = WordVectors(encoder_for("use").encode)


def _lead_unmatched(a: DocFeatures, b: DocFeatures) -> float:
    return lead_unmatched(a, b, _VECTORS)


def _lead_unmatched_named(a: DocFeatures, b: DocFeatures) -> float:
    """The same, weighed by the share of names the two share (same-company pairs)."""
    names = len(a.entities & b.entities) / max(1, min(len(a.entities), len(b.entities)))
    return lead_unmatched(a, b, _VECTORS) * names


INPUTS = {"lead_unmatched": _lead_unmatched, "lead_unmatched*shared_names": _lead_unmatched_named}
