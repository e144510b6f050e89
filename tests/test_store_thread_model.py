"""A store follows the thread model: written under one thread file, opened under another,
it re-scores its pairs from their stored inputs and threads as the batch does under the
new file (``samestory.store.threads.refresh``); read-only, it says so and shows its
threads as stored.

Each side runs in its own process over its own copy of the package, as an upgrade does:
the thread model is read once, at import, by several modules."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ECBPLUS_SUBSET, SEEDS, store_tables, tables_match

import samestory

# One process: for each step (mode, store, batch), add the articles of a JSON file to a
# store in batches, or read a store (optionally read-only), or cluster them in a batch run;
# print the threads (as sets of article ids), the follow-up pairs, the thread model digest
# the store records and the SHA-256 of the store's file after the step. One process runs
# one side's steps (one thread model, read at import) one after the other, each on a Store
# opened and closed again: each step reads the store from its file.
DRIVER = r"""
import hashlib, json, logging, sys
from samestory import api
from samestory.config import DEFAULT_CONFIG
from samestory.evaluate import record_to_article
from samestory.store import Store
from samestory.threads import MODEL_DIGEST

data, steps = sys.argv[1], sys.argv[2:]
logging.basicConfig(level=logging.INFO, format="LOG %(message)s", stream=sys.stdout)
articles = [record_to_article(r) for r in json.load(open(data))]

config = DEFAULT_CONFIG.replace(encoder="static")


def dump(stories):
    threads = {}
    follow = set()
    for s in stories:
        threads.setdefault(s.thread, set()).update(s.articles)
        follow.update((r.a, r.b, r.kind.value) for r in s.follow_ups)
    return {
        "threads": sorted(sorted(t) for t in threads.values()),
        "follow_ups": sorted(follow),
        "digest": MODEL_DIGEST,
    }


for step in range(0, len(steps), 3):
    mode, db, batch = steps[step], steps[step + 1], int(steps[step + 2])
    print("STEP", flush=True)
    if mode == "batch":
        out = dump(api.cluster(articles, config=config))
    else:
        store = Store(db, config=config, read_only=mode == "read-only")
        if mode == "add":
            for start in range(0, len(articles), batch):
                store.add(articles[start : start + batch])
        out = dump(store.story(s.id) for s in store.stories())
        out["stored_digest"] = store._conn.execute(
            "SELECT value FROM meta WHERE key='thread_model'").fetchone()[0]
        store.close()
        with open(db, "rb") as file:
            out["file"] = hashlib.sha256(file.read()).hexdigest()
    print("RESULT " + json.dumps(out), flush=True)
"""


def package_with(tmp: Path, change: dict | None) -> Path:
    """A folder to put on PYTHONPATH: this samestory, or a copy whose thread model file
    has ``change`` applied (``{"baseline": +x}`` adds x, other keys replace)."""
    source = Path(samestory.__file__).resolve().parent
    if change is None:
        return source.parent
    root = tmp / "other"
    shutil.copytree(source, root / "samestory", ignore=shutil.ignore_patterns("__pycache__"))
    path = root / "samestory" / "params" / "thread_model.json"
    data = json.loads(path.read_text())
    for key, value in change.items():
        data[key] = data[key] + value if key == "baseline" else value
    path.write_text(json.dumps(data))
    return root


#: A step of :data:`DRIVER`: its mode, its store and the size of its adds.
Step = tuple[str, Path, int]


def run(package: Path, data: Path, *steps: Step) -> list[tuple[dict, list[str]]]:
    """One side's ``steps`` in one process over ``package``: each step's result and log
    lines."""
    env = {**os.environ, "PYTHONPATH": str(package)}
    done = subprocess.run(
        [sys.executable, "-c", DRIVER, str(data), *(str(x) for step in steps for x in step)],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    out = []
    for part in done.stdout.split("STEP\n")[1:]:
        lines = part.splitlines()
        result = json.loads(next(x for x in lines if x.startswith("RESULT "))[len("RESULT ") :])
        out.append((result, [x for x in lines if x.startswith("LOG ")]))
    assert len(out) == len(steps), done.stdout[-2000:]
    return out


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def records_of(path: Path, tmp: Path) -> Path:
    """The articles of ``path`` (a folder of files, or a JSON lines file) as one JSON file."""
    out = tmp / "articles.json"
    if path.is_dir():
        from samestory.ingest import read_paths

        records = [a.to_dict() for a in read_paths([path]).articles]
    else:
        records = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    out.write_text(json.dumps(records))
    return out


def tables(db: Path) -> dict[str, list[tuple]]:
    """What decides a store's stories and threads: its relations, scores and threads."""
    return store_tables(db)


# A thread model that threads far more (every shipped refit moves thresholds less; the
# point is that the threads differ): the seeds' two stories become one thread.
MORE = {"baseline": 6.0}


