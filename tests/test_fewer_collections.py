"""pipeline.batch.fewer_collections: the young generation's threshold raised within the
block (nested and threaded blocks counted) and the process's own back after it."""

from __future__ import annotations

import gc
import threading

import pytest

from samestory.pipeline import batch


@pytest.fixture
def threshold():
    saved = gc.get_threshold()
    yield saved
    gc.set_threshold(*saved)


def test_raised_within_and_restored_after(threshold):
    gc.set_threshold(700, 11, 12)
    with batch.fewer_collections():
        assert gc.get_threshold() == (batch.YOUNG_COLLECTION_EVERY, 11, 12)
        with batch.fewer_collections():  # nested: still raised, not restored early
            assert gc.get_threshold()[0] == batch.YOUNG_COLLECTION_EVERY
        assert gc.get_threshold()[0] == batch.YOUNG_COLLECTION_EVERY
    assert gc.get_threshold() == (700, 11, 12)


def test_restored_after_an_error(threshold):
    gc.set_threshold(700, 10, 10)
    with pytest.raises(RuntimeError), batch.fewer_collections():
        raise RuntimeError("stage failed")
    assert gc.get_threshold() == (700, 10, 10)


def test_a_higher_threshold_or_collection_off_is_kept(threshold):
    gc.set_threshold(10 * batch.YOUNG_COLLECTION_EVERY, 10, 10)
    with batch.fewer_collections():
        assert gc.get_threshold()[0] == 10 * batch.YOUNG_COLLECTION_EVERY
    gc.set_threshold(0, 10, 10)
    with batch.fewer_collections():
        assert gc.get_threshold()[0] == 0
    assert gc.get_threshold() == (0, 10, 10)


def test_overlapping_blocks_of_two_threads_restore_once_both_end(threshold):
    gc.set_threshold(700, 10, 10)
    inside, leave = threading.Event(), threading.Event()

    def other() -> None:
        with batch.fewer_collections():
            inside.set()
            leave.wait(10)

    thread = threading.Thread(target=other)
    with batch.fewer_collections():
        thread.start()
        inside.wait(10)
    # This thread's block ended first: the other's is still open.
    assert gc.get_threshold()[0] == batch.YOUNG_COLLECTION_EVERY
    leave.set()
    thread.join(10)
    assert gc.get_threshold() == (700, 10, 10)


def test_analyze_runs_within_the_block(monkeypatch, threshold):
    """analyze's stages see the raised threshold (the workers fork from there)."""
    seen = []

    def featurize(articles, *args, **kwargs):
        seen.append(gc.get_threshold()[0])
        return []

    monkeypatch.setattr(batch, "featurize_all", featurize)
    gc.set_threshold(700, 10, 10)
    batch.analyze([])
    assert seen == [batch.YOUNG_COLLECTION_EVERY]
    assert gc.get_threshold() == (700, 10, 10)
