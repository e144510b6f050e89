"""What a user reads: each command's help, and the one line a failure prints."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from samestory.cli import app

runner = CliRunner()
CLI_DOC = Path(__file__).resolve().parents[2] / "docs" / "cli.md"
WIDE = {"COLUMNS": "200"}


def test_help_paragraphs_are_not_broken_where_the_docstring_was_wrapped() -> None:
    """Typer's rich help keeps a paragraph's line breaks: every paragraph but the
    examples (a command a line) is one line, for the terminal to wrap evenly."""
    commands = typer.main.get_command(app).commands  # type: ignore[attr-defined]
    for name, command in commands.items():
        paragraphs = (command.help or "").split("\n\n")
        ragged = [p for p in paragraphs if "\n" in p and not p.startswith("Example")]
        assert not ragged, f"{name}: {ragged}"


def test_help_shows_no_type_for_a_flag_and_an_example_for_every_command() -> None:
    """Typer 0.29's help printed ``--json <bool>`` (and ``--help <bool>``), as if the flag
    took a value; options that take one keep their type. Every command's help ends with
    an example."""
    commands = typer.main.get_command(app).commands  # type: ignore[attr-defined]
    for name in commands:
        result = runner.invoke(app, [name, "--help"], env=WIDE)
        assert result.exit_code == 0, result.output
        assert "<bool>" not in result.output, name
        assert "--help" in result.output and "Example" in result.output, name
    add = runner.invoke(app, ["add", "--help"], env=WIDE).output
    assert "--json" in add and "<path>" in add and "<use|static>" in add
    assert "<bool>" not in runner.invoke(app, ["--help"], env=WIDE).output


def test_cluster_help_reads_its_sentence_on_one_line() -> None:
    result = runner.invoke(app, ["cluster", "--help"], env=WIDE)
    assert result.exit_code == 0
    assert "Nothing is stored: use `samestory add`" in result.output


def test_serve_on_a_file_that_is_not_a_store_prints_one_plain_error_line(
    tmp_path: Path,
) -> None:
    """It printed the markup itself: ``[red]error:[/] ... is not a samestory database``."""
    pytest.importorskip("fastapi")
    not_a_store = tmp_path / "notes.db"
    not_a_store.write_text("hello\n", encoding="utf-8")
    result = runner.invoke(app, ["serve", "--db", str(not_a_store), "--port", "0"], env=WIDE)
    assert result.exit_code == 1
    assert result.output.startswith("error: ")
    assert "[red]" not in result.output and "[/]" not in result.output
    assert str(not_a_store) in result.output
    assert len(result.output.strip().splitlines()) == 1


@pytest.mark.parametrize("command", ["eval", "dedup"])
def test_a_missing_input_is_named_with_the_reason_alone(tmp_path: Path, command: str) -> None:
    """Not Python's ``[Errno 2] No such file or directory: '...'`` (eval), nor
    "expected a .parquet or .jsonl file" for a file that is not there (dedup)."""
    missing = tmp_path / "crawl.jsonl"
    output = [str(tmp_path / "out.jsonl")] if command == "dedup" else []
    result = runner.invoke(app, [command, str(missing), *output], env=WIDE)
    assert result.exit_code == 1
    assert result.output.strip() == f"error: {missing}: no such file or directory"


def test_eval_of_a_file_that_is_not_utf8_says_so(tmp_path: Path) -> None:
    binary = tmp_path / "labels.jsonl"
    binary.write_bytes(b"\xff\xfe\x00\x01")
    result = runner.invoke(app, ["eval", str(binary)], env=WIDE)
    assert result.exit_code == 1
    assert result.output.strip() == f"error: {binary}: not UTF-8 text"


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        (["--keep", "first"], "error: --keep and --by choose the records of --dedup: add --dedup"),
        (["--by", "story"], "error: --keep and --by choose the records of --dedup: add --dedup"),
        (
            ["--conf", "spark.driver.memory"],
            "error: --conf spark.driver.memory: expected KEY=VALUE",
        ),
        (["--conf", "=1g"], "error: --conf =1g: expected KEY=VALUE"),
    ],
)
def test_spark_refuses_options_the_run_would_ignore_before_spark_starts(
    tmp_path: Path, options: list[str], expected: str
) -> None:
    """They were passed on: Spark ran the whole job without the records (--keep without
    --dedup), or only warned "Ignoring non-Spark config property" (--conf without =)."""
    crawl = tmp_path / "crawl.jsonl"
    crawl.write_text('{"id": "a", "text": "One sentence here."}\n', encoding="utf-8")
    result = runner.invoke(app, ["spark", str(crawl), str(tmp_path / "out"), *options], env=WIDE)
    assert result.exit_code == 2
    assert result.output.strip() == expected
    assert not (tmp_path / "out").exists()


def test_every_key_eval_json_prints_is_documented(tmp_path: Path, seed_articles) -> None:
    """docs/cli.md said only "print one JSON object" for `eval --json`."""
    section = CLI_DOC.read_text(encoding="utf-8").split("## samestory eval", 1)[1]
    section = section.split("\n## ", 1)[0]
    labelled = tmp_path / "labelled.jsonl"
    labelled.write_text(
        "\n".join(
            json.dumps({"id": key, "text": a.text, "story": key[:2]})
            for key, a in sorted(seed_articles.items())
        ),
        encoding="utf-8",
    )
    pairs = tmp_path / "pairs.jsonl"
    pairs.write_text(
        json.dumps({"text1": "A storm hit the coast.", "text2": "Storm hits coast.", "overall": 1})
        + "\n"
        + json.dumps({"text1": "Markets fell.", "text2": "A cat sat.", "overall": 4}),
        encoding="utf-8",
    )
    for file in (labelled, pairs):
        result = runner.invoke(app, ["eval", str(file), "--json", "-q"], env=WIDE)
        assert result.exit_code == 0, result.output
        printed = json.loads(result.stdout)
        undocumented = [key for key in printed if f'"{key}"' not in section]
        assert not undocumented, f"{file.name}: {undocumented}"


def test_serve_on_a_taken_port_says_so_in_one_line_before_opening_the_store(
    tmp_path: Path,
) -> None:
    """uvicorn said it after "serving ...", as "ERROR: [Errno 98] error while attempting
    to bind on address ...", with exit 3."""
    db = tmp_path / "news.db"
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = runner.invoke(app, ["serve", "--db", str(db), "--port", str(port)], env=WIDE)
    assert result.exit_code == 1
    assert (
        result.output.strip() == f"error: cannot listen on 127.0.0.1:{port}: address already in use"
    )
    assert not db.exists()


