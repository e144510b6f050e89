"""``benchmarks/spark_incremental_trace.py``'s set logic (no Spark): which full stories
differ, the components a trace regroups, and a smallest deciding set of pair changes."""

from __future__ import annotations

import sys
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

import spark_incremental_trace as trace  # noqa: E402


def test_a_full_story_differs_when_split_or_joined_with_another() -> None:
    full = {"a": {1, 2, 3}, "b": {4}, "c": {5, 6}}
    got = {"x": {1, 2}, "y": {3, 4}, "z": {5, 6}}
    assert sorted(trace._differing(full, got)) == ["a", "b"]  # c is kept whole, alone
    assert trace._differing(full, {"p": {1, 2, 3}, "q": {4}, "r": {5, 6}}) == []


def test_the_regrouped_set_holds_whole_components_of_either_run() -> None:
    config = SimpleNamespace(same_story_threshold=0.4, attach_threshold=0.2)
    run_a = {(1, 2): (0.5, False), (3, 4): (0.1, False)}  # 3-4 under the bar: apart
    run_b = {(2, 3): (0.3, False), (5, 6): (0.9, False)}
    assert trace._inside({1}, [run_a, run_b], config) == {1, 2, 3}
    assert trace._inside({5}, [run_a, run_b], config) == {5, 6}


def test_the_deciding_set_is_a_smallest_one_that_still_gives_the_target() -> None:
    def apply(changes: object) -> list[frozenset[int]]:
        chosen = set(changes)  # type: ignore[call-overload]
        # The target comes back only with both (1, 2) and (5, 6) applied.
        return [frozenset({1})] if {(1, 2), (5, 6)} <= chosen else [frozenset({2})]

    changes = [(1, 2), (3, 4), (5, 6), (7, 8)]
    assert trace._minimal(changes, apply, [frozenset({1})]) == [(1, 2), (5, 6)]
    # When even every change together misses the target, all are returned, as found.
    assert trace._minimal(changes, apply, [frozenset({9})]) == changes
