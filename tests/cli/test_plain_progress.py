"""Progress when stderr is not a terminal: plain lines, spaced, never for a short run."""

from __future__ import annotations

import io
import sys

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
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    captured = io.StringIO()
    monkeypatch.setattr(sys, "stderr", captured)  # a StringIO is not a terminal
    monkeypatch.setattr(cli_main, "PLAIN_PROGRESS_EVERY", 0.0)
    with cli_main.progress_bar(quiet=False) as progress:
        assert progress is not None
        progress("reading", 3, 10)
    assert "reading: 3/10" in captured.getvalue()


def test_quiet_turns_progress_off_whatever_stderr_is(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stderr", io.StringIO())
    with cli_main.progress_bar(quiet=True) as progress:
        assert progress is None
