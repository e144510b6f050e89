"""Fit ``compare``'s pair model (no corpus), beside the story score, and optionally ship it.

    python scripts/fit_pair_model.py [--data ../shared/data] [--cache /tmp/samestory-pairs]
        [--train ecbplus_dev,meantime_dev,gva_dev] [--C 0.1] [--rule f1|target]
        [--max-pairs 20000] [--no-cross-lingual] [--drop NAME,...] [--gate] [--encoder use]
        [--short-forms lead,summary,headline] [--short-pairs N] [--unrelated N]
        [--augment-weight W] [--set-weights SET=W,...] [--seed N] [--cv-errors FILE]
        [--fold-seeds N [--fold-seeds-from K] [--cv-fixed FILE]]
        [--screen CANDIDATES.py [--screen-with INPUTS.py] [--hold-thresholds] [--offset-fit]]
        [--offset-inputs NAME,... [--keep-shipped-base]] [--write | --check]

Prints production's and the pair model's figures (in sample and under CV); ``--write``
writes the in-sample model to ``samestory/params/pair_model.json``, which ``compare``
then decides with (:mod:`samestory.pair_model`, scoring as
:meth:`PairModel.probability_of_row`, checked equal to this script's prediction before
writing); ``--check`` refits it with the options given (no CV) and says whether the
shipped file holds that model (SAME / DIFFERS, what moved; exit 1 when it differs), run
with the file's ``info.fitted_by`` options on a fresh ``--cache``.

Short inputs (``--short-forms``): a model fitted on full articles alone linked the issue's
two unrelated short items sharing one number (0.997). Then the fit also sees, for every
dev set in ``--train``, its pairs of one topic in short forms (``evaluate.make_short_variants``:
both short, and one short against one whole; ``--short-pairs`` a form, every positive
and a weighted sample of the negatives) and ``--unrelated`` pairs of short texts of two
different topics that share a number or a name, all built from the dev sets. Each of
these sets weighs ``--augment-weight`` of a dev set; the threshold is chosen on the dev
sets' full texts (the target), and CV folds hold out both topics of a pair.

Pairs: every pair of articles of one topic of each dev set (``hard_negative_pairs``: same
topic, different event are the hard negatives); above ``--max-pairs``, every positive and
a seeded sample of the negatives, weighted (``sample_negatives``, as
``benchmarks/accuracy.py`` does). Each pair is measured by production's own functions
(``relate.measure_pair``, ``relate.score_measures``, ``relate.relation_of``), so the
*production* row is ``compare``'s decision (``Relation.same_story``) and the inputs of the
pair model are what production computes (:func:`pair_design`, all model-free: the event
cues, the shortness ``u`` and ``u·x``, the disagreement cues, the headline-and-lead
cosine, shingle overlap, the story score's date factor, the thread model's inputs after
its cues, the share of one text's recurring names the other never names
(``recurring_names_unshared``), and, unless ``--no-cross-lingual``, the cues times a
cross-lingual indicator).

Model: ``P(same | x) = 1 / (1 + exp(-(b + w·(x - μ)/σ)))``, a logistic regression on
standardised inputs, each training set weighing the same in total (negatives by their
sampling weight), and a decision threshold chosen on the training pairs (``--rule f1``:
the mean F1 over the training sets; ``target``: the smallest ratio to the target, min over
sets of ``min(P / 0.9, R / 0.8)``, GVA's with its follow-ups linked). ``--drop`` leaves
inputs out by name (:func:`input_names`; ``rarest_shared_name`` and
``rarest_shared_non_place`` are what broke MEANTIME under CV: "A380" is a rare word that
every pair of one company's articles shares). ``--gate`` multiplies the model's
probability by production's date factor (1 unless the pair is dated more than 30 days
apart), as the story score multiplies the event probability. Cross-validation: 5 folds
over topics (ECB+'s topics hold two events each, MEANTIME's two companies, GVA's six
incident types), each pair decided by the model and threshold fitted without its topic;
a set left out of ``--train`` is decided by models that never saw it (an out-of-set
test). The *both* column links a pair only when production and the pair model (under
CV) both do: the pair model as a veto. GVA's labels are incidents with their later
coverage: its row with ``follow_up`` counts a pair that the thread model links too
(``THREAD_THRESHOLD``), as ``compare``'s would. ``--drop ''`` (and no ``--gate``, rule
``f1``) is the model the 2026-12-02 runs measured.

Screening a new input (``--screen FILE``): ``FILE`` defines ``INPUTS``, a dict of name ->
``function(a, b) -> float`` over two :class:`DocFeatures`. The script regenerates the
articles of every measured pair by its own sampling (ids checked against the measured
sets), and prints the CV figures of the model on the shipped inputs (``base``) and of each
candidate added to them alone, all on the same pairs and options, each target set's
``P / R`` marked ``+``, ``-`` or ``=`` by ``min(P / 0.9, R / 0.8)`` against the base, and
the candidate's weight in the in-sample fit, and each target set's weighted false links
at the fold thresholds (summed over the splits with ``--fold-seeds``). ``--hold-thresholds``
decides each candidate's folds at the base's fold thresholds: the input judged by what it
adds at a fixed operating point. Nothing is written: a candidate that
qualifies is then added to :func:`pair_design` and fitted with ``--write``.

By language: a target set holding pairs of one language and pairs of two (MEANTIME: its
positives are all translations, its false links one company's two articles in one
language) is reported by part too, each part's P / R, weighted false links and links
(:func:`language_parts`, the records' ``lang``): under each split's line, their medians
and sums over the splits, each screened candidate's false links by part minus the
base's, and in a one-fit run under the set's row. Precision lost on MEANTIME is then
read where it is lost.
"""

from __future__ import annotations

import argparse
import dataclasses
import functools
import hashlib
import json
import math
import os
import pickle
import random
import runpy
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import fit_thread_model as ftm
import numpy as np
from fit_check import report_check
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler

from samestory import params, relate
from samestory.config import DEFAULT_CONFIG
from samestory.evaluate import (
    SHORT_FORMS,
    hard_negative_pairs,
    make_short_variants,
    read_labelled,
    record_to_article,
    sample_negatives,
)
from samestory.features import DocFeatures
from samestory.models import RelationKind
from samestory.pair_model import (
    OFFSET_INPUTS,
    PAIR_MODEL_FILE,
    PairModel,
    input_names,
    pair_design,
)
from samestory.pipeline.featurise import featurize_all
from samestory.threads import THREAD_THRESHOLD

SETS = ("ecbplus_dev", "meantime_dev", "gva_dev")
FOLDS = 5
TARGET = (0.9, 0.8)  # issue 13: precision >= 0.9 at recall >= 0.8
THRESHOLDS = np.linspace(0.05, 0.95, 91)
# --tol: where the logistic fit stops (lbfgs's gradient tolerance), as fit_thread_model.py's
# (its fit_logistic: a fit that stops on MAX_ITER raises its NotConverged). scikit-learn's
# default, 1e-4, fitted every pair model file so far (docs/history/accuracy.md,
# 2026-12-06 compare: how far that is from the optimum); 1e-10 reaches it.
STOP_TOL, CONVERGED_TOL, MAX_ITER = ftm.STOP_TOL, ftm.CONVERGED_TOL, ftm.MAX_ITER
NotConverged = ftm.NotConverged
DEFAULT_DATA = Path(os.environ.get("SAMESTORY_SHARED", "../shared")) / "data"
# --check: the largest change of a weight, mean, scale, bias or threshold still called the
# same model (fit_thread_model.py's: far below what a decision reads, far above what BLAS
# rounding moves in the solver).
CHECK_TOLERANCE = ftm.CHECK_TOLERANCE


@dataclass
class PairSet:
    """Pairs of one kind: design rows, gold, both articles' topics, weights, production.

    ``augment``: training pairs only (short forms, unrelated short pairs), not a target
    set: the threshold is chosen on the target sets alone."""

    name: str
    x: np.ndarray
    gold: np.ndarray
    topics: np.ndarray
    topics_b: np.ndarray  # the second article's topic (the same within a topic)
    weight: np.ndarray  # 1 for positives, the sampling weight for negatives
    production: np.ndarray  # compare's Relation.same_story
    threaded: np.ndarray  # the thread model links the pair (follow_up when not the same)
    factor: np.ndarray  # production's date factor of the story score
    copy: np.ndarray  # an exact or near-duplicate copy: compare links it whatever the model
    ids: np.ndarray  # the two articles' ids, one row a pair (error analysis: --cv-errors)
    augment: bool = False
    # The two texts are in different languages (read from the records' ``lang`` by
    # :func:`with_languages` after the sets are measured or read from a cache; None: not
    # read). MEANTIME's positives are all translations, its false links same-language
    # pairs: its row is reported by language (:func:`language_parts`).
    cross: np.ndarray | None = None


Labelled = tuple[list[dict], list[DocFeatures]]


def features_of(
    name: str, records: list[dict], form: str, cache: Path, encoder: str
) -> list[DocFeatures]:
    """Features of ``records`` (``form``: "full" or a short form), cached by set, form and
    encoder."""
    file = cache / f"{name}.{form}.{encoder}.features.pkl"
    if file.exists():
        cached: list[DocFeatures] = pickle.loads(file.read_bytes())
        if [f.id for f in cached] == [str(r["id"]) for r in records]:
            return cached
    config = DEFAULT_CONFIG.replace(encoder=encoder)
    features = featurize_all([record_to_article(r) for r in records], config)
    file.write_bytes(pickle.dumps(features))
    return features


def read_set(name: str, data: Path) -> list[dict]:
    records, skipped = read_labelled(data / f"{name}.jsonl")
    if skipped:
        raise SystemExit(f"{name}: {len(skipped)} records skipped; fix the data first")
    return records


def measure(
    name: str,
    pairs: Sequence[tuple[DocFeatures, DocFeatures, bool, str, str]],
    weight: float | np.ndarray,
    cross_lingual: bool,
    augment: bool = False,
) -> PairSet:
    """A :class:`PairSet` of ``(a, b, same, topic of a, topic of b)``, measured and decided
    by production's own functions."""
    rows, production, threaded, factor, copy = [], [], [], [], []
    with relate.single_threaded_blas():
        for a, b, *_ in pairs:
            m = relate.measure_pair(a, b)
            ps = relate.score_measures(m)
            relation = relate.relation_of(a, b, ps, DEFAULT_CONFIG)
            production.append(relation.same_story)
            copy.append(relation.kind in (RelationKind.EXACT, RelationKind.NEAR_DUPLICATE))
            threaded.append(ps.thread >= THREAD_THRESHOLD)
            factor.append(m.date_factor)
            rows.append(pair_design(m, a, b, cross_lingual))
    gold = np.array([p[2] for p in pairs], dtype=bool)
    return PairSet(
        name=name,
        x=np.array(rows, dtype=np.float64).reshape(len(pairs), -1),
        gold=gold,
        topics=np.array([p[3] for p in pairs]),
        topics_b=np.array([p[4] for p in pairs]),
        weight=np.broadcast_to(np.asarray(weight, dtype=np.float64), gold.shape).copy()
        if np.ndim(weight)
        else np.where(gold, 1.0, weight),
        production=np.array(production, dtype=bool),
        threaded=np.array(threaded, dtype=bool),
        factor=np.array(factor, dtype=np.float64),
        copy=np.array(copy, dtype=bool),
        ids=np.array([(a.id, b.id) for a, b, *_ in pairs], dtype=object).reshape(len(pairs), 2),
        augment=augment,
    )


def with_languages(sets: Sequence[PairSet], languages: dict[str, str | None]) -> None:
    """Mark each target set's pairs whose two texts are in different languages
    (``languages``: an article's id -> its record's ``lang``), in place; a pair with an
    article not in ``languages`` is same-language."""
    for s in sets:
        if not s.augment:
            s.cross = np.array(
                [
                    languages.get(str(a)) is not None
                    and languages.get(str(b)) is not None
                    and languages.get(str(a)) != languages.get(str(b))
                    for a, b in s.ids
                ],
                dtype=bool,
            ).reshape(len(s.gold))


def record_languages(data: Path) -> dict[str, str | None]:
    """Every dev set's article ids -> their records' ``lang`` (a set missing from ``data``
    gives none)."""
    return {
        str(r["id"]): r.get("lang")
        for name in SETS
        if (data / f"{name}.jsonl").exists()
        for r in read_set(name, data)
    }


def language_parts(s: PairSet) -> dict[str, np.ndarray]:
    """A target set's same-language and cross-language pairs (masks), when it holds both
    (MEANTIME: one article in four languages); empty otherwise (a one-language set, an
    augmenting set, languages not read)."""
    if s.augment or s.cross is None or s.cross.all() or not s.cross.any():
        return {}
    return {"same-language": ~s.cross, "cross-language": s.cross.copy()}


