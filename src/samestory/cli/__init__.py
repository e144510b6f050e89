"""The ``samestory`` command line: a thin layer over :mod:`samestory.api` and the store."""

from __future__ import annotations

import typer

from samestory.cli import dedup_cmd, follow_cmd, main, serve_cmd, store_cmds

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
