"""A store written before a candidate route: ``samestory upgrade`` pairs its held articles
as a new store holding them would have, a chunk per transaction (resumable after
kill -9), and a read of a store whose pending steps change nothing it sees does not wait
for another process's write lock.

The old store is made the way the route's absence made it: the same adds with the
same-days route off (``candidates.without_same_days``), and without the ``route_pairs``
step recorded, as a store the samestory before that step left.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
import warnings
from pathlib import Path

import pytest
from conftest import read_jsonl, shared_data, store_tables
from typer.testing import CliRunner

import samestory
from samestory import candidates
from samestory.cli import app
from samestory.config import DEFAULT_CONFIG, Config
from samestory.evaluate import record_to_article
from samestory.models import Article
from samestory.store import Store, StoreBusy, StoreError, backlog, core, migrations

runner = CliRunner()

# Vector lists of 2 (20 by default): in a collection of a few dozen reports the default
# lists hold nearly every pair, and no route is needed; in a real store of thousands they
# fill, and the same-days route adds what they miss (GVA dev: 982 pairs, docs/history/accuracy.md).
CONFIG = DEFAULT_CONFIG.replace(ann_neighbours=2)


@pytest.fixture(scope="module")
def route_articles() -> list[Article]:
    """70 GVA dev reports (records 270-299, then 0-39) among which, with vector lists of
    2, the same-days route alone proposes two reports of one incident a day apart
    (gva:404167), which joins them in one story."""
    records = read_jsonl(shared_data("gva_dev.jsonl"))
    return [record_to_article(r) for r in [*records[270:300], *records[:40]]]


def build(
    path: Path, articles: list[Article], route: bool, batch: int = 4, config: Config = CONFIG
) -> None:
    """A store of ``articles`` added ``batch`` at a time, with or without the route (then
    as the samestory before the ``route_pairs`` step left it: :func:`before_the_record`)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if route:
            with Store(path, config=config) as store:
                for start in range(0, len(articles), batch):
                    store.add(articles[start : start + batch])
            return
        with candidates.without_same_days(), Store(path, config=config) as store:
            for start in range(0, len(articles), batch):
                store.add(articles[start : start + batch])
    before_the_record(path)


def before_the_record(path: Path) -> None:
    """Make ``path`` a store as the samestory before the ``route_pairs`` step left it:
    neither that step nor ``candidate_routes`` recorded, no backlog, no routes."""
    conn = sqlite3.connect(path)
    with conn:
        conn.execute("DELETE FROM migrations WHERE name IN ('route_pairs', 'candidate_routes')")
        conn.execute("DELETE FROM meta WHERE key IN (?, ?)", (backlog.KEY, backlog.ROUTES_KEY))
    conn.close()


def tables(db: Path) -> dict[str, list[tuple]]:
    """What decides a store's stories and threads, and the stories themselves."""
    stories = ("stories", "id, title, first, size")
    return store_tables(db, extra=(stories, ("roundups", "article, attached, parts_json")))


def scored_pairs(db: Path) -> set[tuple[str, str]]:
    conn = sqlite3.connect(db)
    try:
        return {
            (a, b)
            for table in ("relations", "weak_scores")
            for a, b in conn.execute(f"SELECT a, b FROM {table}")
        }
    finally:
        conn.close()


@pytest.fixture(scope="module")
def stores(tmp_path_factory, route_articles) -> dict[str, Path]:
    """An old store (before the route and the step) and a new one over the same adds."""
    where = tmp_path_factory.mktemp("upgrade")
    old, new = where / "old.db", where / "new.db"
    build(old, route_articles, route=False)
    build(new, route_articles, route=True)
    return {"old": old, "new": new}


def copy_of(path: Path, tmp_path: Path) -> Path:
    target = tmp_path / path.name
    target.write_bytes(path.read_bytes())
    return target


