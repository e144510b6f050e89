"""``samestory upgrade --reconcile``: a store whose candidate pairs are not those its index
proposes (an add before 38e6a1b scored pairs neither end proposes; a pair can be missing)
gets exactly a new store's pairs, stories and threads, a chunk per transaction
(resumable after kill -9), from the stored features.
"""

from __future__ import annotations

import dataclasses
import os
import signal
import sqlite3
import subprocess
import sys
import warnings
from pathlib import Path

import pytest
from conftest import store_tables
from test_roundups import STATIC
from typer.testing import CliRunner

import samestory
from samestory.cli import app
from samestory.models import Article, RelationKind
from samestory.relate import relate
from samestory.store import Store, StoreBusy, StoreError, backlog, core

runner = CliRunner()


def tables(db: Path) -> dict[str, list[tuple]]:
    """Pairs (with scores, kinds, thread scores), stories and threads of the store."""
    return store_tables(db, extra=(("stories", "id, title, first, size"),))


def scored_pairs(db: Path) -> set[frozenset[str]]:
    with sqlite3.connect(db) as conn:
        return {
            frozenset(pair)
            for table in ("relations", "weak_scores")
            for pair in conn.execute(f"SELECT a, b FROM {table}")
        }


def proposed_by_index(store: Store) -> set[frozenset[str]]:
    """The pairs an index over the stored representatives proposes, from either end."""
    index = store._candidate_index()
    return {
        frozenset((f.id, other)) for f in store.features(index.ids) for other in index.neighbours(f)
    }


@pytest.fixture(scope="module")
def new_store(tmp_path_factory, ecb_records) -> Path:
    """40 ECB+ texts added five at a time by this samestory: its pairs are exactly what
    its index proposes (tests/test_store_index.py)."""
    articles = [Article(id=r["id"], text=r["text"], lang=r["lang"]) for r in ecb_records[:40]]
    db = tmp_path_factory.mktemp("reconcile") / "new.db"
    with Store(db, config=STATIC) as store:
        for start in range(0, len(articles), 5):
            store.add(articles[start : start + 5])
    return db


def spoil(db: Path) -> int:
    """Give the store at ``db`` stray pairs, as the add bug scored them (neither end
    proposes the other), strong enough to join a lone article to another story, and
    take one proposed pair away; then re-cluster and re-thread every story, as adds after
    them would. Returns how many stray pairs."""
    with Store(db) as store, store._transaction():
        proposed = proposed_by_index(store)
        index = store._candidate_index()
        story = dict(store._conn.execute("SELECT id, story_id FROM articles"))
        smallest = "SELECT id FROM stories ORDER BY size, id LIMIT 2"
        lone, other = [row[0] for row in store._conn.execute(smallest)]
        x = next(a for a in index.ids if story[a] == lone)
        ys = [b for b in index.ids if story[b] == other and frozenset((x, b)) not in proposed]
        features = {f.id: f for f in store.features([x, *ys])}
        stray = [
            dataclasses.replace(
                relate(features[x], features[y], store.config),
                score=0.97,
                kind=RelationKind.SAME_EVENT,
            )
            for y in ys
        ]
        work = core._Work(store, index, None)
        work._write_relations(stray, features)
        a, b = store._conn.execute("SELECT a, b FROM relations ORDER BY score LIMIT 1").fetchone()
        for table in ("relations", "weak_scores", "thread_scores"):
            store._conn.execute(f"DELETE FROM {table} WHERE a=? AND b=?", (a, b))
        work._regroup_all()
        work._update_threads([x, *ys, a, b, *work.moved_from])
    return len(ys)


def spoiled_copy(new_store: Path, tmp_path: Path) -> tuple[Path, int]:
    old = tmp_path / "old.db"
    old.write_bytes(new_store.read_bytes())
    strays = spoil(old)
    assert tables(old)["articles"] != tables(new_store)["articles"]  # they joined the two
    return old, strays


def test_reconcile_leaves_exactly_a_new_stores_pairs_stories_and_threads(new_store, tmp_path):
    old, strays = spoiled_copy(new_store, tmp_path)
    seen: list[tuple[str, int, int]] = []
    with Store(old) as store:
        done = store.upgrade(progress=lambda *said: seen.append(said), chunk=7, reconcile=True)
        proposed = proposed_by_index(store)
    assert scored_pairs(old) == proposed
    assert done.stray == strays and done.missing == 1 and done.moved > 0
    assert done.reconciled == 40
    assert [s for s in seen if s[0] == "reconciling"][-1] == ("reconciling", 40, 40)
    assert len([s for s in seen if s[0] == "reconciling"]) == 6  # chunks of 7
    assert tables(old) == tables(new_store)
    with Store(old) as store:  # nothing left to do, and nothing to change
        again = store.upgrade(reconcile=True)
    assert (again.reconciled, again.stray, again.missing, again.moved) == (40, 0, 0, 0)
    assert tables(old) == tables(new_store)


