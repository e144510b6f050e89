"""Relation kinds against the produced stories and threads and the gold labels: the
``follow_up`` relations inside one story, and the same-story kinds between stories.

    python benchmarks/relation_kind_trace.py [--sets ecbplus_dev,gva_dev,meantime_dev]
        [--cache DIR] [--examples 5] [--store] [--json FILE]

Each set (a dev file's stem in ``$SAMESTORY_SHARED/data``, ``:FORM`` a short form of it)
goes through production's batch (:func:`samestory.pipeline.batch.analyze_features`,
``DEFAULT_CONFIG``; features cached in ``--cache`` as ``benchmarks/headline_splits.py``
caches them). Every scored relation is placed: ``story`` (both versions in one produced
story), ``thread`` (two stories of one produced thread), ``apart`` (two threads), and
counted by kind, and every ``follow_up`` by place and gold verdict. The ``follow_up``
relations inside one story are read against the gold in detail:
``same`` (one gold story: one event on ECB+, one article and its translations on
MEANTIME, one incident on GVA), ``topic`` (two gold stories of one topic), ``other``;
by story score, thread probability, date gap, and whether their story is a wrong merge
(its versions span more than one gold story). The same-story kinds between stories are
read against the gold as well, and the kinds of the pairs of one gold story counted as
``benchmarks/accuracy.py``'s kinds row counts them, as they are and with the
in-story ``follow_up``s relabelled ``same_event``. ``text_dates``: the relations whose
two dates are more than ``DATE_GAP_DAYS`` apart by a date read from a text (a date note not
``published``), by rule, kind, place and gold verdict: ``rewrite_over_bar`` the pairs
``relate._is_follow_up``'s far-apart case decides (a rewrite at the story bar or over,
thread probability >= ``THREAD_THRESHOLD``: ``follow_up`` while that case read text dates,
``rewrite`` since it reads publication dates only), ``under_bar`` the ``follow_up``s the
text-date gate's cut put under the bar, ``same_event`` those over it. ``grouping``: a
digest of the stories and threads. ``--store`` also adds the set to a new store in a
temporary folder and counts the kinds the store's stories list
(:meth:`samestory.store.Store.story`, what ``show``, the story page and the API read)
beside the batch's (``Story.relations``). Writes nothing but ``--json``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import tempfile
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from corpus import DATA
from headline_splits import load, report_sets

from samestory.config import DEFAULT_CONFIG, Config
from samestory.evaluate import read_labelled, record_to_article
from samestory.models import Relation, RelationKind, Story
from samestory.pipeline.batch import analyze_features
from samestory.relate import DATE_GAP_DAYS
from samestory.threads import THREAD_THRESHOLD

# Story-score bands of a follow_up (its score is the story score, under the bar unless a
# rewrite published over DATE_GAP_DAYS apart) and thread-probability bands (>= 0.6).
SCORE_BANDS = (0.1, 0.2, 0.3, 0.4)
THREAD_BANDS = (0.7, 0.8, 0.9, 1.0)


def kind_name(relation: Relation) -> str:
    return relation.kind.value if relation.kind is not None else "none"


def band(value: float, edges: Sequence[float]) -> str:
    for edge in edges:
        if value < edge:
            return f"<{edge}"
    return f">={edges[-1]}"


def gap_band(gap: int | None) -> str:
    if gap is None:
        return "undated"
    if gap <= 7:
        return "0-7"
    return "8-30" if gap <= DATE_GAP_DAYS else f">{DATE_GAP_DAYS}"


def place(relation: Relation, story_of: dict[str, str], thread_of: dict[str, str]) -> str:
    """``story``, ``thread`` or ``apart``: where the pair's two versions ended."""
    if story_of[relation.a] == story_of[relation.b]:
        return "story"
    return "thread" if thread_of[relation.a] == thread_of[relation.b] else "apart"


def verdict(a: str, b: str, gold: dict[str, str], topic: dict[str, str]) -> str:
    """``same`` gold story, same ``topic`` only, or ``other``."""
    if gold[a] == gold[b]:
        return "same"
    return "topic" if topic.get(a) is not None and topic.get(a) == topic.get(b) else "other"


def wrong_merges(stories: Iterable[Story], gold: dict[str, str]) -> set[str]:
    """Ids of the produced stories whose versions span more than one gold story."""
    return {s.id for s in stories if len({gold[a] for a in s.articles}) > 1}