@pytest.mark.slow  # two processes, one a side (the old model's, the new one's)
def test_a_store_opened_under_another_thread_model_threads_as_its_batch(tmp_path: Path):
    data = records_of(SEEDS, tmp_path)
    old, new = package_with(tmp_path, None), package_with(tmp_path, MORE)
    db, fresh, unused = tmp_path / "s.db", tmp_path / "fresh.db", tmp_path / "unused.db"
    (batch_old, _), (written, _) = run(old, data, ("batch", unused, 1), ("add", db, 1))
    assert written["threads"] == batch_old["threads"]
    assert written["stored_digest"] == written["digest"]
    before = sha256(db)
    steps = [("batch", unused, 1), ("read-only", db, 1), ("open", db, 1), ("add", fresh, 1)]
    steps.append(("open", db, 1))  # again, once the new store is written
    new_side = run(new, data, *steps)
    (batch_new, _), (shown, shown_lines), (reopened, lines), _, (again, again_lines) = new_side
    assert batch_old["threads"] != batch_new["threads"]  # the two files thread differently
    assert batch_new["follow_ups"] and not batch_old["follow_ups"]

    # Read-only: nothing written, one line, the threads as stored.
    assert shown["threads"] == batch_old["threads"]
    assert shown["stored_digest"] == batch_old["digest"] != shown["digest"]
    assert len(shown_lines) == 1 and "another thread model, shown as stored" in shown_lines[0]
    assert shown["file"] == before

    # Opened with write access: re-scored from the stored inputs, threaded as the batch.
    assert reopened["threads"] == batch_new["threads"]
    assert reopened["follow_ups"] == batch_new["follow_ups"]
    assert reopened["stored_digest"] == batch_new["digest"]
    assert len(lines) == 1 and "0 read again from stored features" in lines[0]
    # Row for row what a store written under the new model holds.
    assert tables_match(tables(db), tables(fresh))
    # Done once: opened again, nothing to do, nothing written.
    assert again == reopened and again_lines == []


@pytest.mark.slow
def test_a_dev_subset_store_follows_a_refit_as_its_batch(tmp_path: Path):
    """The ECB+ fixture (113 articles, adds of 10) under a model with 2.5 more log-odds:
    8 threads instead of 9, and 171 pairs change kind (follow-ups); the store written
    under the shipped file and opened under the other holds what one written under the
    other holds, row for row."""
    data = records_of(ECBPLUS_SUBSET, tmp_path)
    old, new = package_with(tmp_path, None), package_with(tmp_path, {"baseline": 2.5})
    db, fresh, unused = tmp_path / "s.db", tmp_path / "fresh.db", tmp_path / "unused.db"
    (batch_old, _), _ = run(old, data, ("batch", unused, 1), ("add", db, 10))
    steps = [("batch", unused, 1), ("open", db, 1), ("add", fresh, 10)]
    (batch_new, _), (reopened, _), _ = run(new, data, *steps)
    assert batch_old["threads"] != batch_new["threads"]
    assert reopened["threads"] == batch_new["threads"]
    assert reopened["follow_ups"] == batch_new["follow_ups"]
    assert tables_match(tables(db), tables(fresh))


def test_a_store_from_before_the_thread_model_step_is_upgraded_row_for_row(
    tmp_path: Path, seed_articles, caplog
):
    """A store made before the ``thread_model`` step kept the inputs of undated pairs only
    and no model digest: the step reads the others' from the stored features (no text
    is analysed again), and the store then holds what a new one holds."""
    from samestory.store import Store
    from samestory.store.threads import MODEL_KEY, THRESHOLD_KEY

    articles = list(seed_articles.values())
    db = tmp_path / "s.db"
    with Store(db) as store:
        for article in articles:
            store.add([article])
    expected = tables(db)
    conn = sqlite3.connect(db)
    with conn:  # as the step before it left a store
        conn.execute("UPDATE thread_scores SET inputs = NULL WHERE gap IS NOT NULL")
        conn.execute("DELETE FROM meta WHERE key IN (?, ?)", (MODEL_KEY, THRESHOLD_KEY))
        conn.execute("DELETE FROM migrations WHERE name = 'thread_model'")
        dropped = conn.execute("SELECT count(*) FROM thread_scores WHERE inputs IS NULL")
        assert dropped.fetchone()[0] > 0
    conn.close()
    with caplog.at_level("INFO", logger="samestory"), Store(db) as store:
        pass
    assert tables(db) == expected
    steps = sqlite3.connect(db).execute("SELECT name FROM migrations ORDER BY rowid").fetchall()
    assert steps[-1] == ("thread_model",)
    assert any("reading the thread inputs of" in r.getMessage() for r in caplog.records)


def test_the_digest_follows_the_numbers_not_the_figures():
    """A refit that moves a weight, the threshold or the short correction changes the
    digest; one that rewrites only how the file was fitted (CV figures, dates) does not."""
    from samestory import params, thread_digest, threads

    data = params.load(thread_digest.MODEL_FILE)
    assert thread_digest.model_digest(data) == threads.MODEL_DIGEST
    assert thread_digest.model_digest({**data, "fitted": "another day", "cv": {}}) == (
        threads.MODEL_DIGEST
    )
    first = data["features"][0]
    moved = {**data, "weights": {**data["weights"], first: data["weights"][first] + 0.01}}
    assert thread_digest.model_digest(moved) != threads.MODEL_DIGEST
    assert thread_digest.model_digest({**data, "threshold": 0.55}) != threads.MODEL_DIGEST
    short = {**data, "short_weights": {"far_apart_no_person_place": -4.64}}
    assert thread_digest.model_digest(short) != threads.MODEL_DIGEST


@pytest.mark.parametrize("made_by", ["another thread model", "other candidate routes"])
def test_the_fast_listing_leaves_a_store_of_another_samestory_to_store(
    tmp_path: Path, monkeypatch, made_by: str
):
    """`samestory stories` lists a store without the engine only when a Store would open
    it without writing: not when its threads were made by another thread model, nor when
    it records other candidate routes than this samestory's (Store records a backlog)."""
    from samestory.store import Store, backlog, listing

    db = tmp_path / "s.db"
    with Store(db):
        pass
    conn = listing.open_current(db)
    assert conn is not None
    conn.close()
    if made_by == "another thread model":
        with sqlite3.connect(db) as write:
            write.execute("UPDATE meta SET value = 'another' WHERE key = 'thread_model'")
    else:
        monkeypatch.setattr(backlog, "ROUTES", backlog.ROUTES | {"next_route"})
    assert listing.open_current(db) is None
