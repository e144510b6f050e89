"""Evaluation harness: clustering and pair-scoring metrics on the labelled dev sets.

Library only (its command lines are ``samestory eval`` and ``benchmarks/accuracy.py``). Two
kinds of file:

- *article files* (one article per line with a gold ``story``): a system groups the
  articles and :func:`evaluate_articles` scores the grouping with :func:`cluster_metrics`;
- *pair files* (``text1``/``text2`` with a human ``overall`` similarity from 1 = same story
  to 4 = unrelated): a system scores each pair and :func:`evaluate_pairs` reports Pearson's
  correlation of the score with ``-overall``.

:func:`make_copy_variants` builds exact and lightly edited copies of real texts, to check
that a system labels copies with the right relation kind.

All pair counts come from the contingency table of (gold, predicted) labels, never from a
loop over pairs, so the metrics run in O(n log n) on 100k documents.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import math
import random
import re
import time
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from samestory.models import Article, SkippedRecord
from samestory.normalize import is_blank, words

ClusterFn = Callable[[list[Article]], list[list[str]]]
ScoreFn = Callable[[list[tuple[Article, Article]]], list[float]]

#: Smallest language-pair group reported under ``by_language`` in :func:`evaluate_pairs`.
MIN_LANGUAGE_PAIRS = 20

_ARTICLE_FIELDS = ("id", "text", "title", "date", "source", "lang")


# --------------------------------------------------------------------------- reading


def load_records(path: str | Path) -> list[dict[str, Any]]:
    """Read a JSONL file into a list of dicts (blank lines are skipped).

    Raises ``ValueError`` naming ``file:line`` for a line that is not valid JSON or not a
    JSON object.
    """
    records = []
    for lineno, record, problem in _json_lines(Path(path)):
        if problem:
            raise ValueError(f"{path}:{lineno}: {problem}")
        records.append(record)
    return records


def read_labelled(path: str | Path) -> tuple[list[dict[str, Any]], list[SkippedRecord]]:
    """The usable records of a labelled file, and why each other line was skipped.

    Like :func:`load_records`, but a bad line does not stop the evaluation: a line that
    is not a JSON object, an article without ``id``, ``text`` or ``story`` (or with an id
    already seen), or a pair without ``text1``, ``text2`` or a numeric ``overall`` is
    left out as a :class:`SkippedRecord` (its ``source`` is ``"file:line"``). The kind of
    file (articles or pairs) is decided by its first ten records that parse.
    """
    parsed: list[tuple[int, dict[str, Any]]] = []
    problems: list[tuple[int, str]] = []
    for lineno, record, problem in _json_lines(Path(path)):
        if problem:
            problems.append((lineno, problem))
        else:
            parsed.append((lineno, record))
    pairs = is_pair_file([record for _, record in parsed])
    records: list[dict[str, Any]] = []
    first_line: dict[str, int] = {}
    for lineno, record in parsed:
        reason = _pair_problem(record) if pairs else _article_problem(record, first_line)
        if reason:
            problems.append((lineno, reason))
            continue
        if not pairs:
            first_line[str(record["id"])] = lineno
        records.append(record)
    return records, [
        SkippedRecord(f"{path}:{lineno}", reason) for lineno, reason in sorted(problems)
    ]


def _json_lines(path: Path) -> Iterator[tuple[int, dict[str, Any], str | None]]:
    """``(line number, object, None)`` per JSON-object line, ``(line, {}, why)`` per bad
    line; blank lines are skipped."""
    with path.open(encoding="utf-8") as handle:
        for lineno, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                yield lineno, {}, f"invalid JSON: {exc.msg}"
                continue
            if isinstance(record, dict):
                yield lineno, record, None
            else:
                yield lineno, {}, f"expected a JSON object, got {type(record).__name__}"


def _pair_problem(record: dict[str, Any]) -> str | None:
    missing = [k for k in ("text1", "text2") if not isinstance(record.get(k), str)]
    if missing:
        return f"no {' or '.join(missing)}"
    overall = record.get("overall")
    if isinstance(overall, bool) or not isinstance(overall, (int, float)) or overall != overall:
        return f"overall is not a number: {overall!r}"
    return None


def _article_problem(record: dict[str, Any], first_line: dict[str, int]) -> str | None:
    missing = [k for k in ("id", "story") if record.get(k) in (None, "")]
    if not isinstance(record.get("text"), str) or is_blank(record["text"]):
        missing.append("text")  # none, or invisible characters only (zero-width spaces)
    if missing:
        return f"no {', '.join(missing)}"
    doc_id = str(record["id"])
    if doc_id in first_line:
        return f"id {doc_id!r} already on line {first_line[doc_id]}"
    return None


def is_pair_file(records: Sequence[dict[str, Any]]) -> bool:
    """True when the records are pairs (they carry ``text1`` and ``text2``)."""
    return bool(records) and all("text1" in r and "text2" in r for r in records[:10])


# --------------------------------------------------------------------------- metrics


def _comb2(counts: np.ndarray) -> int:
    """sum over counts c of C(c, 2) = c(c-1)/2, as an exact Python int."""
    c = counts.astype(np.int64)
    return int((c * (c - 1) // 2).sum())


def _encode(labels: Sequence[Any]) -> np.ndarray:
    """Map arbitrary hashable labels to dense integer codes 0..k-1."""
    index: dict[Any, int] = {}
    return np.fromiter(
        (index.setdefault(x, len(index)) for x in labels), dtype=np.int64, count=len(labels)
    )


def cluster_metrics(gold: Sequence[Any], pred: Sequence[Any]) -> dict[str, float | int]:
    """Compare a predicted clustering with the gold one (``gold[i]``/``pred[i]`` label doc i).

    With ``n_ij`` the contingency table (docs in gold story i and predicted cluster j),
    ``a_i = sum_j n_ij`` the gold story sizes, ``b_j = sum_i n_ij`` the predicted cluster
    sizes and ``C(x) = x(x-1)/2``:

    Pair counting (over all unordered pairs of docs):
        ``TP = sum_ij C(n_ij)``; predicted-same pairs ``P = sum_j C(b_j)``; gold-same pairs
        ``G = sum_i C(a_i)``. ``pair_precision = TP / P`` (1.0 when P = 0: no pair was
        claimed, so none is wrong), ``pair_recall = TP / G`` (1.0 when G = 0),
        ``pair_f1 = 2 p r / (p + r)`` (0.0 when p + r = 0).

    Adjusted Rand index (Hubert & Arabie 1985), from the pair confusion matrix with
    ``FP = P - TP``, ``FN = G - TP``, ``TN = C(n) - TP - FP - FN``:
        ``ARI = 2 (TP·TN - FN·FP) / ((TP+FN)(FN+TN) + (TP+FP)(FP+TN))``,
        1.0 when FP = FN = 0 (identical partitions), as in scikit-learn.

    B-cubed (Bagga & Baldwin 1998), per document d in cell (i, j):
        ``precision(d) = n_ij / b_j``, ``recall(d) = n_ij / a_i``, averaged over documents:
        ``bcubed_precision = (1/n) sum_ij n_ij² / b_j``,
        ``bcubed_recall = (1/n) sum_ij n_ij² / a_i``, ``bcubed_f1`` their harmonic mean.

    Also returned: ``stories`` (predicted clusters), ``gold_stories`` and ``docs``.
    An empty input gives all scores 1.0.
    """
    if len(gold) != len(pred):
        raise ValueError(f"gold has {len(gold)} labels but pred has {len(pred)}")
    n = len(gold)
    if n == 0:
        return _PERFECT_EMPTY.copy()
    table = _Contingency.of(_encode(gold), _encode(pred))
    pair_p, pair_r, ari = _pair_scores(table)
    b3_p, b3_r = _bcubed(table)
    return {
        "ari": ari,
        "pair_precision": pair_p,
        "pair_recall": pair_r,
        "pair_f1": _f1(pair_p, pair_r),
        "bcubed_precision": b3_p,
        "bcubed_recall": b3_r,
        "bcubed_f1": _f1(b3_p, b3_r),
        "stories": len(table.pred_sizes),
        "gold_stories": len(table.gold_sizes),
        "docs": n,
    }


# What cluster_metrics returns for no documents: nothing claimed, nothing missed.
_PERFECT_EMPTY: dict[str, float | int] = {
    "ari": 1.0,
    "pair_precision": 1.0,
    "pair_recall": 1.0,
    "pair_f1": 1.0,
    "bcubed_precision": 1.0,
    "bcubed_recall": 1.0,
    "bcubed_f1": 1.0,
    "stories": 0,
    "gold_stories": 0,
    "docs": 0,
}


@dataclass(frozen=True)
class _Contingency:
    """The non-zero cells of the gold x predicted table (see :func:`cluster_metrics`):
    each cell's count ``n_ij`` with its gold story and predicted cluster, and the two
    sides' sizes ``a_i`` and ``b_j``. Kept sparse: a corpus has thousands of stories."""

    n_ij: np.ndarray
    cell_gold: np.ndarray
    cell_pred: np.ndarray
    gold_sizes: np.ndarray
    pred_sizes: np.ndarray

    @classmethod
    def of(cls, gold: np.ndarray, pred: np.ndarray) -> _Contingency:
        """The table of two dense label codings (:func:`_encode`) of at least one doc."""
        n_pred = int(pred.max()) + 1
        cells, n_ij = np.unique(gold * n_pred + pred, return_counts=True)
        return cls(n_ij, cells // n_pred, cells % n_pred, np.bincount(gold), np.bincount(pred))

    @property
    def docs(self) -> int:
        return int(self.n_ij.sum())


def _pair_scores(table: _Contingency) -> tuple[float, float, float]:
    """Pair precision, pair recall and the adjusted Rand index (formulas in
    :func:`cluster_metrics`)."""
    n = table.docs
    tp = _comb2(table.n_ij)
    pred_pairs = _comb2(table.pred_sizes)
    gold_pairs = _comb2(table.gold_sizes)
    fp, fn = pred_pairs - tp, gold_pairs - tp
    tn = n * (n - 1) // 2 - tp - fp - fn
    pair_p = tp / pred_pairs if pred_pairs else 1.0
    pair_r = tp / gold_pairs if gold_pairs else 1.0
    if fp == 0 and fn == 0:
        ari = 1.0
    else:  # Python ints: the products overflow int64 beyond ~50k docs.
        ari = 2.0 * (tp * tn - fn * fp) / ((tp + fn) * (fn + tn) + (tp + fp) * (fp + tn))
    return float(pair_p), float(pair_r), float(ari)


def _bcubed(table: _Contingency) -> tuple[float, float]:
    """B-cubed precision and recall, averaged over documents (see :func:`cluster_metrics`)."""
    n = table.docs
    sq = table.n_ij.astype(np.float64) ** 2
    precision = float((sq / table.pred_sizes[table.cell_pred]).sum() / n)
    recall = float((sq / table.gold_sizes[table.cell_gold]).sum() / n)
    return precision, recall


def _f1(precision: float, recall: float) -> float:
    """Harmonic mean ``2pr / (p + r)``, 0.0 when both are 0."""
    total = precision + recall
    return float(2 * precision * recall / total) if total > 0 else 0.0


def pearson(x: Sequence[float], y: Sequence[float]) -> float:
    """Pearson's r = cov(x, y) / (sd(x) sd(y)); NaN for fewer than 2 points or a constant."""
    xa = np.asarray(x, dtype=np.float64)
    ya = np.asarray(y, dtype=np.float64)
    if xa.shape != ya.shape:
        raise ValueError(f"x has {xa.size} values but y has {ya.size}")
    if xa.size < 2:
        return math.nan
    xc, yc = xa - xa.mean(), ya - ya.mean()
    denom = math.sqrt(float((xc * xc).sum()) * float((yc * yc).sum()))
    if denom == 0.0:
        return math.nan
    return float(np.clip((xc * yc).sum() / denom, -1.0, 1.0))


# --------------------------------------------------------------------------- systems


def record_to_article(record: dict[str, Any], origin: str | None = None) -> Article:
    """Build an :class:`Article` from a record's ``id, text, title, date, source, lang``."""
    data = {k: record.get(k) for k in _ARTICLE_FIELDS}
    data["id"] = str(data["id"])
    data["text"] = data["text"] or ""
    data["origin"] = origin
    return Article.from_dict(data)


def evaluate_articles(records: Sequence[dict[str, Any]], cluster_fn: ClusterFn) -> dict[str, Any]:
    """Group the articles of an article file with ``cluster_fn`` and score the grouping.

    ``cluster_fn`` gets the articles and returns clusters as lists of article ids. An id
    it leaves out is counted as its own singleton (and reported as ``unassigned``); an
    unknown or repeated id raises ``ValueError``. Returns :func:`cluster_metrics` plus
    ``seconds`` (wall time of ``cluster_fn``), ``docs_per_second`` and ``unassigned``.
    """
    articles = [record_to_article(r) for r in records]
    ids = [a.id for a in articles]
    if len(set(ids)) != len(ids):
        raise ValueError("duplicate article ids in records")
    gold = [str(r["story"]) for r in records]

    start = time.perf_counter()
    clusters = cluster_fn(articles)
    seconds = time.perf_counter() - start

    known = set(ids)
    label: dict[str, str] = {}
    for k, cluster in enumerate(clusters):
        for doc_id in cluster:
            if doc_id not in known:
                raise ValueError(f"cluster_fn returned unknown id {doc_id!r}")
            if doc_id in label:
                raise ValueError(f"cluster_fn returned id {doc_id!r} in two clusters")
            label[doc_id] = f"c{k}"
    unassigned = 0
    pred = []
    for doc_id in ids:
        if doc_id not in label:
            unassigned += 1
            label[doc_id] = f"single:{doc_id}"
        pred.append(label[doc_id])

    out: dict[str, Any] = cluster_metrics(gold, pred)
    out["seconds"] = seconds
    out["docs_per_second"] = len(ids) / seconds if seconds > 0 else math.inf
    out["unassigned"] = unassigned
    out["errors"] = story_errors(ids, gold, pred)
    return out


def story_errors(ids: Sequence[str], gold: Sequence[str], pred: Sequence[str]) -> dict[str, Any]:
    """Where a grouping went wrong, article by article, largest errors first.

    ``merged``: each predicted story holding articles of two or more gold stories, as
    ``{"articles": n, "gold": {gold story: [ids]}}``. ``split``: each gold story spread
    over two or more predicted stories, as ``{"story": gold story, "pieces": [[ids]]}``
    (largest piece first). ``ids``, ``gold`` and ``pred`` are parallel.
    """
    by_pred: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    by_gold: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for doc_id, g, p in zip(ids, gold, pred, strict=True):
        by_pred[p][g].append(doc_id)
        by_gold[g][p].append(doc_id)
    merged: list[dict[str, Any]] = [
        {"articles": sum(map(len, parts.values())), "gold": dict(sorted(parts.items()))}
        for parts in by_pred.values()
        if len(parts) > 1
    ]
    split = [
        {"story": g, "pieces": sorted(parts.values(), key=lambda piece: (-len(piece), piece))}
        for g, parts in by_gold.items()
        if len(parts) > 1
    ]
    merged.sort(key=lambda e: (-e["articles"], sorted(e["gold"])))
    split.sort(key=lambda e: (-sum(map(len, e["pieces"])), e["story"]))
    return {"merged": merged, "split": split}


def evaluate_pairs(records: Sequence[dict[str, Any]], score_fn: ScoreFn) -> dict[str, Any]:
    """Score each pair with ``score_fn`` and correlate with the human judgement.

    ``overall`` runs from 1 (same story) to 4 (unrelated), so a good similarity score
    correlates *positively* with ``-overall``. Returns ``pearson`` (all pairs),
    ``pearson_crosslingual`` (``lang1 != lang2``), ``pearson_monolingual``, ``pairs``,
    ``seconds``, ``pairs_per_second`` and ``by_language``: ``{"de-en": {"pearson", "pairs"}}``
    for each ``lang1-lang2`` group of at least :data:`MIN_LANGUAGE_PAIRS` pairs.
    """
    pairs: list[tuple[Article, Article]] = []
    for i, r in enumerate(records):
        pid = str(r.get("pair_id", i))
        a = record_to_article({"id": f"{pid}:1", "text": r["text1"], "lang": r.get("lang1")})
        b = record_to_article({"id": f"{pid}:2", "text": r["text2"], "lang": r.get("lang2")})
        pairs.append((a, b))
    target = [-float(r["overall"]) for r in records]

    start = time.perf_counter()
    scores = [float(s) for s in score_fn(pairs)]
    seconds = time.perf_counter() - start
    if len(scores) != len(pairs):
        raise ValueError(f"score_fn returned {len(scores)} scores for {len(pairs)} pairs")

    groups: dict[str, list[int]] = defaultdict(list)
    cross: list[int] = []
    mono: list[int] = []
    for i, r in enumerate(records):
        l1, l2 = r.get("lang1"), r.get("lang2")
        groups[f"{l1}-{l2}"].append(i)
        (cross if l1 != l2 else mono).append(i)

    def corr(idx: list[int]) -> float:
        return pearson([scores[i] for i in idx], [target[i] for i in idx])

    by_language = {
        key: {"pearson": corr(idx), "pairs": len(idx)}
        for key, idx in sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[0]))
        if len(idx) >= MIN_LANGUAGE_PAIRS
    }
    return {
        "pearson": pearson(scores, target),
        "pearson_crosslingual": corr(cross),
        "pearson_monolingual": corr(mono),
        "pairs": len(pairs),
        "crosslingual_pairs": len(cross),
        "seconds": seconds,
        "pairs_per_second": len(pairs) / seconds if seconds > 0 else math.inf,
        "by_language": by_language,
    }


