"""The `rewrite` relations of the dev sets, by shape, right and wrong: what joins two events'
short leads, and what a rule on that shape would take from the right pairs.

    python benchmarks/rewrite_bridge_trace.py [--data DIR] [--sets ecbplus_dev,meantime_dev]
        [--forms full,lead,summary,headline] [--cache DIR] [--json FILE]

Each set in each form (:func:`samestory.evaluate.make_short_variants`, the reader's cut) goes
through production's batch pipeline (``analyze_features``, ``DEFAULT_CONFIG``; features cached
per set and form in ``--cache``, which has no code-version key: use a fresh one). Every
relation of kind ``rewrite`` is read by its **shape**:

- ``sentences``: the shorter and the longer side's sentence counts (1, 2, 3+);
- ``close``: the shorter side's sentences whose best cosine reaches ``relate.SOFT_MATCH``
  (the rewrite evidence's close match; for sides of equal length, the fewer of the two);
- ``shares``: a person or a place both texts mark by their own roles, another shared name,
  only a shared number, nothing;
- ``linked by``: ``event`` (the event probability x date factor reaches the story bar),
  ``rewrite evidence`` (the rewrite evidence x date factor does and the event's does not),
  ``kind floor`` (neither: the ``rewrite`` kind, an alignment covering half the shorter
  text at half the bar, lifts the score to the bar);
- ``dated``: both, one or neither side has a date (given or read from the text);
- ``gold``: same or different gold story; ``topic``: same topic or across topics.

Two views: **merge bridges** (story level, as ``short_form_errors.py``): each wrongly merged
pair of gold stories inside one found story, through its bridge (the highest-scored pair
between them), counted in merged article pairs, split by the bridge's kind and, for a
``rewrite`` bridge, its shape; **rewrite relations**: every ``rewrite`` relation, same gold
vs different gold, by shape, and the candidate rule shape ``short pair`` (both sides at most
two sentences, fewer than two close sentences, no shared person or place) counted apart;
**linked relations by people**: every linked non-copy relation, same gold vs different gold,
by whether the two texts share a person, both name people and share none, or not.
Writes nothing but ``--json``.
"""

from __future__ import annotations

import json
import sys
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.metrics import adjusted_rand_score

sys.path.insert(0, str(Path(__file__).resolve().parent))
from short_form_errors import (
    best_between,
    key,
    load,
    merged_parts,
    sets_and_forms,
    shares,
    trace_parser,
)

from samestory import relate
from samestory.config import DEFAULT_CONFIG, Config
from samestory.features import DocFeatures
from samestory.models import Relation, RelationKind
from samestory.pairsims import sentence_similarity, summarise
from samestory.pipeline.batch import Analysis, analyze_features

# The shape a short-pair rule would read: both sides at most this many sentences.
SHORT_SENTENCES = 2


class Look:
    """One set in one form: its analysis and the lookups the views read."""

    def __init__(self, name: str, records: list[dict[str, Any]], analysis: Analysis) -> None:
        self.name = name
        self.analysis = analysis
        self.gold = {str(r["id"]): str(r["story"]) for r in records}
        self.topic = {str(r["id"]): str(r.get("topic") or r["story"]) for r in records}
        self.by_id = {f.id: f for f in analysis.features}
        self.story = {a: s.id for s in analysis.stories for a in s.articles}
        self.relation = {key(r.a, r.b): r for r in analysis.relations}

    def rep(self, article: str) -> str:
        return self.analysis.copy_of.get(article, article)

    def pair(self, a: str, b: str) -> Relation | None:
        return self.relation.get(key(a, b)) or self.relation.get(key(self.rep(a), self.rep(b)))


def look_at(data: Path, stem: str, form: str, cache: Path, config: Config) -> Look:
    """One set (``data/stem.jsonl``) in one form through production's batch pipeline,
    features cached in ``cache``: what every view of a trace reads."""
    records, features = load(data / f"{stem}.jsonl", form, cache, config)
    return Look(f"{stem}:{form}", records, analyze_features(list(features), config))


def _count(n: int) -> str:
    return str(n) if n <= SHORT_SENTENCES else f"{SHORT_SENTENCES + 1}+"


def shape(look: Look, r: Relation, config: Config) -> dict[str, str]:
    """The shape of a scored pair (see the module doc)."""
    a, b = look.by_id[r.a], look.by_id[r.b]
    summary = summarise(sentence_similarity(a.sentence_vectors, b.sentence_vectors))
    close_a = int(np.count_nonzero(summary.rows >= relate.SOFT_MATCH))
    close_b = int(np.count_nonzero(summary.columns >= relate.SOFT_MATCH))
    na, nb = len(a.sentences), len(b.sentences)
    close = close_a if na < nb else close_b if nb < na else min(close_a, close_b)
    ps = relate.pair_score(a, b, config)
    factor = ps.score / max(ps.event_probability, ps.rewrite_evidence, 1e-12)
    bar = config.same_story_threshold
    if ps.event_probability * factor >= bar:
        linked = "event"
    elif ps.rewrite_evidence * factor >= bar:
        linked = "rewrite evidence"
    else:
        linked = "kind floor"
    dated = sum(f.date is not None for f in (a, b))
    return {
        "sentences": f"{_count(min(na, nb))}x{_count(max(na, nb))}",
        "close": str(min(close, SHORT_SENTENCES + 1)),
        "shares": _shares(a, b),
        "linked by": linked,
        "dated": ("neither", "one", "both")[dated],
        "gold": "same gold" if look.gold[r.a] == look.gold[r.b] else "different gold",
        "topic": "same topic" if look.topic[r.a] == look.topic[r.b] else "across topics",
        "rewrite vs event": _versus(ps.rewrite_evidence, ps.event_probability),
    }


