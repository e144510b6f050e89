"""Score one pair of articles: story similarity, relation kind and the evidence for it.

Three routes lead to "same story", checked from the cheapest and most certain:

1. **Copy**: identical normalised text (``exact``) or high word-shingle overlap
   (``near_duplicate``). MinHash estimates the Jaccard ``J`` of the 5-word shingle sets;
   containment of the shorter text follows from ``|A∩B| = J (|A|+|B|) / (1+J)``.
2. **Derivation**: most sentences of the shorter text align one-to-one with sentences of
   the other (multilingual sentence vectors, so translations count): ``rewrite``.
3. **Same event**: a logistic model over event cues: document cosine, best sentence
   matches, shared names and numbers, and what the texts state differently
   (:mod:`samestory.conflicts`: numbers about one word, the latest years named; weighed
   by the params file's conflict part, shipped at 0). Dates,
   when both are known, gate it: reports written far apart describe different events,
   however alike they read.

The story score is ``max`` over the routes, so each route can only add evidence.

One module a stage, read in this order (each imports only from the ones before it):

- :mod:`.cues`: what the event model reads of a pair (:class:`EventCues`, the pair's
  shortness, the shared names and numbers) and the rewrite route's evidence;
- :mod:`.date_gate`: each article's date for the pair, the gap, and the gate's constants;
- :mod:`.model`: the fitted models (:class:`StoryModel`, read from
  ``samestory/params/story_model.json``): event log-odds, graded similarity, date factors;
- :mod:`.measures`: one pair measured (:func:`measure_pair`: cues, rewrite evidence,
  shingle overlap, date factor, thread inputs) and its :class:`PairScore`;
- :mod:`.columns`: the same measures for many pairs at once, as columns
  (:class:`ColumnsBuilder`, :func:`measure_against`), bit for bit;
- :mod:`.evidence`: the sentence alignment of a pair and the evidence a relation carries
  (aligned sentences, shared quotes, names, numbers);
- :mod:`.kinds`: a scored pair's kind (copy, ``near_duplicate``, ``rewrite``,
  ``same_event``, ``follow_up``) and its :class:`~samestory.models.Relation`
  (:func:`relation_of`, :func:`copy_relation`, :func:`weak_relation`);
- :mod:`.scoring`: the fitted models applied to measured pairs (:func:`score_measures`);
- :mod:`.entry`: the entry points (:func:`relate`, :func:`relate_against`,
  :func:`relate_runs`, :func:`relate_to`).

Every name is importable from here. A constant or function is read from the module that
defines it, so set it there (``relate.model._STORY_MODELS`` in a test): setting it here
would change no reader, and raises instead.
"""

from __future__ import annotations

import sys
import types
from typing import Any

