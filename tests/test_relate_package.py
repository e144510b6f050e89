"""samestory.relate, a package of one module a stage: every name it re-exported before
its table (main 5579cda: 76 public, 60 private, listed here) still imports from the
package, is the defining module's own, and cannot be rebound on the package."""

from __future__ import annotations

import importlib
import re

import pytest

from samestory import relate

# `dir(samestory.relate)` at main 5579cda, less its own machinery and the stdlib names.
_NAMES_TEXT = (
    "ALIGN_IF_CLOSE_SHARE ALIGN_IF_JACCARD AlignmentResult CONFLICT_CUE_NAMES "
    "CONFLICT_SCORE_KEYS COPIED_SENTENCE_JACCARD COPY_THREAD CUE_NAMES CUE_SCORE_KEYS "
    "ColumnsBuilder DATE_GAP_DAYS DATE_GAP_FACTOR EVENT_MODEL_BIAS EVENT_MODEL_WEIGHTS "
    "EventCues GRADED_BIAS GRADED_CUE_NAMES GRADED_SCALE GRADED_SHAPES LEAD_SENTENCES "
    "MAX_ALIGNED_EVIDENCE NEAR_GAP_FACTOR NUMBER_PSEUDO_COUNT PUBLISHED_DATE_GAP_FACTOR "
    "PairColumns PairMeasures PairScore QUOTE_WORDS_CACHE REWRITE_RAMP SHARED_QUOTE_JACCARD "
    "SHORT_TEXT_SPREAD SHORT_TEXT_WORDS SOFT_MATCH STORY_MODEL Shape SharedItems StoryModel "
    "TOP_SENTENCES WEAK_SCORE_KEYS _CONFLICT_VALUES _CUE_VALUES _DateGate _FIELDS_OF_CUES "
    "_FirstReads _LOG1P_TABLE_SIZE _NOT_EVENT_CUES _NO_ALIGNMENT _R _RAW _STORY_MODELS "
    "_ShortPart _check_conflict_cues _check_event_cues _check_graded_shapes _close_share "
    "_close_thresholds _cue_columns _cues _date_factor _date_factor_of _dot _dot_columns "
    "_event_logits _evidence _far_apart _float_weights _gap _graded_shapes _int_or_none "
    "_is_follow_up _kind _lead_of _log1p_of_counts _log1p_table _low_high _mean _model_of "
    "_pair_score _piecewise_linear _prefix_order _published _quote_prefixes _quote_words "
    "_quotes_by_size _ratio _ratios _relations _score_all _sentence_cues _shared_name_cues "
    "_shared_quotes _short_for_dates _shorter_coverage _shorter_side_mean _specific_jaccard "
    "_summary_of _text_dated _weak_mask _weak_relations align_pair copy_relation date_gap "
    "date_gap_factor date_notes date_readings event_cues event_design event_logit "
    "event_probability graded_similarity is_copy is_copy_relation is_near_duplicate "
    "is_short_text is_weak load_story_model measure_against measure_columns measure_pair "
    "needs_alignment overlap_from_jaccard pair_score relate relate_against relate_runs "
    "relate_to relation_of rewrite_evidence score_measures score_measures_all "
    "sentence_similarity shared_items shortness single_threaded_blas story_model_for "
    "weak_relation"
)
NAMES_AT_5579CDA = _NAMES_TEXT.split()
_MODULES_TEXT = "columns cues date_gate entry evidence kinds measures model scoring"
MODULES = _MODULES_TEXT.split()


def test_the_list_is_the_one_taken() -> None:
    assert len(NAMES_AT_5579CDA) == 136 == len(set(NAMES_AT_5579CDA))
    assert sum(not n.startswith("_") for n in NAMES_AT_5579CDA) == 76


@pytest.mark.parametrize("name", NAMES_AT_5579CDA)
def test_every_name_imports_from_the_package_and_is_its_modules_own(name: str) -> None:
    namespace: dict[str, object] = {}
    exec(f"from samestory.relate import {name}", namespace)
    home = importlib.import_module(relate._HOME_OF[name])
    assert home.__name__ != relate.__name__
    assert namespace[name] is getattr(home, name) is getattr(relate, name)


def test_all_is_the_public_names_and_star_imports_them() -> None:
    public = sorted(n for n in NAMES_AT_5579CDA if not n.startswith("_"))
    assert sorted(relate.__all__) == public
    namespace: dict[str, object] = {}
    exec("from samestory.relate import *", namespace)
    assert sorted(n for n in namespace if n != "__builtins__") == public


def test_dir_lists_every_name_and_module() -> None:
    assert set(NAMES_AT_5579CDA) | set(MODULES) <= set(dir(relate))
    for module in MODULES:
        assert getattr(relate, module) is importlib.import_module(f"samestory.relate.{module}")


@pytest.mark.parametrize(
    ("name", "home"),
    [
        ("relate", "samestory.relate.entry"),
        ("SHORT_TEXT_WORDS", "samestory.relate.cues"),
        ("_STORY_MODELS", "samestory.relate.model"),
        ("is_copy", "samestory.overlap"),
        ("sentence_similarity", "samestory.align"),
    ],
)
def test_setting_a_re_export_names_the_module_to_set(name: str, home: str) -> None:
    before = getattr(relate, name)
    with pytest.raises(AttributeError, match=rf"set it on {re.escape(home)},"):
        setattr(relate, name, 3)
    assert getattr(relate, name) is before


def test_another_name_can_be_set(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(relate, "not_a_re_export", 3, raising=False)
    assert relate.not_a_re_export == 3  # type: ignore[attr-defined]
