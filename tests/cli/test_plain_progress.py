"""Progress when stderr is not a terminal: plain lines, spaced, never for a short run."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest

from samestory.cli import main as cli_main


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_plain_progress_is_silent_before_the_interval_and_spaced_after() -> None:
    lines: list[str] = []
    clock = FakeClock()
    update = cli_main.plain_progress(lines.append, every=20.0, clock=clock)
    for done in range(5):
        clock.now += 3.0
        update("scoring", done, 100)
    assert lines == []  # 15 s in: a short run prints nothing
    clock.now += 6.0
    update("scoring", 40, 100)
    assert lines == ["scoring: 40/100 (21 s)"]
    clock.now += 10.0
    update("scoring", 60, 100)
    assert len(lines) == 1  # at most one line per interval
    clock.now += 10.0
    update("grouping", 2, 9)
    assert lines[-1] == "grouping: 2/9 (41 s)"


def test_progress_bar_writes_plain_lines_when_stderr_is_a_file(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    with open(tmp_path / "log", "w+", encoding="utf-8") as log:  # a file: not a terminal
        monkeypatch.setattr(sys, "stderr", log)
        monkeypatch.setattr(cli_main, "PLAIN_PROGRESS_EVERY", 0.0)
        with cli_main.progress_bar(quiet=False) as progress:
            assert progress is not None
            progress("reading", 3, 10)
        log.seek(0)
        assert "reading: 3/10" in log.read()


def test_a_captured_stderr_gets_no_progress(monkeypatch: pytest.MonkeyPatch) -> None:
    # A test runner's capture has no descriptor: output stays what it was.
    monkeypatch.setattr(sys, "stderr", io.StringIO())
    with cli_main.progress_bar(quiet=False) as progress:
        assert progress is None


def test_quiet_turns_progress_off_whatever_stderr_is(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stderr", io.StringIO())
    with cli_main.progress_bar(quiet=True) as progress:
        assert progress is None
