"""The listing path (``samestory stories`` on a current store) reads the store's rule
records without importing the pipeline.

Whether a store is current includes whether its texts were cleaned, and its pairs
scored, by this samestory's rules (``meta.cleaning``, ``meta.pair_scoring``). Those
records live in :mod:`samestory.switches`, which imports nothing: before, the check
imported ``normalize`` and ``dates`` (``stories`` start-up 0.085 -> 0.11 s).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from samestory import switches
from samestory.store import Store, cleaning, scoring
from samestory.store.listing import open_current

SRC = Path(__file__).resolve().parents[1] / "src"

# What reading the records must not import (normalize and dates: ~50 ms of regexes).
NOT_ON_LISTING_PATH = ("numpy", "samestory.normalize", "samestory.dates", "samestory.relate")

# Runs `samestory stories --json` through the entry point, then prints what it imported.
LIST_AND_REPORT = """\
import json, sys
from samestory.cli.launch import run_fast
code = run_fast(["stories", "--db", sys.argv[1], "--json"])
print(json.dumps({"code": code, "modules": sorted(sys.modules)}))
"""


@pytest.fixture
def current_store(tmp_path: Path) -> Path:
    db = tmp_path / "current.db"
    with Store(db):
        pass
    return db


def listing_run(db: Path) -> tuple[int | None, set[str], str]:
    """(exit code of the fast path, modules imported, stdout) of listing ``db`` in a new
    interpreter."""
    env = {**os.environ, "PYTHONPATH": f"{SRC}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
    done = subprocess.run(
        [sys.executable, "-c", LIST_AND_REPORT, str(db)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=True,
    )
    *listed, last = done.stdout.strip().splitlines()
    report = json.loads(last)
    return report["code"], set(report["modules"]), "\n".join(listed)


def test_listing_a_current_store_imports_neither_normalize_nor_dates(current_store: Path):
    code, modules, listed = listing_run(current_store)
    assert code == 0 and '"stories": []' in listed  # the fast path listed it
    assert "samestory.switches" in modules  # the records were checked
    assert sorted(m for m in NOT_ON_LISTING_PATH if m in modules) == []


def test_a_store_cleaned_by_other_rules_is_not_listed_as_current(current_store: Path):
    import sqlite3

    with sqlite3.connect(current_store) as conn:
        other = json.dumps({"title_line": not switches.READ_TITLE_LINE}, sort_keys=True)
        conn.execute("UPDATE meta SET value=? WHERE key=?", (other, cleaning.KEY))
    assert open_current(current_store) is None
    code, _, _ = listing_run(current_store)
    assert code is None  # left to Store, which looks for the texts to clean again


def test_a_store_scored_by_other_rules_is_not_listed_as_current(current_store: Path):
    import sqlite3

    rules = {**switches.pair_scoring_rules(), "published_far_kinds": False}
    with sqlite3.connect(current_store) as conn:
        conn.execute("UPDATE meta SET value=? WHERE key=?", (json.dumps(rules), scoring.KEY))
    assert open_current(current_store) is None


def test_the_records_follow_the_switches(monkeypatch) -> None:
    """A switch patched in :mod:`samestory.switches` is what the store records and what
    the pipeline reads (one place: a patch elsewhere would not reach both)."""
    from samestory import normalize

    text = "Quake hits the town - Example News\nThe quake hit the town on Monday morning."
    monkeypatch.setattr(switches, "READ_TITLE_LINE", False)
    off = normalize.clean_text(text)
    bs = {"boilerplate_by_sentence": True}  # rule BS, on as shipped
    on = {"split_runs_on_in_line": True, **bs}  # the in-line run-on rule, on as shipped
    assert json.loads(cleaning.rules()) == {"title_line": False, **on}
    monkeypatch.setattr(switches, "READ_TITLE_LINE", True)
    assert json.loads(cleaning.rules()) == {"title_line": True, **on}
    monkeypatch.setattr(switches, "SPLIT_RUNS_ON_IN_LINE", False)
    assert json.loads(cleaning.rules()) == {"title_line": True, **bs}
    monkeypatch.setattr(switches, "BOILERPLATE_BY_SENTENCE", False)
    assert json.loads(cleaning.rules()) == {"title_line": True}
    assert normalize.clean_text(text) != off  # rule T cut the outlet's tail
    monkeypatch.setattr(switches, "YEARLESS_IN_SHORT_TEXTS", False)
    assert scoring.rules()["yearless_in_short_texts"] is False


@pytest.mark.parametrize(
    "module, name", [("normalize", "READ_TITLE_LINE"), ("dates", "YEARLESS_IN_SHORT_TEXTS")]
)
def test_a_switch_read_or_set_where_it_lived_before_fails_loudly(monkeypatch, module, name):
    """Setting ``normalize.READ_TITLE_LINE`` would otherwise add an attribute nothing
    reads: the cleaning and the store's record would go on with the switch unchanged."""
    import importlib

    old_home = importlib.import_module(f"samestory.{module}")
    shipped = getattr(switches, name)
    with pytest.raises(switches.MovedSwitchError, match=f"samestory.switches.{name}"):
        setattr(old_home, name, False)
    with pytest.raises(switches.MovedSwitchError, match=f"samestory.switches.{name}"):
        getattr(old_home, name)
    with pytest.raises(AttributeError):
        monkeypatch.setattr(old_home, name, False)
    assert getattr(switches, name) is shipped  # nothing changed it
    monkeypatch.setattr(old_home, "SOME_OTHER_NAME", 1, raising=False)  # others as before
    assert old_home.SOME_OTHER_NAME == 1
