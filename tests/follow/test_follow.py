"""The follower end to end, in process: a local news server, a real store, real events."""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from pathlib import Path

import pytest

from samestory.follow import Follower
from samestory.follow import state as follow_state
from samestory.store import Store

from .conftest import options
from .newsserver import fixture_text, navigation_html, rss, sitemap, sitemap_index


def follow(db: Path, encoder, sources, events: list | None = None, **changes):
    """One follower run over ``sources``; returns its stats."""
    with Store(db, encoder=encoder) as store:
        follower = Follower(
            store, sources, options(**changes), on_events=None if events is None else events.extend
        )
        return follower.run()


def items(db: Path) -> dict[str, tuple[str, str | None, str | None]]:
    """url -> (state, article id, last error)."""
    with sqlite3.connect(db) as conn:
        rows = conn.execute("SELECT url, state, article_id, last_error FROM follow_items")
        return {url: (state, article, error) for url, state, article, error in rows}


def article_urls(db: Path) -> list[str]:
    with sqlite3.connect(db) as conn:
        return sorted(r[0] for r in conn.execute("SELECT url FROM articles"))


def publish(server, path: str, names: list[str], **page) -> None:
    """A feed at ``path`` listing one page per fixture name (pages at /n/<name>)."""
    entries = []
    for name in names:
        server.page(f"/n/{name}", name, **page)
        title, _ = fixture_text(name)
        entries.append({"title": title, "link": server.url(f"/n/{name}")})
    server.set(path, rss(entries), content_type="application/rss+xml", etag=f'"{len(names)}"')


def test_once_stores_each_item_and_emits_new_stories(server, db, encoder):
    publish(server, "/feed.xml", ["bridge", "library_fire", "football"])
    events: list = []
    stats = follow(db, encoder, [server.url("/feed.xml")], events)
    assert stats.stored == 3
    assert article_urls(db) == sorted(
        server.url(f"/n/{n}") for n in ("bridge", "football", "library_fire")
    )
    assert {s for s, _, _ in items(db).values()} == {"stored"}
    assert [e["event"] for e in events] == ["new_story"] * 3
    first = events[0]
    assert first["story"].startswith("s-") and first["url"] == first["article"]
    assert first["source"] == "Riverton Courier" and first["title"]


def test_second_pass_uses_conditional_get_and_fetches_nothing_again(server, db, encoder):
    publish(server, "/feed.xml", ["bridge", "football"])
    follow(db, encoder, [server.url("/feed.xml")])
    events: list = []
    stats = follow(db, encoder, [server.url("/feed.xml")], events)
    assert stats.stored == 0 and events == []
    assert server.headers_of("/feed.xml")[-1]["if-none-match"] == '"2"'
    assert server.hits("/n/bridge") == 1 and server.hits("/n/football") == 1


def test_a_rewrite_is_a_new_version_with_its_changes(server, db, encoder):
    publish(server, "/feed.xml", ["bridge", "football"])
    follow(db, encoder, [server.url("/feed.xml")])
    publish(server, "/feed.xml", ["bridge", "football", "bridge_rewrite"])
    events: list = []
    stats = follow(db, encoder, [server.url("/feed.xml")], events)
    assert stats.stored == 1
    assert server.hits("/n/bridge") == 1  # seen before, entry unchanged: not fetched again
    (event,) = events
    assert event["event"] == "new_version"
    assert event["article"] == server.url("/n/bridge_rewrite")
    assert event["closest"] == server.url("/n/bridge")
    assert event["kind"] in ("near_duplicate", "rewrite")
    changes = event["changes"]
    assert ["18", "21"] in changes["numbers"]
    assert ["Brooks", "Brookes"] in changes["names"]
    assert changes["quotes"], changes


