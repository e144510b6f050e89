"""Where a relation's kind reaches the batch's story members: only through the
exclusive-names step's copy test (``exclusive.copy_relation``: exact, near-duplicate, or a
rewrite keeping half the shorter text's shingles), whose copies are one version.

The 100k synthetic corpus's ARI moved 0.9258 -> 0.9298 with e8988d8 (a rewrite at the
story bar dated far apart only by a text's date stays a ``rewrite``, no longer a
``follow_up``): its copy-edits whose dateline a paragraph shuffle moved (or a light edit's
year) became copies of their originals, so one version (docs/history/accuracy.md,
2026-12-06 23:10, trace100k)."""

from __future__ import annotations

import dataclasses
import gzip
import json
import sys
from pathlib import Path

from conftest import read_jsonl, shared_data

from samestory import exclusive
from samestory.api import featurize_all, relate
from samestory.config import DEFAULT_CONFIG
from samestory.evaluate import record_to_article
from samestory.models import Article, Relation, RelationKind
from samestory.pipeline.batch import Analysis, assemble_analysis, grouping_views
from samestory.pipeline.copies import collapse_copies
from samestory.pipeline.propose import propose_pairs
from samestory.pipeline.score import score_pairs
from samestory.threads import THREAD_THRESHOLD

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

import kind_story_trace as kst


def shuffled_repost() -> list[Article]:
    """ECB+ 33_1ecbplus (its dateline "Apr 12, 2013" under the title) and a repost of it
    with ten body lines in reverse order and the dateline moved after them, as the 100k
    corpus's shuffle-and-truncate variants do: the repost's first date is the footage's
    "October 21, 2011", 539 days from the original's by the texts alone."""
    records = {r["id"]: r for r in read_jsonl(shared_data("ecbplus_dev.jsonl"))}
    original = record_to_article(records["ecb:33_1ecbplus"])
    title, dateline, *body = original.text.split("\n")
    text = "\n".join([title, *body[:10][::-1], dateline])
    return [original, dataclasses.replace(original, id="ecb:33_1ecbplus~moved", text=text)]


def test_a_repost_dated_far_apart_by_its_text_is_a_copy_for_the_exclusive_names_step():
    features = featurize_all(shuffled_repost())
    relation = relate(*features, DEFAULT_CONFIG)
    assert relation.evidence.date_gap_days == 539
    assert not any(note.endswith(" published") for note in relation.evidence.dates)
    assert relation.score >= DEFAULT_CONFIG.same_story_threshold
    assert relation.evidence.scores["thread"] >= THREAD_THRESHOLD
    assert relation.kind is RelationKind.REWRITE
    assert relation.evidence.scores[exclusive.CONTAINMENT_SCORE] >= exclusive.COPY_CONTAINMENT

    # One version for the step (grouped as one item); labelled follow_up (as before
    # e8988d8) it was two.
    def versions(r: Relation) -> list[int | None]:
        return list(exclusive.with_versions(grouping_views(features, [(0, 1)], [r]), [None, None]))

    assert exclusive.copy_relation(relation)
    assert versions(relation) == [None, 0]
    follow_up = dataclasses.replace(relation, kind=RelationKind.FOLLOW_UP)
    assert not exclusive.copy_relation(follow_up)
    assert versions(follow_up) == [None, None]


def members(analysis: Analysis) -> set[frozenset[str]]:
    """The stories' members (a story lists its versions in an order provenance, which
    reads kinds, decides)."""
    return {frozenset(s.articles) for s in analysis.stories}


def test_no_relation_kind_but_the_copy_test_moves_a_story_member(ecb_records):
    # Every relation that is not a copy for the exclusive-names step relabelled
    # (follow_up <-> no kind, same_event and a rewrite under COPY_CONTAINMENT -> no kind):
    # the stories' members are the same. The kinds reach the members only as copies.
    articles = [record_to_article(r) for r in ecb_records]
    config = DEFAULT_CONFIG
    features = featurize_all(articles, config)
    copies = collapse_copies(features, config)
    pairs = propose_pairs(features, copies, config)
    relations = score_pairs(features, copies.copies + pairs, config)

    def relabelled(r: Relation) -> Relation:
        if exclusive.copy_relation(r):
            return r
        kind = RelationKind.FOLLOW_UP if r.kind is None else None
        return dataclasses.replace(r, kind=kind)

    moved = [relabelled(r) for r in relations]
    assert sum(r.kind is not m.kind for r, m in zip(relations, moved, strict=True)) > 100
    as_scored = members(assemble_analysis(features, copies, pairs, relations, config))
    assert members(assemble_analysis(features, copies, pairs, moved, config)) == as_scored
    # The copies the step reads do move with a copy relabelled (the five rewrites of these
    # topics that keep half the shorter text's shingles, read as follow_ups).
    uncopied = [
        dataclasses.replace(r, kind=RelationKind.FOLLOW_UP) if exclusive.copy_relation(r) else r
        for r in relations
    ]
    assert sum(r is not u for r, u in zip(relations, uncopied, strict=True)) == 5
    pair_relations = relations[len(copies.copies) :]
    assert len(grouping_views(features, pairs, pair_relations).copies) == 5
    assert not grouping_views(features, pairs, uncopied[len(copies.copies) :]).copies


def test_the_trace_replays_the_kind_before_e8988d8_and_diffs_two_dumps(tmp_path):
    features = featurize_all(shuffled_repost())
    relation = relate(*features, DEFAULT_CONFIG)
    assert kst.before_text_far_rewrites(relation).kind is RelationKind.FOLLOW_UP
    close = dataclasses.replace(
        relation, evidence=dataclasses.replace(relation.evidence, date_gap_days=0)
    )
    assert kst.before_text_far_rewrites(close) is close
    # Two dumps of four texts: the rewrite (a copy) joins b to a's story on the new side.
    row = ["a", "b", "follow_up", 0.5, 539, 1.0, [], 0.7, False]
    gold = {"a": "g1", "b": "g1", "c": "g2", "d": "g2"}

    def write(name: str, stories: list[list[str]], kind: str, copy: bool) -> Path:
        data = {
            "ari": 0.0,
            "relations_sha256": name,
            "stories_sha256": name,
            "gold": gold,
            "stories": [
                {"id": str(k), "articles": s, "thread": None} for k, s in enumerate(stories)
            ],
            "relations": [[*row[:2], kind, *row[3:8], copy]],
        }
        path = tmp_path / f"{name}.json.gz"
        with gzip.open(path, "wt") as f:
            json.dump(data, f)
        return path

    old = write("old", [["a"], ["b"], ["c", "d"]], "follow_up", False)
    new = write("new", [["a", "b"], ["c", "d"]], "rewrite", True)
    diff = kst.diff_dumps(old, new)
    assert diff["kinds_changed"] == {"follow_up -> rewrite": 1}
    assert diff["moved_articles"] == 2 and diff["moved_gold"] == {"g1": 2}
    assert [s["gold"] for s in diff["stories_only_new"]] == [{"g1": 2}]
    assert diff["changed_examples"][0]["same_gold"] and diff["changed_touching_moved"] == 1