def part_figures(
    s: PairSet, decided: np.ndarray, mask: np.ndarray
) -> tuple[float, float, float, float]:
    """P, R, weighted false links and weighted links of ``s``'s pairs in ``mask`` (GVA's
    with its follow-ups linked, as :func:`target_figures`): a part with no positives has
    R NaN and P 0 (NaN with no link)."""
    d = (decided | (s.threaded if _incidents(s) else False))[mask]
    gold, weight = s.gold[mask], s.weight[mask]
    p, r = precision_recall(gold, d, weight)
    return p, r, float(weight[d & ~gold].sum()), float(weight[d].sum())


def _part_cell(label: str, figures: Sequence[float]) -> str:
    p, r, wrong, links = figures[:4]
    return f"{label} P {p:.4f} / R {r:.4f}, false links {wrong:.1f} of {links:.1f} links"


def _topic(name: str, record: dict) -> str:
    return f"{name}:{record.get('topic')}"


Measure = Callable[..., PairSet]


def pair_set(
    name: str,
    records: list[dict],
    features: list[DocFeatures],
    max_pairs: int,
    cross: bool,
    measure_fn: Measure | None = None,
) -> PairSet:
    """The set's pairs of one topic, full texts (the target)."""
    pairs, negative_weight = sample_negatives(hard_negative_pairs(records), max_pairs)
    rows = [
        (features[i], features[j], same, _topic(name, records[i]), _topic(name, records[j]))
        for i, j, same in pairs
    ]
    return (measure_fn or measure)(name, rows, negative_weight, cross)


