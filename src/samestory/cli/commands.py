"""The Typer application: every ``samestory`` command, registered in help order.

Imported on first use of :data:`samestory.cli.app`; ``samestory --help`` and
``samestory stories`` usually never get here (:mod:`samestory.cli.launch`).
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Any

import typer

from samestory.cli import dedup_cmd, follow_cmd, main, serve_cmd, store_cmds
from samestory.cli.launch import APP_HELP, run_fast


class SamestoryApp(typer.Typer):
    """A Typer app that, called as a program (``app()`` or ``app(argv)``), first offers
    the arguments to the fast path of :mod:`samestory.cli.launch`. Typer's test runner
    and ``typer.main.get_command`` see a plain Typer app."""

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if not kwargs and len(args) <= 1:
            argv = sys.argv[1:] if not args or args[0] is None else list(args[0])
            code = run_fast(argv)
            if code is not None:
                raise SystemExit(code)
        return super().__call__(*args, **kwargs)

    def run_typer(self, argv: Sequence[str]) -> Any:
        """Run ``argv`` through Typer only (the fast path already declined it)."""
        return super().__call__(args=list(argv))


app = SamestoryApp(
    name="samestory",
    help=APP_HELP,
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.command()(main.cluster)
app.command()(main.compare)
app.command("eval")(main.evaluate)
app.command()(main.spark)
app.command()(dedup_cmd.dedup)
store_cmds.register(app)
app.command()(serve_cmd.serve)
follow_cmd.register(app)
