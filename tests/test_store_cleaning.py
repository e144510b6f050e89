"""Stores record the cleaning their texts were cleaned with, and clean them again on upgrade.

A store written before rule T (``switches.READ_TITLE_LINE``: a text's first line read as
a page title loses its outlet tail) holds features, pairs and stories made from the old
cleaning. Opened by a samestory with other rules, it finds the stored texts the cleaning
changes (their fingerprints), says so in one line, and ``samestory upgrade`` cleans them
again: afterwards it holds what a new store holds.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from conftest import tables_match
from test_roundups import STATIC
from typer.testing import CliRunner

from samestory import features, normalize, switches
from samestory.cli import app
from samestory.evaluate import record_to_article
from samestory.models import Article
from samestory.store import Store, cleaning
from samestory.store.core import text_fingerprint

TAIL = " - WMC Action News 5 - Memphis, Tennessee"


def corpus(ecb_records: list[dict]) -> list[Article]:
    """Two ECB+ topics; a third of the texts start with a page title carrying an outlet's
    name and place, which rule T drops."""
    out = []
    for k, record in enumerate(r for r in ecb_records if r["topic"] in ("ecb:1", "ecb:3")):
        article = record_to_article(record)
        if k % 3 == 0:
            title = " ".join(article.text.split()[:9]).rstrip(".,;:")
            article = Article(
                id=article.id, text=f"{title}{TAIL}\n{article.text}", date=article.date
            )
        out.append(article)
    return out


def snapshot(db: Path) -> dict[str, object]:
    """What a store holds, read as plain rows: stories, fingerprints, features, pairs."""
    conn = sqlite3.connect(db)
    try:
        stories: dict[str, set[str]] = {}
        threads: dict[str, set[str]] = {}
        thread_of = dict(conn.execute("SELECT story, thread FROM story_threads"))
        for article, story in conn.execute("SELECT id, story_id FROM articles"):
            stories.setdefault(story, set()).add(article)
            threads.setdefault(thread_of.get(story, story), set()).add(article)
        return {
            "stories": {frozenset(g) for g in stories.values()},
            "threads": {frozenset(g) for g in threads.values()},
            "fingerprints": dict(conn.execute("SELECT id, fingerprint FROM articles")),
            "features": dict(conn.execute("SELECT id, doc_json FROM features")),
            # Unrounded and sorted: compared to float rounding by tables_match (rounding
            # to 6 decimals flips a score sitting on a rounding edge: 0.892945 / 0.892944).
            "pairs": sorted(
                (table, a, b, s)
                for table in ("relations", "weak_scores")
                for a, b, s in conn.execute(f"SELECT a, b, score FROM {table}")
            ),
            "articles": conn.execute("SELECT count(*) FROM articles").fetchone()[0],
        }
    finally:
        conn.close()


def build(
    db: Path,
    articles: list[Article],
    title_line: bool,
    monkeypatch,
    runs_on: bool = True,
    by_sentence: bool | None = None,
) -> None:
    """A store of ``articles`` written with rule T ``title_line``, the in-line run-on
    rule ``runs_on`` (off: as every samestory before 2026-12-06 night split) and rule BS
    ``by_sentence`` (None: as shipped)."""
    with monkeypatch.context() as patch:
        patch.setattr(switches, "READ_TITLE_LINE", title_line)
        patch.setattr(switches, "SPLIT_RUNS_ON_IN_LINE", runs_on)
        if by_sentence is not None:
            patch.setattr(switches, "BOILERPLATE_BY_SENTENCE", by_sentence)
        normalize._clean_line.cache_clear()
        features.chunk_sentences.cache_clear()
        with Store(db, config=STATIC) as store:
            for start in range(0, len(articles), 10):
                store.add(articles[start : start + 10])
    normalize._clean_line.cache_clear()
    features.chunk_sentences.cache_clear()


def split_otherwise(articles: list[Article]) -> set[str]:
    """The articles whose cleaned texts the in-line run-on rule cuts into other sentences."""
    split = normalize.split_sentences
    texts = {a.id: normalize.clean_text(a.text) for a in articles}
    return {
        i
        for i, t in texts.items()
        if split(t, runs_on_in_line=False) != split(t, runs_on_in_line=True)
    }


def rule_t_changes(articles: list[Article], monkeypatch) -> set[str]:
    """The articles whose fingerprint rule T changes (a title-case head keeps its tail:
    no running word left before it)."""
    with monkeypatch.context() as patch:
        patch.setattr(switches, "READ_TITLE_LINE", False)
        before = {a.id: text_fingerprint(a) for a in articles}
    return {a.id for a in articles if text_fingerprint(a) != before[a.id]}


def test_the_fixture_exercises_rule_t(ecb_records, monkeypatch):
    assert len(rule_t_changes(corpus(ecb_records), monkeypatch)) >= 5


@pytest.mark.parametrize("made", ["with the record", "before the record"])
def test_a_store_cleaned_by_older_rules_is_cleaned_again_on_upgrade(
    ecb_records, tmp_path, monkeypatch, recwarn, made
):
    monkeypatch.delenv("SAMESTORY_DB", raising=False)
    articles = corpus(ecb_records)
    changed = rule_t_changes(articles, monkeypatch)
    old, new = tmp_path / "old.db", tmp_path / "new.db"
    # A samestory before the `cleaning` step split without the in-line run-on rule (it
    # came after the record), so the open also finds the texts the rule cuts otherwise.
    runs_on = made == "with the record"
    if not runs_on:
        changed |= split_otherwise(articles)
    build(old, articles, title_line=False, monkeypatch=monkeypatch, runs_on=runs_on)
    build(new, articles, title_line=True, monkeypatch=monkeypatch)
    if made == "before the record":  # as a samestory before the `cleaning` step left it
        with sqlite3.connect(old) as conn:
            conn.execute("DROP TABLE reclean")
            conn.execute("DELETE FROM meta WHERE key = ?", (cleaning.KEY,))
            conn.execute("DELETE FROM migrations WHERE name = 'cleaning'")
    before = snapshot(old)
    assert (
        before["stories"] != snapshot(new)["stories"] or before["pairs"] != snapshot(new)["pairs"]
    )
    recwarn.clear()
    with Store(old) as store:  # this samestory's rules: the changed texts are found
        said = [str(w.message) for w in recwarn if "were cleaned or their" in str(w.message)]
        assert said == [
            f"{old}: {len(changed)} stored texts were cleaned or their pairs scored by older "
            "rules than this samestory's, so their features, scores and stories can differ "
            f"from a new store's; `samestory upgrade --db {old}` cleans and scores them again"
        ]
        assert store.unclean() == len(changed)
    assert snapshot(old) == before  # nothing changed until the upgrade
    done = CliRunner().invoke(app, ["upgrade", "--db", str(old)])
    assert done.exit_code == 0, done.output
    assert done.stdout.startswith(f"upgraded {old}: cleaned {len(changed)} stored texts again")
    assert "no longer proposed" in done.stdout  # the old texts' stale pairs were there
    assert "were cleaned or their" not in done.stderr
    assert_upgraded_to_a_new_store(old, before, snapshot(new))


def assert_upgraded_to_a_new_store(
    old: Path, before: dict[str, object], fresh: dict[str, object]
) -> None:
    """The store ``old`` (``before`` its upgrade) holds what a new store (``fresh``) holds,
    nothing lost, and is up to date with this samestory's cleaning rules."""
    after = snapshot(old)
    assert after["articles"] == before["articles"]
    assert after["fingerprints"] == fresh["fingerprints"]
    assert after["features"] == fresh["features"]
    # The candidate pairs are the new store's: the pairs the old texts' neighbourhoods
    # proposed are forgotten, those the new ones propose (both ways) scored.
    assert tables_match({"pairs": after["pairs"]}, {"pairs": fresh["pairs"]})
    assert after["stories"] == fresh["stories"]
    assert after["threads"] == fresh["threads"]
    again = CliRunner().invoke(app, ["upgrade", "--db", str(old)])
    assert again.stdout.strip() == f"{old} is up to date"
    with Store(old) as store:
        assert store.unclean() == 0
        assert cleaning.recorded(store._conn) == cleaning.rules()


