"""StoreWriter: one thread owns the write connection; batches queue, a full queue says so."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest

from samestory.ingest import read_paths
from samestory.models import Article
from samestory.server.writer import StoreLocked, StoreWriter, WriterBusy, WriterClosed
from tests.server.conftest import SEEDS


def seeds() -> list[Article]:
    return read_paths([SEEDS]).articles


def test_concurrent_submits_queue_and_all_land(tmp_path: Path) -> None:
    reports = []
    with StoreWriter(tmp_path / "w.db", on_commit=reports.append) as writer:
        articles = seeds()
        threads = [threading.Thread(target=lambda a=a: writer.submit([a])) for a in articles]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert writer.commits == 5
    assert sorted(i for r in reports for i in r.added) == sorted(a.id for a in articles)


def test_within_runs_in_the_add_transaction(tmp_path: Path) -> None:
    db = tmp_path / "within.db"

    def note(conn: sqlite3.Connection) -> None:
        conn.execute("CREATE TABLE IF NOT EXISTS notes(x TEXT)")
        conn.execute("INSERT INTO notes VALUES ('written with the batch')")

    with StoreWriter(db) as writer:
        writer.submit(seeds()[:1], within=note)
    rows = sqlite3.connect(db).execute("SELECT x FROM notes").fetchall()
    assert rows == [("written with the batch",)]


def test_full_queue_is_busy_and_a_held_lock_is_store_locked(tmp_path: Path) -> None:
    db = tmp_path / "busy.db"
    articles = seeds()
    with StoreWriter(db, max_pending=1, lock_wait=1.0) as writer:
        writer.submit(articles[:1])  # the store exists
        other = sqlite3.connect(db, isolation_level=None, timeout=0)
        other.execute("BEGIN IMMEDIATE")  # another process writing
        try:
            running = writer.submit_async(articles[1:2])  # the writer waits on the lock
            while writer.pending:  # until it has taken the batch off the queue
                threading.Event().wait(0.01)
            queued = writer.submit_async(articles[2:3])
            with pytest.raises(WriterBusy):
                writer.submit_async(articles[3:4])
            with pytest.raises(StoreLocked):
                running.result(timeout=30)
        finally:
            other.execute("ROLLBACK")
            other.close()
        assert queued.result(timeout=60).added == [articles[2].id]
    with pytest.raises(WriterClosed):
        writer.submit(articles[3:4])
