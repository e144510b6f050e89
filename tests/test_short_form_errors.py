"""``benchmarks/short_form_errors.py``: its article-pair counts are the ones the ARI reads
(pairs together in one grouping and apart in the other), and a merge's bridge is its
highest-scored candidate pair."""

from __future__ import annotations

import itertools
import random
import sys
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

import short_form_errors as sfe  # noqa: E402

from samestory.config import DEFAULT_CONFIG  # noqa: E402


def brute_force(found: dict[str, str], gold: dict[str, str]) -> tuple[int, int]:
    """(merged, split) article pairs, one pair at a time."""
    merged = split = 0
    for a, b in itertools.combinations(sorted(found), 2):
        together, same = found[a] == found[b], gold[a] == gold[b]
        merged += together and not same
        split += same and not together
    return merged, split


def random_groupings(seed: int) -> Iterator[tuple[dict[str, str], dict[str, str]]]:
    """50 seeded (found, gold) groupings of 1-30 articles into up to six groups each."""
    rng = random.Random(seed)
    for _ in range(50):
        ids = [f"a{i}" for i in range(rng.randint(1, 30))]
        yield {i: f"s{rng.randint(0, 5)}" for i in ids}, {i: f"g{rng.randint(0, 5)}" for i in ids}


def test_pair_counts_match_a_pair_by_pair_count() -> None:
    for found, gold in random_groupings(3):
        assert (sfe.merged_pairs(found, gold), sfe.split_pairs(found, gold)) == brute_force(
            found, gold
        )


def test_merged_parts_hold_every_merged_pair_once() -> None:
    for found, gold in random_groupings(4):
        pairs = [
            frozenset((a, b))
            for left, right, n in sfe.merged_parts(found, gold)
            for a in left
            for b in right
        ]
        merged = {
            frozenset((a, b))
            for a, b in itertools.combinations(found, 2)
            if found[a] == found[b] and gold[a] != gold[b]
        }
        assert len(pairs) == len(merged) and set(pairs) == merged
        assert [n for _, _, n in sfe.merged_parts(found, gold)] == [
            len(left) * len(right) for left, right, _ in sfe.merged_parts(found, gold)
        ]


def test_day_and_score_bands() -> None:
    assert [sfe.day_band(d) for d in (None, 0, 3, 4, 30, 31, 180, 181)] == [
        "undated",
        "0-3",
        "0-3",
        "4-30",
        "4-30",
        "31-180",
        "31-180",
        ">180",
    ]
    bar, attach = DEFAULT_CONFIG.same_story_threshold, DEFAULT_CONFIG.attach_threshold
    assert attach is not None
    assert sfe.score_band(None, DEFAULT_CONFIG) == "none"
    assert sfe.score_band(bar, DEFAULT_CONFIG) == "linked"
    assert sfe.score_band(attach, DEFAULT_CONFIG) == "attach band"
    assert sfe.score_band(attach - 0.01, DEFAULT_CONFIG) == "under attach"


def test_the_bridge_is_the_highest_scored_pair_between_the_parts() -> None:
    scores = {("a", "x"): 0.3, ("b", "x"): 0.35, ("b", "y"): 0.1}
    run = SimpleNamespace(
        pair=lambda i, j: SimpleNamespace(score=scores[(i, j)]) if (i, j) in scores else None
    )
    assert sfe.best_between(run, ["a", "b"], ["x", "y"]) == ("b", "x")  # type: ignore[arg-type]
    assert sfe.best_between(run, ["a"], ["y"]) is None  # type: ignore[arg-type]


def test_trace_parser_shares_the_traces_options_and_keeps_each_scripts_defaults() -> None:
    parser = sfe.trace_parser("First line.\n\nMore.", sets="a,b", forms="full,lead", cache="/x")
    args = parser.parse_args(["--sets", "ecbplus_dev,gva_dev", "--json", "out.json"])
    assert parser.description == "First line."
    assert (args.forms, args.cache, args.json) == ("full,lead", Path("/x"), Path("out.json"))
    assert list(sfe.sets_and_forms(args)) == [
        ("ecbplus_dev", "full"),
        ("ecbplus_dev", "lead"),
        ("gva_dev", "full"),
        ("gva_dev", "lead"),
    ]


def test_the_floor_diff_counts_each_moved_pair_once_by_how_it_moved() -> None:
    for found_on, gold in random_groupings(5):
        found_off = {a: f"t{(int(s[1:]) + len(a)) % 4}" for a, s in found_on.items()}
        on = SimpleNamespace(story=found_on, gold=gold)
        off = SimpleNamespace(story=found_off, gold=gold)
        moved = sfe.moved_pairs(on, off)  # type: ignore[arg-type]
        merged_on, split_on = brute_force(found_on, gold)
        merged_off, split_off = brute_force(found_off, gold)
        # Pairs merged with and not without, less the reverse, is the merged count's move.
        assert moved["new merged"] - moved["unmerged"] == merged_on - merged_off
        assert moved["newly split"] - moved["joined"] == split_on - split_off
        assert sum(moved.values()) == sum(
            (found_on[a] == found_on[b]) != (found_off[a] == found_off[b])
            for a, b in itertools.combinations(found_on, 2)
        )


def test_the_floor_diff_bands_and_outcome() -> None:
    assert [sfe.band_of(x, sfe.COSINE_BANDS) for x in (0.25, 0.27, 0.349, 0.35)] == [
        "<0.27",
        "<0.29",
        "<0.35",
        ">=0.35",
    ]
    assert sfe.band_of(8, sfe.WORD_BANDS) == "<10" and sfe.band_of(24, sfe.WORD_BANDS) == "<25"
    assert [sfe.sentences_band(SimpleNamespace(sentences=["s"] * n)) for n in (1, 2, 3, 7)] == [  # type: ignore[arg-type]
        "1",
        "2",
        "3+",
        "3+",
    ]
    on = SimpleNamespace(story={"a": "s", "b": "s"}, gold={"a": "g", "b": "h"})
    off = SimpleNamespace(story={"a": "s", "b": "t"})
    assert sfe.outcome(on, off, "a", "b") == "different gold: together with / apart without"  # type: ignore[arg-type]
    assert sfe.floor_off(DEFAULT_CONFIG).short_text_ann_min_cosine is None


def test_the_floor_diff_reads_the_grouping_without_attach() -> None:
    stories = [
        SimpleNamespace(id="s1", articles=["a", "b"]),
        SimpleNamespace(id="s2", articles=["c"]),
    ]
    run = SimpleNamespace(
        no_attach=SimpleNamespace(stories=stories), gold={"a": "g", "b": "g", "c": "h"}
    )
    grouping = sfe.without_attach(run)  # type: ignore[arg-type]
    assert grouping.story == {"a": "s1", "b": "s1", "c": "s2"} and grouping.gold is run.gold
