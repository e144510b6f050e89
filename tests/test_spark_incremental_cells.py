"""The incremental run's cell search (``incremental.search_cell``) without Spark: every
list asked is made over the cell's current vectors."""

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


def _search(roles: dict[str, str], without: set[str]) -> list[tuple[str, object]]:
    """One cell's task over the cell's vectors but ``without`` (roles: ``r`` a past list
    made again, ``q`` a new one, the rest past vectors only stored here)."""
    named = {k: v for k, v in _cell().items() if k not in without}
    members = [(key, vector, roles.get(k, "p"), 0.0) for k, (key, vector) in named.items()]
    return list(search_cell((0, members), CONFIG))


def _pairs(row: str, without: set[str]) -> set[tuple[int, int]]:
    me = _cell()[row][0]
    return {(min(me, j), max(me, j)) for j in _list_of(row, without)[0] - {me}}


def test_every_past_list_is_made_again_over_the_current_vectors() -> None:
    """With no new vector at all, each past list asked is made again (its reach too);
    a representative demoted today is in no cell, so the list made without it can drop
    a pair an earlier day scored (the caller forgets it) and reach one further."""
    before, _ = _list_of("x", set())
    after, reach_after = _list_of("x", {"gone"})
    assert before != after  # the demoted vector held a place in x's list
    out = _search({"x": "r", "z": "r"}, {"gone"})
    x, z = _cell()["x"][0], _cell()["z"][0]
    reaches = dict(v for k, v in out if k == "reach")  # type: ignore[misc]
    assert reaches == {x: reach_after, z: _list_of("z", {"gone"})[1]}
    assert {v for k, v in out if k == "pair"} == _pairs("x", {"gone"}) | _pairs("z", {"gone"})


def test_a_new_vector_queries_and_enters_past_lists() -> None:
    """A new article's list, and the past lists made with it among the candidates:
    exactly the lists over all the cell's vectors (no pair only an older list held)."""
    out = _search({"x": "r", "y1": "q"}, set())
    assert {v for k, v in out if k == "pair"} == _pairs("x", set()) | _pairs("y1", set())
    # Only stored here: no list asked, nothing found.
    assert _search({}, set()) == []
