"""How ``samestory show`` prints one story (tables, or ``--json``).

Shared by the Typer command (:func:`samestory.cli.store_cmds.show`) and the fast path
that reads a current store without importing Typer or the engine
(:mod:`samestory.cli.launch`), so both print the same bytes. Imports rich and the stdlib
only.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from samestory.pipeline.story_of import clip_at_word

if TYPE_CHECKING:
    from samestory.models import Article, Relation, Story
    from samestory.store.listing import StorySummary

# The human output lists this many relations, strongest first: a 23-version story has
# 200+ related pairs, whose rows buried its versions and provenance. ``--all`` lists
# every one; ``--json`` always holds them all.
RELATIONS_SHOWN = 30


def print_story(
    console: Console,
    story: Story,
    articles: Mapping[str, Article],
    thread: Sequence[StorySummary],
    as_json: bool,
    all_relations: bool = False,
) -> None:
    """``story`` (its versions ``articles``, the stories of its ``thread``) as tables on
    ``console`` or, with ``as_json``, as one JSON object on stdout (every relation). The
    tables hold the :data:`RELATIONS_SHOWN` strongest relations, or with
    ``all_relations`` every one, strongest first."""
    if as_json:
        payload = story.to_dict()
        payload["thread_stories"] = [s.id for s in thread]
        print(json.dumps(payload, ensure_ascii=False, indent=2))
        return
    _print_tables(console, story, articles, all_relations)
    if len(thread) > 1:
        console.print(
            f"thread {story.thread}: {len(thread)} stories of one incident", highlight=False
        )
        for s in thread:
            marker = "(this one)" if s.id == story.id else ""
            console.print(Text(f"  {s.id}  {s.first_date or '':<10}  {s.title or ''} {marker}"))


def clip(title: str, width: int = 60) -> str:
    """``title`` cut to ``width`` characters at a word (:func:`clip_at_word`)."""
    return clip_at_word(title, width)


def first_line(text: str) -> str:
    """What stands for a version's missing title: its text's first non-empty line (a
    story without a title is titled by its first sentence; an empty column said less)."""
    return next((line.strip() for line in text.splitlines() if line.strip()), "")


def _print_tables(
    console: Console, story: Story, articles: Mapping[str, Article], all_relations: bool
) -> None:
    # Ids, titles and sources come from the articles: escaped or Text, never markup.
    console.print(
        f"[bold cyan]{escape(story.id)}[/]  {len(story.articles)} version(s)  "
        f"[italic]{escape(story.title or '')}[/]",
        highlight=False,
        soft_wrap=True,
    )
    versions = Table("date", "article", "source", "title", title="versions (time order)")
    for article_id in story.articles:
        a = articles[article_id]
        label = f"{article_id} (first)" if article_id == story.first else article_id
        versions.add_row(
            a.date.isoformat() if a.date else "",
            Text(label),
            Text(a.source or ""),
            Text(clip(a.title or first_line(a.text))),
        )
    console.print(versions)
    # Provenance before the relations: the relations can run long (the last table).
    if story.derivations:
        edges = Table("source", "copy", "kind", "reason", title="derivations")
        for d in story.derivations:
            edges.add_row(Text(d.source), Text(d.copy), d.kind.value, Text(d.reason))
        console.print(edges)
    if story.relations:
        _print_relations(console, story.relations, all_relations)


def strongest(relations: Sequence[Relation], limit: int | None) -> list[Relation]:
    """The ``limit`` highest-scored ``relations`` (all of them when None), highest first;
    equal scores keep the story's order."""
    ranked = sorted(relations, key=lambda r: -r.score)
    return ranked if limit is None else ranked[:limit]


def _print_relations(console: Console, relations: Sequence[Relation], all_relations: bool) -> None:
    shown = strongest(relations, None if all_relations else RELATIONS_SHOWN)
    more = len(relations) - len(shown)
    title = f"relations, {len(shown)} strongest of {len(relations)}" if more else "relations"
    table = Table("a", "b", "kind", "score", title=title)
    for r in shown:
        table.add_row(Text(r.a), Text(r.b), r.kind.value if r.kind else "", f"{r.score:.2f}")
    console.print(table)
    if more:
        console.print(
            f"… and {more} more relations (--all to list them, or --json)", highlight=False
        )
