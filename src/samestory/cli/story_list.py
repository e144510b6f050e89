"""How ``samestory stories`` prints the story list (table or ``--json``).

Shared by the Typer command (:func:`samestory.cli.store_cmds.stories`) and the fast path
that lists a current store without importing Typer or the engine
(:mod:`samestory.cli.launch`), so both print the same bytes. Imports rich and the stdlib
only.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text

if TYPE_CHECKING:
    from samestory.store.listing import StorySummary


def print_story_list(
    console: Console,
    rows: Sequence[StorySummary],
    total_articles: int,
    db: Path,
    as_json: bool,
    limit: int | None,
) -> None:
    """The first ``limit`` stories of ``rows`` (all if None), as a table on ``console``
    or, with ``as_json``, as one JSON object on stdout."""
    shown = rows[:limit] if limit else rows
    if as_json:
        payload = {
            "stories": [
                {
                    "id": s.id,
                    "title": s.title,
                    "size": s.size,
                    "first": s.first,
                    "thread": s.thread,
                }
                for s in shown
            ]
        }
        print(json.dumps(payload, ensure_ascii=False, indent=2))
        return
    table = Table(
        "story",
        "size",
        "first version",
        "title",
        title=f"{len(rows)} stories, {total_articles} articles in {escape(str(db))}",
    )
    for s in shown:  # article text as Text: never read as markup
        table.add_row(s.id, str(s.size), Text(s.first), Text(s.title or ""))
    console.print(table)
