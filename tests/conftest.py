"""Shared fixtures: the seeds and small dev-set subsets carried in tests/fixtures.

The full dev sets live outside the repo, in ``$SAMESTORY_SHARED/data`` (default
``../shared/data``); a test that needs one asks :func:`shared_data`, which skips with the
reason printed in the summary (``-rs`` is on in pyproject) when the file is absent.
"""

from __future__ import annotations

import json
import logging
import os
import runpy
import shutil
import sqlite3
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from hypothesis import settings

from samestory.api import cluster
from samestory.features import DocFeatures, featurize
from samestory.ingest import read_paths
from samestory.models import Article, Story
from samestory.store import Store

# The CLI's module-level rich consoles fix their width at import when COLUMNS is set, and
# the CLI tests give the width they check in CliRunner's env: a COLUMNS inherited from the
# caller (pytest-xdist's workers have COLUMNS=80) made `show` wrap a title at 80 columns in
# tests/cli/test_markup_escaping.py. Tests run as if no width were exported.
os.environ.pop("COLUMNS", None)
os.environ.pop("LINES", None)

# Properties are judged on what they find, not on speed: a 2-core CI box under load took
# 284 ms for a first call that takes 0.02 ms quiet, failing Hypothesis' 200 ms deadline.
settings.register_profile("samestory", deadline=None)
settings.load_profile("samestory")

FIXTURES = Path(__file__).resolve().parent / "fixtures"
SEEDS = FIXTURES / "seeds"
ECBPLUS_SUBSET = FIXTURES / "ecbplus_dev_subset.jsonl"
MEANTIME_SUBSET = FIXTURES / "meantime_dev_subset.jsonl"
SHARED = Path(
    os.environ.get("SAMESTORY_SHARED") or Path(__file__).resolve().parents[1].parent / "shared"
)


def shared_path(relative: str) -> Path:
    """A file or folder of ``$SAMESTORY_SHARED``, or a skip that says what is missing."""
    path = SHARED / relative
    if not path.exists():
        pytest.skip(f"needs {path} (set SAMESTORY_SHARED to the folder holding data/ and seeds/)")
    return path


def shared_data(name: str) -> Path:
    """A full dev set from ``$SAMESTORY_SHARED/data``."""
    return shared_path(f"data/{name}")


def script_module(name: str) -> dict[str, Any]:
    """The globals of ``scripts/NAME`` run as a module (the screen-input files a fit
    reads with ``--screen``), as the fit script itself loads them."""
    return runpy.run_path(str(Path(__file__).resolve().parents[1] / "scripts" / name))


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


@pytest.fixture(scope="session")
def seeds_dir() -> Path:
    return SEEDS


@pytest.fixture(scope="session")
def seed_articles(seeds_dir: Path) -> dict[str, Article]:
    """The five seeds keyed by their three-digit prefix ("000" ... "004")."""
    return {a.id[:3]: a for a in read_paths([seeds_dir]).articles}


@pytest.fixture(scope="session")
def ecb_records() -> list[dict]:
    """The first four ECB+ dev topics (113 articles, two events each), from tests/fixtures."""
    return read_jsonl(ECBPLUS_SUBSET)


@pytest.fixture(scope="session")
def meantime_records() -> list[dict]:
    """Six MEANTIME dev articles, each in English, Spanish, Italian and Dutch."""
    return read_jsonl(MEANTIME_SUBSET)


#: Loggers that the CLI configures in-process (`samestory follow` points
#: ``samestory.follow`` at the call's stderr and stops its propagation).
_LIBRARY_LOGGERS = ("samestory", "samestory.follow")


@pytest.fixture(autouse=True)
def _library_loggers_restored() -> Iterator[None]:
    """Each test leaves the library's loggers as it found them.

    A CLI test that runs `samestory follow` through CliRunner leaves ``samestory.follow``
    writing to CliRunner's closed stderr and not propagating, so a later test in the same
    process saw none of its records in ``caplog`` (tests/follow/test_follow.py passed only
    because it runs before tests/follow/test_follow_cli.py in one process).
    """
    saved = {}
    for name in _LIBRARY_LOGGERS:
        logger = logging.getLogger(name)
        saved[name] = (logger.handlers[:], logger.level, logger.propagate)
    yield
    for name, (handlers, level, propagate) in saved.items():
        logger = logging.getLogger(name)
        logger.handlers[:] = handlers
        logger.setLevel(level)
        logger.propagate = propagate


