"""PySpark's Python worker daemon, with what samestory's tasks import loaded before it forks.

Spark forks every Python worker of an executor from one daemon process
(``spark.python.daemon.module``, by default ``pyspark.daemon``, which imports nothing of
the tasks'). So each forked worker used to import, on its first task, PySpark's worker
side (compiled from source: ``pyspark.zip`` holds no bytecode), NumPy and samestory's
pipeline, and a worker is forked again whenever the one before it idled out or stopped
mid-task. This daemon imports them once (:data:`PRELOAD`) and then runs PySpark's own
manager loop (:func:`pyspark.daemon.manager`): every worker it forks starts with them
(copy-on-write pages). Nothing a task computes is made here: no encoder, table or cache
is loaded, only modules; a task runs as it did.

A reused worker runs a full ``gc.collect()`` after every task (``pyspark.daemon``'s
loop), which walks every object the process holds: with the modules above ~45,000, ~24
ms of CPU a task, most of a small task's Python CPU. The daemon moves what it imported to
the collector's permanent generation (``gc.freeze()``, as Python's documentation advises
before a ``fork()``), so a worker's collections walk only what its own tasks made. The
modules live as long as the process anyway: nothing is kept that would have been freed.

:func:`samestory.spark.job.build_session` sets it (:data:`DAEMON_CONF`), and so do the
tests' session and ``benchmarks/spark_tasks.py``. Run by Spark as ``python -m
samestory.spark.daemon``; measured in docs/history/benchmarks.md and testing.md
(2026-12-07, 21:22, sparkci).
"""

from __future__ import annotations

import gc
import importlib
import sys
import zipimport

#: The Spark setting that makes Spark fork its Python workers from this module.
DAEMON_CONF = ("spark.python.daemon.module", "samestory.spark.daemon")

#: Modules a task of the job or an incremental run imports (PySpark's daemon and worker
#: and SQL row types, the job's stages, the incremental joins, the thread and dedup
#: steps a task runs). Each pulls in what it imports (NumPy, the pipeline, the relate
#: package). ``pyspark.daemon`` too, before :func:`forget_zip_importers`: imported after
#: it, its package's importer would be cached again.
PRELOAD = (
    "pyspark.daemon",
    "pyspark.worker",
    "pyspark.sql.types",
    "samestory.spark.job",
    "samestory.spark.incremental",
    "samestory.threads",
    "samestory.dedup",
)


def preload(modules: tuple[str, ...] = PRELOAD) -> None:
    """Import ``modules``, let go of the zip archives' importers
    (:func:`forget_zip_importers`), collect once and freeze what is left (``gc.freeze``:
    the forked workers' collections skip it)."""
    for name in modules:
        importlib.import_module(name)
    forget_zip_importers()
    gc.collect()
    gc.freeze()


def forget_zip_importers() -> None:
    """Drop the zip archives' importers from ``sys.path_importer_cache``.

    A worker's first task puts Spark's files folder on ``sys.path`` and calls
    ``importlib.invalidate_caches()``, which has every cached ``zipimporter`` read its
    archive's directory again: one importer per package imported from ``pyspark.zip``
    (1,485 entries), ~1 s of CPU a worker once PySpark's worker side is imported. The
    directories stay in ``zipimport``'s own cache, so a later import from an archive
    builds its importer from there without reading the file."""
    for path, finder in list(sys.path_importer_cache.items()):
        if isinstance(finder, zipimport.zipimporter):
            del sys.path_importer_cache[path]


def main() -> None:
    """Preload, then serve Spark as ``pyspark.daemon`` does."""
    preload()
    from pyspark.daemon import manager

    manager()


if __name__ == "__main__":
    main()