def _shares(a: DocFeatures, b: DocFeatures) -> str:
    """``short_form_errors.shares``, its "no name" told apart by a shared number."""
    shared = shares(a, b)
    if shared != "no name":
        return shared
    return "number only" if a.numbers & b.numbers else "nothing"


def _versus(rewrite: float, event: float) -> str:
    if rewrite >= 0.999:
        return "rewrite 1"
    return "rewrite > event" if rewrite > event else "event >= rewrite"


def is_short_pair(s: dict[str, str]) -> bool:
    """The candidate rule's shape: both sides at most two sentences, fewer than two close
    sentences, no shared person or place."""
    small = all(part in ("1", "2") for part in s["sentences"].split("x"))
    return small and int(s["close"]) < 2 and s["shares"] not in ("person", "place")


def rewrite_relations(look: Look, config: Config) -> dict[str, Any]:
    """Every ``rewrite`` relation by gold class and shape."""
    out: dict[str, Counter[str]] = defaultdict(Counter)
    for r in look.analysis.relations:
        if r.kind is not RelationKind.REWRITE:
            continue
        s = shape(look, r, config)
        g = s["gold"]
        out[g]["all"] += 1
        for field in ("sentences", "close", "shares", "linked by", "dated", "topic"):
            out[f"{g} / {field}"][s[field]] += 1
        out[f"{g} / sentences, close, shares"][
            f"{s['sentences']} / {s['close']} / {s['shares']}"
        ] += 1
        if is_short_pair(s):
            out[f"{g} / short pair"][f"{s['topic']} / {s['linked by']} / {s['dated']}"] += 1
            out[g]["short pair"] += 1
    return {k: dict(v.most_common()) for k, v in sorted(out.items())}


def merge_bridges(look: Look, config: Config) -> dict[str, Any]:
    """Story-level wrongly merged article pairs by their bridge (see the module doc)."""
    out: dict[str, Counter[str]] = defaultdict(Counter)
    for left, right, n in merged_parts(look.story, look.gold):
        r = _best_between(look, left, right)
        kind = "no pair" if r is None else (r.kind.value if r.kind else "none")
        out["bridge kind"][kind] += n
        if r is None or r.kind is not RelationKind.REWRITE:
            continue
        s = shape(look, r, config)
        for field in ("sentences", "close", "shares", "linked by", "dated", "topic"):
            out[f"rewrite bridge / {field}"][s[field]] += n
        out["rewrite bridge / rewrite vs event"][s["rewrite vs event"]] += n
        out["rewrite bridge / short pair"][str(is_short_pair(s))] += n
    return {k: dict(v.most_common()) for k, v in sorted(out.items())}


def linked_people(look: Look, config: Config) -> dict[str, Any]:
    """Every linked relation (score at or over the story bar, copies left out) by gold class
    and what the two texts' people say: a shared person, people on both sides and none
    shared (a person conflict), or a person on at most one side."""
    out: dict[str, Counter[str]] = defaultdict(Counter)
    for r in look.analysis.relations:
        if r.score < config.same_story_threshold or r.kind in _COPY_KINDS:
            continue
        a, b = look.by_id[r.a], look.by_id[r.b]
        people_a, people_b = (a.roles or ((), ()))[1], (b.roles or ((), ()))[1]
        if set(people_a) & set(people_b):
            people = "shared person"
        elif people_a and people_b:
            people = "people apart"
        else:
            people = "at most one side"
        gold = "same gold" if look.gold[r.a] == look.gold[r.b] else "different gold"
        out[gold][people] += 1
    return {k: dict(v.most_common()) for k, v in sorted(out.items())}


_COPY_KINDS = (RelationKind.EXACT, RelationKind.NEAR_DUPLICATE)


def _best_between(look: Look, left: list[str], right: list[str]) -> Relation | None:
    best = best_between(look, left, right)  # type: ignore[arg-type]  # Look has its pair()
    return None if best is None else look.pair(*best)


def main(argv: list[str] | None = None) -> int:
    parser = trace_parser(
        __doc__, sets="ecbplus_dev", forms="lead", cache="/tmp/rewrite-bridge-trace"
    )
    args = parser.parse_args(argv)
    config = DEFAULT_CONFIG
    out = []
    for stem, form in sets_and_forms(args):
        look = look_at(args.data, stem, form, args.cache, config)
        ids = [i for i in look.gold if i in look.story]
        row = {
            "set": look.name,
            "story ARI": round(
                adjusted_rand_score([look.gold[i] for i in ids], [look.story[i] for i in ids]),
                4,
            ),
            "merge bridges": merge_bridges(look, config),
            "rewrite relations": rewrite_relations(look, config),
            "linked relations by people": linked_people(look, config),
        }
        out.append(row)
        print(json.dumps(row, indent=1), flush=True)
    if args.json:
        args.json.write_text(json.dumps(out, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