def test_changed_entry_is_fetched_again_and_a_changed_text_is_a_new_version(server, db, encoder):
    publish(server, "/feed.xml", ["bridge"])
    follow(db, encoder, [server.url("/feed.xml")])
    # The page at the same URL now holds the rewrite and its feed entry changed.
    title, _ = fixture_text("bridge_rewrite")
    server.page("/n/bridge", "bridge_rewrite")
    server.set(
        "/feed.xml",
        rss([{"title": title, "link": server.url("/n/bridge")}]),
        content_type="application/rss+xml",
    )
    events: list = []
    follow(db, encoder, [server.url("/feed.xml")], events)
    assert server.hits("/n/bridge") == 2
    (event,) = events
    assert event["event"] == "new_version" and event["article"].startswith(server.url("/n/bridge@"))
    assert len(article_urls(db)) == 2


def test_tracking_parameters_and_canonical_links_identify_an_item(server, db, encoder):
    server.page("/amp/bridge", "bridge", canonical="/n/bridge")
    server.page("/n/fire", "library_fire")
    link = server.url("/amp/bridge")
    server.set(
        "/feed.xml",
        rss(
            [
                {"title": "Bridge", "link": link + "?utm_source=rss&utm_medium=feed"},
                {"title": "Bridge", "link": link + "?fbclid=abc#comments", "guid": "2"},
                {"title": "Fire", "link": server.url("/n/fire?gclid=1")},
            ]
        ),
    )
    follow(db, encoder, [server.url("/feed.xml")])
    assert server.hits("/amp/bridge") == 1  # fetched once, without the tracking parameters
    with sqlite3.connect(db) as conn:
        ids = sorted(r[0] for r in conn.execute("SELECT id FROM articles"))
    assert ids == [server.url("/n/bridge"), server.url("/n/fire")]


def test_bad_sources_do_not_stop_the_good_one(server, db, encoder, caplog):
    publish(server, "/good.xml", ["bridge"])
    server.set("/html.xml", navigation_html())
    server.set("/broken.xml", '<?xml version="1.0"?><rss><channel><item><title>x</ti')
    server.set("/error.xml", status=500)
    bad = {
        "/html.xml": "not a feed: the URL answers an HTML page",
        "/broken.xml": "invalid feed XML",
        "/missing.xml": "HTTP 404",
        "/error.xml": "HTTP 500",
    }
    sources = [server.url(p) for p in bad] + [server.url("/good.xml")]
    with caplog.at_level(logging.WARNING, logger="samestory.follow"):
        stats = follow(db, encoder, sources)
    assert stats.stored == 1 and stats.source_errors == 4
    for path, reason in bad.items():
        lines = [r.getMessage() for r in caplog.records if server.url(path) in r.getMessage()]
        assert len(lines) == 1 and reason in lines[0], (path, lines)
    with Store(db, encoder=encoder) as store:
        listed = {row.id: row for row in follow_state.sources(store)}
    assert listed[server.url("/good.xml")].last_success is not None
    assert listed[server.url("/good.xml")].counts == {"stored": 1}
    assert "HTTP 500" in listed[server.url("/error.xml")].last_error
    assert listed[server.url("/error.xml")].failures == 1


def test_bad_items_are_skipped_or_retried_with_a_reason(server, db, encoder):
    publish(server, "/feed.xml", ["bridge"])
    server.set("/robots.txt", "User-agent: *\nDisallow: /private/\n", content_type="text/plain")
    server.set("/home", navigation_html())
    server.set("/gone", status=410)
    server.set("/flaky", status=503)
    server.set("/loop", status=302, headers={"Location": "/loop2"})
    server.set("/loop2", status=302, headers={"Location": "/loop"})
    server.set("/huge", b"<html><body>" + b"word " * 1_300_000 + b"</body></html>")
    server.set("/pdf", b"%PDF-1.4", content_type="application/pdf")
    paths = ["/n/bridge", "/home", "/gone", "/flaky", "/loop", "/huge", "/private/x", "/pdf"]
    server.set("/feed.xml", rss([{"title": p, "link": server.url(p)} for p in paths]))
    follow(db, encoder, [server.url("/feed.xml")])
    found = {url.removeprefix(server.base): (s, e) for url, (s, _, e) in items(db).items()}
    assert found["/n/bridge"] == ("stored", None)
    assert found["/home"][0] == "skipped" and "navigation-only" in found["/home"][1]
    assert found["/gone"] == ("skipped", "HTTP 410")
    assert found["/flaky"] == ("failed", "HTTP 503")
    assert found["/loop"][0] == "skipped" and "redirect loop" in found["/loop"][1]
    assert found["/huge"][0] == "skipped" and "too large" in found["/huge"][1]
    assert found["/private/x"] == ("skipped", "disallowed by robots.txt")
    assert found["/pdf"] == ("skipped", "not an HTML page (application/pdf)")
    assert server.hits("/private/x") == 0


