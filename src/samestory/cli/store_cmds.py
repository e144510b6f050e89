"""Store commands: ``add`` articles to a persistent store, list ``stories``, ``show`` one,
``upgrade`` a store an older samestory wrote.

The store is a SQLite file (:mod:`samestory.store`); ``--db`` defaults to
``./samestory.db``, or to ``$SAMESTORY_DB`` when that is set.
"""

from __future__ import annotations

import json
import time
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn, TextIO

import typer
from rich.markup import escape

from samestory.cli.common import SKIP_LINES_PER_REASON
from samestory.cli.main import (
    Encoder,
    JsonOpt,
    PathsArg,
    QuietOpt,
    err,
    out,
    progress_bar,
    skip_lines,
)
from samestory.cli.story_list import print_story_list
from samestory.cli.story_show import RELATIONS_SHOWN, clip, first_line, print_story
from samestory.config import DEFAULT_CONFIG

if TYPE_CHECKING:  # imported in the commands: see the start-up note in cli/main.py
    from samestory.ingest import IngestResult
    from samestory.models import Article
    from samestory.store import AddReport, Store
    from samestory.store.core import Paired

DbOpt = Annotated[
    Path,
    typer.Option(
        "--db",
        envvar="SAMESTORY_DB",
        help="Store file (SQLite); $SAMESTORY_DB overrides the default.",
    ),
]
DEFAULT_DB = Path("samestory.db")


def register(app: typer.Typer) -> None:
    """Add the store commands to ``app``."""
    app.command()(add)
    app.command()(stories)
    app.command()(show)
    app.command()(upgrade)


def _fail(message: str, code: int) -> NoReturn:
    """Print ``error: message`` on stderr (unwrapped, for scripts) and exit with ``code``."""
    err.print(f"[red]error:[/] {escape(message)}", highlight=False, soft_wrap=True)
    raise typer.Exit(code)


def _print_warning(
    message: Warning | str,
    category: type[Warning],
    filename: str,
    lineno: int,
    file: TextIO | None = None,
    line: str | None = None,
) -> None:
    """A warning from the store (a rebuilt graph, an unsaved one) as one line."""
    err.print(f"[yellow]warning:[/] {escape(str(message))}", highlight=False, soft_wrap=True)


def open_store(db: Path, must_exist: bool = False, encoder: str | None = None) -> Store:
    """Open the store, or exit 1 with the reason (missing file, not a store).

    ``encoder`` matters only for a new store; an existing one keeps its own.
    """
    from samestory.store import Store, StoreError

    if must_exist and not db.exists():
        _fail(f"no store at {db}; create one with `samestory add`", 1)
    warnings.showwarning = _print_warning
    try:
        if encoder is not None and not db.exists():
            return Store(db, config=DEFAULT_CONFIG.replace(encoder=encoder))
        return Store(db)
    except StoreError as exc:
        _fail(str(exc), 1)


# ``add`` names this many articles (and merged or split stories) one a line, then sums
# up: a crawl's add of thousands printed thousands of lines. ``--verbose`` names every
# one; ``--json`` always holds them all.
ADD_LINES_SHOWN = 20


AddQuietOpt = Annotated[
    bool,
    typer.Option(
        "--quiet",
        "-q",
        help="No progress bar and no article lines: the summary line only (skipped "
        "inputs and warnings are still named on stderr).",
    ),
]
AddVerboseOpt = Annotated[
    bool,
    typer.Option(
        "--verbose",
        "-v",
        help=f"Name every article added (without it, the first {ADD_LINES_SHOWN}) and "
        f"every input skipped (without it, the first {SKIP_LINES_PER_REASON} of each reason).",
    ),
]
NewStoreEncoderOpt = Annotated[
    Encoder | None,
    typer.Option(
        "--encoder",
        help="Sentence encoder of a NEW store: 'static' (default, ~3x the articles "
        "per second) or 'use'. An existing store keeps the encoder it was built with.",
        case_sensitive=False,
    ),
]


def add(
    paths: PathsArg,
    db: DbOpt = DEFAULT_DB,
    as_json: JsonOpt = False,
    quiet: AddQuietOpt = False,
    verbose: AddVerboseOpt = False,
    encoder: NewStoreEncoderOpt = None,
) -> None:
    """Add articles to the store and assign each to a story, incrementally.

    Every version is stored: a copy under another id is kept and linked to what it
    copies; an id given again with the same text changes nothing, with a different
    text it is kept as the revision ID~rev2 (a warning says so). See docs/store.md.

    Prints the first articles added (each with its story: new story, joined, copy),
    then one summary line. Skipped inputs are named on stderr, the first few of each
    reason, then one line counting the rest (--verbose: every one).

    Example: samestory add ../shared/seeds && samestory stories
    """
    if quiet and verbose:
        _fail("--quiet and --verbose: choose one", 2)
    result = _read_to_add(paths, every_skip=verbose)
    report = _add_to_store(db, encoder, result.articles, quiet)
    if as_json:
        skipped = [*result.skipped, *report.skipped]
        payload = {**report.to_dict(), "skipped": [s.to_dict() for s in skipped]}
        print(json.dumps(payload, ensure_ascii=False, indent=2))
        return
    _print_add(report, result, quiet, verbose)


