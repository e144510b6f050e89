"""``GET /api/stories/{id}`` with ``relations_limit`` / ``relations_offset``: pages of the
relations strongest first, with their total, through the real ASGI app served by uvicorn
on a loopback port (and a 422 naming the bad parameter)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from tests.server.browsing import free_port


@pytest.fixture(scope="module")
def served(seeded: TestClient) -> Iterator[str]:
    """The seeded app served by uvicorn on loopback (its lifespan already runs under the
    TestClient: uvicorn's is off, so the writer is closed once)."""
    import uvicorn

    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(seeded.app, host="127.0.0.1", port=port, lifespan="off", log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=20)


def story_with_relations(base: str) -> str:
    stories = httpx.get(f"{base}/api/stories", timeout=30).json()["stories"]
    return max(stories, key=lambda s: s["size"])["id"]


def get_story(base: str, story: str, **params: Any) -> httpx.Response:
    return httpx.get(f"{base}/api/stories/{story}", params=params, timeout=30)


def test_every_relation_by_default_strongest_first_with_the_total(served: str) -> None:
    body = get_story(served, story_with_relations(served)).json()
    scores = [r["score"] for r in body["relations"]]
    assert len(scores) == body["relations_total"] == 3  # the three rewrite seeds
    assert scores == sorted(scores, reverse=True)
    assert body["relations_limit"] is None and body["relations_offset"] == 0


def test_pages_of_relations_join_up_to_all_of_them(served: str) -> None:
    story = story_with_relations(served)
    every = get_story(served, story).json()["relations"]
    pages = [get_story(served, story, relations_limit=2, relations_offset=o).json() for o in (0, 2)]
    assert [len(p["relations"]) for p in pages] == [2, 1]
    assert pages[0]["relations"] + pages[1]["relations"] == every
    assert {p["relations_total"] for p in pages} == {3}
    assert pages[1]["relations_limit"] == 2 and pages[1]["relations_offset"] == 2
    # The rest of the story is all there: versions, derivations, thread.
    assert len(pages[0]["versions"]) == 3 and pages[0]["derivations"]


def test_limit_zero_gives_only_the_count_and_an_offset_past_the_end_none(served: str) -> None:
    story = story_with_relations(served)
    counted = get_story(served, story, relations_limit=0).json()
    assert counted["relations"] == [] and counted["relations_total"] == 3
    past = get_story(served, story, relations_offset=10).json()
    assert past["relations"] == [] and past["relations_total"] == 3


def test_a_page_leaves_the_cached_story_whole(served: str) -> None:
    story = story_with_relations(served)
    get_story(served, story, relations_limit=1)
    assert len(get_story(served, story).json()["relations"]) == 3


@pytest.mark.parametrize(
    ("params", "named"),
    [
        ({"relations_limit": -1}, "relations_limit"),
        ({"relations_offset": -5}, "relations_offset"),
        ({"relations_limit": "ten"}, "relations_limit"),
    ],
)
def test_bad_values_are_422_naming_the_parameter(
    served: str, params: dict[str, Any], named: str
) -> None:
    response = get_story(served, story_with_relations(served), **params)
    assert response.status_code == 422
    body = response.json()
    assert body["status"] == 422
    assert body["error"].startswith(f"invalid request: query.{named}: ")
    assert [e["field"] for e in body["errors"]] == [f"query.{named}"]
