"""cli.common.CappedSkips: the first records of each skip reason named, the rest counted."""

from __future__ import annotations

import pytest

from samestory.cli import common
from samestory.cli.common import CappedSkips, skip_reason
from samestory.models import SkippedRecord


@pytest.fixture
def printed(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    lines: list[str] = []
    monkeypatch.setattr(common.err, "print", lambda text, **_: lines.append(text))
    return lines


def skip(n: int, error: str) -> SkippedRecord:
    return SkippedRecord(f"crawl.jsonl:{n}", error)


def test_numbers_do_not_make_a_reason_of_their_own() -> None:
    assert skip_reason("invalid JSON on line 12: char 3") == "invalid JSON on line N: char N"


def test_each_reason_named_up_to_the_cap_then_one_line_counts_the_rest(
    printed: list[str],
) -> None:
    skips = CappedSkips(per_reason=2, hint="--json lists every one")
    for n in range(1, 8):
        skips(skip(n, "record has no text (field 'text' missing)"))
    for n in (8, 9, 10):
        skips(skip(n, f"invalid JSON on line {n}: bad"))
    skips(skip(11, "empty text"))
    assert [line.split(": ", 1)[0] for line in printed] == [
        f"[yellow]skipped[/] crawl.jsonl:{n}" for n in (1, 2, 8, 9, 11)
    ]
    skips.summary()
    assert printed[-1] == (
        "[yellow]skipped[/] … and 6 more: 5 × record has no text (field 'text' missing); "
        "1 × invalid JSON on line N: bad (--json lists every one)"
    )
    skips.summary()  # said once
    assert len(printed) == 6


def test_no_summary_when_every_record_was_named_or_the_cap_is_off(printed: list[str]) -> None:
    few = CappedSkips(per_reason=3)
    every = CappedSkips(per_reason=None)
    for n in range(1, 4):
        few(skip(n, "empty text"))
    for n in range(1, 11):
        every(skip(n, "empty text"))
    few.summary()
    every.summary()
    assert len(printed) == 13 and all("more" not in line for line in printed)
