"""``samestory dedup``: every record of a crawl back, annotated with its story and copy group."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from samestory.cli.common import CappedSkips
from samestory.cli.main import (
    DateField,
    EncoderOpt,
    IdField,
    QuietOpt,
    TextField,
    TitleField,
    WorkersOpt,
    config_for,
    err,
    fail_on_file,
    field_map,
    os_reason,
    progress_bar,
)
from samestory.config import DEFAULT_CONFIG


class Keep(StrEnum):
    all = "all"
    first = "first"
    longest = "longest"


class GroupBy(StrEnum):
    copy = "copy"
    story = "story"


KeepOpt = Annotated[
    Keep,
    typer.Option(
        "--keep",
        help="Which records to write: all (annotated), or one per group: its first version "
        "(first) or its longest text (longest).",
        case_sensitive=False,
    ),
]
ByOpt = Annotated[
    GroupBy,
    typer.Option(
        "--by",
        help="Groups for --keep first/longest: copy groups (exact and near-duplicate "
        "copies) or whole stories.",
        case_sensitive=False,
    ),
]


def dedup(
    input_path: Annotated[
        Path,
        typer.Argument(
            metavar="INPUT",
            help="JSON Lines, Parquet or CSV/TSV file (or a folder of part files).",
        ),
    ],
    output_path: Annotated[
        Path,
        typer.Argument(
            metavar="OUTPUT",
            help="Output file: .jsonl, .parquet, .csv or .tsv (chosen by extension).",
        ),
    ],
    keep: KeepOpt = Keep.all,
    by: ByOpt = GroupBy.copy,
    quiet: QuietOpt = False,
    id_field: IdField = "id",
    text_field: TextField = "text",
    title_field: TitleField = "title",
    date_field: DateField = "date",
    encoder: EncoderOpt = None,
    workers: WorkersOpt = DEFAULT_CONFIG.workers,
) -> None:
    """Write the records back with story_id, copy_group, first_version and relation_to_first.

    Every original column is kept (a CSV's in its header's order). With --keep first
    or longest only one record per copy group (--by copy) or per story (--by story) is
    written. Records without text are written back with empty annotations.

    Examples: samestory dedup crawl.jsonl crawl.dedup.jsonl --keep first;
    samestory dedup crawl.parquet stories.parquet --by story --keep longest --encoder static;
    samestory dedup crawl.csv crawl.dedup.csv --text-field body
    """
    from samestory.dedup import dedup_file

    if not input_path.exists():
        fail_on_file(input_path, "no such file or directory")
    if by is GroupBy.story and keep is Keep.all:
        # --by only picks the groups --keep first/longest choose from: said, not silent,
        # so "one record per story" is not mistaken for what was written.
        err.print(
            "[yellow]warning:[/] --by story has no effect with --keep all (every record "
            "is written); add --keep first or --keep longest for one record per story",
            highlight=False,
            soft_wrap=True,
        )
    # Records without text are written back (annotations empty): the output lists them all.
    skips = CappedSkips(hint="each is written back with empty annotations")
    try:
        with progress_bar(quiet) as progress:
            read, written, stories = dedup_file(
                input_path,
                output_path,
                config_for(encoder, workers),
                keep=keep.value,
                by=by.value,
                fields=field_map(id_field, text_field, title_field, date_field),
                on_skip=skips,
                progress=progress,
            )
    except OSError as exc:
        skips.summary()
        fail_on_file(exc.filename or input_path, os_reason(exc))
    except ValueError as exc:
        skips.summary()
        err.print(f"[red]error:[/] {escape(str(exc))}", highlight=False)
        raise typer.Exit(1) from None
    skips.summary()
    err.print(
        f"{read} records, {stories} stories: wrote {written} records to {output_path}",
        highlight=False,
    )
