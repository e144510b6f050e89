"""What the real-browser tests share: Chromium's paths and the skip without it, a free
loopback port, ``samestory serve`` started in a child process and stopped, and the
headless Chromium driver (the ``browser`` fixture of tests/server/conftest.py)."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"

#: The marks of a real-browser test module: slow, skipped (with the reason) without Chromium.
BROWSER_MARKS = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not (os.path.exists(CHROMIUM) and os.path.exists(CHROMEDRIVER)),
        reason="chromium and chromium-driver are not installed "
        "(apt-get install -y chromium chromium-driver)",
    ),
]


#: Seconds between a page's polls of the change counter in the tests' servers
#: (``serve --page-poll``; 2 s by default): what the live tests wait for is a poll that
#: sees a change, and at 2 s a wait took ~1 s for nothing.
PAGE_POLL = 0.25


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(
    db: Path, log: Path, options: tuple[str, ...] = ()
) -> tuple[subprocess.Popen[bytes], str]:
    """``samestory serve`` (with ``options``, e.g. ``--follow FOLDER``) in a child process,
    its pages polling every :data:`PAGE_POLL` seconds; returns it and its base URL once
    healthy."""
    port = free_port()
    command = [
        sys.executable,
        "-c",
        "from samestory.cli import app; app()",
        "serve",
        "--db",
        str(db),
        "--port",
        str(port),
        "--page-poll",
        str(PAGE_POLL),
        *options,
    ]
    env = {**os.environ, "SAMESTORY_TOKEN": ""}
    with log.open("wb") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, env=env)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited: {log.read_text()}")
        try:
            if httpx.get(f"{base}/api/health", timeout=2).status_code == 200:
                return process, base
        except httpx.HTTPError:
            time.sleep(0.3)
    process.terminate()
    raise RuntimeError("server did not answer within 120 s")


@contextlib.contextmanager
def running_server(folder: Path, options: tuple[str, ...] = ()) -> Iterator[str]:
    """``samestory serve`` (with ``options``) over a new store in ``folder`` while the
    block runs: its URL."""
    process, base = start_server(folder / "browser.db", folder / "server.log", options)
    try:
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


@contextlib.contextmanager
def chromium() -> Iterator[Any]:
    """A headless Chromium driver (1280x1600) while the block runs."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"):
        options.add_argument(flag)
    options.add_argument("--window-size=1280,1600")
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(120)
    try:
        yield driver
    finally:
        driver.quit()
