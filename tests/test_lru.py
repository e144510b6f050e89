"""The LRU cache against a plain list model of recency."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from samestory.lru import LRUCache

operations = st.lists(st.tuples(st.sampled_from(["get", "put"]), st.integers(0, 6)), max_size=60)


@given(maxsize=st.integers(1, 4), ops=operations)
def test_keeps_exactly_the_most_recently_used(maxsize: int, ops) -> None:
    cache: LRUCache[int, str] = LRUCache(maxsize)
    recent: list[int] = []  # least recent first
    for op, key in ops:
        if op == "put":
            cache.put(key, f"v{key}")
        elif cache.get(key) is None:
            assert key not in recent
            continue
        else:
            assert key in recent
        if key in recent:
            recent.remove(key)
        recent.append(key)
        del recent[:-maxsize]
        assert len(cache) == len(recent)
        assert all(k in cache for k in recent)


def test_maxsize_must_be_positive() -> None:
    with pytest.raises(ValueError, match="maxsize"):
        LRUCache(0)