def follow_up_view(
    relation: Relation,
    gold: dict[str, str],
    topic: dict[str, str],
    story_of: dict[str, str],
    merged: set[str],
) -> dict[str, Any]:
    scores = relation.evidence.scores
    return {
        "verdict": verdict(relation.a, relation.b, gold, topic),
        "score": band(relation.score, SCORE_BANDS),
        "thread": band(scores.get("thread", 0.0), THREAD_BANDS),
        "gap": gap_band(relation.evidence.date_gap_days),
        "wrong_merge": story_of[relation.a] in merged,
    }


def by_verdict(views: list[dict[str, Any]], field: str) -> dict[str, dict[str, int]]:
    """``value -> {verdict: count}`` of one field of the follow_up views."""
    out: dict[str, Counter[str]] = {}
    for v in views:
        out.setdefault(str(v[field]), Counter())[v["verdict"]] += 1
    return {k: dict(sorted(c.items())) for k, c in sorted(out.items())}


def gold_pair_kinds(
    relations: Iterable[Relation], gold: dict[str, str], story_of: dict[str, str], relabel: bool
) -> dict[str, int]:
    """The kinds of the scored pairs of one gold story, as ``benchmarks/accuracy.py``'s
    ``gold_pair_kinds`` counts them; with ``relabel``, a ``follow_up`` whose two versions
    one produced story holds counted as ``same_event`` (the relabelling measured, not
    shipped: docs/history/accuracy.md, 2026-12-06, kinds)."""
    kinds: Counter[str] = Counter()
    for r in relations:
        if gold[r.a] != gold[r.b]:
            continue
        inside = story_of[r.a] == story_of[r.b]
        if relabel and r.kind is RelationKind.FOLLOW_UP and inside:
            kinds[RelationKind.SAME_EVENT.value] += 1
        else:
            kinds[kind_name(r)] += 1
    return dict(sorted(kinds.items()))


def text_far_apart(relation: Relation) -> bool:
    """Dated more than ``DATE_GAP_DAYS`` apart, one date read from a text (its note is not
    a publication date's: ``dates.DateReading.describe``)."""
    gap = relation.evidence.date_gap_days
    return (
        gap is not None
        and gap > DATE_GAP_DAYS
        and any(not note.endswith(" published") for note in relation.evidence.dates)
    )


def text_date_rule(relation: Relation, bar: float) -> str | None:
    """Which text-date rule a relation dated far apart by a text falls under (see the
    module's ``text_dates``), or None."""
    if not text_far_apart(relation):
        return None
    kind, thread = relation.kind, relation.evidence.scores.get("thread", 0.0)
    if kind in (RelationKind.FOLLOW_UP, RelationKind.REWRITE) and relation.score >= bar:
        return "rewrite_over_bar" if thread >= THREAD_THRESHOLD else None
    if kind is RelationKind.FOLLOW_UP:
        return "under_bar"
    return "same_event" if kind is RelationKind.SAME_EVENT else None


def text_date_counts(
    relations: Iterable[Relation],
    bar: float,
    gold: dict[str, str],
    topic: dict[str, str],
    story_of: dict[str, str],
    thread_of: dict[str, str],
) -> dict[str, int]:
    """``rule/kind/place/verdict -> count`` of the relations :func:`text_date_rule` names."""
    counts: Counter[str] = Counter()
    for r in relations:
        rule = text_date_rule(r, bar)
        if rule is not None:
            where = place(r, story_of, thread_of)
            counts[f"{rule}/{kind_name(r)}/{where}/{verdict(r.a, r.b, gold, topic)}"] += 1
    return dict(sorted(counts.items()))


def grouping_digest(stories: Iterable[Story]) -> str:
    """12 hex digits of the stories' members and their threads' members: equal digests,
    equal stories and threads."""
    members = sorted(sorted(s.articles) for s in stories)
    by_thread: dict[str, list[str]] = {}
    for s in stories:
        by_thread.setdefault(s.thread or s.id, []).extend(s.articles)
    threads = sorted(sorted(m) for m in by_thread.values())
    return hashlib.sha256(json.dumps([members, threads]).encode()).hexdigest()[:12]


def gold_topics(spec: str) -> dict[str, str]:
    """Each record id's gold topic (a short form keeps its record's id)."""
    records, _ = read_labelled(DATA / f"{spec.partition(':')[0]}.jsonl")
    return {str(r["id"]): str(r["topic"]) for r in records if r.get("topic") is not None}