# --------------------------------------------------------------------------- copies

_BOILERPLATE_LINES = (
    "Share this article",
    "Share this article on Facebook",
    "Read more:",
    "Advertisement",
    "Click here to subscribe to our newsletter.",
)
_SOURCE_LINES = ("Source: Reuters", "Source: AP", "Source: AFP", "(Reuters)", "Source: dpa")
_SWAPS = {
    "said": "stated",
    "says": "states",
    "told": "informed",
    "announced": "reported",
    "people": "persons",
    "killed": "left dead",
    "about": "around",
    "after": "following",
    "before": "prior to",
    "big": "large",
    "started": "began",
    "also": "additionally",
    "dijo": "afirmó",
    "ha detto": "ha dichiarato",
    "zei": "verklaarde",
    "sagte": "erklärte",
}
_NUMBER_RE = re.compile(r"(?<![\w.,])\d+(?![\w])")
_NAME_RE = re.compile(r"(?<![\w'])[A-Z][a-z]{3,}(?![\w'])")
_COMMA_RE = re.compile(r",(?= )")
_DOUBLE_QUOTES_RE = re.compile(r'"([^"\n]{1,400})"')


def _exact_copy(text: str, rng: random.Random) -> str:
    """A copy equal to ``text`` after normalisation: byte-identical, or changed only in
    whitespace, letter case or punctuation (word tokens stay the same)."""
    ops = ["identical", "spaces", "newlines", "lower", "quotes", "commas", "crlf"]
    chosen = rng.sample(ops, k=rng.choice((1, 2)))
    if "identical" in chosen:
        return text
    out = text
    for op in chosen:
        if op == "spaces":
            out = out.replace(". ", ".  ") if ". " in out else "  " + out + " \n"
        elif op == "newlines":
            out = out.replace("\n", "\n\n") if "\n" in out else out + "\n\n"
        elif op == "lower":
            out = out.lower()
        elif op == "quotes":
            new = _DOUBLE_QUOTES_RE.sub("“\\1”", out)
            out = new if new != out else out.rstrip() + " "
        elif op == "commas":
            new = _COMMA_RE.sub("", out)
            out = new if new != out else out.replace(".", ";", 1) if "." in out else out + "."
        elif op == "crlf":
            out = out.replace("\n", "\r\n") + "\r\n"
    # Guard: case folding of rare letters (Turkish dotted I) can split a token.
    return out if words(out) == words(text) else text