def test_a_new_store_reconciles_to_itself(new_store, tmp_path):
    copy = tmp_path / "copy.db"
    copy.write_bytes(new_store.read_bytes())
    with Store(copy) as store:
        done = store.upgrade(reconcile=True)
    assert (done.stray, done.missing, done.moved) == (0, 0, 0)
    assert tables(copy) == tables(new_store)


# Reconciles in chunks of argv[2], killed (SIGKILL) once two chunks are committed.
KILLED = r"""
import os, signal, sys, warnings
from samestory.store import Store
warnings.simplefilter("ignore")

def progress(stage, done, total):
    if stage == "reconciling" and done >= 2 * int(sys.argv[2]):
        os.kill(os.getpid(), signal.SIGKILL)

Store(sys.argv[1]).upgrade(progress=progress, chunk=int(sys.argv[2]), reconcile=True)
"""


def test_a_killed_reconcile_carries_on_where_it_stopped(new_store, tmp_path, recwarn):
    old, _ = spoiled_copy(new_store, tmp_path)
    env = {**os.environ, "PYTHONPATH": str(Path(samestory.__file__).resolve().parents[1])}
    done = subprocess.run(
        [sys.executable, "-c", KILLED, str(old), "6"], env=env, capture_output=True, check=False
    )
    assert done.returncode == -signal.SIGKILL, done.stderr
    recwarn.clear()
    with Store(old) as store:
        said = [str(w.message) for w in recwarn if "still to reconcile" in str(w.message)]
        assert said == [
            f"{old}: 28 stored articles are still to reconcile (a reconcile was stopped), so "
            "some of its stored pairs can be pairs no candidate list proposes; `samestory "
            f"upgrade --db {old}` carries on"
        ]
        assert store.unreconciled() == 28
        rest = store.upgrade()  # a plain upgrade carries the reconcile on
    assert rest.reconciled == 28
    assert tables(old) == tables(new_store)
    with sqlite3.connect(old) as conn:
        assert backlog.read(conn, backlog.RECONCILE_KEY) is None


def test_a_failed_chunk_is_rolled_back_and_the_rest_kept(new_store, tmp_path, monkeypatch):
    old, _ = spoiled_copy(new_store, tmp_path)
    real, calls = core._Work.reconcile, []

    def full_on_the_third(self, *args):  # type: ignore[no-untyped-def]
        calls.append(1)
        if len(calls) == 3:
            raise sqlite3.OperationalError("database or disk is full")
        return real(self, *args)

    monkeypatch.setattr(core._Work, "reconcile", full_on_the_third)
    with Store(old) as store:
        with pytest.raises(StoreError, match=r"^disk full while upgrading .*carries on") as caught:
            store.upgrade(chunk=10, reconcile=True)
        assert "\n" not in str(caught.value)
        assert store.unreconciled() == 20  # two chunks kept, the third rolled back
        monkeypatch.setattr(core._Work, "reconcile", real)
        store.upgrade()
    assert tables(old) == tables(new_store)


def test_the_reconcile_option(new_store, tmp_path, monkeypatch):
    monkeypatch.delenv("SAMESTORY_DB", raising=False)
    old, strays = spoiled_copy(new_store, tmp_path)
    plain = runner.invoke(app, ["upgrade", "--db", str(old)])
    assert plain.exit_code == 0 and plain.stdout.strip() == f"{old} is up to date"
    done = runner.invoke(app, ["upgrade", "--db", str(old), "--reconcile"])
    assert done.exit_code == 0, done.output
    assert done.stdout.startswith(
        f"upgraded {old}: reconciled 40 stored articles' candidates: forgot {strays} stored "
        "pairs no list proposes, scored 1 missing ones, "
    )
    assert "reconciling: 40 of 40 stored articles" in done.stderr
    assert "Traceback" not in done.output
    assert tables(old) == tables(new_store)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        Store(old).close()  # nothing left to say on open


def test_a_reconcile_of_a_locked_or_read_only_store_is_one_line(new_store, tmp_path):
    old, _ = spoiled_copy(new_store, tmp_path)
    with (
        Store(old, read_only=True) as store,
        pytest.raises(StoreError, match="read-only here: cannot upgrade"),
    ):
        store.upgrade(reconcile=True)
    holder = sqlite3.connect(old, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        with Store(old, busy_timeout=0.2) as store, pytest.raises(StoreBusy) as caught:
            store.upgrade(reconcile=True)
        assert "locked by another writer" in str(caught.value)
        assert "\n" not in str(caught.value)
    finally:
        holder.close()
    with sqlite3.connect(old) as conn:  # nothing was started
        assert backlog.read(conn, backlog.RECONCILE_KEY) is None
