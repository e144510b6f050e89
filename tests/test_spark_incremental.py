"""Incremental daily Spark runs (``samestory spark --state``) against a full rerun."""

from __future__ import annotations

import dataclasses
import json
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pytest

pytest.importorskip("pyspark")
pyarrow_parquet = pytest.importorskip("pyarrow.parquet")

from sklearn.metrics import adjusted_rand_score  # noqa: E402

from samestory import spark as samestory_spark  # noqa: E402
from samestory import switches  # noqa: E402
from samestory.spark import incremental  # noqa: E402
from samestory.spark.state import CURRENT, StateDir  # noqa: E402
from tests.spark_records import incremental_records, write_jsonl  # noqa: E402

DAY1_SHARE = 0.6
# Measured on this fixture (day 1: the first 60% of the records; day 2: the rest, their
# reposts and edits, and five day-1 records delivered again): ARI 1.0 against the full
# job. The bound leaves room for the documented differences (edges never removed,
# copy groups of two days not merged).
MIN_ARI = 0.95

# Several Spark runs of ~100 articles (a JVM, the encoder): minutes in all.
pytestmark = pytest.mark.slow


_records = incremental_records
_write = write_jsonl


def _assignments(out: Path) -> dict[str, str]:
    rows = pyarrow_parquet.read_table(out / "assignments.parquet").to_pylist()
    return {r["article_id"]: r["story_id"] for r in rows}


def _stories(out: Path) -> dict[str, dict[str, object]]:
    rows = pyarrow_parquet.read_table(out / "stories.parquet").to_pylist()
    return {r["story_id"]: r for r in rows}