# The synthetic copy variants (make_copy_variants), chosen when the generator was written:
# texts shorter than this many tokens get a word added rather than one dropped; the odds
# of page furniture (below the first: a boilerplate line added; the second: a source
# credit; the third: a boilerplate line removed); years (numbers in this range) move back
# one year, other numbers by one of NUMBER_STEPS; texts shorter than this many words get
# no copy variant.
MIN_TOKENS_TO_DROP = 6
FURNITURE_ODDS = (0.3, 0.6, 0.75)
YEAR_RANGE = (1900, 2100)
NUMBER_STEPS = (1, 2, 3, 10)
MIN_VARIANT_WORDS = 30


def _tweak_number(text: str, rng: random.Random) -> str | None:
    matches = list(_NUMBER_RE.finditer(text))
    if not matches:
        return None
    m = rng.choice(matches)
    value = int(m.group())
    earliest, latest = YEAR_RANGE
    is_year = earliest <= value <= latest
    new = str(value - 1 if is_year else value + rng.choice(NUMBER_STEPS))
    return text[: m.start()] + new + text[m.end() :]


def _respell_name(text: str, rng: random.Random) -> str | None:
    matches = list(_NAME_RE.finditer(text))
    if not matches:
        return None
    m = rng.choice(matches)
    name = m.group()
    i = rng.randrange(1, len(name) - 1)
    doubled = name[:i] + name[i] + name[i:]  # "Ketsoyan" -> "Kettsoyan"
    dropped = name[:i] + name[i + 1 :]  # "Ketsoyan" -> "Ketoyan"
    new = doubled if rng.random() < 0.5 else dropped
    # respell every occurrence, as a copy editor's house spelling would
    return re.sub(rf"(?<![\w']){re.escape(name)}(?![\w'])", new, text)


