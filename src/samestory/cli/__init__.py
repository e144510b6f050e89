"""The ``samestory`` command line: a thin layer over :mod:`samestory.api` and the store."""

from __future__ import annotations

import logging

import typer

from samestory.cli import dedup_cmd, follow_cmd, main, serve_cmd, store_cmds


def _log_to_stderr() -> None:
    """The library's messages (the ``samestory`` logger) as one line each on stderr,
    ``samestory: message``, as it printed them before it logged."""
    logger = logging.getLogger("samestory")
    if not logger.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("samestory: %(message)s"))
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)


_log_to_stderr()

app = typer.Typer(
    name="samestory",
    help=(
        "Find every version of the same news story.\n\n"
        "Groups articles into stories, tells how each pair relates (exact, near_duplicate, "
        "rewrite, same_event) with the evidence, which version came first, and what changed."
        "\n\nQuick start: samestory cluster ARTICLES_DIR   |   samestory compare A.txt B.txt"
        "   |   samestory add ARTICLES_DIR && samestory stories"
    ),
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