def test_an_old_store_lacks_the_route_pairs_and_says_so(stores, tmp_path: Path):
    old = copy_of(stores["old"], tmp_path)
    missing = scored_pairs(stores["new"]) - scored_pairs(old)
    assert missing  # the fixture exercises the route
    assert tables(old)["articles"] != tables(stores["new"])["articles"]  # and it matters
    with pytest.warns(UserWarning, match=r"never paired .* `samestory upgrade --db "):
        store = Store(old)
    with store:
        assert store.unpaired() == len(store)  # no copies among these reports


def test_upgrade_leaves_the_store_a_new_store_would_hold(stores, tmp_path: Path):
    old = copy_of(stores["old"], tmp_path)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        store = Store(old)
    with store:
        paired = store.upgrade(chunk=7)
        assert paired.articles == len(store) and paired.pairs > 0 and paired.moved > 0
        assert store.unpaired() == 0
        assert store.upgrade().articles == 0  # nothing left: a second run is a no-op
    assert tables(old) == tables(stores["new"])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no line asking for an upgrade any more
        Store(old).close()


def story_members(db: Path) -> set[frozenset[str]]:
    conn = sqlite3.connect(db)
    try:
        members: dict[str, set[str]] = {}
        for article, story in conn.execute("SELECT id, story_id FROM articles"):
            members.setdefault(story, set()).add(article)
        return {frozenset(m) for m in members.values()}
    finally:
        conn.close()


def test_the_upgrade_ends_with_every_story_regrouped(stores, tmp_path: Path, monkeypatch):
    """Each held article's new pairs re-cluster only the stories they touch; the last
    chunk of an upgrade that scored a pair re-clusters every story, as the batch groups
    the whole collection: here an article put apart from its story (the one pair scored
    again touches neither) is back in it. An upgrade that scores nothing leaves it."""
    db = copy_of(stores["new"], tmp_path)
    expected = story_members(db)
    conn = sqlite3.connect(db)
    with conn:
        story, article = conn.execute(
            "SELECT story_id, max(id) FROM articles GROUP BY story_id "
            "HAVING count(*) > 1 ORDER BY story_id LIMIT 1"
        ).fetchone()
        conn.execute("INSERT INTO stories VALUES ('s-apart', NULL, ?, 1, '', '')", (article,))
        conn.execute("UPDATE articles SET story_id = 's-apart' WHERE id = ?", (article,))
        conn.execute("UPDATE stories SET size = size - 1 WHERE id = ?", (story,))
    conn.close()
    apart = story_members(db)
    assert apart != expected
    monkeypatch.setattr(backlog, "ROUTES", backlog.ROUTES | {"next_route"})
    (tmp_path / "unscored").mkdir()
    unscored = copy_of(db, tmp_path / "unscored")
    with opened(unscored) as store:
        assert store.upgrade(chunk=30) == core.Paired(articles=len(store), pairs=0, moved=0)
    assert story_members(unscored) == apart
    conn = sqlite3.connect(db)
    with conn:  # a weak score far from both stories, forgotten: the upgrade scores it again
        conn.execute(
            "DELETE FROM weak_scores WHERE rowid = (SELECT w.rowid FROM weak_scores w "
            "JOIN articles x ON x.id = w.a JOIN articles y ON y.id = w.b "
            "WHERE x.story_id NOT IN (?, 's-apart') AND y.story_id NOT IN (?, 's-apart') "
            "AND x.copy_of IS NULL AND y.copy_of IS NULL ORDER BY w.a, w.b LIMIT 1)",
            (story, story),
        )
    conn.close()
    with opened(db) as store:
        paired = store.upgrade(chunk=30)
    assert paired.pairs == 1 and paired.moved == 1
    assert story_members(db) == expected


def test_a_new_store_has_nothing_to_pair(tmp_path: Path, route_articles):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with Store(tmp_path / "s.db") as store:
            assert store.unpaired() == 0
            store.add(route_articles[:5])
            assert store.unpaired() == 0
            assert store.upgrade().articles == 0


