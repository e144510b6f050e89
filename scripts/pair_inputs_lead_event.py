"""Candidate pair-model input (``scripts/fit_pair_model.py --screen``): do two texts of one
language, dated more than a day apart, lead with the same event? MEANTIME's false links
(docs/history/accuracy.md, 2026-12-07 05:48, compare) are one company's two articles
2-30 days apart in one language ("First Airbus A380 delivered" / "First A380 enters
commercial service", "Airbus announces job cuts" / "A380 makes maiden flight to US"),
pushed over by the date gap, ``lexical_cosine`` and ``number_jaccard``: the later text
recaps the earlier event in its body, so what differs is the event its *lead* names.

:func:`lead_event_unmatched` is the mean over both directions of
:func:`samestory.screens.lead_words.unmatched_share` of one text's lead content words
(its first :data:`~samestory.screens.lead_words.LEAD_WORDS` words: title, dateline, first
sentence; lower-case words of three letters or more with ``lexical.specificity`` >= 2,
no list) against **the other text's lead** (not its whole text, as the 2026-12-04
``lead_unmatched`` screen read it: a recap in the body would match it), each word's best
cosine of USE's single-word vectors. It is **0 unless** both texts are in one language
(MEANTIME's positives are translations) and both are dated, more than
:data:`MIN_GAP_DAYS` apart (one event's reports on one day stay 0): fitted on top of the
base (``--offset-fit``), every other pair keeps the base's probability. No word list is
read off any pair.

    python scripts/fit_pair_model.py <the shipped options> --max-pairs 100000 \\
        --fold-seeds 10 --fold-seeds-from 130 --hold-thresholds --offset-fit \\
        --screen scripts/pair_inputs_lead_event.py \\
        --screen-with scripts/pair_inputs_venues_after.py

Judged under the protocol of docs/history/accuracy.md, 2026-12-07 08:55, compare: failed
(MEANTIME false links 507 -> 533, GVA met on 2 against 8); not shipped.
"""

from __future__ import annotations

from collections.abc import Callable

from samestory.features import DocFeatures
from samestory.screens.lead_words import LEAD_WORDS, WordVectors, content_words, unmatched_share

MIN_GAP_DAYS = 1  # dated more than this many days apart

_VECTORS: WordVectors | None = None


def _vectors() -> WordVectors:
    """USE's word vectors (the encoder the pair model is fitted and run with), loaded
    on first use."""
    global _VECTORS
    if _VECTORS is None:
        from samestory.embed import encoder_for

        _VECTORS = WordVectors(encoder_for("use").encode)
    return _VECTORS


def gated(a: DocFeatures, b: DocFeatures) -> bool:
    """Both texts in one (known) language and dated more than :data:`MIN_GAP_DAYS` apart."""
    if a.lang is None or a.lang != b.lang or a.date is None or b.date is None:
        return False
    return abs((a.date - b.date).days) > MIN_GAP_DAYS


def lead_event_unmatched(
    a: DocFeatures, b: DocFeatures, vectors: Callable[[], WordVectors] = _vectors
) -> float:
    """0 unless :func:`gated`; then how much of each lead's event words the other lead
    lacks (mean over both directions; 0 when neither lead has a content word)."""
    if not gated(a, b):
        return 0.0
    leads = content_words(a, LEAD_WORDS), content_words(b, LEAD_WORDS)
    word_vectors = vectors()
    shares = [
        share
        for x, y in (leads, leads[::-1])
        if (share := unmatched_share(x, y, word_vectors)) is not None
    ]
    return sum(shares) / len(shares) if shares else 0.0


INPUTS = {"lead_event_unmatched": lead_event_unmatched}
