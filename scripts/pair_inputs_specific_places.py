"""Candidate pair-model input (``scripts/fit_pair_model.py --screen``): whether two
reports agree on a *specific* place (a street, a venue, a building), not on the city.

    python scripts/fit_pair_model.py <the shipped options> --max-pairs 100000 \\
        --fold-seeds 10 --screen scripts/pair_inputs_specific_places.py

``place_agreement`` (``scripts/pair_inputs_roles.py``) reads every name a text marks as a
place or institution (:func:`samestory.name_roles.name_roles`): it raised ECB+'s recall at
P 0.9 on every fold split but cost GVA its precision, because two shootings of one city
share the city, its county, its hospitals and its police (name_roles' own example). This
reads only the places one incident has and the next one of the city has not:

- ``specific_place_agreement``: +1 when a specific place of either text is named by the
  other (anywhere, marked or not), -1 when both texts mark specific places and neither
  names one of the other's, 0 otherwise (English only).

A specific place is a capitalised run (:data:`samestory.normalize.NAME_RUN`) whose last
word, or one of the two words after it, is a street, venue or building word
(:data:`SPECIFIC_HEADS`: "Penn Avenue", "the Lucky Star lounge"); its tokens less those
words, compass words and words of a kind of place (:data:`GENERIC`), so that "Avenue",
"South" or "High" (School) alone is no place in common. A run marked only by a locative
("in Wilkinsburg") is a town, not specific.

Screened 2026-12-06 (docs/history/accuracy.md, compare); not shipped unless that section
says so.
"""

from __future__ import annotations

import argparse
import functools
import json
import pickle
import re
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from samestory import normalize
from samestory.features import DocFeatures

# The street / venue / building words and the tokens no place is told by alone ("High
# School", "State Street"): production's lists since 2026-12-07, this screen's word for word.
from samestory.venues import GENERIC, SPECIFIC_HEADS

_WORD = re.compile(r"[\w'’\-]+")
CACHE_SENTENCES = 1 << 15


def _head_of(run: str, after: str, heads: frozenset[str]) -> str | None:
    """The word of ``heads`` that makes ``run`` a specific place: its last word, or one of
    the two words after it; None when neither is."""
    last = run.split()[-1].lower()
    if last in heads:
        return last
    following = [w.lower() for w in _WORD.findall(after[:40])[:2]]
    return next((w for w in following if w in heads), None)


@functools.lru_cache(maxsize=CACHE_SENTENCES)
def sentence_places(sentence: str, heads: frozenset[str]) -> tuple[tuple[str, str, str], ...]:
    """Each token of ``sentence``'s runs that name a specific place by ``heads``, with its
    run and the head word that marked it (the trace reads these)."""
    found = []
    for match in normalize.NAME_RUN.finditer(sentence):
        run = match.group(1)
        head = _head_of(run, sentence[match.end() :], heads)
        if head is not None:
            found += [(t, run, head) for t in normalize.entities(run) if t not in GENERIC]
    return tuple(found)


def sentence_specific_places(
    sentence: str, heads: frozenset[str] = SPECIFIC_HEADS
) -> frozenset[str]:
    """The tokens of ``sentence``'s runs that name a specific place (see the module)."""
    return frozenset(t for t, _, _ in sentence_places(sentence, heads))


def specific_places(f: DocFeatures, heads: frozenset[str] = SPECIFIC_HEADS) -> frozenset[str]:
    """The specific places a text names, as :func:`samestory.normalize.entities` tokens."""
    return frozenset().union(*(sentence_specific_places(s, heads) for s in f.sentences))


def place_agreement_by(heads: frozenset[str]) -> Callable[[DocFeatures, DocFeatures], float]:
    """The agreement input over the specific places ``heads`` mark: +1 / -1 / 0, a specific
    place in common, none while both name one, or no evidence."""

    def agreement(a: DocFeatures, b: DocFeatures) -> float:
        mine_a, mine_b = specific_places(a, heads), specific_places(b, heads)
        if (mine_a & b.entities) or (mine_b & a.entities):
            return 1.0  # the other names it, marked or not ("the shooting at Lucky Star")
        return -1.0 if mine_a and mine_b else 0.0

    return agreement


