"""Provenance inside a story: which version came first, which derive from which.

Order of evidence, strongest first:

1. **Dates** (metadata, else the first date written in the text): earlier is the source.
2. **Containment**: for a derivation pair (exact / near-duplicate / rewrite) with no date
   order, the version whose sentences are more fully found in the other is the copy. A
   copy keeps (part of) its source and adds little of its own; the source carries the
   material the copy dropped. In alignment terms: if ``coverage(B) > coverage(A)``, B is
   largely contained in A, so A is the source.
3. **Length, then id**: the longer text (more original material), then the smaller id,
   so that the result is always deterministic.

Only derivation relations give edges; ``same_event`` pairs are independent reports.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

from samestory.models import Derivation, Relation

_FAR_FUTURE = dt.date.max
# Coverages closer than this say nothing about which version contains the other (shipped
# with the engine, 2026-11-23, docs/experiments.md; no measurement recorded).
COVERAGE_MARGIN = 0.05


def orient(
    relation: Relation, dates: Mapping[str, dt.date | None], lengths: Mapping[str, int]
) -> tuple[Relation, str]:
    """Return ``relation`` with ``a`` = the source and ``b`` = the copy, and the reason."""
    a, b = relation.a, relation.b
    date_a, date_b = dates.get(a), dates.get(b)
    if date_a and date_b and date_a != date_b:
        return (_swap(relation) if date_b < date_a else relation), "earlier date"
    scores = relation.evidence.scores
    cov_a, cov_b = scores.get("coverage_a"), scores.get("coverage_b")
    if cov_a is not None and cov_b is not None and abs(cov_a - cov_b) > COVERAGE_MARGIN:
        # The version more fully contained in the other is the copy.
        return (_swap(relation) if cov_a > cov_b else relation), "contained in the other"
    if lengths.get(a, 0) != lengths.get(b, 0):
        return (_swap(relation) if lengths.get(b, 0) > lengths.get(a, 0) else relation), (
            "longer version"
        )
    return (_swap(relation) if b < a else relation), "tie broken by id"


def _swap(relation: Relation) -> Relation:
    scores = dict(relation.evidence.scores)
    if "coverage_a" in scores and "coverage_b" in scores:
        scores["coverage_a"], scores["coverage_b"] = scores["coverage_b"], scores["coverage_a"]
    from dataclasses import replace

    aligned = tuple(
        replace(s, a_index=s.b_index, b_index=s.a_index, a_text=s.b_text, b_text=s.a_text)
        for s in relation.evidence.aligned
    )
    evidence = replace(relation.evidence, aligned=aligned, scores=scores)
    return replace(relation, a=relation.b, b=relation.a, evidence=evidence)


def derivations(
    relations: Sequence[Relation],
    dates: Mapping[str, dt.date | None],
    lengths: Mapping[str, int],
) -> tuple[list[Relation], list[Derivation]]:
    """Orient every relation (derivations source→copy) and list the derivation edges."""
    oriented: list[Relation] = []
    edges: list[Derivation] = []
    for relation in relations:
        kind = relation.kind
        if kind is not None and kind.is_derivation:
            relation, reason = orient(relation, dates, lengths)
            edges.append(Derivation(relation.a, relation.b, kind, reason))
        oriented.append(relation)
    return oriented, edges


def first_version(
    members: Sequence[str],
    dates: Mapping[str, dt.date | None],
    lengths: Mapping[str, int],
    edges: Sequence[Derivation],
) -> str:
    """The earliest version: earliest date; among undated or equal, a derivation root."""
    copies = {e.copy for e in edges}
    outgoing: dict[str, int] = {}
    for e in edges:
        outgoing[e.source] = outgoing.get(e.source, 0) + 1

    def key(article_id: str) -> tuple[dt.date, int, int, int, str]:
        return (
            dates.get(article_id) or _FAR_FUTURE,
            article_id in copies,
            -outgoing.get(article_id, 0),
            -lengths.get(article_id, 0),
            article_id,
        )

    return min(members, key=key)


def time_order(
    members: Sequence[str], dates: Mapping[str, dt.date | None], first: str
) -> list[str]:
    """Members with ``first`` leading, then by date (undated last), then by id."""
    rest = sorted(
        (m for m in members if m != first), key=lambda m: (dates.get(m) or _FAR_FUTURE, m)
    )
    return [first, *rest]
