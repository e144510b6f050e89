"""The ``samestory`` entry point: a fast path for the short commands.

Typer builds the whole command tree (every command's options, through pydantic) before
it runs any one of them: about 0.4 s here, before ``samestory stories`` reads a row.
This module imports only the stdlib (and rich to print), and handles itself

- ``samestory --help``: the same panels Typer prints (:func:`print_help`; a test
  renders both and compares them, colours included);
- ``samestory stories [--db PATH] [--json] [--limit N]`` on a current store
  (:mod:`samestory.store.listing`; the same table, through
  :func:`samestory.cli.story_list.print_story_list`);
- ``samestory compare A B [--json] [--db PATH] [--encoder E]`` and ``samestory show
  STORY [--db PATH] [--json] [--all]``: the commands' own functions
  (:func:`samestory.cli.compare_cmd.compare`, which the Typer command calls too, and
  :func:`samestory.cli.store_cmds.show`), called without Typer's option parsing (0.2-0.3 s
  of CPU, through pydantic); ``compare`` without importing Typer at all.

Everything else, and any input the fast path is not sure to read exactly as Typer
would (another option, a bad value, a store to upgrade, a missing file), goes to the
Typer application (:data:`samestory.cli.app`), which then prints what it always did.
"""

from __future__ import annotations

import errno
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

if TYPE_CHECKING:  # rich is imported where it prints: start-up stays stdlib only
    from rich.console import Console
    from rich.highlighter import RegexHighlighter
    from rich.table import Table
    from rich.text import Text

    from samestory.models import Article, Story
    from samestory.store.listing import StorySummary

APP_HELP = (
    "Find every version of the same news story.\n\n"
    "Groups articles into stories, tells how each pair relates (exact, near_duplicate, "
    "rewrite, same_event) with the evidence, which version came first, and what changed."
    "\n\nQuick start: samestory cluster ARTICLES_DIR   |   samestory compare A.txt B.txt"
    "   |   samestory add ARTICLES_DIR && samestory stories"
)

# Each command and the first paragraph of its docstring, in the order they are
# registered (samestory/cli/commands.py): the Commands panel of `samestory --help`.
# tests/test_startup.py fails, saying what to change, when these differ from the app.
COMMANDS = (
    ("cluster", "Group articles into stories, print each story's versions in time order."),
    ("compare", "How two versions relate (kind, scores, evidence) and a sentence-aligned diff."),
    (
        "eval",
        "Measure accuracy on a labelled file (ARI, pair and B-cubed F1; or Pearson for pairs).",
    ),
    ("spark", "Run the pipeline on PySpark: stories, relations and assignments out as Parquet."),
    (
        "dedup",
        "Write the records back with story_id, copy_group, first_version and relation_to_first.",
    ),
    ("add", "Add articles to the store and assign each to a story, incrementally."),
    ("stories", "List the stories in the store, largest first."),
    ("show", "Show one story: its versions in time order, relations and derivations."),
    (
        "upgrade",
        "Pair an older store's articles by the candidate routes added since they were stored.",
    ),
    ("serve", "Serve the REST API (/api, OpenAPI at /docs) and the web pages over a store."),
    ("follow", "Follow sources into the store: each new article joins its story as it appears."),
    ("sources", "List followed sources: last success, last error, item counts by state."),
)

DB_ENV = "SAMESTORY_DB"
DEFAULT_DB = "samestory.db"


def main(args: Sequence[str] | None = None) -> NoReturn:
    """Run ``samestory ARGS`` (default: the process's arguments) and exit."""
    argv = sys.argv[1:] if args is None else list(args)
    try:
        code = run_fast(argv)
    except BrokenPipeError:  # `samestory stories | head`: the reader left, as click handles it
        _quiet_closed_stdout()
        sys.exit(1)
    if code is not None:
        sys.exit(code)
    from samestory.cli.commands import app

    app.run_typer(argv)
    sys.exit(0)  # standalone Typer exits itself; this is not reached