def _swap_word(text: str, rng: random.Random) -> str | None:
    present = [w for w in _SWAPS if re.search(rf"\b{re.escape(w)}\b", text)]
    if not present:
        return None
    word = rng.choice(present)
    return re.sub(rf"\b{re.escape(word)}\b", _SWAPS[word], text, count=1)


def _drop_word(text: str, rng: random.Random) -> str:
    tokens = text.split(" ")
    if len(tokens) < MIN_TOKENS_TO_DROP:
        return text + " Updated."
    i = rng.randrange(2, len(tokens) - 2)
    return " ".join(tokens[:i] + tokens[i + 1 :])


def _near_duplicate_copy(text: str, rng: random.Random) -> str:
    """A lightly edited copy: one or two word-level edits (a number, a name's spelling, a
    word swapped for a synonym) plus, often, page furniture (a boilerplate line added or
    removed, a trailing source credit) and punctuation/whitespace noise."""
    out = text
    edits = [_tweak_number, _respell_name, _swap_word]
    rng.shuffle(edits)
    changed = 0
    for edit in edits:
        if changed >= rng.choice((1, 2)):
            break
        new = edit(out, rng)
        if new is not None and new != out:
            out, changed = new, changed + 1
    if changed == 0:
        out = _drop_word(out, rng)
    lines = out.split("\n")
    furniture = rng.random()
    add_line, add_credit, remove_line = FURNITURE_ODDS
    if furniture < add_line:
        lines.insert(rng.randrange(1, len(lines) + 1), rng.choice(_BOILERPLATE_LINES))
    elif furniture < add_credit:
        lines.append(rng.choice(_SOURCE_LINES))
    elif furniture < remove_line and len(lines) > 2:
        boiler = [i for i, ln in enumerate(lines) if ln.strip() in _BOILERPLATE_LINES]
        if boiler:
            del lines[rng.choice(boiler)]
    out = "\n".join(lines)
    if rng.random() < 0.5:
        out = _exact_copy(out, rng)
    if words(out) == words(text):  # e.g. the dropped token was a lone dash
        out = out.rstrip() + " Updated."
    return out