@pytest.fixture(scope="module")
def days(spark: object, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Day 1 run into a fresh state (kept pristine), the inputs, the full job's output."""
    tmp = tmp_path_factory.mktemp("incremental")
    records = _records()
    originals = [r for r in records if "~copy" not in r["id"]]
    cut = int(len(originals) * DAY1_SHARE)
    day1 = originals[:cut]
    day2 = originals[cut:] + [r for r in records if "~copy" in r["id"]] + day1[:5]
    paths = {
        "day1": _write(tmp / "day1.jsonl", day1),
        "day2": _write(tmp / "day2.jsonl", day2),
        "all": _write(tmp / "all.jsonl", day1 + day2[:-5]),
        "state": tmp / "state",
        "out1": tmp / "out1",
        "full": tmp / "full",
    }
    counts = incremental.run_incremental(spark, paths["day1"], paths["out1"], paths["state"])
    assert counts["new"] == len(day1) and counts["known"] == 0
    samestory_spark.run(spark, paths["all"], paths["full"])
    return paths


def _copy_state(days: dict[str, Path], tmp_path: Path) -> Path:
    state = tmp_path / "state"
    shutil.copytree(days["state"], state)
    return state


@dataclasses.dataclass(frozen=True)
class DayTwo:
    """Day 2 joined to a copy of the day-1 state by a run that follows a failed one."""

    state: Path
    out: Path
    counts: dict[str, Any]
    pointer_before: str  # ``CURRENT`` before the failed run
    pointer_after_failure: str
    generation_after_failure: int
    leftovers_after_failure: list[Path]  # what the failed run staged and left


def _fail(*args: object, **kwargs: object) -> None:
    raise RuntimeError("disk full")


@pytest.fixture(scope="module")
def day_two(
    spark: object, days: dict[str, Path], tmp_path_factory: pytest.TempPathFactory
) -> DayTwo:
    """A day-2 run that stages its new part and generation, then fails before the
    commit; then the day-2 run again, which removes the leftovers and joins day 2.

    One state serves both the failed run's test and the day-2 test (a run starts by
    removing what a failed run left, so the second run is a day 2 as if nothing had
    happened, and the day-2 test checks that): two day-2 runs where the two tests ran
    three.
    """
    tmp = tmp_path_factory.mktemp("day2")
    state = _copy_state(days, tmp)
    pointer = (state / CURRENT).read_text()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(incremental._Run, "_write_output", _fail)
        with pytest.raises(RuntimeError, match="disk full"):
            incremental.run_incremental(spark, days["day2"], tmp / "failed", state)
    pointer_after = (state / CURRENT).read_text()
    generation_after = StateDir(state).generation
    leftovers = sorted(p.relative_to(state) for p in state.rglob("*") if ".tmp-" in str(p))
    out = tmp / "out2"
    counts = incremental.run_incremental(spark, days["day2"], out, state)
    return DayTwo(state, out, counts, pointer, pointer_after, generation_after, leftovers)


def test_day_one_equals_the_full_job(spark: object, days: dict[str, Path], tmp_path: Path) -> None:
    """A run into an empty state is the job: same stories and ids."""
    samestory_spark.run(spark, days["day1"], tmp_path / "job1")
    assert _assignments(days["out1"]) == _assignments(tmp_path / "job1")


def test_day_two_incremental_agrees_with_a_full_rerun(
    days: dict[str, Path], day_two: DayTwo
) -> None:
    state, out, counts = day_two.state, day_two.out, day_two.counts
    assert counts["known"] == 5  # day-1 records delivered again are skipped
    assert counts["copies"] > 0 and counts["touched_representatives"] > 0
    got, full = _assignments(out), _assignments(days["full"])
    assert set(got) == set(full)
    ids = sorted(full)
    ari = adjusted_rand_score([full[i] for i in ids], [got[i] for i in ids])
    changed_ids = sum(got[i] != full[i] for i in ids)
    print(
        f"day 2 incremental vs full rerun: ARI {ari:.3f}, {changed_ids}/{len(ids)} story ids differ"
    )
    assert ari >= MIN_ARI
    # Untouched day-1 stories keep their rows and ids.
    before, after = _stories(days["out1"]), _stories(out)
    untouched = [s for s in before if s in after and after[s] == before[s]]
    assert untouched
    for sid, story in before.items():
        same_set = [a for a in after.values() if set(a["article_ids"]) == set(story["article_ids"])]
        if same_set:
            assert same_set[0]["story_id"] == sid
    # A story id that differs from the full rerun's is a day-1 id kept by a story that
    # grew: the full rerun names it after its first version, the incremental run keeps it.
    full_stories = _stories(days["full"])
    for i in ids:
        if got[i] != full[i]:
            assert got[i] in before
            assert after[got[i]]["first"] == full_stories[full[i]]["first"] or (
                set(after[got[i]]["article_ids"]) != set(full_stories[full[i]]["article_ids"])
            )
    assert StateDir(state).manifest is not None and StateDir(state).generation == 2
    _check_copies_follow_their_representative(state)


def _check_copies_follow_their_representative(state: Path) -> None:
    """In the stored per-article table every copy has its representative's group and
    story (the run updates copies through their representative, not one by one)."""
    rows = pyarrow_parquet.read_table(Path(StateDir(state).table_path("nodes"))).to_pylist()
    by_idx = {r["idx"]: r for r in rows}
    assert any(r["rep"] != r["idx"] for r in rows)
    for r in rows:
        rep = by_idx[r["rep"]]
        assert rep["rep"] == rep["idx"]
        assert (r["grp"], r["story_id"]) == (rep["grp"], rep["story_id"]), r["id"]


def test_a_failed_run_leaves_the_state_usable(days: dict[str, Path], day_two: DayTwo) -> None:
    """The failed day-2 run (fixture ``day_two``) staged its part and generation and
    left ``CURRENT`` and the generation as they were; the next run cleaned up the
    leftovers and joined day 2 (the day-2 test checks its result in full)."""
    assert day_two.leftovers_after_failure  # it did stage, and failed before the commit
    assert day_two.pointer_after_failure == day_two.pointer_before
    assert day_two.generation_after_failure == 1
    assert day_two.counts["known"] == 5
    assert set(_assignments(day_two.out)) == set(_assignments(days["full"]))
    leftovers = [p for p in day_two.state.rglob("*") if ".tmp-" in str(p)]
    assert not leftovers
    assert StateDir(day_two.state).generation == 2


def test_a_state_refuses_another_encoder(days: dict[str, Path]) -> None:
    from samestory.config import DEFAULT_CONFIG

    other = "static" if DEFAULT_CONFIG.encoder != "static" else "use"
    with pytest.raises(ValueError, match="encoder"):
        StateDir(days["state"]).check_config(DEFAULT_CONFIG.replace(encoder=other))


#: The IVF limits of the day-2 switch: day 1 (~70 representatives) under the exact-search
#: size, days 1 and 2 above it, in cells of ~30.
IVF_LIMITS = {"exact_limit": 80, "cell_size": 30}


@dataclasses.dataclass(frozen=True)
class IvfDayTwo:
    """Day 2 joined to a copy of the day-1 state under :data:`IVF_LIMITS`, the task
    bound left at its default (the cells searched whole)."""

    state: Path
    out: Path
    counts: dict[str, Any]
    pairs: set[tuple[int, int]]  # its vector candidates, caught as they were made
    generation_before: int
    representatives_before: int
    centroids_before: Any


@pytest.fixture(scope="module")
def ivf_day_two(
    spark: object, days: dict[str, Path], tmp_path_factory: pytest.TempPathFactory
) -> IvfDayTwo:
    """One run for the day-2 switch to IVF cells and for the task-bound test's cells
    searched whole: each ran this same day 2 (same state, input, limits and bound) on
    its own before 2026-12-07; the run's vector candidates are caught (they are only
    read)."""
    tmp = tmp_path_factory.mktemp("ivf-day2")
    state = _copy_state(days, tmp)
    first = StateDir(state).manifest
    assert first is not None
    generation, representatives = first.generation, first.counts["representatives"]
    centroids = StateDir(state).centroids()
    out = tmp / "out2"
    counts, pairs = _day_two_vector_pairs(spark, days, out, state, **IVF_LIMITS)
    return IvfDayTwo(state, out, counts, pairs, generation, representatives, centroids)


def test_switching_to_ivf_cells_on_day_two(
    spark: object, days: dict[str, Path], ivf_day_two: IvfDayTwo, tmp_path: Path
) -> None:
    """Day 1 under the exact-search size, day 1 + day 2 above it: day 2 fixes IVF
    centroids, assigns every past representative its cells and searches in them."""
    limits, run = IVF_LIMITS, ivf_day_two
    # Day 1 is the module's: a day under the exact-search size searches exactly whatever
    # the limits (they are read only once the representatives outgrow ``exact_limit``,
    # and not stored in the state), so it is the day 1 a run with ``limits`` gives.
    assert run.generation_before == 1
    assert run.representatives_before <= limits["exact_limit"]
    assert run.centroids_before is None
    state, counts = run.state, run.counts
    centroids = StateDir(state).centroids()
    assert centroids is not None and len(centroids) >= 2
    nodes = pyarrow_parquet.read_table(StateDir(state).table_path("nodes")).to_pylist()
    reps = [n for n in nodes if n["idx"] == n["rep"]]
    assert len(reps) > limits["exact_limit"] and all(n["cells"] for n in reps)
    samestory_spark.run(spark, days["all"], tmp_path / "full", **limits)
    got, full = _assignments(run.out), _assignments(tmp_path / "full")
    ids = sorted(full)
    ari = adjusted_rand_score([full[i] for i in ids], [got[i] for i in ids])
    print(f"IVF from day 2: {counts['new_representatives']} new reps, ARI vs full job {ari:.3f}")
    assert ari >= 0.9
    _check_copies_follow_their_representative(state)


def _day_two_vector_pairs(
    spark: object, days: dict[str, Path], out: Path, state: Path, **options: Any
) -> tuple[dict[str, Any], set[tuple[int, int]]]:
    """Day 2 joined to ``state`` (a copy of day 1's): its counts and its vector
    candidates (pairs ``(i, j)``, ``i < j``, with a new end), caught as they are made."""
    caught: set[tuple[int, int]] = set()
    original = incremental._Run._vector_pairs

    def catching(self: Any, reps_new: Any, n_reps_new: int) -> Any:
        found = original(self, reps_new, n_reps_new)
        caught.update(found[0].collect())  # a few thousand pairs: well within 1 MB
        return found

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(incremental._Run, "_vector_pairs", catching)
        counts = incremental.run_incremental(spark, days["day2"], out, state, **options)
    return counts, caught


def _representatives(state: Path) -> list[tuple[int, Any]]:
    """``(idx, (vector, keywords))`` of the state's representatives (the search's input
    at their number: the static encoder's saturation test reads the keywords)."""
    import numpy as np

    current = StateDir(state)
    nodes = pyarrow_parquet.read_table(current.table_path("nodes")).to_pylist()
    reps = {r["idx"] for r in nodes if r["idx"] == r["rep"]}
    words: dict[int, dict[int, float]] = {i: {} for i in reps}
    for path in current.part_paths("keywords"):
        for r in pyarrow_parquet.read_table(path).to_pylist():
            if r["idx"] in reps:
                words[r["idx"]][r["word"]] = r["weight"]
    vectors = {}
    for path in current.part_paths("features"):
        for r in pyarrow_parquet.read_table(path, columns=["idx", "vector"]).to_pylist():
            if r["idx"] in reps:
                vectors[r["idx"]] = np.frombuffer(r["vector"], dtype="<f4").astype(np.float32)
    return [(i, (vectors[i], words[i])) for i in sorted(reps)]


def test_day_two_cells_over_the_task_bound_are_split_on_the_executors(
    spark: object, days: dict[str, Path], ivf_day_two: IvfDayTwo, tmp_path: Path
) -> None:
    """Day 2 in four IVF cells of ~90 representatives (as the day-2 switch above), with
    a task bound of 40: each cell is split on the executors as the job splits its cells
    (:func:`vectors.split_oversized`), so no search task holds more than the bound. The
    vector candidates' recall against exact search falls no more than the job's at the
    same cells and bound, and the stories are the ones of the cells searched whole."""
    from samestory.config import DEFAULT_CONFIG
    from samestory.spark import vectors as ivf

    limits, bound = IVF_LIMITS, 40
    # The cells searched whole: the module's IVF day 2 (fixture ``ivf_day_two``).
    whole_out, whole, whole_pairs = ivf_day_two.out, ivf_day_two.counts, ivf_day_two.pairs
    state = _copy_state(days, tmp_path / "split")
    split_out = tmp_path / "split" / "out2"
    split, split_pairs = _day_two_vector_pairs(
        spark, days, split_out, state, **limits, task_bound=bound
    )
    assert whole["largest_search_task"] > bound  # the cells, whole (default bound: 720)
    assert 0 < split["largest_search_task"] <= bound
    # Exact search over every representative after day 2; day 2's share: a new end.
    sc = spark.sparkContext  # type: ignore[attr-defined]
    reps = _representatives(tmp_path / "split" / "state")
    rdd, n, base = sc.parallelize(reps, 2), len(reps), StateDir(days["state"]).next_idx
    exact = {ij for ij in ivf.vector_pairs(rdd, n, DEFAULT_CONFIG, 2).collect() if ij[1] >= base}

    def recall(found: set[tuple[int, int]]) -> float:
        return len(exact & found) / len(exact)

    def job(task_bound: int | None) -> float:
        found = ivf.vector_pairs(rdd, n, DEFAULT_CONFIG, 2, **limits, task_bound=task_bound)
        return recall({ij for ij in found.collect() if ij[1] >= base})

    job_whole, job_split = job(None), job(bound)
    print(
        f"largest search task {whole['largest_search_task']} -> "
        f"{split['largest_search_task']}; recall incremental {recall(whole_pairs):.3f} -> "
        f"{recall(split_pairs):.3f}, job {job_whole:.3f} -> {job_split:.3f}"
    )
    assert recall(split_pairs) >= recall(whole_pairs) - (job_whole - job_split) - 0.05
    got, before = _assignments(split_out), _assignments(whole_out)
    ids = sorted(before)
    assert adjusted_rand_score([before[i] for i in ids], [got[i] for i in ids]) >= 0.99


def test_a_cell_member_is_asked_in_its_nearest_sub_cell_only() -> None:
    """A split stores every member in its nearest sub-cells; a list (a new query ``q``,
    a past list ``r``) is asked in the nearest only, elsewhere it is a stored vector
    (``n``, ``p``); stored and demoted members keep their role; a demoted vector is not
    sampled for the sub-centroids."""
    v, words = np.ones(2, dtype=np.float32), {3: 0.5}
    stored = incremental.CELL_MEMBERS.stored
    assert stored((1, v, "q", 0.0, words), 0) == (1, v, "q", 0.0, words)
    assert stored((1, v, "q", 0.0, words), 1) == (1, v, "n", 0.0, words)
    assert stored((2, v, "r", 0.4, words), 2) == (2, v, "p", 0.4, words)
    assert stored((3, v, "d", 0.4), 1) == (3, v, "d", 0.4)
    assert stored((4, v, "p", 0.4, words), 0)[2] == "p"
    assert incremental.CELL_MEMBERS.vector((4, v, "p", 0.4, words)) is v
    assert not incremental.CELL_MEMBERS.sampled((3, v, "d", 0.4))
    assert incremental.CELL_MEMBERS.sampled((4, v, "n", 0.0, words))


def test_a_run_turns_sparks_own_broadcasts_off_and_restores_the_callers_settings(
    spark: Any, tmp_path: Path
) -> None:
    """While a run goes, Spark broadcasts no join side of its own choosing (a state
    table small on disk can hold more rows than ``spark.driver.maxResultSize``): only
    the run's hints do. After the run, failed too, the caller's settings are back: a
    set one to its value, an unset one unset."""
    threshold, adaptive = incremental.BROADCAST_SETTINGS
    before = {key: spark.conf.get(key, None) for key in incremental.RUN_SETTINGS}
    during: dict[str, str | None] = {}

    def record(self: Any, *args: Any) -> None:
        during.update({key: spark.conf.get(key, None) for key in incremental.RUN_SETTINGS})
        self.spark.conf.set("spark.sql.shuffle.partitions", "7")  # as a run sets it
        raise RuntimeError("stopped")

    spark.conf.set(threshold, "1234")
    spark.conf.unset(adaptive)
    try:
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(incremental._Run, "go", record)
            with pytest.raises(RuntimeError, match="stopped"):
                incremental.run_incremental(
                    spark, tmp_path / "in", tmp_path / "out", tmp_path / "s"
                )
        assert during[threshold] == during[adaptive] == "-1"
        assert spark.conf.get(threshold, None) == "1234"
        assert spark.conf.get(adaptive, None) is None
        assert (
            spark.conf.get("spark.sql.shuffle.partitions", None)
            == before["spark.sql.shuffle.partitions"]
        )
    finally:
        for key, value in before.items():
            spark.conf.unset(key) if value is None else spark.conf.set(key, value)


def test_one_run_at_a_time(tmp_path: Path) -> None:
    state = tmp_path / "state"
    # The second lock is refused while the first is held, and free once it is released.
    with StateDir.lock(state), pytest.raises(ValueError, match="another run"), StateDir.lock(state):
        pass
    with StateDir.lock(state):
        pass


def test_a_repeated_id_stops_the_run_and_leaves_the_state(
    spark: object, days: dict[str, Path], tmp_path: Path
) -> None:
    """An id twice in a day's input is refused (also when the state holds it too), and
    the state stays on its generation."""
    state = _copy_state(days, tmp_path)
    day1 = [json.loads(line) for line in days["day1"].read_text(encoding="utf-8").splitlines()]
    fresh = {"id": "fresh-twice", "text": day1[0]["text"] + " Updated later."}
    for rows in ([fresh, dict(fresh)], [day1[1], dict(day1[1])]):
        path = _write(tmp_path / "repeated.jsonl", rows)
        with pytest.raises(ValueError, match="not unique"):
            incremental.run_incremental(spark, path, tmp_path / "out", state)
        assert StateDir(state).generation == 1


def test_arrivals_of_an_id() -> None:
    """What the input says of an id: fresh, known to the state, or repeated."""
    first, second = (3, "article-3"), (7, "article-7")
    fresh = list(incremental._arrivals_of_id(("a", [first])))
    known = list(incremental._arrivals_of_id(("a", [None, first])))
    repeated = list(incremental._arrivals_of_id(("a", [second, None, first])))
    collided = list(incremental._arrivals_of_id(("a", [None])))
    assert fresh == [(3, (incremental._FRESH, "article-3"))]
    assert known == [(3, (incremental._KNOWN, None))]
    assert repeated == [(3, (incremental._REPEATED, None))]
    assert collided == []


def test_reach_and_cells_merge() -> None:
    merge = incremental._reach_and_cells
    assert merge((0.4, None), (0.6, None)) == (0.6, None)
    assert merge((0.4, None), (None, [2, 5])) == (0.4, [2, 5])
    assert merge((None, [1]), (None, None)) == (None, [1])


def _recurring_sentence_records(n: int, per_article: int = 4) -> list[dict[str, str]]:
    """``n`` records of ``per_article`` sentences drawn from a pool of the fixture's
    sentences: every sentence recurs in several encoder batches, with other companions
    in each (what copies and reposts do on a crawl)."""
    import random
    import re

    pool: list[str] = []
    for record in _records():
        pool += [s for s in re.split(r"(?<=[.!?])\s+", record["text"]) if len(s.split()) > 6]
    pool = list(dict.fromkeys(pool))[:300]
    rng = random.Random(7)
    return [{"id": f"r{k}", "text": " ".join(rng.sample(pool, per_article))} for k in range(n)]


def test_day_one_features_are_the_local_features_bit_for_bit(spark: object, tmp_path: Path) -> None:
    """The incremental run featurises as the job does (:func:`stages.featurize`): each
    sentence encoded in the first batch of the day that holds it, so the stored vectors
    are the local engine's bit for bit, across partitions, with USE (whose last bits
    depend on the batch; it encoded each partition's batches on their own before)."""
    from samestory.config import DEFAULT_CONFIG
    from samestory.embed import encoder_for
    from samestory.pipeline.featurise import FEATURE_BATCH, featurize_all, uncached
    from samestory.spark.job import row_to_article
    from samestory.store.codec import encode_features

    config = DEFAULT_CONFIG.replace(encoder="use")
    records = _recurring_sentence_records(FEATURE_BATCH + 60)  # two batches, one a partition
    articles = [row_to_article(r, k, config, "text", "id") for k, r in enumerate(records)]
    local = featurize_all([a for a in articles if a], config, uncached(encoder_for("use")))
    state = tmp_path / "state"
    incremental.run_incremental(
        spark, _write(tmp_path / "day1.jsonl", records), tmp_path / "out", state, config,
        partitions=2,
    )  # fmt: skip
    rows = [
        row
        for path in StateDir(state).part_paths("features")
        for row in pyarrow_parquet.read_table(
            path, columns=["id", "sentence_vectors", "vector"]
        ).to_pylist()
    ]
    stored = {r["id"]: (r["vector"], r["sentence_vectors"]) for r in rows}
    assert len(stored) == len(local)
    columns = {f.id: encode_features(f) for f in local}
    differ = [i for i, c in columns.items() if stored[i] != (c[2], c[1])]
    assert differ == []


def _bridged_copy_groups() -> dict[str, list[dict[str, str]]]:
    """Three days around one long fixture text ``T``. Day 1: ``a`` (its first 65% of
    sentences) and ``b`` (its last 65%), each with a repost: two copy groups, since
    ``a`` and ``b`` share too little to be copies (shingle Jaccard ~0.4). Day 2: ``T``
    itself, a copy of both, which makes them one copy group in a full run. Day 3: one
    more repost of ``b``. Other fixture records (ECB+ topic 1) fill each day."""
    import re

    records = [{"id": r["id"], "text": r["text"]} for r in _records() if "~copy" not in r["id"]]
    longest = max(records, key=lambda r: len(r["text"]))
    others = [r for r in records if r is not longest]
    sentences = re.split(r"(?<=[.!?])\s+", longest["text"])
    n, cut = len(sentences), int(len(sentences) * 0.65)
    a, b = " ".join(sentences[:cut]), " ".join(sentences[n - cut :])
    group_a = [{"id": "a", "text": a}, {"id": "a~repost", "text": "Breaking News\n\n" + a}]
    group_b = [{"id": "b", "text": b}, {"id": "b~repost", "text": b + "\n\nShare this article"}]
    bridge = {"id": "whole", "text": " ".join(sentences)}
    late = {"id": "b~late", "text": "Updated\n\n" + b}
    return {
        "day1": others[:24] + group_a + group_b,
        "day2": [*others[24:34], bridge],
        "day3": [*others[34:38], late],
    }


def _roundup_days(ecb_records: list[dict]) -> dict[str, list[dict[str, str]]]:
    """The roundup of ECB+ topic 11's two events (the case of
    ``test_spark_places_and_flags_a_roundup_as_local``) on day 2, after the topic's
    versions on day 1; nothing of the topic on day 3."""
    from test_roundups import built_case

    versions, _, roundup, _ = built_case(ecb_records, "ecb:11")
    return {
        "day1": [{"id": a.id, "text": a.text} for a in versions],
        "day2": [{"id": "r", "text": roundup}],
        "day3": [],
    }


@dataclasses.dataclass(frozen=True)
class ThreeDays:
    """Three incremental days of one corpus (the bridged copy groups and the topic-11
    roundup together; the filler is ECB+ topic 1, the bridge's text topic 13), each
    day's state kept as it was after that day, and a full job after days 2 and 3."""

    days: dict[str, list[dict[str, str]]]
    counts: dict[str, dict[str, Any]]
    states: dict[str, Path]  # a copy of the state after each day
    outs: dict[str, Path]  # each day's output
    fulls: dict[str, Path]  # the full job on days 1-2 ("day2") and on days 1-3 ("day3")
    headlines: dict[str, list[dict]]  # rule AS's GVA headlines of each day (none: no GVA)
    leads: dict[str, list[Any]]  # the dated GVA leads (articles) of each day (none: no GVA)


@pytest.fixture(scope="module")
def three_days(
    spark: object, ecb_records: list[dict], tmp_path_factory: pytest.TempPathFactory
) -> ThreeDays:
    """One three-day state for the copy-group bridge and the day-2 roundup tests: three
    incremental runs and two full jobs, where the two tests ran six and three (each
    built its own days, and the full job each checks day 2 against is the same job on
    this corpus).

    The mapped static encoder (``test_roundups.STATIC``), which the roundup case needs;
    the bridge is made of copies, which MinHash decides whatever the encoder.

    Days 1 and 2 also carry the dated GVA leads of tests/test_candidates_dated.py (the
    same-days route's Spark case: a full job and two days of their own before
    2026-12-07) and rule AS's GVA headlines (tests/test_spark_published_year_cut.py:
    the earlier-dated half on day 1, the rest on day 2), with the switch on whatever its
    default: their own two incremental runs cost two Spark jobs (~40 s of CPU) before
    2026-12-07. They are GVA shootings, dated; the rest is ECB+ text, undated: the
    headline test checks that no story mixes the two, so each case is judged alone.
    """
    from test_roundups import STATIC

    tmp = tmp_path_factory.mktemp("three-days")
    bridge, roundup = _bridged_copy_groups(), _roundup_days(ecb_records)
    headlines, leads = _headline_days(), _lead_days()
    lead_rows = {day: [_lead_row(a) for a in listed] for day, listed in leads.items()}
    days = {
        day: bridge[day] + roundup[day] + headlines.get(day, []) + lead_rows.get(day, [])
        for day in ("day1", "day2", "day3")
    }
    state, seen = tmp / "state", []
    counts, states, outs, fulls = {}, {}, {}, {}
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(switches, "PUBLISHED_YEAR_CUT", True)
        for day, rows in days.items():
            seen += rows
            outs[day] = tmp / f"out-{day}"
            path = _write(tmp / f"{day}.jsonl", rows)
            counts[day] = incremental.run_incremental(spark, path, outs[day], state, STATIC)
            states[day] = tmp / f"state-{day}"
            shutil.copytree(state, states[day])
            if day != "day1":
                fulls[day] = tmp / f"full-{day}"
                all_path = _write(tmp / f"all-{day}.jsonl", seen)
                samestory_spark.run(spark, all_path, fulls[day], config=STATIC)
    return ThreeDays(days, counts, states, outs, fulls, headlines, leads)


def _lead_days() -> dict[str, list[Any]]:
    """tests/test_candidates_dated.py's GVA leads of 40 incidents (dated short texts,
    where the same-days route proposes pairs): the first half on day 1, the rest on day
    2; none without GVA dev."""
    from conftest import SHARED
    from test_candidates_dated import SPARK_LEAD_STORIES, _lead_articles

    if not (SHARED / "data" / "gva_dev.jsonl").exists():
        return {}
    articles = _lead_articles(SPARK_LEAD_STORIES)
    half = len(articles) // 2
    return {"day1": articles[:half], "day2": articles[half:]}


def _lead_row(article: Any) -> dict[str, str]:
    return {"id": article.id, "text": article.text, "date": article.date.isoformat()}


def _headline_days() -> dict[str, list[dict]]:
    """Rule AS's GVA headlines as input rows: the earlier-dated half as day 1, the rest as
    day 2 (the later headlines join the state); none without GVA dev."""
    from conftest import SHARED
    from test_spark_published_year_cut import gva_headline_records

    if not (SHARED / "data" / "gva_dev.jsonl").exists():
        return {}
    keep = ("id", "text", "title", "date", "source", "lang")
    rows = [{k: r[k] for k in keep if r.get(k) is not None} for r in gva_headline_records()]
    ordered = sorted(rows, key=lambda r: (r.get("date") or "", r["id"]))
    half = len(ordered) // 2
    return {"day1": ordered[:half], "day2": ordered[half:]}


def _copy_partition(state: Path) -> dict[str, int]:
    """Article id -> its copy group's representative, as the state stores it."""
    rows = pyarrow_parquet.read_table(StateDir(state).table_path("nodes")).to_pylist()
    return {r["id"]: r["rep"] for r in rows}


def _local_copy_partition(state: Path) -> dict[str, int]:
    """Article id -> its copy group in a full run (the local engine's copy groups, which
    are the job's, over the features stored in the state, with the state's config)."""
    from test_roundups import STATIC

    from samestory.pipeline.copies import copy_groups
    from samestory.store.codec import decode_features

    by_idx = {}
    for path in StateDir(state).part_paths("features"):
        for r in pyarrow_parquet.read_table(path).to_pylist():
            by_idx[r["idx"]] = decode_features(
                r["doc_json"], r["sentence_vectors"], r["vector"], r["minhash"]
            )
    features = [by_idx[i] for i in range(len(by_idx))]
    groups = copy_groups(features, STATIC)
    return {f.id: groups[k] for k, f in enumerate(features)}


def _same_partition(a: dict[str, object], b: dict[str, object]) -> bool:
    ids = sorted(a)
    return set(a) == set(b) and adjusted_rand_score([a[i] for i in ids], [b[i] for i in ids]) == 1


def test_a_day_two_copy_bridging_two_past_copy_groups_merges_them(
    three_days: ThreeDays,
) -> None:
    """The day-2 article that copies two day-1 copy groups makes them one, as a full
    rerun does: the later group's articles follow the earlier representative (scored as
    its copies), the later representative is no longer searched or grouped, and the
    copy groups and stories equal the full rerun's; on day 3 a copy of the merged-away
    group joins the merged group."""
    t = three_days
    day1 = _copy_partition(t.states["day1"])
    assert day1["a"] != day1["b"]
    for day in ("day2", "day3"):
        state = t.states[day]
        assert t.counts[day]["merged_copy_groups"] == (1 if day == "day2" else 0)
        copies = _copy_partition(state)
        assert copies["a"] == copies["b"] == copies["whole"] == copies["b~repost"]
        assert _same_partition(copies, _local_copy_partition(state))  # type: ignore[arg-type]
        got = _assignments(t.outs[day])
        assert _same_partition(got, _assignments(t.fulls[day]))  # type: ignore[arg-type]
        _check_copies_follow_their_representative(state)
    assert copies["b~late"] == copies["a"]
    state = t.states["day3"]
    nodes = pyarrow_parquet.read_table(StateDir(state).table_path("nodes")).to_pylist()
    idx = {r["id"]: r["idx"] for r in nodes}
    demoted = pyarrow_parquet.read_table(StateDir(state).table_path("demoted")).to_pylist()
    assert demoted == [{"idx": idx["b"], "rep": idx["a"]}]
    # The merged-away representative's pairs left the output: the copy pairs of the
    # group's articles are the full rerun's (each with the earlier representative).
    group = {"a", "a~repost", "b", "b~repost", "whole", "b~late"}

    def copy_pairs(out: Path) -> set[tuple[str, str]]:
        rows = pyarrow_parquet.read_table(out / "relations.parquet").to_pylist()
        return {
            (r["a"], r["b"])
            for r in rows
            if {r["a"], r["b"]} & group and r["kind"] in ("exact", "near_duplicate")
        }

    assert copy_pairs(t.outs["day3"]) == copy_pairs(t.fulls["day3"])
    # The lists asked again after the merge score only pairs no earlier day scored
    # (among representatives: the merged-away one's pairs left the output above).
    scored = [
        (min(r["i"], r["j"]), max(r["i"], r["j"]), part)
        for part, path in enumerate(StateDir(state).part_paths("relations"))
        for r in pyarrow_parquet.read_table(path).to_pylist()
        if r["rep_pair"] and idx["b"] not in (r["i"], r["j"])
    ]
    assert len({(i, j) for i, j, _ in scored}) == len(scored)
    day2_base = len(t.days["day1"])
    again = [(i, j) for i, j, part in scored if part == 1 and j < day2_base]
    print(f"day 2: {len(again)} pairs of two day-1 articles (lists asked again)")


def test_a_day_two_roundup_gives_the_full_reruns_stories_and_flags(
    three_days: ThreeDays, ecb_records: list[dict]
) -> None:
    """The roundup of ECB+ topic 11's two events (the case of
    ``test_spark_places_and_flags_a_roundup_as_local``, mapped static encoder) arrives on
    day 2, after the topic's versions: the day's run groups with the roundup rule and
    gives the full rerun's stories, ids and ``roundups`` column. A day 3 of other topics
    keeps the rows of the stories it does not touch, the roundup's among them (an
    untouched story's flags come from the state)."""
    t = three_days
    counts = t.counts["day2"]
    assert counts["roundups"] == 1 and counts["roundups_found"] == 1
    want = _stories(t.fulls["day2"])
    assert [r["article"] for s in want.values() for r in s["roundups"]] == ["r"]
    got, full_of = _assignments(t.outs["day2"]), _assignments(t.fulls["day2"])
    assert _same_partition(got, full_of)  # type: ignore[arg-type]
    # The same stories; an id may differ only where the story existed on day 1 and
    # kept its id though the full rerun names it after another first version.
    rename = {got[a]: full_of[a] for a in got}
    day1_ids = set(_stories(t.outs["day1"]))
    assert all(old == new or old in day1_ids for old, new in rename.items())
    print(f"day-1 ids kept where the full rerun renames: {sum(o != n for o, n in rename.items())}")
    assert _renamed(_stories(t.outs["day2"]), rename) == want
    counts = t.counts["day3"]
    assert counts["roundups"] == 1 and counts["roundups_found"] == 0
    after = _renamed(_stories(t.outs["day3"]), rename)
    # Day 3 holds no article of topic 11: every story holding one (the roundup's too)
    # is untouched, as is any other story that holds no day-3 article.
    day3_ids = {r["id"] for r in t.days["day3"]}
    topic11 = {r["id"] for r in ecb_records if r["topic"] == "ecb:11"} | {"r"}
    untouched = {
        sid
        for sid, story in after.items()
        if sid in want and not set(story["article_ids"]) & day3_ids
    }
    assert {sid for sid, s in want.items() if set(s["article_ids"]) & topic11} <= untouched
    # (Their threads are day 3's: a day can thread an untouched story with a new one.)
    assert {sid: _unthreaded(after[sid]) for sid in untouched} == {
        sid: _unthreaded(want[sid]) for sid in untouched
    }


def _unthreaded(row: dict) -> dict:
    return {k: v for k, v in row.items() if k != "thread"}


def _renamed(stories: dict[str, dict], rename: dict[str, str]) -> dict[str, dict]:
    """``stories`` with their ids, the ids their roundups' parts name and their threads'
    ids (made from a story's id: ``threads.thread_id``) renamed."""
    from samestory.threads import thread_id

    threads = {thread_id(old): thread_id(new) for old, new in rename.items()}
    out = {}
    for sid, row in stories.items():
        flags = [
            {
                **f,
                "parts": [
                    {**part, "story": rename.get(part["story"], part["story"])}
                    for part in f["parts"]
                ],
            }
            for f in row["roundups"]
        ]
        new = rename.get(sid, sid)
        thread = threads.get(row["thread"], row["thread"])
        out[new] = {**row, "story_id": new, "roundups": flags, "thread": thread}
    return out


def _headline_stories(out: Path, headlines: list[dict]) -> set[frozenset[str]]:
    """The stories of ``out`` that hold a headline, each checked to hold only headlines."""
    story_of = _assignments(out)
    ids = {r["id"] for r in headlines}
    stories: dict[str, set[str]] = {}
    for article, story in story_of.items():
        stories.setdefault(story, set()).add(article)
    held = [frozenset(s) for s in stories.values() if s & ids]
    assert all(s <= ids for s in held)  # no headline story took an ECB+ text
    return set(held)


def test_spark_groups_gva_headlines_as_the_batch_with_the_switch_on(
    three_days: ThreeDays, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Rule AS on Spark (tests/test_spark_published_year_cut.py's GVA headline case, carried
    by the three-day state with the switch on): day 1 into an empty state (the full job)
    and day 2, which regroups the touched components, each give the batch's stories of
    the headlines they hold (the scores are cut on the executors with the driver's
    setting: Spark's Python workers do not share the driver's module state). Off, every
    other Spark test holds Spark to the batch."""
    from test_spark_published_year_cut import headline_batch

    headlines = three_days.headlines
    if not headlines:
        pytest.skip("needs GVA dev (set SAMESTORY_SHARED to the folder holding data/)")
    everything = headlines["day1"] + headlines["day2"]
    monkeypatch.setattr(switches, "PUBLISHED_YEAR_CUT", False)
    off = headline_batch(everything)
    monkeypatch.setattr(switches, "PUBLISHED_YEAR_CUT", True)
    want = headline_batch(everything)
    assert want != off  # the switch moves these stories: Spark must follow it
    day1 = _headline_stories(three_days.outs["day1"], headlines["day1"])
    assert day1 == headline_batch(headlines["day1"])
    assert _headline_stories(three_days.outs["day2"], everything) == want


def test_spark_matches_local_on_dated_short_texts(three_days: ThreeDays) -> None:
    """GVA leads (dated, where the same-days route proposes pairs; carried by the
    three-day state beside its other cases): the full job's stories of them are the local
    ones, and so are an incremental run's into an empty state; a second day's
    incremental run reads the past articles' dates from the state. No story holding a
    lead holds anything else."""
    from sklearn.metrics import adjusted_rand_score

    from samestory.api import cluster

    leads = three_days.leads
    if not leads:
        pytest.skip("needs GVA dev (set SAMESTORY_SHARED to the folder holding data/)")
    articles = leads["day1"] + leads["day2"]
    rows = [{"id": a.id} for a in articles]
    local = {frozenset(s.articles) for s in cluster(articles)}
    assert _headline_stories(three_days.fulls["day2"], rows) == local  # the full job
    day1 = _headline_stories(three_days.outs["day1"], rows[: len(leads["day1"])])
    assert day1 == {frozenset(s.articles) for s in cluster(leads["day1"])}
    label = {a: k for k, g in enumerate(local) for a in g}
    got_stories = _headline_stories(three_days.outs["day2"], rows)
    got = {a: k for k, g in enumerate(got_stories) for a in g}
    ids = sorted(label)
    assert adjusted_rand_score([label[i] for i in ids], [got[i] for i in ids]) >= 0.95
