"""GVA's short forms traced pair by pair, by topic, and rules on the attach step across the
published-date gate screened under a topic rule written for unequal topics.

    python benchmarks/gva_short_trace.py [--data DIR] [--set gva_dev]
        [--forms full,lead,summary,headline] [--cache DIR] [--rules p1,pp,ps,l3]
        [--no-trace] [--json FILE]

Each form of the set (:func:`samestory.evaluate.make_short_variants`; features cached in
``--cache`` as ``benchmarks/short_form_errors.py`` caches them) goes through production's
stages (``DEFAULT_CONFIG``: copies, candidates, scoring, then grouping with roundups and
threads, :func:`samestory.pipeline.batch.assemble_analysis`). Article pairs are then
counted against the gold (GVA's labels are incidents, judged at thread level), as the
ARI counts them, each by its days apart (the records' publication dates), what the two
texts share (a name either text's roles read as a person, else as a place, else a number,
else another name, else nothing) and the gold's topic:

- **merged** pairs (two incidents, one found thread) by the **step** that joined them:
  ``average link`` (one story without the attach step too: grouped again with
  ``attach_threshold=None``), ``attach`` (one story only with it) or ``follow_up link``
  (two found stories of one thread);
- **joined** pairs (one incident, one found thread: what a rule could lose) by the same
  steps;
- **split** pairs (one incident, two found threads) by whether they were ever proposed
  (a scored pair between the two texts' copy representatives) and the band of their
  score (at the story bar, the attach band, under it);
- every scored pair in the attach band whose two publication dates are more than 30 days
  apart (what the attach step reads across the date gate), same incident or not;
- the story-level pairs the attach step put together, right or wrong, by the sizes of the
  two parts it joined (a lone text or a splinter, into a story of 2, 3-5, 6+).

``--rules`` screens rules that change the scores of pairs across the published-date gate
before grouping (the scores are the only change; every stage after them is
production's): ``p1`` scales the published-date factor 0.35 by the pair's shortness as
the fitted text-date gate is, ``0.35 - (0.35 - text_short) * u``; ``pp`` scores a pair of
a short text (:func:`samestory.relate.is_short_text`) under the attach bar when its texts
share no name either text's roles read as a person or a place; ``ps`` when they share no
name read as a person. ``l3`` changes the grouping instead: a lone text joins a story of
three or more at the attach bar (the splinter rule's size), not one of two. Each rule is
judged by the **topic rule for unequal topics** (written before the screen,
docs/history/accuracy.md, 2026-12-06, gvalead): at thread level, the size-weighted mean of
the topics' ARIs must rise and no topic of ``MIN_JUDGED_TOPIC`` (40) or more articles may
lose more than ``TOPIC_LOSS`` (0.02). Writes nothing but ``--json``.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import json
import pickle
import sys
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from corpus import DATA
from far_kinds import date_source, far
from short_form_errors import day_band, days_apart, key, load, score_band
from sklearn.metrics import adjusted_rand_score

from samestory import relate, stories
from samestory.config import DEFAULT_CONFIG, Config
from samestory.features import DocFeatures
from samestory.models import Relation
from samestory.pipeline.batch import Analysis, assemble_analysis
from samestory.pipeline.copies import CopyGroups, collapse_copies
from samestory.pipeline.propose import propose_pairs
from samestory.pipeline.score import score_pairs

# The topic rule for unequal topics: topics this large are judged one by one, and may
# lose at most this much thread ARI; smaller ones count only in the size-weighted mean.
MIN_JUDGED_TOPIC = 40
TOPIC_LOSS = 0.02
ACROSS_TOPICS = "across topics"


@dataclasses.dataclass
class Prepared:
    """One form of the set: its records, features and scored pairs (scored once)."""

    name: str
    records: list[dict[str, Any]]
    features: list[DocFeatures]
    copies: CopyGroups
    pairs: list[tuple[int, int]]
    relations: list[Relation]

    def __post_init__(self) -> None:
        self.gold = {str(r["id"]): str(r["story"]) for r in self.records}
        self.topic = {str(r["id"]): str(r.get("topic")) for r in self.records}
        self.day = {str(r["id"]): r.get("date") for r in self.records}
        self.index = {f.id: i for i, f in enumerate(self.features)}

    def analysis(self, relations: list[Relation], config: Config) -> Analysis:
        return assemble_analysis(self.features, self.copies, self.pairs, relations, config)


def prepare(data: Path, stem: str, form: str, cache: Path, config: Config) -> Prepared:
    """The form's features (cached), copies, candidate pairs and relations (cached beside
    the features: a screen re-reads them instead of scoring again)."""
    records, features = load(data / f"{stem}.jsonl", form, cache, config)
    features = list(features)
    scored = cache / f"{stem}-{form}-{config.encoder}.scored.pkl"
    if scored.exists():
        copies, pairs, relations = pickle.loads(scored.read_bytes())
    else:
        copies = collapse_copies(features, config)
        pairs = propose_pairs(features, copies, config)
        relations = score_pairs(features, copies.copies + pairs, config, lean=True)
        scored.write_bytes(pickle.dumps((copies, pairs, relations)))
    return Prepared(f"{stem}:{form}", records, features, copies, pairs, relations)


def shares(a: DocFeatures, b: DocFeatures) -> str:
    """What two texts share: a person or place name (either text's roles), a number,
    another name, nothing; the first that holds."""
    places_a, people_a = a.roles or (frozenset(), frozenset())
    places_b, people_b = b.roles or (frozenset(), frozenset())
    if (people_a | people_b) & a.entities & b.entities:
        return "person"
    if (places_a | places_b) & a.entities & b.entities:
        return "place"
    if a.numbers & b.numbers:
        return "number"
    return "other name" if a.entities & b.entities else "nothing"


def shares_person_or_place(a: DocFeatures, b: DocFeatures) -> bool:
    return shares(a, b) in ("person", "place")


class Lookups:
    """A found analysis read against the gold: stories, threads, the scored pairs."""

    def __init__(self, prep: Prepared, analysis: Analysis, no_attach: Analysis) -> None:
        self.prep = prep
        self.story = {a: s.id for s in analysis.stories for a in s.articles}
        self.thread = {a: s.thread or s.id for s in analysis.stories for a in s.articles}
        self.plain_story = {a: s.id for s in no_attach.stories for a in s.articles}
        self.copy_of = analysis.copy_of
        self.by_id = {f.id: f for f in prep.features}
        self.relation = {key(r.a, r.b): r for r in analysis.relations}

    def rep(self, article: str) -> str:
        return self.copy_of.get(article, article)

    def pair(self, a: str, b: str) -> Relation | None:
        return self.relation.get(key(a, b)) or self.relation.get(key(self.rep(a), self.rep(b)))

    def days(self, a: str, b: str) -> str:
        return day_band(days_apart(self.prep, a, b))  # the records' dates (prep.day)

    def shared(self, a: str, b: str) -> str:
        return shares(self.by_id[self.rep(a)], self.by_id[self.rep(b)])

    def topic(self, a: str, b: str) -> str:
        ta, tb = self.prep.topic[a], self.prep.topic[b]
        return ta if ta == tb else ACROSS_TOPICS


def article_pairs(groups: dict[str, str]) -> Iterable[tuple[str, str]]:
    """Every pair of articles in one group of ``groups`` (article -> group)."""
    members: dict[str, list[str]] = defaultdict(list)
    for article, g in groups.items():
        members[g].append(article)
    for arts in members.values():
        arts.sort()
        for x, a in enumerate(arts):
            for b in arts[x + 1 :]:
                yield a, b


def trace(look: Lookups, config: Config) -> dict[str, Any]:
    """Merged and split pairs (thread level) by step or band, days, shares and topic."""
    prep = look.prep
    tables: dict[str, Counter[str]] = defaultdict(Counter)
    for a, b in article_pairs(look.thread):
        if prep.gold[a] == prep.gold[b]:
            continue
        _count(tables, "merged", _step(look, a, b), look, a, b)
    for a, b in article_pairs(prep.gold):
        if look.thread[a] == look.thread[b]:
            _count(tables, "joined", _step(look, a, b), look, a, b)
            continue
        r = look.pair(a, b)
        band = "not proposed" if r is None else score_band(r.score, config)
        _count(tables, "split", band, look, a, b)
    _far_attach_band(tables, look, config)
    _attach_parts(tables, look)
    return {name: dict(c.most_common()) for name, c in sorted(tables.items())}


def _attach_parts(tables: dict[str, Counter[str]], look: Lookups) -> None:
    """The pairs the attach step put together (two stories of the grouping without it,
    one found story), by the size of the smaller of the two parts (a lone text, as
    ``lone_attach`` moves it, or a splinter) and of the larger: right joins and wrong
    merges."""
    gold = look.prep.gold
    part_size = Counter(look.plain_story.values())
    for a, b in article_pairs(look.story):
        pa, pb = look.plain_story[a], look.plain_story[b]
        if pa == pb:
            continue
        small, large = sorted((part_size[pa], part_size[pb]))
        sizes = f"{_size_band(small)} into {_size_band(large)}"
        verdict = "right" if gold[a] == gold[b] else "wrong"
        tables["attach: parts' sizes x verdict"][f"{sizes} / {verdict}"] += 1
        tables["attach: verdict x days"][f"{verdict} / {look.days(a, b)}"] += 1


def _size_band(n: int) -> str:
    return "1" if n == 1 else "2" if n == 2 else "3-5" if n <= 5 else "6+"


def _step(look: Lookups, a: str, b: str) -> str:
    """The step that put two articles of one found thread together."""
    if look.story[a] != look.story[b]:
        return "follow_up link"
    return "average link" if look.plain_story[a] == look.plain_story[b] else "attach"


def _count(
    tables: dict[str, Counter[str]], side: str, how: str, look: Lookups, a: str, b: str
) -> None:
    days, shared, topic = look.days(a, b), look.shared(a, b), look.topic(a, b)
    tables[f"{side} by step or band"][how] += 1
    tables[f"{side}: step or band x days"][f"{how} / {days}"] += 1
    tables[f"{side}: step or band x shares"][f"{how} / {shared}"] += 1
    tables[f"{side}: step or band x topic"][f"{how} / {topic}"] += 1
    if days in (">180", "31-180"):
        tables[f"{side} over 30 days: step or band x shares"][f"{how} / {shared}"] += 1


def _far_attach_band(tables: dict[str, Counter[str]], look: Lookups, config: Config) -> None:
    """Scored pairs in the attach band, both dates published and > 30 days apart."""
    for r in look.relation.values():
        if score_band(r.score, config) != "attach band" or not published_far(r):
            continue
        same = "same incident" if look.prep.gold[r.a] == look.prep.gold[r.b] else "two incidents"
        a, b = look.by_id[r.a], look.by_id[r.b]
        short = "short" if relate.is_short_text(a) or relate.is_short_text(b) else "long"
        shared = shares(a, b)
        tables["far attach band: gold x shares"][f"{same} / {shared}"] += 1
        tables["far attach band: gold x shorter text"][f"{same} / {short}"] += 1
        tables["far attach band: gold x topic"][f"{same} / {look.topic(r.a, r.b)}"] += 1


def published_far(r: Relation) -> bool:
    """Both dates of the gap are publication dates, more than 30 days apart."""
    return far(r) and date_source(r) == "published"


# A rule: the new score of a pair across the published-date gate (or None: unchanged).
Rule = Callable[[Relation, DocFeatures, DocFeatures], float | None]


def rule_p1(r: Relation, a: DocFeatures, b: DocFeatures) -> float | None:
    """P1: the published-date factor scaled by shortness as the text-date gate is."""
    scores = r.evidence.scores
    best = max(scores.get("event_probability", 0.0), scores.get("rewrite_evidence", 0.0))
    cap = relate.PUBLISHED_DATE_GAP_FACTOR
    if best <= 0 or abs(r.score - best * cap) > 1e-9:
        return None  # not scored by the gate's cap (a copy, say): left alone
    u = relate.shortness(min(a.n_words, b.n_words))
    short = relate.STORY_MODEL.text_date_factor_short
    return best * (cap - (cap - short) * u)


def rule_pp(r: Relation, a: DocFeatures, b: DocFeatures) -> float | None:
    """PP: a short text's pair sharing no person or place name scores under the bar."""
    if not (relate.is_short_text(a) or relate.is_short_text(b)):
        return None
    return None if shares_person_or_place(a, b) else 0.0


def rule_person(r: Relation, a: DocFeatures, b: DocFeatures) -> float | None:
    """PS: a short text's pair sharing no person name scores under the attach bar."""
    if not (relate.is_short_text(a) or relate.is_short_text(b)):
        return None
    return None if shares(a, b) == "person" else 0.0


RULES: dict[str, Rule] = {"p1": rule_p1, "pp": rule_pp, "ps": rule_person}


@contextlib.contextmanager
def lone_at_splinter_size(prep: Prepared) -> Iterator[None]:
    """L3 (a screen): a lone text joins a story of ``ATTACH_SIZE_RATIO`` (3) or more at the
    attach bar, as a splinter does, not one of ``LONE_ATTACH_MIN`` (2). Production would
    read it for lone *short* texts only; the screen switches the whole form (a form's
    texts are all short or all but a few long: see the doc section)."""
    saved = stories.LONE_ATTACH_MIN
    stories.LONE_ATTACH_MIN = stories.ATTACH_SIZE_RATIO
    try:
        yield
    finally:
        stories.LONE_ATTACH_MIN = saved


# Rules that change the grouping, not the scores: a context the analysis runs in.
GROUPING_RULES: dict[str, Callable[[Prepared], contextlib.AbstractContextManager[None]]] = {
    "l3": lone_at_splinter_size
}


def apply_rule(prep: Prepared, rule: Rule) -> tuple[list[Relation], Counter[str]]:
    """The relations with ``rule``'s scores on the pairs across the published-date gate."""
    n = len(prep.copies.copies)
    out = list(prep.relations[:n])
    moved: Counter[str] = Counter()
    for (i, j), r in zip(prep.pairs, prep.relations[n:], strict=True):
        score = rule(r, prep.features[i], prep.features[j]) if published_far(r) else None
        if score is not None and abs(score - r.score) > 1e-12:
            moved["changed"] += 1
            moved["crossed the attach bar"] += r.score >= 0.2 > score
            same = prep.gold[r.a] == prep.gold[r.b]
            moved[f"crossed, {'same incident' if same else 'two incidents'}"] += (
                r.score >= 0.2 > score
            )
            r = dataclasses.replace(r, score=score)
        out.append(r)
    return out, moved


def aris(prep: Prepared, analysis: Analysis) -> dict[str, float]:
    """Story and thread ARI, whole and per topic (``story TOPIC``, ``thread TOPIC``)."""
    story = {a: s.id for s in analysis.stories for a in s.articles}
    thread = {a: s.thread or s.id for s in analysis.stories for a in s.articles}
    ids = [i for i in prep.gold if i in story]
    by_topic: dict[str, list[str]] = defaultdict(list)
    for i in ids:
        by_topic[prep.topic[i]].append(i)
    out: dict[str, float] = {}
    for name, members in [("", ids), *sorted((f" {t}", m) for t, m in by_topic.items())]:
        gold = [prep.gold[i] for i in members]
        out[f"story{name}"] = adjusted_rand_score(gold, [story[i] for i in members])
        out[f"thread{name}"] = adjusted_rand_score(gold, [thread[i] for i in members])
    return out


def moved_pairs(prep: Prepared, before: Analysis, after: Analysis) -> dict[str, int]:
    """Article pairs whose thread-level verdict a rule changed, by the pair's topic (two
    incidents of two topics: ``across topics``, which no topic's own ARI sees), days apart
    and what they share: wrong merges undone and made, right joins lost and made."""
    thread_of = [
        {a: s.thread or s.id for s in x.stories for a in s.articles} for x in (before, after)
    ]
    look = Lookups(prep, before, before)
    ids = sorted(i for i in prep.gold if i in thread_of[0])
    out: Counter[str] = Counter()
    groups = [set(article_pairs({i: t[i] for i in ids})) for t in thread_of]
    for verdict, pairs in (("made", groups[1] - groups[0]), ("undone", groups[0] - groups[1])):
        for a, b in pairs:
            same = prep.gold[a] == prep.gold[b]
            what = ("right join " if same else "wrong merge ") + verdict
            out[f"{what} / {look.topic(a, b)} / {look.days(a, b)} / {look.shared(a, b)}"] += 1
            out[f"{what} / {look.topic(a, b)}"] += 1
    return dict(sorted(out.items()))


def topic_rule(prep: Prepared, before: dict[str, float], after: dict[str, float]) -> dict:
    """The topic rule for unequal topics at thread level: the size-weighted mean of the
    topics' ARIs must rise, no topic of MIN_JUDGED_TOPIC or more may lose > TOPIC_LOSS."""
    sizes = Counter(prep.topic.values())
    total = sum(sizes.values())

    def weighted(row: dict[str, float]) -> float:
        return sum(n * row[f"thread {t}"] for t, n in sizes.items()) / total

    losses = {
        t: round(after[f"thread {t}"] - before[f"thread {t}"], 4)
        for t, n in sizes.items()
        if n >= MIN_JUDGED_TOPIC and after[f"thread {t}"] - before[f"thread {t}"] < -TOPIC_LOSS
    }
    rise = weighted(after) - weighted(before)
    return {
        "weighted mean": f"{weighted(before):.4f} -> {weighted(after):.4f} ({rise:+.4f})",
        "topics over the loss": losses,
        "passes": rise > 0 and not losses,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DATA, help="folder of dev .jsonl files")
    parser.add_argument("--set", default="gva_dev", help="a dev file's stem")
    parser.add_argument("--forms", default="full,lead,summary,headline")
    parser.add_argument("--cache", type=Path, default=Path("/tmp/gva-short-trace"))
    parser.add_argument(
        "--rules", default="", help=f"comma list of {', '.join([*RULES, *GROUPING_RULES])}"
    )
    parser.add_argument("--no-trace", action="store_true", help="screen the rules only")
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args(argv)
    config = DEFAULT_CONFIG
    rules = [r for r in args.rules.split(",") if r]
    out = []
    for form in args.forms.split(","):
        prep = prepare(args.data, args.set, form, args.cache, config)
        base = prep.analysis(prep.relations, config)
        before = aris(prep, base)
        row: dict[str, Any] = {"set": prep.name, "before": _rounded(before)}
        if not args.no_trace:
            no_attach = prep.analysis(prep.relations, config.replace(attach_threshold=None))
            row["trace"] = trace(Lookups(prep, base, no_attach), config)
        for name in rules:
            if name in GROUPING_RULES:
                relations, moved = prep.relations, Counter[str]()
                with GROUPING_RULES[name](prep):
                    changed = prep.analysis(relations, config)
            else:
                relations, moved = apply_rule(prep, RULES[name])
                changed = prep.analysis(relations, config)
            after = aris(prep, changed)
            row[name] = {
                "pairs": dict(moved),
                "after": _rounded(after),
                "topic rule": topic_rule(prep, before, after),
                "thread pairs moved": moved_pairs(prep, base, changed),
            }
        out.append(row)
        print(json.dumps(row, indent=1), flush=True)
    if args.json:
        args.json.write_text(json.dumps(out, indent=1))
    return 0


def _rounded(row: dict[str, float]) -> dict[str, float]:
    return {k: round(v, 4) for k, v in row.items()}


if __name__ == "__main__":
    raise SystemExit(main())