specific_place_agreement = place_agreement_by(SPECIFIC_HEADS)


def shared_places(
    a: DocFeatures, b: DocFeatures, heads: frozenset[str] = SPECIFIC_HEADS
) -> list[tuple[str, str, str]]:
    """What makes the agreement +1: each specific place of either text that the other
    names, with the run and head that marked it (token, run, head)."""
    shared = []
    for mine, other in ((a, b), (b, a)):
        for sentence in mine.sentences:
            shared += [p for p in sentence_places(sentence, heads) if p[0] in other.entities]
    return sorted(set(shared))


INPUTS = {"specific_place_agreement": specific_place_agreement}


def _features(cache: Path, name: str) -> dict[str, DocFeatures]:
    """A set's full texts' features as ``fit_pair_model.py``'s cache holds them."""
    file = cache / f"{name}.full.use.features.pkl"
    return {f.id: f for f in pickle.loads(file.read_bytes())}


def print_places(features: dict[str, DocFeatures], heads: frozenset[str], top: int) -> None:
    """The tokens read as specific places most often, by texts, with the heads that marked
    them and a run."""
    texts: Counter[str] = Counter()
    marked: dict[str, Counter[str]] = {}
    for f in features.values():
        found = [p for s in f.sentences for p in sentence_places(s, heads)]
        texts.update({t for t, _, _ in found})
        for token, run, head in found:
            marked.setdefault(token, Counter())[f"{head} ({run})"] += 1
    print(
        f"{sum(1 for f in features.values() if specific_places(f, heads))} of "
        f"{len(features)} texts name a specific place"
    )
    for token, count in texts.most_common(top):
        print(f"{count:>4} {token}: {dict(marked[token].most_common(3))}")


def _kind(row: dict) -> str:
    if row["candidate_links"]:
        return "false link added" if not row["gold"] else "link added"
    return "link lost" if row["gold"] else "true negative gained"


def print_differences(
    path: Path, features: dict[str, DocFeatures], name: str, heads: frozenset[str]
) -> None:
    """The pairs of set ``name`` in a ``--screen-differences`` file, each with the places
    that made its agreement +1, then their tally (pairs and weight) by what the candidate
    did, its value and the head words of the places that agreed."""
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    tally: Counter[tuple[str, str, str]] = Counter()
    weight: Counter[tuple[str, str, str]] = Counter()
    for row in (r for r in rows if r["set"] == name):
        places = shared_places(*(features[i] for i in row["ids"]), heads)
        kind = _kind(row)
        print(
            f"seed {row.get('fold_seed', '-')} {row['candidate']} {kind}: "
            f"{' / '.join(row['ids'])} value {row['value']:+.0f} p {row['p']:.3f} "
            f"(threshold {row['threshold']:.2f}) places {places}"
        )
        key = (kind, f"{row['value']:+.0f}", ",".join(sorted({h for _, _, h in places})) or "-")
        tally[key] += 1
        weight[key] += row["weight"]
    print(f"{name}: pairs (weight) by what the candidate did, its value, the agreeing heads")
    for key in sorted(tally):
        print(f"  {' | '.join(key)}: {tally[key]} ({weight[key]:.1f})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cache", type=Path, required=True, help="fit_pair_model.py's --cache")
    parser.add_argument("--set", default="meantime_dev")
    parser.add_argument("--differences", type=Path, help="a --screen-differences file")
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument(
        "--drop-heads", default="", help="heads read as no specific place (R5s: a comma list)"
    )
    args = parser.parse_args()
    heads = SPECIFIC_HEADS - set(args.drop_heads.split(","))
    features = _features(args.cache, args.set)
    print_places(features, heads, args.top)
    if args.differences:
        print_differences(args.differences, features, args.set, heads)


if __name__ == "__main__":
    main()
