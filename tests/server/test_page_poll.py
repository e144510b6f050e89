"""How often an open page polls the change counter: the server's ``page_poll`` (``serve
--page-poll``), 2 s by default, handed to ``static/live.js`` on every page."""

from __future__ import annotations

import re
from pathlib import Path

from fastapi.testclient import TestClient
from typer.testing import CliRunner

from samestory.server import ServerSettings, create_app


def _poll_ms(html: str) -> str:
    found = re.search(r'<body [^>]*data-poll-ms="([^"]*)"', html)
    assert found, "no data-poll-ms on the page's body"
    return found.group(1)


def test_pages_poll_every_two_seconds_by_default_and_as_set(tmp_path: Path) -> None:
    with TestClient(create_app(tmp_path / "a.db", warm=False)) as client:
        for page in ("/", "/add", "/compare"):
            assert _poll_ms(client.get(page).text) == "2000", page
    settings = ServerSettings(page_poll=0.25)
    with TestClient(create_app(tmp_path / "b.db", settings=settings, warm=False)) as client:
        assert _poll_ms(client.get("/").text) == "250"


def test_serve_refuses_a_page_poll_under_a_tenth_of_a_second(tmp_path: Path) -> None:
    from samestory.cli import app

    result = CliRunner().invoke(
        app, ["serve", "--db", str(tmp_path / "s.db"), "--page-poll", "0.01"]
    )
    assert result.exit_code == 2
