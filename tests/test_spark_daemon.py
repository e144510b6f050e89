"""Spark's Python workers are forked from samestory's preloading daemon."""

from __future__ import annotations

import gc
import importlib
import os
import sys
import zipfile
import zipimport
from pathlib import Path

import pytest

from samestory.spark import daemon


def test_forgotten_zip_importers_still_import_from_their_archive(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """After :func:`daemon.forget_zip_importers` no ``zipimporter`` is cached (a worker's
    ``importlib.invalidate_caches()`` has none to re-read), and a module not yet imported
    still comes from the archive."""
    archive = tmp_path / "pkgs.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("zipped_pkg/__init__.py", "")
        z.writestr("zipped_pkg/first.py", "VALUE = 1\n")
        z.writestr("zipped_pkg/second.py", "VALUE = 2\n")
    monkeypatch.syspath_prepend(str(archive))
    for name in ("zipped_pkg", "zipped_pkg.first", "zipped_pkg.second"):
        monkeypatch.delitem(sys.modules, name, raising=False)
    assert importlib.import_module("zipped_pkg.first").VALUE == 1
    zipped = [f for f in sys.path_importer_cache.values() if isinstance(f, zipimport.zipimporter)]
    assert zipped
    monkeypatch.setattr(sys, "path_importer_cache", dict(sys.path_importer_cache))
    daemon.forget_zip_importers()
    assert not any(isinstance(f, zipimport.zipimporter) for f in sys.path_importer_cache.values())
    importlib.invalidate_caches()
    assert importlib.import_module("zipped_pkg.second").VALUE == 2


def test_the_preloaded_modules_are_importable() -> None:
    """A daemon that cannot import its list would fail every Python task."""
    for name in daemon.PRELOAD:
        importlib.import_module(name)
    assert ("spark.python.daemon.module", daemon.__name__) == daemon.DAEMON_CONF


@pytest.mark.slow
def test_the_tests_workers_are_forked_from_the_preloading_daemon(spark: object) -> None:
    """A task's Python worker is a child of ``python -m samestory.spark.daemon`` and has
    the job's stages imported without the task importing them, frozen out of the
    collector's walks."""

    def _worker_view(_: object) -> tuple[str, bool, int]:  # by value: no test module there
        parent = Path(f"/proc/{os.getppid()}/cmdline").read_bytes().replace(b"\0", b" ")
        return parent.decode(), "samestory.spark.stages" in sys.modules, gc.get_freeze_count()

    seen = spark.sparkContext.parallelize(range(2), 2).map(_worker_view).collect()  # type: ignore[attr-defined]
    assert seen and all("-m samestory.spark.daemon" in parent for parent, _, _ in seen)
    assert all(preloaded for _, preloaded, _ in seen)
    assert all(frozen > 10_000 for _, _, frozen in seen)  # the imports' objects: gc.freeze
