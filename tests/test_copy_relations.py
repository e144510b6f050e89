"""Copy relations: pairs the copy test decides get a relation without the models' scores."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from samestory import relate
from samestory.config import DEFAULT_CONFIG
from samestory.features import DocFeatures, featurize
from samestory.models import Article, Relation, RelationKind
from samestory.pipeline.assemble import pair_thread_probability, thread_inputs
from samestory.pipeline.score import score_pairs

# The scores a copy relation does not have: the models are not asked.
MODEL_KEYS = {
    "event_probability",
    "rewrite_evidence",
    *relate.CUE_SCORE_KEYS,
    *relate.CONFLICT_SCORE_KEYS,
}


@pytest.fixture(scope="module")
def copies(ecb_records: list[dict]) -> list[DocFeatures]:
    """An ECB+ article (0), its exact repost (1), a near-duplicate without its last
    tenth and with a changed word (2), and two other articles of its topic (3, 4)."""
    text = ecb_records[0]["text"]
    words = text.split(" ")
    edited = " ".join(words[: len(words) * 9 // 10]).replace(" the ", " a ", 1)
    articles = [
        Article(id="orig", text=text, date=dt.date(2025, 3, 1)),
        Article(id="repost", text=text),
        Article(id="edited", text=edited, date=dt.date(2025, 3, 2)),
        Article(id="other1", text=ecb_records[1]["text"]),
        Article(id="other2", text=ecb_records[2]["text"]),
    ]
    return featurize(articles)


def _full(a: DocFeatures, b: DocFeatures) -> Relation:
    """The relation the full scoring gives (every cue and model), as before copy relations."""
    return relate.relation_of(a, b, relate.pair_score(a, b))


def test_copies_get_copy_relations_of_the_full_scorings_kind(copies):
    orig, repost, edited = copies[:3]
    for other, kind in ((repost, RelationKind.EXACT), (edited, RelationKind.NEAR_DUPLICATE)):
        relation = relate.relate(orig, other)
        full = _full(orig, other)
        assert relation.kind is full.kind is kind
        assert relation.score == full.score == 1.0
        assert relate.is_copy_relation(relation) and not relate.is_copy_relation(full)
        scores = relation.evidence.scores
        assert not MODEL_KEYS & set(scores)
        assert scores["thread"] == relate.COPY_THREAD
        # Everything else is the full scoring's, value for value.
        for key, value in full.evidence.scores.items():
            if key not in MODEL_KEYS and key != "thread":
                assert scores[key] == value, key
        assert dataclasses.replace(relation.evidence, scores={}) == dataclasses.replace(
            full.evidence, scores={}
        )


def test_other_pairs_keep_the_full_scoring(copies):
    orig, other = copies[0], copies[3]
    relation = relate.relate(orig, other)
    assert relation == _full(orig, other)
    assert not relate.is_copy_relation(relation)
    assert set(relate.CUE_SCORE_KEYS) <= set(relation.evidence.scores)


def test_batched_scoring_gives_the_copy_relations_of_relate(copies):
    config = DEFAULT_CONFIG.replace(workers=1)
    pairs = [(0, 1), (0, 2), (0, 3), (1, 2), (2, 4), (0, 4)]
    expected = [relate.relate(copies[i], copies[j], config) for i, j in pairs]
    assert score_pairs(copies, pairs, config) == expected
    assert relate.relate_against(copies[0], copies[1:], config) == [
        relate.relate(copies[0], b, config) for b in copies[1:]
    ]
    # The store's order: the stored neighbours first, the new article second.
    assert relate.relate_to(copies[1:], copies[0], config) == [
        relate.relate(o, copies[0], config) for o in copies[1:]
    ]


def test_a_copy_has_no_thread_inputs_and_keeps_its_thread_probability(copies):
    orig, repost, _, other = copies[:4]
    relation = relate.relate(orig, repost)  # undated repost: no gap of its own
    assert relation.evidence.date_gap_days is None
    assert thread_inputs(orig, repost, relation) is None
    # Threaded with a gap its stories lend it: still the same incident.
    assert pair_thread_probability(orig, repost, relation, 400) == relate.COPY_THREAD
    full = relate.relate(orig, other)
    assert thread_inputs(orig, other, full) is not None


def test_the_store_keeps_a_copys_thread_score_without_inputs(copies):
    import sqlite3

    from samestory.store import schema
    from samestory.store.threads import write_thread_scores

    conn = sqlite3.connect(":memory:")
    schema.execute_all(conn, schema.THREADS)
    schema.execute_all(conn, schema.THREAD_INPUTS)
    orig, repost = copies[:2]
    write_thread_scores(conn, [relate.relate(orig, repost)], {f.id: f for f in copies})
    rows = conn.execute("SELECT a, b, score, gap, inputs FROM thread_scores").fetchall()
    assert rows == [("orig", "repost", relate.COPY_THREAD, None, None)]