def test_a_failing_item_recovers_on_a_later_pass(server, db, encoder):
    server.set("/feed.xml", rss([{"title": "Bridge", "link": server.url("/n/bridge")}]))
    server.set("/n/bridge", status=500)
    follow(db, encoder, [server.url("/feed.xml")])
    assert items(db)[server.url("/n/bridge")][0] == "failed"
    server.page("/n/bridge", "bridge")
    stats = follow(db, encoder, [server.url("/feed.xml")])  # feed unchanged: retry is due
    assert stats.stored == 1 and items(db)[server.url("/n/bridge")][0] == "stored"


def test_items_give_up_after_the_attempt_limit(server, db, encoder):
    server.set("/feed.xml", rss([{"title": "Bridge", "link": server.url("/n/bridge")}]))
    server.set("/n/bridge", status=502)
    for _ in range(3):
        follow(db, encoder, [server.url("/feed.xml")], item_attempts=3)
    assert items(db)[server.url("/n/bridge")][:1] == ("gave_up",)
    hits = server.hits("/n/bridge")
    follow(db, encoder, [server.url("/feed.xml")], item_attempts=3)
    assert server.hits("/n/bridge") == hits


def test_sitemap_index_and_url_file_sources(server, db, encoder, tmp_path):
    for name in ("bridge", "library_fire", "football"):
        server.page(f"/n/{name}", name)
    server.set("/s1.xml", sitemap([(server.url("/n/bridge"), "Bridge")]), content_type="text/xml")
    server.set(
        "/s2.xml", sitemap([(server.url("/n/library_fire"), "Fire")]), content_type="text/xml"
    )
    server.set(
        "/index.xml",
        sitemap_index([server.url("/s1.xml"), server.url("/s2.xml")]),
        content_type="application/xml",
        etag='"idx"',
    )
    url_file = tmp_path / "urls.txt"
    url_file.write_text(f"# followed by hand\n{server.url('/n/football')}\n", encoding="utf-8")
    follow(db, encoder, [server.url("/index.xml"), str(url_file)])
    assert len(article_urls(db)) == 3
    # The index answers 304 next time: its children are still read.
    server.set(
        "/s2.xml",
        sitemap([(server.url("/n/library_fire"), "Fire"), (server.url("/n/bridge_r"), "B2")]),
    )
    server.page("/n/bridge_r", "bridge_rewrite")
    follow(db, encoder, [server.url("/index.xml"), str(url_file)])
    assert len(article_urls(db)) == 4


