"""Roundups in the store: incremental adds find and flag them as the batch does."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from test_roundups import DAN, STATIC, built_case, partition
from typer.testing import CliRunner

from samestory import api
from samestory.cli import app
from samestory.models import Article
from samestory.store import Store, threads
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


def thread_partition(store: Store, ids: list[str]) -> set[frozenset[str]]:
    """The store's threads as sets of article ids."""
    groups: dict[str, set[str]] = {}
    for article_id in ids:
        groups.setdefault(store.story(store.story_of(article_id)).thread or "", set()).add(
            article_id
        )
    return {frozenset(g) for g in groups.values()}


def batch_threads(stories) -> set[frozenset[str]]:
    groups: dict[str | None, set[str]] = {}
    for s in stories:
        groups.setdefault(s.thread, set()).update(s.articles)
    return {frozenset(g) for g in groups.values()}


def rethread(store: Store) -> None:
    """Thread every story again with the store's own threading (as a migration does)."""
    with store._transaction():
        threads.rethread_all(store._conn)


@pytest.mark.parametrize("how", ["bulk load", "one at a time", "roundup first"])
def test_a_cut_roundup_chains_no_thread_in_the_store(ecb_records, tmp_path, how):
    """The batch leaves a cut roundup's pairs out of threading; the store records the
    cut (from the bulk load's analysis, or its own re-clustering) and threads as the
    batch does, on add and when it threads everything again. Without the record the
    roundup's pairs chain the two events' threads into one (the 5 of ~2,830 threads a
    store of 5,043 representatives threaded otherwise than its bulk load did)."""
    articles, _, roundup, _ = built_case(ecb_records, "ecb:11")
    text = Article(id="roundup", text=roundup)
    arrival = [text, *articles] if how == "roundup first" else [*articles, text]
    batch = api.cluster(arrival, STATIC, DAN)
    assert [r.cut for s in batch for r in s.roundups] == [True]
    ids = [a.id for a in arrival]
    config = STATIC.replace(bulk_load_min=1) if how == "bulk load" else STATIC
    with Store(tmp_path / "s.db", config=config, encoder=DAN) as store:
        for start in range(0, len(arrival), len(arrival) if how == "bulk load" else 1):
            store.add(arrival[start : start + (len(arrival) if how == "bulk load" else 1)])
        assert [
            r.cut for s in map(store.story, {store.story_of(i) for i in ids}) for r in s.roundups
        ] == [True]
        assert thread_partition(store, ids) == batch_threads(batch)
        rethread(store)
        assert thread_partition(store, ids) == batch_threads(batch)
        store._conn.execute("UPDATE roundups SET cut = 0")  # as if not recorded
        rethread(store)
        assert len(thread_partition(store, ids)) < len(batch_threads(batch))


def make_old(db: Path) -> None:
    """The store as a samestory before the ``roundup_cut`` step left it: no ``cut``
    column, the step not recorded, threads chained through the roundup."""
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("BEGIN")
    conn.execute("ALTER TABLE roundups DROP COLUMN cut")
    conn.execute("DELETE FROM migrations WHERE name = 'roundup_cut'")
    threads.rethread_all(conn)
    conn.execute("COMMIT")
    conn.close()


@pytest.mark.parametrize("attached", [True, False])
def test_an_old_store_learns_its_cut_roundups_without_a_rebuild(
    ecb_records, tmp_path, attached, recwarn, monkeypatch
):
    """An old store's roundups have no cut record. Opening it adds the column: a roundup
    left alone was always cut (marked, and the store re-threaded); one in a story is
    not known until ``samestory upgrade`` re-clusters its story, which the open says in
    one line. Afterwards its threads are the batch's, and nothing else changed."""
    monkeypatch.delenv("SAMESTORY_DB", raising=False)
    articles, _, roundup, _ = built_case(ecb_records, "ecb:11")
    arrival = [*articles, Article(id="roundup", text=roundup)]
    ids = [a.id for a in arrival]
    expected = batch_threads(api.cluster(arrival, STATIC, DAN))
    db = tmp_path / "old.db"
    with Store(db, config=STATIC.replace(bulk_load_min=1), encoder=DAN) as store:
        store.add(arrival)
        stories = {i: store.story_of(i) for i in ids}
    make_old(db)
    if not attached:  # (the flag only: what the step reads)
        with sqlite3.connect(db) as conn:
            conn.execute("UPDATE roundups SET attached = 0")
    with Store(db, read_only=True, encoder=DAN) as store:  # read as stored meanwhile
        assert store.unjudged_roundups() == int(attached)
        assert len(thread_partition(store, ids)) < len(expected)
    recwarn.clear()
    with Store(db, encoder=DAN) as store:
        said = [str(w.message) for w in recwarn if "predate the record" in str(w.message)]
        assert len(said) == int(attached)
        assert len(thread_partition(store, ids)) == len(expected) - int(attached)
    if attached:
        done = CliRunner().invoke(app, ["upgrade", "--db", str(db)])
        assert done.exit_code == 0, done.output
        assert done.stdout.startswith(f"upgraded {db}: judged 1 stored roundups"), done.stdout
        assert "predate" not in done.stderr
    again = CliRunner().invoke(app, ["upgrade", "--db", str(db)])
    assert again.stdout.strip() == f"{db} is up to date"
    with Store(db, encoder=DAN) as store:
        assert thread_partition(store, ids) == expected
        assert {i: store.story_of(i) for i in ids} == stories
        assert store.unjudged_roundups() == 0
