"""Roundups in the store: incremental adds find and flag them as the batch does."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_roundups import DAN, STATIC, built_case, partition

from samestory import api
from samestory.models import Article
from samestory.store import Store
from samestory.store.roundups import covered_stories


def store_stories(path: Path, articles: list[Article], batch: int) -> list:
    """The stored stories after adding ``articles`` ``batch`` at a time (encoded with the
    table the built cases were made with, ``test_roundups.DAN``)."""
    with Store(path, config=STATIC, encoder=DAN) as store:
        for start in range(0, len(articles), batch):
            store.add(articles[start : start + batch])
        ids = {store.story_of(a.id) for a in articles}
        return [store.story(s) for s in sorted(ids)]


@pytest.mark.parametrize("roundup_first", [False, True])
def test_incremental_adds_flag_a_roundup_as_the_batch_does(ecb_records, tmp_path, roundup_first):
    articles, gold, roundup, _ = built_case(ecb_records, "ecb:11")
    text = Article(id="roundup", text=roundup)
    arrival = [text, *articles] if roundup_first else [*articles, text]
    batch = api.cluster(arrival, STATIC, DAN)
    stored = store_stories(tmp_path / "s.db", arrival, batch=1)
    ids = {a.id for a in arrival}
    assert partition(stored, ids) == partition(batch, ids)
    # Neither chains the two events: the versions group as without the roundup.
    assert partition(stored, set(gold)) == partition(api.cluster(articles, STATIC, DAN), set(gold))
    flags = [(s, r) for s in stored for r in s.roundups]
    batch_flags = [(s, r) for s in batch for r in s.roundups]
    assert [r.article for _, r in flags] == [r.article for _, r in batch_flags] == ["roundup"]
    (story, flag), (batch_story, batch_flag) = flags[0], batch_flags[0]
    assert set(story.articles) == set(batch_story.articles)
    assert flag.attached == batch_flag.attached
    # Each part names the story it covers by that story's stored id.
    members = {s.id: set(s.articles) for s in stored}
    batch_members = {s.id: set(s.articles) for s in batch}
    assert [(members[p.story], p.sentences, p.names) for p in flag.parts] == [
        (batch_members[p.story], p.sentences, p.names) for p in batch_flag.parts
    ]


def test_a_bulk_load_keeps_the_batch_flags(ecb_records, tmp_path):
    articles, _, roundup, _ = built_case(ecb_records, "ecb:11")
    arrival = [*articles, Article(id="roundup", text=roundup)]
    stored = store_stories(tmp_path / "b.db", arrival, batch=len(arrival))
    batch = api.cluster(arrival, STATIC, DAN)
    assert [r.article for s in stored for r in s.roundups] == ["roundup"]
    assert partition(stored, {a.id for a in arrival}) == partition(batch, {a.id for a in arrival})


def test_a_stored_roundup_brings_the_stories_it_covers_into_a_regroup(ecb_records, tmp_path):
    """A re-clustering that holds a flagged roundup holds the stories it covers too
    (``covered_stories``): judged beside one of them only it is no roundup, its flag is
    dropped and its pairs chain again, where the batch, seeing all, cuts it (the slow
    ECB+ dev store-vs-batch test, with the disagreement cues' weights, needs this)."""
    articles, gold, roundup, _ = built_case(ecb_records, "ecb:11")
    arrival = [*articles, Article(id="roundup", text=roundup)]
    with Store(tmp_path / "c.db", config=STATIC, encoder=DAN) as store:
        store.add(arrival)
        story_of = {a.id: store.story_of(a.id) for a in arrival}
        covered = covered_stories(store._conn, ["roundup", *gold])
        assert covered_stories(store._conn, list(gold)) == set()
    assert covered == {story_of[a] for a in gold}
    assert len({story_of[a] for a in gold}) == 2