def test_folder_watch_picks_up_new_and_changed_files(db, encoder, tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for name in ("bridge", "football"):
        title, text = fixture_text(name)
        (inbox / f"{name}.txt").write_text(f"{title}\n\n{text}\n", encoding="utf-8")
    events: list = []
    follow(db, encoder, [str(inbox)], events)
    assert [e["event"] for e in events] == ["new_story", "new_story"]
    events.clear()
    follow(db, encoder, [str(inbox)], events)  # nothing new
    assert events == []
    title, text = fixture_text("bridge_rewrite")
    (inbox / "bridge.txt").write_text(f"{title}\n\n{text}\n", encoding="utf-8")
    _, fire = fixture_text("library_fire")
    (inbox / "sub").mkdir()
    (inbox / "sub" / "fire.txt").write_text(fire, encoding="utf-8")
    (inbox / "football.txt").touch()  # same bytes, new mtime: not read again
    follow(db, encoder, [str(inbox)], events)
    kinds = sorted(e["event"] for e in events)
    assert kinds == ["new_story", "new_version"]
    version = next(e for e in events if e["event"] == "new_version")
    assert version["article"].startswith("bridge") and "@" in version["article"]
    with Store(db, encoder=encoder) as store:
        assert len(store) == 4


def poll_lines(caplog, source: str) -> list[tuple[str, str]]:
    """(level, message) of each poll line of ``source`` ("...new or changed...")."""
    return [
        (r.levelname, r.getMessage())
        for r in caplog.records
        if r.getMessage().startswith(f"{source}: ") and "new or changed" in r.getMessage()
    ]


def test_a_poll_that_found_nothing_logs_at_debug_one_that_found_something_at_info(
    server, db, encoder, tmp_path, caplog
):
    feed = server.url("/feed.xml")
    publish(server, "/feed.xml", ["bridge"])
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    title, text = fixture_text("football")
    (inbox / "football.txt").write_text(f"{title}\n\n{text}\n", encoding="utf-8")
    with caplog.at_level(logging.DEBUG, logger="samestory.follow"):
        follow(db, encoder, [feed, str(inbox)])
        assert poll_lines(caplog, feed) == [("INFO", f"{feed}: 1 entries, 1 new or changed")]
        assert poll_lines(caplog, str(inbox)) == [("INFO", f"{inbox}: 1 new or changed files")]
        caplog.clear()
        follow(db, encoder, [feed, str(inbox)])  # nothing new: the usual poll
    assert [level for level, _ in poll_lines(caplog, feed)] == ["DEBUG"]
    assert poll_lines(caplog, str(inbox)) == [("DEBUG", f"{inbox}: 0 new or changed files")]
    assert not [r for r in caplog.records if r.levelno >= logging.INFO]
    # The feed answered 304 to its ETag: said at DEBUG, for `follow --verbose`.
    not_modified = [
        (r.levelname, r.getMessage()) for r in caplog.records if "(304)" in r.getMessage()
    ]
    assert not_modified == [("DEBUG", f"{feed}: not modified (304)")]


def test_continuous_mode_polls_again_and_stops_cleanly(server, db, encoder, caplog):
    caplog.set_level(logging.DEBUG, logger="samestory.follow")
    publish(server, "/feed.xml", ["bridge"])
    with Store(db, encoder=encoder) as store:
        follower = Follower(store, [server.url("/feed.xml")], options(once=False, interval=0.2))

        def publish_then_stop() -> None:
            deadline = time.monotonic() + 60
            while follower.stats.stored < 1 and time.monotonic() < deadline:
                time.sleep(0.05)
            publish(server, "/feed.xml", ["bridge", "port_strike"])
            while follower.stats.stored < 2 and time.monotonic() < deadline:
                time.sleep(0.05)
            follower.stop()

        helper = threading.Thread(target=publish_then_stop)
        helper.start()
        stats = follower.run()  # the store belongs to this thread
        helper.join()
    assert stats.stored == 2 and server.hits("/feed.xml") >= 2
    # Between two passes, when the next poll is due: a DEBUG line (`follow --verbose`).
    due = [r for r in caplog.records if r.getMessage().startswith("next poll due in ")]
    assert due and {r.levelname for r in due} == {"DEBUG"}


@pytest.mark.parametrize("charset", ["latin-1", "cp1252"])
def test_pages_in_other_charsets(server, db, encoder, charset):
    from .newsserver import article_html

    title, text = fixture_text("port_strike")
    text = text.replace("Samuel Pereira", "Samuel Peréira-Müller")
    page = article_html(title, text, charset=charset).encode(charset)
    server.set("/p", page, content_type="text/html")  # the charset is only in the page
    server.set("/feed.xml", rss([{"title": title, "link": server.url("/p")}]))
    follow(db, encoder, [server.url("/feed.xml")])
    with Store(db, encoder=encoder) as store:
        assert "Peréira-Müller" in store.article(server.url("/p")).text
