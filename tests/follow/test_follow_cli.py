"""`samestory follow` and `samestory sources` as a user runs them, kill -9 included."""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from samestory.cli.follow_cmd import parse_duration, parse_size, register

from .newsserver import article_html, fixture_text, rss

FIXTURES = ("bridge", "library_fire", "football", "port_strike", "bridge_rewrite")
FAST_FLAGS = ("--delay", "0", "--timeout", "3s", "--retries", "0", "--quiet")


@pytest.fixture(scope="module")
def app() -> typer.Typer:
    app = typer.Typer()
    register(app)
    return app


def test_durations_and_sizes():
    assert parse_duration("5m") == 300 and parse_duration("90") == 90
    assert parse_duration("1.5h") == 5400 and parse_duration("250ms") == 0.25
    assert parse_size("5MB") == 5_000_000 and parse_size("500kb") == 500_000


def test_follow_once_then_sources(app, server, db, tmp_path, monkeypatch):
    monkeypatch.delenv("SAMESTORY_DB", raising=False)
    for name in ("bridge", "football"):
        server.page(f"/n/{name}", name)
    server.set(
        "/feed.xml",
        rss([{"title": n, "link": server.url(f"/n/{n}")} for n in ("bridge", "football")]),
    )
    events = tmp_path / "events.jsonl"
    runner = CliRunner()
    args = ["follow", server.url("/feed.xml"), server.url("/nothing.xml"), "--db", str(db)]
    result = runner.invoke(app, [*args, "--once", "--events", str(events), *FAST_FLAGS])
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in events.read_text(encoding="utf-8").splitlines()]
    assert [e["event"] for e in lines] == ["new_story", "new_story"]
    listed = runner.invoke(app, ["sources", "--db", str(db), "--json"])
    assert listed.exit_code == 0, listed.output
    rows = {r["id"]: r for r in json.loads(listed.stdout)["sources"]}
    # Every state is counted, 0 included: scripts read the same keys from every source.
    zero = dict.fromkeys(("stored", "duplicate", "skipped", "failed", "gave_up", "pending"), 0)
    assert rows[server.url("/feed.xml")]["counts"] == zero | {"stored": 2}
    assert rows[server.url("/nothing.xml")]["counts"] == zero
    assert rows[server.url("/nothing.xml")]["last_error"] == "HTTP 404"
    assert rows[server.url("/nothing.xml")]["last_success"] is None
    # next_due is ISO UTC, as last_error_at, and the table prints the same instant.
    due = rows[server.url("/nothing.xml")]["next_due"]
    assert dt.datetime.fromisoformat(due) > dt.datetime.fromisoformat(
        rows[server.url("/nothing.xml")]["last_error_at"]
    )
    table = runner.invoke(app, ["sources", "--db", str(db)])
    assert table.exit_code == 0
    assert f"HTTP 404 (1 failure(s) in a row, next poll {due})" in table.stdout
    assert "items: 2 stored, 0 duplicate, 0 skipped, 0 to retry, 0 given up, 0 pending" in (
        table.stdout
    )


def test_follow_verbose_shows_the_debug_poll_lines(app, server, db, monkeypatch):
    """The polls that found nothing and the 304s were logged at DEBUG and never printed:
    --verbose prints them; without it, a pass that found nothing prints no poll line."""
    monkeypatch.delenv("SAMESTORY_DB", raising=False)
    server.page("/n/bridge", "bridge")
    feed = server.url("/feed.xml")
    server.set("/feed.xml", rss([{"title": "b", "link": server.url("/n/bridge")}]), etag='"1"')
    runner = CliRunner()
    args = ["follow", feed, "--db", str(db), "--once", "--delay", "0", "--retries", "0"]
    assert runner.invoke(app, args).exit_code == 0  # stores the bridge
    plain = runner.invoke(app, args)
    assert plain.exit_code == 0, plain.output
    assert "new or changed" not in plain.stderr and "DEBUG" not in plain.stderr
    verbose = runner.invoke(app, [*args, "--verbose"])
    assert verbose.exit_code == 0, verbose.output
    debug = [line for line in verbose.stderr.splitlines() if " DEBUG " in line]
    assert any(line.endswith(f"{feed}: not modified (304)") for line in debug), debug
    assert any(line.endswith(f"{feed}: 0 entries, 0 new or changed") for line in debug), debug
    assert verbose.stderr.splitlines()[-1].startswith("follow: 1 source polls")


def test_follow_quiet_and_verbose_exit_2(app, server, db):
    result = CliRunner().invoke(
        app, ["follow", server.url("/feed.xml"), "--db", str(db), "-q", "-v"]
    )
    assert result.exit_code == 2 and "--quiet and --verbose" in result.stderr
    assert not db.exists()


def test_follow_once_exits_1_when_every_source_failed(app, server, db, monkeypatch):
    """For cron: a pass where no source answered is not a quiet pass (it exited 0).
    One source answering is enough for 0 (test_follow_once_then_sources)."""
    monkeypatch.delenv("SAMESTORY_DB", raising=False)
    dead = [server.url("/gone.xml"), server.url("/also-gone.xml")]
    result = CliRunner().invoke(app, ["follow", *dead, "--db", str(db), "--once", *FAST_FLAGS])
    assert result.exit_code == 1, result.output
    assert result.stderr.strip().splitlines()[-1] == (
        "error: no source could be polled (2 failed; see `samestory sources`)"
    )


