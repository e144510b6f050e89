"""Terminal rendering of an :class:`~samestory.diff.ArticleDiff`.

:func:`render_diff` draws a rich view (summary header, side-by-side aligned pairs with
changed words highlighted, identical runs collapsed, then the unaligned sentences);
:func:`diff_to_text` is the plain-text twin with ``[-old-]{+new+}`` markers (wdiff style)
for pipes, logs and tests.
"""

from __future__ import annotations

from rich import box
from rich.console import Console
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from samestory.diff import ArticleDiff, SentencePairDiff

OLD_STYLE = "bold red strike"
NEW_STYLE = "bold green"
SAME_STYLE = "dim"
COLLAPSE_RUN = 3  # runs of at least this many identical pairs fold into one line

_SUMMARY_LABELS = (
    ("aligned", "aligned"),
    ("identical", "identical"),
    ("changed", "changed"),
    ("only_a", "only in A"),
    ("only_b", "only in B"),
    ("names_changed", "names"),
    ("numbers_changed", "numbers"),
    ("quotes_changed", "quotes"),
)


# ------------------------------------------------------------------------------- rich


def render_diff(diff: ArticleDiff, console: Console) -> None:
    """Print the diff of A against B to ``console``."""
    console.print(_header(diff))
    if diff.pairs:
        console.print(_pairs_table(diff))
    for title, items, style in (
        (f"Only in A ({diff.a_id})", diff.only_a, "red"),
        (f"Only in B ({diff.b_id})", diff.only_b, "green"),
    ):
        if items:
            console.print(_only_section(title, items, style))


def _header(diff: ArticleDiff) -> Panel:
    counts = Text()
    for key, label in _SUMMARY_LABELS:
        if key in diff.summary:
            counts.append(f"{label}: ", style="bold")
            counts.append(f"{diff.summary[key]}   ")
    if "coverage_a" in diff.summary:
        counts.append(
            f"\ncoverage A {diff.summary['coverage_a']:.0%} · coverage B "
            f"{diff.summary['coverage_b']:.0%} · order {diff.summary.get('order', 1.0):.2f}",
            style="dim",
        )
    title = Text(f"diff  A = {diff.a_id}  →  B = {diff.b_id}")  # ids: never markup
    return Panel(counts, title=title, box=box.ROUNDED)


def _pairs_table(diff: ArticleDiff) -> Table:
    table = Table(box=box.SIMPLE_HEAD, expand=True, show_lines=False)
    table.add_column("A#", justify="right", no_wrap=True, style="dim")
    table.add_column(Text(f"A ({diff.a_id})"), ratio=1)
    table.add_column(Text(f"B ({diff.b_id})"), ratio=1)
    table.add_column("B#", justify="right", no_wrap=True, style="dim")
    table.add_column("sim", justify="right", no_wrap=True)
    for group in _group_identical(diff.pairs):
        if len(group) >= COLLAPSE_RUN:
            first, last = group[0], group[-1]
            note = Text(f"… {len(group)} identical sentences …", style=SAME_STYLE)
            table.add_row(
                f"{first.a_index}-{last.a_index}",
                note,
                Text("", style=SAME_STYLE),
                f"{first.b_index}-{last.b_index}",
                Text("=", style=SAME_STYLE),
            )
            continue
        for pair in group:
            a_cell, b_cell = _pair_cells(pair)
            table.add_row(
                str(pair.a_index), a_cell, b_cell, str(pair.b_index), f"{pair.similarity:.2f}"
            )
    return table


def _group_identical(pairs: list[SentencePairDiff]) -> list[list[SentencePairDiff]]:
    """Consecutive identical pairs grouped together; every changed pair on its own."""
    groups: list[list[SentencePairDiff]] = []
    for pair in pairs:
        if pair.identical and groups and groups[-1][0].identical:
            groups[-1].append(pair)
        else:
            groups.append([pair])
    return groups


def _pair_cells(pair: SentencePairDiff) -> tuple[Text, Text]:
    """The A and B cells: identical dimmed, cross-language plain, else highlighted."""
    if pair.identical:
        return Text(pair.a_text, style=SAME_STYLE), Text(pair.b_text, style=SAME_STYLE)
    if not pair.same_language:
        return Text(pair.a_text), Text(pair.b_text, style="italic")
    a_cell, b_cell = Text(), Text()
    for change in pair.tokens:
        if change.op == "equal":
            a_cell.append(change.a)
            b_cell.append(change.b)
            continue
        if change.a:
            a_cell.append(change.a, style=OLD_STYLE)
        if change.b:
            b_cell.append(change.b, style=NEW_STYLE)
    notes = _change_notes(pair)
    if notes:
        b_cell.append("\n" + notes, style="yellow")
    return a_cell, b_cell


def _change_notes(pair: SentencePairDiff) -> str:
    parts = []
    for label, changes in (
        ("name", pair.changed_names),
        ("number", pair.changed_numbers),
        ("quote", pair.changed_quotes),
    ):
        parts += [f"{label}: {old or '∅'} → {new or '∅'}" for old, new in changes]
    return "; ".join(parts)


def _only_section(title: str, items: list[tuple[int, str]], style: str) -> Table:
    table = Table(title=Text(title), title_style=f"bold {style}", box=box.SIMPLE, expand=True)
    table.add_column("#", justify="right", no_wrap=True, style="dim")
    table.add_column("sentence", style=style)
    for index, text in items:  # sentences are article text: Text, never markup
        table.add_row(str(index), Text(text))
    return table


# ------------------------------------------------------------------------------- text


def diff_to_text(diff: ArticleDiff) -> str:
    """Plain rendering: ``[-old-]{+new+}`` inline markers, one block per aligned pair.

    Identical pairs print as ``= text``; cross-language pairs as ``A: ...`` / ``B: ...``
    lines; unaligned sentences as ``- [i] text`` (only in A) and ``+ [j] text``.
    """
    lines = [f"diff A={diff.a_id} B={diff.b_id}"]
    lines.append(
        "  ".join(
            f"{label}={diff.summary[key]}" for key, label in _SUMMARY_LABELS if key in diff.summary
        )
    )
    lines.append("")
    for pair in diff.pairs:
        lines.extend(_pair_lines(pair))
    for title, items, sign in (
        ("only in A", diff.only_a, "-"),
        ("only in B", diff.only_b, "+"),
    ):
        if items:
            lines.append("")
            lines.append(f"{title}:")
            lines.extend(f"{sign} [{index}] {text}" for index, text in items)
    return "\n".join(lines) + "\n"


def _pair_lines(pair: SentencePairDiff) -> list[str]:
    head = f"[{pair.a_index}↔{pair.b_index} {pair.similarity:.2f}]"
    if pair.identical:
        return [f"{head} = {pair.a_text}"]
    if not pair.same_language:
        return [head, f"  A: {pair.a_text}", f"  B: {pair.b_text}"]
    lines = [f"{head} {inline_markup(pair)}"]
    notes = _change_notes(pair)
    if notes:
        lines.append(f"  ({notes})")
    return lines


def inline_markup(pair: SentencePairDiff) -> str:
    """The pair's word diff as one line: equal text, ``[-deleted-]``, ``{+inserted+}``."""
    out = []
    for change in pair.tokens:
        if change.op == "equal":
            # B's text, but keep a space either side had (A's before a deletion).
            core = change.b.rstrip()
            tails = (change.a[len(change.a.rstrip()) :], change.b[len(core) :])
            out.append(core + max(tails, key=len))
            continue
        if change.a:
            out.append(f"[-{change.a}-]")
        if change.b:
            out.append(f"{{+{change.b}+}}")
    return "".join(out)
