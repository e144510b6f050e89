"""Which encoder should be the default? static + map, USE, and cascades, under topic CV.

    python benchmarks/encoder_choice.py [--cache DIR] [--deltas 0,0.05,...] [--json OUT]

Every article of the real corpus (ECB+, MEANTIME and GVA dev, ``corpus.real_corpus``) and
both texts of every SemEval-2022 dev pair get their text features once; their sentences
get four kinds of vectors, all through USE's own head:

- ``use``: USE (the pooled vector of its forward pass, ``teacher_pooled``, on the static
  encoder's SentencePiece pieces; the default encoder tokenises in pure Python, which
  differs only on runs of unknown characters);
- ``static``: the ``"dan"`` sums, no map (what ``--encoder static`` ran before the map);
- ``lin``: the ``"dan"`` sums through an affine map fitted, for each of 5 folds of topics
  (SemEval: of pairs), on the sentences of the other folds only: an article is encoded by
  a map that never saw its topic (the honest estimate of the shipped map,
  ``scripts/fit_static_map.py``, which is fitted on all of them);
- ``lin-shipped``: the shipped map, in-sample (a check, not an estimate).

Each is scored as production scores it (``pipeline.batch.analyze_features``: copies,
candidates with the encoder's saturation rule, the shipped models, roundups, threads): ARI
of stories per set and on the whole real corpus, ARI of threads on GVA (its gold links
later coverage of an incident), Pearson of the graded similarity on SemEval.

**cascade(δ)**: ``lin`` features for every article and candidate pair, then every pair
whose ``lin`` story score lies within ``δ`` of the threshold (copies excluded) scored
again with both articles' USE features; USE's cost is the share of articles such pairs
touch. ``δ`` is chosen per fold of topics on the other folds' articles (the smallest
best), as ``benchmarks/cascade.py`` does. Stages are cached in ``--cache``.
"""

from __future__ import annotations

import argparse
import copy
import json
import pickle
import random
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "scripts"))

from corpus import DATA, real_corpus, real_topics  # noqa: E402
from fit_static_map import cached_targets, dev_articles, dev_sentences  # noqa: E402

from samestory.config import DEFAULT_CONFIG, Config  # noqa: E402
from samestory.evaluate import cluster_metrics, load_records, pearson, record_to_article  # noqa: E402
from samestory.features import DocFeatures, add_vectors, text_features  # noqa: E402
from samestory.models import RelationKind  # noqa: E402
from samestory.pipeline.batch import analyze_features, assemble_analysis  # noqa: E402
from samestory.pipeline.copies import collapse_copies  # noqa: E402
from samestory.pipeline.propose import propose_pairs  # noqa: E402
from samestory.pipeline.score import score_pairs  # noqa: E402
from samestory.relate import relate, single_threaded_blas  # noqa: E402
from samestory.static_encoder import StaticSentenceEncoder, fit_affine_map, load_static_map  # noqa: E402

FOLDS = 5
SETS = ("ecbplus", "meantime", "gva")
DELTAS = (0.0, 0.05, 0.1, 0.2, 0.3, 1.0)
COPY_KINDS = (RelationKind.EXACT, RelationKind.NEAR_DUPLICATE)


# ---------- corpus ----------
def folds_of(keys: Sequence[str], seed: int = 0) -> list[int]:
    distinct = sorted(set(keys))
    random.Random(seed).shuffle(distinct)
    fold_of = {k: n % FOLDS for n, k in enumerate(distinct)}
    return [fold_of[k] for k in keys]


