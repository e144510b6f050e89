"""What the commands share that needs no Typer: the consoles they print to, the line a
skipped input gets (:func:`report_skip`; capped per reason by :class:`CappedSkips`), and
the encoder choice (:class:`Encoder`, :func:`config_for`).

Typer-free so that ``samestory compare``'s fast path (:mod:`samestory.cli.launch`, through
:mod:`samestory.cli.compare_cmd`) never imports Typer (~30 ms of CPU). The commands import
these names from :mod:`samestory.cli.main`, which re-exports them.
"""

from __future__ import annotations

import re
from collections import Counter
from enum import StrEnum
from typing import TYPE_CHECKING

from rich.console import Console
from rich.markup import escape

from samestory.config import DEFAULT_CONFIG, Config

if TYPE_CHECKING:
    from samestory.models import SkippedRecord

out = Console()
# soft_wrap: an error line naming a file or record stays one line (paths copy whole).
err = Console(stderr=True, soft_wrap=True)


class Encoder(StrEnum):
    use = "use"
    static = "static"


def config_for(encoder: Encoder | None, workers: int = DEFAULT_CONFIG.workers) -> Config:
    """The default config, with ``encoder`` (when given) for corpus work and pairs alike."""
    config = DEFAULT_CONFIG.replace(workers=workers)
    if encoder is None:
        return config
    return config.replace(encoder=encoder.value, pair_encoder=encoder.value)


def report_skip(record: SkippedRecord) -> None:
    err.print(
        f"[yellow]skipped[/] {escape(record.source)}: {escape(record.error)}", highlight=False
    )


#: Records named on stderr per skip reason; the rest are counted in one summary line.
SKIP_LINES_PER_REASON = 5
_NUMBER = re.compile(r"\d+")


def skip_reason(error: str) -> str:
    """The reason of a skip with its numbers as ``N``: ``invalid JSON on line 12: ...``
    and ``... on line 13: ...`` are one reason, counted together."""
    return _NUMBER.sub("N", error)


class CappedSkips:
    """The ``on_skip`` of a command reading many records: each skip reason's first
    ``per_reason`` records are named (:func:`report_skip`), the others only counted, and
    :meth:`summary` prints one line with the count per reason (a 10k-line crawl without
    its text field printed 10k identical lines). ``per_reason`` None names every one.
    ``hint`` says where every skipped record is listed (``--json``, ``--verbose``)."""

    def __init__(self, per_reason: int | None = SKIP_LINES_PER_REASON, hint: str = "") -> None:
        self.per_reason = per_reason
        self.hint = hint
        self.seen: Counter[str] = Counter()

    def __call__(self, record: SkippedRecord) -> None:
        reason = skip_reason(record.error)
        self.seen[reason] += 1
        if self.per_reason is None or self.seen[reason] <= self.per_reason:
            report_skip(record)

    def hidden(self) -> dict[str, int]:
        """Records skipped but not named, per reason, most first."""
        limit = self.per_reason
        if limit is None:
            return {}
        return {r: n - limit for r, n in self.seen.most_common() if n > limit}

    def summary(self) -> None:
        """``… and K more skipped: 9,995 × REASON; 3 × REASON (HINT)`` when any was
        not named; then forgets them, so a second call prints nothing."""
        hidden = self.hidden()
        if hidden:
            counts = "; ".join(f"{n:,} × {reason}" for reason, n in hidden.items())
            hint = f" ({self.hint})" if self.hint else ""
            err.print(
                f"[yellow]skipped[/] … and {sum(hidden.values()):,} more: "
                f"{escape(counts)}{escape(hint)}",
                highlight=False,
            )
        self.seen.clear()