def recorded_routes(db: Path) -> frozenset[str] | None:
    conn = sqlite3.connect(db)
    try:
        return backlog.routes(conn)
    finally:
        conn.close()


def opened(db: Path) -> Store:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return Store(db)


def test_a_store_records_the_routes_it_was_written_with(stores, tmp_path: Path, route_articles):
    """A new store records this samestory's routes and has no backlog; an old one records
    them too once ``route_pairs`` has made its held articles the backlog."""
    new = tmp_path / "new.db"
    with Store(new) as store:
        store.add(route_articles[:5])
        assert store.unpaired() == 0
    assert recorded_routes(new) == backlog.ROUTES
    old = copy_of(stores["old"], tmp_path)
    assert recorded_routes(old) is None
    with opened(old) as store:
        assert store.unpaired() == len(store)
    assert recorded_routes(old) == backlog.ROUTES


def test_a_store_written_between_the_route_and_the_step_is_paired_for_nothing(
    stores, tmp_path: Path
):
    """A store written with the same-days route before ``route_pairs`` (and the record)
    existed holds nothing that says so: it gets the backlog, whose upgrade scores no
    pair and moves no article."""
    between = copy_of(stores["new"], tmp_path)
    before_the_record(between)
    with opened(between) as store:
        assert store.unpaired() == len(store)
        assert store.upgrade(chunk=30) == core.Paired(articles=len(store), pairs=0, moved=0)
    assert tables(between) == tables(stores["new"])


def test_the_next_route_gets_its_backlog_from_the_record(
    stores, tmp_path: Path, monkeypatch, route_articles
):
    """A route added later (here ``next_route``): a store recorded without it gets every
    held article as the backlog, whatever steps it has; one written after it shipped
    gets none; an older samestory opening that one drops the route from the record, so
    the next open by the newer one pairs again what the older one added."""
    recorded_before = copy_of(stores["new"], tmp_path)
    with opened(recorded_before) as store:
        assert store.unpaired() == 0
    monkeypatch.setattr(backlog, "ROUTES", backlog.ROUTES | {"next_route"})
    with opened(recorded_before) as store:
        assert store.unpaired() == len(store)
        assert "follow_routes" not in migrations.applied(store._conn)  # recorded nowhere
    assert recorded_routes(recorded_before) == backlog.ROUTES
    written_after = tmp_path / "after.db"
    with Store(written_after) as store:
        store.add(route_articles[:5])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no line asking for an upgrade
        with Store(written_after) as store:
            assert store.unpaired() == 0
    monkeypatch.setattr(backlog, "ROUTES", backlog.ROUTES - {"next_route"})
    with Store(written_after) as store:  # an older samestory: nothing to pair for it
        assert store.unpaired() == 0
    assert recorded_routes(written_after) == backlog.ROUTES
    monkeypatch.setattr(backlog, "ROUTES", backlog.ROUTES | {"next_route"})
    with opened(written_after) as store:
        assert store.unpaired() == len(store)


def test_a_read_does_not_wait_to_record_a_new_route(stores, tmp_path: Path, monkeypatch):
    """Recording a new route's backlog changes nothing a read sees: while another process
    holds the write lock the store is read at once, says what is unpaired, and the
    handle's first write records the backlog."""
    db = copy_of(stores["new"], tmp_path)
    monkeypatch.setattr(backlog, "ROUTES", backlog.ROUTES | {"next_route"})
    writer = hold_write_lock(db)
    try:
        start = time.perf_counter()
        with pytest.warns(UserWarning, match="never paired"):
            store = Store(db)
        assert time.perf_counter() - start < 10  # not the 30 s busy timeout
        assert store.unpaired() == len(store)
    finally:
        writer.communicate("")
    with store:
        assert recorded_routes(db) == backlog.ROUTES - {"next_route"}  # not written yet
        store.upgrade(chunk=100)
        assert store.unpaired() == 0
    assert recorded_routes(db) == backlog.ROUTES


