"""``benchmarks/rewrite_bridge_trace.py``: every merged article pair is counted once through
its bridge, every ``rewrite`` relation once by gold class, and a shape reads what production
scored (the route that linked the pair, the sentence counts, the close sentences)."""

from __future__ import annotations

import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

import rewrite_bridge_trace as rbt  # noqa: E402
import short_form_errors as sfe  # noqa: E402

from samestory import relate  # noqa: E402
from samestory.config import DEFAULT_CONFIG  # noqa: E402
from samestory.embed import encoder_for  # noqa: E402
from samestory.evaluate import make_short_variants, record_to_article  # noqa: E402
from samestory.models import RelationKind  # noqa: E402
from samestory.pipeline.batch import analyze_features  # noqa: E402
from samestory.pipeline.featurise import featurize_all, uncached  # noqa: E402


@pytest.fixture(scope="module")
def look(ecb_records: list[dict]) -> rbt.Look:
    """ECB+'s first four topics as leads, through production's batch pipeline."""
    records = make_short_variants(ecb_records, "lead")
    config = DEFAULT_CONFIG
    articles = [record_to_article(r) for r in records]
    features = featurize_all(articles, config, uncached(encoder_for(config.encoder)))
    return rbt.Look("ecb:lead", records, analyze_features(list(features), config))


def test_every_merged_pair_is_counted_once_through_its_bridge(look: rbt.Look) -> None:
    bridges = rbt.merge_bridges(look, DEFAULT_CONFIG)
    merged = sfe.merged_pairs(look.story, look.gold)
    assert merged > 0  # two events of one topic told alike: the leads merge some
    assert sum(bridges["bridge kind"].values()) == merged
    rewrite = bridges["bridge kind"].get("rewrite", 0)
    assert sum(bridges.get("rewrite bridge / sentences", {}).values()) == rewrite


def test_every_rewrite_relation_is_counted_once_by_gold_class(look: rbt.Look) -> None:
    table = rbt.rewrite_relations(look, DEFAULT_CONFIG)
    kinds = [r for r in look.analysis.relations if r.kind is RelationKind.REWRITE]
    assert kinds
    same = sum(look.gold[r.a] == look.gold[r.b] for r in kinds)
    assert table.get("same gold", {}).get("all", 0) == same
    assert table.get("different gold", {}).get("all", 0) == len(kinds) - same


def test_a_shape_reads_the_scored_pair(look: rbt.Look) -> None:
    bar = DEFAULT_CONFIG.same_story_threshold
    for r in [r for r in look.analysis.relations if r.kind is RelationKind.REWRITE][:20]:
        s = rbt.shape(look, r, DEFAULT_CONFIG)
        a, b = look.by_id[r.a], look.by_id[r.b]
        ps = relate.pair_score(a, b, DEFAULT_CONFIG)
        shorter, longer = s["sentences"].split("x")
        assert shorter == rbt._count(min(len(a.sentences), len(b.sentences)))
        assert longer == rbt._count(max(len(a.sentences), len(b.sentences)))
        # A close sentence of the shorter side at least, as the rewrite kind's alignment.
        assert int(s["close"]) >= 1
        if s["linked by"] == "kind floor":
            assert ps.score < bar <= r.score
        else:
            assert ps.score >= bar


def test_short_pair_shape_and_what_two_texts_share() -> None:
    shape = {"sentences": "1x2", "close": "1", "shares": "other name"}
    assert rbt.is_short_pair(shape)
    assert not rbt.is_short_pair({**shape, "close": "2"})
    assert not rbt.is_short_pair({**shape, "shares": "place"})
    assert not rbt.is_short_pair({**shape, "sentences": "2x3+"})

    def text(places: set[str], people: set[str], names: set[str], numbers: set[str]):
        return SimpleNamespace(
            roles=(frozenset(places), frozenset(people)),
            entities=frozenset(names),
            numbers=frozenset(numbers),
        )

    a = text({"ohio"}, {"smith"}, {"ohio", "smith", "acme"}, {"3"})
    assert rbt._shares(a, text(set(), {"smith"}, {"smith"}, set())) == "person"  # type: ignore[arg-type]
    assert rbt._shares(a, text({"ohio"}, set(), {"ohio"}, set())) == "place"  # type: ignore[arg-type]
    assert rbt._shares(a, text(set(), set(), {"acme"}, set())) == "other name"  # type: ignore[arg-type]
    assert rbt._shares(a, text(set(), set(), set(), {"3"})) == "number only"  # type: ignore[arg-type]
    assert rbt._shares(a, text(set(), set(), set(), set())) == "nothing"  # type: ignore[arg-type]
