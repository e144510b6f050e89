"""The entry points: relate one pair, one article against many, or runs of them.

:func:`relate` scores one pair (the copy test first, then the full scoring);
:func:`relate_against` and :func:`relate_runs` give the same relations bit for bit with
every pair's sentence cosines summarised, measured and scored as columns, a weak pair's
relation read from the columns (:func:`_weak_relations`); :func:`relate_to` puts the
fixed article second (the store's order).
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Sequence

import numpy as np

from samestory import lexical
from samestory.align import sentence_similarity
from samestory.config import DEFAULT_CONFIG, Config
from samestory.features import DocFeatures
from samestory.models import Evidence, Relation, RelationKind
from samestory.overlap import (
    copy_kind,
    shingle_overlap,
    shingle_overlaps,
)
from samestory.pairsims import (
    SimSummary,
    summarise_runs,
    summarise_to,
)
from samestory.relate.columns import ColumnsBuilder, PairColumns
from samestory.relate.cues import SOFT_MATCH, shortness
from samestory.relate.kinds import (
    ALIGN_IF_CLOSE_SHARE,
    ALIGN_IF_JACCARD,
    WEAK_SCORE_KEYS,
    copy_relation,
    relation_of,
    weak_relation,
)
from samestory.relate.measures import PairMeasures, measure_pair
from samestory.relate.model import StoryModel
from samestory.relate.scoring import _date_factor_of, _model_of, _score_all, score_measures
from samestory.threads import (
    THREAD_THRESHOLD,
    thread_probabilities,
)


def single_threaded_blas() -> contextlib.AbstractContextManager[object]:
    """Run pair scoring with one BLAS thread.

    Pair scoring multiplies many small matrices (sentences × 512); a multi-threaded BLAS
    spends far longer synchronising its threads than computing (measured 36× slower on
    2 cores). Wrap loops, not single calls: entering the limit costs ~0.1 ms.
    """
    from threadpoolctl import threadpool_limits

    return threadpool_limits(limits=1, user_api="blas")


def relate(
    a: DocFeatures,
    b: DocFeatures,
    config: Config = DEFAULT_CONFIG,
    model: StoryModel | None = None,
) -> Relation:
    """Decide whether ``a`` and ``b`` are the same story, how they relate, and why.

    A pair the copy test decides (:func:`samestory.overlap.copy_kind`) gets its
    :func:`copy_relation`; any other its full scoring (:func:`relation_of`) under
    ``model``, by default the one fitted for ``config.encoder`` (:func:`story_model_for`)."""
    overlap = shingle_overlap(a, b)
    kind = copy_kind(a, b, *overlap, config)
    if kind is not None:
        sim = sentence_similarity(a.sentence_vectors, b.sentence_vectors)
        return copy_relation(a, b, kind, overlap, sim, config)
    scored = score_measures(measure_pair(a, b, overlap=overlap), _model_of(model, config))
    return relation_of(a, b, scored, config)


def relate_against(
    a: DocFeatures,
    others: Sequence[DocFeatures],
    config: Config = DEFAULT_CONFIG,
    model: StoryModel | None = None,
    lean: bool = False,
) -> list[Relation]:
    """``[relate(a, b) for b in others]``, the same relations bit for bit, with ``a``'s
    sentence cosines against all of ``others`` summarised at once
    (:func:`samestory.pairsims.summarise_runs`: a few NumPy calls per chunk instead
    of a dozen per pair; the term-vector cosines likewise, :func:`lexical.cosines_against`).

    With ``lean`` (the batch, the store and Spark), a pair that :func:`is_weak` gets its
    :func:`weak_relation` instead: the same kind, score and thread probability, without
    the graded similarity or the shared quotes, names and numbers."""
    return relate_runs([(a, others)], config, model, lean)


def relate_runs(
    runs: Sequence[tuple[DocFeatures, Sequence[DocFeatures]]],
    config: Config = DEFAULT_CONFIG,
    model: StoryModel | None = None,
    lean: bool = False,
) -> list[Relation]:
    """:func:`relate_against` of each ``(a, others)`` of ``runs``, concatenated, the same
    relations bit for bit: the runs' pairs measured into one :class:`ColumnsBuilder`, so
    that the column operations and the weak pairs' scores are a few NumPy calls for all
    the runs (a chunk of scoring work), not for each article."""
    builder = ColumnsBuilder()
    prepared = []
    # Every pair's cosines summarised for all the runs at once (a copy pair's alignment
    # reads them too).
    all_summaries = summarise_runs(
        [(a.sentence_vectors, [b.sentence_vectors for b in others]) for a, others in runs],
        _close_thresholds(config),
    )
    for (a, others), summaries in zip(runs, all_summaries, strict=True):
        overlaps = shingle_overlaps(a, others)
        kinds = [copy_kind(a, b, *o, config) for b, o in zip(others, overlaps, strict=True)]
        scored = [k for k, kind in enumerate(kinds) if kind is None]
        builder.add(
            a,
            [others[k] for k in scored],
            [summaries[k] for k in scored],
            lexical.cosines_against(a.terms, [others[k].terms for k in scored]),
            [overlaps[k] for k in scored],
        )
        prepared.append(([(a, b) for b in others], kinds, overlaps, summaries, scored))
    columns = builder.columns()
    scored_pairs = [pairs[k] for pairs, _, _, _, scored in prepared for k in scored]
    # With lean, the weak pairs' relations from the columns; the others' through objects.
    weak: list[Relation | None] = [None] * len(scored_pairs)
    if lean:
        weak = _weak_relations(scored_pairs, columns, _model_of(model, config), config)
    out: list[Relation] = []
    start = 0
    for pairs, kinds, overlaps, summaries, scored in prepared:
        run_weak = weak[start : start + len(scored)]
        rest = [n for n, relation in enumerate(run_weak) if relation is None]
        relations = _relations(
            pairs,
            kinds,
            overlaps,
            summaries,
            [scored[n] for n in rest],
            columns.measures([start + n for n in rest]),
            config,
            model,
            lean,
        )
        for k, relation in zip(scored, run_weak, strict=True):
            if relation is not None:
                relations[k] = relation
        out.extend(relations)
        start += len(scored)
    return out


def _weak_relations(
    pairs: Sequence[tuple[DocFeatures, DocFeatures]],
    columns: PairColumns,
    model: StoryModel,
    config: Config,
) -> list[Relation | None]:
    """For each pair of ``columns`` (of the articles ``pairs``), its
    :func:`weak_relation` when it :func:`is_weak`, else None: the same scores as
    :func:`_score_all` gives its :class:`PairScore`, bit for bit, as columns
    (:func:`_column_scores`), then the weak rows' relations (:func:`_weak_rows`)."""
    if not pairs:
        return []
    score, p_event, thread = _column_scores(columns, model)
    close = np.array(
        [s.close_share(config.align_min_similarity) for s in columns.summaries], dtype=np.float64
    )
    weak = _weak_mask(score, thread, columns.jaccard, close, config)
    if not weak.any():
        return [None] * len(pairs)
    return _weak_rows(pairs, columns, weak, score, p_event, thread)