def make_copy_variants(
    records: Sequence[dict[str, Any]],
    seed: int = 0,
    limit: int | None = None,
    min_words: int = MIN_VARIANT_WORDS,
) -> tuple[list[dict[str, Any]], list[tuple[str, str, str]]]:
    """Make an exact and a lightly edited copy of each record's text (for kind recall).

    Records with fewer than ``min_words`` words are skipped (on a ten-word text any word
    edit changes most shingles, so no copy detector could call it a near-duplicate).
    For each remaining record (``limit`` of them drawn with the seed, if given) this returns
    two new records, copies of the original with ``id`` ``"<orig>#exact"`` / ``"<orig>#edit"`` and
    the text changed, plus the expected relations
    ``(orig_id, copy_id, "exact" | "near_duplicate")``.

    - exact: byte-identical, or only whitespace, case or punctuation changed, so
      ``normalize.words`` (and hence ``normalize.fingerprint``) is unchanged;
    - near_duplicate: one or two word edits (a number, a name spelling, a synonym), often
      with a boilerplate line ("Share this article") added or removed, a trailing
      "Source: Reuters" credit, and whitespace/punctuation noise.

    Deterministic for a given ``seed``.
    """
    rng = random.Random(seed)
    chosen = [r for r in records if r.get("text") and len(words(r["text"])) >= min_words]
    if limit is not None:
        chosen = rng.sample(chosen, k=min(limit, len(chosen)))
    new_records: list[dict[str, Any]] = []
    expected: list[tuple[str, str, str]] = []
    for record in chosen:
        orig = str(record["id"])
        text = record["text"]
        for suffix, kind, make in (
            ("exact", "exact", _exact_copy),
            ("edit", "near_duplicate", _near_duplicate_copy),
        ):
            copy = dict(record)
            copy["id"] = f"{orig}#{suffix}"
            copy["text"] = make(text, rng)
            new_records.append(copy)
            expected.append((orig, copy["id"], kind))
    return new_records, expected


# --------------------------------------------------------------------------- short variants

