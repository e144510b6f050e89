"""Static with its own fitted models, static with USE's, and USE, under 5-fold topic CV.

    python benchmarks/encoder_fits.py [--cache-use DIR] [--cache-static DIR] [--json OUT]
        [--fold-maps [--map-cache DIR]] [--candidate-rule own|use] [--sets A,B,...]

Every fitted model of ``params/story_model.json`` was fitted on USE features; the static
encoder's cosines differ in scale, so its pairs may want their own. This compares, on
the same topic folds (``scripts/fit_story_model.py``'s dealing), three ways of scoring:

- ``use``: USE features, event model fitted on USE features of the other folds' topics;
- ``static/use-fit``: static features, the *same* fold models (fitted on USE features);
- ``static/own-fit``: static features, event model fitted on static features of the
  other folds' topics.

Each encoder's sets are built under *its own* production config (``--candidate-rule
own``, the default): ``Config(encoder=e)``, whose candidate search saturates at that
encoder's ``candidates.SATURATED_COSINE`` (USE 0.70, static 0.80), and are scored and
grouped under it. ``--candidate-rule use`` builds every set under
``fit_story_model.FIT_CONFIG`` (USE's rule) as this script did before 2026-12-03 evening,
so that the static columns ran USE's candidate search.

The event model is refitted as ``fit_story_model.py --no-short-part`` fits it (long part
and disagreement cues on the full articles of ECB+ and MEANTIME dev, short part zero;
the date gate, near step and graded model kept from the shipped file), for both encoders
alike, so the comparison is between encoders' features and fits, not recipes. Scoring is
production's (``fit_story_model.DevSet``: copies, candidates, ``relate``'s score with the
rewrite route and date gate, average-link grouping with the attach step). Rows: ARI at
the default config on ECB+ and MEANTIME (held-out topics), GVA dev (never fitted on:
every fold model is held out), the independent-report sets
(``scripts/make_independent_reports.py``: ECB+'s folds are its topics' folds) and the
real corpus (the three sets concatenated, repeated texts dropped, as
``benchmarks/corpus.real_corpus``); SemEval Pearson of the graded model under 5-fold CV
over pairs (``fit_story_model.fit_graded``'s folds), the graded model fitted on USE's or
the static encoder's cues of the other folds. The features are cached by the fit
script's ``cached_features`` (one directory per encoder).

``--fold-maps`` adds ``static-fold/use-fit``: static features whose sentence vectors come
from an affine map fitted without the article's fold (``scripts/fit_static_map.py``'s
sentences and cached USE targets, ``--map-cache``; the map is refitted five times on the
sentences of the other folds' articles of ECB+, MEANTIME and GVA, and of every SemEval
text; for SemEval, five more maps, each without one pair fold's texts), scored with USE's
fold models. The shipped map was fitted on every dev sentence; this is its honest
estimate.
"""

from __future__ import annotations

import argparse
import copy
import dataclasses
import json
import random
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "scripts"))

import fit_static_map as fsmap  # noqa: E402
import fit_story_model as fsm  # noqa: E402
import make_independent_reports as indep  # noqa: E402
from corpus import DATA  # noqa: E402
from scipy.stats import pearsonr  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.model_selection import KFold  # noqa: E402

from samestory import relate  # noqa: E402
from samestory.candidates import SATURATED_COSINE  # noqa: E402
from samestory.config import DEFAULT_CONFIG, Config  # noqa: E402
from samestory.evaluate import read_labelled, record_to_article  # noqa: E402
from samestory.features import DocFeatures, add_vectors  # noqa: E402
from samestory.models import Article  # noqa: E402
from samestory.static_encoder import StaticSentenceEncoder, fit_affine_map  # noqa: E402

ENCODERS = ("use", "static")
TRAIN_SETS = fsm.ARTICLE_SETS  # ECB+ and MEANTIME dev: what the event model is fitted on
REAL_SETS = (*fsm.ARTICLE_SETS, fsm.GVA_SET)
DERIVED_SETS = ("indep_ecbplus", "indep_gva")
VARIANTS = ("use", "static/use-fit", "static/own-fit")
FOLD_VARIANT = "static-fold/use-fit"
CANDIDATE_RULES = ("own", "use")
Transform = Callable[[str, list[dict], list[DocFeatures]], list[DocFeatures]]