def trace(spec: str, config: Config, cache: Path, examples: int, store: bool) -> dict[str, Any]:
    features, labels = load(spec, config, cache)
    gold = {f.id: g for f, g in zip(features, labels, strict=True)}
    topic = gold_topics(spec)
    analysis = analyze_features(list(features), config)
    story_of = {a: s.id for s in analysis.stories for a in s.articles}
    thread_of = {a: s.thread or s.id for s in analysis.stories for a in s.articles}
    merged = wrong_merges(analysis.stories, gold)
    placed = Counter((place(r, story_of, thread_of), kind_name(r)) for r in analysis.relations)
    inside = [
        r
        for r in analysis.relations
        if r.kind is RelationKind.FOLLOW_UP and story_of[r.a] == story_of[r.b]
    ]
    views = [follow_up_view(r, gold, topic, story_of, merged) for r in inside]
    follow_ups = Counter(
        (place(r, story_of, thread_of), verdict(r.a, r.b, gold, topic))
        for r in analysis.relations
        if r.kind is RelationKind.FOLLOW_UP
    )
    between = Counter(
        (place(r, story_of, thread_of), kind_name(r), verdict(r.a, r.b, gold, topic))
        for r in analysis.relations
        if r.same_story and story_of[r.a] != story_of[r.b]
    )
    row: dict[str, Any] = {
        "set": spec,
        "relations": len(analysis.relations),
        "stories": len(analysis.stories),
        "wrong_merges": len(merged),
        "grouping": grouping_digest(analysis.stories),
        "kinds": {f"{p}/{k}": n for (p, k), n in sorted(placed.items())},
        "follow_ups_by_place": {f"{p}/{v}": n for (p, v), n in sorted(follow_ups.items())},
        "follow_up_inside": len(inside),
        "follow_up_inside_stories": len({story_of[r.a] for r in inside}),
        "follow_up_inside_by": {
            field: by_verdict(views, field) for field in ("score", "thread", "gap", "wrong_merge")
        },
        "same_story_kinds_between": {f"{p}/{k}/{v}": n for (p, k, v), n in sorted(between.items())},
        "gold_pair_kinds": gold_pair_kinds(analysis.relations, gold, story_of, relabel=False),
        "gold_pair_kinds_relabelled": gold_pair_kinds(
            analysis.relations, gold, story_of, relabel=True
        ),
        "text_dates": text_date_counts(
            analysis.relations, config.same_story_threshold, gold, topic, story_of, thread_of
        ),
        "listed_batch": dict(
            sorted(Counter(kind_name(r) for s in analysis.stories for r in s.relations).items())
        ),
    }
    if store:
        row["listed_store"] = store_listed(spec)
    by_id = {f.id: f for f in features}
    text_rewrites = [
        r
        for r in analysis.relations
        if text_date_rule(r, config.same_story_threshold) == "rewrite_over_bar"
    ]
    for r in [*inside[:examples], *text_rewrites[:examples]]:
        a, b = by_id[r.a], by_id[r.b]
        print(
            json.dumps(
                {
                    "set": spec,
                    **follow_up_view(r, gold, topic, story_of, merged),
                    "score_value": round(r.score, 3),
                    "days": r.evidence.date_gap_days,
                    "texts": ((a.title or a.sentences[0])[:90], (b.title or b.sentences[0])[:90]),
                }
            ),
            flush=True,
        )
    return row


def store_listed(spec: str) -> dict[str, int]:
    """The kinds the stories of a new store holding the set list (``Store.story``)."""
    from samestory.store import Store

    name, _, form = spec.partition(":")
    if form:
        raise SystemExit("--store reads the full texts only")
    records, _ = read_labelled(DATA / f"{name}.jsonl")
    with tempfile.TemporaryDirectory() as folder:
        db = Store(Path(folder) / "trace.db")
        try:
            db.add([record_to_article(r) for r in records])
            ids = {db.story_of(str(r["id"])) for r in records}
            listed = Counter(kind_name(r) for i in ids if i for r in db.story(i).relations)
        finally:
            db.close()
    return dict(sorted(listed.items()))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sets", default="ecbplus_dev,gva_dev,meantime_dev")
    parser.add_argument("--cache", type=Path, default=Path("/tmp/relation_kind_trace"))
    parser.add_argument("--examples", type=int, default=0)
    parser.add_argument("--store", action="store_true", help="count a store's listed kinds too")
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args(argv)
    return report_sets(
        args.sets,
        lambda spec: trace(spec, DEFAULT_CONFIG, args.cache, args.examples, args.store),
        args.json,
    )


if __name__ == "__main__":
    raise SystemExit(main())
