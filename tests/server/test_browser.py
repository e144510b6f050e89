"""Real browser tests: the real server on a loopback port, driven by headless Chromium.

Needs Debian's ``chromium`` and ``chromium-driver`` (``.ci/run`` installs them); skipped
with that reason when they are missing.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.server.browsing import BROWSER_MARKS, running_server
from tests.server.conftest import REWRITE_A, REWRITE_B, SEEDS

SCRIPT_TITLE = "<script>alert(1)</script>"

pytestmark = BROWSER_MARKS


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with running_server(tmp_path_factory.mktemp("browser")) as base:
        yield base


def submit_add_form(browser: Any) -> None:
    """Submit the add form and wait for its result rows.

    click() does not wait for the response page; on a busy box it has not loaded yet.
    """
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    browser.find_element(By.CSS_SELECTOR, "form.add-form button[type=submit]").click()
    WebDriverWait(browser, 120).until(lambda b: b.find_elements(By.CSS_SELECTOR, "tr.result"))


def test_seeds_added_through_the_page_make_two_stories_and_a_visible_name_change(
    server: str, browser: Any
) -> None:
    from selenium.webdriver.common.by import By

    browser.get(f"{server}/add")
    upload = browser.find_element(By.CSS_SELECTOR, "input[type=file][name=files]")
    upload.send_keys("\n".join(str(p) for p in sorted(SEEDS.glob("*.txt"))))
    submit_add_form(browser)
    results = browser.find_elements(By.CSS_SELECTOR, "tr.result")
    assert len(results) == 5

    browser.get(server + "/")
    rows = browser.find_elements(By.CSS_SELECTOR, "tr.story-row")
    assert len(rows) == 2
    assert sorted(int(r.find_element(By.CSS_SELECTOR, ".size").text) for r in rows) == [2, 3]

    # The story of the two rewrites, then its compare link between them.
    big = next(r for r in rows if r.find_element(By.CSS_SELECTOR, ".size").text == "3")
    big.find_element(By.CSS_SELECTOR, "a.story-link").click()
    assert len(browser.find_elements(By.CSS_SELECTOR, "ol.timeline li.version")) == 3
    links = [
        a
        for a in browser.find_elements(By.CSS_SELECTOR, "a[href^='/compare']")
        if a.is_displayed()
        and REWRITE_A in a.get_attribute("href")
        and REWRITE_B in a.get_attribute("href")
    ]
    assert links, "no compare link between the two rewrites on the story page"
    links[0].click()
    changed = browser.find_elements(By.CSS_SELECTOR, "td span.name-change")
    assert "Triumph" in [c.text for c in changed]
    assert "rewrite" in browser.find_element(By.CSS_SELECTOR, ".verdict").text


def test_a_script_title_is_shown_as_text(server: str, browser: Any) -> None:
    from selenium.common.exceptions import NoAlertPresentException
    from selenium.webdriver.common.by import By

    browser.get(f"{server}/add")
    browser.find_element(By.NAME, "title").send_keys(SCRIPT_TITLE)
    browser.find_element(By.NAME, "text").send_keys(
        "The port authority of Valparaiso closed the harbour on Friday after a storm."
    )
    submit_add_form(browser)
    story = browser.find_element(By.CSS_SELECTOR, "tr.result td:nth-child(3) a")
    story.click()
    assert SCRIPT_TITLE in browser.find_element(By.TAG_NAME, "h1").text
    with pytest.raises(NoAlertPresentException):
        browser.switch_to.alert.text  # noqa: B018
    browser.get(server + "/")
    titles = [a.text for a in browser.find_elements(By.CSS_SELECTOR, "a.story-link")]
    assert SCRIPT_TITLE in titles


def test_new_versions_appear_without_a_reload(server: str, browser: Any) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get(server + "/")
    before = len(browser.find_elements(By.CSS_SELECTOR, "tr.story-row"))
    browser.execute_script("window.__marker = 'same page'")
    text = "Firefighters in Tasmania contained a bushfire near Hobart on Sunday night."
    response = httpx.post(f"{server}/api/articles", json={"id": "live-1", "text": text}, timeout=60)
    assert response.status_code == 200
    WebDriverWait(browser, 20).until(
        lambda d: len(d.find_elements(By.CSS_SELECTOR, "tr.story-row")) == before + 1
    )
    assert browser.execute_script("return window.__marker") == "same page"


def test_a_story_page_shows_its_thread_and_links_its_stories(server: str, browser: Any) -> None:
    from selenium.webdriver.common.by import By

    from tests.test_threads import ARREST, OTHER, SHOOTING

    records = [a.to_dict() for a in (SHOOTING, OTHER, ARREST)]
    response = httpx.post(f"{server}/api/articles", json=records, timeout=120)
    assert response.status_code == 200, response.text
    story_of = {r["id"]: r["story"] for r in response.json()["articles"]}
    browser.get(f"{server}/stories/{story_of['arrest']}")
    section = browser.find_element(By.CSS_SELECTOR, "section#thread")
    items = section.find_elements(By.CSS_SELECTOR, "li.thread-story")
    assert [i.get_attribute("data-story") for i in items] == [
        story_of["shooting"],
        story_of["arrest"],
    ]
    assert "this story" in items[1].text
    assert "follow-up" in section.find_element(By.CSS_SELECTOR, "details.evidence summary").text
    items[0].find_element(By.TAG_NAME, "a").click()
    assert browser.current_url.endswith(f"/stories/{story_of['shooting']}")
    current = browser.find_element(By.CSS_SELECTOR, "section#thread li.current")
    assert current.get_attribute("data-story") == story_of["shooting"]
    # The unrelated story has no thread section.
    browser.get(f"{server}/stories/{story_of['other']}")
    assert not browser.find_elements(By.CSS_SELECTOR, "section#thread")


def test_show_all_relations_lists_them_in_place(server: str, browser: Any) -> None:
    """A story page lists its RELATIONS_SHOWN strongest relations; "show all K relations"
    swaps in every one without leaving the page, and the address says so. Last in this
    file: it adds 18 ECB+ versions to the store the tests above count stories in."""
    import json

    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    from samestory.cli.story_show import RELATIONS_SHOWN

    fixture = Path(__file__).resolve().parents[1] / "fixtures" / "ecbplus_dev_subset.jsonl"
    records = [json.loads(line) for line in fixture.read_text(encoding="utf-8").splitlines()]
    topic = [
        {k: v for k, v in r.items() if k != "story"} for r in records if r["story"] == "ecb:1a"
    ]
    response = httpx.post(f"{server}/api/articles", json=topic, timeout=300)
    assert response.status_code == 200, response.text
    stories = [r["story"] for r in response.json()["articles"]]
    story = max(set(stories), key=stories.count)
    total = len(httpx.get(f"{server}/api/stories/{story}", timeout=60).json()["relations"])
    assert total > RELATIONS_SHOWN  # 18 versions of one event

    def scores() -> list[float]:
        # Read in one script call: the swap replaces the rows, so elements found first and
        # read one by one after can go stale between the two (a flaky CI failure).
        texts = browser.execute_script(
            "return Array.from(document.querySelectorAll("
            "'section#relations tr.relation td.num'), td => td.textContent.trim())"
        )
        return [float(t) for t in texts]

    browser.get(f"{server}/stories/{story}")
    shown = scores()
    assert len(shown) == RELATIONS_SHOWN and shown == sorted(shown, reverse=True)
    browser.execute_script("window.__marker = 'same page'")
    link = browser.find_element(By.CSS_SELECTOR, "section#relations a.show-all")
    assert link.text == f"show all {total} relations"
    link.click()
    WebDriverWait(browser, 30).until(lambda b: len(scores()) == total)
    every = scores()
    assert every == sorted(every, reverse=True) and every[:RELATIONS_SHOWN] == shown
    assert browser.execute_script("return window.__marker") == "same page"
    assert browser.current_url.endswith(f"/stories/{story}?relations=all#relations")
    assert not browser.find_elements(By.CSS_SELECTOR, "section#relations a.show-all")
