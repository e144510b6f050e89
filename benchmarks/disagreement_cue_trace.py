"""Candidate disagreement cues for the event model, counted on right and wrong pairs: what a
cue that reads "the two texts' leads name a different person" or "a different weekday" fires
on, before any cue is built.

    python benchmarks/disagreement_cue_trace.py [--data DIR] [--sets ecbplus_dev,...]
        [--forms full,lead,summary,headline] [--cache DIR] [--json FILE]

Each set in each form (:func:`samestory.evaluate.make_short_variants`, the reader's cut) goes
through production's batch pipeline (``analyze_features``, ``DEFAULT_CONFIG``; features cached
per set and form in ``--cache``, which has no code-version key: use a fresh one). Each
candidate cue is read from the pair's two :class:`DocFeatures` alone, from the first
``pairsims.LEAD_SENTENCES`` sentences of each text (its lead; a headline is one sentence):

- ``person apart``: each lead has a name run of two or more capitalised words none of whose
  words the other *whole* text names (Jamal Williams / Vincent Jackson); ``subject apart``:
  the same for each lead's *first* such run only (the subject of most news leads);
- ``weekday apart``: both leads name a weekday and no weekday is named by both ("issued a
  patch Wednesday" / "on Tuesday"); ``day apart``: the same with "today", "tonight",
  "yesterday" and "last night" read as a weekday against a side's publication date, when it
  has one.

Three views per set and form, each cue counted as firing / all:

- **merged article pairs** (story level): the pairs of articles one found story holds, same
  gold story (right) vs different gold story of the same topic (wrong);
- **linked relations**: every scored pair at or over the story bar (copies left out), same
  vs different gold;
- **candidate relations** (every scored pair, copies left out), same vs different gold: what a
  fit of the cue on this set and form sees.

Writes nothing but ``--json``.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import re
import sys
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from rewrite_bridge_trace import Look, look_at
from short_form_errors import parts_of, sets_and_forms, trace_parser

from samestory import normalize
from samestory.config import DEFAULT_CONFIG, Config
from samestory.features import DocFeatures
from samestory.models import RelationKind
from samestory.pairsims import LEAD_SENTENCES

_WEEKDAY_NAMES = [
    "monday lunes lunedì lunedi maandag montag lundi",
    "tuesday martes martedì martedi dinsdag dienstag mardi",
    "wednesday miércoles miercoles mercoledì mercoledi woensdag mittwoch mercredi",
    "thursday jueves giovedì giovedi donderdag donnerstag jeudi",
    "friday viernes venerdì venerdi vrijdag freitag vendredi",
    "saturday sábado sabado zaterdag samstag samedi",
    "sunday domingo domenica zondag sonntag dimanche",
]
WEEKDAYS = {name: k for k, names in enumerate(_WEEKDAY_NAMES) for name in names.split()}
_WEEKDAY = re.compile(r"\b(" + "|".join(sorted(WEEKDAYS, key=len, reverse=True)) + r")\b", re.I)
# Relative days read against a side's own publication date (days before it).
RELATIVE_DAYS = {"today": 0, "tonight": 0, "yesterday": 1, "last night": 1}
_RELATIVE = re.compile(r"\b(" + "|".join(RELATIVE_DAYS) + r")\b", re.I)
_COPY_KINDS = (RelationKind.EXACT, RelationKind.NEAR_DUPLICATE)


def lead_of(f: DocFeatures) -> tuple[str, ...]:
    return tuple(f.sentences[:LEAD_SENTENCES])


@functools.lru_cache(maxsize=1 << 15)
def name_runs(lead: tuple[str, ...]) -> tuple[tuple[str, ...], ...]:
    """The lead's name runs of two or more name words, in order, as their word tuples."""
    runs = []
    for sentence in lead:
        for match in normalize.NAME_RUN.finditer(sentence):
            tokens = normalize.run_tokens(match.group(1))
            if len(tokens) >= 2:
                runs.append(tokens)
    return tuple(runs)


def _apart(runs: tuple[tuple[str, ...], ...], other: frozenset[str]) -> bool:
    return any(not set(run) & other for run in runs)


def person_apart(a: DocFeatures, b: DocFeatures) -> bool:
    runs_a, runs_b = name_runs(lead_of(a)), name_runs(lead_of(b))
    return _apart(runs_a, b.entities) and _apart(runs_b, a.entities)


