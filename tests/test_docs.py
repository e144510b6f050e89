"""Every CLI command and option is in docs/cli.md, every public name in docs/api.md.

Like sqlite-utils' documentation tests: a new command, option or API function fails here
until it is documented, and the message says which file to edit and what to add.
"""

from __future__ import annotations

import dataclasses
import re
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
    missing = [
        opt
        for param in _command(path).params
        if param.param_type_name == "option" and not getattr(param, "hidden", False)
        for opt in param.opts
        if opt.startswith("--") and opt != "--help"
    ]
    missing = [opt for opt in missing if f"`{opt}" not in section]
    assert not missing, (
        f"docs/cli.md, section '## {heading}': document option(s) "
        + ", ".join(f"`{opt}`" for opt in missing)
        + " (write each as `--name` in that section)"
    )


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
