"""``benchmarks/gva_short_trace.py``: the topic rule for unequal topics judges the topics of
40 or more articles one by one and the rest only through the size-weighted mean; what two
texts share is read in its order (person, place, number, another name, nothing)."""

from __future__ import annotations

import itertools
import sys
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

import gva_short_trace as gst  # noqa: E402


def _prep(sizes: dict[str, int]) -> SimpleNamespace:
    topic = {f"{t}{i}": t for t, n in sizes.items() for i in range(n)}
    return SimpleNamespace(topic=topic)


def _row(aris: dict[str, float]) -> dict[str, float]:
    return {f"thread {t}": v for t, v in aris.items()}


def test_topic_rule_weighs_topics_by_size_and_judges_only_large_ones() -> None:
    prep = _prep({"big": 600, "mid": 100, "small": 20})
    before = _row({"big": 0.6, "mid": 0.7, "small": 0.5})
    # A small topic's large loss is outweighed and not judged on its own.
    verdict = gst.topic_rule(prep, before, _row({"big": 0.62, "mid": 0.7, "small": 0.2}))
    assert verdict["passes"] and verdict["topics over the loss"] == {}
    # A judged topic losing more than TOPIC_LOSS fails the rule though the mean rises.
    verdict = gst.topic_rule(prep, before, _row({"big": 0.7, "mid": 0.67, "small": 0.5}))
    assert not verdict["passes"] and set(verdict["topics over the loss"]) == {"mid"}
    # A loss within TOPIC_LOSS is allowed; a flat mean is not a rise.
    assert gst.topic_rule(prep, before, _row({"big": 0.61, "mid": 0.69, "small": 0.5}))["passes"]
    assert not gst.topic_rule(prep, before, before)["passes"]


def _features(names: set[str], people: set[str], places: set[str], numbers: set[str]):
    return SimpleNamespace(
        entities=frozenset(names),
        roles=(frozenset(places), frozenset(people)),
        numbers=frozenset(numbers),
    )


def test_shares_reads_person_then_place_then_number_then_name() -> None:
    a = _features({"Smith", "Dallas", "Police"}, {"Smith"}, {"Dallas"}, {"3"})
    assert gst.shares(a, _features({"Smith"}, set(), set(), set())) == "person"
    assert gst.shares(a, _features({"Dallas", "Smith"}, set(), {"Dallas"}, set())) == "person"
    assert gst.shares(a, _features({"Dallas"}, set(), set(), {"3"})) == "place"
    assert gst.shares(a, _features({"Houston"}, set(), {"Houston"}, {"3"})) == "number"
    assert gst.shares(a, _features({"Police"}, set(), set(), set())) == "other name"
    assert gst.shares(a, _features({"Austin"}, set(), set(), {"4"})) == "nothing"


def test_article_pairs_are_every_pair_within_a_group() -> None:
    groups = {"a": "x", "b": "x", "c": "y", "d": "x", "e": "y", "f": "z"}
    expected = {
        (p, q) for p, q in itertools.combinations(sorted(groups), 2) if groups[p] == groups[q]
    }
    assert set(gst.article_pairs(groups)) == expected
