"""Fixtures of the server tests: the five seeds (copied into the repo), apps over fresh stores."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from samestory.ingest import read_paths

SEEDS = Path(__file__).resolve().parents[1] / "fixtures" / "seeds"
REWRITE_A = "001_dbb88671c08ef9cb"
REWRITE_B = "002_35f761650524d5f4"


def seed_records() -> list[dict[str, Any]]:
    """The five seeds as API records (the JSON Lines fields)."""
    records = []
    for article in read_paths([SEEDS]).articles:
        record = article.to_dict()
        record.pop("origin")
        records.append(record)
    return records


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """A TestClient over a store holding the five seeds (added through the API)."""
    from fastapi.testclient import TestClient

    from samestory.server import create_app

    db = tmp_path_factory.mktemp("serve") / "seeded.db"
    with TestClient(create_app(db)) as client:
        response = client.post("/api/articles", json=seed_records())
        assert response.status_code == 200, response.text
        yield client


@pytest.fixture
def fresh(tmp_path: Path) -> Iterator[Any]:
    """A TestClient over an empty store."""
    from fastapi.testclient import TestClient

    from samestory.server import create_app

    with TestClient(create_app(tmp_path / "fresh.db")) as client:
        yield client


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Headless Chromium for the real-browser tests (tests/server/browsing.py)."""
    from tests.server.browsing import chromium

    with chromium() as driver:
        yield driver
