"""Fit the thread model of samestory.threads on the dev sets and write its data file.

    python scripts/fit_thread_model.py [--data ../shared/data]
        [--cache /tmp/samestory-thread/static] [--encoder static|use]
        [--learner trees|logistic] [--C 1.0] [--tol 1e-10] [--trees 200]
        [--leaves 15] [--rate 0.05] [--min-leaf 20] [--threshold 0.5] [--pairs all|cross-story]
        [--min-keyword-cosine 0.02] [--short-forms lead,summary,headline]
        [--short-weight 1] [--short-inputs NAME,...] [--short-offset] [--no-short-level]
        [--short-balance pooled|tables] [--short-floor] [--fold-seeds 0,1,2,3]
        [--same-days-weight 1] [--leave-one-group-out meantime_dev]
        [--cut first-sentence|reader] [--base-encoder use [--base-cache DIR]]
        [--out FILE] [--dry-run | --check]

(Each encoder has its own --cache directory, by default ``/tmp/samestory-thread/ENCODER``:
the cached tables hold its features and scores, and a cache names its encoder and refuses
another's, :func:`claim_cache`. The thread features are recomputed from the cached article
features on every run, so a change to :func:`samestory.threads.thread_features` needs no new cache.)

For GVA, ECB+ and MEANTIME dev it runs production's pipeline up to the scores: features
(with the records' dates), copy groups, candidate pairs, each pair's
:func:`samestory.relate.pair_score`, relation score and
:func:`samestory.threads.thread_features`, and the stories (``samestory.pipeline``'s
copies, proposals and grouping with roundups; threads over the copy groups'
representatives, as ``pipeline.batch`` threads them). Labels:
same gold ``story`` (GVA: one incident with its later coverage; ECB+ and MEANTIME: one
event, and two events of one kind are two incidents too). It fits gradient-boosted trees
(scikit-learn's ``HistGradientBoostingClassifier``, log loss) for ``P(same incident |
features)`` on all three sets, writes them as plain trees that
:func:`samestory.threads.thread_probability` evaluates, and reports, per set and threshold, the
thread ARI (stories joined by average linkage of the thread probability, as
:func:`samestory.threads.thread_groups` does):

- in-sample (the model that is written, scored by ``thread_probability`` from the
  written trees), and
- under 5-fold cross-validation over groups (GVA incidents, ECB+ and MEANTIME topics):
  every pair is scored by a model fitted on pairs that touch none of its groups.

The JSON written to ``src/samestory/params/thread_model.json`` keeps both.

``--check`` refits with the options given and compares the model with ``--out`` instead
of writing it: encoder, features, learner options, threshold, baseline, weights and trees
(splits and leaf values within :data:`CHECK_TOLERANCE`); it prints SAME or DIFFERS with
what differs, exit 1 on DIFFERS. The file states its options (``encoder``, ``learner``,
``threshold``, ``pairs``, ``min_keyword_cosine``; a file without ``pairs`` was fitted on
all pairs, one without ``min_keyword_cosine`` on unscreened candidate pairs): give them,
e.g. ``--encoder use --learner logistic --C 3 --threshold 0.6 --min-keyword-cosine 0`` for
the file of 2026-12-03, ``--encoder use --learner logistic --C 3 --threshold 0.6`` for
the one that reads ``latest_year_gap``, and for the one with a short-text correction
(protocol G, 2026-12-05: the file states ``short_forms``, ``short_weight`` and
``short_weights``, and no ``short_bias``, so no level) those plus ``--short-forms
lead,summary,headline --short-weight 1 --short-offset --short-inputs
far_apart_no_person_place --no-short-level``.

``--encoder``: the encoder of the tables fitted on; by default production's
(``Config.encoder``, the static encoder), whose tables production's rows (batch, store,
Spark, ``benchmarks/accuracy.py``) are made of: scored on them the shipped file gives every
thread row ``accuracy.py`` prints (docs/history/accuracy.md, 2026-12-06 threadfit). Until
2026-12-06 the default was ``use``, and every file up to then was fitted on USE's tables
(they state ``encoder: use``; their ``--check`` gives ``--encoder use``). ``compare``
scores its ``follow_up`` with the thread model on the pair encoder's (USE's) features.

``--base-encoder use [--base-cache DIR]`` (with ``--short-offset``): the base model is
fitted on that encoder's full texts (its own cache) and the correction on ``--encoder``'s
tables (every set and form) over that base's log-odds (:func:`fit_split`), fold by fold in
the CV: the correction refitted on the tables production reads while the base stays the
other encoder's fit (on the static encoder's tables a refitted base loses MEANTIME's full
texts on the fold seeds that hold both its topics out: docs/history/accuracy.md,
2026-12-06 threadfile). The file states it (``base_encoder``; absent: the base is
``encoder``'s too).

``--tol``: the logistic fits' (and the short correction's) gradient tolerance; by default
they run to the optimum (:data:`CONVERGED_TOL`) and a fit that stops short raises
:class:`NotConverged`. Every file before 2026-12-05 23:00 was fitted at scikit-learn's
default (``--tol 1e-4``, :data:`STOP_TOL`), where lbfgs stops far from the optimum and
where it stops moves with small changes of the tables (docs/history/accuracy.md, 2026-12-05
converge); such a file states no ``tol`` and checks SAME only with ``--tol 1e-4``. The
shipped file since 2026-12-05 23:28 is converged: protocol G's options plus ``--C 0.3 --tol
1e-10 --same-days-weight 0``; since 2026-12-06 (rule T on, ``switches.READ_TITLE_LINE``)
also ``--short-floor`` (docs/history/accuracy.md, 2026-12-06 rejudge), and, the default
encoder being production's since 2026-12-06 (threadfile), ``--encoder use``.

``--min-keyword-cosine``: the candidate screen (``Config.min_keyword_cosine``) the fitted
pairs pass; production's by default. The screen (2026-12-04) drops pairs that share no
specific word, easy negatives: fitted on the screened pairs the model's baseline rises
(-5.03 -> -3.65) and every weight moves, for the same thread ARI on the dev sets and a
lower one at 10k synthetic (0.930 -> 0.916; docs/history/accuracy.md, 2026-12-04 refit), so the
file of 2026-12-04 kept the unscreened pairs (0). With the latest-year gap as an input
(``latest_year_gap``) the screened and unscreened fits give the same 10k threads, and the
file is fitted on production's (screened) pairs (docs/history/accuracy.md, "The year the texts
name, a thread input").

``--short-forms``: each dev set's short forms (``samestory.evaluate.make_short_variants``,
as ``fit_story_model.py --short-forms`` builds them) are built as the full texts' tables
are, reported beside them and fitted on with ``--short-weight`` (0: scored, not fitted on,
the full-text fit unchanged). A form's pairs belong to its full texts' groups, so the CV
holds a topic and its short forms out together. ``--short-inputs``: inputs read times the
shorter text's :func:`samestory.relate.shortness` (``short_x_NAME``, plus ``shortness``
itself unless ``--no-short-level``), for inputs a short text reads differently (inputs
of the model, or :data:`samestory.threads.SHORT_ONLY_INPUTS`, computed from them). With
``--short-offset`` (a correction over the full texts' model) the file keeps the base
``features`` and ``weights`` and states the correction as ``short_weights`` (by input) and
``short_bias``, which :func:`samestory.threads.thread_probability` adds; without it such a
fit is a screen (``--dry-run``). ``--fold-seeds``: the CV on each of these seeds (the file
keeps the first's figures). docs/history/accuracy.md, 2026-12-05 threadshort and threads: the
protocols and the figures. ``--short-balance tables``: the correction's step weighs each
table (a set, or one of its short forms) alike instead of each pair (:func:`balanced`;
the file states ``short_balance``, a file without it pooled the pairs). ``--short-floor``:
the correction's step reads only the pairs whose base-model probability is at least half
the threshold (the attach bar of :func:`samestory.threads.thread_groups`; below it no
correction of a pair moves a decision), so that far-apart later coverage the base model
already leaves unthreaded does not hold the weight up (the file states ``short_floor``;
a file without it fitted on every pair, 0).

``--cut``: how the short forms are cut (:data:`samestory.evaluate.SHORT_CUTS`):
``first-sentence``, the builder every file before 2026-12-06 10:00 was fitted on (the
default, so their ``--check`` needs no option), or ``reader``, a feed item as a reader sees
it (``make_short_variants``' default since 2026-12-06 morning, what ``benchmarks/
accuracy.py`` judges; a dateline left out becomes the item's date). Only headlines and
leads differ (a summary is the same under either cut). The file states it (``short_cut``,
with the short forms; a file without it was fitted on the first-sentence cut), and the
cache names the reader's tables apart (``gva_dev.lead.reader.*``).

``--leave-one-group-out meantime_dev``: that set's tables (full texts and short forms)
are also judged with each of its groups held out in turn, every other set always fitted
on (:func:`leave_one_group_out`), and for each fold seed the script says which folds the
CV deals the set's groups to. MEANTIME has two topics (Airbus, Apple): the 5-fold CV
deals both to one fold on some seeds (0, 3, 5 of 0-9), where only GVA and ECB+ teach the
model that scores them (docs/history/accuracy.md, 2026-12-05 threadfit); held out one
at a time, the other topic is always fitted on.

``--same-days-weight``: the sample weight of the pairs only the same-days candidate route
proposes (:mod:`samestory.candidates`; found by proposing again inside
:func:`samestory.candidates.without_same_days`), on every set and form (0: scored and
reported, not fitted on). The file states it (``same_days_weight``; a file without it was
fitted on every candidate pair, 1). With weight 1 GVA's full texts' 864 route pairs (849
of two incidents) move every base weight of the pooled fit and with it MEANTIME's CV
figures (docs/history/accuracy.md, 2026-12-05 route).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import pickle
import sys
import warnings
from pathlib import Path
from typing import Any

import numpy as np
from scipy.optimize import minimize
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import adjusted_rand_score

from samestory import relate, threads
from samestory.api import featurize_all
from samestory.candidates import without_same_days
from samestory.config import DEFAULT_CONFIG, Config
from samestory.evaluate import SHORT_CUTS, load_records, make_short_variants, record_to_article
from samestory.features import DocFeatures
from samestory.pipeline.batch import grouping_views
from samestory.pipeline.copies import collapse_copies
from samestory.pipeline.group import group_with_roundups
from samestory.pipeline.propose import propose_pairs

# The sibling scripts, also when this file is loaded by path (tests/test_threads.py) rather
# than run, which puts its folder on sys.path by itself.
sys.path.insert(0, str(Path(__file__).resolve().parent))
from fit_check import report_check  # a sibling script: --check's verdict, as every fit prints it

SETS = ("gva_dev", "ecbplus_dev", "meantime_dev")
THRESHOLDS = (0.4, 0.5, 0.6)
FOLDS = 5
SEED = 0
SHORT_FORMS = ("headline", "lead", "summary")
REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "src" / "samestory" / "params" / threads.MODEL_FILE
# $SAMESTORY_SHARED/data, as the tests and benchmarks read it (a git worktree has no ../shared).
DEFAULT_DATA = Path(os.environ.get("SAMESTORY_SHARED") or REPO.parent / "shared") / "data"
# --check: the largest change of a weight, baseline, split or leaf value (log-odds or
# feature units) still called the same model: far below anything a decision reads, far
# above what BLAS rounding moves in the solver (the same data refits to ~1e-12).
CHECK_TOLERANCE = 1e-6
# --tol: where the logistic fits stop (lbfgs's gradient tolerance). scikit-learn's
# default, 1e-4, fitted every file before 2026-12-05 23:00: on the full texts' pooled
# pairs lbfgs stopped there after 38 iterations, 49 log-loss units above the optimum
# (baseline -4.65 where it is -3.81), and where it stopped moved with any small change of
# the tables. 1e-10 reaches the optimum (a few hundred iterations); a fit that stops on
# MAX_ITER instead fails loudly (fit_logistic).
STOP_TOL = 1e-4
CONVERGED_TOL = 1e-10
MAX_ITER = 100_000
# The short correction's gradient (per unit of weight) under which a fit whose line search
# failed (lbfgs "ABNORMAL": no step lowers the float sum any more) is at its optimum
# (2026-12-07, shipS: one fold of fresh CV seeds 120-123 with the short-text floor on).
LINE_SEARCH_GTOL = 1e-6
# --cache: one directory per encoder under this by default; the file naming a cache's
# encoder (claim_cache).
DEFAULT_CACHE = Path("/tmp/samestory-thread")
# A thread row: the base inputs (what a file's "features" name), then the stored inputs
# only a short correction reads (threads.STORED_SHORT_INPUTS: no base weight, in no fit's
# base), then the correction's columns the fit appends (short_inputs).
BASE_NAMES = tuple(relate.CUE_NAMES + threads.EXTRA_FEATURES)
ROW_NAMES = (*BASE_NAMES, *threads.STORED_SHORT_INPUTS)
STORED_WIDTH = len(threads.STORED_SHORT_INPUTS)
CACHE_ENCODER_FILE = "encoder.txt"
# --cut: the short forms' builder of every file before the option (a file without
# "short_cut" was fitted on it).
FIRST_SENTENCE = "first-sentence"


def claim_cache(cache: Path, encoder: str) -> None:
    """Create ``cache`` for ``encoder``'s tables, or check that it holds them: a cache
    names its encoder in :data:`CACHE_ENCODER_FILE` when it is created, and one cache
    serving two encoders' tables would fit one and report it as the other (ValueError).
    A cache of the script before the marker (tables, no marker) is read as it is."""
    cache.mkdir(parents=True, exist_ok=True)
    marker = cache / CACHE_ENCODER_FILE
    if marker.exists():
        named = marker.read_text(encoding="utf-8").strip()
        if named != encoder:
            raise ValueError(f"{cache} holds the {named} encoder's tables, not {encoder}'s")
    elif not any(cache.glob("*.pkl")):
        marker.write_text(encoder + "\n", encoding="utf-8")


def fit_config(encoder: str, screen: float) -> Config:
    """Production's config with the fit's encoder and candidate screen (``--min-keyword-
    cosine``), one process."""
    return DEFAULT_CONFIG.replace(encoder=encoder, workers=1, min_keyword_cosine=screen)


def set_records(name: str, data: Path, cut: str = FIRST_SENTENCE) -> list[dict]:
    """The records of a dev set (``gva_dev``) or of one of its short forms
    (``gva_dev.headline``: :func:`samestory.evaluate.make_short_variants` with ``cut``)."""
    base, _, form = name.partition(".")
    records = load_records(data / f"{base}.jsonl")
    return make_short_variants(records, form, cut=cut) if form else records


def cache_stem(name: str, cut: str) -> str:
    """The name of a table's cache files: a short form cut other than by the first-sentence
    builder is named with its cut (the caches of the files before ``--cut`` stay valid,
    and one cache directory cannot serve one cut's tables for the other's)."""
    short = "." in name
    return f"{name}.{cut}" if short and cut != FIRST_SENTENCE else name


def article_features(
    name: str, data: Path, cache: Path, encoder: str, cut: str = FIRST_SENTENCE
) -> list[DocFeatures]:
    """Production's features of one set's articles (with the records' dates), cached."""
    file = cache / f"{cache_stem(name, cut)}.features.pkl"
    if file.exists():
        cached: list[DocFeatures] = pickle.loads(file.read_bytes())
        return cached
    records = set_records(name, data, cut)
    config = DEFAULT_CONFIG.replace(encoder=encoder, workers=1)
    features = featurize_all([record_to_article(r) for r in records], config)
    file.write_bytes(pickle.dumps(features))
    return features


def scored_pairs(
    name: str,
    data: Path,
    cache: Path,
    features: list[DocFeatures],
    config: Config,
    cut: str = FIRST_SENTENCE,
) -> dict:
    """Production's candidate pairs of one set with their ``relate`` measures, labels and
    stories (cached: the measures do not depend on the thread model). Stories are grouped
    as ``pipeline.batch`` groups them: from each pair's relation score (copies 1, the
    rewrite floor), with roundups, over copy groups, with the batch's name views
    (:func:`samestory.pipeline.batch.grouping_views`: the exclusive-names step reads the
    pairs related as copies); ``reps`` are the copy groups' representatives,
    ``left_out`` the roundups taken out of threading. The cache file names the candidate
    screen: the pairs depend on it."""
    # "production": grouped with the batch's views (the exclusive-names step reads the
    # copy pairs); files without it were grouped over plain name views.
    stem = cache_stem(name, cut)
    file = cache / f"{stem}.relations.screen-{config.min_keyword_cosine}.production.pkl"
    if file.exists():
        table: dict = pickle.loads(file.read_bytes())
        return table
    records = set_records(name, data, cut)
    base = name.partition(".")[0]
    copies = collapse_copies(features, config)
    pairs = propose_pairs(features, copies, config)
    cues, rewrite, gaps, relations = [], [], [], []
    with relate.single_threaded_blas():
        for i, j in pairs:
            ps = relate.pair_score(features[i], features[j], config)
            cues.append(ps.cues.vector())
            rewrite.append(ps.rewrite_evidence)
            gaps.append(ps.date_gap)
            relations.append(relate.relation_of(features[i], features[j], ps, config))
    story_scores = [r.score for r in relations]
    gold = [str(r["story"]) for r in records]
    unit = [str(r["story"] if base == "gva_dev" else r.get("topic", r["story"])) for r in records]
    scored = [(i, j, x) for (i, j), x in zip(pairs, story_scores, strict=True)]
    views = grouping_views(features, pairs, relations)  # production's: the exclusive step
    groups, roundups = group_with_roundups(views, scored, copies.copy_of(), config)
    story_of = [0] * len(records)
    for g, members in enumerate(groups):
        for i in members:
            story_of[i] = g
    table = {
        "pairs": pairs,
        "cues": cues,
        "rewrite": rewrite,
        "gap": gaps,
        "story_scores": story_scores,
        "y": np.array([gold[i] == gold[j] for i, j in pairs], dtype=int),
        "gold": gold,
        # A short form's groups are its full texts': held out together.
        "groups": [f"{base}:{u}" for u in unit],
        "story_of": story_of,
        "reps": list(copies.reps),
        "left_out": {r.index for r in roundups if r.cut},
    }
    file.write_bytes(pickle.dumps(table))
    return table


def same_days_only(
    name: str, data: Path, cache: Path, table: dict, config: Config, cut: str = FIRST_SENTENCE
) -> np.ndarray:
    """Which of ``table``'s pairs only the same-days route proposes: those production's
    pipeline does not propose with that route off (cached beside the table)."""
    stem = cache_stem(name, cut)
    file = cache / f"{stem}.same-days-only.screen-{config.min_keyword_cosine}.pkl"
    if file.exists():
        cached: np.ndarray = pickle.loads(file.read_bytes())
        return cached
    features = article_features(name, data, cache, config.encoder, cut)
    with without_same_days():
        others = set(propose_pairs(features, collapse_copies(features, config), config))
    mask = np.array([p not in others for p in table["pairs"]], dtype=bool)
    file.write_bytes(pickle.dumps(mask))
    return mask


def pair_table(
    name: str, data: Path, cache: Path, config: Config, cut: str = FIRST_SENTENCE
) -> dict:
    """:func:`scored_pairs` with each pair's :func:`samestory.threads.thread_features`."""
    features = article_features(name, data, cache, config.encoder, cut)
    table = scored_pairs(name, data, cache, features, config, cut)
    # Threaded as pipeline.assemble.find_threads threads: an undated pair with its
    # stories' gap (threads.borrowed_gaps).
    gaps = threads.borrowed_gaps(table["pairs"], table["gap"], table["story_of"])
    rows = [
        threads.thread_features(features[i], features[j], c, r, g)
        for (i, j), c, r, g in zip(
            table["pairs"], table["cues"], table["rewrite"], gaps, strict=True
        )
    ]
    return {**table, "x": np.array(rows, dtype=np.float64)}


def short_inputs(
    x: np.ndarray, names: tuple[str, ...], inputs: tuple[str, ...], level: bool = True
) -> tuple[np.ndarray, tuple[str, ...]]:
    """``x`` with ``shortness`` (:func:`samestory.relate.shortness` of the shorter text's
    words, read back from ``log_shorter_words`` as the library reads it; left out when
    not ``level``) and ``short_x_NAME`` = shortness times each input of ``inputs`` (an
    input of ``names`` or of :data:`samestory.threads.SHORT_ONLY_INPUTS`) appended (none:
    ``x`` as it is)."""
    if not inputs:
        return x, names
    column = x[:, names.index("log_shorter_words")]
    u = np.array([threads._shortness(float(v)) for v in column], dtype=np.float64)
    # A name of threads.SHORT_ONLY_INPUTS is computed from the row, as the library does.
    read = threads.short_columns(x, names, inputs)
    columns = [u] * level + [u * read[:, k] for k in range(len(inputs))]
    added = ("shortness",) * level + tuple(f"short_x_{n}" for n in inputs)
    return np.column_stack([x, *columns]), (*names, *added)


def found_threads(table: dict, probability: np.ndarray, threshold: float) -> dict[int, int]:
    """The thread of each story as ``pipeline.batch`` threads: the copy groups'
    representatives joined by :func:`samestory.threads.thread_groups` over their pairs
    (roundups taken out of the grouping left out); a story of no representative has none."""
    reps, left_out, story_of = table["reps"], table["left_out"], table["story_of"]
    position = {r: k for k, r in enumerate(reps)}
    edges = [
        (position[i], position[j], p)
        for (i, j), p in zip(table["pairs"], probability, strict=True)
        if i in position and j in position and not left_out & {i, j}
    ]
    groups = threads.thread_groups(len(reps), edges, [story_of[r] for r in reps], threshold)
    return {story_of[reps[k]]: t for t, members in enumerate(groups) for k in members}


def thread_ari(table: dict, probability: np.ndarray, threshold: float) -> float:
    """Thread ARI of :func:`found_threads`, each article in its story's thread."""
    thread_of = found_threads(table, probability, threshold)
    first_free = len(set(thread_of.values()))
    labels = [thread_of.get(s, first_free + s) for s in table["story_of"]]
    return float(adjusted_rand_score(table["gold"], labels))


def fitted_pairs(table: dict, which: str) -> np.ndarray:
    """Which pairs the model is fitted on: all candidate pairs, or (``cross-story``) only
    those between two stories, the pairs :func:`samestory.threads.thread_groups` reads."""
    story_of = table["story_of"]
    if which == "all":
        return np.ones(len(table["pairs"]), dtype=bool)
    return np.array([story_of[i] != story_of[j] for i, j in table["pairs"]], dtype=bool)


def logistic(C: float, tol: float) -> LogisticRegression:
    """scikit-learn's L2 logistic regression (lbfgs) stopped at gradient tolerance ``tol``
    (:data:`CONVERGED_TOL`: at its optimum; :data:`STOP_TOL`: where the older files'
    fits stopped)."""
    return LogisticRegression(C=C, tol=tol, max_iter=MAX_ITER)


class NotConverged(RuntimeError):
    """A fit of this script stopped before its tolerance (iteration limit or a failed line
    search): its weights are wherever the solver gave up, not a model to write or judge."""


def fit_logistic(
    model: LogisticRegression, x: np.ndarray, y: np.ndarray, sample_weight: np.ndarray | None
) -> LogisticRegression:
    """``model`` fitted; :class:`NotConverged` instead of scikit-learn's warning when
    lbfgs stops short of ``model.tol``."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        try:
            return model.fit(x, y, sample_weight=sample_weight)
        except ConvergenceWarning as stop:
            raise NotConverged(f"logistic fit (C={model.C}, tol={model.tol}): {stop}") from stop


def learner(args: argparse.Namespace) -> HistGradientBoostingClassifier | LogisticRegression:
    """The learner: boosted trees (fixed seed, no early stopping: the same data gives the
    same trees) or, with ``--learner logistic``, a logistic regression stopped at
    ``--tol``."""
    if args.learner == "logistic":
        return logistic(args.C, args.tol)
    return HistGradientBoostingClassifier(
        max_iter=args.trees,
        max_leaf_nodes=args.leaves,
        learning_rate=args.rate,
        min_samples_leaf=args.min_leaf,
        early_stopping=False,
        random_state=SEED,
    )


class ShortCorrection:
    """A logistic model in two steps (``--short-offset``): the full texts' model on the
    base inputs, fitted on the full texts' pairs alone (as without short forms), then the
    shortness columns' weights fitted on every pair with that model's log-odds as an
    offset (L2 as scikit-learn's, ``C``). The shortness columns are 0 for long texts, so
    the full texts' pairs keep (nearly) the full-text model's probability. One linear
    model in the end (``coef_``, ``intercept_``), as the file states it."""

    def __init__(
        self, C: float, base: int, floor: float = 0.0, tol: float = STOP_TOL, skip: int = 0
    ) -> None:
        # skip: the stored correction-only columns after the base ones (STORED_WIDTH in
        # the fit's rows), which neither step reads as they are (weight 0).
        self.C, self.base, self.floor, self.tol, self.skip = C, base, floor, tol, skip

    def fit(
        self,
        x: np.ndarray,
        y: np.ndarray,
        weight: np.ndarray,
        full: np.ndarray,
        correction_weight: np.ndarray | None = None,
    ) -> ShortCorrection:
        """``correction_weight``: the pairs' weights in the correction's step
        (``--short-balance``); ``weight`` when None. The base step reads ``weight``."""
        # Weighted only when some full-text pair weighs other than 1 (--same-days-weight).
        sample = None if np.all(weight[full] == 1.0) else weight[full]
        first = fit_logistic(logistic(self.C, self.tol), x[full, : self.base], y[full], sample)
        offset = first.decision_function(x[:, : self.base])
        z = x[:, self.base + self.skip :]
        weight = weight if correction_weight is None else correction_weight
        if self.floor > 0.0:
            # --short-floor: only the pairs the base model puts at the floor or above
            # (offset: their base log-odds) decide the correction.
            weight = np.where(offset >= np.log(self.floor / (1.0 - self.floor)), weight, 0.0)

        # STOP_TOL: scipy's defaults on the summed loss, as the older files were fitted.
        # Else the loss per unit of weight (as scikit-learn scales its own; the optimum is
        # the same) to gradient tolerance tol: on the sum, 1e-10 is below what float
        # rounding of tens of thousands of terms can reach (lbfgs's line search fails).
        scale = 1.0 if self.tol >= STOP_TOL else 1.0 / max(float(weight.sum()), 1.0)
        tight = {"gtol": self.tol, "ftol": 64 * np.finfo(float).eps, "maxiter": MAX_ITER}

        def loss(c: np.ndarray) -> tuple[float, np.ndarray]:
            logit = offset + z @ c
            p = 1.0 / (1.0 + np.exp(-np.clip(logit, -60, 60)))
            value = weight @ (np.logaddexp(0.0, logit) - y * logit)
            gradient = self.C * z.T @ (weight * (p - y)) + c
            return scale * (self.C * value + 0.5 * c @ c), scale * gradient

        options = {} if self.tol >= STOP_TOL else tight
        result = minimize(loss, np.zeros(z.shape[1]), jac=True, method="L-BFGS-B", options=options)
        if not result.success:
            # lbfgs's line search can fail ("ABNORMAL") where float rounding of the summed
            # loss stops every step, at the optimum: accepted when the gradient there is
            # within LINE_SEARCH_GTOL (said on stderr), else not converged.
            gradient = float(np.max(np.abs(loss(result.x)[1]))) if result.x.size else 0.0
            if result.status != 2 or gradient > LINE_SEARCH_GTOL:
                raise NotConverged(
                    f"short correction (C={self.C}, tol={self.tol}): {result.message} "
                    f"(max |gradient| {gradient:.3g})"
                )
            print(
                f"short correction: the line search stopped at max |gradient| {gradient:.3g} "
                f"<= {LINE_SEARCH_GTOL:g} (accepted)",
                file=sys.stderr,
            )
        c = result.x
        self.coef_ = np.concatenate([first.coef_[0], np.zeros(self.skip), c])[None, :]
        self.intercept_ = first.intercept_
        return self

    def predict_proba(self, x: np.ndarray) -> np.ndarray:
        p = 1.0 / (1.0 + np.exp(-np.clip(x @ self.coef_[0] + self.intercept_[0], -60, 60)))
        return np.column_stack([1.0 - p, p])


def balanced(weight: np.ndarray, table: np.ndarray) -> np.ndarray:
    """``weight`` rescaled so that every table's pairs (``table``: each pair's table, a set
    or one of its short forms) sum to the same weight, the total unchanged (so ``C``
    regularises as much): ``--short-balance tables``. Pooled, a correction read by nine
    short forms is decided by the forms with most pairs (GVA's headlines: 28,000 pairs,
    MEANTIME's headlines a few hundred); balanced, each form's log loss counts alike."""
    totals = {k: weight[table == k].sum() for k in np.unique(table)}
    kept = [k for k, total in totals.items() if total > 0]
    share = weight.sum() / len(kept) if kept else 0.0
    factor = np.array([share / totals[k] if totals[k] > 0 else 0.0 for k in table.tolist()])
    return weight * factor


def fit_model(
    args: argparse.Namespace,
    x: np.ndarray,
    y: np.ndarray,
    weight: np.ndarray,
    full: np.ndarray | None = None,
    table: np.ndarray | None = None,
) -> WithoutStored | ShortCorrection:
    """:func:`learner` fitted on ``x``, ``y``; ``weight`` (a pair's sample weight) given
    only when some pair weighs other than 1 (the fit of every earlier file is unweighted).
    ``--short-offset``: :class:`ShortCorrection` (``full``: the full texts' pairs; with
    ``--short-balance tables``, ``table``: each pair's table, whose pairs weigh alike in
    the correction's step, :func:`balanced`)."""
    if args.short_offset:
        base = len(BASE_NAMES)
        assert full is not None
        tables = args.short_balance == "tables"
        assert table is not None or not tables
        correction = balanced(weight, table) if tables and table is not None else None
        floor = args.threshold / 2 if args.short_floor else 0.0
        model = ShortCorrection(args.C, base, floor, args.tol, STORED_WIDTH)
        return model.fit(x, y, weight, full, correction)
    sample = None if np.all(weight == 1.0) else weight
    return WithoutStored(learner(args)).fit(x, y, sample)


class WithoutStored:
    """A learner fitted on the rows less the stored correction-only columns
    (threads.STORED_SHORT_INPUTS, at BASE_NAMES' end: a model without a correction
    never reads them), scoring full rows."""

    def __init__(self, model: HistGradientBoostingClassifier | LogisticRegression) -> None:
        self.model = model

    @staticmethod
    def kept(x: np.ndarray) -> np.ndarray:
        return np.delete(x, np.s_[len(BASE_NAMES) : len(BASE_NAMES) + STORED_WIDTH], axis=1)

    def fit(self, x: np.ndarray, y: np.ndarray, sample: np.ndarray | None) -> WithoutStored:
        if isinstance(self.model, LogisticRegression):
            self.model = fit_logistic(self.model, self.kept(x), y, sample)
        else:
            self.model.fit(self.kept(x), y, sample_weight=sample)
        return self

    def predict_proba(self, x: np.ndarray) -> np.ndarray:
        return self.model.predict_proba(self.kept(x))


Rows = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]


def rows_of(tables: dict[str, dict], kept: dict[str, np.ndarray]) -> Rows:
    """The fitted rows of ``tables`` (``kept``: each table's pairs fitted on): inputs,
    labels, sample weights, whether a full text's pair, and each pair's table (index)."""
    x = np.vstack([t["x"][kept[n]] for n, t in tables.items()])
    y = np.concatenate([t["y"][kept[n]] for n, t in tables.items()])
    weight = np.concatenate([t["weight"][kept[n]] for n, t in tables.items()])
    full = np.concatenate([np.full(kept[n].sum(), n in SETS) for n in tables])
    table = np.concatenate([np.full(kept[n].sum(), k) for k, n in enumerate(tables)])
    return x, y, weight, full, table


def fit_split(args: argparse.Namespace, base: Rows, rows: Rows) -> ShortCorrection:
    """``--base-encoder``: the :class:`ShortCorrection` whose base model is fitted on
    ``base``'s full-text rows (another encoder's tables) and whose correction is fitted
    on ``rows`` (this encoder's tables, every set and form) over that base's log-odds:
    the correction refitted on the tables production reads, the base kept as the other
    encoder's fit gives it."""
    xb, yb, wb, fb, _ = base
    x, y, weight, _, _ = rows
    every = np.vstack([xb[fb], x])
    full = np.concatenate([np.ones(int(fb.sum()), dtype=bool), np.zeros(len(x), dtype=bool)])
    weights = np.concatenate([wb[fb], weight])
    correction = np.concatenate([np.zeros(int(fb.sum())), weight])
    floor = args.threshold / 2 if args.short_floor else 0.0
    model = ShortCorrection(args.C, len(BASE_NAMES), floor, args.tol, STORED_WIDTH)
    return model.fit(every, np.concatenate([yb[fb], y]), weights, full, correction)


def fold_assignment(groups: list[str], seed: int) -> dict[str, int]:
    """The fold of each group under ``seed`` (the CV's deal: a seeded permutation)."""
    order = np.random.RandomState(seed).permutation(len(groups))
    return {g: int(order[k]) % FOLDS for k, g in enumerate(groups)}


def all_groups(tables: dict[str, dict]) -> list[str]:
    """Every group of ``tables`` (a short form's groups are its full texts')."""
    return sorted({g for t in tables.values() for g in t["groups"]})


def _touching(tables: dict[str, dict], fold_of: dict[str, int], folds: int) -> dict:
    """Per table, whether each pair touches each fold (``folds`` x pairs)."""
    return {
        name: np.array(
            [
                [
                    fold_of[t["groups"][i]] == f or fold_of[t["groups"][j]] == f
                    for i, j in t["pairs"]
                ]
                for f in range(folds)
            ]
        ).reshape(folds, len(t["pairs"]))
        for name, t in tables.items()
    }


def held_out(
    tables: dict[str, dict],
    args: argparse.Namespace,
    fold_of: dict[str, int],
    folds: int,
    base: dict[str, dict] | None = None,
) -> dict[str, np.ndarray]:
    """Each pair's probability from the models fitted without the folds its groups are in
    (averaged when its two groups are in two folds); a group of fold -1 is never held out,
    and a pair of two such groups is scored 0 (not held out: not to be reported).
    ``base``: the full texts' tables of ``--base-encoder`` (:func:`fit_split`)."""
    touches = _touching(tables, fold_of, folds)
    base_touches = _touching(base, fold_of, folds) if base else {}
    sums = {name: np.zeros(len(t["pairs"])) for name, t in tables.items()}
    counts = {name: np.zeros(len(t["pairs"])) for name, t in tables.items()}
    for f in range(folds):
        kept = {n: ~touches[n][f] & (t["weight"] > 0) for n, t in tables.items()}
        if base:
            base_kept = {n: ~base_touches[n][f] & (t["weight"] > 0) for n, t in base.items()}
            model: Any = fit_split(args, rows_of(base, base_kept), rows_of(tables, kept))
        else:
            x, y, weight, full, table = rows_of(tables, kept)
            model = fit_model(args, x, y, weight, full, table)
        for name, t in tables.items():
            mask = touches[name][f]
            if mask.any():
                sums[name][mask] += model.predict_proba(t["x"][mask])[:, 1]
                counts[name][mask] += 1
    return {name: sums[name] / np.maximum(counts[name], 1) for name in tables}


def cross_validated(
    tables: dict[str, dict],
    args: argparse.Namespace,
    seed: int = SEED,
    base: dict[str, dict] | None = None,
) -> dict[str, np.ndarray]:
    """Each pair's probability from a model fitted without its groups (see module doc),
    the groups dealt to folds by ``seed``."""
    return held_out(tables, args, fold_assignment(all_groups(tables), seed), FOLDS, base)


def set_tables(tables: dict[str, dict], name: str) -> list[str]:
    """The tables of set ``name``: its full texts' and its short forms'."""
    return [n for n in tables if n.partition(".")[0] == name]


def leave_one_group_out(
    tables: dict[str, dict],
    args: argparse.Namespace,
    name: str,
    base: dict[str, dict] | None = None,
) -> dict[str, np.ndarray]:
    """The probability of each pair of set ``name``'s tables from the models fitted
    without one of its groups at a time (every other set's pairs always fitted on): for a
    set of few topics, such as MEANTIME's two, a judgement no fold deal decides (the
    5-fold CV deals both of MEANTIME's topics to one fold on some seeds, so that only the
    other sets teach the model that scores them). Only ``name``'s tables are returned."""
    groups = sorted({g for n in set_tables(tables, name) for g in tables[n]["groups"]})
    fold_of = {g: -1 for g in all_groups(tables)} | {g: k for k, g in enumerate(groups)}
    probability = held_out(tables, args, fold_of, len(groups), base)
    return {n: probability[n] for n in set_tables(tables, name)}


def tree_data(model: HistGradientBoostingClassifier) -> tuple[float, list[list[list[float]]]]:
    """Baseline log-odds and trees of a fitted model in ``samestory.threads``' format
    (a split ``[feature, split, left, right]``, a leaf ``[value]``; leaf values carry the
    learning rate already)."""
    trees = []
    for (predictor,) in model._predictors:
        nodes = predictor.nodes  # thread features are never NaN: no missing-value routes
        trees.append(
            [
                [float(node["value"])]
                if node["is_leaf"]
                else [
                    int(node["feature_idx"]),
                    float(node["num_threshold"]),
                    int(node["left"]),
                    int(node["right"]),
                ]
                for node in nodes
            ]
        )
    return float(model._baseline_prediction.ravel()[0]), trees


def _learner_info(args: argparse.Namespace) -> dict[str, Any]:
    if args.learner == "logistic":
        # A file without "tol" was fitted at scikit-learn's default (STOP_TOL).
        return {
            "logistic": True,
            "C": args.C,
            **({"tol": args.tol} if args.tol != STOP_TOL else {}),
        }
    return {
        "trees": args.trees,
        "max_leaves": args.leaves,
        "learning_rate": args.rate,
        "min_samples_leaf": args.min_leaf,
    }


def _model_data(
    model: HistGradientBoostingClassifier | LogisticRegression | ShortCorrection | WithoutStored,
    names: tuple[str, ...],
) -> dict[str, Any]:
    """``baseline`` and ``weights`` (logistic) or ``trees`` of a fitted model; a
    :class:`ShortCorrection` states its shortness columns as ``short_bias`` (the
    ``shortness`` column, if fitted) and ``short_weights`` (``short_x_NAME`` by NAME)."""
    if isinstance(model, WithoutStored):
        stored = set(threads.STORED_SHORT_INPUTS)
        return _model_data(model.model, tuple(n for n in names if n not in stored))
    if isinstance(model, ShortCorrection):
        weights = dict(zip(names, model.coef_[0].tolist(), strict=True))
        base = names[: model.base]
        return {
            "baseline": float(model.intercept_[0]),
            "weights": {n: weights[n] for n in base},
            **({"short_bias": weights["shortness"]} if "shortness" in weights else {}),
            "short_weights": {
                n.removeprefix("short_x_"): w
                for n, w in weights.items()
                if n.startswith("short_x_")
            },
        }
    if isinstance(model, LogisticRegression):
        return {
            "baseline": float(model.intercept_[0]),
            "weights": {n: float(w) for n, w in zip(names, model.coef_[0], strict=True)},
        }
    baseline, trees = tree_data(model)
    return {"baseline": baseline, "trees": trees}


def model_json(data: dict[str, Any]) -> str:
    """``data`` as indented JSON, each tree on one line (a few thousand nodes)."""
    trees = data.pop("trees", [])
    text = json.dumps(data, indent=2)
    if not trees:
        return text + "\n"
    lines = ",\n".join("    " + json.dumps(tree, separators=(",", ":")) for tree in trees)
    return text[:-2] + ',\n  "trees": [\n' + lines + "\n  ]\n}\n"


def model_differences(shipped: dict[str, Any], fitted: dict[str, Any]) -> list[str]:
    """What differs between two thread model files' data: the stated options exactly, the
    numbers (baseline, weights, trees' splits and leaves) beyond :data:`CHECK_TOLERANCE`."""
    out = []
    options = (
        "encoder",
        "features",
        "learner",
        "threshold",
        "pairs",
        "min_keyword_cosine",
        "short_forms",
        "short_weight",
        "same_days_weight",
        "short_balance",
        "short_floor",
        "short_cut",
        "base_encoder",
    )
    # A file without "pairs" (before 2026-12-03) was fitted on all pairs; one without
    # "min_keyword_cosine" (before 2026-12-04) on unscreened candidate pairs; one without
    # "short_forms" (before 2026-12-05) on the full texts only; one without
    # "same_days_weight" on every candidate pair.
    defaults = {
        "pairs": "all",
        "min_keyword_cosine": 0.0,
        "short_forms": [],
        "short_weight": 0.0,
        "same_days_weight": 1.0,
        "short_balance": "pooled",
        "short_floor": 0.0,
        "short_cut": FIRST_SENTENCE,
    }
    for key in options:
        default = defaults.get(key)
        old, new = shipped.get(key, default), fitted.get(key, default)
        if old != new:
            out.append(f"{key}: {old} -> {new}")
    old_s, new_s = shipped.get("short_weights", {}), fitted.get("short_weights", {})
    if sorted(old_s) != sorted(new_s) or ("short_bias" in shipped) != ("short_bias" in fitted):
        out.append(
            f"short inputs: {sorted(old_s)} -> {sorted(new_s)}"
            + (", short_bias" if "short_bias" in shipped or "short_bias" in fitted else "")
        )
    if out:
        return out  # other options: the numbers cannot be the same ones
    for key in ("baseline", "short_bias"):
        change = abs(float(shipped.get(key, 0.0)) - float(fitted.get(key, 0.0)))
        if change > CHECK_TOLERANCE:
            out.append(f"{key}: {shipped.get(key)} -> {fitted.get(key)}")
    for field, old_w, new_w in (
        ("weights", shipped.get("weights", {}), fitted.get("weights", {})),
        ("short_weights", old_s, new_s),
    ):
        # short_weights may name inputs of threads.SHORT_ONLY_INPUTS, not in "features".
        for name in (*fitted["features"], *threads.SHORT_ONLY_INPUTS):
            a, b = float(old_w.get(name, 0.0)), float(new_w.get(name, 0.0))
            if abs(a - b) > CHECK_TOLERANCE:
                out.append(f"{field}.{name}: {a} -> {b}")
    old_t, new_t = shipped.get("trees", []), fitted.get("trees", [])
    if len(old_t) != len(new_t):
        out.append(f"trees: {len(old_t)} -> {len(new_t)}")
    for k, (a, b) in enumerate(zip(old_t, new_t, strict=False)):
        same = len(a) == len(b) and all(
            len(x) == len(y)
            and all(abs(float(u) - float(v)) <= CHECK_TOLERANCE for u, v in zip(x, y, strict=True))
            for x, y in zip(a, b, strict=True)
        )
        if not same:
            out.append(f"trees[{k}]: nodes differ")
    return out


def check_model(out: Path, data: dict[str, Any]) -> int:
    """``--check``: print whether ``data`` (the file this run would write) holds the model
    of ``out``, and what differs; 0 if SAME, 1 if it DIFFERS."""
    return report_check(out, model_differences(json.loads(out.read_text(encoding="utf-8")), data))


def report_groups_held_out(
    tables: dict[str, dict],
    args: argparse.Namespace,
    name: str,
    seeds: list[int],
    base: dict[str, dict] | None = None,
) -> None:
    """Print set ``name``'s thread ARI at the threshold with each of its groups held out
    in turn (:func:`leave_one_group_out`), and, per fold seed, the folds the CV deals its
    groups to (whether it holds several out together)."""
    groups = sorted({g for n in set_tables(tables, name) for g in tables[n]["groups"]})
    print(f"{name}'s groups' folds under the CV (fold seed: fold of each of {groups}):")
    for seed in seeds:
        fold_of = fold_assignment(all_groups(tables), seed)
        folds = [fold_of[g] for g in groups]
        shared = " (some share a fold)" if len(set(folds)) < len(folds) else ""
        print(f"  {seed}: {folds}{shared}")
    probability = leave_one_group_out(tables, args, name, base)
    print(
        f"thread ARI at {args.threshold}, each of {name}'s {len(groups)} groups held out in turn:"
    )
    for table, p in probability.items():
        print(f"  {table}: {thread_ari(tables[table], p, args.threshold):.3f}")


def prepare_tables(
    tables: dict[str, dict],
    args: argparse.Namespace,
    names: tuple[str, ...],
    extra: tuple[str, ...],
    config: Config,
    cache: Path,
) -> tuple[str, ...]:
    """Each table's correction columns (``--short-inputs``) and sample weights (short
    forms', ``--pairs``, ``--same-days-weight``) set in place; the names of the columns."""
    fitted_names = names
    for name, t in tables.items():
        t["x"], fitted_names = short_inputs(t["x"], names, extra, not args.no_short_level)
        weight = 1.0 if name in SETS else args.short_weight
        t["weight"] = np.where(fitted_pairs(t, args.pairs), weight, 0.0)
        if args.same_days_weight != 1.0:
            only = same_days_only(name, args.data, cache, t, config, args.cut)
            t["weight"] = np.where(only, t["weight"] * args.same_days_weight, t["weight"])
    return fitted_names


def base_tables(
    args: argparse.Namespace, names: tuple[str, ...], extra: tuple[str, ...]
) -> dict[str, dict]:
    """``--base-encoder``: the full texts' tables of that encoder (its own cache,
    ``--base-cache``), prepared as the fit's own."""
    args.base_cache = args.base_cache or DEFAULT_CACHE / args.base_encoder
    claim_cache(args.base_cache, args.base_encoder)
    config = fit_config(args.base_encoder, args.min_keyword_cosine)
    base = {name: pair_table(name, args.data, args.base_cache, config, args.cut) for name in SETS}
    prepare_tables(base, args, names, extra, config, args.base_cache)
    return base


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument(
        "--cache",
        type=Path,
        default=None,
        help="Where the tables are cached (default: /tmp/samestory-thread/ENCODER); a cache "
        "holds one encoder's tables and refuses another's.",
    )
    parser.add_argument(
        "--encoder",
        choices=("use", "static"),
        default=DEFAULT_CONFIG.encoder,
        help="The encoder of the tables fitted on (default: production's, "
        "Config.encoder, whose tables production's rows are made of; the file states it).",
    )
    parser.add_argument("--learner", choices=("trees", "logistic"), default="trees")
    parser.add_argument("--C", type=float, default=1.0, help="Logistic regularisation.")
    parser.add_argument(
        "--tol",
        type=float,
        default=CONVERGED_TOL,
        help="Logistic fits' gradient tolerance (default: to the optimum; 1e-4, "
        "scikit-learn's default, refits the files before 2026-12-05 23:00).",
    )
    parser.add_argument("--trees", type=int, default=200)
    parser.add_argument("--leaves", type=int, default=15)
    parser.add_argument("--rate", type=float, default=0.05)
    parser.add_argument("--min-leaf", type=int, default=20)
    parser.add_argument("--threshold", type=float, default=0.5)
    parser.add_argument(
        "--pairs",
        choices=("all", "cross-story"),
        default="all",
        help="Fit on all candidate pairs or only those between two stories.",
    )
    parser.add_argument(
        "--min-keyword-cosine",
        type=float,
        default=DEFAULT_CONFIG.min_keyword_cosine,
        help="The candidate screen the fitted pairs pass (default: production's; 0 is "
        "none, as for the files before 2026-12-04).",
    )
    parser.add_argument(
        "--short-forms",
        default="",
        help="Comma-separated short forms of every dev set (headline, lead, summary) to "
        "build, report and fit on beside the full texts (default none).",
    )
    parser.add_argument(
        "--short-weight",
        type=float,
        default=1.0,
        help="The short forms' pairs' sample weight in the fit (0: scored, not fitted on).",
    )
    parser.add_argument(
        "--short-inputs",
        default="",
        help="Comma-separated inputs also read times the shorter text's shortness "
        "(adds shortness itself; a screen: the library does not compute them; with "
        "--short-offset, a correction the library reads); also threads.SHORT_ONLY_INPUTS.",
    )
    parser.add_argument(
        "--short-offset",
        action="store_true",
        help="Logistic only, with --short-inputs: fit the base inputs on the full texts "
        "alone, then the shortness columns on every pair over that model's log-odds.",
    )
    parser.add_argument(
        "--no-short-level",
        action="store_true",
        help="With --short-inputs: no shortness column of its own (only its products).",
    )
    parser.add_argument(
        "--fold-seeds",
        default=str(SEED),
        help="Comma-separated seeds dealing the groups to CV folds (the file keeps the first's).",
    )
    parser.add_argument(
        "--same-days-weight",
        type=float,
        default=1.0,
        help="The sample weight of the pairs only the same-days candidate route proposes "
        "(0: scored, not fitted on).",
    )
    parser.add_argument(
        "--short-balance",
        choices=("pooled", "tables"),
        default="pooled",
        help="With --short-offset: the correction's step weighs every pair alike (pooled) "
        "or every table alike (tables: each set and each of its short forms sums to the "
        "same weight).",
    )
    parser.add_argument(
        "--short-floor",
        action="store_true",
        help="With --short-offset: fit the correction on the pairs the base model puts at "
        "half the threshold or above (the attach bar), not on every pair.",
    )
    parser.add_argument(
        "--leave-one-group-out",
        default="",
        help="Comma-separated sets (meantime_dev) also judged with each of their groups held "
        "out in turn, every other set fitted on; prints which groups the CV's fold seeds "
        "deal to one fold.",
    )
    parser.add_argument(
        "--cut",
        choices=SHORT_CUTS,
        default=FIRST_SENTENCE,
        help="How the short forms are cut: first-sentence (the builder of the files before "
        "2026-12-06 10:00) or reader (a feed item, as benchmarks/accuracy.py cuts them).",
    )
    parser.add_argument(
        "--base-encoder",
        choices=("use", "static"),
        default=None,
        help="With --short-offset: fit the base model on that encoder's full texts (its "
        "own cache, --base-cache) and the correction on --encoder's tables over it "
        "(default: both on --encoder's; the file states it).",
    )
    parser.add_argument("--base-cache", type=Path, default=None)
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--dry-run", action="store_true", help="Print, do not write the file.")
    parser.add_argument(
        "--check",
        action="store_true",
        help="Refit with these options and compare the model with --out: SAME or DIFFERS "
        "(what differs), exit 1 on DIFFERS; writes nothing.",
    )
    args = parser.parse_args(argv)
    forms = [f for f in args.short_forms.split(",") if f]
    extra = tuple(n for n in args.short_inputs.split(",") if n)
    seeds = [int(k) for k in args.fold_seeds.split(",")]
    names = ROW_NAMES
    readable = (*names, *threads.SHORT_ONLY_INPUTS)
    alone = [n for n in args.leave_one_group_out.split(",") if n]
    unknown = [f for f in forms if f not in SHORT_FORMS] + [n for n in extra if n not in readable]
    unknown += [n for n in alone if n not in SETS]
    if unknown:
        parser.error(f"unknown short forms, inputs or sets: {', '.join(unknown)}")
    if args.short_offset and not (extra and args.learner == "logistic"):
        parser.error("--short-offset fits --short-inputs over a logistic model: give both")
    if (args.short_balance != "pooled" or args.short_floor) and not args.short_offset:
        parser.error("--short-balance weighs the correction of --short-offset: give both")
    if args.base_encoder and (not args.short_offset or args.short_balance != "pooled"):
        parser.error("--base-encoder fits the base of --short-offset (pooled): give it")
    if extra and not (args.dry_run or args.check or args.short_offset):
        parser.error("--short-inputs without --short-offset is a screen: --dry-run")
    args.cache = args.cache or DEFAULT_CACHE / args.encoder
    try:
        claim_cache(args.cache, args.encoder)
    except ValueError as mixed:
        parser.error(str(mixed))
    config = fit_config(args.encoder, args.min_keyword_cosine)
    sets = [*SETS, *(f"{s}.{f}" for s in SETS for f in forms)]
    tables = {name: pair_table(name, args.data, args.cache, config, args.cut) for name in sets}
    fitted_names = prepare_tables(tables, args, names, extra, config, args.cache)
    base = base_tables(args, names, extra) if args.base_encoder else None
    names = fitted_names
    if base:
        every = {n: t["weight"] > 0 for n, t in tables.items()}
        base_every = {n: t["weight"] > 0 for n, t in base.items()}
        model: Any = fit_split(args, rows_of(base, base_every), rows_of(tables, every))
    else:
        x, y, weight, full, table = rows_of(tables, {n: t["weight"] > 0 for n, t in tables.items()})
        model = fit_model(args, x, y, weight, full, table)
    data: dict[str, Any] = {
        "about": "Thread model of samestory.threads; written by scripts/fit_thread_model.py.",
        "formula": "P(same incident) = 1 / (1 + exp(-(baseline + sum_k weight_k * x_k "
        "+ sum of each tree's leaf)))",
        "encoder": args.encoder,
        "fitted_on": list(SETS),
        "fitted": dt.date.today().isoformat(),
        "learner": _learner_info(args),
        "threshold": args.threshold,
        "pairs": args.pairs,
        "min_keyword_cosine": args.min_keyword_cosine,
        "same_days_weight": args.same_days_weight,
        # Stated only when the short forms are fitted on (weight 0: the full-text fit).
        **(
            {"short_forms": forms, "short_weight": args.short_weight, "short_cut": args.cut}
            if forms and args.short_weight > 0
            else {}
        ),
        # The base inputs (the stored correction-only ones follow them in every row).
        "features": [
            n
            for n in (BASE_NAMES if args.short_offset else names)
            if n not in threads.STORED_SHORT_INPUTS
        ],
        # Stated only when not pooled (a file without it was fitted on pooled pairs).
        **({"short_balance": args.short_balance} if args.short_balance != "pooled" else {}),
        **({"short_floor": args.threshold / 2} if args.short_floor else {}),
        # Stated only when the base model is another encoder's fit.
        **({"base_encoder": args.base_encoder} if args.base_encoder else {}),
        **_model_data(model, names),
    }
    fitted = threads.model_from_data(json.loads(json.dumps(data)))
    held = {seed: cross_validated(tables, args, seed, base) for seed in seeds}
    # The file's model on the same tables: what the refit's figures are to be read
    # against (the file's own figures were taken on the tables of its day).
    shipped = (
        threads.model_from_data(json.loads(args.out.read_text(encoding="utf-8")))
        if args.out.exists()
        else None
    )
    in_sample, cv = {}, {}
    for name, t in tables.items():
        # The written model reads the row's inputs (its correction is computed from them).
        own = t["x"][:, [names.index(n) for n in fitted.names]]
        p = np.array(threads.thread_probabilities(own, fitted))
        in_sample[name] = {str(k): round(thread_ari(t, p, k), 3) for k in THRESHOLDS}
        cv[name] = {str(k): round(thread_ari(t, held[seeds[0]][name], k), 3) for k in THRESHOLDS}
        line = f"{name}: thread ARI in-sample {in_sample[name]}  {FOLDS}-fold CV {cv[name]}"
        if shipped is not None and set(shipped.names) <= set(names):
            # The file's model reads its own inputs (by name: a refit may add one).
            columns = t["x"][:, [names.index(n) for n in shipped.names]]
            q = np.array(threads.thread_probabilities(columns, shipped))
            figures = {str(k): round(thread_ari(t, q, k), 3) for k in THRESHOLDS}
            line += f"  file's model {figures}"
        print(line)
    if len(seeds) > 1:
        print(f"thread ARI at {args.threshold} under {FOLDS}-fold CV, fold seeds {seeds}:")
        for name, t in tables.items():
            figures = [thread_ari(t, held[seed][name], args.threshold) for seed in seeds]
            print(f"  {name}: " + " / ".join(f"{v:.3f}" for v in figures))
    for name in alone:
        report_groups_held_out(tables, args, name, seeds, base)
    data["thread_ari_in_sample"] = in_sample
    data[f"thread_ari_cv_{FOLDS}_fold_over_incidents_and_topics"] = cv
    if args.check:
        return check_model(args.out, data)
    text = model_json(data)
    if args.dry_run:
        print(text.split('"trees"')[0])
        return 0
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
