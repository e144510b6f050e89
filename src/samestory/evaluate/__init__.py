"""Evaluation harness: clustering and pair-scoring metrics on the labelled dev sets.

Library only (its command lines are ``samestory eval`` and ``benchmarks/accuracy.py``). Two
kinds of file (:mod:`~samestory.evaluate.reading`):

- *article files* (one article per line with a gold ``story``): a system groups the
  articles and :func:`evaluate_articles` scores the grouping with :func:`cluster_metrics`;
- *pair files* (``text1``/``text2`` with a human ``overall`` similarity from 1 = same story
  to 4 = unrelated): a system scores each pair and :func:`evaluate_pairs` reports Pearson's
  correlation of the score with ``-overall``.

:func:`make_copy_variants` builds exact and lightly edited copies of real texts, to check
that a system labels copies with the right relation kind; :func:`make_short_variants` the
dev sets' short forms (lead, summary, headline); :func:`hard_negative_pairs` the pairs
``compare`` is judged on.

The modules, by job: :mod:`~samestory.evaluate.reading` (the files),
:mod:`~samestory.evaluate.metrics` (the metrics, from the contingency table),
:mod:`~samestory.evaluate.systems` (a system run on a file),
:mod:`~samestory.evaluate.copies`, :mod:`~samestory.evaluate.short_variants` (the variants
built from the dev sets) and :mod:`~samestory.evaluate.pairs` (pairs judged on their own).
Every name is importable from ``samestory.evaluate`` as before the split.
"""

from __future__ import annotations

from samestory.evaluate.copies import (
    FURNITURE_ODDS,
    MIN_TOKENS_TO_DROP,
    MIN_VARIANT_WORDS,
    NUMBER_STEPS,
    YEAR_RANGE,
    make_copy_variants,
)
from samestory.evaluate.metrics import cluster_metrics, decision_metrics, pearson
from samestory.evaluate.pairs import hard_negative_pairs, sample_negatives
from samestory.evaluate.reading import is_pair_file, load_records, read_labelled
from samestory.evaluate.short_variants import (
    BYLINE_MAX_WORDS,
    DATELINE_OTHER_WORDS,
    DATELINE_SEARCH_CHARS,
    HEADLINE_WORDS,
    LEAD_MAX_WORDS,
    LEAD_WORDS,
    MIXED_FORMS,
    SHORT_CUTS,
    SHORT_FORMS,
    SUMMARY_CHARS,
    VARIANT_SPLITTERS,
    ReaderView,
    Splitter,
    _dateline_split,  # benchmarks/short_variant_trace.py reads it from here
    is_dateline,
    is_unread_line,
    make_short_variants,
    reader_cut,
    reader_view,
    short_text,
    variant_splitter,
)
from samestory.evaluate.systems import (
    MIN_LANGUAGE_PAIRS,
    ClusterFn,
    ScoreFn,
    evaluate_articles,
    evaluate_pairs,
    record_to_article,
    story_errors,
)

__all__ = [
    "BYLINE_MAX_WORDS",
    "DATELINE_OTHER_WORDS",
    "DATELINE_SEARCH_CHARS",
    "FURNITURE_ODDS",
    "HEADLINE_WORDS",
    "LEAD_MAX_WORDS",
    "LEAD_WORDS",
    "MIN_LANGUAGE_PAIRS",
    "MIN_TOKENS_TO_DROP",
    "MIN_VARIANT_WORDS",
    "MIXED_FORMS",
    "NUMBER_STEPS",
    "SHORT_CUTS",
    "SHORT_FORMS",
    "SUMMARY_CHARS",
    "VARIANT_SPLITTERS",
    "YEAR_RANGE",
    "ClusterFn",
    "ReaderView",
    "ScoreFn",
    "Splitter",
    "_dateline_split",
    "cluster_metrics",
    "decision_metrics",
    "evaluate_articles",
    "evaluate_pairs",
    "hard_negative_pairs",
    "is_dateline",
    "is_pair_file",
    "is_unread_line",
    "load_records",
    "make_copy_variants",
    "make_short_variants",
    "pearson",
    "read_labelled",
    "reader_cut",
    "reader_view",
    "record_to_article",
    "sample_negatives",
    "short_text",
    "story_errors",
    "variant_splitter",
]
