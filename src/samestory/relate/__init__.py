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

Every name is importable from here: ``_NAMES_BY_MODULE`` below lists each under the module
defining it (``tests/test_relate_package.py`` holds every name this package has exported).
A constant or function is read from the module that defines it, so set it there
(``relate.model._STORY_MODELS`` in a test): setting it here would change no reader, and
raises instead.
"""

from __future__ import annotations

import sys
import types
from typing import TYPE_CHECKING, Any

from samestory import align, overlap, pairsims
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

if TYPE_CHECKING:  # the public names of the table below, as mypy reads them
    from samestory.align import sentence_similarity  # noqa: F401
    from samestory.overlap import is_copy, is_near_duplicate, overlap_from_jaccard  # noqa: F401
    from samestory.pairsims import LEAD_SENTENCES, TOP_SENTENCES  # noqa: F401
    from samestory.relate.columns import *  # noqa: F403
    from samestory.relate.cues import *  # noqa: F403
    from samestory.relate.date_gate import *  # noqa: F403
    from samestory.relate.entry import *  # noqa: F403
    from samestory.relate.evidence import *  # noqa: F403
    from samestory.relate.kinds import *  # noqa: F403
    from samestory.relate.measures import *  # noqa: F403
    from samestory.relate.model import *  # noqa: F403
    from samestory.relate.scoring import *  # noqa: F403

# Every name re-exported here, by the module defining it, in import order. The private names
# are for the tests and scripts that read them (not in ``__all__``).
_NAMES_BY_MODULE: dict[types.ModuleType, str] = {
    align: "sentence_similarity",
    overlap: "is_copy is_near_duplicate overlap_from_jaccard",
    pairsims: "LEAD_SENTENCES TOP_SENTENCES",
    cues: (
        "CONFLICT_CUE_NAMES CONFLICT_SCORE_KEYS CUE_NAMES CUE_SCORE_KEYS EventCues "
        "GRADED_CUE_NAMES NUMBER_PSEUDO_COUNT REWRITE_RAMP SHORT_TEXT_SPREAD SHORT_TEXT_WORDS "
        "SOFT_MATCH SharedItems _CONFLICT_VALUES _CUE_VALUES _FIELDS_OF_CUES _NOT_EVENT_CUES "
        "_close_share _cues _lead_of _mean _published _ratio _shorter_side_mean _specific_jaccard "
        "event_cues event_design rewrite_evidence shared_items shortness"
    ),
    date_gate: (
        "DATE_GAP_DAYS DATE_GAP_FACTOR NEAR_GAP_FACTOR PUBLISHED_DATE_GAP_FACTOR _far_apart _gap "
        "_short_for_dates _text_dated date_gap date_notes date_readings is_short_text"
    ),
    model: (
        "EVENT_MODEL_BIAS EVENT_MODEL_WEIGHTS GRADED_BIAS GRADED_SCALE GRADED_SHAPES STORY_MODEL "
        "Shape StoryModel _DateGate _STORY_MODELS _ShortPart _check_conflict_cues "
        "_check_event_cues _check_graded_shapes _dot _float_weights _graded_shapes _int_or_none "
        "_low_high _piecewise_linear event_logit event_probability graded_similarity "
        "load_story_model story_model_for"
    ),
    measures: "PairMeasures PairScore date_gap_factor measure_pair",
    columns: (
        "ColumnsBuilder PairColumns _FirstReads _LOG1P_TABLE_SIZE _R _RAW _cue_columns "
        "_log1p_of_counts _log1p_table _ratios _sentence_cues _shared_name_cues measure_against "
        "measure_columns"
    ),
    evidence: (
        "AlignmentResult COPIED_SENTENCE_JACCARD MAX_ALIGNED_EVIDENCE QUOTE_WORDS_CACHE "
        "SHARED_QUOTE_JACCARD _NO_ALIGNMENT _evidence _prefix_order _quote_prefixes _quote_words "
        "_quotes_by_size _shared_quotes _shorter_coverage align_pair"
    ),
    kinds: (
        "ALIGN_IF_CLOSE_SHARE ALIGN_IF_JACCARD COPY_THREAD WEAK_SCORE_KEYS _is_follow_up _kind "
        "copy_relation is_copy_relation is_weak needs_alignment relation_of weak_relation"
    ),
    scoring: (
        "_date_factor _date_factor_of _model_of _pair_score _score_all _summary_of pair_score "
        "score_measures score_measures_all"
    ),
    entry: (
        "_close_thresholds _dot_columns _event_logits _relations _weak_mask _weak_relations "
        "relate relate_against relate_runs relate_to single_threaded_blas"
    ),
}
# Each re-exported name's home: the module its readers read, where to set it.
_HOME_OF: dict[str, str] = {
    name: module.__name__ for module, names in _NAMES_BY_MODULE.items() for name in names.split()
}
globals().update(
    {
        name: getattr(module, name)
        for module, names in _NAMES_BY_MODULE.items()
        for name in names.split()
    }
)
__all__ = sorted(name for name in _HOME_OF if not name.startswith("_"))


class _ReExports(types.ModuleType):
    """This package, refusing to rebind a name it re-exports: the readers of a name read
    the module defining it, so a test or benchmark setting the copy here would change
    nothing, silently."""

    def __setattr__(self, name: str, value: Any) -> None:
        if name in _HOME_OF:
            raise AttributeError(
                f"samestory.relate.{name} is a re-export: set it on {_HOME_OF[name]}, "
                "the module its readers read"
            )
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _ReExports
