"""Fixtures of the follow tests: a local news server, a shared encoder, fast fetch settings."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from samestory.follow import FetchPolicy, FollowOptions

from .newsserver import NewsServer

# Polite defaults would make tests wait: no per-host delay, quick retries and timeouts.
FAST = FetchPolicy(
    connect_timeout=2.0,
    read_timeout=2.0,
    total_timeout=4.0,
    retries=1,
    backoff=0.01,
    delay=0.0,
    per_host=4,
)


@pytest.fixture
def server() -> Iterator[NewsServer]:
    news = NewsServer()
    yield news
    news.close()


@pytest.fixture(scope="session")
def encoder():
    from samestory.embed import encoder_for

    return encoder_for("use")


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "follow.db"


def options(**changes) -> FollowOptions:
    import dataclasses

    base = FollowOptions(once=True, workers=4, batch_size=8, policy=FAST, first_retry=0.0)
    return dataclasses.replace(base, **changes)
