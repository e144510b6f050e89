"""Rule L (``switches.LONE_FLOOR_BAR``, off; docs/history/accuracy.md, 2026-12-07,
loneattach): a pair only the short-text vector floor proposed counts in a lone short
text's attach linkage only at the story bar. Off, or with no floor pair, nothing
changes."""

from __future__ import annotations

import sys
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from samestory import stories, switches
from samestory.candidates import CandidateIndex
from samestory.config import DEFAULT_CONFIG
from samestory.models import Article
from samestory.pipeline import batch
from samestory.pipeline import group as grouping
from samestory.pipeline.copies import CopyGroups
from samestory.pipeline.propose import propose_flagged_pairs, propose_pairs
from samestory.roundups import NameView

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

import floor_flags  # noqa: E402
import short_floor_cv  # noqa: E402

# Story {0, 1}, story {3, 4, 5}; lone text 2 links to {0, 1} by 0.3 (another route) and
# 0.12 (the floor's only: under the attach bar alone, ECB+ lead's case), a linkage of
# 0.21 over the attach bar 0.2; without the floor's pair 0.15, under it.
SCORED = [(0, 1, 0.6), (0, 2, 0.3), (1, 2, 0.12), (3, 4, 0.6), (3, 5, 0.6), (4, 5, 0.6)]
FLOOR = {(1, 2)}
SHORT = [False, False, True, False, False, False]
NO_NAMES = NameView(frozenset(), ())


def _rows(scored: list[tuple[int, int, float]]) -> dict[int, dict[int, float]]:
    return stories.linkage_rows(6, scored)[0]


GROUPS = [[0, 1], [2], [3, 4, 5]]


def test_a_lone_short_text_reads_its_linkage_without_the_floors_pairs() -> None:
    rows = _rows(SCORED)
    kept = _rows([p for p in SCORED if (p[0], p[1]) not in FLOOR])

    def attach(short: list[bool]) -> list[list[int]]:
        lone = stories.LoneRows(kept, short)
        return stories.attach_splinters(GROUPS, rows, 0.2, lone_attach=True, lone=lone)

    today = stories.attach_splinters(GROUPS, rows, 0.2, lone_attach=True)
    assert today == [[0, 1, 2], [3, 4, 5]]
    assert attach(SHORT) == [[0, 1], [2], [3, 4, 5]]
    assert attach([False] * 6) == today  # a long lone text: as before


def test_the_floors_pairs_at_the_bar_are_kept() -> None:
    lone = grouping.LoneInput(frozenset(FLOOR), 0.4, SHORT)
    assert lone.kept(SCORED) == [p for p in SCORED if p[:2] != (1, 2)]
    assert lone.kept([(2, 1, 0.12)]) == []  # either order
    assert grouping.LoneInput(frozenset(FLOOR), 0.1, SHORT).kept(SCORED) == SCORED


def _grouped(lone: grouping.LoneInput | None, versions: bool = False) -> list[list[int]]:
    """The groups of ``SCORED`` by production's grouping; ``versions``: through
    :class:`~samestory.pipeline.group.VersionedPairs` (texts 4 and 5 one version)."""
    copy_of: list[int | None] = [None] * 6
    if versions:
        joined: list[int | None] = [None] * 5 + [4]
        collapsed = grouping._collapse(6, SCORED, copy_of, joined)
        assert isinstance(collapsed, grouping.VersionedPairs)
        if lone is not None:
            kept = grouping._collapse(6, lone.kept(SCORED), copy_of, joined)
            collapsed.lone = stories.Lone(kept, lone.short)
        return sorted(sorted(g) for g in grouping._group(collapsed, DEFAULT_CONFIG))
    views = [NO_NAMES] * 6
    groups, _ = grouping.group_with_roundups(views, SCORED, copy_of, DEFAULT_CONFIG, lone=lone)
    return sorted(sorted(g) for g in groups)


@pytest.mark.parametrize("versions", [False, True])
def test_the_grouping_reads_rule_l(versions: bool) -> None:
    assert _grouped(None, versions) == [[0, 1, 2], [3, 4, 5]]
    on = grouping.LoneInput(frozenset(FLOOR), DEFAULT_CONFIG.same_story_threshold, SHORT)
    assert _grouped(on, versions) == [[0, 1], [2], [3, 4, 5]]
    # No floor pair, or the text not short: as before.
    assert _grouped(grouping.LoneInput(frozenset(), 0.4, SHORT), versions) == _grouped(None)
    assert _grouped(grouping.LoneInput(frozenset(FLOOR), 0.4, [False] * 6), versions) == [
        [0, 1, 2],
        [3, 4, 5],
    ]


def _doc(doc_id: str, vector: np.ndarray, n_words: int) -> SimpleNamespace:
    unit = (vector / np.linalg.norm(vector)).astype(np.float32)
    return SimpleNamespace(
        id=doc_id, vector=unit, fingerprint=doc_id, n_shingles=0, n_words=n_words
    )