def set_config(encoder: str, rule: str = "own") -> Config:
    """The config ``encoder``'s sets are built, scored and grouped under: ``"own"``, the
    production default with that encoder (its candidate rule; every other default);
    ``"use"``, the fit script's ``FIT_CONFIG`` whatever the encoder (USE's rule)."""
    if rule == "use":
        return fsm.FIT_CONFIG
    return DEFAULT_CONFIG.replace(encoder=encoder)


def records_and_features(
    base: str, data: Path, cache: Path, encoder: str
) -> tuple[list[dict], list[DocFeatures]]:
    """A dev file's records and their features (the fit script's cache and encoder)."""
    records, skipped = read_labelled(data / f"{base}.jsonl")
    if skipped:
        raise SystemExit(f"{base}: {len(skipped)} records skipped")
    articles = [record_to_article(r) for r in records]
    return records, fsm.cached_features(base, articles, cache, fsm.make_encoder(encoder))


def set_builders(
    data: Path,
    cache: Path,
    encoder: str,
    config: Config,
    transform: Transform | None = None,
) -> dict[str, Callable[[], fsm.DevSet]]:
    """ECB+, MEANTIME, GVA dev, the independent-report sets and the real corpus: a
    function building each as :class:`fsm.DevSet` on ``encoder``'s features, copies and
    candidates under ``config`` (one at a time: the sets' pair measures are large).
    Topics are named as the fit script names them, so a derived set's articles fall in
    their source topic's fold."""
    loaded = {base: records_and_features(base, data, cache, encoder) for base in REAL_SETS}
    if transform is not None:
        loaded = {base: (r, transform(base, r, f)) for base, (r, f) in loaded.items()}
    by_id = {
        base: {r["id"]: (r, f) for r, f in zip(*loaded[base], strict=True)} for base in REAL_SETS
    }
    builders: dict[str, Callable[[], fsm.DevSet]] = {
        base: (lambda base=base: fsm.dev_set_of(base, base, *loaded[base], False, config=config))
        for base in REAL_SETS
    }
    rng = random.Random(13)  # make_independent_reports' seed and order
    derived = {
        "indep_ecbplus": (
            fsm.ARTICLE_SETS[0],
            indep.ecbplus(loaded[fsm.ARTICLE_SETS[0]][0], 4, rng),
        ),
        "indep_gva": (fsm.GVA_SET, indep.gva(loaded[fsm.GVA_SET][0], 3, 5)),
    }
    for name, (base, chosen) in derived.items():
        chosen_pairs = [by_id[base][r["id"]] for r in chosen]
        builders[name] = lambda name=name, base=base, chosen_pairs=chosen_pairs: fsm.dev_set_of(
            name,
            base,
            [r for r, _ in chosen_pairs],
            [f for _, f in chosen_pairs],
            False,
            _source_topic(base),
            config,
        )

    def real() -> fsm.DevSet:
        records, features, topics = [], [], []
        seen: set[str] = set()
        for base in REAL_SETS:  # benchmarks/corpus.real_corpus's order and rule
            for r, f in zip(*loaded[base], strict=True):
                key = " ".join((r.get("text") or "").split())
                if not key or key in seen:
                    continue
                seen.add(key)
                prefix = base.split("_")[0]
                article_id = f"{prefix}:{r['id']}"
                records.append({**r, "id": article_id, "story": f"{prefix}:{r['story']}"})
                features.append(dataclasses.replace(f, id=article_id))
                topics.append(_source_topic(base)(r))
        dev = fsm.dev_set_of("real_corpus", "real_corpus", records, features, False, config=config)
        return dataclasses.replace(dev, topics=topics)

    builders["real_corpus"] = real
    return builders


