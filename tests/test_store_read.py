"""The store's read API for the server: search, summaries, closest versions, changes."""

from __future__ import annotations

import dataclasses
import datetime as dt
import sqlite3
from pathlib import Path

import pytest

from samestory.models import Article, RelationKind
from samestory.store import Store


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory, seed_articles) -> Path:
    path = tmp_path_factory.mktemp("read") / "stories.db"
    with Store(path) as store:
        for prefix in ("004", "003"):
            store.add([seed_articles[prefix]])
        store.add([dataclasses.replace(seed_articles["000"], lang="en", title="Über Trump")])
        store.add([seed_articles["001"], seed_articles["002"]])
    return path


def test_stories_are_listed_most_recently_updated_first(seeded: Path, seed_articles):
    with Store(seeded) as store:
        conn = store._conn
        briefing = store.story_of(seed_articles["000"].id)
        report = store.story_of(seed_articles["003"].id)
        conn.execute(
            "UPDATE stories SET updated_at='2026-01-01T00:00:00+00:00' WHERE id=?", (report,)
        )
        page = store.search_stories()
        assert [s.id for s in page] == [briefing, report]
        assert store.count_stories() == 2
        top = page[0]
        assert top.size == 3 and top.first == seed_articles["000"].id
        assert top.languages == ("en",) and top.first_date == top.last_date == "2025-10-23"
        assert top.to_dict()["languages"] == ["en"]
        assert [s.id for s in store.search_stories(limit=1, offset=1)] == [report]
        assert [s.id for s in store.search_stories(since="2026-06-01")] == [briefing]
        assert store.count_stories(since=dt.date(2026, 6, 1)) == 1


def test_full_text_search_over_titles_and_text(seeded: Path, seed_articles):
    with Store(seeded) as store:
        briefing = store.story_of(seed_articles["000"].id)
        report = store.story_of(seed_articles["003"].id)
        assert [s.id for s in store.search_stories(q="uber")] == [briefing]  # title, no accent
        word = seed_articles["003"].text.split()[5].strip(".,\"'")
        assert report in [s.id for s in store.search_stories(q=word)]
        assert store.search_stories(q="zzzyzzxq") == [] and store.count_stories(q="zzzyzzxq") == 0
        # User text never reaches FTS5's syntax: quotes, operators, a lone star.
        for odd in ('"', "AND", "*", "trump OR", "NEAR(", "x'); DROP TABLE stories; --"):
            store.search_stories(q=odd)
        assert store.search_stories(q="Trum*") != []


def test_closest_version_of_an_article(seeded: Path, seed_articles):
    with Store(seeded) as store:
        closest = store.closest(seed_articles["001"].id)
        assert closest is not None and closest.kind is RelationKind.REWRITE
        assert seed_articles["001"].id in (closest.a, closest.b)
        assert store.closest(seed_articles["004"].id).kind is not None
        with pytest.raises(KeyError):
            store.closest("nope")


def test_changes_count_up_with_every_add(tmp_path: Path, seed_articles):
    with Store(tmp_path / "s.db") as store:
        assert store.last_change() == 0 and store.changes_since(0) == []
        report = store.add([seed_articles["004"]])
        first = store.last_change()
        assert first >= 1
        store.add([seed_articles["004"]])  # nothing new: no change
        assert store.last_change() == first
        store.add([seed_articles["003"]])
        changes = store.changes_since(first)
        assert [(c.kind, c.article_id) for c in changes] == [("added", seed_articles["003"].id)]
        assert changes[0].story_id == report.story_of[seed_articles["004"].id]
        assert store.changes_since(0, limit=1)[0].to_dict()["kind"] == "added"


def test_search_works_on_a_store_made_before_full_text_search(tmp_path: Path, seed_articles):
    path = tmp_path / "old.db"
    with Store(path) as store:
        store.add([seed_articles["003"]])
    conn = sqlite3.connect(path)  # as stores were before the step that built the index
    conn.execute("DELETE FROM migrations WHERE name IN ('full_text_search')")
    for trigger in ("insert", "delete", "update"):
        conn.execute(f"DROP TRIGGER articles_fts_{trigger}")
    conn.execute("DROP TABLE articles_fts")
    conn.commit()
    conn.close()
    word = seed_articles["003"].text.split()[5].strip(".,\"'")
    with Store(path) as store:
        assert len(store.search_stories(q=word)) == 1


def test_revisions_of_an_article(tmp_path: Path, seed_articles):
    original = seed_articles["003"]
    edited = dataclasses.replace(original, text=original.text + "\nUpdated: a correction.")
    with Store(tmp_path / "s.db") as store:
        store.add([original])
        report = store.add([edited])
        stored = report.added[0]
        assert stored == f"{original.id}~rev2" and report.revised == {stored: original.id}
        assert report.warnings and original.id in report.warnings[0]
        assert store.revisions(original.id) == [original.id, stored]
        assert store.article(stored).text == edited.text
        assert store.article(original.id).text == original.text  # both texts kept
        assert store.story_of(stored) == store.story_of(original.id)
        assert store.add([edited]).unchanged == [original.id]  # that text is stored
        assert store.add([original]).unchanged == [original.id]  # so is the first one
        third = dataclasses.replace(original, text=original.text + "\nUpdated again.")
        assert store.add([third]).added == [f"{original.id}~rev3"]
        assert len(store.revisions(original.id)) == 3


def test_same_id_twice_in_one_batch_with_two_texts(tmp_path: Path, seed_articles):
    a = seed_articles["004"]
    b = dataclasses.replace(a, text=a.text + "\nCorrection appended.")
    with Store(tmp_path / "s.db") as store:
        report = store.add([a, b, a])
        assert report.added == [a.id, f"{a.id}~rev2"] and report.unchanged == [a.id]
        assert store.revisions(a.id) == [a.id, f"{a.id}~rev2"]
        assert isinstance(store.article(a.id), Article)


def test_a_story_is_read_from_the_stored_scalars_as_from_the_decoded_features(seeded: Path):
    """``Store.story`` (``samestory.store.reading``) builds each story from the stored
    ``doc_json``'s scalars, without decoding vectors: the story ``make_story`` builds
    from the decoded features, as it did before."""
    from samestory.pipeline.assemble import make_story
    from samestory.store import reading

    checked = []
    with Store(seeded) as store:
        for listed in store.stories():
            story = store.story(listed.id)
            checked.append(story)
            ids = sorted(story.articles)
            rows = reading.relations_from(store._conn, ids, "kind, score, evidence_json")
            relations = [reading.relation_of(*row) for row in sorted(rows) if row[1] in ids]
            built = make_story(store.features(ids), relations)
            assert story == dataclasses.replace(
                built,
                id=listed.id,
                thread=story.thread,
                follow_ups=story.follow_ups,
                roundups=story.roundups,
            )
    assert any(len(s.articles) > 1 and s.derivations for s in checked)  # a real one


def test_every_driver_names_threads_with_the_one_light_function() -> None:
    import samestory.ids
    import samestory.store.reading
    import samestory.threads

    assert samestory.store.reading.thread_id is samestory.ids.thread_id
    assert samestory.threads.thread_id is samestory.ids.thread_id
    assert samestory.ids.thread_id("s-fb3ff05943db").startswith("t-")
    assert len(samestory.ids.thread_id("s-Ελληνικά")) == 2 + samestory.ids.ID_HEX_DIGITS
