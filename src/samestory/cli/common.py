"""What the commands share that needs no Typer: the consoles they print to, the line a
skipped input gets, and the encoder choice (:class:`Encoder`, :func:`config_for`).

Typer-free so that ``samestory compare``'s fast path (:mod:`samestory.cli.launch`, through
:mod:`samestory.cli.compare_cmd`) never imports Typer (~30 ms of CPU). The commands import
these names from :mod:`samestory.cli.main`, which re-exports them.
"""

from __future__ import annotations

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