def _read_to_add(paths: list[Path], every_skip: bool) -> IngestResult:
    """The articles and skips of ``paths``, each skip named on stderr as ``cluster``
    names them (:func:`~samestory.cli.main.skip_lines`); exit 1 when none was read."""
    from samestory.ingest import read_paths

    skips = skip_lines(every_skip)
    result = read_paths(paths, on_skip=skips)
    skips.summary()
    if not result.articles:
        _fail(
            f"no article could be read from {', '.join(map(str, paths))} "
            f"({len(result.skipped)} skipped)",
            1,
        )
    return result


def _add_to_store(
    db: Path, encoder: Encoder | None, articles: list[Article], quiet: bool
) -> AddReport:
    """``Store.add`` of ``articles`` into ``db`` (created with ``encoder`` when new), with
    a progress bar unless ``quiet``; exit 1 on a :class:`StoreError`."""
    chosen = encoder.value if encoder is not None else None
    from samestory.store import StoreError

    try:
        with open_store(db, encoder=chosen) as store, progress_bar(quiet) as progress:
            return store.add(articles, progress=progress)
    except StoreError as exc:
        _fail(str(exc), 1)


def _print_add(report: AddReport, result: IngestResult, quiet: bool, verbose: bool) -> None:
    """``add``'s text output: the store's warnings on stderr, the articles added (not
    ``quiet``; all of them when ``verbose``), then :func:`add_summary`."""
    for warning in report.warnings:
        err.print(f"[yellow]warning:[/] {escape(warning)}", highlight=False, soft_wrap=True)
    if not quiet:
        _print_added(report, result.articles, None if verbose else ADD_LINES_SHOWN)
    out.print(
        add_summary(report, len(result.skipped) + len(report.skipped)),
        highlight=False,
        soft_wrap=True,
    )


def add_summary(report: AddReport, skipped: int) -> str:
    """``add``'s last line: what was added (copies and revisions among it), unchanged and
    skipped, and the stories touched (new among them)."""
    copies, revisions = len(report.copy_of), len(report.revised)
    return (
        f"added {len(report.added):,} ({copies:,} {_plural(copies, 'copy', 'copies')}, "
        f"{revisions:,} {_plural(revisions, 'revision', 'revisions')}), unchanged "
        f"{len(report.unchanged):,}, skipped {skipped:,}; {len(report.stories_touched):,} "
        f"stories touched ({len(report.new_stories):,} new)"
    )


def _plural(count: int, one: str, many: str) -> str:
    return one if count == 1 else many


def _print_added(report: AddReport, articles: list[Article], limit: int | None) -> None:
    """One line per added article (its story, how it joined), then the stories merged or
    split; at most ``limit`` of each (None: all), then how many more."""
    from samestory.api import story_id

    new = set(report.new_stories)
    # An untitled version is named by its text's first line, as ``show`` names it.
    titles = {a.id: a.title or first_line(a.text) for a in articles}
    added = list(report.story_of.items())
    for article_id, story in added[:limit]:
        verb = "new story" if story in new and story == story_id(article_id) else "joined"
        if article_id in report.copy_of:
            verb = "copy"
        title = titles.get(report.revised.get(article_id, article_id), "")
        out.print(
            f"  {escape(article_id):<32} {verb:<9} {story}  [dim]{escape(clip(title))}[/]",
            highlight=False,
            soft_wrap=True,
        )
    _print_more(len(added), limit, "articles added")
    regrouped = [
        *(f"  story {old} merged into {', '.join(into)}" for old, into in report.merged.items()),
        *(
            f"  story {old} split: some versions now in {', '.join(into)}"
            for old, into in report.split.items()
        ),
    ]
    for line in regrouped[:limit]:
        out.print(line, highlight=False)
    _print_more(len(regrouped), limit, "stories merged or split")


def _print_more(total: int, limit: int | None, what: str) -> None:
    """``… and K more WHAT (--verbose ...)`` when ``limit`` hid K of ``total`` lines."""
    if limit is not None and total > limit:
        out.print(
            f"  … and {total - limit:,} more {what} (--verbose to list them, or --json)",
            highlight=False,
        )


def stories(
    db: DbOpt = DEFAULT_DB,
    as_json: JsonOpt = False,
    limit: Annotated[int | None, typer.Option(help="Show at most N stories.", min=1)] = None,
) -> None:
    """List the stories in the store, largest first.

    Example: samestory stories --limit 10
    """
    from samestory.store import StoreError

    try:
        with open_store(db, must_exist=True) as store:
            rows = store.stories()
            total_articles = len(store)
    except StoreError as exc:
        _fail(str(exc), 1)
    print_story_list(out, rows, total_articles, db, as_json, limit)