def subject_apart(a: DocFeatures, b: DocFeatures) -> bool:
    runs_a, runs_b = name_runs(lead_of(a))[:1], name_runs(lead_of(b))[:1]
    return _apart(runs_a, b.entities) and _apart(runs_b, a.entities)


@functools.lru_cache(maxsize=1 << 15)
def weekdays(lead: tuple[str, ...]) -> frozenset[int]:
    return frozenset(WEEKDAYS[m.lower()] for s in lead for m in _WEEKDAY.findall(s))


def days_named(f: DocFeatures) -> frozenset[int]:
    """The lead's weekdays, with its relative days read against its own date when given."""
    lead = lead_of(f)
    named = set(weekdays(lead))
    if f.date is not None and not f.date_from_text:
        for sentence in lead:
            for m in _RELATIVE.findall(sentence):
                named.add((f.date - dt.timedelta(days=RELATIVE_DAYS[m.lower()])).weekday())
    return frozenset(named)


def weekday_apart(a: DocFeatures, b: DocFeatures) -> bool:
    wa, wb = weekdays(lead_of(a)), weekdays(lead_of(b))
    return bool(wa and wb and not wa & wb)


def day_apart(a: DocFeatures, b: DocFeatures) -> bool:
    wa, wb = days_named(a), days_named(b)
    return bool(wa and wb and not wa & wb)


CUES: dict[str, Callable[[DocFeatures, DocFeatures], bool]] = {
    "person apart": person_apart,
    "subject apart": subject_apart,
    "weekday apart": weekday_apart,
    "day apart": day_apart,
}


def merged_article_pairs(look: Look) -> Iterator[tuple[str, str, bool]]:
    """Every pair of articles inside one found story: right (same gold) or wrong (same
    topic, different gold); pairs across topics are left out (no cue of one topic)."""
    for parts in parts_of(look.story, look.gold).values():
        articles = [a for members in parts.values() for a in members]
        for x, a in enumerate(articles):
            for b in articles[x + 1 :]:
                if look.topic[a] != look.topic[b]:
                    continue
                yield a, b, look.gold[a] == look.gold[b]


def count_view(look: Look, pairs: Iterator[tuple[str, str, bool]]) -> dict[str, dict[str, str]]:
    fired: dict[str, Counter[str]] = defaultdict(Counter)
    totals: Counter[str] = Counter()
    for a, b, right in pairs:
        side = "right" if right else "wrong"
        totals[side] += 1
        fa, fb = look.by_id[a], look.by_id[b]
        for name, cue in CUES.items():
            if cue(fa, fb):
                fired[name][side] += 1
    return {
        name: {side: f"{fired[name][side]} / {totals[side]}" for side in ("wrong", "right")}
        for name in CUES
    }


def relation_pairs(look: Look, bar: float | None) -> Iterator[tuple[str, str, bool]]:
    for r in look.analysis.relations:
        if r.kind in _COPY_KINDS or (bar is not None and r.score < bar):
            continue
        yield r.a, r.b, look.gold[r.a] == look.gold[r.b]


def examples(look: Look, n: int) -> list[str]:
    """The first ``n`` wrong merged pairs each cue fires on, as their leads."""
    out = []
    for a, b, right in merged_article_pairs(look):
        if right or len(out) >= n:
            continue
        fa, fb = look.by_id[a], look.by_id[b]
        names = [name for name, cue in CUES.items() if cue(fa, fb)]
        if names:
            out.append(f"{names}: {' '.join(lead_of(fa))[:160]} || {' '.join(lead_of(fb))[:160]}")
    return out


def view(look: Look, config: Config) -> dict[str, Any]:
    return {
        "merged article pairs": count_view(look, merged_article_pairs(look)),
        "linked relations": count_view(look, relation_pairs(look, config.same_story_threshold)),
        "candidate relations": count_view(look, relation_pairs(look, None)),
    }


def main(argv: list[str] | None = None) -> int:
    parser = trace_parser(
        __doc__, sets="ecbplus_dev", forms="lead", cache="/tmp/disagreement-cue-trace"
    )
    parser.add_argument("--examples", type=int, default=0, help="wrong merged pairs to print")
    args = parser.parse_args(argv)
    config = DEFAULT_CONFIG
    out = []
    for stem, form in sets_and_forms(args):
        look = look_at(args.data, stem, form, args.cache, config)
        row = {"set": look.name, **view(look, config)}
        out.append(row)
        print(json.dumps(row), flush=True)
        for line in examples(look, args.examples):
            print("   ", line, flush=True)
    if args.json:
        args.json.write_text(json.dumps(out, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
