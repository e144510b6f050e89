"""Candidate inputs of ``compare``'s pair model for ``scripts/fit_pair_model.py --screen``:
*cross-language* cues, how far two texts in two languages tell the same headline event.
Read from the pair's two texts alone (no corpus, no new encoder call: the sentence
vectors the features already hold).

    python scripts/fit_pair_model.py <the shipped options> --seed N \\
        --screen scripts/pair_inputs_crosslingual.py \\
        --screen-with scripts/pair_inputs_instance.py

MEANTIME's binding false links are two events of one company (the first A380's delivery
on 15 October 2007 and its first commercial flight two days later): the names agree and
the headlines differ. Its true pairs are translations, whose headline and lead say the
same thing in another language. ECB+ and GVA are English only, so a cue read only across
languages leaves their pairs at 0 and their weight cannot turn it against MEANTIME (the
name-removed headline cosine of 2026-12-05 separated MEANTIME's false links, AUC 0.91,
and got a negative weight from ECB+'s same-type-other-instance negatives).

- ``xl_lead``: two languages times the best cosine of the first two sentences of each
  (production's ``lead_sentences`` measure, from the stored unit vectors).
- ``xl_lead_gap``: two languages times ``1 - lead``: how much the leads differ.
- ``xl_lead_gap_names``: the same times the share of the smaller name set the other
  names: the headlines differ *while the names agree* (another event of one company).

Reported, not a candidate (a property of how ECB+ was built, not of the stories):

- ``one_dated``: exactly one of the two texts carries a written date with a year. In
  ECB+ the 2008-09 "a" articles carry none and the 2012-13 web "b" articles mostly a
  date line, so the cue tells ECB+'s two sub-corpora apart; MEANTIME's and GVA's pairs
  are always both dated. Real feeds give a publication date as metadata.
"""

from __future__ import annotations

import numpy as np

from samestory.features import DocFeatures

LEAD = 2  # production's LEAD_SENTENCES: headline and first sentence


def _two_languages(a: DocFeatures, b: DocFeatures) -> float:
    return float(bool(a.lang) and bool(b.lang) and a.lang != b.lang)


def lead_cosine(a: DocFeatures, b: DocFeatures) -> float:
    """The best cosine between the first :data:`LEAD` sentences of each text."""
    x = np.asarray(a.sentence_vectors[:LEAD], dtype=np.float64)
    y = np.asarray(b.sentence_vectors[:LEAD], dtype=np.float64)
    if not len(x) or not len(y):
        return 0.0
    x = x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-9)
    y = y / np.maximum(np.linalg.norm(y, axis=1, keepdims=True), 1e-9)
    return float((x @ y.T).max())


def names_agree(a: DocFeatures, b: DocFeatures) -> float:
    """The share of the smaller name set that the other text names."""
    smaller = min(len(a.entities), len(b.entities))
    return len(a.entities & b.entities) / smaller if smaller else 0.0


def xl_lead(a: DocFeatures, b: DocFeatures) -> float:
    return _two_languages(a, b) * lead_cosine(a, b)


def xl_lead_gap(a: DocFeatures, b: DocFeatures) -> float:
    return _two_languages(a, b) * (1.0 - lead_cosine(a, b))


def xl_lead_gap_names(a: DocFeatures, b: DocFeatures) -> float:
    return xl_lead_gap(a, b) * names_agree(a, b)


def one_dated(a: DocFeatures, b: DocFeatures) -> float:
    return float((a.date is None) != (b.date is None))


INPUTS = {
    "xl_lead": xl_lead,
    "xl_lead_gap": xl_lead_gap,
    "xl_lead_gap_names": xl_lead_gap_names,
    "one_dated (artifact, reported only)": one_dated,
}