def _floor_docs() -> list[SimpleNamespace]:
    e = np.eye(8)
    return [
        _doc("a", e[0], 10),  # short: its list reaches 0.3 (b), and 0.5 (c) without it
        _doc("b", 0.3 * e[0] + np.sqrt(1 - 0.09) * e[1], 200),
        _doc("c", 0.5 * e[0] + np.sqrt(1 - 0.25) * e[2], 200),
        _doc("d", 0.32 * e[0] + np.sqrt(1 - 0.32**2) * e[3], 10),  # short too: a-d both ways
        _doc("far", e[5], 200),
    ]


def test_the_one_pass_flags_are_the_pairs_a_search_without_the_floor_misses() -> None:
    docs = _floor_docs()
    groups = CopyGroups(list(range(len(docs))))
    pairs, floor_only = propose_flagged_pairs(docs, groups, DEFAULT_CONFIG)  # type: ignore[arg-type]
    assert pairs == propose_pairs(docs, groups, DEFAULT_CONFIG)  # type: ignore[arg-type]
    assert {(0, 1), (0, 2), (0, 3)} <= set(pairs)
    assert floor_only == floor_flags.two_pass(docs, groups, pairs, DEFAULT_CONFIG)  # type: ignore[arg-type]
    assert (0, 1) in floor_only and (0, 3) in floor_only and (0, 2) not in floor_only
    off = DEFAULT_CONFIG.replace(short_text_ann_min_cosine=None)
    off_pairs, none = propose_flagged_pairs(docs, groups, off)  # type: ignore[arg-type]
    assert none == set() and (0, 1) not in off_pairs


def test_a_pair_another_route_proposes_is_not_the_floors(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # b also on a's keyword list: the pair is no longer the floor's only, nor in the
    # two-pass set (a search without the floor proposes it by keyword).
    docs = _floor_docs()
    groups = CopyGroups(list(range(len(docs))))
    real = CandidateIndex._keyword_scan

    def with_b(
        self: CandidateIndex, words: dict[int, float], exclude: str
    ) -> tuple[list[str], tuple[float, str] | None]:
        found, cut = real(self, words, exclude)
        return ([*found, "b"] if exclude == "a" else found), cut

    monkeypatch.setattr(CandidateIndex, "_keyword_scan", with_b)
    pairs, floor_only = propose_flagged_pairs(docs, groups, DEFAULT_CONFIG)  # type: ignore[arg-type]
    assert (0, 1) in pairs and (0, 1) not in floor_only and (0, 3) in floor_only
    assert floor_only == floor_flags.two_pass(docs, groups, pairs, DEFAULT_CONFIG)  # type: ignore[arg-type]


def test_the_switch_is_off_and_the_batch_then_flags_no_pairs(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert switches.LONE_FLOOR_BAR is False

    def never(*args: object) -> object:
        raise AssertionError("propose_flagged_pairs called with rule L off")

    monkeypatch.setattr(batch, "propose_flagged_pairs", never)
    articles = [
        Article(id=str(k), text=f"Storm floods the {w} valley, officials said on Monday.")
        for k, w in enumerate(["north", "south"])
    ]
    assert len(batch.analyze(articles).stories) >= 1


def test_the_screens_lone_part() -> None:
    config = DEFAULT_CONFIG
    assert short_floor_cv.lone_bar("floor:0.25+words:25", config) == ("floor:0.25+words:25", None)
    assert short_floor_cv.lone_bar("floor:0.25+words:25+lone:story", config) == (
        "floor:0.25+words:25",
        config.same_story_threshold,
    )
    assert short_floor_cv.lone_bar("floor:0.25+lone:attach", config)[1] == config.attach_threshold
    assert short_floor_cv.lone_bar("floor:0.25+lone:0.3", config)[1] == 0.3
    with pytest.raises(SystemExit):
        short_floor_cv.main(["--options", "floor:0.25+lone:0.3,floor:0.25+lone:story"])


def _flags_by_inserts(docs: list[SimpleNamespace]) -> tuple[set[tuple[str, str]], set]:
    """The pairs and floor-only pairs :meth:`CandidateIndex.insert` reports, kept up to
    date one article at a time (as the store keeps them)."""
    index = CandidateIndex(DEFAULT_CONFIG, dim=len(docs[0].vector))
    pairs: set[tuple[str, str]] = set()
    floor: set[tuple[str, str]] = set()
    for doc in docs:
        found = index.insert(doc)  # type: ignore[arg-type]
        pairs.update(found.gained)
        pairs.difference_update(found.lost)
        for pair, only in found.floor_flags.items():
            (floor.add if only else floor.discard)(pair)
        floor.difference_update(found.lost)
    return pairs, floor


def test_inserts_flag_the_pairs_the_one_search_flags() -> None:
    rng = np.random.default_rng(7)
    centre = rng.normal(size=16)
    docs = [
        _doc(f"d{k}", centre + rng.normal(scale=1.2, size=16), 10 if k % 2 else 200)
        for k in range(40)
    ]
    groups = CopyGroups(list(range(len(docs))))
    pairs, floor_only = propose_flagged_pairs(docs, groups, DEFAULT_CONFIG)  # type: ignore[arg-type]
    assert floor_only  # the case is there
    by_inserts, floor = _flags_by_inserts(docs)
    assert by_inserts == {(docs[i].id, docs[j].id) for i, j in pairs}
    assert floor == {(docs[i].id, docs[j].id) for i, j in floor_only}
