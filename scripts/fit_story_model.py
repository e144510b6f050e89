"""Fit the models of samestory.relate on the dev sets and write them to the package.

    python scripts/fit_story_model.py [--data ../shared/data] [--cache /tmp/samestory-fit]
        [--encoder use|static|static-model2vec] [--out FILE | --dry-run | --check]

(Give each encoder its own --cache directory: the cached features hold the vectors.)

Event model: for ECB+ and MEANTIME it takes the pairs the pipeline actually scores (the
candidate pairs), computes their event cues, and fits a logistic regression
P(same story | cues) on both sets together: the model is trained on the distribution it
is applied to, where the hard negatives (same topic, different event) live. Every
clustering figure is then that of production itself under the fitted model: copies
collapsed, candidates among representatives, each pair scored by ``relate`` (rewrite
route, date gate with its published-date factor, rewrite floor, copy scores), grouped as
the batch driver groups them (``group_with_roundups``: the exclusive-names step reading
the pairs related as copies under the model, versions and copy groups as items of
average link at the configured same-story and attach thresholds, roundups kept apart;
:meth:`DevSet.grouping`; until 2026-12-05 plain average link, :meth:`DevSet.plain_grouping`),
copies expanded. The grouping moves no fitted weight (the logistic fits read pairs); it
moves every ARI figure and the grid choices (the date gate, ``short_calibration.py``'s
near step). It
prints ARI (in-sample) for a grid of same-story thresholds, leave-one-set-out ARI (fit on
one set, test on the other: a harsh estimate, the sets differ in kind) and ARI under
5-fold cross-validation over topics (every pair scored by a model that never saw its
topics): the honest estimate for unseen topics of a kind the dev sets hold.

Graded similarity: a monotone additive model of the SemEval-2022 human scale on the
semantic cues (:class:`MonotoneAdditiveModel`), with its 5-fold cross-validated Pearson
beside that of a linear (ridge) model over the same cues.

Both models, what they were fitted on and their cross-validated figures are written to
``src/samestory/params/story_model.json`` (``--out``), which ``samestory.relate`` loads.

``--check`` refits with the options given and compares the model with ``--out`` instead
of writing it: every parameter ``samestory.relate.StoryModel`` holds (event, short and
conflict weights, biases, date gate and near step, graded shapes) and the ``encoder`` the
file names; it prints SAME or DIFFERS with each differing parameter, exit 1 on DIFFERS.
The shipped file says how its last part was fitted (``event_model.fitted_on``: e.g.
``--conflicts-only --conflict-cues year_gap --short-forms ''`` for "conflict part only"
trained on the full articles); the parts it keeps as an offset are then compared with
themselves, so check those with the options of their own fit (``--graded-only``,
``--date-gate-only``). The near step is fitted by ``scripts/short_calibration.py``.

Known drift (2026-12-05, storyfit; docs/history/accuracy.md): the text-date gate's refit
(``--date-gate-only --gate-short 0.2,0.25,0.3,0.35,0.4,0.5,0.6,0.75,1.0``, the grid its
``fitted_on`` lists) DIFFERS from the file: on main's plain grouping it picks (0.6, 0.25),
on production's grouping (0.75, 0.25), against the shipped (0.5, 0.2) of 2026-12-02 (the
gate was fitted before the year gap, the near step and the exclusive-names step). Under
5-fold topic CV neither beats the shipped gate on production's grouping (ECB+ 0.947 vs
0.954, lead 0.824 vs 0.826; MEANTIME equal), so the shipped gate stays.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import functools
import itertools
import json
import os
import pickle
import random
import sys
from collections import defaultdict
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from scipy.stats import pearsonr
from sklearn.isotonic import IsotonicRegression
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.metrics import adjusted_rand_score
from sklearn.model_selection import KFold

from samestory import exclusive, relate, roundups
from samestory.candidates import candidate_pairs
from samestory.config import DEFAULT_CONFIG, Config
from samestory.embed import SentenceEncoder, encoder_for
from samestory.evaluate import (
    SHORT_FORMS,
    hard_negative_pairs,
    make_short_variants,
    read_labelled,
    record_to_article,
)
from samestory.features import DocFeatures, featurize
from samestory.models import Article, Relation
from samestory.pipeline.copies import CopyGroups, collapse_copies
from samestory.pipeline.group import group, group_with_roundups
from samestory.pipeline.propose import propose_pairs
from samestory.static_encoder import StaticSentenceEncoder

sys.path.insert(0, str(Path(__file__).resolve().parent))
import make_independent_reports  # a sibling script: the sets it draws
from fit_check import report_check  # a sibling script: --check's verdict, as every fit prints it

ARTICLE_SETS = ("ecbplus_dev", "meantime_dev")
# Local news with later coverage (--gva): its labels are incidents, its records all dated.
# Scored beside the others (full articles only) and, with --conflicts-only, fitting the
# conflict part too; its folds are its incidents (its ``topic`` is an incident type).
GVA_SET = "gva_dev"
PAIR_SET = "semeval2022_pairs_dev"
# The names' specific Jaccard joined the semantic cues on 2026-12-02: SemEval CV Pearson
# 0.728 -> 0.733, cross-lingual 0.742 -> 0.753 (names cross languages in Latin script).
# The headline-and-lead match (relate.LEAD_SENTENCES) joined them the same day: 0.733 -> 0.746.
GRADED_CUES = (
    "doc_cosine",
    "best_sentence",
    "top3_sentences",
    "entity_specific_jaccard",
    "lead_sentences",
)
GRADED_KNOTS = 8
THRESHOLDS = (0.3, 0.35, 0.4, 0.45, 0.5)
# Factors tried for the text-date gate (fit_date_gate), long and short: 1.0 is no gate.
DATE_GATE_LONG = (0.2, 0.25, 0.3, 0.35, 0.4, 0.5, 0.6, 0.75, 1.0)
DATE_GATE_SHORT = (0.0, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35)
TOPIC_FOLDS = 5
# Decimals kept in the data file (more would claim a precision the fit does not have).
WEIGHT_DECIMALS = 3
GRADED_BIAS_DECIMALS = 4
ENCODERS = ("use", "static", "static-model2vec")
# The config every fit runs under: the default's thresholds with USE's candidate rule
# (``candidates.SATURATED_COSINE`` is the encoder's). The shipped story_model.json was
# fitted so, when USE was the default; since the default encoder is static (2026-12-03)
# it is named here, so that the file stays what this script writes. ``--encoder`` says
# which sentence vectors the cues are read from.
FIT_CONFIG = DEFAULT_CONFIG.replace(encoder="use", pair_encoder="use")
DEFAULT_OUT = (
    Path(__file__).resolve().parents[1] / "src" / "samestory" / "params" / "story_model.json"
)
# $SAMESTORY_SHARED/data, as the tests and benchmarks read it (a git worktree has no ../shared).
DEFAULT_DATA = (
    Path(os.environ.get("SAMESTORY_SHARED") or Path(__file__).resolve().parents[2] / "shared")
    / "data"
)


def load(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def make_encoder(name: str) -> SentenceEncoder:
    """The sentence encoder ``--encoder name`` fits with, always named: the default
    config's encoder is static since 2026-12-03, so no fit may fall back to it."""
    if name == "static":
        return StaticSentenceEncoder("lin")  # what --encoder static runs
    if name == "static-model2vec":
        return StaticSentenceEncoder("model2vec")
    return encoder_for("use")


def cached_features(
    name: str, articles: list[Article], cache: Path, encoder: SentenceEncoder | None = None
) -> list[DocFeatures]:
    file = cache / f"{name}.pkl"
    if file.exists():
        return pickle.loads(file.read_bytes())
    features = featurize(articles, FIT_CONFIG, encoder)
    file.write_bytes(pickle.dumps(features))
    return features


