"""Shared fixtures: the seed articles and dev-set texts from ../shared (skipped if absent)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from samestory.ingest import read_paths
from samestory.models import Article

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
SEEDS = SHARED / "seeds"
DATA = SHARED / "data"


@pytest.fixture(scope="session")
def seeds_dir() -> Path:
    if not SEEDS.is_dir():
        pytest.skip("shared/seeds not found")
    return SEEDS


@pytest.fixture(scope="session")
def seed_articles(seeds_dir: Path) -> dict[str, Article]:
    """The five seeds keyed by their three-digit prefix ("000" ... "004")."""
    return {a.id[:3]: a for a in read_paths([seeds_dir]).articles}


@pytest.fixture(scope="session")
def ecb_records() -> list[dict]:
    path = DATA / "ecbplus_dev.jsonl"
    if not path.exists():
        pytest.skip("shared/data/ecbplus_dev.jsonl not found")
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


@pytest.fixture(scope="session", autouse=True)
def static_encoder_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Tests build the static encoder's table in a temporary cache, not in ~/.cache."""
    import os

    cache = tmp_path_factory.mktemp("samestory-cache")
    previous = os.environ.get("SAMESTORY_CACHE")
    os.environ["SAMESTORY_CACHE"] = str(cache)
    yield cache
    if previous is None:
        os.environ.pop("SAMESTORY_CACHE", None)
    else:
        os.environ["SAMESTORY_CACHE"] = previous
