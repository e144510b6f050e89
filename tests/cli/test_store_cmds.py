"""The store commands `add`, `stories` and `show` through Typer's test runner."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from samestory.cli import store_cmds
from samestory.cli.store_cmds import register

runner = CliRunner()


@pytest.fixture(scope="module")
def app() -> typer.Typer:
    app = typer.Typer()
    register(app)
    return app


@pytest.fixture
def db(tmp_path: Path, monkeypatch) -> Path:
    monkeypatch.delenv("SAMESTORY_DB", raising=False)
    return tmp_path / "cli.db"


def run(app: typer.Typer, *args: str):
    return runner.invoke(app, [str(a) for a in args])


def test_add_then_again(app, db: Path, seeds_dir: Path):
    first = run(app, "add", seeds_dir, "--db", db, "--quiet")
    assert first.exit_code == 0, first.output
    summary = "added 5 (0 copies, 0 revisions), unchanged 0, skipped 0; 2 stories touched (2 new)"
    assert first.stdout.splitlines() == [summary]  # --quiet: the summary line only
    again = run(app, "add", seeds_dir, "--db", db, "--json")
    assert again.exit_code == 0
    payload = json.loads(again.stdout)
    assert payload["added"] == [] and len(payload["unchanged"]) == 5
    assert payload["skipped"] == [] and payload["stories"] == {}


def test_add_json_reports_skipped(app, db: Path, seeds_dir: Path, tmp_path: Path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "x", "text": "A short valid article about a summit."}\nnot json\n')
    result = run(app, "add", seeds_dir / "003_6a6816fadfc50284.txt", bad, "--db", db, "--json")
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["added"] == ["003_6a6816fadfc50284", "x"]
    assert [s["source"] for s in payload["skipped"]] == [f"{bad}:2"]
    assert "skipped" in result.stderr and f"{bad}:2" in result.stderr
    assert set(payload["stories"]) == {"003_6a6816fadfc50284", "x"}


def test_add_names_the_first_articles_then_sums_up(app, db: Path, seeds_dir: Path, monkeypatch):
    """A crawl's add printed a line per article (2,312 for the dev sets): now the first
    ADD_LINES_SHOWN, a line saying how many more, and the summary; --verbose lists all."""
    monkeypatch.setattr(store_cmds, "ADD_LINES_SHOWN", 2)
    first = run(app, "add", seeds_dir, "--db", db)
    assert first.exit_code == 0, first.output
    lines = first.stdout.splitlines()
    assert len(lines) == 4, first.stdout
    assert all(line.startswith("  0") for line in lines[:2])
    assert "new story" in lines[0]
    assert lines[2] == "  … and 3 more articles added (--verbose to list them, or --json)"
    assert lines[3].startswith("added 5 (0 copies, 0 revisions)")
    copy = seeds_dir / "001_dbb88671c08ef9cb.txt"
    (db.parent / "again").mkdir()
    (db.parent / "again" / "copy-of-001.txt").write_text(copy.read_text())
    for name in ("003_6a6816fadfc50284.txt", "004_19bf21a25ff5d78b.txt"):
        (db.parent / "again" / f"renamed-{name}").write_text((seeds_dir / name).read_text())
    verbose = run(app, "add", db.parent / "again", "--db", db, "--verbose")
    assert verbose.exit_code == 0, verbose.output
    lines = verbose.stdout.splitlines()
    assert len(lines) == 4 and "more articles" not in verbose.stdout
    assert all(" copy " in line for line in lines[:3])
    assert lines[3].startswith("added 3 (3 copies, 0 revisions), unchanged 0, skipped 0;")


def test_add_always_names_what_it_skipped(app, db: Path, seeds_dir: Path, tmp_path: Path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "x", "text": "A short valid article about a summit."}\nnot json\n')
    result = run(app, "add", seeds_dir, bad, "--db", db, "--quiet")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "added 6 (0 copies, 0 revisions), unchanged 0, skipped 1; 3 stories touched (3 new)"
    ]
    assert f"skipped {bad}:2: " in result.stderr


def test_add_caps_the_skips_of_one_reason_and_verbose_names_every_one(
    app, db: Path, tmp_path: Path
):
    """A crawl whose text field is called ``body`` (JSONL: no header to check first)."""
    from samestory.cli.common import SKIP_LINES_PER_REASON

    crawl = tmp_path / "crawl.jsonl"
    crawl.write_text("".join(f'{{"id": "a{n}", "body": "Text {n}."}}\n' for n in range(30)))
    capped = run(app, "add", crawl, "--db", db)
    assert capped.exit_code == 1 and not db.exists()
    lines = capped.stderr.splitlines()
    assert len(lines) == SKIP_LINES_PER_REASON + 2
    assert lines[-2] == (
        f"skipped … and {30 - SKIP_LINES_PER_REASON} more: {30 - SKIP_LINES_PER_REASON} × "
        "record has no text (field 'text' missing) (--verbose or --json lists every one)"
    )
    every = run(app, "add", crawl, "--db", db, "--verbose")
    assert every.exit_code == 1
    assert every.stderr.count("skipped") == 30 + 1  # each record, and "(30 skipped)"


def test_add_quiet_and_verbose_exit_2(app, db: Path, seeds_dir: Path):
    result = run(app, "add", seeds_dir, "--db", db, "-q", "-v")
    assert result.exit_code == 2
    assert "--quiet and --verbose" in result.stderr and not db.exists()


def test_add_nothing_readable_exits_1(app, db: Path, tmp_path: Path):
    empty = tmp_path / "empty.txt"
    empty.write_text("")
    result = run(app, "add", empty, "--db", db)
    assert result.exit_code == 1
    # The line as add printed it before its steps were named (_read_to_add, 2026-12-07).
    assert (
        result.stderr.splitlines()[-1]
        == f"error: no article could be read from {empty} (1 skipped)"
    )
    assert not db.exists()


def test_stories_and_show(app, db: Path, seeds_dir: Path):
    assert run(app, "add", seeds_dir, "--db", db, "-q").exit_code == 0
    listed = run(app, "stories", "--db", db, "--json")
    assert listed.exit_code == 0
    stories = json.loads(listed.stdout)["stories"]
    assert [s["size"] for s in stories] == sorted((s["size"] for s in stories), reverse=True)
    assert set(stories[0]) == {"id", "title", "size", "first", "thread"}
    limited = json.loads(run(app, "stories", "--db", db, "--json", "--limit", "1").stdout)
    assert limited["stories"] == stories[:1]
    table = run(app, "stories", "--db", db)
    assert stories[0]["id"] in table.stdout
    shown = run(app, "show", stories[0]["id"], "--db", db, "--json")
    story = json.loads(shown.stdout)
    assert story["id"] == stories[0]["id"] and len(story["articles"]) == stories[0]["size"]
    assert story["relations"] and {"a", "b", "kind", "score"} <= set(story["relations"][0])
    text = run(app, "show", stories[0]["id"], "--db", db)
    assert text.exit_code == 0 and "derivations" in text.stdout and "(first)" in text.stdout


def test_show_lists_the_strongest_relations_and_all_with_all(
    app, db: Path, seeds_dir: Path, monkeypatch
):
    """A 23-version story printed 200+ relation rows: the tables hold the strongest
    (here capped at 2 of the seeds' story's relations), --all and --json every one."""
    from samestory.cli import story_show

    assert run(app, "add", seeds_dir, "--db", db, "-q").exit_code == 0
    story_id = json.loads(run(app, "stories", "--db", db, "--json").stdout)["stories"][0]["id"]
    story = json.loads(run(app, "show", story_id, "--db", db, "--json").stdout)
    scores = sorted((r["score"] for r in story["relations"]), reverse=True)
    assert len(scores) > 2
    monkeypatch.setattr(story_show, "RELATIONS_SHOWN", 2)

    def relation_rows(output: str) -> list[str]:
        """The rows of the relations table (the last table; derivations' come before)."""
        kinds = {r["kind"] for r in story["relations"]}
        table = output[output.index("relations") :].splitlines()
        return [line for line in table if any(f" {k} " in line for k in kinds)]

    capped = run(app, "show", story_id, "--db", db).stdout
    more = len(scores) - 2
    assert f"… and {more} more relations (--all to list them, or --json)" in capped
    assert f"relations, 2 strongest of {len(scores)}" in capped
    assert [row.split()[-2] for row in relation_rows(capped)] == [f"{s:.2f}" for s in scores[:2]]
    assert capped.index("derivations") < capped.index("relations, 2")  # provenance first
    every = run(app, "show", story_id, "--db", db, "--all").stdout
    assert "more relations" not in every and "strongest" not in every
    assert [row.split()[-2] for row in relation_rows(every)] == [f"{s:.2f}" for s in scores]
    as_json = json.loads(run(app, "show", story_id, "--db", db, "--json").stdout)
    assert as_json["relations"] == story["relations"]  # --json is not capped


def test_show_caps_a_big_storys_relations_at_the_strongest_thirty():
    """The default cap on a story of 9 versions (36 pairs), scores out of order."""
    from rich.console import Console

    from samestory.cli.story_show import RELATIONS_SHOWN, print_story
    from samestory.models import Article, Relation, RelationKind, Story

    ids = [f"v{i}" for i in range(9)]
    pairs = [(a, b) for i, a in enumerate(ids) for b in ids[i + 1 :]]
    scores = [round(0.5 + ((7 * n) % 36) / 100, 2) for n in range(len(pairs))]
    relations = tuple(
        Relation(a, b, RelationKind.SAME_EVENT, s) for (a, b), s in zip(pairs, scores, strict=True)
    )
    story = Story("s-big", "Big", tuple(ids), "v0", relations=relations)
    articles = {i: Article(id=i, text=f"Text of {i}.") for i in ids}

    def printed(all_relations: bool) -> list[str]:
        console = Console(record=True, width=120)
        print_story(console, story, articles, [], False, all_relations)
        return console.export_text().splitlines()

    capped = printed(False)
    rows = [line.split()[-2] for line in capped if "same_event" in line]
    assert rows == [f"{s:.2f}" for s in sorted(scores, reverse=True)[:RELATIONS_SHOWN]]
    assert capped[-1] == "… and 6 more relations (--all to list them, or --json)"
    every = printed(True)
    assert len([line for line in every if "same_event" in line]) == 36
    assert not any("more relations" in line for line in every)


def test_show_unknown_story_exits_2(app, db: Path, seeds_dir: Path):
    run(app, "add", seeds_dir / "000_78891c20a9cd916c.txt", "--db", db, "-q")
    result = run(app, "show", "s-nope", "--db", db)
    assert result.exit_code == 2
    assert f"no story s-nope in {db}" in result.stderr


def test_show_titles_an_untitled_version_by_its_first_line(app, db: Path, tmp_path: Path):
    """ECB+ and MEANTIME records have no title: the column was empty."""
    from samestory.cli.story_show import first_line

    records = tmp_path / "untitled.jsonl"
    text = "\n  \nFire hits Wasilla Bible Church.\nThe blaze started on Friday night."
    records.write_text(json.dumps({"id": "u1", "text": text}) + "\n", encoding="utf-8")
    assert run(app, "add", records, "--db", db, "-q").exit_code == 0
    story = json.loads(run(app, "stories", "--db", db, "--json").stdout)["stories"][0]["id"]
    result = run(app, "show", story, "--db", db)
    assert result.exit_code == 0
    assert "Fire hits Wasilla" in result.stdout
    assert first_line(text) == "Fire hits Wasilla Bible Church."
    assert first_line("") == ""


def test_env_var_sets_default_db(app, db: Path, seeds_dir: Path, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SAMESTORY_DB", str(db))
    assert run(app, "add", seeds_dir / "004_19bf21a25ff5d78b.txt", "-q").exit_code == 0
    assert db.exists() and not (tmp_path / "samestory.db").exists()
    assert len(json.loads(run(app, "stories", "--json").stdout)["stories"]) == 1


def test_bad_store_file_exits_1(app, tmp_path: Path):
    bad = tmp_path / "bad.db"
    bad.write_text("not sqlite at all\n" * 50)
    result = run(app, "stories", "--db", bad)
    assert result.exit_code == 1
    assert "not a samestory database" in result.stderr
    missing = run(app, "stories", "--db", tmp_path / "missing.db")
    assert missing.exit_code == 1 and "no store at" in missing.stderr


def test_add_with_static_encoder_makes_a_static_store(app, db: Path, seeds_dir: Path):
    from samestory.store import Store, StoreError

    result = run(app, "add", seeds_dir, "--db", db, "--encoder", "static", "--json")
    assert result.exit_code == 0, result.output
    with Store(db) as store:
        assert store.config.encoder == "static"
        assert len(store.stories()) == 2
    from samestory.config import DEFAULT_CONFIG

    with pytest.raises(StoreError, match="encoder"):
        Store(db, config=DEFAULT_CONFIG.replace(encoder="use"))  # USE features cannot be mixed in
    again = run(app, "add", seeds_dir, "--db", db, "--json")  # keeps its own encoder
    assert again.exit_code == 0, again.output
    assert json.loads(again.stdout)["added"] == []


def test_a_use_store_keeps_use_under_the_static_default(app, db: Path, seeds_dir, tmp_path):
    """A store built with USE (the default before 2026-12-03) reopens under the static
    default with its own encoder, and an edited repost added to it joins its original."""
    from samestory.config import DEFAULT_CONFIG
    from samestory.store import Store

    assert DEFAULT_CONFIG.encoder == "static"
    built = run(app, "add", seeds_dir, "--db", db, "--encoder", "use", "-q")
    assert built.exit_code == 0, built.output
    original = seeds_dir / "003_6a6816fadfc50284.txt"
    repost = tmp_path / "repost.txt"
    repost.write_text(
        original.read_text(encoding="utf-8").replace("three hours", "four hours")
        + "\nShare this.\n",
        encoding="utf-8",
    )
    added = run(app, "add", repost, "--db", db, "--json")  # no --encoder: the store's own
    assert added.exit_code == 0, added.output
    payload = json.loads(added.stdout)
    assert payload["added"] == ["repost"]
    with Store(db) as store:
        assert store.config.encoder == "use"
        assert len(store.stories()) == 2
        assert store.story_of("repost") == store.story_of("003_6a6816fadfc50284")


def test_stories_and_show_give_each_story_its_thread(app, db: Path, tmp_path: Path):
    from tests.test_threads import ARREST, OTHER, SHOOTING

    records = tmp_path / "incident.jsonl"
    records.write_text("".join(json.dumps(a.to_dict()) + "\n" for a in (SHOOTING, OTHER, ARREST)))
    assert run(app, "add", records, "--db", db, "-q").exit_code == 0
    stories = json.loads(run(app, "stories", "--db", db, "--json").stdout)["stories"]
    thread = {s["first"]: s["thread"] for s in stories}
    assert thread["shooting"] == thread["arrest"] != thread["other"]
    arrest = next(s["id"] for s in stories if s["first"] == "arrest")
    shown = json.loads(run(app, "show", arrest, "--db", db, "--json").stdout)
    assert shown["thread"] == thread["arrest"]
    assert [r["kind"] for r in shown["follow_ups"]] == ["follow_up"]
    assert len(shown["thread_stories"]) == 2 and arrest in shown["thread_stories"]
    text = run(app, "show", arrest, "--db", db)
    assert f"thread {thread['arrest']}: 2 stories of one incident" in text.stdout


def test_long_titles_are_cut_at_a_word_with_an_ellipsis():
    from samestory.cli.story_show import clip

    title = "Leavitt said that the possibility of a meeting between the US president and Putin"
    clipped = clip(title)
    assert clipped.endswith("…") and len(clipped) <= 60
    assert title.startswith(clipped[:-1]) and title[len(clipped) - 1] == " "
    assert clip("Short title") == "Short title"
    assert clip("x" * 80) == "x" * 59 + "…"