class MonotoneAdditiveModel:
    """``y ≈ b + Σ_c g_c(x_c)`` with each ``g_c`` nondecreasing and piecewise linear.

    Each shape is given by its values at ``knots`` quantiles of its cue (``np.interp``
    between them, flat outside). Fitted by backfitting: each shape in turn is the
    isotonic regression of the partial residual ``y - b - Σ_{k≠c} g_k`` on its cue, read
    off at the knots and centred, for ``rounds`` rounds. Monotone, so a pair that is
    closer on every cue never ranks lower; additive, so each cue's part can be read.
    """

    def __init__(self, knots: int = GRADED_KNOTS, rounds: int = 20) -> None:
        self.knots = knots
        self.rounds = rounds

    def fit(self, x: np.ndarray, y: np.ndarray) -> MonotoneAdditiveModel:
        self.bias_ = float(y.mean())
        parts = np.zeros_like(x, dtype=np.float64)
        self.shapes_: list[tuple[np.ndarray, np.ndarray]] = []
        for _ in range(self.rounds):
            self.shapes_ = []
            for c in range(x.shape[1]):
                residual = y - self.bias_ - parts.sum(axis=1) + parts[:, c]
                iso = IsotonicRegression(out_of_bounds="clip").fit(x[:, c], residual)
                knots = np.unique(np.quantile(x[:, c], np.linspace(0, 1, self.knots)))
                values = iso.predict(knots)
                part = np.interp(x[:, c], knots, values)
                values -= part.mean()
                parts[:, c] = part - part.mean()
                self.shapes_.append((knots, values))
        return self

    def predict(self, x: np.ndarray) -> np.ndarray:
        return self.bias_ + sum(np.interp(x[:, c], *shape) for c, shape in enumerate(self.shapes_))


