"""The incremental run's cell search (``incremental.search_cell``) without Spark: which
past neighbour lists a day asks again."""

from __future__ import annotations

import numpy as np

from samestory.config import DEFAULT_CONFIG
from samestory.spark.incremental import neighbour_list, search_cell

CONFIG = DEFAULT_CONFIG.replace(ann_neighbours=2)  # lists of 3 rows (the query's own too)
DIM = 16


def _at(cosine: float, axis: int) -> np.ndarray:
    """A unit vector at ``cosine`` from the first axis, the rest along ``axis``: two such
    vectors are ``c1 * c2`` apart, far from near-twins (0.95)."""
    v = np.zeros(DIM, dtype=np.float32)
    v[0], v[axis] = cosine, np.sqrt(1 - cosine**2)
    return v


def _cell() -> dict[str, tuple[int, np.ndarray]]:
    """``x`` on the first axis; ``gone`` (0.65 from it) and ``y1``..``y4`` (0.6 .. 0.45),
    none saturating the list (use: 0.70); ``z`` on an axis of its own."""
    named = {"x": (10, _at(1.0, 1)), "gone": (11, _at(0.65, 2)), "z": (30, _at(0.0, 15))}
    for k, cosine in enumerate((0.6, 0.55, 0.5, 0.45), 1):
        named[f"y{k}"] = (11 + k, _at(cosine, 2 + k))
    return named


def _list_of(row: str, without: set[str]) -> tuple[set[int], float]:
    """``row``'s list (keys) and reach among the cell's vectors but ``without``."""
    named = {k: v for k, v in _cell().items() if k not in without}
    order = sorted(named.values(), key=lambda kv: kv[0])
    keys = np.array([k for k, _ in order], dtype=np.int64)
    matrix = np.vstack([v for _, v in order]).astype(np.float32)
    chosen, reach = neighbour_list(list(keys).index(named[row][0]), keys, matrix, CONFIG)
    return {int(keys[r]) for r in chosen}, reach


def _search(roles: dict[str, str]) -> list[tuple[str, object]]:
    named = _cell()
    reach_x, reach_z = _list_of("x", set())[1], _list_of("z", set())[1]
    reach = {"x": reach_x, "z": reach_z}
    members = [(named[k][0], named[k][1], roles.get(k, "p"), reach.get(k, 0.0)) for k in named]
    return list(search_cell((0, members), CONFIG))


def test_a_past_list_that_looked_at_a_demoted_vector_is_asked_again_without_it() -> None:
    before, _ = _list_of("x", set())
    after, reach_after = _list_of("x", {"gone"})
    assert before != after  # the demoted vector held a place in x's list
    out = _search({"x": "r", "z": "r", "gone": "d"})
    x = _cell()["x"][0]
    assert ("reach", (x, reach_after)) in out
    # Every pair of the list made without it (the caller drops those stored before).
    assert {v for k, v in out if k == "past_pair"} == {(x, j) for j in after - {x}}
    # z's list never reached the demoted vector: not asked again.
    assert [v for k, v in out if k == "reach"] == [(x, reach_after)]
    assert not [v for k, v in out if k == "pair"]


def test_without_new_or_demoted_vectors_no_list_is_asked_again() -> None:
    assert _search({"x": "r", "z": "r"}) == []
    # A demoted vector beyond every list's reach changes nothing.
    assert _search({"z": "r", "gone": "d"}) == []