# A process that upgrades a store a few articles per chunk and is killed (SIGKILL, no
# clean-up of any kind) as soon as its second chunk has committed.
KILLED = r"""
import os, signal, sys, warnings
from samestory.store import Store
warnings.simplefilter("ignore")

def progress(stage, done, total):
    if done >= 2 * int(sys.argv[2]):
        os.kill(os.getpid(), signal.SIGKILL)

Store(sys.argv[1]).upgrade(progress=progress, chunk=int(sys.argv[2]))
"""


def test_a_killed_upgrade_carries_on_where_it_stopped(stores, tmp_path: Path):
    old = copy_of(stores["old"], tmp_path)
    env = {**os.environ, "PYTHONPATH": str(Path(samestory.__file__).resolve().parents[1])}
    done = subprocess.run(
        [sys.executable, "-c", KILLED, str(old), "3"], env=env, capture_output=True, check=False
    )
    assert done.returncode == -signal.SIGKILL
    conn = sqlite3.connect(old)
    left = backlog.read(conn)
    total = conn.execute("SELECT count(*) FROM articles").fetchone()[0]
    assert left is not None and backlog.remaining(conn, left) == total - 6
    conn.close()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        store = Store(old)
    with store:
        assert store.upgrade().articles == total - 6
    assert tables(old) == tables(stores["new"])


def test_a_failed_chunk_is_rolled_back_and_the_rest_kept(stores, tmp_path: Path, monkeypatch):
    from samestory.store import core

    old = copy_of(stores["old"], tmp_path)
    real, calls = core._Work._pair_held, []

    def full_on_the_ninth(self, article_id, held):
        calls.append(article_id)
        if len(calls) == 9:
            raise sqlite3.OperationalError("database or disk is full")
        return real(self, article_id, held)

    monkeypatch.setattr(core._Work, "_pair_held", full_on_the_ninth)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        store = Store(old)
    with store:
        with pytest.raises(StoreError, match=r"^disk full while upgrading .*carries on") as caught:
            store.upgrade(chunk=4)
        assert "\n" not in str(caught.value)
        assert store.unpaired() == len(store) - 8  # two chunks kept, the third rolled back
        monkeypatch.setattr(core._Work, "_pair_held", real)
        store.upgrade(chunk=4)
    assert tables(old) == tables(stores["new"])