def cross_validated(model_of, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """5-fold cross-validated predictions of a fresh ``model_of()`` per fold."""
    predicted = np.zeros(len(y))
    for train, test in KFold(5, shuffle=True, random_state=0).split(x):
        predicted[test] = model_of().fit(x[train], y[train]).predict(x[test])
    return predicted


@dataclasses.dataclass
class DevSet:
    """One labelled article set, carried through production's stages up to scoring.

    The stages before scoring do not depend on the fitted model, so they run once:
    copy groups, candidate pairs among representatives (as article indices), and each
    pair's model-free measures. Scoring under a model, and grouping, then run per model.

    The event model is trained on ``train_pairs``: the candidate pairs of all articles,
    copies included (the index run without the copy collapse), with their event cues.
    (Training on the representatives' pairs only gave ECB+ dev ARI 0.910 in sample
    against 0.926, and 0.896 under topic cross-validation.)
    """

    name: str
    base: str  # the dev file; name is base:form for a short variant
    features: list[DocFeatures]
    gold: list[str]
    topics: list[str]
    copies: CopyGroups
    pairs: list[tuple[int, int]]
    measures: list[relate.PairMeasures]
    train_pairs: list[tuple[int, int]]
    cues: np.ndarray
    alignments: dict[int, relate.AlignmentResult] = dataclasses.field(default_factory=dict)
    # `compare`'s pairs: every pair of articles of one topic (samestory.evaluate.
    # hard_negative_pairs), its gold, and its measures (full articles only).
    topic_pairs: list[tuple[int, int, bool]] = dataclasses.field(default_factory=list)
    topic_measures: list[relate.PairMeasures] = dataclasses.field(default_factory=list)
    _shipped_copies: dict[Config, np.ndarray] = dataclasses.field(default_factory=dict)

    @functools.cached_property
    def words(self) -> np.ndarray:
        """``[train pair, (shorter, longer)]``: the words of each training pair's texts
        (what a shaped short part reads besides the design rows, :func:`short_ramps`)."""
        n = [f.n_words for f in self.features]
        return np.array(
            [(min(n[i], n[j]), max(n[i], n[j])) for i, j in self.train_pairs], dtype=np.int64
        ).reshape(-1, 2)

    @functools.cached_property
    def name_views(self) -> roundups.NameViews:
        """The texts' name views (:mod:`samestory.roundups`), built once per set."""
        return roundups.NameViews(self.features)

    def compare_decisions(self, models: Sequence[relate.StoryModel]) -> np.ndarray:
        """``compare``'s same-story decision (``Relation.same_story``) on each pair of one
        topic, pair ``k`` scored under ``models[k]``."""
        out = []
        with relate.single_threaded_blas():
            for (i, j, _), m, model in zip(
                self.topic_pairs, self.topic_measures, models, strict=True
            ):
                a, b = self.features[i], self.features[j]
                out.append(relate.relation_of(a, b, relate.score_measures(m, model)).same_story)
        return np.array(out, dtype=bool)

    def compare_figures(self, models: Sequence[relate.StoryModel]) -> dict[str, float]:
        """Pair precision and recall of ``compare`` under ``models`` (see above)."""
        decided = self.compare_decisions(models)
        gold = np.array([same for *_, same in self.topic_pairs], dtype=bool)
        tp = int((decided & gold).sum())
        return {
            "precision": round(tp / max(int(decided.sum()), 1), 3),
            "recall": round(tp / max(int(gold.sum()), 1), 3),
        }

    @property
    def labels(self) -> np.ndarray:
        return np.array([self.gold[i] == self.gold[j] for i, j in self.train_pairs], dtype=int)

    def touching(self, pairs: Sequence[tuple[int, int]], fold_of: dict[str, int]) -> np.ndarray:
        """``[fold, pair]``: whether the pair has an article of a topic in the fold."""
        return np.array(
            [
                [fold_of[self.topics[i]] == f or fold_of[self.topics[j]] == f for i, j in pairs]
                for f in range(TOPIC_FOLDS)
            ]
        )

    def scores(self, model: relate.StoryModel, config: Config) -> np.ndarray:
        """Production's story score (``Relation.score``) of every candidate pair."""
        return self.scored(model, config)[0]

    def scored(self, model: relate.StoryModel, config: Config) -> tuple[np.ndarray, np.ndarray]:
        """Production's story score of every candidate pair under ``model``, and whether
        its relation is a copy (:func:`samestory.exclusive.copy_relation`: the pairs the
        batch hands the exclusive-names step; the kind reads the score, so the model)."""
        with relate.single_threaded_blas():
            relations = [self._relation(k, model, config) for k in range(len(self.pairs))]
        return (
            np.array([r.score for r in relations], dtype=np.float64),
            np.array([exclusive.copy_relation(r) for r in relations], dtype=bool),
        )

    def shipped_copies(self, config: Config) -> np.ndarray:
        """:meth:`scored`'s copy flags under the shipped model at ``config`` (kept per
        config): the copies a grouping reads when its caller names none."""
        if config not in self._shipped_copies:
            self._shipped_copies[config] = self.scored(relate.STORY_MODEL, config)[1]
        return self._shipped_copies[config]

    def _score(self, k: int, model: relate.StoryModel, config: Config) -> float:
        """Production's story score of candidate pair ``k`` under ``model``."""
        return self._relation(k, model, config).score

    def _relation(self, k: int, model: relate.StoryModel, config: Config) -> Relation:
        """Production's relation of candidate pair ``k`` under ``model``."""
        (i, j), m = self.pairs[k], self.measures[k]
        a, b = self.features[i], self.features[j]
        ps = relate.score_measures(m, model)
        return relate.relation_of(a, b, ps, config, self._aligner(k, a, b, m, config))

    def _aligner(
        self, k: int, a: DocFeatures, b: DocFeatures, m: relate.PairMeasures, config: Config
    ) -> Callable[[], relate.AlignmentResult]:
        def align() -> relate.AlignmentResult:
            if k not in self.alignments:  # the same for every model: align once
                self.alignments[k] = relate.align_pair(a, b, m.sim, config)
            return self.alignments[k]

        return align

    def rescored_text_dated(
        self, scored: tuple[np.ndarray, np.ndarray], model: relate.StoryModel, config: Config
    ) -> tuple[np.ndarray, np.ndarray]:
        """``scored`` (:meth:`scored`'s scores and copy flags) with the pairs gated by a
        date read from the text scored under ``model`` (the others do not depend on its
        date gate)."""
        scores, copied = scored[0].copy(), scored[1].copy()
        with relate.single_threaded_blas():
            for k, m in enumerate(self.measures):
                if m.text_dated:
                    r = self._relation(k, model, config)
                    scores[k], copied[k] = r.score, exclusive.copy_relation(r)
        return scores, copied

    def grouping(
        self, scores: np.ndarray, config: Config, copied: np.ndarray | None = None
    ) -> np.ndarray:
        """Story label of each article under production's grouping of ``scores``: the
        batch's (``pipeline.batch.assemble_analysis``), :func:`group_with_roundups` with
        the pairs related as copies (``copied``, by pair; None: under the shipped model,
        :meth:`shipped_copies`) handed to the exclusive-names step, roundups kept apart.
        (``WithCopies`` on the texts' name views: the batch's ``InContext`` without
        context, the same step; the views kept across the fit's groupings.)"""
        if copied is None:
            copied = self.shipped_copies(config)
        copies = [p for p, c in zip(self.pairs, copied.tolist(), strict=True) if c]
        views = exclusive.WithCopies(self.name_views, copies)
        groups, _ = group_with_roundups(views, self._scored(scores), self.copies.copy_of(), config)
        return self._labels(groups)

    def plain_grouping(self, scores: np.ndarray, config: Config) -> np.ndarray:
        """Story label of each article under :func:`group` of ``scores``: texts as items,
        no exclusive-names step and no roundups (production before 2026-12-05, and the
        fit's grouping until then; ``fit_exclusive.py``'s "without")."""
        groups = group(len(self.features), self._scored(scores), self.copies.copy_of(), config)
        return self._labels(groups)

    def _scored(self, scores: np.ndarray) -> list[tuple[int, int, float]]:
        return [(i, j, s) for (i, j), s in zip(self.pairs, scores.tolist(), strict=True)]

    def _labels(self, groups: Sequence[Sequence[int]]) -> np.ndarray:
        labels = np.zeros(len(self.features), dtype=int)
        for k, members in enumerate(groups):
            labels[list(members)] = k
        return labels

    def ari(self, scores: np.ndarray, config: Config, copied: np.ndarray | None = None) -> float:
        """ARI of production's grouping of the pairs scored ``scores`` (:meth:`grouping`)."""
        return float(adjusted_rand_score(self.gold, self.grouping(scores, config, copied)))

    def topic_aris(
        self, scores: np.ndarray, config: Config, copied: np.ndarray | None = None
    ) -> dict[str, float]:
        """The set's ARI (``"all"``) and each topic's within-topic ARI of production's
        grouping of ``scores`` (a merge across topics is seen only in ``"all"``)."""
        labels = self.grouping(scores, config, copied)
        out = {"all": float(adjusted_rand_score(self.gold, labels))}
        members: dict[str, list[int]] = defaultdict(list)
        for k, topic in enumerate(self.topics):
            members[topic].append(k)
        for topic, ks in sorted(members.items()):
            out[topic] = float(adjusted_rand_score([self.gold[k] for k in ks], labels[ks]))
        return out


def dev_set(
    base: str,
    data: Path,
    cache: Path,
    encoder: SentenceEncoder | None,
    form: str = "full",
    cut: str = "first-sentence",
) -> DevSet:
    """A dev file, or its short variant ``form`` (samestory.evaluate.make_short_variants,
    cut by ``cut``: the fits' ``first-sentence``, or the ``reader`` cut the accuracy rows
    judge; a reader-cut variant's features are cached under their own name).

    Topics are named by the dev file, not the variant, so that cross-validation keeps
    every form of a topic in one fold."""
    records, skipped = read_labelled(data / f"{base}.jsonl")
    if skipped:
        raise SystemExit(f"{base}: {len(skipped)} records skipped; fix the data first")
    name = base if form == "full" else f"{base}:{form}"
    if form != "full":
        records = make_short_variants(records, form, cut=cut)
    articles = [record_to_article(r) for r in records]
    stem = name.replace(":", "-") + (
        "-" + cut if form != "full" and cut != "first-sentence" else ""
    )
    features = cached_features(stem, articles, cache, encoder)
    return dev_set_of(name, base, records, features, compare_pairs=form == "full")


# The independent-report sets drawn from ECB+ dev (scripts/make_independent_reports.py,
# its seed and sizes), scored beside the dev sets with --independent, never fitted on.
INDEPENDENT_SETS = ("ecbplus_dev:independent", "ecbplus_dev:independent_long")


def independent_sets(data: Path, cache: Path, encoder: SentenceEncoder | None) -> list[DevSet]:
    """ECB+'s independent-report sets (4 articles an event; the same drawn from long
    articles only), as :class:`DevSet` on ECB+ dev's cached features, topics named as
    ECB+'s so that every pair falls in its source topic's fold."""
    base = ARTICLE_SETS[0]
    records, _ = read_labelled(data / f"{base}.jsonl")
    features = cached_features(base, [record_to_article(r) for r in records], cache, encoder)
    by_id = {r["id"]: k for k, r in enumerate(records)}
    draws = (
        make_independent_reports.ecbplus(records, 4, random.Random(13)),
        make_independent_reports.ecbplus(
            records, 4, random.Random(13), make_independent_reports.MIN_WORDS_LONG
        ),
    )
    out = []
    for name, chosen in zip(INDEPENDENT_SETS, draws, strict=True):
        picked = [by_id[r["id"]] for r in chosen]
        out.append(
            dev_set_of(
                name, base, [records[k] for k in picked], [features[k] for k in picked], False
            )
        )
    return out


def dev_set_of(
    name: str,
    base: str,
    records: list[dict],
    features: list[DocFeatures],
    compare_pairs: bool = True,
    topic_of: Callable[[dict], str] | None = None,
    config: Config = FIT_CONFIG,
) -> DevSet:
    """The :class:`DevSet` of labelled ``records`` and their ``features`` (in order);
    ``compare_pairs``: with ``compare``'s pairs of one topic (not for GVA); ``topic_of``:
    a record's topic, for the folds (default: the set's topic, GVA's incident);
    ``config``: what copies are collapsed and candidates proposed under (the fits'
    ``FIT_CONFIG``; ``benchmarks/encoder_fits.py`` passes each encoder's own)."""
    copies = collapse_copies(features, config)
    pairs = propose_pairs(features, copies, config)
    train_pairs = candidate_pairs(features, config)
    # GVA's pairs of one incident type are 351k: compare's figures there are
    # benchmarks/accuracy.py's (a sample), not the fit's.
    topic_pairs = hard_negative_pairs(records) if compare_pairs and base != GVA_SET else []
    with relate.single_threaded_blas():
        measures = [relate.measure_pair(features[i], features[j]) for i, j in pairs]
        topic_measures = [relate.measure_pair(features[i], features[j]) for i, j, _ in topic_pairs]
        cues = [
            relate.event_design(
                relate.event_cues(
                    features[i],
                    features[j],
                    relate.sentence_similarity(
                        features[i].sentence_vectors, features[j].sentence_vectors
                    ),
                )
            )
            for i, j in train_pairs
        ]
    return DevSet(
        name=name,
        base=base,
        features=features,
        gold=[r["story"] for r in records],
        topics=[
            topic_of(r)
            if topic_of is not None
            else f"{base}:{r['story'] if base == GVA_SET else r.get('topic', r['story'])}"
            for r in records
        ],
        copies=copies,
        pairs=pairs,
        measures=measures,
        train_pairs=train_pairs,
        topic_pairs=topic_pairs,
        topic_measures=topic_measures,
        cues=np.array(cues, dtype=np.float64),
    )


def event_model(fitted: LogisticRegression, graded: relate.StoryModel) -> relate.StoryModel:
    """``graded`` with the event weights of a logistic regression fitted on
    :func:`samestory.relate.event_design` rows (cues, shortness × cues, shortness,
    disagreement cues), rounded as shipped."""
    n = len(relate.CUE_NAMES)
    coef = [round(float(w), WEIGHT_DECIMALS) for w in fitted.coef_[0]]
    return dataclasses.replace(
        graded,
        event_weights=tuple(coef[:n]),
        short_weights=tuple(coef[n : 2 * n]),
        short_bias=coef[2 * n],
        conflict_weights=tuple(coef[2 * n + 1 :]),
        event_bias=round(float(fitted.intercept_[0]), WEIGHT_DECIMALS),
    )


def long_columns(x: np.ndarray) -> np.ndarray:
    """The columns of :func:`samestory.relate.event_design` rows outside the short part:
    the cues and the disagreement cues."""
    n = len(relate.CUE_NAMES)
    return np.hstack([x[:, :n], x[:, 2 * n + 1 :]])


def long_model(fitted: LogisticRegression, graded: relate.StoryModel) -> relate.StoryModel:
    """``graded`` with the long part and the conflict part of a logistic regression
    fitted on :func:`long_columns`, the short part zero (``--no-short-part``)."""
    n = len(relate.CUE_NAMES)
    coef = [round(float(w), WEIGHT_DECIMALS) for w in fitted.coef_[0]]
    return dataclasses.replace(
        graded,
        event_weights=tuple(coef[:n]),
        short_weights=(0.0,) * n,
        short_bias=0.0,
        conflict_weights=tuple(coef[n:]),
        event_bias=round(float(fitted.intercept_[0]), WEIGHT_DECIMALS),
    )


def logistic_with_offset(
    inputs: np.ndarray, y: np.ndarray, offset: np.ndarray, c: float
) -> np.ndarray:
    """Weights ``θ`` of a logistic regression of ``y`` on ``inputs`` whose log-odds are
    ``offset + inputs·θ`` (no intercept of its own), L2-penalised as scikit-learn's:
    minimise ``C Σ log(1 + exp(-s z)) + ½|θ|²`` with ``s = ±1`` the label's sign."""
    from scipy.optimize import minimize

    sign = 2.0 * y - 1.0

    def loss(theta: np.ndarray) -> tuple[float, np.ndarray]:
        z = sign * (offset + inputs @ theta)
        value = c * np.logaddexp(0.0, -z).sum() + 0.5 * theta @ theta
        grad = -c * inputs.T @ (sign * np.exp(-np.logaddexp(0.0, z))) + theta
        return float(value), grad

    return minimize(loss, np.zeros(inputs.shape[1]), jac=True, method="L-BFGS-B").x


def short_ramps(
    x: np.ndarray, model: relate.StoryModel, words: np.ndarray | None = None
) -> np.ndarray:
    """The factor ``model``'s short part weighs beside the shortness ``u`` of each
    :func:`samestory.relate.event_design` row (``StoryModel.short_strength`` over ``u``:
    the ramp ``r``, times the longer text's shortness with ``short_both``; 1 for an
    unshaped part). ``words``: each row's (shorter, longer) words (:attr:`DevSet.words`);
    without them the shorter text's words are read back from ``u`` (the inverse of
    :func:`samestory.relate.shortness`; at ``u`` 0 the part weighs nothing anyway), which
    cannot give the longer text's."""
    n = len(relate.CUE_NAMES)
    u = x[:, 2 * n]
    if not model.shaped_short:
        return np.ones(len(x))
    if words is not None:
        return np.array([model.short_strength(a, 1.0, b) for a, b in words.tolist()])
    if model.short_both:
        raise ValueError("a short part weighing both texts' shortness needs their words")
    r = np.ones(len(x))
    for k, value in enumerate(u.tolist()):
        if 0.0 < value < 1.0:
            words = round(
                relate.SHORT_TEXT_WORDS + relate.SHORT_TEXT_SPREAD * np.log((1 - value) / value)
            )
            r[k] = model.short_strength(words, 1.0)
    return r


def fit_conflict_part(
    x: np.ndarray,
    y: np.ndarray,
    base: relate.StoryModel,
    c: float,
    cues: Sequence[str] = relate.CONFLICT_CUE_NAMES,
    words: np.ndarray | None = None,
    keep_others: bool = False,
) -> relate.StoryModel:
    """``base`` with its conflict part ``d`` fitted, the rest kept (``--conflicts-only``).

    Logistic regression of ``y`` on the disagreement cues ``cues`` with the rest of
    ``base``'s log-odds (long and short parts) as a fixed offset, L2-penalised as
    scikit-learn's (``C``): the shipped model scores every pair as before, plus what the
    disagreements say. The cues left out of ``cues`` weigh 0 (``--conflict-cues``), or,
    with ``keep_others`` (``--keep-other-conflicts``), keep ``base``'s weights, in the
    offset."""

    n = len(relate.CUE_NAMES)
    u = x[:, 2 * n]
    offset = base.event_bias + x[:, :n] @ np.array(base.event_weights)
    if base.short_ramp is None:  # the same sums in the same order as before the ramp
        offset = offset + u * base.short_bias + x[:, n : 2 * n] @ np.array(base.short_weights)
    else:
        short = u * base.short_bias + x[:, n : 2 * n] @ np.array(base.short_weights)
        offset = offset + short_ramps(x, base, words) * short
    chosen = [relate.CONFLICT_CUE_NAMES.index(name) for name in cues]
    weights = [0.0] * len(relate.CONFLICT_CUE_NAMES)
    if keep_others:
        weights = [0.0 if k in chosen else w for k, w in enumerate(base.conflict_weights)]
        offset = offset + x[:, 2 * n + 1 :] @ np.array(weights)
    theta = logistic_with_offset(x[:, 2 * n + 1 :][:, chosen], y, offset, c)
    for k, v in zip(chosen, theta, strict=True):
        weights[k] = round(float(v), WEIGHT_DECIMALS)
    return dataclasses.replace(base, conflict_weights=tuple(weights))


def fit_short_part(
    x: np.ndarray,
    y: np.ndarray,
    base: relate.StoryModel,
    c: float,
    words: np.ndarray | None = None,
) -> relate.StoryModel:
    """``base`` with its short part ``β, v`` fitted, its long part ``b, w`` kept.

    Logistic regression of ``y`` on the short inputs ``u·x, u`` with the long part's
    log-odds ``b + w·x`` as a fixed offset, L2-penalised as scikit-learn's (``C``). The
    long part is fitted by full articles (the shipped one), so full texts score as they
    did (their ``u`` is ~0); the short part says how short texts differ."""

    n = len(relate.CUE_NAMES)
    offset = (
        base.event_bias
        + x[:, :n] @ np.array(base.event_weights)
        + x[:, 2 * n + 1 :] @ np.array(base.conflict_weights)
    )
    inputs = x[:, n : 2 * n + 1] * short_ramps(x, base, words)[:, None]  # u·r·x, then u·r
    theta = logistic_with_offset(inputs, y, offset, c)
    return dataclasses.replace(
        base,
        short_weights=tuple(round(float(v), WEIGHT_DECIMALS) for v in theta[:n]),
        short_bias=round(float(theta[n]), WEIGHT_DECIMALS),
    )


def threshold_config(threshold: float) -> Config:
    """Production's config with another same-story threshold (attach threshold kept,
    capped at the threshold)."""
    attach = FIT_CONFIG.attach_threshold
    return FIT_CONFIG.replace(
        same_story_threshold=threshold,
        attach_threshold=None if attach is None else min(attach, threshold),
    )


def ari_grid(dev: DevSet, model: relate.StoryModel) -> dict[float, float]:
    """ARI of production under ``model`` for each same-story threshold of the grid."""
    out = {}
    for t in THRESHOLDS:
        config = threshold_config(t)
        scores, copied = dev.scored(model, config)
        out[t] = round(dev.ari(scores, config, copied), 3)
    return out


def topic_cv_ari(
    sets: Sequence[DevSet],
    fit: Callable[[np.ndarray, np.ndarray], relate.StoryModel],
    trains: Callable[[DevSet], bool] = lambda dev: True,
    words: bool = False,
    by_topic: dict[str, dict[str, float]] | None = None,
) -> tuple[dict[str, float], list[relate.StoryModel]]:
    """ARI at production's config with each pair scored by models that never saw its topics.

    Topics (ECB+ topics hold two events of one kind; MEANTIME's company corpora) are
    dealt into ``TOPIC_FOLDS`` folds; a pair touching a fold is scored by the model fitted
    on the pairs that touch none of its topics (its scores averaged if it touches two
    folds; a copy when either model relates it as one, :meth:`DevSet.scored`). The
    clustering ARI of these scores, production's grouping of them (:meth:`DevSet.grouping`,
    the exclusive-names step included), estimates accuracy on unseen topics. Only the
    sets ``trains`` accepts fit the models; every set is scored (``words``: ``fit`` also
    takes the rows' :attr:`DevSet.words`). Returns the ARIs and the folds' models (fold
    ``f``'s fitted without the topics dealt to ``f``); ``by_topic``, when given, is filled
    with each set's unrounded ARI and its topics' (:meth:`DevSet.topic_aris`).
    """
    topics = sorted({t for dev in sets for t in dev.topics})
    order = np.random.RandomState(0).permutation(len(topics))
    fold_of = {topic: order[k] % TOPIC_FOLDS for k, topic in enumerate(topics)}
    touches = {dev.name: dev.touching(dev.pairs, fold_of) for dev in sets}
    trained = {dev.name: dev.touching(dev.train_pairs, fold_of) for dev in sets}
    sums = {dev.name: np.zeros(len(dev.pairs)) for dev in sets}
    models: list[relate.StoryModel] = []
    counts = {dev.name: np.zeros(len(dev.pairs)) for dev in sets}
    copied = {dev.name: np.zeros(len(dev.pairs), dtype=bool) for dev in sets}
    for f in range(TOPIC_FOLDS):
        fitting = [dev for dev in sets if trains(dev)]
        x = np.vstack([dev.cues[~trained[dev.name][f]] for dev in fitting])
        y = np.concatenate([dev.labels[~trained[dev.name][f]] for dev in fitting])
        if words:
            w = np.vstack([dev.words[~trained[dev.name][f]] for dev in fitting])
            model = fit(x, y, w)  # type: ignore[call-arg]
        else:
            model = fit(x, y)
        models.append(model)
        for dev in sets:
            mask = touches[dev.name][f]
            if mask.any():
                scores, copies = dev.scored(model, FIT_CONFIG)
                sums[dev.name][mask] += scores[mask]
                counts[dev.name][mask] += 1
                copied[dev.name][mask] |= copies[mask]
    aris = {}
    for dev in sets:
        scores = sums[dev.name] / np.maximum(counts[dev.name], 1)
        if by_topic is None:
            aris[dev.name] = round(dev.ari(scores, FIT_CONFIG, copied[dev.name]), 3)
        else:
            by_topic[dev.name] = dev.topic_aris(scores, FIT_CONFIG, copied[dev.name])
            aris[dev.name] = round(by_topic[dev.name]["all"], 3)
    return aris, models


def print_topic_aris(by_topic: dict[str, dict[str, float]], path: Path) -> None:
    """Each set's ARI under topic CV (4 decimals) and its topics', printed and written to
    ``path`` as JSON (``--topic-aris``: for a per-topic floor judged between two fits)."""
    for name, aris in by_topic.items():
        print(
            name,
            "topic CV ARI",
            round(aris["all"], 4),
            "by topic",
            {topic: round(v, 4) for topic, v in aris.items() if topic != "all"},
        )
    path.write_text(json.dumps(by_topic, indent=1) + "\n", encoding="utf-8")


def compare_cv(
    dev: DevSet, models: Sequence[relate.StoryModel], fold_of: dict[str, int]
) -> dict[str, float]:
    """``compare``'s precision and recall on ``dev``'s pairs of one topic, each pair
    scored by the model fitted without its topic (:func:`topic_cv_ari`'s folds)."""
    return dev.compare_figures([models[fold_of[dev.topics[i]]] for i, _, _ in dev.topic_pairs])


def fold_of_topics(sets: Sequence[DevSet], seed: int = 0) -> dict[str, int]:
    """Each topic's fold (seed 0: the same dealing as :func:`topic_cv_ari`; another
    ``seed`` deals the topics afresh)."""
    topics = sorted({t for dev in sets for t in dev.topics})
    order = np.random.RandomState(seed).permutation(len(topics))
    return {topic: order[k] % TOPIC_FOLDS for k, topic in enumerate(topics)}


# (f_long, f_short, far_days, f_far_long, f_far_short)
GatePoint = tuple[float, float, int | None, float, float]


def gated_model(model: relate.StoryModel, point: GatePoint) -> relate.StoryModel:
    """``model`` with the text-date gate ``point``."""
    return dataclasses.replace(
        model,
        text_date_factor_long=point[0],
        text_date_factor_short=point[1],
        text_date_far_days=point[2],
        text_date_factor_far=point[3],
        text_date_factor_far_short=point[4],
    )


def gate_grid(
    longs: Sequence[float],
    shorts: Sequence[float],
    far_days: Sequence[int | None] = (None,),
    fars: Sequence[float] = (),
    far_shorts: Sequence[float] = (),
) -> list[GatePoint]:
    """Gate points: each short factor at most its long one; a far step's factors at
    most the near ones, one of them lower (else it is no step)."""
    out: list[GatePoint] = []
    for lo, sh in itertools.product(longs, shorts):
        if sh > lo:
            continue
        for days in far_days:
            if days is None:
                out.append((lo, sh, None, lo, sh))
                continue
            for fl, fs in itertools.product(fars, far_shorts):
                if fs <= fl <= lo and fs <= sh and (fl, fs) != (lo, sh):
                    out.append((lo, sh, days, fl, fs))
    return out


def fit_date_gate(
    sets: Sequence[DevSet],
    model: relate.StoryModel,
    grid: Sequence[GatePoint],
) -> tuple[relate.StoryModel, dict[str, Any]]:
    """The text-date gate ``(f_long, f_short, far_days, f_far)`` of ``model`` chosen on
    ``grid`` by mean ARI over the sets, production's scoring and grouping (event model
    fixed). Its honest figure: 5-fold CV over topics, each fold's gate chosen by the ARI
    of the other folds' articles (each set's grouping restricted to them), the fold's
    pairs scored under it; beside it the shipped gate's figure."""
    fold_of = fold_of_topics(sets)
    base = {dev.name: dev.scored(model, FIT_CONFIG) for dev in sets}
    scores: dict[GatePoint, dict[str, tuple[np.ndarray, np.ndarray]]] = {}
    train_ari: dict[GatePoint, np.ndarray] = {}  # [fold] mean ARI off the fold
    full_ari: dict[GatePoint, float] = {}
    per_set: dict[GatePoint, dict[str, float]] = {}
    for point in grid:
        gated = gated_model(model, point)
        scores[point] = {
            dev.name: dev.rescored_text_dated(base[dev.name], gated, FIT_CONFIG) for dev in sets
        }
        per_fold = np.zeros((len(sets), TOPIC_FOLDS))
        whole = []
        for s, dev in enumerate(sets):
            gated_scores, copied = scores[point][dev.name]
            labels = dev.grouping(gated_scores, FIT_CONFIG, copied)
            gold, folds = np.array(dev.gold), np.array([fold_of[t] for t in dev.topics])
            whole.append(adjusted_rand_score(gold, labels))
            for f in range(TOPIC_FOLDS):
                off = folds != f
                per_fold[s, f] = adjusted_rand_score(gold[off], labels[off])
        train_ari[point] = per_fold.mean(axis=0)
        full_ari[point] = float(np.mean(whole))
        per_set[point] = {dev.name: round(float(a), 3) for dev, a in zip(sets, whole, strict=True)}
        print("date gate", point, "mean ARI", round(full_ari[point], 4), per_set[point], flush=True)

    def rank(p: GatePoint, value: float) -> tuple[float, float, float, bool, int, float, float]:
        # Ties: the larger factors, then no far step, then the farther and milder one.
        return (value, p[0], p[1], p[2] is None, p[2] or 0, p[3], p[4])

    def best_on(fold: int | None) -> GatePoint:
        """The grid point of highest mean ARI: over all articles, or off ``fold``."""
        value = (lambda p: full_ari[p]) if fold is None else (lambda p: float(train_ari[p][fold]))
        return max(grid, key=lambda p: rank(p, value(p)))

    chosen = best_on(None)
    fold_choice = [best_on(f) for f in range(TOPIC_FOLDS)]
    cv: dict[str, float] = {}
    for dev in sets:
        touches = dev.touching(dev.pairs, fold_of)
        total, count = np.zeros(len(dev.pairs)), np.zeros(len(dev.pairs))
        copied = np.zeros(len(dev.pairs), dtype=bool)
        for f, point in enumerate(fold_choice):
            gated_scores, copies = scores[point][dev.name]
            total[touches[f]] += gated_scores[touches[f]]
            count[touches[f]] += 1
            copied[touches[f]] |= copies[touches[f]]
        base_scores, base_copied = base[dev.name]
        mixed = np.where(count > 0, total / np.maximum(count, 1), base_scores)
        copied = np.where(count > 0, copied, base_copied)
        cv[dev.name] = round(dev.ari(mixed, FIT_CONFIG, copied), 3)
    shipped = (
        model.text_date_factor_long,
        model.text_date_factor_short,
        model.text_date_far_days,
        model.text_date_factor_far,
        model.text_date_factor_far_short,
    )
    info = {
        "method": "grid over (text_long, text_short, far_days, text_far, text_far_short), "
        "mean ARI over "
        "the sets at the default config, event model fixed; cv: each fold's gate chosen "
        "on the other folds",
        "grid_mean_ari": {"/".join(map(str, p)): round(v, 4) for p, v in full_ari.items()},
        "grid_ari": {"/".join(map(str, p)): v for p, v in per_set.items()},
        "chosen": list(chosen),
        "fold_choices": [list(p) for p in fold_choice],
        "ari_topic_cv": cv,
        "ari_shipped_gate": {
            dev.name: round(dev.ari(base[dev.name][0], FIT_CONFIG, base[dev.name][1]), 3)
            for dev in sets
        },
        "shipped_gate": list(shipped),
    }
    return gated_model(model, chosen), info


def fit_graded(
    data: Path, cache: Path, encoder: SentenceEncoder | None
) -> tuple[MonotoneAdditiveModel, dict[str, Any]]:
    """The monotone additive model of the SemEval-2022 scale, and its CV figures."""
    pairs = load(data / f"{PAIR_SET}.jsonl")
    flat = [
        Article(id=f"{k}{side}", text=p[f"text{side}"], lang=p[f"lang{side}"])
        for k, p in enumerate(pairs)
        for side in (1, 2)
    ]
    features = cached_features("semeval", flat, cache, encoder)
    cues = []
    for k in range(len(pairs)):
        a, b = features[2 * k], features[2 * k + 1]
        sim = relate.sentence_similarity(a.sentence_vectors, b.sentence_vectors)
        pair = relate.event_cues(a, b, sim)
        cues.append([getattr(pair, name) for name in GRADED_CUES])
    semantic = np.array(cues, dtype=np.float64)
    overall = -np.array([p["overall"] for p in pairs])
    cross = np.array([p["lang1"] != p["lang2"] for p in pairs])

    def figures(predicted: np.ndarray) -> dict[str, float]:
        return {
            "pearson": round(float(pearsonr(predicted, overall)[0]), 3),
            "pearson_cross_lingual": round(float(pearsonr(predicted[cross], overall[cross])[0]), 3),
        }

    cv = {
        "method": "5-fold CV over pairs; Pearson with -overall",
        "monotone_additive": figures(cross_validated(MonotoneAdditiveModel, semantic, overall)),
        "linear_ridge_peer": figures(cross_validated(lambda: Ridge(alpha=1.0), semantic, overall)),
    }
    info = {"data": PAIR_SET, "pairs": len(pairs), "knots": GRADED_KNOTS, "cv": cv}
    return MonotoneAdditiveModel().fit(semantic, overall), info


# StoryModel's tuple parameters, by the names of their entries (for the differences).
NAMED_PARAMETERS = {
    "event_weights": relate.CUE_NAMES,
    "short_weights": relate.CUE_NAMES,
    "conflict_weights": relate.CONFLICT_CUE_NAMES,
}


def model_differences(shipped: relate.StoryModel, fitted: relate.StoryModel) -> list[str]:
    """Each parameter of ``fitted`` that is not that of ``shipped``, as ``name: old -> new``
    (every :class:`samestory.relate.StoryModel` field but ``info``; the file rounds them,
    so equal means equal to the decimals written)."""
    out = []
    for field in dataclasses.fields(relate.StoryModel):
        if field.name == "info":
            continue
        old, new = getattr(shipped, field.name), getattr(fitted, field.name)
        if old == new:
            continue
        if field.name in NAMED_PARAMETERS:
            names = NAMED_PARAMETERS[field.name]
            out += [
                f"{field.name}.{n}: {a} -> {b}"
                for n, a, b in zip(names, old, new, strict=True)
                if a != b
            ]
        elif field.name == "graded_shapes":
            for name in sorted(set(old) | set(new)):
                if old.get(name) != new.get(name):
                    out.append(f"graded_shapes.{name}: {old.get(name)} -> {new.get(name)}")
        else:
            out.append(f"{field.name}: {old} -> {new}")
    return out


def check_model(out: Path, data: dict[str, Any]) -> int:
    """``--check``: print whether the model in ``data`` (the file this run would write) is
    the one in ``out``, and each parameter that differs; 0 if SAME, 1 if it DIFFERS."""
    shipped_data = json.loads(out.read_text(encoding="utf-8"))
    differences = model_differences(
        relate.StoryModel.from_dict(shipped_data, str(out)),
        relate.StoryModel.from_dict(data, "this fit"),
    )
    encoders = shipped_data.get("encoder"), data.get("encoder")
    if encoders[0] != encoders[1]:
        differences.insert(0, f"encoder: {encoders[0]} -> {encoders[1]}")
    return report_check(out, differences)


def write_date_gate(
    args: argparse.Namespace, forms: Sequence[str], encoder: SentenceEncoder | None
) -> int:
    """``--date-gate-only``: fit the text-date gate of the shipped model and write it
    (``--check``: compare it with ``--out``)."""
    sets = [
        dev_set(name, args.data, args.cache, encoder, form)
        for name in ARTICLE_SETS
        for form in forms
    ]
    if args.gva:
        sets.append(dev_set(GVA_SET, args.data, args.cache, encoder))
    grid = gate_grid(
        [float(x) for x in args.gate_long.split(",")],
        [float(x) for x in args.gate_short.split(",")],
        [None if x == "none" else int(x) for x in args.gate_far_days.split(",")],
        [float(x) for x in args.gate_far.split(",") if x],
        [float(x) for x in args.gate_far_short.split(",") if x],
    )
    fitted, info = fit_date_gate(sets, relate.STORY_MODEL, grid)
    print("date gate", json.dumps(info))
    data = fitted.to_dict()
    data["event_model"]["date_gate"]["fitted_on"] = {
        **info,
        "data": [dev.name for dev in sets],
        "fitted": dt.date.today().isoformat(),
    }
    text = json.dumps(data, indent=2) + "\n"
    if args.check:
        return check_model(args.out, data)
    if args.dry_run:
        print(json.dumps(data["event_model"]["date_gate"], indent=2))
    else:
        args.out.write_text(text, encoding="utf-8")
        print("wrote", args.out)
    return 0


def write_graded(args: argparse.Namespace, model: relate.StoryModel, info: dict[str, Any]) -> int:
    """``--graded-only``: write the graded model of ``model``, the event model kept
    (``--check``: compare it with ``--out``)."""
    data = model.to_dict()
    data["graded_model"]["fitted_on"] = {**info, "fitted": dt.date.today().isoformat()}
    data["graded_model"]["cues"] = list(GRADED_CUES)
    if args.check:
        return check_model(args.out, data)
    if args.dry_run:
        print(json.dumps(data["graded_model"], indent=2))
    else:
        args.out.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
        print("wrote", args.out)
    return 0


def refitted_graded(
    args: argparse.Namespace, encoder: SentenceEncoder | None
) -> tuple[relate.StoryModel, dict[str, Any]]:
    """The shipped model with its graded part refitted on SemEval, and the fit's figures."""
    graded_fit, graded_info = fit_graded(args.data, args.cache, encoder)
    print("graded, 5-fold CV", json.dumps(graded_info["cv"]))
    base = dataclasses.replace(
        relate.STORY_MODEL,
        graded_bias=round(graded_fit.bias_, GRADED_BIAS_DECIMALS),
        graded_shapes={
            name: (
                tuple(np.round(knots, WEIGHT_DECIMALS).tolist()),
                tuple(np.round(values, WEIGHT_DECIMALS).tolist()),
            )
            for name, (knots, values) in zip(GRADED_CUES, graded_fit.shapes_, strict=True)
        },
    )
    return base, graded_info


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--cache", type=Path, default=Path("/tmp/samestory-fit"))
    parser.add_argument("--C", type=float, default=1.0)
    parser.add_argument("--encoder", choices=ENCODERS, default="use")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--dry-run", action="store_true", help="print, write nothing")
    parser.add_argument(
        "--check",
        action="store_true",
        help="refit with these options and compare the model with --out: SAME or DIFFERS "
        "(each differing parameter), exit 1 on DIFFERS; writes nothing",
    )
    parser.add_argument(
        "--refit-base",
        action="store_true",
        help="refit the long part too (default: keep the shipped one, fit the short part)",
    )
    parser.add_argument(
        "--conflicts-only",
        action="store_true",
        help="fit only the disagreement cues' weights, on the full articles, the rest of "
        "the event model kept as a fixed offset",
    )
    parser.add_argument(
        "--conflict-cues",
        default=",".join(relate.CONFLICT_CUE_NAMES),
        help="with --conflicts-only: the disagreement cues fitted (the others weigh 0), "
        "e.g. year_gap",
    )
    parser.add_argument(
        "--keep-other-conflicts",
        action="store_true",
        help="with --conflicts-only: the disagreement cues not in --conflict-cues keep the "
        "shipped weights (in the offset) instead of weighing 0",
    )
    parser.add_argument(
        "--conflicts-on-short-forms",
        action="store_true",
        help="with --conflicts-only: the short variants' pairs (--short-forms) fit the "
        "conflict part too, beside the full articles' (the same topic folds)",
    )
    parser.add_argument(
        "--gva",
        action="store_true",
        help="score GVA dev (full articles, folds by incident) beside ECB+ and MEANTIME; "
        "with --conflicts-only its pairs fit the conflict part too",
    )
    parser.add_argument(
        "--independent",
        action="store_true",
        help="score ECB+'s independent-report sets (scripts/make_independent_reports.py: "
        "default and long articles) beside the others, under the same topic folds; "
        "never fitted on (not read by --date-gate-only)",
    )
    parser.add_argument(
        "--no-short-part",
        action="store_true",
        help="refit the long part and the disagreement cues' weights on the full articles "
        "alone, the short part zero (the short variants are still scored)",
    )
    parser.add_argument(
        "--date-gate-only",
        action="store_true",
        help="fit only the text-date gate (fit_date_gate), the event and graded models kept",
    )
    parser.add_argument(
        "--graded-only",
        action="store_true",
        help="fit only the graded model (SemEval scale), the event model kept",
    )
    parser.add_argument("--gate-long", default=",".join(map(str, DATE_GATE_LONG)))
    parser.add_argument("--gate-short", default=",".join(map(str, DATE_GATE_SHORT)))
    parser.add_argument(
        "--gate-far-days",
        default="none",
        help="far steps of the text-date gate to try, in days ('none': no step), e.g. none,180",
    )
    parser.add_argument("--gate-far", default="", help="far long factors to try, e.g. 0.35,0.5")
    parser.add_argument("--gate-far-short", default="", help="far short factors to try")
    parser.add_argument(
        "--short-forms",
        default=",".join(SHORT_FORMS),
        help="short variants of each dev set fitted and scored beside it ('' for none)",
    )
    parser.add_argument(
        "--topic-aris",
        type=Path,
        default=None,
        help="write each set's ARI under topic CV and its topics' within-topic ARIs "
        "(unrounded) to this JSON file, and print them",
    )
    args = parser.parse_args(argv)
    encoder = make_encoder(args.encoder)
    conflict_cues = [name for name in args.conflict_cues.split(",") if name]
    unknown = sorted(set(conflict_cues) - set(relate.CONFLICT_CUE_NAMES))
    if unknown:
        parser.error(f"--conflict-cues: unknown {unknown}; known {relate.CONFLICT_CUE_NAMES}")
    args.cache.mkdir(parents=True, exist_ok=True)
    forms = ["full", *(f for f in args.short_forms.split(",") if f)]
    if args.date_gate_only:
        return write_date_gate(args, forms, encoder)

    if args.conflicts_only:
        # The conflict part is fitted on the shipped model as an offset: its graded part
        # (SemEval's scale, which `compare` reads) is kept as shipped too, not refitted.
        base = relate.STORY_MODEL
        kept_conflicts = [
            name
            for name, weight in zip(relate.CONFLICT_CUE_NAMES, base.conflict_weights, strict=True)
            if weight
        ]
        graded_info = dict(relate.STORY_MODEL.info["graded_model"]["fitted_on"])
    else:
        base, graded_info = refitted_graded(args, encoder)
        if args.graded_only:
            return write_graded(args, base, graded_info)

    sets = [
        dev_set(name, args.data, args.cache, encoder, form)
        for name in ARTICLE_SETS
        for form in forms
    ]
    if args.gva:
        sets.append(dev_set(GVA_SET, args.data, args.cache, encoder))
    if args.independent:
        sets += independent_sets(args.data, args.cache, encoder)

    def fit(x: np.ndarray, y: np.ndarray, words: np.ndarray) -> relate.StoryModel:
        if args.conflicts_only:
            return fit_conflict_part(
                x, y, base, args.C, conflict_cues, words, args.keep_other_conflicts
            )
        if args.no_short_part:
            return long_model(
                LogisticRegression(C=args.C, max_iter=5000).fit(long_columns(x), y), base
            )
        if args.refit_base:
            return event_model(LogisticRegression(C=args.C, max_iter=5000).fit(x, y), base)
        return fit_short_part(x, y, base, args.C, words)

    def trains(dev: DevSet) -> bool:
        """Whether ``dev``'s pairs fit the model (--no-short-part, --conflicts-only: the
        full articles'; GVA's only the conflict part; the independent-report sets never:
        their pairs are ECB+'s)."""
        if dev.name in INDEPENDENT_SETS:
            return False
        if dev.base == GVA_SET:
            return args.conflicts_only
        if args.conflicts_only and args.conflicts_on_short_forms:
            return True
        return not (args.no_short_part or args.conflicts_only) or dev.name == dev.base

    def fit_on(chosen: Sequence[DevSet]) -> relate.StoryModel:
        chosen = [d for d in chosen if trains(d)]
        return fit(
            np.vstack([d.cues for d in chosen]),
            np.concatenate([d.labels for d in chosen]),
            np.vstack([d.words for d in chosen]),
        )

    model = fit_on(sets)
    print(
        "event weights",
        dict(zip(relate.CUE_NAMES, model.event_weights, strict=True)),
        "bias",
        model.event_bias,
    )
    print(
        "short weights",
        dict(zip(relate.CUE_NAMES, model.short_weights, strict=True)),
        "bias",
        model.short_bias,
    )
    print(
        "conflict weights",
        dict(zip(relate.CONFLICT_CUE_NAMES, model.conflict_weights, strict=True)),
    )
    print(
        "shipped      ",
        dict(zip(relate.CUE_NAMES, relate.STORY_MODEL.event_weights, strict=True)),
        "bias",
        relate.STORY_MODEL.event_bias,
    )
    in_sample = {}
    for dev in sets:
        in_sample[dev.name] = ari_grid(dev, model)
        shipped = ari_grid(dev, relate.STORY_MODEL)
        print(dev.name, "ARI by threshold, refitted", in_sample[dev.name], "shipped", shipped)
    held_set = {}
    for train_base, test_base in itertools.permutations(ARTICLE_SETS, 2):
        test = next(d for d in sets if d.name == test_base)
        fitted = fit_on([d for d in sets if d.base == train_base])
        held_set[f"{train_base}->{test_base}"] = ari_grid(test, fitted)
        print(
            f"fit on {train_base} (all forms), test on {test_base}",
            held_set[f"{train_base}->{test_base}"],
        )
    by_topic: dict[str, dict[str, float]] | None = {} if args.topic_aris else None
    topic_cv, fold_models = topic_cv_ari(sets, fit, trains, words=True, by_topic=by_topic)  # type: ignore[arg-type]
    print(f"{TOPIC_FOLDS}-fold CV over topics, ARI at the default config", topic_cv)
    if by_topic is not None:
        print_topic_aris(by_topic, args.topic_aris)
    fold_of = fold_of_topics(sets)
    compare: dict[str, dict[str, Any]] = {}
    for dev in sets:
        if dev.topic_pairs:
            compare[dev.name] = {
                "shipped": dev.compare_figures([relate.STORY_MODEL] * len(dev.topic_pairs)),
                "in_sample": dev.compare_figures([model] * len(dev.topic_pairs)),
                "topic_cv": compare_cv(dev, fold_models, fold_of),
            }
            print(dev.name, "compare, pairs of one topic (precision, recall)", compare[dev.name])

    event_info = {
        "fit": (
            "conflict part only, on the full articles' and the short variants' pairs, the "
            "rest of the event model kept as a fixed offset"
            if args.conflicts_only and args.conflicts_on_short_forms
            else "conflict part only, on the full articles' pairs, the rest of the event model "
            "kept as a fixed offset"
            if args.conflicts_only
            else "long part and conflict part on the full articles' pairs, short part zero"
            if args.no_short_part
            else "long part refitted with the short part"
            if args.refit_base
            else "short part only, the long part kept as a fixed offset"
        ),
        "trained_on": [dev.name for dev in sets if trains(dev)],
        **({"conflict_cues_fitted": conflict_cues} if args.conflicts_only else {}),
        **(
            {"conflict_cues_kept_as_shipped": [c for c in kept_conflicts if c not in conflict_cues]}
            if args.conflicts_only and args.keep_other_conflicts
            else {}
        ),
        "data": [dev.name for dev in sets],
        "pairs": (
            "candidate pairs of all articles (copies included), with their event cues; "
            "short variants by samestory.evaluate.make_short_variants"
        ),
        "n_pairs": {dev.name: len(dev.train_pairs) for dev in sets},
        # The candidate screen the pairs passed (a new screen moves the fit: 2026-12-04).
        "min_keyword_cosine": FIT_CONFIG.min_keyword_cosine,
        "C": args.C,
        "cv": {
            "method": (
                f"ARI of production's stories (same_story_threshold "
                f"{FIT_CONFIG.same_story_threshold}, attach_threshold "
                f"{FIT_CONFIG.attach_threshold}) with each pair scored by a model "
                f"fitted without its topics ({TOPIC_FOLDS} folds over topics)"
            ),
            "ari_topic_cv": topic_cv,
            "compare_pairs_of_one_topic": compare,
            "ari_in_sample_by_threshold": {
                n: {str(t): v for t, v in g.items()} for n, g in in_sample.items()
            },
            "ari_leave_one_set_out_by_threshold": {
                n: {str(t): v for t, v in g.items()} for n, g in held_set.items()
            },
        },
    }
    data = model.to_dict()
    for stale in ("note", "refit_weights"):  # about the weights this run replaces
        data["event_model"].pop(stale, None)
    if args.conflicts_only:
        data["event_model"]["note"] = (
            "weights, bias and short part as shipped before this fit (the weights of "
            "2026-11-29); only the conflict part was fitted, with them as a fixed offset"
        )
    data.update(
        about="Fitted parameters of samestory.relate; written by scripts/fit_story_model.py.",
        encoder=args.encoder,
        fitted=dt.date.today().isoformat(),
    )
    data["event_model"]["fitted_on"] = event_info
    data["graded_model"]["fitted_on"] = graded_info
    text = json.dumps(data, indent=2) + "\n"
    if args.check:
        return check_model(args.out, data)
    if args.dry_run:
        print(text)
    else:
        args.out.write_text(text, encoding="utf-8")
        print("wrote", args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
