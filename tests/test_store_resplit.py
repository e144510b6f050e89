"""Stores split their texts again when the in-line run-on rule changes.

The rule (``switches.SPLIT_RUNS_ON_IN_LINE``: no cut after "Ave." before "in", "6." before
"1", ...) moves sentence cuts and keeps every word, so the re-cleaning backlog's
fingerprint of a text's words does not see it. A store written with the rule one way and
opened by a samestory with it the other way finds the texts the two splits cut
differently (``store.cleaning.resplit``), says how many in one line, and ``samestory
upgrade`` featurises them again: afterwards it holds what a new store holds.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

import pytest
from test_roundups import STATIC
from test_store_cleaning import assert_upgraded_to_a_new_store, snapshot, split_otherwise
from typer.testing import CliRunner

from samestory import features, normalize, switches
from samestory.cli import app
from samestory.evaluate import record_to_article
from samestory.models import Article
from samestory.store import Store, cleaning


def corpus(ecb_records: list[dict]) -> list[Article]:
    """Two ECB+ topics whose texts the rule cuts otherwise (10 of 64: "Ave. in", "Calif.
    man", spaced decimals, an ellipsis before a lowercase word)."""
    return [record_to_article(r) for r in ecb_records if r["topic"] in ("ecb:1", "ecb:19")]


def set_rule(patch: pytest.MonkeyPatch, on: bool) -> None:
    """The rule as a samestory built with it ``on`` has it; the caches of splits made
    under the other setting forgotten (they are not keyed by it)."""
    patch.setattr(switches, "SPLIT_RUNS_ON_IN_LINE", on)
    normalize._clean_line.cache_clear()
    features.chunk_sentences.cache_clear()


def build(db: Path, articles: list[Article], on: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    with monkeypatch.context() as patch:
        set_rule(patch, on)
        with Store(db, config=STATIC) as store:
            for start in range(0, len(articles), 10):
                store.add(articles[start : start + 10])
    set_rule(monkeypatch, switches.SPLIT_RUNS_ON_IN_LINE)


def test_the_fixture_exercises_the_rule(ecb_records):
    assert len(split_otherwise(corpus(ecb_records))) >= 8


@pytest.mark.parametrize("written_on", [False, True], ids=["written off", "written on"])
def test_a_store_split_by_the_other_rule_is_split_again_on_upgrade(
    ecb_records, tmp_path, monkeypatch, caplog, written_on
):
    monkeypatch.delenv("SAMESTORY_DB", raising=False)
    articles = corpus(ecb_records)
    resplit = split_otherwise(articles)
    old, new = tmp_path / "old.db", tmp_path / "new.db"
    build(old, articles, on=written_on, monkeypatch=monkeypatch)
    build(new, articles, on=not written_on, monkeypatch=monkeypatch)
    before, fresh = snapshot(old), snapshot(new)
    assert before["features"] != fresh["features"]
    set_rule(monkeypatch, not written_on)  # this samestory: the rule the other way
    stale = re.escape(f"{old}: {len(resplit)} stored texts were cleaned or their pairs scored")
    with caplog.at_level(logging.INFO), pytest.warns(UserWarning, match=stale), Store(old) as s:
        assert s.unclean() == len(resplit)
    said = [r.getMessage() for r in caplog.records if "clean differently" in r.getMessage()]
    assert said == [
        f"{len(resplit)} stored texts clean differently under this samestory's cleaning "
        f"rules ({len(resplit)} of them only split into other sentences, by the in-line "
        "run-on rule); `samestory upgrade` cleans them again"
    ]
    assert snapshot(old) == before  # nothing changed until the upgrade
    done = CliRunner().invoke(app, ["upgrade", "--db", str(old)])
    assert done.exit_code == 0, done.output
    assert done.stdout.startswith(f"upgraded {old}: cleaned {len(resplit)} stored texts again")
    assert snapshot(old)["fingerprints"] == before["fingerprints"]  # the same words
    assert_upgraded_to_a_new_store(old, before, fresh)


def test_a_store_opened_with_its_own_rule_has_nothing_to_split(ecb_records, tmp_path, monkeypatch):
    """The switch as shipped: the record is the store's own, nothing joins the backlog."""
    monkeypatch.delenv("SAMESTORY_DB", raising=False)
    db = tmp_path / "own.db"
    build(db, corpus(ecb_records)[:20], on=switches.SPLIT_RUNS_ON_IN_LINE, monkeypatch=monkeypatch)
    with Store(db) as store:
        assert store.unclean() == 0
        assert cleaning.recorded(store._conn) == cleaning.rules()