def test_upgrade_of_a_locked_or_read_only_store_is_one_line(stores, tmp_path: Path):
    old = copy_of(stores["old"], tmp_path)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        Store(old).close()  # the step applied: the backlog is recorded
        with (
            Store(old, read_only=True) as store,
            pytest.raises(StoreError, match="read-only here: cannot upgrade"),
        ):
            store.upgrade()
        holder = sqlite3.connect(old, isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")
        try:
            with (
                Store(old, busy_timeout=0.2) as store,
                pytest.raises(StoreBusy, match="locked by another writer"),
            ):
                store.upgrade()
        finally:
            holder.close()


def test_the_upgrade_command(stores, tmp_path: Path, monkeypatch):
    monkeypatch.delenv("SAMESTORY_DB", raising=False)
    old = copy_of(stores["old"], tmp_path)
    listed = runner.invoke(app, ["stories", "--db", str(old)])
    assert listed.exit_code == 0
    assert "`samestory upgrade --db" in listed.stderr and listed.stderr.count("\n") == 1
    done = runner.invoke(app, ["upgrade", "--db", str(old)])
    assert done.exit_code == 0, done.output
    assert done.stdout.startswith(f"upgraded {old}: paired ")
    assert "of" in done.stderr and "Traceback" not in done.output
    again = runner.invoke(app, ["upgrade", "--db", str(old)])
    assert again.exit_code == 0 and again.stdout.strip() == f"{old} is up to date"
    assert tables(old) == tables(stores["new"])
    missing = runner.invoke(app, ["upgrade", "--db", str(tmp_path / "none.db")])
    assert missing.exit_code == 1 and "no store at" in missing.stderr


# The CLI as its entry point runs it.
LAUNCH = "import sys; from samestory.cli.launch import main; sys.argv[0] = 'samestory'; main()"

# Another process writing: holds the write lock until its stdin closes.
WRITER = r"""
import sqlite3, sys
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("BEGIN IMMEDIATE")
conn.execute("INSERT INTO meta VALUES ('writing', '1')")
print("holding", flush=True)
sys.stdin.read()
conn.execute("ROLLBACK")
"""


def hold_write_lock(db: Path) -> subprocess.Popen[str]:
    """Another process holding the store's write lock until its stdin is closed."""
    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(db)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert writer.stdout is not None and writer.stdout.readline().strip() == "holding"
    return writer


def stories_while_locked(db: Path) -> subprocess.CompletedProcess[str]:
    """``samestory stories --db DB --json`` in its own process while another process holds
    the write lock: it must answer (exit 0) far sooner than the 30 s a writer waits."""
    writer = hold_write_lock(db)
    try:
        start = time.perf_counter()
        read = subprocess.run(
            [sys.executable, "-c", LAUNCH, "stories", "--db", str(db), "--json"],
            capture_output=True,
            text=True,
            check=False,
            env={**os.environ, "PYTHONPATH": str(Path(samestory.__file__).resolve().parents[1])},
        )
        took = time.perf_counter() - start
    finally:
        writer.communicate("")
    assert read.returncode == 0, read.stderr
    assert took < 20  # far below the 30 s a writer waits for the lock
    return read


def test_a_read_does_not_wait_for_an_upgrade_it_does_not_need(stores, tmp_path: Path):
    """The ``route_pairs`` step changes nothing a read sees: while another process holds
    the write lock, ``samestory stories`` (its own process) reads at once instead of
    waiting 30 s to meet ``locked``; the first write applies the step."""
    old = copy_of(stores["old"], tmp_path)
    read = stories_while_locked(old)
    listed = json.loads(read.stdout)
    assert sum(s["size"] for s in listed["stories"]) > 0
    assert "samestory upgrade" in read.stderr and "locked" not in read.stderr
    conn = sqlite3.connect(old)
    assert not conn.execute("SELECT 1 FROM migrations WHERE name='route_pairs'").fetchone()
    conn.close()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with Store(old) as store:  # free now: the open applies the step
            assert store.unpaired() == len(store)
    conn = sqlite3.connect(old)
    assert conn.execute("SELECT 1 FROM migrations WHERE name='route_pairs'").fetchone()
    conn.close()


def test_a_read_that_needs_a_real_upgrade_while_locked_is_one_line(stores, tmp_path: Path):
    old = copy_of(stores["old"], tmp_path)
    conn = sqlite3.connect(old)
    with conn:  # as a store before the weak_scores_by_b step (not readable without it)
        conn.execute("DELETE FROM migrations WHERE name = 'weak_scores_by_b'")
        conn.execute("DROP INDEX IF EXISTS weak_scores_by_b")
    conn.close()
    holder = sqlite3.connect(old, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(StoreBusy, match=r"locked by another writer") as caught:
            Store(old, busy_timeout=0.2)
        assert "\n" not in str(caught.value)
    finally:
        holder.close()


def test_a_read_under_another_thread_model_does_not_wait_for_the_writer(
    tmp_path: Path, seed_articles, caplog
):
    """Re-threading under this samestory's thread model is a write the open makes on its
    own: while another process holds the lock, the threads are shown as stored at once
    (one line says so), and the handle's first write re-threads."""
    from samestory.store.threads import MODEL_KEY, stored_model
    from samestory.threads import MODEL_DIGEST

    db = tmp_path / "s.db"
    articles = list(seed_articles.values())
    with Store(db) as store:
        store.add(articles[:3])
    conn = sqlite3.connect(db)
    with conn:  # as a store a samestory with another thread model wrote
        conn.execute("UPDATE meta SET value='another model' WHERE key=?", (MODEL_KEY,))
    conn.close()
    writer = hold_write_lock(db)
    try:
        start = time.perf_counter()
        with caplog.at_level("WARNING", logger="samestory"):
            store = Store(db)
        assert time.perf_counter() - start < 10  # not the 30 s busy timeout
        assert len(store.stories()) > 0
        said = [r.getMessage() for r in caplog.records]
        assert any("shown as stored while another process" in line for line in said)
    finally:
        writer.communicate("")
    with store:
        assert stored_model(store._conn) == "another model"
        store.add(articles[3:])
        assert stored_model(store._conn) == MODEL_DIGEST


def before_thread_model(db: Path) -> None:
    """Make ``db`` a store as the samestory before the ``thread_model`` step left it: no
    model digest, the step not recorded."""
    from samestory.store.threads import MODEL_KEY, THRESHOLD_KEY

    conn = sqlite3.connect(db)
    with conn:
        conn.execute("DELETE FROM meta WHERE key IN (?, ?)", (MODEL_KEY, THRESHOLD_KEY))
        conn.execute("DELETE FROM migrations WHERE name = 'thread_model'")
    conn.close()


def test_a_read_of_a_store_older_than_thread_model_does_not_wait(stores, tmp_path: Path):
    """The ``thread_model`` step changes the threads a read sees, but the store reads as
    a whole without it: while another process holds the write lock, ``samestory
    stories`` (its own process) shows it as stored at once, in one line, instead of
    waiting 30 s to meet ``locked``; the first write applies the step."""
    from samestory.store.threads import stored_model
    from samestory.threads import MODEL_DIGEST

    db = copy_of(stores["new"], tmp_path)
    before_thread_model(db)
    read = stories_while_locked(db)
    listed = json.loads(read.stdout)
    conn = sqlite3.connect(db)
    stored = {r[0] for r in conn.execute("SELECT id FROM stories")}
    assert not conn.execute("SELECT 1 FROM migrations WHERE name='thread_model'").fetchone()
    conn.close()
    assert listed["stories"] and {s["id"] for s in listed["stories"]} <= stored
    said = [line for line in read.stderr.splitlines() if "shown as stored" in line]
    assert len(said) == 1 and "without the thread_model step" in said[0], read.stderr
    assert "locked" not in read.stderr
    with Store(db) as store:  # free now: the open applies the step
        assert stored_model(store._conn) == MODEL_DIGEST
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT 1 FROM migrations WHERE name='thread_model'").fetchone()
    conn.close()


def test_a_read_only_store_older_than_thread_model_is_shown_as_stored(
    stores, tmp_path: Path, caplog
):
    db = copy_of(stores["new"], tmp_path)
    before_thread_model(db)
    with caplog.at_level("WARNING", logger="samestory"), Store(db, read_only=True) as store:
        assert len(store.stories()) > 0
    said = [r.getMessage() for r in caplog.records if "shown as stored" in r.getMessage()]
    assert len(said) == 1 and "write access" in said[0]


def test_a_store_older_than_thread_model_waits_for_a_writer_of_its_own(
    stores, tmp_path: Path, route_articles
):
    """Deferred at open, the step is applied by the handle's first write, before it."""
    from samestory.store.threads import stored_model
    from samestory.threads import MODEL_DIGEST

    db = copy_of(stores["new"], tmp_path)
    before_thread_model(db)
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        store = Store(db, busy_timeout=0.2)
    finally:
        holder.close()
    with store:
        assert stored_model(store._conn) is None  # shown as stored
        store.add(route_articles[:1])  # stored already: the step all the same
        assert stored_model(store._conn) == MODEL_DIGEST
