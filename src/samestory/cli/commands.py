"""The Typer application: every ``samestory`` command, registered in help order.

Imported on first use of :data:`samestory.cli.app`; ``samestory --help`` and
``samestory stories`` usually never get here (:mod:`samestory.cli.launch`).
"""

from __future__ import annotations

import inspect
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


def one_line_paragraphs(doc: str) -> str:
    """``doc`` with each paragraph on one line, but for the examples (a command a line).

    Typer's rich help keeps the line breaks inside a docstring's later paragraphs, so a
    docstring wrapped at the source's width printed ragged lines ("... feeds. Nothing
    is" / "stored: ..."); on one line, the terminal wraps them evenly.
    """
    paragraphs = inspect.cleandoc(doc).split("\n\n")
    return "\n\n".join(
        p if p.startswith("Example") else " ".join(line.strip() for line in p.splitlines())
        for p in paragraphs
    )


def flags_show_no_type() -> None:
    """A flag's row of the help shows no type. Typer 0.29's rich help printed one for
    every option, ``--json <bool>``, ``--help <bool>``, as if a flag took a value
    (``--json true`` is an error). Its option class has no setting for this, so its
    ``display_type_rich`` is wrapped; a Typer without that method is left as it is."""
    from typer.core import TyperOption

    shown = getattr(TyperOption, "display_type_rich", None)
    if shown is None or getattr(shown, "flags_show_no_type", False):
        return

    def display_type_rich(self: TyperOption, ctx: Any) -> str | None:
        if self.is_flag and self.metavar is None:
            return None
        return shown(self, ctx)

    display_type_rich.flags_show_no_type = True  # type: ignore[attr-defined]
    TyperOption.display_type_rich = display_type_rich  # type: ignore[method-assign]


flags_show_no_type()
for _info in app.registered_commands:
    if _info.help is None and _info.callback is not None and _info.callback.__doc__:
        _info.help = one_line_paragraphs(_info.callback.__doc__)
