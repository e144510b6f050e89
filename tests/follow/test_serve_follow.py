"""`serve --follow`: the follower inside the server, through its one writer."""

from __future__ import annotations

import time

import pytest

pytest.importorskip("fastapi")

from fastapi.testclient import TestClient

from samestory.server import create_app

from .conftest import options
from .newsserver import fixture_text, rss


def wait_for_events(client: TestClient, count: int, limit: float = 120.0) -> list[dict]:
    deadline = time.monotonic() + limit
    while True:
        found = client.get("/api/follow/events").json()["events"]
        if len(found) >= count or time.monotonic() > deadline:
            return found
        time.sleep(0.2)


def test_serve_follows_sources_through_its_writer(server, db):
    for name in ("bridge", "football"):
        server.page(f"/n/{name}", name)
    server.set(
        "/feed.xml",
        rss([{"title": n, "link": server.url(f"/n/{n}")} for n in ("bridge", "football")]),
    )
    app = create_app(
        db,
        follow=[server.url("/feed.xml")],
        follow_options=options(once=False, interval=0.3),
    )
    with TestClient(app) as client:
        found = wait_for_events(client, 2)
        assert [e["event"] for e in found] == ["new_story", "new_story"]
        assert [e["seq"] for e in found] == [1, 2]
        # A web write goes through the same writer while the follower runs.
        title, text = fixture_text("bridge_rewrite")
        posted = client.post("/api/articles", json={"id": "web-1", "title": title, "text": text})
        assert posted.status_code == 200, posted.text
        server.page("/n/fire", "library_fire")
        server.set(
            "/feed.xml",
            rss(
                [
                    {"title": n, "link": server.url(f"/n/{n}")}
                    for n in ("bridge", "football", "fire")
                ]
            ),
        )
        found = wait_for_events(client, 3)
        assert found[-1]["article"] == server.url("/n/fire")
        assert client.get("/api/follow/events", params={"after": 2}).json()["events"] == [found[-1]]
        sources = client.get("/api/follow/sources").json()["sources"]
        assert sources[0]["counts"]["stored"] == 3
        assert sum(sources[0]["counts"].values()) == 3
        assert client.get("/api/health").json()["articles"] == 4


def test_follow_endpoints_say_when_nothing_is_followed(db):
    with TestClient(create_app(db, warm=False)) as client:
        assert client.get("/api/follow/events").status_code == 404


def test_the_story_list_says_what_is_followed_and_what_fails(server, db):
    """Under serve --follow the pages said nothing of the follower: a reader could not
    tell a quiet feed from a broken one."""
    server.page("/n/bridge", "bridge")
    server.set("/feed.xml", rss([{"title": "bridge", "link": server.url("/n/bridge")}]))
    server.set("/broken.xml", status=500)
    app = create_app(
        db,
        follow=[server.url("/feed.xml"), server.url("/broken.xml")],
        follow_options=options(once=False, interval=0.3),
    )
    with TestClient(app) as client:
        wait_for_events(client, 1)
        deadline = time.monotonic() + 60
        while True:
            page = client.get("/", headers={"Accept": "text/html"}).text
            if "failing" in page or time.monotonic() > deadline:
                break
            time.sleep(0.3)
        line = following_line(page)
        assert "Following 2 sources, last read 20" in line
        assert f"1 failing: {server.url('/broken.xml')} (" in line
        # A story's page says it too: its new versions arrive on their own.
        story = client.get(f"/api/articles/{server.url('/n/bridge')}").json()["story"]
        story_line = following_line(client.get(f"/stories/{story}").text)
        assert story_line.startswith("Followed live: new versions join it as the server reads")
        # (read later than the list: the failures in a row may have grown since)
        assert ". Following 2 sources, last read 20" in story_line
        assert f"failing: {server.url('/broken.xml')} (" in story_line
    with TestClient(create_app(db, warm=False)) as client:
        assert "Following" not in client.get("/", headers={"Accept": "text/html"}).text
        assert following_line(client.get(f"/stories/{story}").text) == (
            "Not followed: this server follows no source (<code>samestory serve --follow</code>);"
            " new versions join it only when added."
        )


def following_line(page: str) -> str:
    """The text of a page's follow-status line (its HTML inside the paragraph)."""
    start = page.index('<p class="muted small following">') + len(
        '<p class="muted small following">'
    )
    return page[start:].split("</p>", 1)[0]