def test_bad_source_argument_is_refused(app, db):
    result = CliRunner().invoke(app, ["follow", "no/such/place", "--db", str(db), "--once"])
    assert result.exit_code == 2
    assert "not an http(s) URL, a file of URLs or a folder" in result.output


@pytest.mark.parametrize("url", ["http://", "https:///feed.xml", "https://:80/rss"])
def test_a_url_without_a_host_is_refused_at_start(app, db, url):
    """Not polled and failed at every pass with the HTTP client's "missing an 'http://'
    or 'https://' protocol": one line naming the URL, exit 2, no store made."""
    result = CliRunner().invoke(app, ["follow", url, "--db", str(db), "--once"])
    assert result.exit_code == 2
    assert result.output.strip() == f"error: {url}: a URL without a host"
    assert not db.exists()


# ------------------------------------------------------------------ real processes


def publish_many(server, count: int, delay: float = 0.0) -> list[str]:
    """``count`` distinct pages (fixture texts with a numbered closing line) in /feed.xml."""
    paths = []
    for n in range(count):
        title, text = fixture_text(FIXTURES[n % len(FIXTURES)])
        text += f" This is dispatch number {n} of the evening service, filed at {n}:00."
        path = f"/d/{n}"
        server.set(path, article_html(f"{title} ({n})", text), delay=delay)
        paths.append(path)
    entries = [{"title": p, "link": server.url(p)} for p in paths]
    server.set("/feed.xml", rss(entries), content_type="application/rss+xml", etag=f'"{count}"')
    return paths


def start(server, db: Path, *extra: str) -> subprocess.Popen:
    command = [
        sys.executable,
        "-c",
        "from samestory.cli import app; app()",
        "follow",
        server.url("/feed.xml"),
        "--db",
        str(db),
        "--batch",
        "3",
        "--workers",
        "2",
        *FAST_FLAGS,
        *extra,
    ]
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def count(db: Path, sql: str) -> int:
    if not db.exists():
        return 0
    try:
        with sqlite3.connect(db, timeout=5) as conn:
            return conn.execute(sql).fetchone()[0]
    except sqlite3.OperationalError:
        return 0  # tables not created yet


def wait_for(db: Path, sql: str, at_least: int, process: subprocess.Popen, limit=120.0) -> None:
    deadline = time.monotonic() + limit
    while count(db, sql) < at_least:
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, f"timed out waiting for {sql} >= {at_least}"
        time.sleep(0.05)


def check_store(db: Path, server, paths: list[str]) -> None:
    """Every page stored exactly once, whole; no item left pending or half-written."""
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        urls = [r[0] for r in conn.execute("SELECT url FROM articles")]
        assert sorted(urls) == sorted(server.url(p) for p in paths)
        states = dict(conn.execute("SELECT state, count(*) FROM follow_items GROUP BY state"))
        assert states == {"stored": len(paths)}
        orphans = conn.execute(
            "SELECT count(*) FROM articles a LEFT JOIN features f ON f.id = a.id WHERE f.id IS NULL"
        ).fetchone()[0]
        assert orphans == 0
        sizes = conn.execute(
            "SELECT count(*) FROM stories s WHERE s.size != "
            "(SELECT count(*) FROM articles a WHERE a.story_id = s.id)"
        ).fetchone()[0]
        assert sizes == 0
        linked = conn.execute(
            "SELECT count(*) FROM follow_items i LEFT JOIN articles a ON a.id = i.article_id "
            "WHERE a.id IS NULL"
        ).fetchone()[0]
        assert linked == 0


@pytest.mark.slow
def test_sigterm_finishes_the_work_in_hand_and_exits_cleanly(server, db):
    paths = publish_many(server, 12, delay=0.2)
    process = start(server, db, "--interval", "1h")
    wait_for(db, "SELECT count(*) FROM articles", 3, process)
    process.send_signal(signal.SIGTERM)
    _, err = process.communicate(timeout=60)
    assert process.returncode == 0, err
    assert "follow:" in err and "Traceback" not in err
    with sqlite3.connect(db) as conn:
        stored = conn.execute("SELECT count(*) FROM follow_items WHERE state='stored'").fetchone()
        assert stored[0] == conn.execute("SELECT count(*) FROM articles").fetchone()[0]
    final = start(server, db, "--once")
    assert final.wait(timeout=300) == 0, final.communicate()
    check_store(db, server, paths)


@pytest.mark.slow
def test_kill_9_at_any_moment_then_restart_stores_every_item_exactly_once(server, db):
    paths = publish_many(server, 18, delay=0.05)
    moments = [
        # right after the listing was queued, before any article
        ("SELECT count(*) FROM follow_items", 1),
        # after a few batches
        ("SELECT count(*) FROM articles", 4),
        # while the feed grows
        ("SELECT count(*) FROM articles", 10),
    ]
    for n, (sql, at_least) in enumerate(moments):
        process = start(server, db, "--interval", "1h")
        wait_for(db, sql, at_least, process)
        os.kill(process.pid, signal.SIGKILL)
        process.communicate(timeout=30)
        if n == 1:
            paths = publish_many(server, 24, delay=0.05)
    # And once more at a moment chosen by time only (maybe mid-transaction).
    process = start(server, db, "--interval", "1h")
    wait_for(db, "SELECT count(*) FROM articles", 11, process)
    time.sleep(0.7)
    os.kill(process.pid, signal.SIGKILL)
    process.communicate(timeout=30)
    final = start(server, db, "--once")
    _, err = final.communicate(timeout=300)
    assert final.returncode == 0, err
    check_store(db, server, paths)
    for path in paths:
        assert server.hits(path) >= 1