def show(
    story_id: Annotated[
        str, typer.Argument(metavar="STORY_ID", help="Story id, as listed by `samestory stories`.")
    ],
    db: DbOpt = DEFAULT_DB,
    as_json: JsonOpt = False,
    all_relations: Annotated[
        bool,
        typer.Option(
            "--all",
            help=f"List every relation (the tables show the {RELATIONS_SHOWN} strongest; "
            "--json always holds all).",
        ),
    ] = False,
) -> None:
    """Show one story: its versions in time order, relations and derivations.

    Example: samestory show s-fb3ff05943db --all
    """
    if not db.exists():
        _fail(f"no story {story_id} in {db}", 2)
    from samestory.store import StoreError

    try:
        with open_store(db) as store:
            try:
                story, articles, thread = store.shown(story_id)
            except KeyError:
                _fail(f"no story {story_id} in {db}", 2)
    except StoreError as exc:
        _fail(str(exc), 1)
    print_story(out, story, articles, thread, as_json, all_relations)


# Seconds between two progress lines of a long upgrade.
PROGRESS_EVERY = 5.0


def upgrade(
    db: DbOpt = DEFAULT_DB,
    quiet: QuietOpt = False,
    reconcile: Annotated[
        bool,
        typer.Option(
            "--reconcile",
            help="Then propose every stored article's candidates again (from the stored "
            "features, nothing encoded), forget the stored pairs no list proposes, score "
            "the missing ones and regroup: the pairs, stories and threads a new store "
            "holding the same articles has. Chunked and resumable, like the rest.",
        ),
    ] = False,
) -> None:
    """Pair an older store's articles by the candidate routes added since they were stored.

    Pairs them as a new store holding them would have. Opening a store applies
    its schema steps; this does the longer work they leave (the open says so in
    one line): chunks of articles, each committed, so it can be stopped and run
    again. Re-clusters and re-threads the stories the new pairs touch, and the
    stories of roundups stored before the store recorded which were cut. First,
    cleans again the stored texts whose cleaning changed since and proposes their
    neighbourhoods again, forgetting the pairs no longer proposed. With
    --reconcile, does that for every stored article (a store an add wrote before
    2026-12-06 can hold pairs no list proposes). See docs/store.md, "Upgrading".

    Example: samestory upgrade --db feeds.db --reconcile
    """
    from samestory.store import StoreError

    start = time.perf_counter()
    last_line = start

    def report(stage: str, done: int, total: int) -> None:
        nonlocal last_line
        now = time.perf_counter()
        if not quiet and (done == total or now - last_line >= PROGRESS_EVERY):
            last_line = now
            err.print(f"{stage}: {done:,} of {total:,} stored articles", highlight=False)

    try:
        with warnings.catch_warnings():  # not the open's line asking for this very command
            warnings.filterwarnings("ignore", message=".*never paired by the candidate routes")
            warnings.filterwarnings("ignore", message=".*predate the record of which ones")
            warnings.filterwarnings("ignore", message=".*were cleaned or their pairs scored")
            warnings.filterwarnings("ignore", message=".*still to reconcile")
            with open_store(db, must_exist=True) as store:
                paired = store.upgrade(progress=report, reconcile=reconcile)
    except StoreError as exc:
        _fail(str(exc), 1)
    seconds = time.perf_counter() - start
    done = _upgrade_parts(paired)
    if not done:
        out.print(f"{db} is up to date", highlight=False, soft_wrap=True)
        return
    out.print(
        f"upgraded {db}: {', '.join(done)}, {paired.moved:,} articles changed story "
        f"({seconds:.1f} s)",
        highlight=False,
        soft_wrap=True,
    )


def _upgrade_parts(paired: Paired) -> list[str]:
    """What ``samestory upgrade`` did, part by part (none: the store was up to date)."""
    parts = []
    if paired.recleaned or paired.kept_features:
        texts = []
        if paired.recleaned:
            texts.append(f"cleaned {paired.recleaned:,} stored texts again")
        if paired.kept_features:  # in the backlog for a pair-scoring rule only
            texts.append(
                f"kept the features of {paired.kept_features:,} stored texts scored by older rules"
            )
        forgot = f", forgot {paired.forgotten:,} no longer proposed" if paired.forgotten else ""
        parts.append(
            f"{' and '.join(texts)}, scored {paired.rescored:,} stored pairs again and "
            f"{paired.proposed:,} new ones{forgot}"
        )
    if paired.articles:
        parts.append(
            f"paired {paired.articles:,} stored articles, scored {paired.pairs:,} new pairs"
        )
    if paired.roundups:
        parts.append(f"judged {paired.roundups:,} stored roundups (whether they were cut)")
    if paired.reconciled:
        parts.append(
            f"reconciled {paired.reconciled:,} stored articles' candidates: forgot "
            f"{paired.stray:,} stored pairs no list proposes, scored {paired.missing:,} "
            "missing ones"
        )
    return parts