def boilerplate_corpus(ecb_records: list[dict]) -> list[Article]:
    """The two ECB+ topics; every third text's second paragraph led by a page's
    "Advertisement" label, every fourth's first sentence glued to a tip line, which
    rule BS keeps and the rule before it dropped whole."""
    out = []
    for k, article in enumerate(corpus(ecb_records)):
        lines = article.text.split("\n")
        if k % 3 == 1 and len(lines) > 1:
            lines[1] = "Advertisement " + lines[1]
        if k % 4 == 2:
            lines[0] = lines[0] + "Anyone with information is asked to call 555-867-5309."
        out.append(Article(id=article.id, text="\n".join(lines), date=article.date))
    return out


def test_a_store_cleaned_before_rule_bs_is_cleaned_again_on_upgrade(
    ecb_records, tmp_path, monkeypatch
):
    monkeypatch.delenv("SAMESTORY_DB", raising=False)
    articles = boilerplate_corpus(ecb_records)
    with monkeypatch.context() as patch:
        patch.setattr(switches, "BOILERPLATE_BY_SENTENCE", False)
        normalize._clean_line.cache_clear()
        before_rule = {a.id: text_fingerprint(a) for a in articles}
    normalize._clean_line.cache_clear()
    monkeypatch.setattr(switches, "BOILERPLATE_BY_SENTENCE", True)
    changed = {a.id for a in articles if text_fingerprint(a) != before_rule[a.id]}
    assert len(changed) >= 5  # the fixture exercises the rule
    old, new = tmp_path / "old.db", tmp_path / "new.db"
    build(old, articles, title_line=True, monkeypatch=monkeypatch, by_sentence=False)
    build(new, articles, title_line=True, monkeypatch=monkeypatch, by_sentence=True)
    before = snapshot(old)
    assert before["fingerprints"] != snapshot(new)["fingerprints"]
    said = f"{len(changed)} stored texts were cleaned or their pairs scored by older rules"
    with pytest.warns(UserWarning, match=said), Store(old) as store:
        assert store.unclean() == len(changed)  # rule BS on: the texts it changes
    assert snapshot(old) == before  # nothing changed until the upgrade
    done = CliRunner().invoke(app, ["upgrade", "--db", str(old)])
    assert done.exit_code == 0, done.output
    assert done.stdout.startswith(f"upgraded {old}: cleaned {len(changed)} stored texts again")
    assert_upgraded_to_a_new_store(old, before, snapshot(new))