def _quiet_closed_stdout() -> None:
    """Point stdout at /dev/null so the interpreter's last flush into the closed pipe
    prints no second traceback (the recipe of Python's signal docs, "Note on SIGPIPE")."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())


def run_fast(args: list[str]) -> int | None:
    """The exit code of ``samestory ARGS`` if the fast path ran it, else None (nothing
    was printed then: the caller runs Typer)."""
    if args == ["--help"]:
        print_help(program_name())
        return 0
    if args[:1] == ["stories"]:
        return _stories(args[1:])
    if args[:1] == ["compare"]:
        return _compare(args[1:])
    if args[:1] == ["show"]:
        return _show(args[1:])
    return None


def program_name() -> str:
    """The program name in the usage line, as click works it out (``samestory``, or
    ``python -m samestory.cli``)."""
    path = sys.argv[0]
    package = getattr(sys.modules["__main__"], "__package__", None)
    if not package:
        return os.path.basename(path)
    name = os.path.splitext(os.path.basename(path))[0]
    module = package if name == "__main__" else f"{package}.{name}"
    return f"python -m {module.lstrip('.')}"


# --- samestory --help -----------------------------------------------------------------
#
# What typer.rich_utils.rich_format_help prints for this app (Typer 0.29, rich markup
# mode): the same renderables, styles and environment switches, without importing Typer.


def print_help(program: str) -> None:
    """Print ``samestory --help`` as Typer would: usage, description, the Options and
    Commands panels."""
    from rich.columns import Columns
    from rich.text import Text

    highlighter, negative, types = _help_highlighters()
    console = _help_console(highlighter)
    _print_usage(console, highlighter, program)
    options = _help_table(highlight=True)
    options.add_row(
        highlighter("--help"),
        highlighter(""),
        negative(""),
        negative(""),
        types(Text("", style="bold yellow", overflow="fold")),  # a flag: no type (cli/commands.py)
        Columns([_rich_text(highlighter, "Show this message and exit.")]),
    )
    _print_panel(console, options, "Options")
    commands = _help_table(highlight=False)
    commands.add_column(style="bold cyan", no_wrap=True, width=max(len(n) for n, _ in COMMANDS))
    commands.add_column("Description", justify="left", no_wrap=False, ratio=10)
    for name, summary in COMMANDS:
        commands.add_row(Text(name), _rich_text(highlighter, summary.strip()))
    _print_panel(console, commands, "Commands")
    print()  # click echoes the (empty) help string Typer left it after printing


def _help_highlighters() -> tuple[RegexHighlighter, RegexHighlighter, RegexHighlighter]:
    """Typer's option, negative-option and types highlighters (rich imported here, not
    at start-up)."""
    from rich.highlighter import RegexHighlighter

    class OptionHighlighter(RegexHighlighter):
        highlights = [  # noqa: RUF012 - as Typer declares them
            r"(^|\W)(?P<switch>\-\w+)(?![a-zA-Z0-9])",
            r"(^|\W)(?P<option>\-\-[\w\-]+)(?![a-zA-Z0-9])",
            r"(?P<types>\<[^\>]+\>)",
            r"(?P<usage>Usage: )",
        ]

    class NegativeOptionHighlighter(RegexHighlighter):
        highlights = [  # noqa: RUF012
            r"(^|\W)(?P<negative_switch>\-\w+)(?![a-zA-Z0-9])",
            r"(^|\W)(?P<negative_option>\-\-[\w\-]+)(?![a-zA-Z0-9])",
        ]

    class TypesHighlighter(RegexHighlighter):
        highlights = [  # noqa: RUF012
            r"^(?P<types_sep>(\[|<))",
            r"(?P<types_sep>\|)",
            r"(?P<types_sep>(\]|>))(\.\.\.)?$",
        ]

    return OptionHighlighter(), NegativeOptionHighlighter(), TypesHighlighter()


def _help_console(highlighter: RegexHighlighter) -> Console:
    """A rich Console with Typer's theme and its environment switches (colour forced by
    GITHUB_ACTIONS, FORCE_COLOR or PY_COLORS, off by _TYPER_FORCE_DISABLE_TERMINAL; the
    width from TERMINAL_WIDTH)."""
    from rich.console import Console
    from rich.theme import Theme

    env = os.environ.get
    force = True if env("GITHUB_ACTIONS") or env("FORCE_COLOR") or env("PY_COLORS") else None
    if env("_TYPER_FORCE_DISABLE_TERMINAL"):
        force = False
    width = env("TERMINAL_WIDTH")
    return Console(
        theme=Theme(
            {
                "option": "bold cyan",
                "switch": "bold green",
                "negative_option": "bold magenta",
                "negative_switch": "bold red",
                "types": "bold yellow",
                "types_sep": "dim",
                "usage": "yellow",
            }
        ),
        highlighter=highlighter,
        color_system="auto",
        force_terminal=force,
        width=int(width) if width else None,
    )


def _print_usage(console: Console, highlighter: RegexHighlighter, program: str) -> None:
    """The usage line, then the app's help: its first paragraph, the rest dimmed."""
    from rich.align import Align
    from rich.console import Group
    from rich.padding import Padding
    from rich.text import Text

    console.print(
        Padding(highlighter(f"Usage: {program} [OPTIONS] COMMAND [ARGS]..."), 1), style="bold"
    )
    first, *rest = APP_HELP.split("\n\n")
    lines = [_rich_text(highlighter, first.replace("\n", " ").strip())]
    if rest:
        lines += [Text(""), _rich_text(highlighter, "\n\n".join(rest), style="dim")]
    console.print(Padding(Align(Group(*lines), pad=False), (0, 1, 1, 1)))