#: The short forms :func:`make_short_variants` builds from full articles.
SHORT_FORMS = ("lead", "headline", "summary")
#: Mixed forms: every other article (by a hash of its id) in a short form, the rest whole:
#: a short text against a long one, as a feed item against a page.
MIXED_FORMS = tuple(f"mixed-{form}" for form in SHORT_FORMS)
# A headline is at most this many words (feeds' titles run 8-15; a text without a title
# gets its first sentence as headline, cut here as a feed cuts a long title).
HEADLINE_WORDS = 20
# A lead paragraph: whole opening sentences until it has this many words (a wire lead runs
# 25-45), a sentence that would take it past LEAD_MAX_WORDS left out (the first sentence
# alone is cut there: the one cut inside a sentence).
LEAD_WORDS = 30
LEAD_MAX_WORDS = 60
# A feed summary: the opening's first 300 characters, cut at a word, as feeds truncate.
SUMMARY_CHARS = 300
#: How :func:`make_short_variants` cuts a text. ``reader``: as a reader sees a feed item
#: (a headline is never a dateline, a cut falls at a sentence end; docs/history/accuracy.md,
#: 2026-12-06 shortdata). ``first-sentence``: the cut before it (the first sentence as
#: headline, whatever it is; a lead cut at its word cap), which the shipped params files'
#: short forms were fitted on: the fit scripts pin it, so their ``--check`` reproduces them.
SHORT_CUTS = ("reader", "first-sentence")
# Words a dateline holds besides its date and clock time ("Posted at 3: 21 PM ET, 01 / 5 /
# 2011", "Updated: Apr 19, 2016 - 12:30 PM", "3 July 2013 Last updated at 13: 38 GMT").
_DATE_WORDS = frozenset(
    """
    am pm a m p noon updated update posted published last at on article release released
    monday tuesday wednesday thursday friday saturday sunday mon tue tues wed thu thur thurs
    fri sat sun gmt utc bst ist edt est et cdt cst ct mdt mst pdt pst pt th st nd rd ago
    minutes hours days weeks months
    """.split()  # noqa: SIM905 - a word list reads best as text
)
# At most this many other words in a dateline (a place or an outlet: "INDONESIA, July 2,
# 2013", "Reuters Sep 18, 2013").
DATELINE_OTHER_WORDS = 1
_CLOCK = re.compile(r"\b\d{1,2}\s*[:.]\s*\d{2}(?!\d)")
_NUMERIC_DATE = re.compile(r"\b\d{1,2}\s*[/.]\s*\d{1,2}\s*[/.]\s*(?:19|20)?\d{2}\b")
_LETTER_RUNS = re.compile(r"[^\W\d_]+")
# What may follow a dateline's date before the body: a clock time, am/pm, a time zone.
_AFTER_DATE = re.compile(
    r"(?:\s*[,@|\-–—]?\s*(?:at\s+)?\d{1,2}\s*[:.]\s*\d{2}\s*(?:[ap]\.?\s?m\b\.?)?"
    r"(?:\s+[A-Z]{2,4}\b)?)?[\s.,\-–—|]*"
)
# Page lines a feed item never shows: video and page furniture, a bare "Posted on".
_NOT_READ = re.compile(
    r"^(?:more video|page \d+ of \d+$|this video is no longer available|"
    r"(?:posted|published|updated)(?: on)?:?$|(?:video|watch):)",
    re.IGNORECASE,
)
_BYLINE = re.compile(r"^(?:by|posted by|written by)\s+\S", re.IGNORECASE)
BYLINE_MAX_WORDS = 8
# A title run into its dateline and body on one line ("Apple unveils iPod nano September
# 7, 2005 Apple today unveiled ..."): the date is found within this many characters, and
# not after a word that makes it part of a sentence ("killed on Oct. 21, 2011").
DATELINE_SEARCH_CHARS = 400
_DATE_IN_SENTENCE = frozenset(
    [
        "on",
        "in",
        "of",
        "since",
        "by",
        "from",
        "until",
        "before",
        "after",
        "at",
        "the",
        "to",
        "de",
        "del",
        "el",
        "il",
        "le",
        "la",
        "van",
    ]
)


def is_dateline(text: str) -> bool:
    """Whether ``text`` is a dateline: a written date or clock time and, besides date
    words (:data:`_DATE_WORDS`, month names), at most :data:`DATELINE_OTHER_WORDS`
    other words ("May 2, 2013, 1: 12 PM", "Updated Saturday, December 05, 2009 8: 28 PM")."""
    from samestory.normalize import date_spans

    dated = _CLOCK.search(text) or _NUMERIC_DATE.search(text) or date_spans(text)
    if not dated:
        return False
    date_words = _dateline_words()
    others = [w for w in _LETTER_RUNS.findall(text) if w.lower() not in date_words]
    return len(others) <= DATELINE_OTHER_WORDS


@functools.cache
def _dateline_words() -> frozenset[str]:
    """:data:`_DATE_WORDS` and the month names, built once (not once a word)."""
    from samestory.normalize import _MONTHS

    return _DATE_WORDS | frozenset(_MONTHS)


def is_unread_line(line: str) -> bool:
    """A line a feed item does not show: a dateline, a byline, page furniture."""
    return (
        is_dateline(line)
        or bool(_NOT_READ.match(line))
        or (bool(_BYLINE.match(line)) and len(line.split()) <= BYLINE_MAX_WORDS)
    )


def _dateline_split(line: str) -> tuple[str, str, dt.date | None] | None:
    """``(before, body, date)`` of a line that holds a written date followed by the body
    (a capital or a digit after the date, its clock time and time zone): the title before
    a dateline ("Apple unveils iPod nano" of MEANTIME's one-line texts), or "" when what
    comes before is part of the dateline ("Tue Jul 2, 2013 1: 28PM GMT A powerful ...")."""
    from samestory.normalize import date_spans

    for start, end, date in date_spans(line[:DATELINE_SEARCH_CHARS]):
        after = _AFTER_DATE.match(line, end)
        body = line[after.end() if after else end :]
        if not body[:1].isupper() and not body[:1].isdigit():
            continue
        head = line[:start].strip()
        if not head or is_dateline(line[:end]):
            return "", body, date
        before = head.split()[-1].lower()
        if len(head.split()) >= 2 and before not in _DATE_IN_SENTENCE:
            return head, body, date
    return None


