"""The chunk runner of ``samestory upgrade`` (``Store._run_chunks``), which every resumable
upgrade loop runs on (re-cleaning, re-proposing, pairing, judging roundups,
reconciling): a chunk's work is committed with the position it saves, a failed chunk
is rolled back with the index forgotten and one line saying what is kept, and a loop
with nothing left takes no candidate index.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from test_roundups import STATIC

from samestory.models import Article
from samestory.store import Store, StoreError, core, upgrading

KEY = "test_chunks"
CHUNKS = 5


@pytest.fixture
def db(tmp_path: Path, ecb_records) -> Path:
    path = tmp_path / "chunks.db"
    articles = [Article(id=r["id"], text=r["text"], lang=r["lang"]) for r in ecb_records[:6]]
    with Store(path, config=STATIC) as store:
        store.add(articles)
    return path


def position(db: Path) -> int:
    """The loop's saved position, as another connection sees it (what is committed)."""
    with sqlite3.connect(db) as conn:
        row = conn.execute("SELECT value FROM meta WHERE key=?", (KEY,)).fetchone()
    return 0 if row is None else int(row[0])


def counting(fail_at: int | None = None, error: Exception | None = None) -> upgrading.Chunks[int]:
    """A loop of CHUNKS chunks, each saving its position in ``meta``; chunk ``fail_at``
    raises ``error`` after writing it (so the rollback is what undoes the write)."""

    def next_chunk(conn: sqlite3.Connection) -> int | None:
        row = conn.execute("SELECT value FROM meta WHERE key=?", (KEY,)).fetchone()
        done = 0 if row is None else int(row[0])
        return None if done >= CHUNKS else done

    def work(steps: core._Work, memo: upgrading.IndexMemo, done: int) -> core.Paired:
        assert steps.index is memo.index  # the memo is the index's own
        steps.conn.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (KEY, str(done + 1)))
        if done + 1 == fail_at:
            assert error is not None
            raise error
        return core.Paired(articles=1)

    return upgrading.Chunks("counting", "counted", next_chunk, work, total=CHUNKS)


def test_each_chunk_is_committed_with_its_position(db: Path):
    seen: list[tuple[str, int, int]] = []
    with Store(db) as store:
        done = store._run_chunks(counting(), lambda *step: seen.append(step))
        assert done == core.Paired(articles=CHUNKS)
        assert store._run_chunks(counting()) == core.Paired()  # nothing left: no work
    assert seen == [("counting", n, CHUNKS) for n in range(1, CHUNKS + 1)]
    assert position(db) == CHUNKS


def test_a_failed_chunk_is_rolled_back_in_one_line_and_the_next_run_carries_on(db: Path):
    full = sqlite3.OperationalError("database or disk is full")
    with Store(db) as store:
        with pytest.raises(StoreError) as caught:
            store._run_chunks(counting(fail_at=3, error=full))
        message = str(caught.value)
        assert message.startswith("disk full while upgrading")
        assert message.endswith(
            "the chunks counted before are kept, and `samestory upgrade` carries on from there"
        )
        assert "\n" not in message
        assert position(db) == 2  # two chunks kept, the third rolled back
        assert store._index is None  # it may have held the rolled-back chunk
        assert store._run_chunks(counting()) == core.Paired(articles=CHUNKS - 2)
    assert position(db) == CHUNKS


def test_another_failure_is_raised_as_it_is_and_rolled_back(db: Path):
    with Store(db) as store:
        with pytest.raises(RuntimeError, match=r"^boom$"):
            store._run_chunks(counting(fail_at=1, error=RuntimeError("boom")))
        assert store._index is None
    assert position(db) == 0


def test_a_loop_with_nothing_left_takes_no_candidate_index(db: Path):
    with Store(db) as store:
        assert store.upgrade() == core.Paired()
        assert store._index is None  # building it costs ~40 s at 100,000 articles


def test_the_memo_lives_as_long_as_its_index(db: Path):
    with Store(db) as store:
        index = store._candidate_index()
        memo = upgrading.IndexMemo().of(index)
        positions = memo.positions()
        assert positions == {article: k for k, article in enumerate(index.ids)}
        memo.held, memo.lists["x"] = {"x": 0}, {"y"}
        assert memo.of(index).positions() is positions and memo.held == {"x": 0}
        store._index = None
        other = memo.of(store._candidate_index())
        assert other.held is None and other.lists == {} and other.positions() is not positions