from samestory.align import sentence_similarity
from samestory.overlap import is_copy, is_near_duplicate, overlap_from_jaccard
from samestory.pairsims import LEAD_SENTENCES, TOP_SENTENCES
from samestory.relate import (
    columns,
    cues,
    date_gate,
    entry,
    evidence,
    kinds,
    measures,
    model,
    scoring,
)
from samestory.relate.columns import (
    _LOG1P_TABLE_SIZE as _LOG1P_TABLE_SIZE,
)
from samestory.relate.columns import (
    _R as _R,
)
from samestory.relate.columns import (
    _RAW as _RAW,
)
from samestory.relate.columns import (
    ColumnsBuilder,
    PairColumns,
    measure_against,
    measure_columns,
)
from samestory.relate.columns import (
    _cue_columns as _cue_columns,
)
from samestory.relate.columns import (
    _FirstReads as _FirstReads,
)
from samestory.relate.columns import (
    _log1p_of_counts as _log1p_of_counts,
)
from samestory.relate.columns import (
    _log1p_table as _log1p_table,
)
from samestory.relate.columns import (
    _ratios as _ratios,
)
from samestory.relate.columns import (
    _sentence_cues as _sentence_cues,
)
from samestory.relate.columns import (
    _shared_name_cues as _shared_name_cues,
)
from samestory.relate.cues import (
    _CONFLICT_VALUES as _CONFLICT_VALUES,
)
from samestory.relate.cues import (
    _CUE_VALUES as _CUE_VALUES,
)
from samestory.relate.cues import (
    _FIELDS_OF_CUES as _FIELDS_OF_CUES,
)
from samestory.relate.cues import (
    _NOT_EVENT_CUES as _NOT_EVENT_CUES,
)
from samestory.relate.cues import (
    CONFLICT_CUE_NAMES,
    CONFLICT_SCORE_KEYS,
    CUE_NAMES,
    CUE_SCORE_KEYS,
    GRADED_CUE_NAMES,
    NUMBER_PSEUDO_COUNT,
    REWRITE_RAMP,
    SHORT_TEXT_SPREAD,
    SHORT_TEXT_WORDS,
    SOFT_MATCH,
    EventCues,
    SharedItems,
    event_cues,
    event_design,
    rewrite_evidence,
    shared_items,
    shortness,
)
from samestory.relate.cues import (
    _close_share as _close_share,
)
from samestory.relate.cues import (
    _cues as _cues,
)
from samestory.relate.cues import (
    _lead_of as _lead_of,
)
from samestory.relate.cues import (
    _mean as _mean,
)
from samestory.relate.cues import (
    _published as _published,
)
from samestory.relate.cues import (
    _ratio as _ratio,
)
from samestory.relate.cues import (
    _shorter_side_mean as _shorter_side_mean,
)
from samestory.relate.cues import (
    _specific_jaccard as _specific_jaccard,
)
from samestory.relate.date_gate import (
    DATE_GAP_DAYS,
    DATE_GAP_FACTOR,
    NEAR_GAP_FACTOR,
    PUBLISHED_DATE_GAP_FACTOR,
    date_gap,
    date_notes,
    date_readings,
    is_short_text,
)
from samestory.relate.date_gate import (
    _far_apart as _far_apart,
)
from samestory.relate.date_gate import (
    _gap as _gap,
)
from samestory.relate.date_gate import (
    _short_for_dates as _short_for_dates,
)
from samestory.relate.date_gate import (
    _text_dated as _text_dated,
)
from samestory.relate.entry import (
    _close_thresholds as _close_thresholds,
)
from samestory.relate.entry import (
    _dot_columns as _dot_columns,
)
from samestory.relate.entry import (
    _event_logits as _event_logits,
)
from samestory.relate.entry import (
    _relations as _relations,
)
from samestory.relate.entry import (
    _weak_mask as _weak_mask,
)
from samestory.relate.entry import (
    _weak_relations as _weak_relations,
)
from samestory.relate.entry import (
    relate,
    relate_against,
    relate_runs,
    relate_to,
    single_threaded_blas,
)
from samestory.relate.evidence import (
    _NO_ALIGNMENT as _NO_ALIGNMENT,
)
from samestory.relate.evidence import (
    COPIED_SENTENCE_JACCARD,
    MAX_ALIGNED_EVIDENCE,
    QUOTE_WORDS_CACHE,
    SHARED_QUOTE_JACCARD,
    AlignmentResult,
    align_pair,
)
from samestory.relate.evidence import (
    _evidence as _evidence,
)
from samestory.relate.evidence import (
    _prefix_order as _prefix_order,
)
from samestory.relate.evidence import (
    _quote_prefixes as _quote_prefixes,
)
from samestory.relate.evidence import (
    _quote_words as _quote_words,
)
from samestory.relate.evidence import (
    _quotes_by_size as _quotes_by_size,
)
from samestory.relate.evidence import (
    _shared_quotes as _shared_quotes,
)
from samestory.relate.evidence import (
    _shorter_coverage as _shorter_coverage,
)
from samestory.relate.kinds import (
    ALIGN_IF_CLOSE_SHARE,
    ALIGN_IF_JACCARD,
    COPY_THREAD,
    WEAK_SCORE_KEYS,
    copy_relation,
    is_copy_relation,
    is_weak,
    needs_alignment,
    relation_of,
    weak_relation,
)
from samestory.relate.kinds import (
    _is_follow_up as _is_follow_up,
)
from samestory.relate.kinds import (
    _kind as _kind,
)
from samestory.relate.measures import (
    PairMeasures,
    PairScore,
    date_gap_factor,
    measure_pair,
)
from samestory.relate.model import (
    _STORY_MODELS as _STORY_MODELS,
)
from samestory.relate.model import (
    EVENT_MODEL_BIAS,
    EVENT_MODEL_WEIGHTS,
    GRADED_BIAS,
    GRADED_SCALE,
    GRADED_SHAPES,
    STORY_MODEL,
    Shape,
    StoryModel,
    event_logit,
    event_probability,
    graded_similarity,
    load_story_model,
    story_model_for,
)
from samestory.relate.model import (
    _check_conflict_cues as _check_conflict_cues,
)
from samestory.relate.model import (
    _check_event_cues as _check_event_cues,
)
from samestory.relate.model import (
    _check_graded_shapes as _check_graded_shapes,
)
from samestory.relate.model import (
    _DateGate as _DateGate,
)
from samestory.relate.model import (
    _dot as _dot,
)
from samestory.relate.model import (
    _float_weights as _float_weights,
)
from samestory.relate.model import (
    _graded_shapes as _graded_shapes,
)
from samestory.relate.model import (
    _int_or_none as _int_or_none,
)
from samestory.relate.model import (
    _low_high as _low_high,
)
from samestory.relate.model import (
    _piecewise_linear as _piecewise_linear,
)
from samestory.relate.model import (
    _ShortPart as _ShortPart,
)
from samestory.relate.scoring import (
    _date_factor as _date_factor,
)
from samestory.relate.scoring import (
    _date_factor_of as _date_factor_of,
)
from samestory.relate.scoring import (
    _model_of as _model_of,
)
from samestory.relate.scoring import (
    _pair_score as _pair_score,
)
from samestory.relate.scoring import (
    _score_all as _score_all,
)
from samestory.relate.scoring import (
    _summary_of as _summary_of,
)
from samestory.relate.scoring import (
    pair_score,
    score_measures,
    score_measures_all,
)