def _dated(text: str) -> dt.date | None:
    """The first date with a year written in ``text`` (a dateline's)."""
    from samestory.normalize import date_spans

    return next((date for _, _, date in date_spans(text) if date is not None), None)


@dataclass
class ReaderView:
    """A record as a reader sees it: the headline ("" when it has none to show), the
    paragraphs after it, and the date of the first dateline left out of them (a feed
    item's publication date)."""

    headline: str
    paragraphs: list[str]
    dateline_date: dt.date | None


def reader_view(record: dict[str, Any]) -> ReaderView:
    """A record as a reader sees it: its title, else a first line that reads like one,
    else the title before a dateline on the first line, else ""; the body's lines
    without the title line, datelines, bylines and page furniture
    (:func:`is_unread_line`) and a first line's leading dateline."""
    from samestory.normalize import clean_text, reads_like_title

    title = str(record.get("title") or "").strip()
    lines = [line.strip() for line in clean_text(str(record.get("text") or "")).splitlines()]
    lines = [line for line in lines if line]
    if title and lines and lines[0].startswith(title[:40]):
        lines = lines[1:]
    unread = [line for line in lines if is_unread_line(line)]
    dated = next((d for d in map(_dated, unread) if d is not None), None)
    lines = [line for line in lines if not is_unread_line(line)]
    # A lead-in at the top ("Sports news in brief from around the world:") is neither.
    while lines and lines[0].endswith(":") and len(lines[0].split()) <= BYLINE_MAX_WORDS + 4:
        lines = lines[1:]
    if not lines:
        return ReaderView(title, [], dated)
    if not title and len(lines) > 1 and reads_like_title(lines[0]):
        return ReaderView(lines[0], lines[1:], dated)
    split = _dateline_split(lines[0])
    if split and not (title and split[0]):
        head, body, date = split
        return ReaderView(title or head, [body, *lines[1:]], dated or date)
    return ReaderView(title, lines, dated)


def reader_cut(record: dict[str, Any], form: str) -> tuple[str, dt.date | None]:
    """The ``headline`` or ``lead`` of a record as a reader sees it (the ``reader``
    cut), and the date of the first dateline it leaves out."""
    from samestory.normalize import split_sentences

    view = reader_view(record)
    # A sentence ends at a paragraph's end, whatever the splitter reads there.
    sentences = [s for p in view.paragraphs for s in split_sentences(p)]
    dated = view.dateline_date or next(
        (d for d in map(_dated, filter(is_dateline, sentences)) if d is not None), None
    )
    sentences = [s for s in sentences if not is_dateline(s)]
    if form == "headline":
        head = view.headline or (sentences[0] if sentences else "")
        return " ".join(head.split()[:HEADLINE_WORDS]), dated
    # Without a title the headline is the first sentence, and the lead starts with it too:
    # a lead paragraph is the text's opening, whatever headline a feed shows above it.
    return _lead_of(sentences), dated


def _lead_of(sentences: list[str]) -> str:
    """Whole sentences until :data:`LEAD_WORDS`, none that passes
    :data:`LEAD_MAX_WORDS` but the first (cut there)."""
    picked: list[str] = []
    count = 0
    for sentence in sentences:
        size = len(sentence.split())
        if picked and count + size > LEAD_MAX_WORDS:
            break
        picked.append(sentence)
        count += size
        if count >= LEAD_WORDS:
            break
    return " ".join(" ".join(picked).split()[:LEAD_MAX_WORDS])


def short_text(record: dict[str, Any], form: str, cut: str = "reader") -> str:
    """The ``form`` of a record's article (see :func:`make_short_variants`), cut as
    ``cut`` says (:data:`SHORT_CUTS`)."""
    if cut not in SHORT_CUTS:
        raise ValueError(f"unknown cut {cut!r}; choose from {', '.join(SHORT_CUTS)}")
    if cut == "reader" and form in ("headline", "lead"):
        return reader_cut(record, form)[0]
    return _first_sentence_text(record, form)


def _first_sentence_text(record: dict[str, Any], form: str) -> str:
    """The ``first-sentence`` cut of a record (and the summary of either cut)."""
    from samestory.normalize import clean_text, split_sentences

    body = clean_text(str(record.get("text") or ""))
    title = str(record.get("title") or "").strip()
    lines = [line.strip() for line in body.splitlines() if line.strip()]
    if title and lines and lines[0].startswith(title[:40]):
        lines = lines[1:]
    sentences = split_sentences("\n".join(lines))
    if form == "headline":
        head = title or (sentences[0] if sentences else "")
        return " ".join(head.split()[:HEADLINE_WORDS])
    if form == "lead":
        # Without a title, a short first line is the headline: the lead is what follows.
        if not title and len(lines) > 1 and len(lines[0].split()) <= HEADLINE_WORDS:
            sentences = split_sentences("\n".join(lines[1:]))
        picked: list[str] = []
        for sentence in sentences:
            picked.append(sentence)
            if sum(len(s.split()) for s in picked) >= LEAD_WORDS:
                break
        return " ".join(" ".join(picked).split()[:LEAD_MAX_WORDS])
    if form == "summary":
        flat = " ".join(lines)
        if len(flat) <= SUMMARY_CHARS:
            return flat
        cut = flat[:SUMMARY_CHARS].rsplit(" ", 1)[0]
        return cut + " …"
    raise ValueError(
        f"unknown short form {form!r}; choose from {', '.join((*SHORT_FORMS, *MIXED_FORMS))}"
    )