def _column_scores(
    columns: PairColumns, model: StoryModel
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each pair's story score, event probability and thread probability under ``model``,
    as :func:`_score_all` gives them, bit for bit: the event model's log-odds summed term
    by term in :meth:`StoryModel.event_logit`'s order, each an elementwise float64
    operation; ``math.exp`` per value; the date factor pair by pair; the thread model's
    trees walked for all rows and each row's terms ``math.fsum``-ed."""
    u = np.array([shortness(w) for w in columns.shorter_words], dtype=np.float64)
    p_event = [
        1.0 / (1.0 + math.exp(-logit))
        for logit in _event_logits(
            columns.cues, columns.conflicts, _short_weights(columns, u, model), model
        ).tolist()
    ]
    factor = [
        _date_factor_of(text_dated, shortness_, gap, date_factor, model)
        for text_dated, shortness_, gap, date_factor in zip(
            columns.text_dated, u.tolist(), columns.gaps, columns.date_factors, strict=True
        )
    ]
    p = np.array(p_event, dtype=np.float64)
    score = np.maximum(p, columns.rewrite) * np.array(factor, dtype=np.float64)
    thread = np.array(thread_probabilities(columns.thread), dtype=np.float64)
    return score, p, thread


def _short_weights(columns: PairColumns, u: np.ndarray, model: StoryModel) -> np.ndarray:
    """The short part's weight of each pair, as :meth:`StoryModel.event_logit`'s: the
    shortness ``u`` itself, or the model's :meth:`StoryModel.short_strength` when it
    shapes it."""
    if not model.shaped_short:
        return u
    return np.array(
        [
            model.short_strength(w, v, longer)
            for w, v, longer in zip(
                columns.shorter_words, u.tolist(), columns.longer_words, strict=True
            )
        ],
        dtype=np.float64,
    )


def _weak_rows(
    pairs: Sequence[tuple[DocFeatures, DocFeatures]],
    columns: PairColumns,
    weak: np.ndarray,
    score: np.ndarray,
    p_event: np.ndarray,
    thread: np.ndarray,
) -> list[Relation | None]:
    """The :func:`weak_relation` of each pair where ``weak`` holds (None elsewhere), its
    scores read from the columns in :data:`WEAK_SCORE_KEYS` order."""
    out: list[Relation | None] = [None] * len(pairs)
    values = np.column_stack(
        (
            score,
            p_event,
            thread,
            columns.rewrite,
            columns.jaccard,
            columns.containment,
            columns.cues,
            columns.conflicts,
        )
    )[weak].tolist()
    for k, row in zip(np.flatnonzero(weak).tolist(), values, strict=True):
        evidence = Evidence(
            date_gap_days=columns.gaps[k],
            scores=dict(zip(WEAK_SCORE_KEYS, row, strict=True)),
            dates=columns.dates[k],
        )
        a, b = pairs[k]
        out[k] = Relation(a=a.id, b=b.id, kind=None, score=row[0], evidence=evidence)
    return out


def _event_logits(
    cues: np.ndarray, conflict: np.ndarray, u: np.ndarray, model: StoryModel
) -> np.ndarray:
    """:meth:`StoryModel.event_logit` of each row of ``cues`` (with its disagreement cues
    and shortness ``u``), bit for bit: the same products added in the same order."""
    logit = model.event_bias + _dot_columns(model.event_weights, cues)
    logit = logit + _dot_columns(model.conflict_weights, conflict)
    short = u > 0.0
    if short.any():
        part = model.short_bias + _dot_columns(model.short_weights, cues[short])
        logit[short] = logit[short] + u[short] * part
    return logit


def _dot_columns(weights: Sequence[float], x: np.ndarray) -> np.ndarray:
    """:func:`_dot` of ``weights`` with each row of ``x``: ``0 + w_0 x_0 + w_1 x_1 + …``
    added left to right, each step one float64 operation per row (no fused multiply-add)."""
    total = np.zeros(len(x), dtype=np.float64)
    for k, w in enumerate(weights):
        total = total + w * x[:, k]
    return total


def _weak_mask(
    score: np.ndarray, thread: np.ndarray, jaccard: np.ndarray, close: np.ndarray, config: Config
) -> np.ndarray:
    """:func:`is_weak` of each pair, from its score, thread probability, shingle Jaccard
    and close share at ``config.align_min_similarity`` (:func:`needs_alignment`)."""
    if not (config.near_duplicate_sentences > 0 and config.rewrite_min_coverage > 0):
        return np.zeros(len(score), dtype=bool)
    aligned = (
        (close >= config.rewrite_min_coverage * ALIGN_IF_CLOSE_SHARE)
        | (jaccard > ALIGN_IF_JACCARD)
        | (score >= config.same_story_threshold)
    )
    return (thread < THREAD_THRESHOLD) & ~aligned


def _relations(
    pairs: Sequence[tuple[DocFeatures, DocFeatures]],
    kinds: Sequence[RelationKind | None],
    overlaps: Sequence[tuple[float, float]],
    summaries: Sequence[SimSummary],
    scored: Sequence[int],
    measures: Sequence[PairMeasures],
    config: Config,
    model: StoryModel | None,
    lean: bool = False,
) -> list[Relation]:
    """The relation of each pair: a :func:`copy_relation` where ``kinds`` has a copy
    kind, else :func:`relation_of` its measures (``measures[n]`` is pair ``scored[n]``'s),
    or with ``lean`` its :func:`weak_relation` when it :func:`is_weak`."""
    out: list[Relation | None] = [None] * len(pairs)
    # The pairs found weak while scored (the same test on the same score, thread
    # probability, Jaccard and summary as is_weak here on the PairScore).
    scores, weak = _score_all(measures, _model_of(model, config), config if lean else None)
    for k, ps, is_weak_pair in zip(scored, scores, weak, strict=True):
        a, b = pairs[k]
        if is_weak_pair:
            out[k] = weak_relation(a, b, ps)
        else:
            out[k] = relation_of(a, b, ps, config)
    for k, kind in enumerate(kinds):
        if kind is not None:
            a, b = pairs[k]
            out[k] = copy_relation(a, b, kind, overlaps[k], summaries[k].sim, config)
    return out  # type: ignore[return-value]  # every slot filled


def _close_thresholds(config: Config) -> tuple[float, ...]:
    """The close shares scoring reads: the rewrite evidence's and the alignment test's."""
    return (SOFT_MATCH, config.align_min_similarity)


def relate_to(
    others: Sequence[DocFeatures],
    b: DocFeatures,
    config: Config = DEFAULT_CONFIG,
    model: StoryModel | None = None,
    lean: bool = False,
) -> list[Relation]:
    """``[relate(o, b) for o in others]``, the same relations bit for bit: as
    :func:`relate_against` with the fixed article second (the store relates each stored
    neighbour to the article being added, Spark a copy's representative to the copy);
    ``lean`` as there."""
    overlaps = [shingle_overlap(o, b) for o in others]
    kinds = [copy_kind(o, b, *ov, config) for o, ov in zip(others, overlaps, strict=True)]
    summaries = summarise_to(
        [o.sentence_vectors for o in others], b.sentence_vectors, _close_thresholds(config)
    )
    scored = [k for k, kind in enumerate(kinds) if kind is None]
    # The cosine is symmetric bit for bit: the same shared words in ascending hash order,
    # the same products summed in the same order.
    term_cosines = lexical.cosines_against(b.terms, [others[k].terms for k in scored])
    measures = [
        measure_pair(others[k], b, summaries[k], c, overlaps[k])
        for k, c in zip(scored, term_cosines, strict=True)
    ]
    return _relations(
        [(o, b) for o in others], kinds, overlaps, summaries, scored, measures, config, model, lean
    )