__all__ = [
    "ALIGN_IF_CLOSE_SHARE",
    "ALIGN_IF_JACCARD",
    "CONFLICT_CUE_NAMES",
    "CONFLICT_SCORE_KEYS",
    "COPIED_SENTENCE_JACCARD",
    "COPY_THREAD",
    "CUE_NAMES",
    "CUE_SCORE_KEYS",
    "DATE_GAP_DAYS",
    "DATE_GAP_FACTOR",
    "EVENT_MODEL_BIAS",
    "EVENT_MODEL_WEIGHTS",
    "GRADED_BIAS",
    "GRADED_CUE_NAMES",
    "GRADED_SCALE",
    "GRADED_SHAPES",
    "LEAD_SENTENCES",
    "MAX_ALIGNED_EVIDENCE",
    "NEAR_GAP_FACTOR",
    "NUMBER_PSEUDO_COUNT",
    "PUBLISHED_DATE_GAP_FACTOR",
    "QUOTE_WORDS_CACHE",
    "REWRITE_RAMP",
    "SHARED_QUOTE_JACCARD",
    "SHORT_TEXT_SPREAD",
    "SHORT_TEXT_WORDS",
    "SOFT_MATCH",
    "STORY_MODEL",
    "TOP_SENTENCES",
    "WEAK_SCORE_KEYS",
    "AlignmentResult",
    "ColumnsBuilder",
    "EventCues",
    "PairColumns",
    "PairMeasures",
    "PairScore",
    "Shape",
    "SharedItems",
    "StoryModel",
    "align_pair",
    "copy_relation",
    "date_gap",
    "date_gap_factor",
    "date_notes",
    "date_readings",
    "event_cues",
    "event_design",
    "event_logit",
    "event_probability",
    "graded_similarity",
    "is_copy",
    "is_copy_relation",
    "is_near_duplicate",
    "is_short_text",
    "is_weak",
    "load_story_model",
    "measure_against",
    "measure_columns",
    "measure_pair",
    "needs_alignment",
    "overlap_from_jaccard",
    "pair_score",
    "relate",
    "relate_against",
    "relate_runs",
    "relate_to",
    "relation_of",
    "rewrite_evidence",
    "score_measures",
    "score_measures_all",
    "sentence_similarity",
    "shared_items",
    "shortness",
    "single_threaded_blas",
    "story_model_for",
    "weak_relation",
]

# The private names re-exported above, for the tests and scripts that read them (not in
# __all__): every single-underscore name bound so far.
_MOVED_PRIVATE = frozenset(
    name for name in dir() if name.startswith("_") and not name.startswith("__")
)
# The modules defining the names, in import order (a module imports only from the ones
# before it).
_MODULES = (cues, date_gate, model, measures, columns, evidence, kinds, scoring, entry)


class _ReExports(types.ModuleType):
    """This package, refusing to rebind a name it re-exports: the readers of a name read
    the module defining it, so a test or benchmark setting the copy here would change
    nothing, silently."""

    def __setattr__(self, name: str, value: Any) -> None:
        if name in __all__ or name in _MOVED_PRIVATE:
            raise AttributeError(
                f"samestory.relate.{name} is a re-export: set it on {_home_of(name)}, "
                "the module its readers read"
            )
        super().__setattr__(name, value)


def _home_of(name: str) -> str:
    """The submodule defining ``name``: the first holding it in import order."""
    for module in _MODULES:
        if name in vars(module):
            return module.__name__
    return __name__


sys.modules[__name__].__class__ = _ReExports