def make_short_variants(
    records: Sequence[dict[str, Any]], form: str, cut: str = "reader"
) -> list[dict[str, Any]]:
    """The records with each article cut to a short ``form``, labels kept. With the
    ``reader`` cut (:data:`SHORT_CUTS`), as a reader sees a feed item:

    - ``headline``: the title; without one, the first line when it reads like a title
      (:func:`samestory.normalize.reads_like_title`), or the title a one-line text runs
      into its dateline ("Apple unveils iPod nano September 7, 2005 Apple today ..."),
      else the first sentence; never a dateline, byline or page line
      (:func:`is_unread_line`); at most 20 words;
    - ``lead``: the lead paragraph, whole opening sentences of the body after the
      headline's line up to 30 words, none that takes it past 60 but the first (cut
      there); sentences end at paragraph ends; datelines left out;
    - ``summary``: the first 300 characters, cut at a word and ending in "…", as a feed
      summary (the same under either cut);
    - ``mixed-lead``, ``mixed-headline``, ``mixed-summary`` (:data:`MIXED_FORMS`): every
      other record (by a hash of its id, so the same ones on every run) cut to that form,
      the others whole.

    Titles of cut records are dropped (the short text is all a system sees), dates and
    the rest kept; under the ``reader`` cut a record without a ``date`` gets the date of
    the first dateline its headline or lead leaves out (a feed item carries its
    publication date, and a page's dateline is that date). A record whose short form
    would be empty is left out. The
    ``first-sentence`` cut is the one the shipped params files were fitted on (the first
    sentence as headline, whatever it is; the lead's first short line left out as a
    headline; a lead cut at 60 words); the fit scripts pass it.
    """
    if form in MIXED_FORMS:
        short_form = form.removeprefix("mixed-")
        mixed: list[dict[str, Any]] = []
        for record in records:
            cut_this = _cut_in_mixed(record)
            mixed.extend(make_short_variants([record], short_form, cut) if cut_this else [record])
        return mixed
    out = []
    for record in records:
        if cut == "reader" and form in ("headline", "lead"):
            text, dated = reader_cut(record, form)
        else:
            text, dated = short_text(record, form, cut), None
        if text.strip():
            variant = {**record, "text": text, "title": None}
            if dated is not None and not record.get("date"):
                variant["date"] = dated.isoformat()  # a feed item's date: its dateline's
            out.append(variant)
    return out


def _cut_in_mixed(record: dict[str, Any]) -> bool:
    """Whether a mixed form cuts ``record`` (half of the ids, the same on every run)."""
    digest = hashlib.sha1(str(record.get("id")).encode("utf-8")).digest()
    return digest[0] % 2 == 1


# --------------------------------------------------------------------------- pairs on their own


def hard_negative_pairs(records: Sequence[dict[str, Any]]) -> list[tuple[int, int, bool]]:
    """Every pair of articles that share a ``topic``, as ``(i, j, same story)``.

    Each ECB+ topic holds two different events of one kind (two celebrities entering
    rehab, two earthquakes), each MEANTIME topic the articles on one company: the pairs
    of different stories are hard negatives (same topic, different event), those of one
    story the positives. Records without a topic are left out.
    """
    by_topic: dict[str, list[int]] = defaultdict(list)
    for k, record in enumerate(records):
        if record.get("topic") is not None:
            by_topic[str(record["topic"])].append(k)
    out = []
    for members in by_topic.values():
        for x, i in enumerate(members):
            for j in members[x + 1 :]:
                out.append((i, j, str(records[i]["story"]) == str(records[j]["story"])))
    return out


def sample_negatives(
    pairs: Sequence[tuple[int, int, bool]], max_pairs: int, seed: int = 0
) -> tuple[list[tuple[int, int, bool]], float]:
    """Every positive of ``pairs`` and a seeded uniform sample of its negatives, as many
    as fit in ``max_pairs`` (at least half of it), and the weight ``w = negatives /
    sampled negatives`` each sampled negative stands for (1 when none was left out).
    Precision ``tp / (tp + w fp)`` then estimates the full set's (a ratio estimator:
    consistent, unbiased as the sample grows); recall is exact."""
    positives = [p for p in pairs if p[2]]
    negatives = [p for p in pairs if not p[2]]
    room = max(max_pairs - len(positives), max_pairs // 2, 1)
    if room >= len(negatives):
        return list(pairs), 1.0
    chosen = random.Random(seed).sample(range(len(negatives)), room)
    kept = set(chosen)
    sample = [p for k, p in enumerate(negatives) if k in kept]
    return positives + sample, len(negatives) / room


def decision_metrics(
    gold: Sequence[bool], decided: Sequence[bool], negative_weight: float = 1.0
) -> dict[str, float | int]:
    """Pair precision, recall and F1 of yes/no decisions against gold yes/no; each
    negative counts ``negative_weight`` times (:func:`sample_negatives`)."""
    tp = sum(1 for g, d in zip(gold, decided, strict=True) if g and d)
    fp = sum(1 for g, d in zip(gold, decided, strict=True) if d and not g)
    predicted, positive = tp + fp * negative_weight, sum(map(bool, gold))
    precision = tp / predicted if predicted else math.nan
    recall = tp / positive if positive else math.nan
    return {
        "pairs": len(gold),
        "positives": positive,
        "precision": precision,
        "recall": recall,
        "f1": _f1(precision, recall),
    }