def _help_table(highlight: bool) -> Table:
    """A borderless, headerless table as Typer lays out a panel's rows."""
    from rich.table import Table

    return Table(
        highlight=highlight,
        show_header=False,
        expand=True,
        box=None,
        show_lines=False,
        leading=0,
        border_style=None,
        row_styles=None,
        pad_edge=False,
        padding=(0, 1),
    )


def _print_panel(console: Console, table: Table, title: str) -> None:
    from rich.panel import Panel

    console.print(Panel(table, border_style="dim", title=title, title_align="left"))


def _rich_text(highlighter: RegexHighlighter, text: str, style: str = "") -> Text:
    """``text`` read as rich markup, then highlighted."""
    from rich.text import Text

    return highlighter(Text.from_markup(text, style=style))


# --- samestory stories / compare -------------------------------------------------------


class Options:
    """A command's arguments as click reads them, for the few shapes the fast path takes:
    flags, options with one value (``--db X`` or ``--db=X``, the last one wins) and
    positional arguments, in any order."""

    def __init__(self, flags: set[str], values: dict[str, str], positionals: list[str]):
        self.flags, self.values, self.positionals = flags, values, positionals

    @classmethod
    def read(cls, args: list[str], flags: set[str], valued: set[str]) -> Options | None:
        """None if ``args`` hold anything else (another option, ``--``, a value that
        looks like an option, an empty one): Typer then reads them and says what is wrong."""
        seen: set[str] = set()
        values: dict[str, str] = {}
        positionals: list[str] = []
        rest = list(args)
        while rest:
            token = rest.pop(0)
            if not token.startswith("-"):
                positionals.append(token)
                continue
            if token in flags:
                seen.add(token)
                continue
            name, equals, value = token.partition("=")
            if name not in valued:
                return None
            if not equals:
                if not rest:
                    return None
                value = rest.pop(0)
            if not value or value.startswith("-"):
                return None
            values[name] = value
        return cls(seen, values, positionals)

    def db(self) -> Path:
        """``--db``, else ``$SAMESTORY_DB`` (ignored when empty, as click does), else
        ``samestory.db``."""
        return Path(self.values.get("--db") or os.environ.get(DB_ENV) or DEFAULT_DB)


