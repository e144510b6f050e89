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