class FoldMaps:
    """The static encoder's affine map refitted without held-out sentences: every dev
    sentence of ``scripts/fit_static_map.py`` (its ``x``, the ``"dan"`` pooled vector, and
    its cached USE target ``y``) but those of the held-out fold's texts."""

    def __init__(self, data: Path, cache: Path) -> None:
        sentences = fsmap.dev_sentences(fsmap.dev_articles(data))
        self.sentences = sentences
        self.y = fsmap.cached_targets(sentences, cache)
        self.x = StaticSentenceEncoder("dan").pooled(sentences)

    def encoder_without(self, held_out: set[str]) -> StaticSentenceEncoder:
        keep = [k for k, s in enumerate(self.sentences) if s not in held_out]
        return StaticSentenceEncoder("lin", affine_map=fit_affine_map(self.x[keep], self.y[keep]))


def reencoded(
    features: list[DocFeatures], fold: list[int], encoders: dict[int, StaticSentenceEncoder]
) -> list[DocFeatures]:
    """Copies of ``features``, each article's vectors from its fold's encoder."""
    out = [copy.copy(f) for f in features]
    for f, encoder in encoders.items():
        add_vectors([d for d, g in zip(out, fold, strict=True) if g == f], encoder)
    return out


def article_fold_transform(
    maps: FoldMaps, data: Path, cache: Path, fold_of: dict[str, int]
) -> Transform:
    """Re-encode a base set's static features with the map fitted without the fold of
    each article's topic (one map per fold, fitted without that fold's articles' sentences
    in all three sets)."""
    held: dict[int, set[str]] = {f: set() for f in range(fsm.TOPIC_FOLDS)}
    for base in REAL_SETS:
        records, features = records_and_features(base, data, cache, "static")
        for r, f in zip(records, features, strict=True):
            held[fold_of[_source_topic(base)(r)]].update(f.sentences)
    encoders = {f: maps.encoder_without(s) for f, s in held.items()}
    print(f"fold maps fitted ({len(maps.sentences)} sentences)", flush=True)

    def transform(base: str, records: list[dict], features: list[DocFeatures]) -> list[DocFeatures]:
        return reencoded(features, [fold_of[_source_topic(base)(r)] for r in records], encoders)

    return transform


def folds(data: Path) -> dict[str, int]:
    """Each topic's fold: ``fit_story_model.fold_of_topics``'s dealing of the topics of
    ECB+, MEANTIME and GVA dev (every set here draws its topics from them)."""
    topics = set()
    for base in REAL_SETS:
        records, _ = read_labelled(data / f"{base}.jsonl")
        topics |= {_source_topic(base)(r) for r in records}
    ordered = sorted(topics)
    order = np.random.RandomState(0).permutation(len(ordered))
    return {topic: order[k] % fsm.TOPIC_FOLDS for k, topic in enumerate(ordered)}


def _source_topic(base: str) -> Callable[[dict], str]:
    """A record's topic as the fit script names it in its source set ``base``."""
    return lambda r: f"{base}:{r['story'] if base == fsm.GVA_SET else r.get('topic', r['story'])}"


def fit_long(x: np.ndarray, y: np.ndarray, c: float) -> relate.StoryModel:
    """``fit_story_model.py --no-short-part``'s event model on rows ``x``."""
    fitted = LogisticRegression(C=c, max_iter=5000).fit(fsm.long_columns(x), y)
    return fsm.long_model(fitted, relate.STORY_MODEL)


def fold_models(
    sets: Sequence[fsm.DevSet], fold_of: dict[str, int], c: float
) -> list[relate.StoryModel]:
    """Fold ``f``'s model: fitted on the training sets' pairs touching no topic of ``f``."""
    models = []
    fitting = [dev for dev in sets if dev.name in TRAIN_SETS]
    for f in range(fsm.TOPIC_FOLDS):
        keep = [~dev.touching(dev.train_pairs, fold_of)[f] for dev in fitting]
        x = np.vstack([dev.cues[k] for dev, k in zip(fitting, keep, strict=True)])
        y = np.concatenate([dev.labels[k] for dev, k in zip(fitting, keep, strict=True)])
        models.append(fit_long(x, y, c))
    return models


