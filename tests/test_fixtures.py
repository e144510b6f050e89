"""The fixtures in tests/fixtures are unmodified copies of their sources in ../shared."""

from __future__ import annotations

from pathlib import Path

from conftest import ECBPLUS_SUBSET, MEANTIME_SUBSET, SEEDS, read_jsonl, shared_data, shared_path


def test_seeds_are_the_shared_seeds() -> None:
    shared = shared_path("seeds")
    ours = {p.name: p.read_bytes() for p in SEEDS.glob("*.txt")}
    theirs = {p.name: p.read_bytes() for p in shared.glob("*.txt")}
    assert ours == theirs


def _lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines()


def test_ecbplus_subset_is_whole_topics_of_the_dev_set() -> None:
    full = _lines(shared_data("ecbplus_dev.jsonl"))
    ours = _lines(ECBPLUS_SUBSET)
    assert ours == full[: len(ours)]  # a prefix of the file, which is grouped by topic
    topics = {r["topic"] for r in read_jsonl(ECBPLUS_SUBSET)}
    assert len(topics) == 4
    rest = read_jsonl(shared_data("ecbplus_dev.jsonl"))[len(ours) :]
    assert all(r["topic"] not in topics for r in rest)


def test_meantime_subset_is_whole_stories_of_the_dev_set() -> None:
    full = read_jsonl(shared_data("meantime_dev.jsonl"))
    ours = read_jsonl(MEANTIME_SUBSET)
    stories = {r["story"] for r in ours}
    assert ours == [r for r in full if r["story"] in stories]
    assert {r["lang"] for r in ours} == {"en", "es", "it", "nl"}
