"""``samestory compare A B``'s work, without Typer: read the two articles (files, or ids
in the store), judge the pair, print the relation and the sentence-aligned diff.

The Typer command (:func:`samestory.cli.main.compare`, its options and help) and the fast
path of :mod:`samestory.cli.launch` both call :func:`compare`; the fast path so never
imports Typer (~30 ms of CPU). Errors exit as Typer's did (``SystemExit`` with the code
``typer.Exit`` had: 2 for a bad input, 1 for a store error).
"""

from __future__ import annotations

import contextlib
import json
from pathlib import Path
from typing import TYPE_CHECKING

from rich.markup import escape
from rich.table import Table
from rich.text import Text

from samestory.cli.common import Encoder, config_for, err, out, report_skip

if TYPE_CHECKING:
    from samestory.models import Article, Relation


def load_one(path_or_id: str, db: Path) -> Article:
    """An article from a file, or by id from the store."""
    path = Path(path_or_id)
    if path.exists():
        from samestory.ingest import read_paths

        result = read_paths([path], on_skip=report_skip)
        if len(result.articles) != 1:
            err.print(
                f"[red]error:[/] {escape(str(path))} holds {len(result.articles)} articles; "
                "compare needs exactly one per side"
            )
            raise SystemExit(2)
        return result.articles[0]
    if db.exists():
        from samestory.store import Store, StoreError

        try:
            with Store(db) as store, contextlib.suppress(KeyError):
                return store.article(path_or_id)
        except StoreError as exc:
            err.print(f"[red]error:[/] {escape(str(exc))}", highlight=False)
            raise SystemExit(1) from None
    err.print(
        f"[red]error:[/] {escape(path_or_id)} is neither a file nor an article id in "
        f"{escape(str(db))}"
    )
    raise SystemExit(2)


def compare(a: str, b: str, as_json: bool, db: Path, encoder: Encoder | None) -> None:
    """How ``a`` and ``b`` (files, or ids in the store ``db``) relate, printed (as JSON
    when ``as_json``), judged with ``encoder`` (None: the config's pair encoder)."""
    from samestory.cli.render import render_diff
    from samestory.diff import diff_articles
    from samestory.embed import encoder_for
    from samestory.pipeline import compare as pairs  # not api: no batch driver to import

    article_a, article_b = load_one(a, db), load_one(b, db)
    config = config_for(encoder).for_pairs()
    # One encoder for both: the diff used to load USE whatever --encoder said.
    sentence_encoder = encoder_for(config.encoder)
    relation = pairs.compare(article_a, article_b, config, sentence_encoder)
    difference = diff_articles(article_a, article_b, encoder=sentence_encoder)
    if as_json:
        print(
            json.dumps(
                {"relation": relation.to_dict(), "diff": difference.to_dict()},
                ensure_ascii=False,
                indent=2,
            )
        )
        return
    print_relation(relation)
    render_diff(difference, out)


def print_relation(relation: Relation) -> None:
    kind = relation.kind.value if relation.kind else "not the same story"
    out.print(
        f"[bold]{escape(relation.a)}[/] → [bold]{escape(relation.b)}[/]: [bold green]{kind}[/] "
        f"(story score {relation.score:.2f})",
        highlight=False,
    )
    ev = relation.evidence
    table = Table(show_header=False, box=None)
    for key in (
        "event_probability",
        "rewrite_evidence",
        "aligned_coverage",
        "shingle_jaccard",
        "cue_doc_cosine",
        "cue_entity_overlap",
    ):
        if key in ev.scores:
            table.add_row(key, f"{ev.scores[key]:.3f}")
    if ev.date_gap_days is not None:
        table.add_row("date gap (days)", str(ev.date_gap_days))
    for note in ev.dates:
        table.add_row("date", Text(note))
    # Names, numbers and quotes are article text: Text, never markup.
    table.add_row("shared names", Text(", ".join(ev.shared_entities[:15])))
    table.add_row("shared numbers", Text(", ".join(ev.shared_numbers[:15])))
    for quote in ev.shared_quotes[:5]:
        table.add_row("shared quote", Text(f"“{quote}”"))
    out.print(table)