def cv_ari(
    dev: fsm.DevSet,
    models: Sequence[relate.StoryModel],
    fold_of: dict[str, int],
    config: Config,
) -> float:
    """ARI with each pair scored by the model of the fold its topics are in (averaged
    over two folds for a pair across them), as ``fit_story_model.topic_cv_ari`` (which
    scores every pair under every fold's model; only the fold's pairs are scored here),
    scored and grouped under ``config`` (the one ``dev`` was built under)."""
    touches = dev.touching(dev.pairs, fold_of)
    sums, counts = np.zeros(len(dev.pairs)), np.zeros(len(dev.pairs))
    with relate.single_threaded_blas():
        for f, model in enumerate(models):
            for k in np.flatnonzero(touches[f]).tolist():
                sums[k] += dev._score(k, model, config)
                counts[k] += 1
    return round(dev.ari(sums / np.maximum(counts, 1), config), 3)


def semeval_cues(
    data: Path, cache: Path, encoder: str, maps: FoldMaps | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """The graded model's cues of every SemEval dev pair, and ``-overall``; with ``maps``,
    each pair's texts encoded by a map fitted without its pair fold's texts."""
    pairs = fsm.load(data / f"{fsm.PAIR_SET}.jsonl")
    flat = [
        Article(id=f"{k}{side}", text=p[f"text{side}"], lang=p[f"lang{side}"])
        for k, p in enumerate(pairs)
        for side in (1, 2)
    ]
    features = fsm.cached_features("semeval", flat, cache, fsm.make_encoder(encoder))
    if maps is not None:
        fold = [0] * len(features)
        for f, (_, test) in enumerate(_pair_folds(len(pairs))):
            for k in test.tolist():
                fold[2 * k] = fold[2 * k + 1] = f
        encoders = {
            f: maps.encoder_without(
                {s for d, g in zip(features, fold, strict=True) if g == f for s in d.sentences}
            )
            for f in set(fold)
        }
        features = reencoded(features, fold, encoders)
    rows = []
    for k in range(len(pairs)):
        a, b = features[2 * k], features[2 * k + 1]
        cues = relate.event_cues(
            a, b, relate.sentence_similarity(a.sentence_vectors, b.sentence_vectors)
        )
        rows.append([getattr(cues, name) for name in fsm.GRADED_CUES])
    return np.array(rows, dtype=np.float64), -np.array([p["overall"] for p in pairs])


def _pair_folds(n: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """The graded CV's folds over ``n`` pairs (the fit script's)."""
    return list(KFold(5, shuffle=True, random_state=0).split(np.arange(n)))


def graded_cv(cues: dict[str, np.ndarray], overall: np.ndarray) -> dict[str, float]:
    """Pearson of each variant's graded predictions, 5-fold CV over pairs (the fit
    script's folds): the monotone additive model fitted on the other folds' cues of the
    variant's fitting encoder, applied to its scoring encoder's cues."""
    variants = [*VARIANTS, *([FOLD_VARIANT] if "static-fold" in cues else [])]
    predicted = {v: np.zeros(len(overall)) for v in variants}
    for train, test in _pair_folds(len(overall)):
        on_use = fsm.MonotoneAdditiveModel().fit(cues["use"][train], overall[train])
        on_static = fsm.MonotoneAdditiveModel().fit(cues["static"][train], overall[train])
        predicted["use"][test] = on_use.predict(cues["use"][test])
        predicted["static/use-fit"][test] = on_use.predict(cues["static"][test])
        predicted["static/own-fit"][test] = on_static.predict(cues["static"][test])
        if FOLD_VARIANT in predicted:
            predicted[FOLD_VARIANT][test] = on_use.predict(cues["static-fold"][test])
    return {v: round(float(pearsonr(p, overall)[0]), 3) for v, p in predicted.items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--cache-use", type=Path, default=Path("/tmp/samestory-fit-use"))
    parser.add_argument("--cache-static", type=Path, default=Path("/tmp/samestory-fit-static"))
    parser.add_argument("--C", type=float, default=1.0)
    parser.add_argument("--json", type=Path)
    parser.add_argument(
        "--sets",
        default="ecbplus_dev,meantime_dev,gva_dev,indep_ecbplus,indep_gva,real_corpus",
        help="sets scored, in this order (ECB+ and MEANTIME dev are built first whatever"
        " it says: the fold models are fitted on them)",
    )
    parser.add_argument(
        "--candidate-rule",
        choices=CANDIDATE_RULES,
        default="own",
        help="own: each encoder's sets under its production config (default); use: every"
        " set under fit_story_model.FIT_CONFIG, USE's candidate rule (before 2026-12-03)",
    )
    parser.add_argument(
        "--shipped", action="store_true", help="also score with the shipped model (USE's)"
    )
    parser.add_argument(
        "--fold-maps", action="store_true", help="also static with per-fold maps (see above)"
    )
    parser.add_argument("--map-cache", type=Path, default=Path("/tmp/samestory-staticmap"))
    args = parser.parse_args(argv)
    caches = {"use": args.cache_use, "static": args.cache_static}
    configs = {e: set_config(e, args.candidate_rule) for e in ENCODERS}
    unknown = sorted(set(args.sets.split(",")) - {*REAL_SETS, *DERIVED_SETS, "real_corpus"})
    if unknown:
        parser.error(f"--sets: unknown set(s) {', '.join(unknown)}")
    out: dict[str, Any] = {
        "variants": [*VARIANTS, *([FOLD_VARIANT] if args.fold_maps else [])],
        "candidate_rule": args.candidate_rule,
        "saturated_cosine": {e: SATURATED_COSINE[c.encoder] for e, c in configs.items()},
    }
    start = time.time()
    maps = FoldMaps(args.data, args.map_cache) if args.fold_maps else None
    semeval = {e: semeval_cues(args.data, caches[e], e) for e in ENCODERS}
    if maps is not None:
        semeval["static-fold"] = semeval_cues(args.data, caches["static"], "static", maps)
    out["semeval_pearson_cv"] = graded_cv(
        {e: c for e, (c, _) in semeval.items()}, semeval["use"][1]
    )
    print("SemEval Pearson, 5-fold CV over pairs", out["semeval_pearson_cv"], flush=True)
    fold_of = folds(args.data)
    builders = {e: set_builders(args.data, caches[e], e, configs[e]) for e in ENCODERS}
    fold_builders = (
        set_builders(
            args.data,
            caches["static"],
            "static",
            configs["static"],
            article_fold_transform(maps, args.data, caches["static"], fold_of),
        )
        if maps is not None
        else None
    )
    train = {e: [builders[e][name]() for name in TRAIN_SETS] for e in ENCODERS}
    models = {e: fold_models(train[e], fold_of, args.C) for e in ENCODERS}
    shipped = [relate.STORY_MODEL] * fsm.TOPIC_FOLDS
    rows: dict[str, dict[str, float]] = {}
    names = [n for n in args.sets.split(",") if n in builders["use"]]
    for name in names:
        use_dev, static_dev = (
            next((d for d in train[e] if d.name == name), None) or builders[e][name]()
            for e in ENCODERS
        )
        use_config, static_config = configs["use"], configs["static"]
        rows[name] = {
            "use": cv_ari(use_dev, models["use"], fold_of, use_config),
            "static/use-fit": cv_ari(static_dev, models["use"], fold_of, static_config),
            "static/own-fit": cv_ari(static_dev, models["static"], fold_of, static_config),
        }
        if fold_builders is not None:
            fold_dev = fold_builders[name]()
            rows[name][FOLD_VARIANT] = cv_ari(fold_dev, models["use"], fold_of, static_config)
            del fold_dev
        if args.shipped:
            rows[name]["use, shipped model"] = cv_ari(use_dev, shipped, fold_of, use_config)
            rows[name]["static, shipped model"] = cv_ari(
                static_dev, shipped, fold_of, static_config
            )
        print(
            name,
            len(use_dev.features),
            "articles",
            rows[name],
            f"{time.time() - start:.0f} s",
            flush=True,
        )
        if args.json:  # each row as it lands: a run cut short keeps what finished
            out["ari_topic_cv"] = rows
            args.json.write_text(json.dumps(out, indent=2) + "\n", encoding="utf-8")
        del use_dev, static_dev
    out["ari_topic_cv"] = rows
    out["seconds"] = round(time.time() - start, 1)
    if args.json:
        args.json.write_text(json.dumps(out, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
