"""Every CLI command and option is in docs/cli.md, every public name in docs/api.md.

Like sqlite-utils' documentation tests: a new command, option or API function fails here
until it is documented, and the message says which file to edit and what to add.
"""

from __future__ import annotations

import dataclasses
import functools
import re
import unicodedata
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import typer.main
from typer.testing import CliRunner

import samestory
from samestory.cli import app
from samestory.config import DEFAULT_CONFIG, Config

DOCS = Path(__file__).resolve().parents[1] / "docs"
CLI_DOC = DOCS / "cli.md"
API_DOC = DOCS / "api.md"


# Typer may bring its own copy of click, so groups and options are recognised by what
# they have (sub-commands, a param_type_name), not by click's classes.
def _is_group(command: Any) -> bool:
    return hasattr(command, "list_commands")


def _subcommand(group: Any, name: str) -> Any:
    return group.commands[name] if hasattr(group, "commands") else None


def _commands(group: Any, prefix: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    """Every command's path of names, sub-command groups and their commands included."""
    for name in sorted(group.commands):
        command = _subcommand(group, name)
        if command is None or getattr(command, "hidden", False):
            continue
        yield (*prefix, name)
        if _is_group(command):
            yield from _commands(command, (*prefix, name))


ROOT = typer.main.get_command(app)
assert _is_group(ROOT)
COMMANDS = sorted(_commands(ROOT))


def _command(path: tuple[str, ...]) -> Any:
    command = ROOT
    for name in path:
        command = _subcommand(command, name)
        assert command is not None
    return command


def _section(doc: str, heading: str) -> str | None:
    """The text under the markdown heading `heading` up to the next heading of its level."""
    match = re.search(rf"^(#+) {re.escape(heading)}[ \t]*$", doc, flags=re.MULTILINE)
    if match is None:
        return None
    level = len(match.group(1))
    rest = doc[match.end() :]
    end = re.search(rf"^#{{1,{level}}} ", rest, flags=re.MULTILINE)
    return rest[: end.start()] if end else rest


def _label(path: tuple[str, ...]) -> str:
    return "samestory " + " ".join(path)


def test_there_are_commands_to_check() -> None:
    assert ("cluster",) in COMMANDS and ("add",) in COMMANDS


@pytest.mark.parametrize("path", COMMANDS, ids=_label)
def test_command_and_its_options_are_in_cli_doc(path: tuple[str, ...]) -> None:
    heading = _label(path)
    section = _section(CLI_DOC.read_text(encoding="utf-8"), heading)
    assert section is not None, (
        f"`{heading}` is not documented: add a section '## {heading}' to docs/cli.md "
        "(what it does, every option, an example)"
    )
    missing = [opt for opt in _option_names(path, long=True) if f"`{opt}" not in section]
    assert not missing, (
        f"docs/cli.md, section '## {heading}': document option(s) "
        + ", ".join(f"`{opt}`" for opt in missing)
        + " (write each as `--name` in that section)"
    )


def _option_names(path: tuple[str, ...], long: bool) -> list[str]:
    """Every visible option name of the command: ``--name`` (and ``--no-name``) when
    ``long``, else the short ``-x`` ones."""
    return [
        opt
        for param in _command(path).params
        if param.param_type_name == "option" and not getattr(param, "hidden", False)
        for opt in (*param.opts, *getattr(param, "secondary_opts", ()))
        if opt.startswith("--") == long and opt != "--help"
    ]


def _argument_name(param: Any) -> str:
    """An argument as ``--help`` names it: its metavar, else its name in capitals."""
    return str(param.metavar or param.name.upper())


@pytest.mark.parametrize("path", COMMANDS, ids=_label)
def test_short_options_and_arguments_are_in_cli_doc(path: tuple[str, ...]) -> None:
    """The short names (``-q``, ``-j N``) beside their long ones, and each argument, by
    the name ``--help`` shows (its metavar), in the section's synopsis line."""
    heading = _label(path)
    section = _section(CLI_DOC.read_text(encoding="utf-8"), heading) or ""
    short = [opt for opt in _option_names(path, long=False) if f"`{opt}" not in section]
    assert not short, (
        f"docs/cli.md, section '## {heading}': document the short option(s) "
        + ", ".join(f"`{opt}`" for opt in short)
        + " (beside the long name: `--quiet`, `-q`: ...)"
    )
    synopsis = re.search(rf"`{re.escape(heading)}\b[^`]*`", section)
    names = [_argument_name(p) for p in _command(path).params if p.param_type_name == "argument"]
    if names:
        assert synopsis is not None, f"docs/cli.md, section '## {heading}': no `{heading} ...` line"
        missing = [n for n in names if not re.search(rf"\b{re.escape(n)}\b", synopsis.group())]
        assert not missing, (
            f"docs/cli.md, section '## {heading}': the synopsis {synopsis.group()} does not "
            f"name the argument(s) {', '.join(missing)} (as --help shows them: set the "
            "typer.Argument's metavar, or write that name)"
        )


def test_a_missing_short_option_or_argument_is_said() -> None:
    assert _option_names(("cluster",), long=False) == ["-q", "-j", "-v"]
    assert [_argument_name(p) for p in _command(("dedup",)).params[:2]] == ["INPUT", "OUTPUT"]


@pytest.mark.parametrize("path", COMMANDS, ids=_label)
def test_command_has_help(path: tuple[str, ...]) -> None:
    result = CliRunner().invoke(app, [*path, "--help"])
    assert result.exit_code == 0, result.output
    command = _command(path)
    assert (command.help or command.short_help or "").strip(), (
        f"`{_label(path)}` has an empty --help: give its function a docstring "
        "(first line: what it does; then an example)"
    )


@pytest.mark.parametrize("name", sorted(samestory.__all__))
def test_public_name_is_in_api_doc(name: str) -> None:
    doc = API_DOC.read_text(encoding="utf-8")
    assert re.search(rf"^#+ `{re.escape(name)}`\s*$", doc, flags=re.MULTILINE), (
        f"samestory.{name} is in samestory.__all__ but not documented: add a heading "
        f"'### `{name}`' with its signature and what it does to docs/api.md"
    )


@pytest.mark.parametrize("field", [f.name for f in dataclasses.fields(Config)])
def test_config_field_is_in_api_doc(field: str) -> None:
    doc = API_DOC.read_text(encoding="utf-8")
    default = getattr(DEFAULT_CONFIG, field)
    shown = f'"{default}"' if isinstance(default, str) else str(default)
    assert re.search(rf"^\| `{field}` \| `?{re.escape(shown)}`? \|", doc, flags=re.MULTILINE), (
        f"Config.{field} (default {shown}) is not in the Config table of docs/api.md: add "
        f"a row '| `{field}` | {shown} | what it sets |'"
    )


def test_readme_stays_under_10_kb() -> None:
    readme = Path(__file__).resolve().parents[1] / "README.md"
    size = len(readme.read_bytes())
    assert size <= 10 * 1024, (
        f"README.md is {size} bytes (limit 10,240): move detail to a docs/<topic>.md and "
        "leave a line and a link in the README"
    )


# Links: every relative link and #anchor in README.md and docs/ resolves, by GitHub's rules.
ROOT_DIR = Path(__file__).resolve().parents[1]
MARKDOWN_FILES = sorted([ROOT_DIR / "README.md", *DOCS.rglob("*.md")])
FENCE = re.compile(r"^ {0,3}(```|~~~)")
HEADING = re.compile(r"^ {0,3}(#{1,6})[ \t]+(.*?)[ \t#]*$")
HTML_ANCHOR = re.compile(r"""<a\s+(?:id|name)=["']([^"']+)["']""")
# [text](target) and ![alt](target); the target may carry a "title" after a space.
INLINE_LINK = re.compile(
    r"!?\[(?:[^\[\]\n]|\n(?!\n)|\[[^\]\n]*\])*\]\(\s*<?([^)\s>]*)>?(?:\s+\"[^\"]*\")?\s*\)"
)
CODE_SPAN = re.compile(r"(`+)(?:(?!\1).)+?\1")
LINK_TEXT = re.compile(r"!?\[((?:[^\[\]]|\[[^\]]*\])*)\]\([^)]*\)")
EXTERNAL = re.compile(r"^[a-z][a-z0-9+.-]*:", flags=re.IGNORECASE)


def _prose_lines(text: str) -> Iterator[tuple[int, str]]:
    """(line number, line) of every line outside fenced code blocks."""
    fence: str | None = None
    for number, line in enumerate(text.splitlines(), start=1):
        match = FENCE.match(line)
        if match and (fence is None or match.group(1) == fence):
            fence = match.group(1) if fence is None else None
            continue
        if fence is None:
            yield number, line


def github_slug(heading: str) -> str:
    """The anchor GitHub gives a heading (github-slugger's rule): its rendered text
    lower-cased; letters, marks, decimal and letter numbers, `_`, `-` and spaces kept (every
    other symbol, punctuation and number such as "½" dropped); each space turned into `-`."""
    rendered = LINK_TEXT.sub(r"\1", heading).replace("`", "")
    rendered = re.sub(r"<[^>]+>", "", rendered).lower()
    kept = "".join(
        char
        for char in rendered
        if char in "- "
        or unicodedata.category(char)[0] in "LM"
        or unicodedata.category(char) in ("Nd", "Nl", "Pc")
    )
    return kept.replace(" ", "-")


def anchors(path: Path) -> set[str]:
    """Every anchor of a markdown file: its headings' (duplicates numbered -1, -2, ... as
    GitHub does) and the explicit `<a id=...>` ones."""
    found: set[str] = set()
    seen: dict[str, int] = {}
    for _, line in _prose_lines(path.read_text(encoding="utf-8")):
        found.update(HTML_ANCHOR.findall(CODE_SPAN.sub("", line)))
        match = HEADING.match(line)
        if match is None:
            continue
        slug = github_slug(match.group(2))
        count = seen.get(slug, 0)
        seen[slug] = count + 1
        found.add(slug if count == 0 else f"{slug}-{count}")
    return found


@functools.cache
def _page_anchors(path: Path) -> frozenset[str]:
    """:func:`anchors` of a page of the repo, read once a test process: a page's every
    link to history/accuracy.md (700 KB) parsed it again."""
    return frozenset(anchors(path))


def _links(path: Path) -> Iterator[tuple[int, str]]:
    """(line number, target) of every inline link and image outside code; a link's text
    may run over a line break."""
    lines = path.read_text(encoding="utf-8").splitlines()
    prose = dict(_prose_lines("\n".join(lines)))
    # Code blocks become empty lines and code spans spaces, so positions keep their lines.
    masked = "\n".join(
        CODE_SPAN.sub(lambda m: " " * len(m.group(0)), prose.get(number, ""))
        for number in range(1, len(lines) + 1)
    )
    # Line numbers counted on from the last link, not from the top each time (a
    # 700 KB page with thousands of links was quadratic: ~20 s).
    line, counted = 1, 0
    for match in INLINE_LINK.finditer(masked):
        line += masked.count("\n", counted, match.start())
        counted = match.start()
        yield line, match.group(1)


def _broken(path: Path, target: str) -> str | None:
    """Why a relative link from `path` does not resolve, or None when it does."""
    file_part, _, anchor = target.partition("#")
    resolved = (path.parent / file_part).resolve() if file_part else path
    if not resolved.exists():
        return f"no file {resolved}"
    if anchor and resolved.suffix == ".md" and anchor not in _page_anchors(resolved):
        return f"no heading with anchor #{anchor} in {resolved.relative_to(ROOT_DIR)}"
    return None


@pytest.mark.parametrize("path", MARKDOWN_FILES, ids=lambda p: str(p.relative_to(ROOT_DIR)))
def test_relative_links_resolve(path: Path) -> None:
    broken = [
        f"{path.relative_to(ROOT_DIR)}:{number}: ({target}) {why}"
        for number, target in _links(path)
        if target and not EXTERNAL.match(target)
        for why in [_broken(path, target)]
        if why is not None
    ]
    assert not broken, "broken links (fix the target or the heading):\n" + "\n".join(broken)


@pytest.mark.parametrize(
    ("heading", "slug"),
    [
        ("Known limits", "known-limits"),
        (
            "`compare` on its own: why it errs (2026-12-03)",
            "compare-on-its-own-why-it-errs-2026-12-03",
        ),
        ("ECB+ 0.924 traced; store = batch", "ecb-0924-traced-store--batch"),
        ("Speed × 2 — [the link](x.md) **bold**", "speed--2--the-link-bold"),
        ("Área ½ of `weak_scores_by_b`: 10²", "área--of-weak_scores_by_b-10"),
    ],
)
def test_github_slug(heading: str, slug: str) -> None:
    assert github_slug(heading) == slug


def test_duplicate_headings_are_numbered(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text('# A\n## Notes\n```\n## Notes\n```\n### Notes\n<a id="x"></a>\n')
    assert anchors(page) == {"a", "notes", "notes-1", "x"}


# Code cites the docs by path ("docs/history/accuracy.md, 2026-12-05, roundup"); the file it names
# must exist, and a cited #anchor must be a heading there.
CODE_DIRS = ("src", "tests", "scripts", "benchmarks")
DOC_CITATION = re.compile(r"\bdocs/([\w/.-]+\.md)(?:#([\w-]+))?")


def _code_citations() -> Iterator[tuple[str, str, str]]:
    for folder in CODE_DIRS:
        for path in sorted((ROOT_DIR / folder).rglob("*.py")):
            for name, anchor in DOC_CITATION.findall(path.read_text(encoding="utf-8")):
                yield str(path.relative_to(ROOT_DIR)), name, anchor


def test_docs_cited_in_code_exist() -> None:
    broken = [
        f"{where}: docs/{name}{'#' + anchor if anchor else ''}"
        for where, name, anchor in _code_citations()
        if not (DOCS / name).exists() or (anchor and anchor not in _page_anchors(DOCS / name))
    ]
    assert not broken, "code cites docs that are not there:\n" + "\n".join(broken)


# A file path the reference pages name ("pipeline/featurise.py", "src/samestory/store/core.py",
# "scripts/fit_thread_model.py"), read from the package, the repository root or src/. The
# dated notebooks under docs/history/ keep the paths of their day, so only docs/*.md is read;
# a line saying a file was renamed, moved or deleted may name its old path.
REFERENCE_PAGES = sorted(DOCS.glob("*.md"))
MODULE_PATH = re.compile(r"(?<![\w./-])((?:[a-z_]+/)+[\w-]+\.py)\b")
OLD_PATH_WORDS = re.compile(r"\b(?:renamed|moved|deleted)\b")
PACKAGE_DIR = ROOT_DIR / "src" / "samestory"


def _path_exists(written: str) -> bool:
    in_package = written.removeprefix("src/").removeprefix("samestory/")
    return any(
        (base / name).is_file()
        for base, name in (
            (ROOT_DIR, written),
            (PACKAGE_DIR, in_package),
            (ROOT_DIR / "src", written),
        )
    )


def _missing_paths(page: Path) -> Iterator[str]:
    for number, line in enumerate(page.read_text(encoding="utf-8").splitlines(), 1):
        if OLD_PATH_WORDS.search(line):
            continue
        for written in MODULE_PATH.findall(line):
            if not _path_exists(written):
                yield f"{page.relative_to(ROOT_DIR)}:{number}: {written}"


def test_module_path_pattern_reads_paths() -> None:
    line = "`pipeline/featurise.py`, src/samestory/store/core.py and scripts/fit_x.py, not x.py"
    assert MODULE_PATH.findall(line) == [
        "pipeline/featurise.py",
        "src/samestory/store/core.py",
        "scripts/fit_x.py",
    ]


@pytest.mark.parametrize("page", REFERENCE_PAGES, ids=lambda p: p.name)
def test_paths_named_in_docs_exist(page: Path) -> None:
    missing = list(_missing_paths(page))
    assert not missing, "docs name files that are not there (moved? fix the path):\n" + "\n".join(
        missing
    )


# docs/experiments.md tables every idea a dated section of the lab notebooks measured. A
# section dated on or after the first one curated into its tables (2026-12-06, 04:21) is
# linked from it, or it is not an idea and says so here, by a rule.
TABLED_NOTEBOOKS = (DOCS / "history" / "accuracy.md", DOCS / "history" / "benchmarks.md")
EXPERIMENTS_DOC = DOCS / "experiments.md"
TABLED_FROM = ("2026-12-06", "04:21")
# A section's own date is the heading's last "(YYYY-MM-DD, HH:MM" (a heading may quote others).
SECTION_DATE = re.compile(r"\((\d{4}-\d{2}-\d{2}), (\d{2}:\d{2})")
# Not ideas, by the start of their heading: (start, the rule that exempts them). Keep it
# short; an idea gets a row, not an entry here.
NOT_IDEAS = (
    ("End-of-stop rows", "the lead's end-of-stop rows: a stop's figures, not an idea"),
    (
        "`pipeline/group.py` `_group_with_roundups` split into four named steps",
        "a long-function split that changes no behaviour (digests unchanged)",
    ),
    (
        "Four more long functions split into named steps",
        "a long-function split that changes no behaviour (digests unchanged)",
    ),
    (
        "Seven long functions split into named steps",
        "a long-function split that changes no behaviour (digests unchanged)",
    ),
    (
        "`store/batch.py` renamed `store/transaction.py`",
        "moves and renames that change no behaviour (store digests unchanged)",
    ),
    (
        "Two more long functions split into named steps",
        "a long-function split that changes no behaviour (digests unchanged)",
    ),
    (
        "`relate.py` split into a package of one module a stage",
        "moves that change no behaviour (the real and 10k digests unchanged)",
    ),
    (
        "`relate/__init__.py`'s re-exports as a name-to-module table",
        "a refactor that changes no behaviour (the real digests unchanged)",
    ),
    (
        "`eval --verbose`, `add` in named steps",
        "a CLI option and a long-function split (the real digests unchanged)",
    ),
)
# A section merged while its runs go on is titled "... (WORKING TITLE) ..." until they end;
# it is tabled under its final title.
WORKING_TITLE = "(WORKING TITLE)"


def _section_headings(path: Path) -> list[str]:
    """The `## ` headings of a lab notebook in page order, its index left out."""
    return [
        match.group(2)
        for _, line in _prose_lines(path.read_text(encoding="utf-8"))
        for match in [HEADING.match(line)]
        if match is not None and len(match.group(1)) == 2 and match.group(2) != "Index"
    ]


def _section_date(heading: str) -> tuple[str, str] | None:
    dates = SECTION_DATE.findall(heading)
    return tuple(dates[-1]) if dates else None


def _recent_sections(path: Path) -> Iterator[tuple[str, tuple[str, str] | None]]:
    """(heading, date) of the sections from the top down to the last one dated on or after
    TABLED_FROM: newest on top, so an undated heading among them is a new one written
    without its date."""
    headings = _section_headings(path)
    dated = [(heading, _section_date(heading)) for heading in headings]
    recent = [i for i, (_, date) in enumerate(dated) if date is not None and date >= TABLED_FROM]
    yield from dated[: recent[-1] + 1] if recent else []


def _not_an_idea(heading: str) -> bool:
    return WORKING_TITLE in heading or heading.startswith(tuple(s for s, _ in NOT_IDEAS))


@pytest.mark.parametrize("path", TABLED_NOTEBOOKS, ids=lambda p: p.name)
def test_recent_sections_are_in_experiments_doc(path: Path) -> None:
    linked = {target for _, target in _links(EXPERIMENTS_DOC)}
    page = path.relative_to(DOCS).as_posix()
    undated = [h for h, date in _recent_sections(path) if date is None]
    assert not undated, (
        f"docs/{page}: sections on top whose heading ends without its date, "
        "'(YYYY-MM-DD, HH:MM-HH:MM UTC, NAME; issue N)':\n" + "\n".join(undated)
    )
    missing = [
        f"  {date[0][5:]} {date[1]}: {heading[:100]}...\n    link: {page}#{github_slug(heading)}"
        for heading, date in _recent_sections(path)
        if date is not None and date >= TABLED_FROM and not _not_an_idea(heading)
        if f"{page}#{github_slug(heading)}" not in linked
    ]
    assert not missing, (
        f"docs/{page}: dated sections since {' '.join(TABLED_FROM)} that docs/experiments.md "
        "does not link: give each idea a row in its area's table (newest first: the idea, "
        "shipped / failed / open / traced, the figure that decided it, a link '12-06 HH:MM' "
        "to the section), or, if it is no idea (a split that changes no behaviour), add its "
        "heading's start with the rule to NOT_IDEAS in tests/test_docs.py:\n" + "\n".join(missing)
    )


def test_not_ideas_name_sections_that_exist() -> None:
    headings = [h for path in TABLED_NOTEBOOKS for h in _section_headings(path)]
    stale = [start for start, _ in NOT_IDEAS if not any(h.startswith(start) for h in headings)]
    assert not stale, f"NOT_IDEAS entries that start no section heading: {stale}"


def test_section_date_is_the_headings_own() -> None:
    heading = "End-of-stop rows (2026-12-05, 23:12 UTC) again (2026-12-06, 09:54-10:01 UTC, lead)"
    assert _section_date(heading) == ("2026-12-06", "09:54")
    assert _section_date("Store work of 2026-11-25") is None
