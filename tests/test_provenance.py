"""Which version came first, and derivation direction."""

from __future__ import annotations

import datetime as dt

from samestory.models import Evidence, Relation, RelationKind
from samestory.provenance import derivations, first_version, orient


def rel(a, b, kind=RelationKind.REWRITE, cov_a=0.5, cov_b=0.5):
    return Relation(a, b, kind, 0.9, Evidence(scores={"coverage_a": cov_a, "coverage_b": cov_b}))


def test_earlier_date_is_the_source():
    dates = {"x": dt.date(2025, 1, 2), "y": dt.date(2025, 1, 1)}
    oriented, reason = orient(rel("x", "y"), dates, {})
    assert (oriented.a, oriented.b, reason) == ("y", "x", "earlier date")


def test_contained_version_is_the_copy():
    # All of y's sentences are found in x (coverage_b = 1), so y copies x.
    oriented, _ = orient(rel("y", "x", cov_a=1.0, cov_b=0.4), {}, {})
    assert (oriented.a, oriented.b) == ("x", "y")
    assert oriented.evidence.scores["coverage_b"] == 1.0


def test_same_event_pairs_give_no_derivation_edge():
    relations = [rel("a", "b", RelationKind.SAME_EVENT), rel("a", "c")]
    _, edges = derivations(relations, {}, {"a": 10, "c": 5})
    assert [(e.source, e.copy) for e in edges] == [("a", "c")]


def test_first_version_prefers_dates_then_roots():
    assert first_version(["a", "b"], {"b": dt.date(2020, 1, 1)}, {}, []) == "b"
    _, edges = derivations([rel("b", "a", cov_a=0.2, cov_b=0.9)], {}, {})
    assert first_version(["a", "b"], {}, {}, edges) == "b"