@pytest.fixture(scope="session", autouse=True)
def static_encoder_cache() -> Iterator[Path]:
    """Tests keep the static encoder's table in a test cache of their own, not in ~/.cache.

    The cache outlives the run (``$SAMESTORY_TEST_CACHE``, default a folder in the system's
    temporary directory): building the full table takes 10-40 s, and its file name carries
    the table format and a digest of the model files, so a kept table is always the right
    one. Tests of building and rebuilding use throwaway caches of their own.
    """
    cache = Path(
        os.environ.get("SAMESTORY_TEST_CACHE")
        or Path(tempfile.gettempdir()) / f"samestory-test-cache-{os.getuid()}"
    )
    cache.mkdir(parents=True, exist_ok=True)
    previous = os.environ.get("SAMESTORY_CACHE")
    os.environ["SAMESTORY_CACHE"] = str(cache)
    yield cache
    if previous is None:
        os.environ.pop("SAMESTORY_CACHE", None)
    else:
        os.environ["SAMESTORY_CACHE"] = previous


#: Scopes whose fixture one xdist worker computes once for all its tests that use it.
_SHARED_SCOPES = ("package", "module", "class")
#: Test files holding the slow run's longest tests (each several Spark runs, or the
#: store against the batch on a whole dev set): scheduled first among the slow tests, so
#: that the two workers do not end with one of them running a long test alone.
LONGEST_FIRST = ("test_spark_incremental.py", "test_store_equivalence.py", "test_spark.py")


def _shared_fixtures(item: pytest.Item) -> set[str]:
    """The module-, class- or package-scoped fixtures ``item`` uses, directly or through
    other fixtures."""
    info = getattr(item, "_fixtureinfo", None)
    if info is None:
        return set()
    return {
        name
        for name, defs in info.name2fixturedefs.items()
        if defs and defs[-1].scope in _SHARED_SCOPES
    }


def _fixture_groups(items: list[pytest.Item]) -> dict[pytest.Item, str]:
    """Item -> its group: the tests of one file joined by the shared fixtures they use
    (two tests are in one group when they share one, or each shares one with a third).

    A group is named after its file and all its shared fixtures (``file::a+b``), so a
    file's independent fixtures (the incremental module's day 1 and its three-day
    state) may run on different workers, while a fixture that uses another (day 2 starts
    from day 1) keeps both in one group. The name lists them all because ``--durations``
    prints it after each test id: a setup line names the group, not the fixture it
    built (the incremental module's ``days`` setup read as a second ``day_two``).
    """
    parent: dict[str, str] = {}

    def find(key: str) -> str:
        while parent.setdefault(key, key) != key:
            key = parent[key]
        return key

    shared = {item: _shared_fixtures(item) for item in items}
    for item, names in shared.items():
        keys = sorted(f"{item.path}::{name}" for name in names)
        for key in keys[1:]:
            parent[find(key)] = find(keys[0])
    members: dict[str, list[str]] = {}
    for item, names in shared.items():
        for name in names:
            members.setdefault(find(f"{item.path}::{name}"), []).append(name)
    groups = {}
    for item, names in shared.items():
        if names:
            root = find(f"{item.path}::{min(names)}")
            groups[item] = f"{item.path.name}::{'+'.join(sorted(set(members[root])))}"
    return groups