def sample_both(
    pairs: Sequence[tuple[int, int, bool]], size: int, rng: random.Random
) -> list[tuple[int, int, bool, float]]:
    """At most ``size // 2`` positives and as many negatives of ``pairs``, each with the
    weight it stands for (its class's count over the sampled count)."""
    out: list[tuple[int, int, bool, float]] = []
    for same in (True, False):
        members = [p for p in pairs if p[2] is same]
        chosen = rng.sample(members, min(len(members), size // 2))
        out += [(i, j, s, len(members) / len(chosen)) for i, j, s in chosen]
    return out


def short_pair_set(
    name: str,
    records: list[dict],
    features: list[DocFeatures],
    short: dict[str, dict[str, DocFeatures]],
    per_form: int,
    cross: bool,
    seed: int = 0,
    measure_fn: Measure | None = None,
) -> PairSet:
    """The set's pairs of one topic in short forms (``short[form][id]``): per form,
    ``per_form`` pairs with both texts short and half as many with one short and one
    whole (a feed item against a page), half positives and half negatives when there are
    enough (:func:`sample_both`, weighted)."""
    rng = random.Random(seed)
    every = hard_negative_pairs(records)
    ids = [str(r["id"]) for r in records]
    rows: list[tuple[DocFeatures, DocFeatures, bool, str, str]] = []
    weights: list[float] = []
    for by_id in short.values():
        pairs = [p for p in every if ids[p[0]] in by_id and ids[p[1]] in by_id]
        for mixed, size in ((False, per_form), (True, per_form // 2)):
            for i, j, same, w in sample_both(pairs, size, rng):
                a, b = by_id[ids[i]], by_id[ids[j]]
                if mixed:  # one side whole, chosen by a seeded coin
                    a, b = (features[i], b) if rng.random() < 0.5 else (a, features[j])
                rows.append((a, b, same, _topic(name, records[i]), _topic(name, records[j])))
                weights.append(w)
    return (measure_fn or measure)(f"{name}:short", rows, np.array(weights), cross, augment=True)


def unrelated_pair_set(
    name: str,
    records: list[dict],
    short: dict[str, dict[str, DocFeatures]],
    per_form: int,
    cross: bool,
    seed: int = 0,
    measure_fn: Measure | None = None,
) -> PairSet:
    """Unrelated short pairs that share a number or a name: articles of two different
    topics (surely two stories), in the same short form, sharing at least one number
    (half of the pairs when there are enough) or one name. The issue's case is such a
    pair ("Apple ... 20 new stores", "A bank ... cut 20 jobs"); the dev sets' short
    pairs of one topic that share a number are mostly one story, so without these a
    model learns that a shared number in a short text links."""
    rng = random.Random(seed)
    topic = {str(r["id"]): _topic(name, r) for r in records}
    rows: list[tuple[DocFeatures, DocFeatures, bool, str, str]] = []
    for by_id in short.values():
        docs = list(by_id.values())
        taken = 0
        for items, quota in ((_numbers, per_form // 2), (_names, per_form)):
            index: dict[str, list[int]] = {}
            for k, f in enumerate(docs):
                for item in sorted(items(f)):  # set order varies by process (hash seed)
                    index.setdefault(item, []).append(k)
            candidates = sorted(
                {
                    (min(i, j), max(i, j))
                    for members in index.values()
                    if len(members) < 200  # a word every text has is no cue
                    for i in members
                    for j in rng.sample(members, min(len(members), 8))
                    if topic[docs[i].id] != topic[docs[j].id]
                }
            )
            chosen = rng.sample(candidates, min(len(candidates), quota - taken))
            taken += len(chosen)
            rows += [
                (docs[i], docs[j], False, topic[docs[i].id], topic[docs[j].id]) for i, j in chosen
            ]
    return (measure_fn or measure)(f"{name}:unrelated", rows, 1.0, cross, augment=True)


def _numbers(f: DocFeatures) -> frozenset[str]:
    return f.numbers


def _names(f: DocFeatures) -> frozenset[str]:
    return f.entities


def precision_recall(
    gold: np.ndarray, decided: np.ndarray, weight: np.ndarray
) -> tuple[float, float]:
    """Weighted pair precision ``Σ w tp / (Σ w tp + Σ w fp)`` and recall ``Σ w tp / Σ w
    positives`` (the target sets' positives weigh 1, their sampled negatives more)."""
    tp = float((weight * (gold & decided)).sum())
    fp = float((weight * (decided & ~gold)).sum())
    positives = float((weight * gold).sum())
    return (tp / (tp + fp) if tp + fp else math.nan, tp / positives if positives else math.nan)


def _f1(p: float, r: float) -> float:
    return 2 * p * r / (p + r) if p + r and not math.isnan(p) else 0.0


def choose_threshold(
    probabilities: Sequence[np.ndarray],
    sets: Sequence[PairSet],
    masks: Sequence[np.ndarray],
    rule: str,
) -> float:
    """The threshold on the grid that is best on the training pairs of the target sets
    under ``rule``."""
    best, chosen = -1.0, 0.5
    targets = [
        (p, s, k) for p, s, k in zip(probabilities, sets, masks, strict=True) if not s.augment
    ]
    for t in THRESHOLDS:
        if rule == "f1":
            figures = [precision_recall(s.gold[k], p >= t, s.weight[k]) for p, s, k in targets]
            value = float(np.mean([_f1(p, r) for p, r in figures]))
        else:  # GVA's labels are incidents: its follow-ups count as links
            figures = [
                precision_recall(s.gold[k], (p >= t) | (s.threaded[k] & _incidents(s)), s.weight[k])
                for p, s, k in targets
            ]
            value = min(min(p / TARGET[0], r / TARGET[1]) for p, r in figures)
        if value > best:
            best, chosen = value, float(t)
    return chosen


def _incidents(s: PairSet) -> bool:
    """Whether the set's labels are incidents with their later coverage (GVA's)."""
    return s.name.startswith("gva_dev")


Predict = Callable[[np.ndarray, np.ndarray], np.ndarray]


@dataclass(frozen=True)
class Fitted:
    """A fitted logistic model before it is named: standardisation, weights, bias,
    threshold and its prediction over design rows and date factors."""

    mean: np.ndarray
    scale: np.ndarray
    weights: np.ndarray
    bias: float
    threshold: float
    predict: Predict
    objective: float = math.nan  # the fit's objective (:func:`objective`) at its weights
    iterations: int = 0  # lbfgs's iterations (0: not a scikit-learn fit)


def fit_logistic(
    sets: Sequence[PairSet],
    masks: Sequence[np.ndarray],
    c: float,
    rule: str,
    gate: bool,
    augment_weight: float,
    set_weights: dict[str, float] | None = None,
    signs: Sequence[int] | None = None,
    follow_ups_out: bool = False,
    tol: float = STOP_TOL,
) -> Fitted:
    """Logistic regression on the masked pairs, each target set weighing the same (an
    augmenting set ``augment_weight`` of that), and its threshold (:func:`choose_threshold`
    on the same pairs). ``signs`` (one an input: +1, -1, 0): each weight bounded to that
    sign (:func:`bounded_logistic`) instead of scikit-learn's unbounded fit;
    ``follow_ups_out``: :func:`_loss_weights`; ``tol``: lbfgs's gradient tolerance (a fit
    that stops on its iteration limit raises ``NotConverged``: fit_thread_model.py's)."""
    x, y, w = _training_rows(sets, masks, augment_weight, set_weights, follow_ups_out)
    scaler = StandardScaler().fit(x)
    scale = np.where(scaler.scale_ > 0, scaler.scale_, 1.0)
    z = (x - scaler.mean_) / scale
    iterations = 0
    if signs is None:
        model = ftm.fit_logistic(LogisticRegression(C=c, tol=tol, max_iter=MAX_ITER), z, y, w)
        weights, bias = model.coef_[0], float(model.intercept_[0])
        iterations = int(model.n_iter_[0])
    else:
        weights, bias = bounded_logistic(z, y, w, c, signs)
    mean = scaler.mean_

    def predict(z: np.ndarray, factor: np.ndarray) -> np.ndarray:
        """:meth:`PairModel.probability_of_row` over rows (checked equal in main)."""
        p = 1.0 / (1.0 + np.exp(-(bias + ((z - mean) / scale) @ weights)))
        return p * factor if gate else p

    threshold = choose_threshold(
        [predict(s.x[k], s.factor[k]) for s, k in zip(sets, masks, strict=True)], sets, masks, rule
    )
    return Fitted(
        mean,
        scale,
        weights,
        bias,
        min(max(threshold, 0.01), 0.99),
        predict,
        objective(z, y, w, c, weights, bias),
        iterations,
    )


def fit_offset(
    sets: Sequence[PairSet],
    masks: Sequence[np.ndarray],
    base: Fitted,
    added: int,
    c: float,
    gate: bool,
    augment_weight: float,
    set_weights: dict[str, float] | None = None,
    follow_ups_out: bool = False,
) -> Fitted:
    """The last ``added`` inputs' weights fitted on top of ``base`` (a logistic fit of the
    other inputs on the same masked pairs): the base's log-odds an offset, its weights,
    bias and threshold fixed, one raw (unstandardised, uncentred) weight an added input,
    by the objective :func:`fit_logistic` minimises (the same pair weights and ``c``);
    ``gate``: the probability times the date factor, as the base's.
    A pair whose added inputs are all 0 keeps the base's probability and decision
    exactly (docs/history/accuracy.md, 2026-12-06 14:26, compare: a refit of every weight
    let the venue input move MEANTIME's pairs with no venue evidence). The result reads
    as a :class:`PairModel`: each added input at mean 0 and scale 1, last."""
    from scipy.optimize import minimize

    x, y, w = _training_rows(sets, masks, augment_weight, set_weights, follow_ups_out)
    n = x.shape[1] - added
    offset = _base_logit(base, x[:, :n])
    v, yf = x[:, n:], y.astype(np.float64)

    def loss(u: np.ndarray) -> tuple[float, np.ndarray]:
        margin = offset + v @ u
        residual = c * w * (1.0 / (1.0 + np.exp(-margin)) - yf)
        value = np.logaddexp(0.0, margin) - yf * margin
        return 0.5 * float(u @ u) + c * float(w @ value), u + v.T @ residual

    result = minimize(loss, np.zeros(added), jac=True, method="L-BFGS-B", options={"gtol": 1e-10})
    if not result.success:
        raise NotConverged(f"offset fit: {result.message}")
    u = result.x

    def predict(z: np.ndarray, factor: np.ndarray) -> np.ndarray:
        """:meth:`PairModel.probability_of_row` over rows: the base's log-odds plus the
        added inputs' terms (0.0 exactly where they are 0)."""
        p = 1.0 / (1.0 + np.exp(-(_base_logit(base, z[:, :n]) + z[:, n:] @ u)))
        return p * factor if gate else p

    return Fitted(
        np.append(base.mean, np.zeros(added)),
        np.append(base.scale, np.ones(added)),
        np.append(base.weights, u),
        base.bias,
        base.threshold,
        predict,
        float(result.fun),
        int(result.nit),
    )


def fitted_of(model: PairModel) -> Fitted:
    """A written pair model as a fit over design rows of its inputs, in its order."""
    mean, scale = np.array(model.mean), np.array(model.scale)
    weights, bias, gate = np.array(model.weights), model.bias, model.gate

    def predict(z: np.ndarray, factor: np.ndarray) -> np.ndarray:
        """:meth:`PairModel.probability_of_row` over rows."""
        p = 1.0 / (1.0 + np.exp(-(bias + ((z - mean) / scale) @ weights)))
        return p * factor if gate else p

    return Fitted(mean, scale, weights, bias, model.threshold, predict)


def fit_on_top(
    model: PairModel,
    sets: Sequence[PairSet],
    masks: Sequence[np.ndarray],
    names: Sequence[str],
    options: FitOptions,
) -> tuple[PairModel, Fitted]:
    """``--keep-shipped-base``: the last ``options.offset`` inputs of ``names`` fitted on
    top of the written ``model``'s other inputs (:func:`fit_offset`), whose numbers and
    threshold stay, as production reads it (a :class:`PairModel` on ``names``): a pair
    whose added inputs are 0 is decided exactly as by ``model``
    (docs/history/accuracy.md, 2026-12-07 02:25, compare)."""
    base_names = tuple(names[: len(names) - options.offset])
    keep = [model.inputs.index(n) for n in base_names if n in model.inputs]
    if [model.inputs[k] for k in keep] != list(base_names) or set(model.inputs) - set(names):
        raise SystemExit(f"{PAIR_MODEL_FILE}: its inputs are not the run's base inputs")
    base = PairModel(
        inputs=base_names,
        mean=tuple(model.mean[k] for k in keep),
        scale=tuple(model.scale[k] for k in keep),
        weights=tuple(model.weights[k] for k in keep),
        bias=model.bias,
        threshold=model.threshold,
        gate=model.gate,
    )
    fitted = fit_offset(
        sets,
        masks,
        fitted_of(base),
        options.offset,
        options.c,
        options.gate,
        options.augment_weight,
        options.set_weights,
        options.follow_ups_out,
    )
    return model_of(fitted, names, options.gate), fitted


def model_of(fitted: Fitted, names: Sequence[str], gate: bool) -> PairModel:
    """A logistic fit over the inputs ``names`` as production reads it."""
    return PairModel(
        inputs=tuple(names),
        mean=tuple(map(float, fitted.mean)),
        scale=tuple(map(float, fitted.scale)),
        weights=tuple(map(float, fitted.weights)),
        bias=fitted.bias,
        threshold=fitted.threshold,
        gate=gate,
    )


def fit_fixed(
    model: PairModel, sets: Sequence[PairSet], masks: Sequence[np.ndarray], rule: str
) -> Fitted:
    """``model`` (a written file, its inputs the design's columns in order) as a fold's
    fit: its weights, bias and standardisation fixed, not refitted on the masked pairs;
    only its threshold chosen on them by ``rule``, as :func:`fit_logistic` chooses one
    (``--cv-fixed``: two files' weights compared through the same folds' thresholds,
    docs/history/accuracy.md, 2026-12-06 17:10, compare). A file fitted on every topic has
    seen the held-out ones: its CV figures are in-sample weights at held-out thresholds."""
    fixed = fitted_of(model)
    threshold = choose_threshold(
        [fixed.predict(s.x[k], s.factor[k]) for s, k in zip(sets, masks, strict=True)],
        sets,
        masks,
        rule,
    )
    return dataclasses.replace(fixed, threshold=min(max(threshold, 0.01), 0.99))


def _base_logit(base: Fitted, z: np.ndarray) -> np.ndarray:
    """A logistic fit's log-odds over rows, as its ``predict`` computes them."""
    return base.bias + ((z - base.mean) / base.scale) @ base.weights


def objective(
    z: np.ndarray, y: np.ndarray, w: np.ndarray, c: float, weights: np.ndarray, bias: float
) -> float:
    """scikit-learn's L2 logistic objective at ``weights``, ``bias``: ``0.5 |w|^2 + c
    sum_i w_i logloss_i`` (the bias unpenalised), which the fit minimises: how far a
    stopped fit is from the optimum, in its own units."""
    margin = z @ weights + bias
    loss = np.logaddexp(0.0, margin) - y.astype(np.float64) * margin
    return 0.5 * float(weights @ weights) + c * float(w @ loss)


def bounded_logistic(
    z: np.ndarray, y: np.ndarray, w: np.ndarray, c: float, signs: Sequence[int]
) -> tuple[np.ndarray, float]:
    """The weights and bias minimising scikit-learn's L2 logistic objective ``0.5 |w|^2 +
    c sum_i w_i logloss_i`` (bias unpenalised) with each weight of the sign ``signs`` gives
    (+1: >= 0, -1: <= 0, 0: free), by L-BFGS-B (unbounded it finds scikit-learn's fit)."""
    from scipy.optimize import minimize

    yf = y.astype(np.float64)

    def objective(theta: np.ndarray) -> tuple[float, np.ndarray]:
        coef, b = theta[:-1], theta[-1]
        margin = z @ coef + b
        loss = np.logaddexp(0.0, margin) - yf * margin
        residual = c * w * (1.0 / (1.0 + np.exp(-margin)) - yf)
        grad = np.append(coef + z.T @ residual, residual.sum())
        return 0.5 * float(coef @ coef) + c * float(w @ loss), grad

    bounds = [(0.0, None) if g > 0 else (None, 0.0) if g < 0 else (None, None) for g in signs]
    result = minimize(
        objective,
        np.zeros(z.shape[1] + 1),
        jac=True,
        method="L-BFGS-B",
        bounds=[*bounds, (None, None)],
        options={"maxiter": 20_000, "ftol": 1e-14, "gtol": 1e-8},
    )
    return result.x[:-1], float(result.x[-1])


#: The monotone boosted learner's constraints (``--learner monotone-hgb``), by each input's
#: meaning, fixed before any run (docs/history/accuracy.md, 2026-12-05 04:55): +1 the more the two
#: texts share (cosines, overlaps, shared rare names, agreeing ages, the date factor), -1
#: the more they conflict (numbers, years, days apart, recurring names one lacks); 0 where
#: the direction depends on the pair (shortness and its products, sizes, the gap flags:
#: GVA links later coverage months apart).
MONOTONE = {
    **{
        n: 1
        for n in (
            "doc_cosine",
            "best_sentence",
            "top3_sentences",
            "soft_coverage",
            "entity_jaccard",
            "entity_overlap",
            "number_jaccard",
            "lexical_cosine",
            "entity_specific_jaccard",
            "lead_sentences",
            "shingle_jaccard",
            "shingle_containment",
            "date_factor",
            "rewrite_evidence",
            "log_rare_shared_names",
            "rarest_shared_name",
            "log_shared_long_numbers",
            "log_rare_shared_people",
            "log_rare_shared_places",
            "rarest_shared_non_place",
            "age_agreement",
        )
    },
    **{n: -1 for n in ("number_conflict", "year_gap", "log_gap", "recurring_names_unshared")},
}


@dataclass(frozen=True)
class Boosting:
    """The monotone boosted learner's options (``--learner monotone-hgb``)."""

    depth: int = 2
    iterations: int = 150
    rate: float = 0.05
    leaf: int = 200
    l2: float = 1.0


def _loss_weights(s: PairSet, k: np.ndarray, follow_ups_out: bool) -> np.ndarray:
    """The masked pairs' weights in the loss: ``s.weight``, and with ``follow_ups_out`` 0
    for a positive of a set whose labels are incidents (GVA's) that the thread model
    links: compare reports it as ``follow_up`` whatever the pair model says
    (:func:`samestory.pair_model.decide`) and GVA's target row counts that link, so the
    pair model need not learn to call later coverage the same story."""
    w = s.weight[k]
    if follow_ups_out and _incidents(s):
        w = np.where(s.gold[k] & s.threaded[k], 0.0, w)
    return w


def _training_rows(
    sets: Sequence[PairSet],
    masks: Sequence[np.ndarray],
    augment_weight: float,
    set_weights: dict[str, float] | None,
    follow_ups_out: bool = False,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The masked pairs' rows, gold and weights, each target set weighing the same in
    total (an augmenting set ``augment_weight`` of that, a set ``set_weights`` times), the
    weights scaled to average 1 (``follow_ups_out``: :func:`_loss_weights`)."""
    x = np.vstack([s.x[k] for s, k in zip(sets, masks, strict=True)])
    y = np.concatenate([s.gold[k] for s, k in zip(sets, masks, strict=True)])
    loss = [_loss_weights(s, k, follow_ups_out) for s, k in zip(sets, masks, strict=True)]
    w = np.concatenate(
        [
            v
            / v.sum()
            * (augment_weight if s.augment else 1.0)
            * (set_weights or {}).get(s.name.split(":")[0], 1.0)
            for s, v in zip(sets, loss, strict=True)
        ]
    )
    return x, y, w * len(y) / w.sum()


def fit_boosted(
    sets: Sequence[PairSet],
    masks: Sequence[np.ndarray],
    names: Sequence[str],
    boosting: Boosting,
    rule: str,
    gate: bool,
    augment_weight: float,
    set_weights: dict[str, float] | None = None,
    follow_ups_out: bool = False,
) -> Fitted:
    """Gradient-boosted trees, each input monotone as :data:`MONOTONE` says (by name),
    on the pairs :func:`fit_logistic` weighs, and the threshold its rule chooses on them.
    Screened only: ``Fitted``'s logistic fields are empty (nothing here is written)."""
    from sklearn.ensemble import HistGradientBoostingClassifier

    x, y, w = _training_rows(sets, masks, augment_weight, set_weights, follow_ups_out)
    model = HistGradientBoostingClassifier(
        max_depth=boosting.depth,
        max_iter=boosting.iterations,
        learning_rate=boosting.rate,
        min_samples_leaf=boosting.leaf,
        l2_regularization=boosting.l2,
        monotonic_cst=[MONOTONE.get(n, 0) for n in names],
        early_stopping=False,
        random_state=0,
    ).fit(x, y, sample_weight=w)

    def predict(z: np.ndarray, factor: np.ndarray) -> np.ndarray:
        p = model.predict_proba(z)[:, 1] if len(z) else np.zeros(0)
        return p * factor if gate else p

    threshold = choose_threshold(
        [predict(s.x[k], s.factor[k]) for s, k in zip(sets, masks, strict=True)], sets, masks, rule
    )
    empty = np.zeros(0)
    return Fitted(empty, empty, empty, 0.0, min(max(threshold, 0.01), 0.99), predict)


def fit(
    sets: Sequence[PairSet],
    masks: Sequence[np.ndarray],
    c: float,
    rule: str,
    gate: bool,
    names: Sequence[str],
    augment_weight: float,
    set_weights: dict[str, float] | None = None,
    signs: Sequence[int] | None = None,
    follow_ups_out: bool = False,
    tol: float = STOP_TOL,
) -> tuple[PairModel, Fitted]:
    """:func:`fit_logistic` as production reads it (a :class:`PairModel` on the inputs
    ``names``), and the fit (its prediction over design rows and date factors, its
    objective and iterations)."""
    fitted = fit_logistic(
        sets, masks, c, rule, gate, augment_weight, set_weights, signs, follow_ups_out, tol
    )
    return model_of(fitted, names, gate), fitted


#: ``--fold-seed`` of leave-one-topic-out: every topic its own fold, no random deal.
ONE_TOPIC = -1


def fold_of(sets: Sequence[PairSet], fold_seed: int = 0) -> dict[str, int]:
    """Each topic's fold: the topics of every set dealt in a ``fold_seed`` permutation
    (0: the split every earlier run of this script used) into :data:`FOLDS` folds, or
    (``fold_seed`` :data:`ONE_TOPIC`) each topic alone in its own fold."""
    topics = sorted({t for s in sets for t in (*s.topics, *s.topics_b)})
    if fold_seed == ONE_TOPIC:
        return {topic: k for k, topic in enumerate(topics)}
    order = np.random.RandomState(fold_seed).permutation(len(topics))
    return {topic: int(order[k]) % FOLDS for k, topic in enumerate(topics)}


def _in_fold(s: PairSet, folds: dict[str, int], f: int) -> np.ndarray:
    """Pairs with either article's topic in fold ``f``."""
    return np.array(
        [folds[a] == f or folds[b] == f for a, b in zip(s.topics, s.topics_b, strict=True)]
    )


def measure_sets(
    data: Path,
    cache: Path,
    encoder: str,
    max_pairs: int,
    cross: bool,
    forms: list[str],
    train: list[str],
    short_pairs: int,
    unrelated: int,
    seed: int = 0,
    measure_fn: Measure | None = None,
) -> list[PairSet]:
    """Every dev set's target pairs and, for those in ``train``, the augmenting sets
    (``measure_fn``: what measures a set's pairs, :func:`measure` unless given)."""
    sets: list[PairSet] = []
    for name in SETS:
        records = read_set(name, data)
        features = features_of(name, records, "full", cache, encoder)
        sets.append(pair_set(name, records, features, max_pairs, cross, measure_fn))
        short = {}
        for form in forms:
            cut = make_short_variants(records, form, cut="first-sentence")
            short[form] = {f.id: f for f in features_of(name, cut, form, cache, encoder)}
        if short and name in train:
            sets.append(
                short_pair_set(name, records, features, short, short_pairs, cross, seed, measure_fn)
            )
            if unrelated:
                sets.append(
                    unrelated_pair_set(name, records, short, unrelated, cross, seed, measure_fn)
                )
    return sets


def measured_name(
    encoder: str,
    max_pairs: int,
    cross: bool,
    forms: Sequence[str],
    short_pairs: int,
    unrelated: int,
    train: Sequence[str],
    seed: int,
    names: Sequence[str],
    models: str = "",
) -> str:
    """The file the measured pairs are cached in: the options that choose and measure
    them, and a digest of the design's input names, so measures of another
    :func:`pair_design` (an input added or removed) are never read as this one's;
    ``models`` (:func:`models_digest`): the fitted files the measures were decided with,
    so a refitted thread or story model is never read through the old one's decisions."""
    digest = hashlib.sha256(",".join(names).encode()).hexdigest()[:10]
    return (
        f"pairs.{encoder}.{max_pairs}.{int(cross)}.{','.join(forms)}."
        f"{short_pairs}.{unrelated}.{','.join(train)}"
        + (f".seed{seed}" if seed else "")
        + f".inputs-{digest}"
        + (f".models-{models}" if models else "")
        + ".pkl"
    )


def models_digest() -> str:
    """A digest of the fitted files a measured pair's decisions read (every
    ``params/*.json`` but the pair model's own): a pair's ``threaded`` (its follow_up link,
    which GVA's target row counts) comes from the thread model, ``production`` from the
    story model; the thread model's refit of 2026-12-05 would otherwise be read through a
    cache measured before it."""
    folder = Path(params.path_of(PAIR_MODEL_FILE)).parent
    digest = hashlib.sha256()
    for file in sorted(folder.glob("*.json")):
        if file.name != PAIR_MODEL_FILE:
            digest.update(file.name.encode() + b"\0" + file.read_bytes())
    return digest.hexdigest()[:10]


@dataclass(frozen=True)
class FitOptions:
    """The options every fit of one run shares (:func:`fit`'s after its sets and masks)."""

    c: float
    rule: str
    gate: bool
    augment_weight: float
    set_weights: dict[str, float]
    boosting: Boosting | None = None  # the monotone boosted learner instead of the logistic
    names: tuple[str, ...] = ()  # the inputs' names (MONOTONE's constraints)
    bounded: bool = False  # the logistic's weights bounded to MONOTONE's signs
    follow_ups_out: bool = False  # GVA's thread-linked positives out of the loss
    tol: float = STOP_TOL  # lbfgs's gradient tolerance (--tol)
    offset: int = 0  # the last inputs fitted on top of the others' fit (fit_offset)
    fixed: PairModel | None = None  # a written model's weights, only its threshold chosen

    def fit(self, sets: Sequence[PairSet], masks: Sequence[np.ndarray]) -> Fitted:
        if self.fixed is not None:
            return fit_fixed(self.fixed, sets, masks, self.rule)
        if self.offset:
            base_sets = [dataclasses.replace(s, x=s.x[:, : -self.offset]) for s in sets]
            base = dataclasses.replace(self, offset=0).fit(base_sets, masks)
            return fit_offset(
                sets,
                masks,
                base,
                self.offset,
                self.c,
                self.gate,
                self.augment_weight,
                self.set_weights,
                self.follow_ups_out,
            )
        if self.boosting is not None:
            return fit_boosted(
                sets,
                masks,
                self.names,
                self.boosting,
                self.rule,
                self.gate,
                self.augment_weight,
                self.set_weights,
                self.follow_ups_out,
            )
        signs = [MONOTONE.get(n, 0) for n in self.names] if self.bounded else None
        return fit_logistic(
            sets,
            masks,
            self.c,
            self.rule,
            self.gate,
            self.augment_weight,
            self.set_weights,
            signs,
            self.follow_ups_out,
            self.tol,
        )


Decisions = dict[str, np.ndarray]


def print_convergence(
    sets: Sequence[PairSet],
    trained: Sequence[PairSet],
    options: FitOptions,
    names: Sequence[str],
    fold_seed: int = 0,
) -> None:
    """How far the fit at :data:`STOP_TOL` (every shipped file's) is from the fit at
    ``options.tol``: for the in-sample fit and each CV fold of ``fold_seed``, both fits'
    objectives (:func:`objective`, the smaller the nearer the optimum) and iterations, the
    largest move of a weight (standardised inputs: log-odds per standard deviation) and of
    the bias, both thresholds, and the target pairs the two decide differently."""
    stopped = dataclasses.replace(options, tol=STOP_TOL)
    folds = fold_of(sets, fold_seed)
    runs = [("in sample", [np.ones(len(s.gold), dtype=bool) for s in trained])]
    runs += [
        (f"fold {f} of seed {fold_seed}", [~_in_fold(s, folds, f) for s in trained])
        for f in sorted(set(folds.values()))
    ]
    print(f"fit at tol {STOP_TOL:g} against tol {options.tol:g} (C {options.c})")
    for label, masks in runs:
        a, b = stopped.fit(trained, masks), options.fit(trained, masks)
        moved = sum(
            int(
                (
                    (a.predict(s.x, s.factor) >= a.threshold)
                    != (b.predict(s.x, s.factor) >= b.threshold)
                ).sum()
            )
            for s in sets
            if not s.augment
        )
        k = int(np.argmax(np.abs(a.weights - b.weights)))
        print(
            f"{label}: objective {a.objective:.4f} ({a.iterations} iterations) -> "
            f"{b.objective:.4f} ({b.iterations}), {a.objective - b.objective:+.4f}; largest "
            f"weight move {abs(a.weights[k] - b.weights[k]):.4f} ({names[k]}), bias "
            f"{a.bias:+.4f} -> {b.bias:+.4f}, threshold {a.threshold:.2f} -> "
            f"{b.threshold:.2f}; target pairs decided otherwise {moved}"
        )


def cross_validate(
    sets: Sequence[PairSet],
    trained: Sequence[PairSet],
    options: FitOptions,
    fold_seed: int = 0,
    held_thresholds: Sequence[float] | None = None,
) -> tuple[Decisions, Decisions, Decisions, list[float]]:
    """5-fold CV over topics: each pair of ``sets`` decided by the model fitted on the
    ``trained`` sets without its topic's fold. Returns the decisions (a copy is linked
    whatever the model says, as :func:`samestory.pair_model.decide` does), the held-out
    probabilities, each pair's fold threshold, and the folds' thresholds.

    ``held_thresholds`` (``--hold-thresholds``; another fit's fourth return on the same
    ``fold_seed``): fold ``k`` is decided at ``held_thresholds[k]`` instead of its own
    fit's threshold, so a new input is judged by how it ranks the pairs at the base
    fit's operating point (docs/history/accuracy.md, 2026-12-06 08:38, compare: what
    added MEANTIME's false links was a fold threshold that moved, not the ranking)."""
    folds = fold_of(sets, fold_seed)
    order = sorted(set(folds.values()))
    if held_thresholds is not None and len(held_thresholds) != len(order):
        raise ValueError(f"{len(held_thresholds)} held thresholds for {len(order)} folds")
    cv = {s.name: np.zeros(len(s.gold), dtype=bool) for s in sets}
    cv_p = {s.name: np.zeros(len(s.gold)) for s in sets}  # held-out probability
    cv_t = {s.name: np.zeros(len(s.gold)) for s in sets}  # its fold's threshold
    thresholds = []
    for k, f in enumerate(order):
        masks = [~_in_fold(s, folds, f) for s in trained]
        fold_model = options.fit(trained, masks)
        threshold = fold_model.threshold if held_thresholds is None else held_thresholds[k]
        thresholds.append(threshold)
        for s in sets:
            held = np.array([folds[t] == f for t in s.topics])
            if held.any():
                cv_p[s.name][held] = fold_model.predict(s.x[held], s.factor[held])
                cv_t[s.name][held] = threshold
                cv[s.name][held] = cv_p[s.name][held] >= threshold
    for s in sets:  # compare keeps a copy whatever the model says (pair_model.decide)
        cv[s.name] |= s.copy
    return cv, cv_p, cv_t, thresholds


def target_figures(sets: Sequence[PairSet], decided: Decisions) -> dict[str, tuple[float, float]]:
    """Precision and recall of each target set's decisions, GVA's with its follow-ups
    linked (its target row)."""
    out = {}
    for s in sets:
        if s.augment:
            continue
        d = decided[s.name] | (s.threaded if _incidents(s) else False)
        out[s.name] = precision_recall(s.gold, d, s.weight)
    return out


def false_links(sets: Sequence[PairSet], decided: Decisions) -> dict[str, float]:
    """Each target set's weighted false links (a sampled negative weighs its sampling
    weight, as in its precision), GVA's with its follow-ups linked: the count the
    judge sums over splits (docs/history/accuracy.md, 2026-12-06 08:38, compare: a median
    over splits passed a candidate whose sum was worse, MEANTIME 477 -> 495)."""
    out = {}
    for s in sets:
        if not s.augment:
            d = decided[s.name] | (s.threaded if _incidents(s) else False)
            out[s.name] = float(s.weight[d & ~s.gold].sum())
    return out


def target_ratio(p: float, r: float) -> float:
    """``min(P / 0.9, R / 0.8)``: at least 1 when the target is met."""
    return min(p / TARGET[0], r / TARGET[1])


OFFSETS = np.round(np.linspace(-0.2, 0.2, 401), 4)  # moves of every fold's threshold


def recall_at_precision(
    s: PairSet, cv_p: np.ndarray, cv_t: np.ndarray, precision: float = TARGET[0]
) -> tuple[float, float]:
    """The operating point of the CV curve: the highest recall of ``s`` (GVA's with its
    follow-ups linked, copies linked) at precision ``>= precision`` when every fold's
    threshold moves by one offset ``δ`` (``cv_p >= cv_t + δ``), and that ``δ`` (NaN,
    recall 0 when no offset reaches the precision). How far the model is from the target
    in recall at P = 0.9, threshold rule aside."""
    best = (0.0, math.nan)
    extra = s.copy | (s.threaded if _incidents(s) else False)
    for delta in OFFSETS:
        p, r = precision_recall(s.gold, (cv_p >= cv_t + delta) | extra, s.weight)
        if p >= precision and r > best[0]:
            best = (r, float(delta))
    return best


def target_offsets(s: PairSet, cv_p: np.ndarray, cv_t: np.ndarray) -> np.ndarray:
    """The offsets ``δ`` of :data:`OFFSETS` at which ``s`` meets the target under CV (P >=
    0.9 and R >= 0.8, GVA's with its follow-ups linked, copies linked) when every fold's
    threshold moves by ``δ``: where a shared threshold could put the set."""
    extra = s.copy | (s.threaded if _incidents(s) else False)
    meets = [
        target_ratio(*precision_recall(s.gold, (cv_p >= cv_t + delta) | extra, s.weight)) >= 1.0
        for delta in OFFSETS
    ]
    return OFFSETS[np.array(meets, dtype=bool)]


def _span(offsets: np.ndarray) -> str:
    return f"{offsets.min():+.3f}..{offsets.max():+.3f}" if len(offsets) else "none"


def print_operating_points(
    sets: Sequence[PairSet], cv_p: dict[str, np.ndarray], cv_t: dict[str, np.ndarray]
) -> None:
    """Each target set's recall at P >= 0.9 under CV (:func:`recall_at_precision`), and the
    offsets of the fold thresholds at which each set, and every set at once, meets the
    target (:func:`target_offsets`): when the sets' offsets do not overlap, no threshold
    rule can meet the target on all of them with these probabilities."""
    cells, windows, common = [], [], set(OFFSETS.tolist())
    for s in sets:
        if not s.augment:
            r, delta = recall_at_precision(s, cv_p[s.name], cv_t[s.name])
            cells.append(f"{s.name} {r:.4f} (fold thresholds {delta:+.3f})")
            offsets = target_offsets(s, cv_p[s.name], cv_t[s.name])
            windows.append(f"{s.name} {_span(offsets)}")
            common &= set(offsets.tolist())
    print("CV recall at precision >= 0.9: " + ", ".join(cells))
    print(
        "fold-threshold offsets meeting the target: "
        + ", ".join(windows)
        + f"; every target set: {_span(np.array(sorted(common)))}"
    )


BOOTSTRAP = 2000  # topic resamples (docs/history/accuracy.md 2026-12-05 04:55: the judging rule)
LARGE_TOPIC = 0.10  # a topic holding this share of a set's weight gets its own figures


@dataclass(frozen=True)
class TopicTable:
    """A target set's held-out counts by topic and fold-threshold offset (:data:`OFFSETS`):
    weighted true and false links, and positives, GVA's follow-ups and copies linked as
    :func:`recall_at_precision` links them. Sums over topics give the set's figures."""

    topics: tuple[str, ...]
    tp: np.ndarray  # topics x offsets
    fp: np.ndarray  # topics x offsets
    positives: np.ndarray  # topics
    weight: np.ndarray  # topics: the topic's share of the set's weight


def topic_table(s: PairSet, cv_p: np.ndarray, cv_t: np.ndarray) -> TopicTable:
    extra = s.copy | (s.threaded if _incidents(s) else False)
    topics = tuple(sorted(set(s.topics.tolist())))
    tp, fp, pos, weight = [], [], [], []
    for t in topics:
        k = s.topics == t
        linked = (cv_p[k][:, None] >= cv_t[k][:, None] + OFFSETS[None, :]) | extra[k][:, None]
        w, gold = s.weight[k][:, None], s.gold[k][:, None]
        tp.append((w * (linked & gold)).sum(axis=0))
        fp.append((w * (linked & ~gold)).sum(axis=0))
        pos.append(float((s.weight[k] * s.gold[k]).sum()))
        weight.append(float(s.weight[k].sum()))
    total = sum(weight)
    return TopicTable(topics, np.array(tp), np.array(fp), np.array(pos), np.array(weight) / total)


def table_figures(
    tp: np.ndarray, fp: np.ndarray, positives: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """P and R at the fold thresholds and the recall at P >= 0.9 (over the offsets) of
    pooled counts: rows of ``tp``, ``fp`` (resamples x offsets) and ``positives``."""
    zero = int(np.flatnonzero(OFFSETS == 0.0)[0])
    with np.errstate(invalid="ignore", divide="ignore"):
        p = tp / (tp + fp)
        r = tp / positives[:, None]
    at_precision = np.where(np.nan_to_num(p) >= TARGET[0], r, 0.0).max(axis=1)
    return p[:, zero], r[:, zero], at_precision


def topic_bootstrap(table: TopicTable, seed: int = 0) -> tuple[np.ndarray, ...]:
    """Each resample's P and R at the fold thresholds and recall at P >= 0.9: the set's
    topics drawn with replacement (:data:`BOOTSTRAP` times; the same draws for every table
    of a set's topics and seed, so two models' resamples pair)."""
    n = len(table.topics)
    counts = np.random.RandomState(seed).multinomial(n, [1.0 / n] * n, size=BOOTSTRAP)
    return table_figures(counts @ table.tp, counts @ table.fp, counts @ table.positives)


def _interval(values: np.ndarray) -> str:
    low, high = np.nanpercentile(values, [5, 95])
    return f"{low:.3f}..{high:.3f}"


def print_topic_intervals(
    sets: Sequence[PairSet],
    cv_p: dict[str, np.ndarray],
    cv_t: dict[str, np.ndarray],
    against: dict[str, TopicTable] | None = None,
) -> dict[str, TopicTable]:
    """Each target set's topic-bootstrap 90% intervals of P / R at the fold thresholds and
    of the recall at P >= 0.9, and the held-out P / R of each topic holding
    :data:`LARGE_TOPIC` of its weight; with ``against`` (another model's tables), the
    paired interval of the difference in recall at P >= 0.9. Returns the tables."""
    tables = {}
    for s in sets:
        if s.augment:
            continue
        table = tables[s.name] = topic_table(s, cv_p[s.name], cv_t[s.name])
        p, r, at_precision = topic_bootstrap(table)
        line = (
            f"{s.name}: topic bootstrap 90% P {_interval(p)} R {_interval(r)} "
            f"R@P.9 {_interval(at_precision)}"
        )
        if against is not None and s.name in against:
            base = topic_bootstrap(against[s.name])[2]
            line += f"; R@P.9 minus the logistic's {_interval(at_precision - base)}"
        zero = OFFSETS == 0.0
        large = [
            f"{t} ({share:.0%}) {tp / (tp + fp) if tp + fp else math.nan:.3f} / {tp / pos:.3f}"
            for t, share, tp, fp, pos in zip(
                table.topics,
                table.weight,
                table.tp[:, zero][:, 0],
                table.fp[:, zero][:, 0],
                table.positives,
                strict=True,
            )
            if share >= LARGE_TOPIC and pos
        ]
        print(line + "; topics P / R: " + ", ".join(large))
    return tables


@dataclass(frozen=True)
class Split:
    """One fold seed's CV: each target set's ``(P, R)`` at the fold thresholds, recall at
    P >= 0.9 and weighted false links (:func:`false_links`), and the folds' thresholds
    (what ``--hold-thresholds`` hands a candidate on the same seed)."""

    figures: dict[str, tuple[float, float, float, float]]
    thresholds: tuple[float, ...]
    # "<set> <part>" -> (P, R, false links, links) of a set's same- and cross-language
    # pairs at the fold thresholds (:func:`language_parts`, :func:`part_figures`)
    parts: dict[str, tuple[float, float, float, float]] = dataclasses.field(default_factory=dict)


def split_figures(
    sets: Sequence[PairSet],
    trained: Sequence[PairSet],
    options: FitOptions,
    fold_seed: int,
    held_thresholds: Sequence[float] | None = None,
) -> Split:
    """The CV of the topics' deal ``fold_seed`` (``held_thresholds``: as
    :func:`cross_validate`'s)."""
    cv, cv_p, cv_t, thresholds = cross_validate(sets, trained, options, fold_seed, held_thresholds)
    figures, wrong = target_figures(sets, cv), false_links(sets, cv)
    return Split(
        {
            s.name: (
                *figures[s.name],
                recall_at_precision(s, cv_p[s.name], cv_t[s.name])[0],
                wrong[s.name],
            )
            for s in sets
            if not s.augment
        },
        tuple(thresholds),
        {
            f"{s.name} {part}": part_figures(s, cv[s.name], mask)
            for s in sets
            for part, mask in language_parts(s).items()
        },
    )


def print_splits(
    sets: Sequence[PairSet],
    trained: Sequence[PairSet],
    options: FitOptions,
    base: FitOptions,
    seeds: int | Sequence[int],
    held_thresholds: Sequence[Sequence[float]] | None = None,
) -> list[Split]:
    """The CV figures of ``options`` on the fold seeds ``seeds`` (a number ``N``: ``0..N-1``;
    ``--fold-seeds-from``: others): a line a split (each
    target set's P / R, R@P.9 and weighted false links, whether every set meets the
    target), then each figure's median over the splits, the false links' sum beside
    their median and the number of splits meeting the target; when ``options``
    is not ``base`` (the logistic fit of the same options), the split-by-split difference
    in R@P.9 from ``base``'s (its median and the splits where it is > 0).
    ``held_thresholds``: a seed's fold thresholds, by seed (``--hold-thresholds``).
    Returns the splits."""
    deals = _seeds(seeds)
    count = len(deals)
    holds = held_thresholds or [None] * count
    runs = [split_figures(sets, trained, options, k, h) for k, h in zip(deals, holds, strict=True)]
    paired = options != base
    bases = [split_figures(sets, trained, base, k) for k in deals] if paired else []
    for k, run in zip(deals, runs, strict=True):
        met = all(target_ratio(p, r) >= 1.0 for p, r, _, _ in run.figures.values())
        cells = "   ".join(
            f"{name.split('_')[0]} {p:.4f} / {r:.4f} R@P.9 {at:.4f} false links {wrong:.1f}"
            for name, (p, r, at, wrong) in run.figures.items()
        )
        print(f"fold seed {k}: {cells}   target met: {met}")
        if run.parts:
            print("  by language: " + "; ".join(_part_cell(n, f) for n, f in run.parts.items()))
    for name in runs[0].parts:
        p, r, wrong, links = (np.median([run.parts[name][i] for run in runs]) for i in range(4))
        total = sum(run.parts[name][2] for run in runs)
        print(
            f"median over {count} splits {name}: P {p:.4f} / R {r:.4f}, false links median "
            f"{wrong:.1f}, sum {total:.1f}; links median {links:.1f}"
        )
    for name in runs[0].figures:
        p, r, at, wrong = (np.median([run.figures[name][i] for run in runs]) for i in range(4))
        total = sum(run.figures[name][3] for run in runs)
        met = sum(target_ratio(*run.figures[name][:2]) >= 1.0 for run in runs)
        line = (
            f"median over {count} splits {name}: {p:.4f} / {r:.4f} R@P.9 {at:.4f}, met on "
            f"{met}; false links median {wrong:.1f}, sum {total:.1f}"
        )
        if paired:
            gains = [
                run.figures[name][2] - b.figures[name][2]
                for run, b in zip(runs, bases, strict=True)
            ]
            line += (
                f"; R@P.9 minus the base fit's median {np.median(gains):+.4f}, "
                f"> 0 on {sum(g > 0 for g in gains)}"
            )
        print(line)
    return runs


ArticlePairs = dict[str, list[tuple[DocFeatures, DocFeatures]]]
Candidate = Callable[[DocFeatures, DocFeatures], float]


def article_pairs(sample: Callable[..., list[PairSet]]) -> ArticlePairs:
    """The two articles of every pair that ``sample`` (:func:`measure_sets` with the run's
    sampling arguments, ``measure_fn`` left open) measures, set by set in its order: the
    same sampling, nothing measured."""
    kept: ArticlePairs = {}

    def collect(
        name: str, pairs: Sequence[tuple], weight: object, cross: bool, augment: bool = False
    ) -> PairSet:
        kept[name] = [(a, b) for a, b, *_ in pairs]
        empty = np.zeros(0)
        return PairSet(name, empty, empty, empty, empty, empty, empty, empty, empty, empty, empty)

    sample(measure_fn=collect)
    return kept


def load_inputs(path: Path) -> dict[str, Candidate]:
    """``INPUTS`` of the Python file ``path`` (``--screen``): name -> function(a, b)."""
    inputs = runpy.run_path(str(path)).get("INPUTS")
    if not isinstance(inputs, dict) or not all(callable(f) for f in inputs.values()):
        raise SystemExit(f"{path}: defines no INPUTS dict of name -> function(a, b)")
    return inputs


def load_replaces(path: Path) -> dict[str, str]:
    """``REPLACES`` of the Python file ``path`` (``--screen``; optional): a candidate's
    name -> the input it replaces (dropped from that candidate's rows) instead of joining."""
    replaces = runpy.run_path(str(path)).get("REPLACES", {})
    if not isinstance(replaces, dict):
        raise SystemExit(f"{path}: REPLACES is not a dict of candidate -> input name")
    return replaces


def _with_candidate(
    sets: Sequence[PairSet],
    pairs: ArticlePairs,
    function: Candidate | None,
    replaced: int | None = None,
) -> list[PairSet]:
    """The sets with ``function``'s column appended (none: the sets as they are) and the
    input at index ``replaced`` dropped."""
    extended = []
    for s in sets:
        t = dataclasses.replace(s)
        if function is not None:
            column = np.array([function(a, b) for a, b in pairs[s.name]], dtype=np.float64)
            x = s.x if replaced is None else np.delete(s.x, replaced, axis=1)
            t.x = np.column_stack([x, column])
        extended.append(t)
    return extended


def _check_pairs(sets: Sequence[PairSet], pairs: ArticlePairs) -> None:
    """The regenerated articles are the measured pairs'."""
    for s in sets:
        ids = [(a.id, b.id) for a, b in pairs[s.name]]
        if ids != [tuple(v) for v in s.ids]:
            raise SystemExit(f"{s.name}: the regenerated pairs are not the measured ones")


# name, each target set's CV (P, R), the candidate's weight, each target set's CV recall at
# P >= 0.9 (recall_at_precision: the ranking, fold thresholds aside) and weighted false
# links at the fold thresholds (false_links).
ScreenRow = tuple[str, dict[str, tuple[float, float]], float, dict[str, float], dict[str, float]]


def screen(
    sets: Sequence[PairSet],
    train: Sequence[str],
    options: FitOptions,
    pairs: ArticlePairs,
    candidates: dict[str, Candidate],
    fold_seed: int = 0,
    replaced: dict[str, int] | None = None,
    differences: list[dict] | None = None,
    hold: bool = False,
    by_topic: bool = False,
    offset: bool = False,
) -> list[ScreenRow]:
    """The CV figures of the model on the sets' inputs (the first row, "base") and of
    each candidate input added to them, every fit on the same measured pairs: rows of the
    name, each target set's ``(P, R)``, the candidate's weight in the in-sample fit (a
    standard deviation's worth of log-odds; 0 for the base) and each target set's CV
    recall at precision >= 0.9 (:func:`recall_at_precision`): a candidate can move the
    ranking while the fold thresholds hide it, or the reverse. ``replaced``: a
    candidate's name -> the index of the input it replaces. ``differences``: a list that
    gets the target pairs each candidate decides otherwise than the base
    (:func:`decided_otherwise`). ``hold`` (``--hold-thresholds``): each candidate's fold
    decided at the base's threshold for it. ``by_topic``: each target set's false links
    and misses by topic, the base's against each candidate's, each at its own R@P.9
    point (:func:`topic_errors`). ``offset`` (``--offset-fit``): each candidate's weight
    fitted on top of the base's fit of the fold (:func:`fit_offset`: the base's weights,
    bias and threshold kept; its weight is then raw, not per standard deviation)."""
    _check_pairs(sets, pairs)
    if offset and replaced:
        raise SystemExit("--offset-fit adds an input on top of the base: no REPLACES")
    on_top = dataclasses.replace(options, offset=1) if offset else options
    rows: list[ScreenRow] = []
    base_cv: Decisions = {}
    base_p: Decisions = {}
    base_t: Decisions = {}
    held: list[float] | None = None
    for name, function in [("base", None), *candidates.items()]:
        extended = _with_candidate(sets, pairs, function, (replaced or {}).get(name))
        trained = [s for s in extended if s.name.split(":")[0] in train]
        fitting = options if function is None else on_top
        cv, cv_p, cv_t, thresholds = cross_validate(extended, trained, fitting, fold_seed, held)
        if function is None:
            base_cv, base_p, base_t = cv, cv_p, cv_t
            held = thresholds if hold else None
        else:
            if differences is not None:
                differences += decided_otherwise(extended, pairs, base_cv, cv, cv_p, cv_t, name)
            if by_topic:
                for s in extended:
                    if not s.augment:
                        base_side = (base_p[s.name], base_t[s.name])
                        errors = topic_errors(s, base_side, (cv_p[s.name], cv_t[s.name]))
                        print_topic_errors(errors, f"{s.name}, {name}", ("base", name))
        model = fitting.fit(trained, [np.ones(len(s.gold), dtype=bool) for s in trained])
        weight = float(model.weights[-1]) if function is not None else 0.0
        at_precision = {
            s.name: recall_at_precision(s, cv_p[s.name], cv_t[s.name])[0]
            for s in extended
            if not s.augment
        }
        rows.append(
            (name, target_figures(extended, cv), weight, at_precision, false_links(extended, cv))
        )
    return rows


def screen_differences(
    sets: Sequence[PairSet],
    train: Sequence[str],
    options: FitOptions,
    pairs: ArticlePairs,
    candidates: dict[str, Candidate],
    seeds: Sequence[int],
    replaced: dict[str, int] | None = None,
    hold: bool = False,
    by_topic: bool = False,
    offset: bool = False,
) -> list[dict]:
    """:func:`screen` on each fold seed of ``seeds`` (its rows printed under the seed), and
    the target pairs each candidate decides otherwise than the base there
    (:func:`decided_otherwise`, each row with its ``fold_seed``); ``hold``, ``by_topic``,
    ``offset``: as :func:`screen`'s."""
    out: list[dict] = []
    for seed in seeds:
        found: list[dict] = []
        print(f"fold seed {seed}:")
        rows = screen(
            sets, train, options, pairs, candidates, seed, replaced, found, hold, by_topic, offset
        )
        print_screen(rows)
        out += [{"fold_seed": seed, **row} for row in found]
    return out


def decided_otherwise(
    sets: Sequence[PairSet],
    pairs: ArticlePairs,
    base: Decisions,
    cv: Decisions,
    cv_p: Decisions,
    cv_t: Decisions,
    name: str,
) -> list[dict]:
    """The target pairs that candidate ``name`` (the last column of ``sets``' inputs)
    decides otherwise under CV than the base (both at their fold thresholds; GVA's
    follow-ups linked either way, so they never differ): the set, both ids and topics,
    gold, the base's and the candidate's decision, the candidate's held-out probability
    and fold threshold, the pair's weight and the candidate's value. A pair-by-pair
    trace of what a screened input wins and loses (``--screen-differences``)."""
    rows = []
    for s in sets:
        if s.augment:
            continue
        extra = s.threaded if _incidents(s) else np.zeros(len(s.gold), dtype=bool)
        for k in np.flatnonzero((base[s.name] | extra) != (cv[s.name] | extra)):
            a, b = pairs[s.name][k]
            rows.append(
                {
                    "candidate": name,
                    "set": s.name,
                    "ids": [a.id, b.id],
                    "topics": [str(s.topics[k]), str(s.topics_b[k])],
                    "gold": bool(s.gold[k]),
                    "base": bool(base[s.name][k]),
                    "candidate_links": bool(cv[s.name][k]),
                    "p": round(float(cv_p[s.name][k]), 4),
                    "threshold": float(cv_t[s.name][k]),
                    "weight": float(s.weight[k]),
                    "value": float(s.x[k, -1]),
                }
            )
    return rows


TopicErrors = tuple[str, int, int, int, int, int]


def linked_at_precision(s: PairSet, p: np.ndarray, t: np.ndarray) -> np.ndarray:
    """The pairs of ``s`` linked at its own :func:`recall_at_precision` point of the
    probabilities ``p`` and thresholds ``t`` (copies and, on GVA, follow-ups linked)."""
    delta = recall_at_precision(s, p, t)[1]
    extra = s.copy | (s.threaded if _incidents(s) else False)
    return np.asarray((p >= t + (0.0 if math.isnan(delta) else delta)) | extra)


def error_classes(
    s: PairSet,
    in_sample: tuple[np.ndarray, np.ndarray],
    held_out: tuple[np.ndarray, np.ndarray],
) -> dict[str, np.ndarray]:
    """The pairs of ``s`` by how the in-sample and the held-out fits decide them, each at
    its own :func:`recall_at_precision` point: a positive missed only held out lost its
    link to the weights its own topic taught (variance), one missed both ways has no
    evidence the model reads (bias)."""
    linked_in, linked_out = (linked_at_precision(s, p, t) for p, t in (in_sample, held_out))
    return {
        "linked both": s.gold & linked_in & linked_out,
        "missed held out only": s.gold & linked_in & ~linked_out,
        "missed both": s.gold & ~linked_in & ~linked_out,
        "false link held out": ~s.gold & linked_out,
        "true negative held out": ~s.gold & ~linked_out,
    }


def print_error_classes(s: PairSet, classes: dict[str, np.ndarray], names: Sequence[str]) -> None:
    """Each class of :func:`error_classes`: its pairs, then every input's weighted mean by
    class (what a class's pairs have, as evidence, that the others have not)."""
    print(f"{s.name} by class (in sample / held out, each at its R@P.9 point):")
    print(f"  {'input':<36}" + "".join(f"{k:>24}" for k in classes))
    print(f"  {'pairs':<36}" + "".join(f"{int(m.sum()):>24}" for m in classes.values()))
    for k, name in enumerate(names):
        means = [
            float(np.average(s.x[m, k], weights=s.weight[m])) if m.any() else math.nan
            for m in classes.values()
        ]
        print(f"  {name:<36}" + "".join(f"{v:>24.3f}" for v in means))


def topic_errors(
    s: PairSet,
    in_sample: tuple[np.ndarray, np.ndarray],
    held_out: tuple[np.ndarray, np.ndarray],
) -> list[TopicErrors]:
    """For each topic of ``s``: its false links and misses in sample and held out (pairs,
    each side at its own :func:`recall_at_precision` offset, so thresholds aside), and its
    positives; sorted by how many more errors it makes held out. A topic's false links in
    sample too are bias (no input separates them); errors only held out are variance."""
    decided = [linked_at_precision(s, p, t) for p, t in (in_sample, held_out)]
    rows = []
    for topic in sorted(set(s.topics)):
        m = s.topics == topic
        fp = [int((d & ~s.gold & m).sum()) for d in decided]
        fn = [int((~d & s.gold & m).sum()) for d in decided]
        rows.append((str(topic), fp[0], fp[1], fn[0], fn[1], int((s.gold & m).sum())))
    return sorted(rows, key=lambda r: (r[1] + r[3]) - (r[2] + r[4]))


def print_topic_errors(
    rows: Sequence[TopicErrors], name: str, sides: tuple[str, str] = ("in sample", "held out")
) -> None:
    """:func:`topic_errors` as a table, with the totals; ``sides`` names its two columns
    (``--screen --by-topic``: the base and a candidate, both held out)."""
    first, second = sides
    print(
        f"{name} by topic: false links {first} / {second}, misses {first} / {second} "
        "(pairs, each side at its own R@P.9 point)"
    )
    for topic, *counts in rows:
        if any(counts[:4]):
            print(f"  {topic:<40} {counts[0]:>5} {counts[1]:>5}   {counts[2]:>5} {counts[3]:>5}")
    totals = np.array([r[1:5] for r in rows]).sum(axis=0)
    print(f"  {'total':<40} {totals[0]:>5} {totals[1]:>5}   {totals[2]:>5} {totals[3]:>5}")


def _seeds(seeds: int | Sequence[int]) -> list[int]:
    return list(range(seeds)) if isinstance(seeds, int) else list(seeds)


def screen_splits(
    sets: Sequence[PairSet],
    train: Sequence[str],
    options: FitOptions,
    pairs: ArticlePairs,
    candidates: dict[str, Candidate],
    seeds: int | Sequence[int],
    replaced: dict[str, int] | None = None,
    hold: bool = False,
    offset: bool = False,
) -> None:
    """:func:`screen` over the fold seeds ``seeds`` (:func:`print_splits`): the base's split figures
    (:func:`print_splits`), then for each candidate its split figures, medians, splits
    meeting the target, and its split-by-split difference from the base in each target
    set's R@P.9, CV precision and weighted false links (median, and on how many splits
    > 0), with the false links' sum beside: the judging rule of docs/history/accuracy.md
    2026-12-05 07:14, summed as 2026-12-06 11:30 (compare) says. ``hold``
    (``--hold-thresholds``): each candidate's fold is decided at the base's threshold
    for that fold and seed. ``offset``: as :func:`screen`'s (the base's thresholds are
    then the candidate's own)."""
    _check_pairs(sets, pairs)
    if offset and replaced:
        raise SystemExit("--offset-fit adds an input on top of the base: no REPLACES")
    on_top = dataclasses.replace(options, offset=1) if offset else options
    trained = [s for s in sets if s.name.split(":")[0] in train]
    print("base:")
    base = print_splits(sets, trained, options, options, seeds)
    held = [b.thresholds for b in base] if hold else None
    for name, function in candidates.items():
        extended = _with_candidate(sets, pairs, function, (replaced or {}).get(name))
        kind = " (fitted on top of the base)" if offset else ""
        kind += " (the base's fold thresholds held)" if hold else ""
        print(f"{name}{kind}:")
        trained = [s for s in extended if s.name.split(":")[0] in train]
        runs = print_splits(extended, trained, on_top, on_top, seeds, held)
        for target in runs[0].figures:
            cells = []
            for i, label in ((2, "R@P.9"), (0, "P"), (3, "false links")):
                gains = [
                    run.figures[target][i] - b.figures[target][i]
                    for run, b in zip(runs, base, strict=True)
                ]
                cells.append(
                    f"{label} {np.median(gains):+.4f} (> 0 on {sum(g > 0 for g in gains)}, "
                    f"< 0 on {sum(g < 0 for g in gains)})"
                )
            print(
                f"  {name} minus base, {target}: " + ", ".join(cells) + f"; false links sum "
                f"{sum(b.figures[target][3] for b in base):.1f} -> "
                f"{sum(run.figures[target][3] for run in runs):.1f}"
            )
        for part in runs[0].parts:
            gains = [
                run.parts[part][2] - b.parts[part][2] for run, b in zip(runs, base, strict=True)
            ]
            print(
                f"  {name} minus base, {part}: false links {np.median(gains):+.1f} (> 0 on "
                f"{sum(g > 0 for g in gains)}, < 0 on {sum(g < 0 for g in gains)}); sum "
                f"{sum(b.parts[part][2] for b in base):.1f} -> "
                f"{sum(run.parts[part][2] for run in runs):.1f}"
            )


def with_inputs(
    sets: Sequence[PairSet], pairs: ArticlePairs, inputs: dict[str, Candidate]
) -> list[PairSet]:
    """The sets with ``inputs``' columns appended, in order (``--screen-with``)."""
    out = []
    for s in sets:
        columns = [[f(a, b) for a, b in pairs[s.name]] for f in inputs.values()]
        t = dataclasses.replace(s)
        t.x = np.column_stack([s.x, *(np.array(c, dtype=np.float64) for c in columns)])
        out.append(t)
    return out


def print_screen(rows: Sequence[ScreenRow]) -> None:
    """The screen's rows, each set's ``P / R`` and ``min(P / 0.9, R / 0.8)`` against the
    base row's (``+``: better, ``-``: worse, ``=``: equal to four places), the weight and
    each target set's CV recall at P >= 0.9 (``R@P.9``) and weighted false links."""
    base = rows[0][1]
    for name, figures, weight, at_precision, wrong in rows:
        cells = []
        for s, (p, r) in figures.items():
            ratio, was = target_ratio(p, r), target_ratio(*base[s])
            mark = "=" if round(ratio, 4) == round(was, 4) else "+" if ratio > was else "-"
            cells.append(f"{s.split('_')[0]} {p:.4f} / {r:.4f} {mark}")
        recalls = ", ".join(f"{r:.4f}" for r in at_precision.values())
        links = ", ".join(f"{v:.1f}" for v in wrong.values())
        print(
            f"{name:<32} "
            + "   ".join(cells)
            + f"   weight {weight:+.3f}   R@P.9 {recalls}   false links {links}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--cache", type=Path, default=Path("/tmp/samestory-pairs"))
    parser.add_argument("--train", default=",".join(SETS), help="sets the model is fitted on")
    parser.add_argument("--C", type=float, default=0.1, help="inverse L2 penalty")
    parser.add_argument("--rule", choices=("f1", "target"), default="f1")
    parser.add_argument("--max-pairs", type=int, default=20_000)
    parser.add_argument("--no-cross-lingual", action="store_true")
    parser.add_argument(
        "--drop",
        default="rarest_shared_name,rarest_shared_non_place",
        help="inputs left out, by name ('' for none; names: see input_names)",
    )
    parser.add_argument(
        "--gate", action="store_true", help="the model's probability times the date factor"
    )
    parser.add_argument("--encoder", choices=("use", "static"), default="use")
    parser.add_argument(
        "--short-forms",
        default="",
        help=f"short forms whose pairs join the fit ({','.join(SHORT_FORMS)}; '' for none)",
    )
    parser.add_argument("--short-pairs", type=int, default=2000, help="per set and form")
    parser.add_argument(
        "--unrelated", type=int, default=0, help="unrelated short pairs per set and form"
    )
    parser.add_argument(
        "--augment-weight",
        type=float,
        default=0.5,
        help="weight of each augmenting set (short pairs, unrelated pairs) against a dev set's",
    )
    parser.add_argument(
        "--set-weights",
        default="",
        help="a dev set's weight (and its augmenting sets') against the others', e.g. "
        "ecbplus_dev=2 (default 1 each)",
    )
    parser.add_argument(
        "--seed",
        type=int,
        default=0,
        help="seed of the short and unrelated pairs' samples (another seed: the spread of "
        "the figures over samples)",
    )
    parser.add_argument(
        "--fold-seed",
        type=int,
        default=0,
        help="seed of the topics' deal into the 5 CV folds (0: the split of every run "
        "before 2026-12-05 05:30; --seed varies only the short and unrelated samples); "
        f"{ONE_TOPIC}: leave one topic out (a fold a topic, no random deal)",
    )
    parser.add_argument(
        "--fold-seeds",
        type=int,
        default=0,
        help="instead of one fit: the CV figures on fold seeds 0..N-1, split by split, "
        "their medians and (another --learner) the paired difference from the logistic "
        "model's (docs/history/accuracy.md 2026-12-05 compare: the split moves the figures most)",
    )
    parser.add_argument(
        "--fold-seeds-from",
        type=int,
        default=0,
        help="with --fold-seeds N: the fold seeds K..K+N-1 instead of 0..N-1 (a choice made "
        "on other splits than the ones that judge it)",
    )
    parser.add_argument(
        "--tol",
        type=float,
        default=STOP_TOL,
        help=f"the logistic fit's gradient tolerance (default {STOP_TOL:g}, scikit-learn's, "
        f"as every shipped file; {CONVERGED_TOL:g}: to the optimum); a fit stopped by its "
        "iteration limit fails (NotConverged)",
    )
    parser.add_argument(
        "--convergence",
        action="store_true",
        help=f"print how far the fit at tol {STOP_TOL:g} is from the fit at --tol (objective, "
        "iterations, weights, threshold, decisions), in sample and in each CV fold of "
        "--fold-seed; nothing else",
    )
    parser.add_argument(
        "--cv-errors",
        type=Path,
        default=None,
        help="write the target sets' wrong decisions under CV to FILE (JSON lines: ids, "
        "gold, held-out probability, its fold's threshold, the inputs)",
    )
    parser.add_argument(
        "--screen",
        type=Path,
        default=None,
        help="screen candidate inputs instead of fitting: FILE.py defines INPUTS, a dict of "
        "name -> function(a, b) -> float over two DocFeatures; prints the CV figures of the "
        "shipped inputs and of each candidate added to them (or, named in the file's "
        "REPLACES dict, instead of the input it names), on the same pairs (writes nothing); "
        "with --fold-seeds, on each split, with each candidate's differences from the base",
    )
    parser.add_argument(
        "--screen-differences",
        type=Path,
        default=None,
        help="with --screen: write the target pairs each candidate decides otherwise than the "
        "base under CV to FILE (JSON lines: fold seed, candidate, ids, topics, gold, both "
        "decisions, the candidate's probability, threshold and value), on --fold-seed or on "
        "each of --fold-seeds (each seed's screen rows printed instead of the split table)",
    )
    parser.add_argument(
        "--screen-with",
        type=Path,
        default=None,
        help="FILE.py's INPUTS (as --screen's) join the shipped inputs: with --screen in "
        "every row, the base too (candidates screened on top of inputs not yet shipped); "
        "without, in every fit of the run (its CV figures, --fold-seeds' splits; no --write)",
    )
    parser.add_argument(
        "--hold-thresholds",
        action="store_true",
        help="with --screen: each candidate's CV fold is decided at the threshold the base "
        "row's fit chose for that fold (same fold seed), so a candidate is judged by how it "
        "ranks pairs at the base's operating point, its weights refitted, its threshold not",
    )
    parser.add_argument(
        "--offset-fit",
        action="store_true",
        help="with --screen: each candidate's weight is fitted on top of the base's fit of "
        "the same pairs (the base's log-odds an offset; its weights, bias and threshold "
        "fixed; the candidate unstandardised), so a pair whose candidate value is 0 keeps "
        "the base's probability and decision",
    )
    parser.add_argument(
        "--learner",
        choices=("logistic", "monotone-logistic", "monotone-hgb"),
        default="logistic",
        help="the model class: the logistic model (shipped), the logistic model with each "
        "weight's sign bounded as MONOTONE says, or gradient-boosted trees monotone in each "
        "input as MONOTONE says (screened under CV; never written)",
    )
    parser.add_argument("--hgb-depth", type=int, default=Boosting.depth)
    parser.add_argument("--hgb-iterations", type=int, default=Boosting.iterations)
    parser.add_argument("--hgb-rate", type=float, default=Boosting.rate)
    parser.add_argument("--hgb-leaf", type=int, default=Boosting.leaf)
    parser.add_argument("--hgb-l2", type=float, default=Boosting.l2)
    parser.add_argument(
        "--by-topic",
        action="store_true",
        help="after the figures, each target set's false links and misses by topic in "
        "sample and held out (each at its own recall-at-P-0.9 point): bias against variance; "
        "then each input's mean by class (linked both ways, missed only held out, missed "
        "both ways, false links held out, true negatives)",
    )
    parser.add_argument(
        "--follow-ups-out",
        action="store_true",
        help="a positive of GVA (labels: incidents with their later coverage) that the "
        "thread model links weighs 0 in the loss: compare reports it as follow_up whatever "
        "the pair model says, and GVA's target row counts that link",
    )
    parser.add_argument(
        "--cv-fixed",
        type=Path,
        help="with --fold-seeds: the CV figures of the pair model in FILE (a written "
        "params file, the run's inputs) with its weights fixed, each fold choosing only its "
        "threshold on its training pairs (the refitted fit's figures: the same run without "
        "it; two files' weights compared through the same folds; a file fitted on every "
        "topic has seen the held-out ones)",
    )
    parser.add_argument(
        "--offset-inputs",
        default="",
        help="production's offset inputs (pair_model.OFFSET_INPUTS, by name) joining the "
        "design after every other input, each fitted on top of the others' fit (CV: each "
        "fold's base refit, as --offset-fit)",
    )
    parser.add_argument(
        "--keep-shipped-base",
        action="store_true",
        help="with --offset-inputs: the in-sample fit (--write, --check) keeps the shipped "
        "file's other inputs' numbers, bias and threshold and fits the offset inputs on top",
    )
    parser.add_argument(
        "--write",
        action="store_true",
        help=f"write the model to params/{PAIR_MODEL_FILE}",
    )
    parser.add_argument(
        "--check",
        action="store_true",
        help=f"refit in sample with the options given (no CV) and say whether params/"
        f"{PAIR_MODEL_FILE} holds that model (SAME / DIFFERS; exit 1 when it differs)",
    )
    args = parser.parse_args()
    if not args.data.is_dir():
        parser.error(f"no such data folder: {args.data}")
    if args.check and (
        args.write or args.screen or args.screen_with or args.fold_seeds or args.convergence
    ):
        parser.error("--check refits the shipped model: no --write, --screen(-with), --fold-seeds")
    if args.check and args.learner != "logistic":
        parser.error("--check refits the shipped class: no --learner")
    if args.screen_with and args.write:
        parser.error("--screen-with: inputs production does not read; no --write")
    if args.learner == "monotone-hgb" and args.write:
        parser.error("--learner monotone-hgb is screened only: no --write")
    if args.convergence and (args.learner != "logistic" or args.screen or args.write):
        parser.error("--convergence traces the logistic fit alone: no --learner, --screen, --write")
    if args.screen_differences and not args.screen:
        parser.error("--screen-differences needs --screen")
    if args.offset_fit and not args.screen:
        parser.error("--offset-fit needs --screen (the base it fits a candidate on top of)")
    if args.hold_thresholds and not args.screen:
        parser.error("--hold-thresholds needs --screen (the base it holds the thresholds of)")
    if args.by_topic and args.screen and args.fold_seeds:
        parser.error("--screen --by-topic runs on one --fold-seed, not --fold-seeds")
    if args.fold_seeds and (args.write or args.cv_errors or args.by_topic):
        parser.error("--fold-seeds prints CV figures only: no --write, --cv-errors, --by-topic")
    if args.cv_fixed and (not args.fold_seeds or args.screen or args.learner != "logistic"):
        parser.error("--cv-fixed needs --fold-seeds, the logistic learner and no --screen")
    if args.learner != "logistic" and args.screen:
        parser.error("--screen screens inputs of the logistic model")
    offset_inputs = [n for n in args.offset_inputs.split(",") if n]
    if set(offset_inputs) - set(OFFSET_INPUTS):
        parser.error(f"no such offset inputs: {sorted(set(offset_inputs) - set(OFFSET_INPUTS))}")
    if offset_inputs and (args.screen or args.screen_with or args.learner != "logistic"):
        parser.error("--offset-inputs fits the logistic model: no --screen(-with), --learner")
    if args.keep_shipped_base and not offset_inputs:
        parser.error("--keep-shipped-base needs --offset-inputs (what it fits on top)")
    forms = [f for f in args.short_forms.split(",") if f]
    set_weights = {
        k: float(v) for k, v in (item.split("=") for item in args.set_weights.split(",") if item)
    }
    if set(forms) - set(SHORT_FORMS):
        parser.error(f"no such short forms: {', '.join(sorted(set(forms) - set(SHORT_FORMS)))}")
    args.cache.mkdir(parents=True, exist_ok=True)
    train = [s for s in args.train.split(",") if s]
    cross = not args.no_cross_lingual
    names = input_names(cross_lingual=cross)
    drop = {d for d in args.drop.split(",") if d}
    if drop - set(names):
        parser.error(f"no such inputs: {', '.join(sorted(drop - set(names)))}")
    keep = [k for k, n in enumerate(names) if n not in drop]
    measured = args.cache / measured_name(
        args.encoder,
        args.max_pairs,
        cross,
        forms,
        args.short_pairs,
        args.unrelated,
        train,
        args.seed,
        names,
        models_digest(),
    )
    # The measures depend on the code: the name changes with the design's inputs, but a
    # change to how an existing input is computed still needs the cache cleared.
    # What chooses the pairs: measure_sets measures them, article_pairs (--screen) only
    # regenerates their articles, by the same sampling.
    sample = functools.partial(
        measure_sets,
        args.data,
        args.cache,
        args.encoder,
        args.max_pairs,
        cross,
        forms,
        train,
        args.short_pairs,
        args.unrelated,
        args.seed,
    )
    if measured.exists():
        sets: list[PairSet] = pickle.loads(measured.read_bytes())
    else:
        sets = sample()
        measured.write_bytes(pickle.dumps(sets))
    for s in sets:
        s.x = s.x[:, keep]
    kept = [names[k] for k in keep]
    with_languages(sets, record_languages(args.data))  # read, not measured: caches lack it
    if offset_inputs:  # production's offset inputs, after the others, in its order
        offset_inputs = [n for n in OFFSET_INPUTS if n in offset_inputs]
        pairs = article_pairs(sample)
        _check_pairs(sets, pairs)
        sets = with_inputs(sets, pairs, {n: OFFSET_INPUTS[n] for n in offset_inputs})
        kept = [*kept, *offset_inputs]
    if args.screen_with and not args.screen:  # the fit's CV with these inputs joining
        added = load_inputs(args.screen_with)
        pairs = article_pairs(sample)
        _check_pairs(sets, pairs)
        sets, kept = with_inputs(sets, pairs, added), [*kept, *added]
    trained = [s for s in sets if s.name.split(":")[0] in train]
    options = FitOptions(
        args.C,
        args.rule,
        args.gate,
        args.augment_weight,
        set_weights,
        follow_ups_out=args.follow_ups_out,
        tol=args.tol,
        offset=len(offset_inputs),
    )
    if args.convergence:
        print_convergence(sets, trained, options, kept, args.fold_seed)
        return
    if args.screen:
        pairs = article_pairs(sample)
        if args.screen_with:
            sets = with_inputs(sets, pairs, load_inputs(args.screen_with))
        candidates = load_inputs(args.screen)
        replaces = load_replaces(args.screen)
        if set(replaces.values()) - set(kept):
            parser.error(f"{args.screen}: REPLACES names an input the model does not read")
        replaced = {c: kept.index(n) for c, n in replaces.items()}  # --screen-with's follow
        seeds = range(args.fold_seeds_from, args.fold_seeds_from + args.fold_seeds)
        if args.screen_differences:
            differences = screen_differences(
                sets,
                train,
                options,
                pairs,
                candidates,
                seeds or [args.fold_seed],
                replaced,
                args.hold_thresholds,
                args.by_topic,
                args.offset_fit,
            )
            lines = "".join(json.dumps(row) + "\n" for row in differences)
            args.screen_differences.write_text(lines, encoding="utf-8")
        elif args.fold_seeds:
            screen_splits(
                sets,
                train,
                options,
                pairs,
                candidates,
                seeds,
                replaced,
                args.hold_thresholds,
                args.offset_fit,
            )
        else:
            rows = screen(
                sets,
                train,
                options,
                pairs,
                candidates,
                args.fold_seed,
                replaced,
                hold=args.hold_thresholds,
                by_topic=args.by_topic,
                offset=args.offset_fit,
            )
            print_screen(rows)
        return
    logistic_tables = None
    if args.learner != "logistic":  # the logistic model's CV beside it, on the same pairs
        if not args.fold_seeds:
            _, base_p, base_t, _ = cross_validate(sets, trained, options, args.fold_seed)
            print("the logistic model (shipped class), for the paired comparison:")
            print_operating_points(sets, base_p, base_t)
            logistic_tables = print_topic_intervals(sets, base_p, base_t)
        if args.learner == "monotone-hgb":
            boosting = Boosting(
                args.hgb_depth, args.hgb_iterations, args.hgb_rate, args.hgb_leaf, args.hgb_l2
            )
            options = dataclasses.replace(options, boosting=boosting, names=tuple(kept))
            print(f"the monotone boosted learner: {boosting}")
        else:
            options = dataclasses.replace(options, bounded=True, names=tuple(kept))
            print("the logistic model, each weight's sign bounded as MONOTONE says:")
    if args.fold_seeds:
        base = FitOptions(
            args.C, args.rule, args.gate, args.augment_weight, set_weights, tol=args.tol
        )
        if args.cv_fixed:
            fixed = PairModel.from_dict(json.loads(args.cv_fixed.read_text(encoding="utf-8")))
            if fixed.inputs != tuple(kept):
                parser.error(f"{args.cv_fixed}: its inputs are not the run's")
            options = base = dataclasses.replace(options, fixed=fixed)  # no refit beside
            print(f"{args.cv_fixed}'s weights fixed, each fold's threshold chosen:")
        seeds = range(args.fold_seeds_from, args.fold_seeds_from + args.fold_seeds)
        print_splits(sets, trained, options, base, seeds)
        return
    everything = [np.ones(len(s.gold), dtype=bool) for s in trained]
    in_sample = functools.partial(  # the written model's fit (--write, --check)
        fit, trained, everything, args.C, args.rule, args.gate, kept, args.augment_weight
    )
    if offset_inputs:  # on top of the shipped file's base, or of its refit

        def in_sample(*_: object) -> tuple[PairModel, Fitted]:
            if not args.keep_shipped_base:
                fitted = options.fit(trained, everything)
                return model_of(fitted, kept, args.gate), fitted
            path = Path(params.path_of(PAIR_MODEL_FILE))
            shipped = PairModel.from_dict(json.loads(path.read_text(encoding="utf-8")))
            return fit_on_top(shipped, trained, everything, kept, options)

    if args.check:
        model, _ = in_sample(set_weights, None, args.follow_ups_out, args.tol)
        raise SystemExit(check_model(model))
    cv, cv_p, cv_t, thresholds = cross_validate(sets, trained, options, args.fold_seed)
    if args.cv_errors:
        write_cv_errors(args.cv_errors, sets, cv, cv_p, cv_t, kept)
    if options.boosting is None and not args.screen_with:
        model, fitted = in_sample(
            set_weights,
            [MONOTONE.get(n, 0) for n in kept] if options.bounded else None,
            args.follow_ups_out,
            args.tol,
        )
        predict = fitted.predict
        _check_production_reads_it(
            model,
            predict,
            sets,
            names + offset_inputs,
            keep + list(range(len(names), len(names) + len(offset_inputs))),
        )
        threshold = model.threshold
        print(
            f"in-sample fit: objective {fitted.objective:.4f} after {fitted.iterations} "
            f"lbfgs iterations (tol {args.tol:g})"
        )
    else:  # screened only (never written; --screen-with: inputs production lacks)
        boosted = options.fit(trained, everything)
        predict, threshold = boosted.predict, boosted.threshold
    print(
        f"fitted on {','.join(s.name for s in trained)}, {args.encoder}, C {args.C}, rule "
        f"{args.rule}, gate {args.gate}, short forms {','.join(forms) or 'none'} "
        f"({args.short_pairs} pairs, {args.unrelated} unrelated, weight "
        f"{args.augment_weight}), without {','.join(sorted(drop)) or 'nothing'}; threshold "
        f"in sample {threshold:.2f}, per fold {', '.join(f'{t:.2f}' for t in thresholds)}"
    )
    print(
        "set                          pairs (same)   production P / R   "
        "pair model CV P / R   in sample P / R   both (CV) P / R"
    )
    figures: dict[str, dict[str, list[float]]] = {}
    for s in sets:
        fitted = (predict(s.x, s.factor) >= threshold) | s.copy
        both = s.production & cv[s.name]
        rows = [("", s.production, cv[s.name], fitted, both)]
        if _incidents(s):  # a follow_up links too
            t = s.threaded
            rows.append((" +follow_up", s.production | t, cv[s.name] | t, fitted | t, both | t))
        for suffix, *decisions in rows:
            if s.gold.any():
                pr = [precision_recall(s.gold, d, s.weight) for d in decisions]
            else:  # unrelated pairs: the share linked
                pr = [(float(d.mean()), math.nan) for d in decisions]
            figures[s.name + suffix] = {
                k: [round(v, 4) for v in f]
                for k, f in zip(("production", "cv", "in_sample", "both"), pr, strict=True)
            }
            print(
                f"{s.name + suffix:<28} {len(s.gold):>6} ({int(s.gold.sum()):>5})   "
                + "   ".join(f"{'{:.3f} / {:.3f}'.format(*f):<17}" for f in pr)
            )
        for part, mask in language_parts(s).items():  # its rows by language, with false links
            decisions = (s.production, cv[s.name], fitted, both)
            parts = [part_figures(s, d, mask) for d in decisions]
            print(
                f"  {part:<26} {int(mask.sum()):>6} ({int(s.gold[mask].sum()):>5})   "
                + "   ".join(f"{f[0]:.3f} / {f[1]:.3f} fl {f[2]:.1f}" for f in parts)
            )
    print_operating_points(sets, cv_p, cv_t)
    print_topic_intervals(sets, cv_p, cv_t, logistic_tables)
    if args.by_topic:
        for s in sets:
            if not s.augment:
                in_sample = (predict(s.x, s.factor), np.full(len(s.gold), threshold))
                held_out = (cv_p[s.name], cv_t[s.name])
                print_topic_errors(topic_errors(s, in_sample, held_out), s.name)
                print_error_classes(s, error_classes(s, in_sample, held_out), kept)
    if args.write:
        info = {
            "fitted_by": "scripts/fit_pair_model.py " + _command_line(args),
            "encoder": args.encoder,
            "cv_folds": len(thresholds),
            "fold_thresholds": [round(t, 2) for t in thresholds],
            # A file without "tol" was fitted at scikit-learn's default (STOP_TOL).
            **({"tol": args.tol} if args.tol != STOP_TOL else {}),
            "figures (precision, recall; unrelated: share linked)": figures,
        }
        written = dataclasses.replace(model, info=info)
        path = Path(params.path_of(PAIR_MODEL_FILE))
        path.write_text(json.dumps(written.to_dict(), indent=1) + "\n", encoding="utf-8")
        print(f"wrote {path}")


def model_differences(shipped: PairModel, fitted: PairModel) -> list[str]:
    """What differs between two pair models: the inputs and the gate exactly, the numbers
    (threshold, bias, each input's mean, scale and weight) beyond :data:`CHECK_TOLERANCE`."""
    if shipped.inputs != fitted.inputs or shipped.gate != fitted.gate:
        return [
            f"inputs: {list(shipped.inputs)} -> {list(fitted.inputs)}",
            f"gate: {shipped.gate} -> {fitted.gate}",
        ]
    out = [
        f"{key}: {old} -> {new}"
        for key, old, new in (
            ("threshold", shipped.threshold, fitted.threshold),
            ("bias", shipped.bias, fitted.bias),
        )
        if abs(old - new) > CHECK_TOLERANCE
    ]
    for k, name in enumerate(shipped.inputs):
        for key in ("mean", "scale", "weights"):
            old, new = getattr(shipped, key)[k], getattr(fitted, key)[k]
            if abs(old - new) > CHECK_TOLERANCE:
                out.append(f"{name} {key.rstrip('s')}: {old} -> {new}")
    return out


def check_model(fitted: PairModel) -> int:
    """``--check``: print whether the shipped pair model file holds ``fitted`` (the model
    this run would write), and what differs; 0 if SAME, 1 if it DIFFERS."""
    path = Path(params.path_of(PAIR_MODEL_FILE))
    shipped = PairModel.from_dict(json.loads(path.read_text(encoding="utf-8")))
    return report_check(path, model_differences(shipped, fitted))


def write_cv_errors(
    path: Path,
    sets: Sequence[PairSet],
    cv: dict[str, np.ndarray],
    cv_p: dict[str, np.ndarray],
    cv_t: dict[str, np.ndarray],
    names: Sequence[str],
) -> None:
    """One JSON line for each pair of a target set that the model decides wrongly under
    CV (GVA's with its follow-ups linked, as its target row): the set, both ids and
    topics, gold, the held-out probability and its fold's threshold, the pair's weight
    and its inputs by name (the file the error analysis reads)."""
    with path.open("w", encoding="utf-8") as out:
        for s in sets:
            if s.augment:
                continue
            decided = cv[s.name] | (s.threaded if _incidents(s) else False)
            for k in np.flatnonzero(decided != s.gold):
                row = {
                    "set": s.name,
                    "ids": [str(v) for v in s.ids[k]],
                    "topics": [str(s.topics[k]), str(s.topics_b[k])],
                    "gold": bool(s.gold[k]),
                    "p": round(float(cv_p[s.name][k]), 4),
                    "threshold": float(cv_t[s.name][k]),
                    "weight": float(s.weight[k]),
                    "inputs": {n: round(float(v), 4) for n, v in zip(names, s.x[k], strict=True)},
                }
                out.write(json.dumps(row) + "\n")


def _command_line(args: argparse.Namespace) -> str:
    """The options the model was fitted with, as they are typed."""
    out = []
    for key, value in vars(args).items():
        if (
            key
            in ("data", "cache", "write", "check", "cv_errors", "by_topic", "screen_differences")
            or value is False
            or value is None
        ):
            continue
        if key in ("seed", "fold_seed", "fold_seeds", "fold_seeds_from") and not value:
            continue  # the default sample and split
        if key == "tol" and value == STOP_TOL:  # every file before --tol was fitted there
            continue
        if (key == "learner" and value == "logistic") or key.startswith("hgb_"):
            continue  # the shipped class's command line as it was; trees are never written
        flag = "--" + key.replace("_", "-")
        out.append(flag if value is True else f"{flag} {value!s}" if value != "" else f"{flag} ''")
    return " ".join(out)


def _check_production_reads_it(
    model: PairModel, predict: Predict, sets: Sequence[PairSet], names: list[str], keep: list[int]
) -> None:
    """The fitted prediction equals production's :meth:`PairModel.probability_of_row` on
    the first pairs of every set (the written model is the one measured)."""
    for s in sets:
        for k in range(min(len(s.gold), 50)):
            row = np.zeros(len(names))
            row[keep] = s.x[k]
            ours = float(predict(s.x[k : k + 1], s.factor[k : k + 1])[0])
            theirs = model.probability_of_row(list(row), float(s.factor[k]))
            if abs(ours - theirs) > 1e-9:
                raise SystemExit(f"{s.name} pair {k}: fitted {ours} != production {theirs}")


if __name__ == "__main__":
    main()
