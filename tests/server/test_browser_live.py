"""Following a story live in the browser: the real server on a loopback port, driven by
headless Chromium. What a live update brings is marked, and a story merged into another
is followed there (skipped, like tests/server/test_browser.py, without Chromium)."""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.server.browsing import BROWSER_MARKS, PAGE_POLL, running_server
from tests.server.conftest import REWRITE_A, REWRITE_B, SEEDS, seed_records

SUBSET = Path(__file__).resolve().parents[1] / "fixtures" / "ecbplus_dev_subset.jsonl"


pytestmark = BROWSER_MARKS


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with running_server(tmp_path_factory.mktemp("browser-live")) as base:
        yield base


def post(server: str, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    response = httpx.post(f"{server}/api/articles", json=records, timeout=600)
    assert response.status_code == 200, response.text
    return list(response.json()["articles"])


def wait_for_notice(browser: Any, starts: str) -> str:
    from selenium.webdriver.support.ui import WebDriverWait

    def notice(b: Any) -> str:
        text = b.execute_script(
            "var n = document.getElementById('notice'); return n.hidden ? '' : n.textContent"
        )
        return text if text.startswith(starts) else ""

    return str(WebDriverWait(browser, 180, poll_frequency=0.5).until(notice))


def marks(browser: Any) -> dict[str, str]:
    """Each marked element's key and badge, read in one script call (a swap replaces them)."""
    return dict(
        browser.execute_script(
            "return Array.from(document.querySelectorAll('[data-live-key].arrived'), el => "
            "[el.getAttribute('data-live-key'), el.querySelector('.arrived-badge').textContent])"
        )
    )


def test_versions_and_stories_that_arrive_live_are_marked(server: str, browser: Any) -> None:
    """A fact-checker following a story saw "Updated: new versions arrived." and had to
    find them; the notice now counts them and each carries a "new" badge."""
    records = {r["id"]: r for r in seed_records()}
    story = post(server, [records[REWRITE_A]])[0]["story"]
    browser.get(f"{server}/stories/{story}")
    browser.execute_script("window.__marker = 'same page'")
    post(server, [records[REWRITE_B]])  # its rewrite: the same story
    assert wait_for_notice(browser, "Updated") == "Updated: 1 new version (marked)."
    assert marks(browser) == {REWRITE_B: "new"}
    # A second swap: the marks and the notice add up since the page was opened (the
    # notice of the last swap alone said "1 new" beside two marks).
    post(server, [{**records[REWRITE_B], "id": "repost-of-b"}])  # an exact copy
    assert wait_for_notice(browser, "Updated: 2") == "Updated: 2 new versions (marked)."
    assert marks(browser) == {REWRITE_B: "new", "repost-of-b": "new"}
    assert browser.execute_script("return window.__marker") == "same page"

    browser.get(f"{server}/")
    storm = {"id": "storm", "text": "A storm hit the coast of Maine on Monday, cutting power."}
    repost = {**records[REWRITE_A], "id": "repost-of-a"}  # an exact copy: joins the story
    post(server, [storm, repost])
    notice = wait_for_notice(browser, "Updated")
    new_story = httpx.get(f"{server}/api/articles/storm", timeout=60).json()["story"]
    assert notice == "Updated: 1 new story, 1 with new versions (marked)."
    assert marks(browser) == {new_story: "new", story: "updated"}


def test_a_server_that_stops_answering_is_said_and_then_not(server: str, browser: Any) -> None:
    """The page polls the server; with no answer it stayed as it was, silently (a reader
    took it for a quiet story). The network cut in the browser, then back."""
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get(f"{server}/")

    def lost(b: Any) -> str:
        script = (
            "var n = document.getElementById('connection'); return n.hidden ? '' : n.textContent"
        )
        return str(b.execute_script(script))

    network = {"latency": 0, "downloadThroughput": -1, "uploadThroughput": -1}
    browser.execute_cdp_cmd("Network.enable", {})
    browser.execute_cdp_cmd("Network.emulateNetworkConditions", {"offline": True, **network})
    try:
        said = WebDriverWait(browser, 30, poll_frequency=0.5).until(lost)
    finally:
        browser.execute_cdp_cmd("Network.emulateNetworkConditions", {"offline": False, **network})
    assert said.startswith("No answer from the server since ")
    assert said.endswith(f": this page is not being updated (trying again every {PAGE_POLL:g} s).")
    WebDriverWait(browser, 30, poll_frequency=0.5).until(lambda b: not lost(b))


def test_a_relation_s_compare_link_says_what_the_store_holds(server: str, browser: Any) -> None:
    """Clicked from the story page (the two rewrites the test above stored), the compare
    page gave its own verdict and score only, which need not be the store's."""
    from selenium.webdriver.common.by import By

    story = httpx.get(f"{server}/api/articles/{REWRITE_A}", timeout=60).json()["story"]
    browser.get(f"{server}/stories/{story}")
    rows = browser.find_elements(By.CSS_SELECTOR, "section#relations tr.relation")
    row = next(r for r in rows if REWRITE_A in r.text and REWRITE_B in r.text)
    row.find_element(By.LINK_TEXT, "compare").click()
    said = browser.find_element(By.CSS_SELECTOR, "p.stored-relation").text
    assert said.startswith("In the store: rewrite, score ") and f"story {story}" in said


def test_a_story_merged_while_followed_is_followed_into_the_other(
    server: str, browser: Any
) -> None:
    """The first 37 ECB+ subset records, then the 38th: the store merges one story of
    topic 1 into another (measured 2026-12-06: s-1ccb2fef9be7, first version
    ecb:1_12ecb). The page following the merged story went silent (its refresh was a
    404); it now goes on at the story holding its versions, and says so."""
    from selenium.webdriver.support.ui import WebDriverWait

    records = [json.loads(line) for line in SUBSET.read_text(encoding="utf-8").splitlines()]
    records = [{k: v for k, v in r.items() if k != "story"} for r in records]
    post(server, records[:37])
    followed = httpx.get(f"{server}/api/articles/ecb:1_12ecb", timeout=60).json()["story"]
    browser.get(f"{server}/stories/{followed}")
    post(server, records[37:38])
    now = httpx.get(f"{server}/api/articles/ecb:1_12ecb", timeout=60).json()["story"]
    if now == followed:
        pytest.skip("the 38th record no longer merges two stories (the engine moved)")
    WebDriverWait(browser, 180, poll_frequency=0.5).until(
        lambda b: f"/stories/{now}?merged_from={followed}" in b.current_url
    )
    wait_for_notice(browser, "Updated")
    text = browser.execute_script("return document.getElementById('live').textContent")
    assert f"Story {followed} was merged into this one" in text


def wait_for_article(server: str, article_id: str) -> str:
    """The story of ``article_id`` once the server has stored it (a followed folder)."""
    deadline = time.monotonic() + 180
    while True:
        response = httpx.get(f"{server}/api/articles/{article_id}", timeout=60)
        if response.status_code == 200:
            return str(response.json()["story"])
        assert time.monotonic() < deadline, f"{article_id} was not read: {response.text}"
        time.sleep(0.5)


def test_a_story_page_says_whether_its_new_versions_arrive_on_their_own(
    server: str, browser: Any, tmp_path: Path
) -> None:
    """The story list said what `serve --follow` follows; a story's page said nothing, so
    a reader watching it could not tell whether new versions would come on their own."""
    from selenium.webdriver.common.by import By

    def said(b: Any) -> str:
        return str(b.find_element(By.CSS_SELECTOR, "p.following").text)

    records = {r["id"]: r for r in seed_records()}
    story = post(server, [records[REWRITE_A]])[0]["story"]
    browser.get(f"{server}/stories/{story}")
    assert said(browser) == (
        "Not followed: this server follows no source (samestory serve --follow); new versions "
        "join it only when added."
    )

    inbox = tmp_path / "inbox"
    inbox.mkdir()
    shutil.copy(SEEDS / f"{REWRITE_A}.txt", inbox)
    options = ("--follow", str(inbox), "--follow-interval", "1s")
    with running_server(tmp_path, options) as following:
        story = wait_for_article(following, REWRITE_A)
        browser.get(f"{following}/stories/{story}")
        line = said(browser)
        assert line.startswith(
            "Followed live: new versions join it as the server reads them. Following 1 "
            "source, last read 20"
        ), line
        assert line.endswith(" UTC (sources).") and "failing" not in line
        shutil.copy(SEEDS / f"{REWRITE_B}.txt", inbox)  # its rewrite, read on the next poll
        assert wait_for_notice(browser, "Updated") == "Updated: 1 new version (marked)."
        assert marks(browser) == {REWRITE_B: "new"}
        assert said(browser).startswith("Followed live: new versions join it")
