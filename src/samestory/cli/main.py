"""One-shot commands: ``cluster``, ``compare``, ``eval``, ``spark``.

Start-up: this module is imported by every command, ``--help`` included, so it imports
only typer, rich's console and the stdlib at the top; the engine (NumPy, MinHash-LSH,
encoders) is imported inside the commands that run it (``tests/test_startup.py``).
"""

from __future__ import annotations

import contextlib
import json
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer
from rich.markup import escape
from rich.table import Table

from samestory.cli import compare_cmd
from samestory.cli.common import (
    SKIP_LINES_PER_REASON,
    CappedSkips,
    Encoder,
    config_for,
    err,
    out,
)
from samestory.config import DEFAULT_CONFIG

if TYPE_CHECKING:
    from samestory.api import Progress as ProgressFn
    from samestory.ingest import FieldMap
    from samestory.models import Article, SkippedRecord, Story

PathsArg = Annotated[
    list[Path],
    typer.Argument(metavar="PATH", help="Files or folders (searched recursively) of articles."),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON object for scripts.")]
QuietOpt = Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")]
IdField = Annotated[str, typer.Option(help="Record field holding the article id.")]
TextField = Annotated[str, typer.Option(help="Record field holding the article text.")]
TitleField = Annotated[str, typer.Option(help="Record field holding the title.")]
DateField = Annotated[str, typer.Option(help="Record field holding the date.")]


EncoderOpt = Annotated[
    Encoder | None,
    typer.Option(
        "--encoder",
        help="Sentence encoder. Default: 'static' for corpus work (distilled from USE, "
        "~3x the articles per second, clusters as well under topic cross-validation) "
        "and 'use' (multilingual USE) for pairs judged on their own (compare, graded "
        "similarity). Given, it is used for both.",
        case_sensitive=False,
    ),
]


WorkersOpt = Annotated[
    int,
    typer.Option(
        "--workers",
        "-j",
        min=0,
        help="Processes for reading articles and scoring pairs: "
        "0 = one per CPU (used from about 600 articles or 2,000 pairs up), 1 = this process "
        "only. Results do not depend on it.",
    ),
]

VerboseSkipsOpt = Annotated[
    bool,
    typer.Option(
        "--verbose",
        "-v",
        help="Name every input skipped (without it, the first "
        f"{SKIP_LINES_PER_REASON} of each reason, then one line counting the rest).",
    ),
]


class Level(StrEnum):
    story = "story"
    thread = "thread"


LevelOpt = Annotated[
    Level,
    typer.Option(
        "--level",
        help="Score stories (one event each) or threads (stories of one incident linked "
        "by follow-ups: arrest, charges, trial). Use the level the labels are at.",
        case_sensitive=False,
    ),
]


def field_map(id_field: str, text_field: str, title_field: str, date_field: str) -> FieldMap:
    from samestory.ingest import FieldMap

    return FieldMap(id=id_field, text=text_field, title=title_field, date=date_field)


def os_reason(exc: OSError) -> str:
    """Why a file could not be opened, as the readers' skip lines say it ("no such file
    or directory"), not Python's ``[Errno 2] No such file or directory: 'x'``."""
    return (exc.strerror or str(exc)).lower()


def fail_on_file(path: Path | str, reason: str) -> NoReturn:
    """``error: PATH: reason`` on stderr, exit 1."""
    err.print(f"[red]error:[/] {escape(str(path))}: {escape(reason)}", highlight=False)
    raise typer.Exit(1)


#: Seconds between two plain progress lines when stderr is not a terminal.
PLAIN_PROGRESS_EVERY = 20.0


def plain_progress(
    write: Callable[[str], object],
    every: float = PLAIN_PROGRESS_EVERY,
    clock: Callable[[], float] = time.monotonic,
) -> ProgressFn:
    """A progress callback for a log file or cron: one ``stage: done/total (N s)`` line
    at most every ``every`` seconds, the first only after ``every`` seconds, so that
    short runs stay silent and a long one shows it is alive."""
    start = clock()
    last = start

    def update(stage: str, done: int, total: int) -> None:
        nonlocal last
        now = clock()
        if now - last >= every:
            last = now
            write(f"{stage}: {done}/{total} ({now - start:.0f} s)")

    return update


def _is_os_stream(stream: object) -> bool:
    """Whether ``stream`` writes to an operating-system file or pipe."""
    try:
        stream.fileno()  # type: ignore[attr-defined]
    except (AttributeError, OSError, ValueError):
        return False
    return True


def _print_to_stderr(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


@contextlib.contextmanager
def progress_bar(quiet: bool) -> Iterator[ProgressFn | None]:
    """A rich progress bar on stderr; plain lines (:func:`plain_progress`) when stderr
    is a file or a pipe; None when quiet (or stderr is no OS stream)."""
    if quiet:
        yield None
        return
    if not sys.stderr.isatty():
        # A file or a pipe gets plain lines; a stream with no descriptor (a test
        # runner's capture, an embedding program's buffer) gets none, as before.
        yield (
            plain_progress(_print_to_stderr, every=PLAIN_PROGRESS_EVERY)
            if _is_os_stream(sys.stderr)
            else None
        )
        return
    from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeRemainingColumn

    columns = (
        TextColumn("{task.description:>10}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=err, transient=True) as bar:
        tasks: dict[str, TaskID] = {}

        def update(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = bar.add_task(stage, total=total)
            bar.update(tasks[stage], completed=done, total=total)

        yield update


def skip_lines(every_skip: bool) -> CappedSkips:
    """How ``cluster`` and ``eval`` name skipped inputs on stderr: the first
    :data:`SKIP_LINES_PER_REASON` of each reason, then one line counting the rest
    (``every_skip``, their ``--verbose``: every one)."""
    per_reason = None if every_skip else SKIP_LINES_PER_REASON
    return CappedSkips(per_reason, hint="--verbose or --json lists every one")


def read_or_exit(
    paths: list[Path], fields: FieldMap, every_skip: bool = False
) -> tuple[list[Article], list[SkippedRecord]]:
    """The articles of ``paths`` and the records skipped, each skip named on stderr (the
    first few of each reason, then one line counting the rest; ``every_skip``: all of
    them); exit 1 when no article could be read."""
    from samestory.ingest import read_paths

    skips = skip_lines(every_skip)
    result = read_paths(paths, fields=fields, on_skip=skips)
    skips.summary()
    if not result.articles:
        why = f"{len(result.skipped)} skipped" if result.skipped else "no records in it"
        err.print(
            f"[red]error:[/] no article could be read from "
            f"{escape(', '.join(map(str, paths)))} ({why})"
        )
        raise typer.Exit(1)
    return result.articles, result.skipped


def cluster(
    paths: PathsArg,
    as_json: JsonOpt = False,
    quiet: QuietOpt = False,
    id_field: IdField = "id",
    text_field: TextField = "text",
    title_field: TitleField = "title",
    date_field: DateField = "date",
    encoder: EncoderOpt = None,
    workers: WorkersOpt = DEFAULT_CONFIG.workers,
    verbose: VerboseSkipsOpt = False,
) -> None:
    """Group articles into stories, print each story's versions in time order.

    Reads .txt/.md, .jsonl/.json, .csv/.tsv, .parquet, .html and RSS/Atom feeds. Nothing is
    stored: use `samestory add` for a persistent, incremental store.

    Examples: samestory cluster crawl.jsonl --json > stories.json;
    samestory cluster crawl.csv --text-field body --quiet > stories.txt
    """
    from samestory import api

    articles, skipped = read_or_exit(
        paths, field_map(id_field, text_field, title_field, date_field), every_skip=verbose
    )
    with progress_bar(quiet) as progress:
        stories = api.cluster(articles, config_for(encoder, workers), progress=progress)
    if as_json:
        payload = {
            "stories": [s.to_dict() for s in stories],
            "skipped": [s.to_dict() for s in skipped],
        }
        print(json.dumps(payload, ensure_ascii=False, indent=2))
        return
    print_stories(stories, {a.id: a for a in articles})
    if skipped:
        err.print(f"{len(skipped)} input(s) skipped (see above)")


def print_stories(stories: list[Story], articles: dict[str, Article]) -> None:
    multi = [s for s in stories if len(s.articles) > 1]
    out.print(
        f"[bold]{len(stories)} stories[/] from {len(articles)} articles "
        f"({len(multi)} with more than one version)"
    )
    thread_sizes = Counter(s.thread for s in stories if s.thread)
    for story in stories:
        # Titles, ids and sources are article text: escaped, never read as markup.
        out.print(
            f"\n[bold cyan]{escape(story.id)}[/]  {len(story.articles)} version(s)  "
            f"[italic]{escape(story.title or '')}[/]",
            highlight=False,
        )
        if story.thread and thread_sizes[story.thread] > 1:
            out.print(
                f"  thread {story.thread}: {thread_sizes[story.thread]} stories of one "
                f"incident ({len(story.follow_ups)} follow-up link(s) from this one)",
                highlight=False,
            )
        kinds = _kind_to_first(story)
        for article_id in story.articles:
            article = articles[article_id]
            date = article.date.isoformat() if article.date else "          "
            marker = "first" if article_id == story.first else kinds.get(article_id, "")
            out.print(
                f"  {date}  {escape(article_id):<32} {marker:<15} {escape(article.source or '')}",
                highlight=False,
            )


def _kind_to_first(story: Story) -> dict[str, str]:
    """For each version, its relation to the first version (or its strongest relation)."""
    best: dict[str, tuple[float, str]] = {}
    for r in story.relations:
        for this, other in ((r.a, r.b), (r.b, r.a)):
            bonus = 1.0 if other == story.first else 0.0
            value = (r.score + bonus, r.kind.value if r.kind else "")
            if this not in best or value > best[this]:
                best[this] = value
    return {k: v[1] for k, v in best.items()}


def compare(
    a: Annotated[
        str, typer.Argument(metavar="A", help="First article: a file, or an id in the store.")
    ],
    b: Annotated[
        str, typer.Argument(metavar="B", help="Second article: a file, or an id in the store.")
    ],
    as_json: JsonOpt = False,
    db: Annotated[
        Path, typer.Option(help="Store to look ids up in.", envvar="SAMESTORY_DB")
    ] = Path("samestory.db"),
    encoder: EncoderOpt = None,
) -> None:
    """How two versions relate (kind, scores, evidence) and a sentence-aligned diff.

    Example: samestory compare ../shared/seeds/001_*.txt ../shared/seeds/002_*.txt
    """
    compare_cmd.compare(a, b, as_json, db, encoder)


ErrorsOpt = Annotated[
    bool,
    typer.Option(
        "--errors",
        help="Also list the gold stories merged together and those split "
        'apart, with article ids (always under "errors" in --json).',
    ),
]


def evaluate(
    file: Annotated[
        Path,
        typer.Argument(
            metavar="FILE",
            help="Labelled JSONL: articles with `story`, or pairs with text1/text2/overall.",
        ),
    ],
    as_json: JsonOpt = False,
    quiet: QuietOpt = False,
    encoder: EncoderOpt = None,
    workers: WorkersOpt = DEFAULT_CONFIG.workers,
    level: LevelOpt = Level.story,
    errors: ErrorsOpt = False,
    verbose: VerboseSkipsOpt = False,
) -> None:
    """Measure accuracy on a labelled file (ARI, pair and B-cubed F1; or Pearson for pairs).

    Example: samestory eval ../shared/data/ecbplus_dev.jsonl --errors
    """
    from samestory import api
    from samestory import evaluate as ev

    try:
        records, skipped = ev.read_labelled(file)
    except OSError as exc:
        fail_on_file(file, os_reason(exc))
    except UnicodeDecodeError:
        fail_on_file(file, "not UTF-8 text")
    skips = skip_lines(verbose)
    for record in skipped:
        skips(record)
    skips.summary()
    if not records:
        fail_on_file(file, "no usable records")
    config = config_for(encoder, workers)
    with progress_bar(quiet) as progress:
        if ev.is_pair_file(records):

            def score_fn(pairs: list[tuple[Article, Article]]) -> list[float]:
                return api.story_similarity(pairs, config)

            result = ev.evaluate_pairs(records, score_fn)
        else:

            def cluster_fn(articles: list[Article]) -> list[list[str]]:
                stories = api.cluster(articles, config, progress=progress)
                if level is Level.thread:
                    return api.thread_groups_of(stories)
                return [list(s.articles) for s in stories]

            result = ev.evaluate_articles(records, cluster_fn)
            result["level"] = level.value
    if as_json:
        result["skipped"] = [record.to_dict() for record in skipped]
        print(json.dumps(result, ensure_ascii=False, indent=2))
        return
    result["skipped"] = len(skipped)
    table = Table("metric", "value", title=str(file))
    for key, value in result.items():
        if isinstance(value, dict):
            continue
        table.add_row(key, f"{value:.4f}" if isinstance(value, float) else str(value))
    out.print(table)
    if errors and "errors" in result:
        out.print(errors_text(result["errors"]), markup=False, highlight=False)


def errors_text(errors: dict[str, list[dict]], most: int = 20) -> str:
    """The ``errors`` of an article-file evaluation as lines: merges, then splits."""
    lines = [f"merged: {len(errors['merged'])} predicted stories hold two or more gold stories"]
    for entry in errors["merged"][:most]:
        parts = " + ".join(f"{story} ({len(ids)})" for story, ids in entry["gold"].items())
        lines.append(f"  {parts}")
    lines.append(
        f"split: {len(errors['split'])} gold stories are spread over two or more predicted stories"
    )
    for entry in errors["split"][:most]:
        sizes = " + ".join(str(len(piece)) for piece in entry["pieces"])
        apart = ", ".join(doc_id for piece in entry["pieces"][1:] for doc_id in piece)
        lines.append(f"  {entry['story']}: {sizes}; apart: {apart}")
    hidden = max(0, len(errors["merged"]) - most) + max(0, len(errors["split"]) - most)
    if hidden:
        lines.append(f"  … {hidden} more in --json")
    return "\n".join(lines)


def _refuse_ignored_spark_options(dedup: bool, keep: str, by: str, conf: list[str]) -> None:
    """Exit 2, before Spark starts, for options the run would ignore: ``--keep`` or
    ``--by`` without ``--dedup`` (a whole job ran and wrote no records), and a ``--conf``
    without ``=`` (Spark only warned "Ignoring non-Spark config property")."""
    if not dedup and (keep, by) != ("all", "copy"):
        err.print("[red]error:[/] --keep and --by choose the records of --dedup: add --dedup")
        raise typer.Exit(2)
    for item in conf:
        if "=" not in item or not item.split("=", 1)[0].strip():
            err.print(f"[red]error:[/] --conf {escape(item)}: expected KEY=VALUE", highlight=False)
            raise typer.Exit(2)


def spark(
    input_path: Annotated[
        str, typer.Argument(metavar="INPUT", help="Parquet or JSONL input (file or folder).")
    ],
    output_path: Annotated[
        str, typer.Argument(metavar="OUTPUT", help="Output folder for Parquet results.")
    ],
    master: Annotated[str, typer.Option(help="Spark master URL.")] = "local[*]",
    encoder: EncoderOpt = None,
    partitions: Annotated[
        int | None,
        typer.Option(
            min=1,
            help="Partitions of every stage (default: spark.sql.shuffle.partitions if set, "
            "else one per 2,048 articles, at least 2 per core).",
        ),
    ] = None,
    dedup: Annotated[
        bool,
        typer.Option(
            "--dedup", help="Also write the input records annotated as `samestory dedup` does."
        ),
    ] = False,
    keep: Annotated[
        str, typer.Option(help="With --dedup: all, first or longest (see samestory dedup).")
    ] = "all",
    by: Annotated[str, typer.Option(help="With --dedup: copy or story groups.")] = "copy",
    conf: Annotated[
        list[str] | None, typer.Option(help="Spark setting KEY=VALUE (repeatable).")
    ] = None,
    state: Annotated[
        str | None,
        typer.Option(
            help="State folder of incremental daily runs: the past is read from it, "
            "INPUT's new articles are joined against it, and it is updated."
        ),
    ] = None,
) -> None:
    """Run the pipeline on PySpark: stories, relations and assignments out as Parquet.

    Example: samestory spark crawl/ out/ --master local[2] --dedup --keep first
    """
    _refuse_ignored_spark_options(dedup, keep, by, conf or [])
    try:
        from samestory.spark import main as spark_main
    except ImportError as exc:
        err.print(
            f"[red]error:[/] PySpark is not installed ({exc}); pip install 'samestory[spark]'"
        )
        raise typer.Exit(1) from exc
    argv = [input_path, output_path, "--master", master]
    # Not given: the default, or with --state the encoder the state was made with.
    argv += ["--encoder", encoder.value] if encoder is not None else []
    argv += ["--partitions", str(partitions)] if partitions else []
    argv += ["--dedup", "--keep", keep, "--by", by] if dedup else []
    for item in conf or []:
        argv += ["--conf", item]
    argv += ["--state", state] if state else []
    code = spark_main(argv)
    if code:
        raise typer.Exit(code)