# Texts that clean to no words with the rule off: the first three with it on as well.
WORDLESS = (
    "Advertisement",
    "Related Coverage Man shot and killed in a town of the valley",
    "Sign up for one of our email newsletters.",
    "Advertisement A bridge collapsed on the river road on Monday",
)


def test_the_upgrade_after_rule_bs_takes_wordless_copies_out_of_their_group(
    ecb_records, tmp_path, monkeypatch
):
    monkeypatch.delenv("SAMESTORY_DB", raising=False)
    articles = corpus(ecb_records)[:12]
    articles[4:4] = [Article(id=f"empty{k}", text=t) for k, t in enumerate(WORDLESS)]
    old, new = tmp_path / "old.db", tmp_path / "new.db"
    # A store written between cca58bf and the wordless fix made every text without words
    # a copy of the first (the empty text's fingerprint); has_words patched as it read.
    with monkeypatch.context() as patch:
        patch.setattr("samestory.store.adding.has_words", lambda f: True)
        build(old, articles, title_line=True, monkeypatch=monkeypatch, by_sentence=False)
    with sqlite3.connect(old) as conn:
        copies = dict(conn.execute("SELECT id, copy_of FROM articles WHERE copy_of IS NOT NULL"))
    assert copies == {"empty1": "empty0", "empty2": "empty0", "empty3": "empty0"}
    build(new, articles, title_line=True, monkeypatch=monkeypatch, by_sentence=True)
    before = snapshot(old)
    monkeypatch.setattr(switches, "BOILERPLATE_BY_SENTENCE", True)
    normalize._clean_line.cache_clear()
    with pytest.warns(UserWarning, match="3 stored texts were cleaned"), Store(old) as store:
        assert store.unclean() == 3  # the three copies, empty3 with words now
    done = CliRunner().invoke(app, ["upgrade", "--db", str(old)])
    assert done.exit_code == 0, done.output
    assert_upgraded_to_a_new_store(old, before, snapshot(new))
    # Its candidate lists as a new store's: --reconcile finds nothing to forget or score.
    reconciled = CliRunner().invoke(app, ["upgrade", "--db", str(old), "--reconcile"])
    assert reconciled.exit_code == 0, reconciled.output
    assert "forgot 0 stored pairs no list proposes, scored 0 missing ones" in reconciled.stdout
    with sqlite3.connect(old) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    for db in (old, new):  # each text without words its own representative, as new
        with sqlite3.connect(db) as conn:
            left = conn.execute(
                "SELECT id FROM articles WHERE id LIKE 'empty%' AND copy_of IS NOT NULL"
            )
            assert left.fetchall() == []
