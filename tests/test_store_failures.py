"""Store failures: one clear line, a non-zero exit, nothing stored lost.

Locks, read-only files and file systems, a full disk (a real one: a small tmpfs, when
the tests may mount one; and a simulated one), a damaged database, a damaged graph file.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sqlite3
import subprocess
import time
import uuid
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from samestory import candidates
from samestory.cli import app
from samestory.models import Article
from samestory.store import Store, StoreBusy, StoreError
from samestory.store import core as store_module

runner = CliRunner()


def dump(path: Path) -> dict[str, list[tuple]]:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        tables = ("stories", "articles", "relations", "weak_scores", "lsh", "changes")
        return {t: sorted(conn.execute(f"SELECT * FROM {t}").fetchall(), key=repr) for t in tables}
    finally:
        conn.close()


def cli(*args: object):
    return runner.invoke(app, [str(a) for a in args])


@pytest.fixture
def store_path(tmp_path: Path, seed_articles, monkeypatch) -> Path:
    monkeypatch.delenv("SAMESTORY_DB", raising=False)
    path = tmp_path / "s.db"
    with Store(path) as store:
        store.add([seed_articles["004"], seed_articles["003"]])
    return path


@contextlib.contextmanager
def tmpfs(size: str) -> Iterator[Path]:
    """A fresh tmpfs of ``size`` (skips when this process may not mount one)."""
    where = Path("/tmp") / f"samestory-tmpfs-{uuid.uuid4().hex[:8]}"
    where.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(where)],
        capture_output=True,
        check=False,
    )
    if done.returncode != 0:
        where.rmdir()
        pytest.skip("cannot mount a tmpfs here (needs root)")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)
        with contextlib.suppress(OSError):
            where.rmdir()


# -- another writer


def test_a_locked_store_waits_then_says_so(store_path: Path, seed_articles):
    before = dump(store_path)
    holder = sqlite3.connect(store_path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another writer, mid-transaction
    try:
        with Store(store_path, busy_timeout=0.3) as store:
            assert len(store.stories()) == 1  # reading is not blocked
            with pytest.raises(StoreBusy, match=r"s\.db is locked by another writer.*0\.3 s"):
                store.add([seed_articles["000"]])
            holder.execute("ROLLBACK")
            store.add([seed_articles["000"]])  # the same handle works once it is free
            assert len(store) == 3
    finally:
        holder.close()
    assert set(before["articles"]) < set(dump(store_path)["articles"])


def test_a_locked_add_gives_up_after_one_busy_timeout(store_path: Path, seed_articles):
    """Not two: the full-disk checkpoint after the failure waited a second busy_timeout
    for the same writer (60 s for `samestory add`, whose message says 30 s)."""
    holder = sqlite3.connect(store_path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        with Store(store_path, busy_timeout=1.5) as store:
            statements: list[str] = []
            store._conn.set_trace_callback(statements.append)
            start = time.monotonic()
            with pytest.raises(StoreBusy, match=r"after waiting 1\.5 s"):
                store.add([seed_articles["000"]])
            waited = time.monotonic() - start
            store._conn.set_trace_callback(None)
            holder.execute("ROLLBACK")
    finally:
        holder.close()
    assert not [s for s in statements if "wal_checkpoint" in s]
    assert 1.5 <= waited < 2.9, waited


def test_the_cli_says_the_store_is_locked(store_path: Path, seeds_dir: Path, monkeypatch):
    monkeypatch.setattr(store_module, "BUSY_TIMEOUT", 0.2)
    holder = sqlite3.connect(store_path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        result = cli("add", seeds_dir, "--db", store_path, "-q")
    finally:
        holder.close()
    assert result.exit_code == 1
    assert result.stderr.count("\n") == 1 and "locked by another writer" in result.stderr
    assert "Traceback" not in result.output


def test_a_handle_sees_articles_another_process_added(store_path: Path, seed_articles):
    with Store(store_path) as mine:
        mine.add([seed_articles["000"]])  # its candidate index is now loaded
        with Store(store_path) as other:
            other.add([seed_articles["001"]])
        report = mine.add([seed_articles["002"]])  # scored against 001 too
        assert mine.story_of(seed_articles["001"].id) == report.story_of[seed_articles["002"].id]


# -- read-only


def test_a_read_only_handle_reads_and_refuses_to_add(store_path: Path, seed_articles):
    with Store(store_path, read_only=True) as store:
        assert store.read_only and len(store.stories()) == 1
        assert store.search_stories(q="Trump")
        with pytest.raises(StoreError, match="read-only"):
            store.add([seed_articles["000"]])


def test_a_store_on_a_read_only_file_system(tmp_path: Path, seed_articles, seeds_dir: Path):
    with tmpfs("8m") as where:
        path = where / "s.db"
        with Store(path) as store:
            store.add([seed_articles["004"], seed_articles["003"]])
            story = store.story_of(seed_articles["003"].id)
        subprocess.run(["mount", "-o", "remount,ro", str(where)], check=True)
        listed = cli("stories", "--db", path, "--json")
        assert listed.exit_code == 0, listed.output
        shown = cli("show", story, "--db", path)
        assert shown.exit_code == 0 and "versions" in shown.stdout
        compared = cli("compare", seed_articles["003"].id, seed_articles["004"].id, "--db", path)
        assert compared.exit_code == 0, compared.output
        added = cli("add", seeds_dir, "--db", path, "-q")
        assert added.exit_code == 1 and "read-only" in added.stderr
        assert added.stderr.count("\n") == 1 and "Traceback" not in added.output


def test_a_new_store_in_a_read_only_folder_is_one_line(seeds_dir: Path):
    with tmpfs("1m") as where:
        subprocess.run(["mount", "-o", "remount,ro", str(where)], check=True)
        result = cli("add", seeds_dir, "--db", where / "new.db", "-q")
    assert result.exit_code == 1 and result.stderr.count("\n") == 1
    assert "Traceback" not in result.output


# -- disk full


def test_disk_full_leaves_the_store_as_it_was(seed_articles, seeds_dir: Path):
    with tmpfs("3m") as where:
        path = where / "s.db"
        with Store(path) as store:
            store.add([seed_articles["004"]])
        before = dump(path)
        free = shutil.disk_usage(where).free
        (where / "filler").write_bytes(b"\0" * max(0, free - 96 * 1024))
        with Store(path) as store:
            with pytest.raises(StoreError, match=r"^disk full while adding to .*s\.db") as caught:
                store.add([seed_articles[k] for k in ("000", "001", "002", "003")])
            assert "cannot rollback" not in str(caught.value)
        wal = Path(f"{path}-wal")
        assert not wal.exists() or wal.stat().st_size == 0  # no log left filling the disk
        assert dump(path) == before
        result = cli("add", seeds_dir, "--db", path, "-q")
        assert result.exit_code == 1 and result.stderr.startswith("error: disk full")
        assert result.stderr.count("\n") == 1 and "Traceback" not in result.output
        os.unlink(where / "filler")
        with Store(path) as store:  # room again: the same add goes through
            store.add([seed_articles[k] for k in ("000", "001", "002", "003")])
            assert len(store) == 5


def test_a_simulated_full_disk_mid_add_is_rolled_back(store_path: Path, seed_articles, monkeypatch):
    before = dump(store_path)
    real = store_module._Work._refresh_story

    def full(self, story, added=None):
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(store_module._Work, "_refresh_story", full)
    with Store(store_path) as store:
        with pytest.raises(StoreError, match="disk full") as caught:
            store.add([seed_articles["000"]])
        assert "cannot rollback" not in str(caught.value)
        monkeypatch.setattr(store_module._Work, "_refresh_story", real)
        store.add([seed_articles["000"]])
    assert set(before["articles"]) < set(dump(store_path)["articles"])


# -- damage


def test_a_damaged_database_is_one_line(store_path: Path):
    size = store_path.stat().st_size
    with store_path.open("r+b") as handle:  # keep the header, wreck the pages after it
        handle.seek(4096)
        handle.write(os.urandom(size - 4096))
    for command in (["stories"], ["show", "s-x"]):
        result = cli(*command, "--db", store_path)
        assert result.exit_code == 1, result.output
        assert "damaged" in result.stderr or "not a samestory database" in result.stderr
        assert result.stderr.count("\n") == 1 and "Traceback" not in result.output


def test_a_damaged_graph_file_is_detected_and_rebuilt(tmp_path: Path, ecb_records, monkeypatch):
    monkeypatch.setattr(candidates.index, "EXACT_SEARCH_LIMIT", 8)  # an HNSW graph from 9 on
    articles = [Article(id=r["id"], text=r["text"], lang=r["lang"]) for r in ecb_records[:14]]
    path = tmp_path / "g.db"
    with Store(path) as store:
        store.add(articles[:12])
        graph = store.ann_path
    assert graph is not None and graph.exists()
    data = bytearray(graph.read_bytes())
    for k in range(len(data) // 2, len(data) // 2 + 64):
        data[k] ^= 0xFF
    graph.write_bytes(bytes(data))
    with Store(path) as store:
        with pytest.warns(UserWarning, match="damaged"):
            index = store._candidate_index()
        assert index._ann is None  # not loaded: rebuilt from the stored vectors
        store.add(articles[12:])
    with Store(path) as store, warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)  # saved again with its checksum: loads cleanly
        assert store._candidate_index()._ann is not None