def _stories(args: list[str]) -> int | None:
    """``samestory stories`` on a current store; None for anything else."""
    options = Options.read(args, {"--json"}, {"--db", "--limit"})
    if options is None or options.positionals:
        return None
    limit = options.values.get("--limit")
    if limit is not None and not (limit.isascii() and limit.isdigit() and int(limit) >= 1):
        return None
    db = options.db()
    from samestory.store.listing import open_current, summaries

    conn = open_current(db)
    if conn is None:
        return None
    import sqlite3

    try:
        rows = summaries(conn)
        total = conn.execute("SELECT COUNT(*) FROM articles").fetchone()[0]
    except sqlite3.Error:
        return None
    finally:
        conn.close()

    def show() -> None:
        from rich.console import Console

        from samestory.cli.story_list import print_story_list

        as_json = "--json" in options.flags
        print_story_list(Console(), rows, total, db, as_json, int(limit) if limit else None)

    return standalone(show)


def _compare(args: list[str]) -> int | None:
    """``samestory compare A B [--json] [--db X] [--encoder E]``, run by the command's
    own function without Typer's option parsing (0.2-0.3 s of CPU through pydantic)."""
    options = Options.read(args, {"--json"}, {"--db", "--encoder"})
    if options is None or len(options.positionals) != 2:
        return None
    encoder = options.values.get("--encoder")  # None: the config's pair encoder
    if encoder is not None:
        encoder = encoder.lower()  # case_sensitive=False
        if encoder not in ("use", "static"):
            return None
    # compare_cmd, not cli.main: the command's work without Typer (~30 ms of CPU).
    from samestory.cli.common import Encoder
    from samestory.cli.compare_cmd import compare

    a, b = options.positionals
    return standalone(
        lambda: compare(
            a,
            b,
            as_json="--json" in options.flags,
            db=options.db(),
            encoder=None if encoder is None else Encoder(encoder),
        )
    )


def _show(args: list[str]) -> int | None:
    """``samestory show STORY [--db X] [--json] [--all]``: on a current store, read with
    :mod:`samestory.store.reading` and printed by the command's own printer, without
    Typer or the engine; else (or no such story, an SQLite error) run by the command's
    own function without Typer's option parsing, which says what it always said."""
    options = Options.read(args, {"--json", "--all"}, {"--db"})
    if options is None or len(options.positionals) != 1:
        return None
    story_id = options.positionals[0]
    as_json = "--json" in options.flags
    all_relations = "--all" in options.flags
    shown = _current_story(options.db(), story_id)
    if shown is not None:

        def show() -> None:
            from rich.console import Console

            from samestory.cli.story_show import print_story

            print_story(Console(), *shown, as_json, all_relations)

        return standalone(show)
    from samestory.cli import store_cmds

    return standalone(
        lambda: store_cmds.show(
            story_id, db=options.db(), as_json=as_json, all_relations=all_relations
        )
    )


def _current_story(
    db: Path, story_id: str
) -> tuple[Story, dict[str, Article], list[StorySummary]] | None:
    """What ``samestory show`` prints of ``story_id`` if the store at ``db`` is current
    (:func:`samestory.store.listing.open_current`) and holds it, else None."""
    from samestory.store.listing import open_current

    conn = open_current(db)
    if conn is None:
        return None
    import sqlite3

    from samestory.store import reading

    try:
        return reading.shown(conn, story_id)
    except (KeyError, sqlite3.Error):
        return None
    finally:
        conn.close()


def standalone(command: Callable[[], object]) -> int:
    """Run ``command`` as click's standalone mode runs a command: its exit code from
    ``typer.Exit`` or ``SystemExit``, 130 on Ctrl-C, 1 and no traceback when the reader of
    stdout has gone (``samestory stories | head``)."""
    try:
        command()
    except SystemExit as exc:  # compare_cmd exits with typer.Exit's codes, without Typer
        return int(exc.code or 0)
    except KeyboardInterrupt:
        return 130
    except OSError as exc:
        if exc.errno != errno.EPIPE:
            raise
        # As click's PacifyFlushWrapper: nothing more is written to the closed pipe.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1
    except Exception as exc:
        code = _exit_code(exc)
        if code is None:
            raise
        return code
    return 0


def _exit_code(exc: BaseException) -> int | None:
    """The code of a ``typer.Exit`` (click's ``Exit``), else None. Typer is imported by
    the commands that raise it; this module does not import it."""
    typer = sys.modules.get("typer")
    if typer is not None and isinstance(exc, typer.Exit):
        return int(exc.exit_code)
    return None
