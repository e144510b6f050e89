"""Rule L on Spark (``switches.LONE_FLOOR_BAR``; docs/history/accuracy.md, 2026-12-07,
loneattach and rulel): the full job's vector stage says which proposals only the
short-text floor made, a pair is the floor's only when every proposal of it is (as the
batch's ``propose.propose_flagged_pairs``), its grouping edge carries the flag and the
grouping reads a lone short item's linkage without the floor's pairs under the story
bar (:class:`samestory.pipeline.group.LoneInput`). Off, nothing changes: every other
Spark test holds the job to the batch with the switch off. The incremental job
(``samestory spark --state``) flags its new pairs the same way and keeps each day's
floor-only pairs in the part's ``floor_pairs`` table, read back when it re-clusters."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from conftest import read_jsonl, shared_data, stories_partition
from test_spark_published_year_cut import _grouped

from samestory import switches
from samestory.config import DEFAULT_CONFIG
from samestory.models import Evidence, Relation
from samestory.pipeline.group import LoneInput, StayInput, group_with_roundups
from samestory.roundups import NameView
from samestory.spark import stages
from samestory.spark.vectors import cell_neighbours

# tests/test_lone_floor_bar.py's case: story {0, 1}, story {3, 4, 5}; lone short text 2
# links to {0, 1} by 0.3 and by 0.12 (the floor's only pair), 0.21 over the attach bar;
# without the floor's pair 0.15, under it.
SCORED = [(0, 1, 0.6), (0, 2, 0.3), (1, 2, 0.12), (3, 4, 0.6), (3, 5, 0.6), (4, 5, 0.6)]
FLOOR = {(1, 2)}
SHORT = [False, False, True, False, False, False]
NO_NAMES = NameView(frozenset(), ())


def _edges(stay: bool) -> list[tuple]:
    """The grouping's edges with rule L's flag (``stages.grouping_edge``'s form): no
    copies, the uncut score the score."""
    return [(i, j, s, False, s, (i, j) in FLOOR) for i, j, s in SCORED]


def _batch(stay: bool, lone: bool) -> list[list[int]]:
    rule_as = StayInput(SCORED, SHORT) if stay else None
    rule_l = LoneInput(FLOOR, DEFAULT_CONFIG.same_story_threshold, SHORT) if lone else None
    groups, _ = group_with_roundups(
        [NO_NAMES] * 6, SCORED, [None] * 6, DEFAULT_CONFIG, stay=rule_as, lone=rule_l
    )
    return sorted(sorted(g) for g in groups)


@pytest.mark.parametrize("stay", [False, True])
def test_a_component_groups_as_the_batch_with_rule_l(stay: bool) -> None:
    views = {k: (NO_NAMES, SHORT[k]) for k in range(6)}
    got, _ = stages.cluster_component(
        _edges(stay), DEFAULT_CONFIG.same_story_threshold, DEFAULT_CONFIG.attach_threshold,
        views, stay, True,
    )  # fmt: skip
    assert _grouped(got) == _batch(stay, True) == [[0, 1], [2], [3, 4, 5]]
    assert _batch(stay, False) == [[0, 1, 2], [3, 4, 5]]  # the rule moves this case


def _relation(score: float) -> Relation:
    evidence = Evidence(scores={"event_probability": 0.2, "rewrite_evidence": 0.1})
    return Relation(a="a", b="b", kind=None, score=score, evidence=evidence)


def test_a_grouping_edge_carries_the_floor_flag_only_with_the_rule() -> None:
    r = _relation(0.12)
    assert stages.grouping_edge(1, 2, r, False) == (1, 2, 0.12, False)
    assert stages.grouping_edge(1, 2, r, False, True) == (1, 2, 0.12, False, 0.12, True)
    assert stages.grouping_edge(1, 2, r, False, False)[-1] is False
    assert len(stages.grouping_edge(1, 2, r, True, True)) == 6
    assert stages.edge_reach(stages.grouping_edge(1, 2, r, False, True)) == 0.12
    assert stages.rep_tag((1, 2)) is True and stages.rep_tag((1, 2, False)) is True
    assert stages.rep_tag((1, 2, True)) == stages.FLOOR_ONLY and stages.FLOOR_ONLY


def test_the_driver_reads_the_switch(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(switches, "LONE_FLOOR_BAR", False)
    assert stages.lone_on() is False
    monkeypatch.setattr(switches, "LONE_FLOOR_BAR", True)
    assert stages.lone_on() is True


def test_a_short_rows_neighbours_under_ann_min_cosine_are_flagged() -> None:
    """Row 0 (a short text's floor, 0.25) reaches rows at cosine 0.3 under
    ``ann_min_cosine`` (0.35): those proposals are flagged, the ones over it are not; a
    long row's floor (0.35) proposes none under it. The pairs are the unflagged
    search's."""
    config = DEFAULT_CONFIG
    cosines = [1.0, 0.9, 0.5, 0.4, 0.3, 0.28, 0.2]
    angles = np.arccos(cosines)
    matrix = np.stack([np.cos(angles), np.sin(angles) * ((-1) ** np.arange(7))], axis=1)
    matrix = np.ascontiguousarray(matrix, dtype=np.float32)
    keys = np.arange(7)
    floors = [0.25] + [config.ann_min_cosine] * 6
    flagged = list(cell_neighbours([0], keys, matrix, config, None, floors, flags=True))
    plain = list(cell_neighbours([0], keys, matrix, config, None, floors))
    assert [p[:2] for p in flagged] == plain
    got = {p[1]: p[2] for p in flagged}
    assert got[1] is False and got[2] is False and got[3] is False
    assert got[4] is True and got[5] is True and 6 not in got
    long_row = list(cell_neighbours([0], keys, matrix, config, None, [0.35] * 7, flags=True))
    assert not any(p[2] for p in long_row)


# --------------------------------------------- the moved items: Spark = batch, switch on


def _records() -> list[dict]:
    """ECB+ dev topic 1's leads (rule L leaves the 8-word lead ecb:1_1ecb alone) and
    MEANTIME's Airbus topic in the mixed-headline form (the rule moves two groups): the
    15:22 screen's two cases (tests/test_store_floor_pairs.py's ON_CASES), in one input."""
    from samestory.evaluate.short_variants import make_short_variants

    out: list[dict] = []
    for name, form, topic in (
        ("ecbplus_dev", "lead", "ecb:1"),
        ("meantime_dev", "mixed-headline", "meantime:corpus_airbus"),
    ):
        records = [r for r in read_jsonl(shared_data(f"{name}.jsonl")) if r["topic"] == topic]
        out += make_short_variants(records, form)
    return out


@pytest.mark.slow
def test_spark_flags_and_stories_are_the_batchs_with_the_switch_on(
    spark: object, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One Spark job with the switch on: its stories are the batch's with it on (which
    differ from the batch's with it off on this input, so the rule is exercised); and
    the job's candidate stage on the batch's representatives flags the batch's
    floor-only pairs (a few small stages, no job of their own)."""
    pytest.importorskip("pyspark")
    from samestory import spark as samestory_spark
    from samestory.candidates import EXACT_SEARCH_LIMIT
    from samestory.evaluate.systems import record_to_article
    from samestory.pipeline import batch
    from samestory.spark import job
    from samestory.spark.vectors import CELL_SIZE

    records = _records()
    articles = [record_to_article(r) for r in records]
    monkeypatch.setattr(switches, "LONE_FLOOR_BAR", False)
    off = stories_partition(batch.analyze(articles).stories)
    monkeypatch.setattr(switches, "LONE_FLOOR_BAR", True)
    on = batch.analyze(articles)
    want = stories_partition(on.stories)
    assert want != off and on.floor_only

    sc = spark.sparkContext  # type: ignore[attr-defined]
    ids = [f.id for f in on.features]
    reps = [
        (k, stages.candidate_view(f)) for k, f in enumerate(on.features) if f.id not in on.copy_of
    ]
    search = job._Search(EXACT_SEARCH_LIMIT, CELL_SIZE, None, 0)
    _, rep_pairs, _, _ = job._candidate_pairs(
        spark,
        sc.parallelize(reps, 2),
        len(reps),
        DEFAULT_CONFIG,
        2,
        search,  # type: ignore[arg-type]
    )
    flagged = {(ids[i], ids[j]) for i, j, floor in rep_pairs.collect() if floor}
    rep_pairs.unpersist()
    assert flagged == {tuple(p) for p in on.floor_only}

    out = tmp_path / "out"
    samestory_spark.run(spark, _write(tmp_path / "in.jsonl", records), out)
    assert _partition(out) == want


def _write(path: Path, records: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def _partition(out: Path) -> frozenset[frozenset[str]]:
    import pyarrow.parquet as pq

    by_story: dict[str, set[str]] = {}
    for row in pq.read_table(out / "assignments.parquet").to_pylist():
        by_story.setdefault(row["story_id"], set()).add(row["article_id"])
    return frozenset(frozenset(s) for s in by_story.values())


@pytest.mark.slow
def test_incremental_days_give_the_batchs_stories_with_the_switch_on(
    spark: object, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two incremental days with the switch on (day 1: ECB+ topic 1's leads, day 2: the
    Airbus headlines; each moved by the rule): each day's stories are the batch's of what
    has arrived, with the switch on, and day 1 kept its floor-only pairs. (A split of the
    Airbus headlines over the two days parts the incremental job from the batch with the
    switch off too, 25501's English headline: the incremental job's own limit, not the
    rule's; so no test here re-clusters a component from stored flags.)"""
    pytest.importorskip("pyspark")
    from samestory.evaluate.systems import record_to_article
    from samestory.pipeline import batch
    from samestory.spark import incremental

    monkeypatch.setattr(switches, "LONE_FLOOR_BAR", True)
    records = _records()
    ecb = [r for r in records if r["topic"] == "ecb:1"]
    airbus = [r for r in records if r["topic"] != "ecb:1"]
    days = [ecb, airbus]
    state, seen = tmp_path / "state", []
    for k, rows in enumerate(days):
        seen += rows
        out = tmp_path / f"out{k}"
        incremental.run_incremental(spark, _write(tmp_path / f"day{k}.jsonl", rows), out, state)
        analysis = batch.analyze([record_to_article(r) for r in seen])
        assert _partition(out) == stories_partition(analysis.stories)
    assert list((state / "parts").glob("*/floor_pairs.parquet"))
