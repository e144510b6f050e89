"""The store's schema as named, transactional steps recorded in the database."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from samestory.config import DEFAULT_CONFIG
from samestory.store import MIGRATIONS, Migration, Store, StoreError, migrations


def recorded(path: Path) -> list[tuple[str, str]]:
    conn = sqlite3.connect(path)
    try:
        return conn.execute("SELECT name, applied_at FROM migrations ORDER BY rowid").fetchall()
    finally:
        conn.close()


def tables(path: Path) -> set[str]:
    conn = sqlite3.connect(path)
    try:
        return {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    finally:
        conn.close()


def test_a_new_store_records_every_step_in_order(tmp_path: Path):
    path = tmp_path / "new.db"
    Store(path).close()
    steps = recorded(path)
    assert [name for name, _ in steps] == [m.name for m in MIGRATIONS]
    assert all(at.endswith("+00:00") for _, at in steps)
    assert {"migrations", "articles_fts", "revisions", "changes", "lsh"} <= tables(path)
    Store(path).close()  # nothing to do the second time
    assert recorded(path) == steps


def test_appending_a_step_applies_it_once(tmp_path: Path, monkeypatch):
    path = tmp_path / "store.db"
    Store(path).close()
    step = Migration.ddl("feed_state", "CREATE TABLE feed_state (url TEXT PRIMARY KEY)")
    monkeypatch.setattr(migrations, "MIGRATIONS", [*MIGRATIONS, step])
    Store(path).close()
    assert recorded(path)[-1][0] == "feed_state" and "feed_state" in tables(path)
    Store(path).close()  # applied once: a second CREATE TABLE would fail
    assert [name for name, _ in recorded(path)].count("feed_state") == 1


def test_a_failing_step_is_rolled_back_and_retried_on_next_open(tmp_path: Path, monkeypatch):
    path = tmp_path / "store.db"
    Store(path).close()

    def half_done(conn: sqlite3.Connection, config) -> None:
        conn.execute("CREATE TABLE half (x)")
        raise RuntimeError("interrupted")

    monkeypatch.setattr(migrations, "MIGRATIONS", [*MIGRATIONS, Migration("half", half_done)])
    with pytest.raises(RuntimeError, match="interrupted"):
        Store(path)
    assert "half" not in tables(path) and "half" not in dict(recorded(path))
    monkeypatch.setattr(
        migrations, "MIGRATIONS", [*MIGRATIONS, Migration.ddl("half", "CREATE TABLE half (x)")]
    )
    Store(path).close()
    assert "half" in tables(path) and recorded(path)[-1][0] == "half"


def test_a_store_upgraded_by_a_newer_samestory_is_refused(tmp_path: Path):
    path = tmp_path / "store.db"
    Store(path).close()
    conn = sqlite3.connect(path)
    conn.execute("INSERT INTO migrations VALUES ('from_the_future', '2030-01-01')")
    conn.commit()
    conn.close()
    with pytest.raises(StoreError, match=r"store\.db was upgraded by a newer samestory"):
        Store(path)


def test_older_and_newer_configs_load_tolerantly(tmp_path: Path):
    path = tmp_path / "store.db"
    Store(path, config=DEFAULT_CONFIG.replace(same_story_threshold=0.6)).close()
    conn = sqlite3.connect(path)
    stored = json.loads(conn.execute("SELECT value FROM meta WHERE key='config'").fetchone()[0])
    stored["a_field_since_removed"] = 3  # written by another version
    del stored["attach_threshold"]  # a field added since
    conn.execute("UPDATE meta SET value=? WHERE key='config'", (json.dumps(stored),))
    conn.commit()
    conn.close()
    with Store(path) as store:
        assert store.config.same_story_threshold == 0.6
        assert store.config.attach_threshold == DEFAULT_CONFIG.attach_threshold


def test_within_writes_in_the_add_transaction(tmp_path: Path, seed_articles):
    path = tmp_path / "store.db"
    step = Migration.ddl("seen", "CREATE TABLE seen (id TEXT PRIMARY KEY)")
    article = seed_articles["004"]

    def remember(conn: sqlite3.Connection) -> None:
        conn.execute("INSERT INTO seen VALUES (?)", (article.id,))

    def remember_then_fail(conn: sqlite3.Connection) -> None:
        remember(conn)
        raise RuntimeError("crashed after the add")

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(migrations, "MIGRATIONS", [*MIGRATIONS, step])
        with Store(path) as store:
            with pytest.raises(RuntimeError, match="crashed"):
                store.add([article], within=remember_then_fail)
            assert len(store) == 0  # the articles and the caller's rows went together
            assert store._conn.execute("SELECT count(*) FROM seen").fetchone()[0] == 0
            store.add([article], within=remember)
            assert len(store) == 1
            assert store._conn.execute("SELECT id FROM seen").fetchall()[0][0] == article.id


def test_a_store_before_weak_scores_by_b_gets_the_index_and_reads_the_same(
    tmp_path: Path, seed_articles
):
    from samestory.store.regroup import relations_to

    path = tmp_path / "store.db"
    with Store(path) as store:
        store.add(list(seed_articles.values()))
    conn = sqlite3.connect(path)
    with conn:  # the store as the release before the step left it
        conn.execute("DROP INDEX weak_scores_by_b")
        conn.execute("DELETE FROM migrations WHERE name = 'weak_scores_by_b'")
    ids = [r[0] for r in conn.execute("SELECT id FROM articles")]
    before = sorted(
        conn.execute(
            f"SELECT a, b, score FROM weak_scores WHERE b IN ({','.join('?' * len(ids))})",
            ids,
        )
    )
    conn.close()
    assert before, "the seeds keep weak scores to read"
    with Store(path) as store:
        assert store._conn.execute(
            "SELECT name FROM sqlite_master WHERE name = 'weak_scores_by_b'"
        ).fetchone()
        read = relations_to(store._conn, ids, -1.0)
        plan = " ".join(
            str(tuple(row))
            for row in store._conn.execute(
                "EXPLAIN QUERY PLAN SELECT a, b, score FROM weak_scores "
                "INDEXED BY weak_scores_by_b WHERE b IN (?) AND score >= ?",
                ["x", 0.0],
            )
        )
    assert "COVERING INDEX weak_scores_by_b" in plan
    assert sorted(row for row in read if row in set(before)) == before
    assert recorded(path)[-1][0] == "weak_scores_by_b"