def test_serve_writes_an_ipv6_host_as_a_url_does_and_gives_uvicorn_the_bare_address(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """--host [::1] (the URL form) failed in uvicorn: "Name or service not known"."""
    import uvicorn

    from samestory.cli import serve_cmd

    assert serve_cmd.url_host("::1") == serve_cmd.url_host("[::1]") == "[::1]"
    assert serve_cmd.url_host("127.0.0.1") == "127.0.0.1"
    given: dict[str, object] = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, **options: given.update(options))
    serve_cmd._listen(object(), "[::1]", 8000)  # type: ignore[arg-type]
    assert given["host"] == "::1" and given["port"] == 8000


def test_serve_verbose_without_follow_exits_2_and_with_it_logs_at_debug(tmp_path: Path) -> None:
    """--verbose shows the follower's DEBUG lines: without --follow there is none to show."""
    import logging

    from samestory.cli import serve_cmd

    db = tmp_path / "news.db"
    result = runner.invoke(app, ["serve", "--db", str(db), "--port", "0", "--verbose"], env=WIDE)
    assert result.exit_code == 2
    assert (
        result.output.strip() == "error: --verbose logs the followed sources' polls: add --follow"
    )
    assert not db.exists()
    logger = logging.getLogger("samestory.follow")
    saved = logger.handlers[:], logger.level, logger.propagate
    try:
        for verbose, level in ((True, logging.DEBUG), (False, logging.INFO)):
            serve_cmd._follow_options([str(tmp_path)], "5m", verbose)
            assert logger.level == level
    finally:
        logger.handlers[:], logger.level, logger.propagate = saved
