"""Stores record the pair-scoring rules their pairs were scored with, and score again on upgrade.

A store written before the year-less switch (``switches.YEARLESS_IN_SHORT_TEXTS``: a short
text's bare "Aug 9" dates it) keeps its pairs as scored then. Opened by a samestory whose
switch differs, it finds the stored texts whose pairs the switch can touch (short, with
a bare year-less written date), says so in one line, and ``samestory upgrade`` scores
their pairs again: afterwards it holds what a new store holds.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import sqlite3
from pathlib import Path

import pytest
from test_dates_short import LONG as REPORT  # a report of the event, dated OCTOBER
from test_dates_short import OCTOBER
from test_roundups import STATIC
from test_store_cleaning import snapshot
from typer.testing import CliRunner

from samestory import switches
from samestory.cli import app
from samestory.models import Article
from samestory.store import Store, scoring, upgrading

# Short items whose bare dates the switch reads: two far from the report's date, one near.
HEADLINES = {
    "far": (
        "Apple's iPhone hardware chief Papermaster leaves after the iPhone 4 antenna trouble Aug 9"
    ),
    "far2": "Papermaster out as Apple iPhone hardware head after antenna trouble, Aug 10",
    "near": "Apple iPhone hardware head Papermaster leaves the company Oct 19",
    "other": "Storm closes schools across the county Oct 18",
}


def corpus() -> list[Article]:
    return [
        Article(id="report", text=REPORT, date=OCTOBER),
        *(Article(id=k, text=text) for k, text in HEADLINES.items()),
        Article(id="report2", text=REPORT.replace("Apple has named", "Apple named"), date=OCTOBER),
    ]


def build(db: Path, yearless: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    with monkeypatch.context() as patch:
        patch.setattr(switches, "YEARLESS_IN_SHORT_TEXTS", yearless)
        with Store(db, config=STATIC) as store:
            for article in corpus():
                store.add([article])


def scores(snap: dict[str, object]) -> dict[tuple[str, str], float]:
    return {(a, b): s for _table, a, b, s in snap["pairs"]}  # type: ignore[attr-defined]


@pytest.mark.parametrize("made", ["with the switch off recorded", "before the record"])
def test_a_store_scored_by_other_rules_is_scored_again_on_upgrade(
    tmp_path, monkeypatch, recwarn, made
):
    monkeypatch.delenv("SAMESTORY_DB", raising=False)
    monkeypatch.setattr(switches, "YEARLESS_IN_SHORT_TEXTS", True)  # this samestory's rules
    old, new = tmp_path / "old.db", tmp_path / "new.db"
    build(old, yearless=False, monkeypatch=monkeypatch)
    build(new, yearless=True, monkeypatch=monkeypatch)
    if made == "before the record":  # as a samestory before the `pair_scoring` step left it
        with sqlite3.connect(old) as conn:
            conn.execute("DELETE FROM meta WHERE key = ?", (scoring.KEY,))
            conn.execute("DELETE FROM migrations WHERE name = 'pair_scoring'")
    else:
        with sqlite3.connect(old) as conn:
            assert scoring.recorded(conn)["yearless_in_short_texts"] is False
    before, fresh = snapshot(old), snapshot(new)
    old_scores, fresh_scores = scores(before), scores(fresh)
    common = old_scores.keys() & fresh_scores.keys()
    changed = {k for k in common if abs(old_scores[k] - fresh_scores[k]) > 1e-6}  # not rounding
    assert changed, "the fixture must hold a pair the switch scores differently"
    assert all({"far", "far2", "near", "other"} & set(pair) for pair in changed)
    recwarn.clear()
    with Store(old) as store:  # the short texts with a bare date are found, nothing else
        said = [str(w.message) for w in recwarn if "were cleaned or their" in str(w.message)]
        assert said == [
            f"{old}: 4 stored texts were cleaned or their pairs scored by older rules than "
            "this samestory's, so their features, scores and stories can differ from a new "
            f"store's; `samestory upgrade --db {old}` cleans and scores them again"
        ]
        assert store.unclean() == 4
    assert snapshot(old) == before  # nothing changed until the upgrade
    done = CliRunner().invoke(app, ["upgrade", "--db", str(old)])
    assert done.exit_code == 0, done.output
    assert done.stdout.startswith(  # a pair-scoring rule only: nothing encoded again
        f"upgraded {old}: kept the features of 4 stored texts scored by older rules"
    )
    assert "were cleaned or their" not in done.stderr
    after = snapshot(old)
    assert after["features"] == before["features"]  # the switch is read at pair time
    after_scores = scores(after)
    assert all(abs(after_scores[k] - fresh_scores[k]) <= 1e-6 for k in common)  # tables_match's
    assert after["stories"] == fresh["stories"]
    again = CliRunner().invoke(app, ["upgrade", "--db", str(old)])
    assert again.stdout.strip() == f"{old} is up to date"
    with Store(old) as store:
        assert store.unclean() == 0
        assert scoring.recorded(store._conn) == scoring.rules()


def test_scoring_again_encodes_nothing_and_keeps_the_stored_vectors(tmp_path, monkeypatch):
    """A pair-scoring change leaves every stored feature as it is: the upgrade reads the
    stored features and vectors (no encoder is asked for a vector), and the candidate
    index saved with the store stays valid (nothing to propose again)."""
    monkeypatch.delenv("SAMESTORY_DB", raising=False)
    db = tmp_path / "old.db"
    build(db, yearless=False, monkeypatch=monkeypatch)
    monkeypatch.setattr(switches, "YEARLESS_IN_SHORT_TEXTS", True)
    with sqlite3.connect(db) as conn:
        stored = conn.execute("SELECT * FROM features ORDER BY id").fetchall()
    with Store(db) as store:
        assert store.unclean() == 4

        def no_encoding(*args, **kwargs):
            raise AssertionError("a scoring-only upgrade must not featurise a text again")

        monkeypatch.setattr(upgrading, "featurize_all", no_encoding)
        done = store.upgrade()
    assert (done.recleaned, done.kept_features, done.proposed) == (0, 4, 0)
    assert done.rescored > 0
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT * FROM features ORDER BY id").fetchall() == stored
        assert not conn.execute("SELECT 1 FROM reclean").fetchone()


def test_a_store_scored_by_this_samestorys_rules_has_nothing_to_score_again(tmp_path, monkeypatch):
    monkeypatch.delenv("SAMESTORY_DB", raising=False)
    db = tmp_path / "s.db"
    build(db, yearless=switches.YEARLESS_IN_SHORT_TEXTS, monkeypatch=monkeypatch)
    with Store(db) as store:
        assert store.unclean() == 0
        assert scoring.recorded(store._conn) == scoring.rules()


def test_a_far_copy_kind_stored_by_an_older_rule_is_scored_again_on_upgrade(tmp_path, monkeypatch):
    """A store written before the published-date kind rule holds a `near_duplicate` (score
    1) between two reports published three months apart; the rule makes sentence
    alignment alone no copy across the date gate. The upgrade scores that pair again."""
    monkeypatch.delenv("SAMESTORY_DB", raising=False)
    db = tmp_path / "s.db"
    later = OCTOBER + dt.timedelta(days=92)
    edited = " ".join(_reworded(s) for s in re.split(r"(?<=[.!?])\s+", REPORT))
    with Store(db, config=STATIC) as store:
        store.add([Article(id="first", text=REPORT, date=OCTOBER)])
        store.add([Article(id="later", text=edited, date=later)])
    with sqlite3.connect(db) as conn:  # as a samestory before the rule left it
        conn.execute("DELETE FROM weak_scores")
        conn.execute(
            "INSERT OR REPLACE INTO relations VALUES (?, ?, 'near_duplicate', 1.0, '{}', 'first')",
            ("first", "later"),
        )
    upgrade_from_before(db, "published_far_kinds", unclean=2)
    with sqlite3.connect(db) as conn:
        rows = conn.execute("SELECT kind, score FROM relations WHERE a = 'first' AND b = 'later'")
        assert all(kind != "near_duplicate" and score < 1 for kind, score in rows)
        assert scoring.recorded(conn) == scoring.rules()


def upgrade_from_before(db: Path, rule: str, unclean: int) -> None:
    """Record the store as scored before the pair-scoring ``rule``, check how many stored
    texts that puts in the backlog (``unclean``), and run ``samestory upgrade``."""
    with sqlite3.connect(db) as conn:
        old = {**scoring.rules(), rule: False}
        conn.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (scoring.KEY, json.dumps(old)))
    with Store(db) as store:
        assert store.unclean() == unclean
    done = CliRunner().invoke(app, ["upgrade", "--db", str(db)])
    assert done.exit_code == 0, done.output


def _reworded(sentence: str) -> str:
    """The sentence with every third pair of words swapped: the same words, few shingles."""
    words = sentence.split()
    for i in range(0, len(words) - 1, 3):
        words[i], words[i + 1] = words[i + 1], words[i]
    return " ".join(words)


def test_a_text_dated_rewrite_stored_as_a_follow_up_is_scored_again_on_upgrade(
    tmp_path, monkeypatch
):
    """A store written before the text-date follow-up rule holds MEANTIME's A380
    translation pair (dated 366 days apart by its texts, score 0.5) as a `follow_up`; the
    rule keeps such a rewrite at the story bar a `rewrite`. The upgrade scores it again."""
    from test_story_relations import a380_translation

    monkeypatch.delenv("SAMESTORY_DB", raising=False)
    db = tmp_path / "s.db"
    with Store(db, config=STATIC) as store:
        store.add(a380_translation())
    with sqlite3.connect(db) as conn:  # as a samestory before the rule left it
        (a, b, evidence), *_ = conn.execute("SELECT a, b, evidence_json FROM relations")
        assert json.loads(evidence)["date_gap_days"] == 366
        conn.execute("UPDATE relations SET kind = 'follow_up'")
    upgrade_from_before(db, "text_far_rewrites", unclean=2)
    with sqlite3.connect(db) as conn:
        kinds = conn.execute("SELECT kind FROM relations WHERE a = ? AND b = ?", (a, b))
        assert [k for (k,) in kinds] == ["rewrite"]
        assert scoring.recorded(conn) == scoring.rules()
