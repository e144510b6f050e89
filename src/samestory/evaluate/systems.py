"""Running a system on a labelled file: its grouping of an article file, or its scores of a
pair file, measured against the labels."""

from __future__ import annotations

import math
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from typing import Any

from samestory.evaluate.metrics import cluster_metrics, pearson
from samestory.models import Article

ClusterFn = Callable[[list[Article]], list[list[str]]]
ScoreFn = Callable[[list[tuple[Article, Article]]], list[float]]

#: Smallest language-pair group reported under ``by_language`` in :func:`evaluate_pairs`.
MIN_LANGUAGE_PAIRS = 20

_ARTICLE_FIELDS = ("id", "text", "title", "date", "source", "lang")


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