def load_corpus(cache: Path) -> dict[str, Any]:
    """Text features, gold labels and topic folds of the real corpus and of SemEval."""
    path = cache / "corpus.pkl"
    if path.exists():
        return pickle.loads(path.read_bytes())
    articles, gold = real_corpus()
    topics = real_topics([a.id for a in articles])
    sem = load_records(DATA / "semeval2022_pairs_dev.jsonl")
    sem_articles = [
        record_to_article({"id": f"{i}:{s}", "text": r[f"text{s}"], "lang": r.get(f"lang{s}")})
        for i, r in enumerate(sem)
        for s in ("1", "2")
    ]
    pair_fold = folds_of([str(i) for i in range(len(sem))])
    out = {
        "ids": [a.id for a in articles],
        "gold": gold,
        "fold": folds_of(topics),
        "texts": [text_features(a) for a in articles],
        "sem_target": [-float(r["overall"]) for r in sem],
        "sem_fold": [pair_fold[k // 2] for k in range(len(sem_articles))],
        "sem_texts": [text_features(a) for a in sem_articles],
    }
    cache.mkdir(parents=True, exist_ok=True)
    path.write_bytes(pickle.dumps(out, protocol=5))
    return out


# ---------- sentence vectors ----------
class Lookup:
    """An encoder that reads precomputed rows (one fold's vectors) by sentence."""

    dim = 512

    def __init__(self, row_of: dict[str, int], vectors: np.ndarray) -> None:
        self.row_of, self.vectors = row_of, vectors

    def encode(self, sentences: list[str]) -> np.ndarray:
        return self.vectors[[self.row_of[s] for s in sentences]]


def pooled_vectors(cache: Path) -> tuple[dict[str, int], np.ndarray, np.ndarray]:
    """Every dev sentence's row, static pooled vector ``x`` and USE pooled vector ``y``
    (the fit script's sentences and cached USE targets)."""
    path = cache / "sentences.pkl"
    if path.exists():
        sentences = pickle.loads(path.read_bytes())
    else:
        sentences = dev_sentences(dev_articles(DATA))
        path.write_bytes(pickle.dumps(sentences, protocol=5))
    y = cached_targets(sentences, Path("/tmp/samestory-staticmap"))
    x = StaticSentenceEncoder("dan").pooled(sentences)
    return {s: k for k, s in enumerate(sentences)}, x, y


def variant_vectors(
    data: dict[str, Any], row_of: dict[str, int], x: np.ndarray, y: np.ndarray
) -> dict[str, list[np.ndarray]]:
    """Per variant, the sentence vectors each fold's articles are encoded with."""
    enc = StaticSentenceEncoder("dan")
    use, static = enc.head(y), enc.head(x)
    shipped = load_static_map()
    lin_shipped = enc.head(x @ shipped[:-1] + shipped[-1])
    rows_in_fold: list[set[int]] = [set() for _ in range(FOLDS)]
    for folds, texts in (("fold", "texts"), ("sem_fold", "sem_texts")):
        for f, t in zip(data[folds], data[texts], strict=True):
            rows_in_fold[f].update(row_of[s] for s in t.sentences)
    lin = []
    for f in range(FOLDS):
        train = sorted(set().union(*(rows_in_fold[g] for g in range(FOLDS) if g != f)))
        a = fit_affine_map(x[train], y[train])
        lin.append(enc.head((np.c_[x, np.ones(len(x))] @ a).astype(np.float32)))
        print(f"  lin fold {f}: fitted on {len(train)} sentences", flush=True)
    return {
        "use": [use] * FOLDS,
        "static": [static] * FOLDS,
        "lin": lin,
        "lin-shipped": [lin_shipped] * FOLDS,
    }


def with_vectors(
    texts: list[DocFeatures], folds: list[int], row_of: dict[str, int], vecs: list[np.ndarray]
) -> list[DocFeatures]:
    """Copies of ``texts``, each with its fold's vectors (``features.add_vectors``)."""
    out = [copy.copy(t) for t in texts]
    for f in range(FOLDS):
        members = [d for d, g in zip(out, folds, strict=True) if g == f]
        add_vectors(members, Lookup(row_of, vecs[f]))
    return out


# ---------- scoring ----------
def labels_of(analysis, ids: list[str]) -> tuple[list[str], list[str]]:
    """Story and thread label of each id."""
    story, thread = {}, {}
    for s in analysis.stories:
        for a in s.articles:
            story[a], thread[a] = s.id, s.thread or s.id
    return [story[i] for i in ids], [thread[i] for i in ids]


def ari(gold: Sequence[str], pred: Sequence[str]) -> float:
    return round(float(cluster_metrics(list(gold), list(pred))["ari"]), 4)


def subset(data: dict[str, Any], name: str) -> list[int]:
    return [k for k, i in enumerate(data["ids"]) if name == "real" or i.startswith(name + ":")]


def evaluate(
    data: dict[str, Any],
    feats: list[DocFeatures],
    sem: list[DocFeatures],
    config: Config,
    sets: Sequence[str] = (*SETS, "real"),
) -> dict[str, float]:
    row: dict[str, float] = {}
    for name in sets:
        idx = subset(data, name)
        analysis = analyze_features([feats[k] for k in idx], config)
        story, thread = labels_of(analysis, [data["ids"][k] for k in idx])
        gold = [data["gold"][k] for k in idx]
        row[name] = ari(gold, story)
        if name == "gva":
            row["gva_thread"] = ari(gold, thread)
    with single_threaded_blas():
        sims = [
            relate(sem[2 * k], sem[2 * k + 1], config).evidence.scores["similarity"]
            for k in range(len(data["sem_target"]))
        ]
    row["semeval"] = round(pearson(sims, data["sem_target"]), 4)
    return row


# ---------- the cascade ----------
class Cascade:
    """One set's ``lin`` run, and the USE score of each of its candidate pairs."""

    def __init__(self, lin: list[DocFeatures], use: list[DocFeatures], config: Config) -> None:
        self.lin, self.config = lin, config
        self.copies = collapse_copies(lin, config)
        self.pairs = propose_pairs(lin, self.copies, config)
        self.lin_rel = score_pairs(lin, self.copies.copies + self.pairs, config)
        self.use_rel = score_pairs(use, self.pairs, config)

    def in_band(self, k: int, delta: float) -> bool:
        r = self.lin_rel[len(self.copies.copies) + k]
        return r.kind not in COPY_KINDS and abs(r.score - self.config.same_story_threshold) <= delta

    def run(self, delta_of_pair: Sequence[float]) -> tuple[Any, float]:
        """The analysis with in-band pairs rescored by USE, and the share of articles
        that needed USE."""
        n_copies = len(self.copies.copies)
        relations = list(self.lin_rel)
        touched: set[int] = set()
        for k, (i, j) in enumerate(self.pairs):
            if self.in_band(k, delta_of_pair[k]):
                relations[n_copies + k] = self.use_rel[k]
                touched.update((i, j))
        analysis = assemble_analysis(self.lin, self.copies, self.pairs, relations, self.config)
        return analysis, len(touched) / len(self.lin)


def cascade_rows(
    data: dict[str, Any], lin: list[DocFeatures], use: list[DocFeatures], deltas: Sequence[float]
) -> dict[str, Any]:
    config = DEFAULT_CONFIG.replace(encoder="static")
    out: dict[str, Any] = {}
    for name in (*SETS, "real"):
        idx = subset(data, name)
        ids = [data["ids"][k] for k in idx]
        gold = [data["gold"][k] for k in idx]
        fold = [data["fold"][k] for k in idx]
        run = Cascade([lin[k] for k in idx], [use[k] for k in idx], config)
        by_delta = {}
        for d in deltas:
            analysis, share = run.run([d] * len(run.pairs))
            story, thread = labels_of(analysis, ids)
            by_delta[d] = (story, thread, share)
        chosen = []
        for f in range(FOLDS):
            train = [i for i in range(len(idx)) if fold[i] != f]
            score = {
                d: ari([gold[i] for i in train], [by_delta[d][0][i] for i in train]) for d in deltas
            }
            chosen.append(min(d for d in deltas if score[d] >= max(score.values()) - 1e-9))
        analysis, share = run.run([chosen[fold[i]] for i, _ in run.pairs])
        story, thread = labels_of(analysis, ids)
        out[name] = {
            "cv": {"ari": ari(gold, story), "use_articles": round(share, 3), "deltas": chosen},
            "by_delta": {
                f"{d:g}": {"ari": ari(gold, s), "use_articles": round(sh, 3)}
                for d, (s, _, sh) in by_delta.items()
            },
        }
        if name == "gva":
            out[name]["cv"]["thread"] = ari(gold, thread)
        print(json.dumps({f"cascade {name}": out[name]}), flush=True)
    return out


def cpu_per_article(n: int, repeats: int) -> dict[str, Any]:
    """CPU seconds of ``analyze`` (one process, ``workers=1``) on the first ``n`` real-corpus
    articles, per encoder, each run with a fresh encoder (no sentence cached), alternated."""
    from samestory.embed import CachedEncoder, UniversalSentenceEncoder
    from samestory.pipeline.batch import analyze

    articles = real_corpus()[0][:n]
    make = {
        "static": lambda: CachedEncoder(StaticSentenceEncoder("lin")),
        "use": lambda: CachedEncoder(UniversalSentenceEncoder()),
    }
    seconds: dict[str, list[float]] = {name: [] for name in make}
    for _ in range(repeats):
        for name, encoder in make.items():
            config = DEFAULT_CONFIG.replace(encoder=name, workers=1)
            warm = encoder()
            warm.encode(["warm up"])  # load the model outside the clock, as speed.py does
            start = time.process_time()
            analyze(articles, config, warm)
            seconds[name].append(time.process_time() - start)
    out = {
        name: {"cpu_s": sorted(v)[len(v) // 2], "docs_per_cpu_s": 0.0}
        for name, v in seconds.items()
    }
    for row in out.values():
        row["docs_per_cpu_s"] = round(n / row["cpu_s"], 2)
    return {"articles": n, "repeats": repeats, **out}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cache", type=Path, default=Path("/tmp/samestory-encchoice"))
    parser.add_argument("--variants", default="use,static,lin,lin-shipped")
    parser.add_argument("--deltas", default=",".join(f"{d:g}" for d in DELTAS))
    parser.add_argument("--no-cascade", action="store_true")
    parser.add_argument("--semeval-only", action="store_true", help="SemEval rows only")
    parser.add_argument("--json", type=Path)
    parser.add_argument("--cpu", type=int, default=0, help="only CPU per article on N articles")
    parser.add_argument("--repeats", type=int, default=3, help="runs per encoder with --cpu")
    args = parser.parse_args(argv)
    if args.cpu:
        print(json.dumps(cpu_per_article(args.cpu, args.repeats)), flush=True)
        return 0
    start = time.perf_counter()
    data = load_corpus(args.cache)
    row_of, x, y = pooled_vectors(args.cache)
    print(
        f"corpus and vectors: {time.perf_counter() - start:.0f} s, {len(row_of)} sentences",
        flush=True,
    )
    vectors = variant_vectors(data, row_of, x, y)
    results: dict[str, Any] = {}
    feats: dict[str, list[DocFeatures]] = {}
    for name in args.variants.split(","):
        feats[name] = with_vectors(data["texts"], data["fold"], row_of, vectors[name])
        sem = with_vectors(data["sem_texts"], data["sem_fold"], row_of, vectors[name])
        config = DEFAULT_CONFIG.replace(encoder="use" if name == "use" else "static")
        sets = () if args.semeval_only else (*SETS, "real")
        results[name] = evaluate(data, feats[name], sem, config, sets)
        print(json.dumps({name: results[name]}), flush=True)
    if not args.no_cascade and {"lin", "use"} <= feats.keys():
        deltas = [float(d) for d in args.deltas.split(",")]
        results["cascade"] = cascade_rows(data, feats["lin"], feats["use"], deltas)
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