@pytest.hookimpl(tryfirst=True)  # before xdist's own hook reads the groups
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Group the tests of a file that share a module- or class-scoped fixture, and put
    the slow tests first (the longest files' first among them), then the fast ones.

    Under ``--dist loadgroup`` (``.ci/run``'s one run of every test) a group runs on
    one worker, so an expensive shared fixture (the incremental Spark module's day 1 and full job,
    the browser's server) is computed once, not once by each worker that gets one of its
    tests; the other tests are spread one by one as ``--dist load`` does. Without
    ``--dist loadgroup`` the marks do nothing. xdist hands out the groups with the most
    tests first (its ``--loadscope-reorder``, on by default: a stable sort, so the groups
    of one size and the single tests keep this order). Slow before fast: in file order a
    slow single test of a late file (``test_store_versions.py``'s dev set with reposts,
    ``test_store_thread_model.py``'s dev subset, Spark's threads and stages) was handed
    out among the last ~250 of ~2,000 tests, and could run on one worker after the other
    had run out of tests; now the fast tests fill the end of the run. What each test
    runs and asserts is unchanged; only which worker runs it, and when.
    """
    groups = _fixture_groups(items)
    for item, group in groups.items():
        item.add_marker(pytest.mark.xdist_group(group))
    # A group is slow when one of its tests is; a group's tests keep their order (one key).
    slow_groups = {groups[i] for i in items if i in groups and i.get_closest_marker("slow")}

    def later(item: pytest.Item) -> tuple[bool, bool]:
        slow = item.get_closest_marker("slow") is not None or groups.get(item) in slow_groups
        return (not slow, item.path.name not in LONGEST_FIRST)

    items.sort(key=later)


#: JVM options of the tests' Spark driver. A test run's jobs are small and short: C2's
#: optimising compiler and the parallel collector's threads cost more CPU than they save
#: on 2 cores. Measured 2026-12-03 (7 tests of tests/test_spark.py, CPU of the process tree
#: with the JVM and Spark's Python workers, load 9-14): 98 / 85 s -> 60 / 68 s.
TEST_JVM_OPTIONS = "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC"


#: Partitions of a test's Spark run (``spark.sql.shuffle.partitions``, which
#: ``samestory.spark.job.partition_count`` reads). Two, not four: still more than one, so
#: a stage's data still crosses partitions (pairs scored where one article is not, copy
#: groups and components spanning partitions), and a run of ~120 articles has ~1,000
#: tasks instead of ~1,600, each a Python round trip. The tests that name partitions (2,
#: 3, 4) keep them; the ``samestory spark`` subprocess test passes these two too (as
#: ``--conf``; before 2026-12-06 it ran the default, 4 on ``local[2]``). Measured
#: 2026-12-03 (the incremental module's full job, 123 articles, one session, alternated
#: x3, load 18-20): 32 / 32 / 28 s of CPU with 4, 25 / 26 / 19 s with 2 (median -22%).
TEST_PARTITIONS = 2


@pytest.fixture(scope="session")
def spark() -> Iterator[object]:
    """One ``local[2]`` SparkSession for every Spark test (a JVM start costs seconds).

    :data:`TEST_PARTITIONS` partitions, and ``spark.driver.maxResultSize=1m``: nothing
    large may reach the driver. The JVM compiles with C1 only and collects with the
    serial collector (:data:`TEST_JVM_OPTIONS`). Python workers are forked from
    :mod:`samestory.spark.daemon`, as production's sessions fork them. Skips without a Java
    runtime or PySpark.
    """
    pytest.importorskip("pyspark")
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        pytest.skip("no Java runtime")
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    from pyspark.sql import SparkSession

    from samestory.spark.daemon import DAEMON_CONF

    session = (
        SparkSession.builder.master("local[2]")
        .appName("samestory-test")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.shuffle.partitions", str(TEST_PARTITIONS))
        .config("spark.default.parallelism", str(TEST_PARTITIONS))
        .config("spark.driver.memory", "2g")
        .config("spark.driver.maxResultSize", "1m")  # nothing large reaches the driver
        .config("spark.driver.extraJavaOptions", TEST_JVM_OPTIONS)
        .config(*DAEMON_CONF)
        .getOrCreate()
    )
    yield session
    session.stop()


@pytest.fixture
def thread_model_file() -> dict:
    """The smallest thread model file ``scripts/fit_thread_model.py`` writes (one input,
    its stated fit options): what its ``--check`` compares."""
    return {
        "encoder": "use",
        "features": ["a"],
        "learner": {"logistic": True, "C": 3.0},
        "threshold": 0.6,
        "baseline": -5.0,
        "weights": {"a": 1.0},
    }


# Stories as a set of article-id sets: what store = batch tests compare.
Partition = frozenset[frozenset[str]]


def featurized_pair(a: str, b: str) -> list[DocFeatures]:
    """Two texts' features, ids "a" and "b" (the pair-input screens' tests read one pair)."""
    return featurize([Article(id="a", text=a), Article(id="b", text=b)])


def batch_partition(articles: list[Article], encoder) -> Partition:
    return stories_partition(cluster(articles, encoder=encoder))


def stories_partition(stories: list[Story]) -> Partition:
    """Stories as the set of their article-id sets."""
    return frozenset(frozenset(s.articles) for s in stories)


def store_partition(
    articles: list[Article], path: Path, batch: int, encoder, reopen_at: int | None = None
) -> Partition:
    """Stories after adding ``articles`` ``batch`` at a time (closing the store and
    opening it again before the add that starts at ``reopen_at``)."""
    store = Store(path, encoder=encoder)
    try:
        for start in range(0, len(articles), batch):
            if start == reopen_at:
                store.close()
                store = Store(path, encoder=encoder)
            store.add(articles[start : start + batch])
        story_of = {a.id: store.story_of(a.id) for a in articles}
    finally:
        store.close()
    groups: dict[str, set[str]] = {}
    for article_id, story in story_of.items():
        groups.setdefault(story, set()).add(article_id)
    return frozenset(frozenset(g) for g in groups.values())


def keyword_docs(n: int, date_of: Callable[[int, Any], Any] | None = None) -> list[SimpleNamespace]:
    """``n`` articles of 24 weighted terms (``id``, ``terms``, and ``date`` when
    ``date_of(i, rng)`` is given) for the keyword routes' local = Spark tests: term 1 in
    every article (too common to count), one of terms 2-4 in a third each (counts),
    weights rounded to tenths (many ties, ranked by id), ids in a shuffled order."""
    import numpy as np

    rng = np.random.default_rng(5)
    docs = []
    for i in range(n):
        words = rng.choice(400, size=24, replace=False).astype(np.int64) + 10
        words[0] = 1
        words[1] = 2 + i % 3
        weights = np.round(rng.random(24), 1)
        doc = SimpleNamespace(id=f"doc{(i * 7919) % n:04d}", terms=(words, weights))
        if date_of is not None:
            doc.date = date_of(i, rng)
        docs.append(doc)
    return docs


# What decides a store's stories and threads, table by table (the store tests compare stores
# built by different routes: upgraded, re-threaded, fresh).
DECIDING_TABLES = (
    ("relations", "a, b, kind, score, evidence_json, source"),
    ("weak_scores", "a, b, score"),
    ("thread_scores", "a, b, score, gap, inputs"),
    ("story_threads", "story, thread"),
    ("articles", "id, story_id"),
)


def tables_match(
    a: dict[str, list[tuple[Any, ...]]], b: dict[str, list[tuple[Any, ...]]], atol: float = 1e-6
) -> bool:
    """Whether two :func:`store_tables` hold the same rows, a float to ``atol``: two stores
    that scored one pair from vectors encoded in other batches agree to float rounding, not
    bit for bit (docs/design.md, "Floating point"; seen: 6.8e-8 on one score of 949)."""

    def same(x: Any, y: Any) -> bool:
        if isinstance(x, float) and isinstance(y, float):
            return abs(x - y) <= atol
        return bool(x == y)

    return a.keys() == b.keys() and all(
        len(a[t]) == len(b[t])
        and all(
            len(r) == len(s) and all(same(x, y) for x, y in zip(r, s, strict=True))
            for r, s in zip(a[t], b[t], strict=True)
        )
        for t in a
    )


def store_tables(
    db: Path, extra: tuple[tuple[str, str], ...] = ()
) -> dict[str, list[tuple[Any, ...]]]:
    """The sorted rows of :data:`DECIDING_TABLES` (and ``extra``) of the store at ``db``."""
    conn = sqlite3.connect(db)
    try:
        return {
            table: sorted(conn.execute(f"SELECT {columns} FROM {table}").fetchall())
            for table, columns in DECIDING_TABLES + extra
        }
    finally:
        conn.close()
