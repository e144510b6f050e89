"""GVA's short forms traced pair by pair, by topic, and rules on the attach step across the
published-date gate screened under a topic rule written for unequal topics.

    python benchmarks/gva_short_trace.py [--data DIR] [--set gva_dev]
        [--forms full,lead,summary,headline] [--cache DIR] [--rules p1,p1y,p1c,p1y+stay,pp,ps,l3]
        [--no-trace] [--loss] [--lone-bars 0.2,0.25,0.3,0.35 [--far-days 30]]
        [--headline-words 12,15,20 [--far-list 30,any] [--keep-shared]]
        [--left-alone 20,30,0.4] [--under 20,30,0.4] [--score-splits] [--split-scores]
        [--near-base 3] [--cv-seeds 110,111 [--cv-folds 3]] [--undone] [--json FILE]

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
the fitted text-date gate is, ``0.35 - (0.35 - text_short) * u``; ``p1y`` does so only
for publication dates more than a year (``P1Y_DAYS``) apart; ``p1c`` unless both texts
carry a later-coverage word (``FOLLOW_CUES``); a score rule named with ``+stay``
(``p1y+stay``, protocol AS, 2026-12-07, attach) also changes the attach step: a lone
short text whose best target (its cut pairs at their scores before the cut) is not the
one it now joins stays alone (:class:`StayAlone`; ``+staypair``: when one of its cut
pairs scored, before the cut, over the linkage it now joins at); ``pp`` scores a pair of
a short text (:func:`samestory.relate.is_short_text`) under the attach bar when its texts
share no name either text's roles read as a person or a place; ``ps`` when they share no
name read as a person. ``l3`` changes the grouping instead: a lone text joins a story of
three or more at the attach bar (the splinter rule's size), not one of two. Each rule is
judged by the **topic rule for unequal topics** (written before the screen,
docs/history/accuracy.md, 2026-12-06, gvalead): at thread level, the size-weighted mean of
the topics' ARIs must rise and no topic of ``MIN_JUDGED_TOPIC`` (40) or more articles may
lose more than ``TOPIC_LOSS`` (0.02).

``--lone-bars`` screens the attach bar of a lone short item (protocol LB,
docs/history/accuracy.md, 2026-12-06, gvashort): a lone item (one copy group) all of whose
texts are short (:func:`samestory.relate.is_short_text`) joins a story at the attach step
only at a linkage of at least the bar, every other group at the attach bar as now (with
``--far-days``, the bar only when the lone text is more than that many days, by publication
dates, from every text of its best target). Every form is grouped at every bar (the first,
today's, must give production's groups), then judged **leave-one-topic-out**: each topic
held out in turn, the bar chosen on the others (mean over the forms of the thread ARI over
their articles, which counts a wrong merge across two of them), scored on the held-out
topic by the pair F1 at thread level over every pair with one of its texts (its wrong
merges into other topics included, which no per-topic ARI sees) and by its own thread
ARI.

``--loss`` (protocol T, docs/history/accuracy.md, 2026-12-06, gvashort, 11:22) replaces the
trace's tables with where the thread-level pair F1 goes: right joins, wrong merges and
splits with what F1 would be without each, the wrong merges by step (an average-link merge
by its direct pair's band, an attach by the sizes of the parts it joined), by roundup, topic
and days, and how many join two headline-like texts (:func:`headline_like`: one sentence of
at most N words). ``--headline-words`` with ``--lone-bars`` (protocol HL) puts the lone bar
on lone **headline-like** items only, N chosen with the bar and the day condition
(``--far-list``: day gaps, ``any`` for every distance) by the same leave-one-topic-out
judge; ``--keep-shared`` (protocol HL-keep) lets a lone headline that shares a person or place
name with its target keep the attach bar. ``--left-alone N,DAYS,BAR`` reads one variant's
lone headline-like items left alone against the targets they had; ``--under N,DAYS,BAR``
traces (or ``--loss``) the grouping under that variant instead of today's;
``--score-splits`` scores the split pairs no index proposed and bands them (protocol T3);
``--split-scores`` reads why the split pairs under the attach bar are there: the event
model's own value or a cut after it (protocol T4); ``--near-base DAYS`` counts every
article pair that near in time, one incident or two, sharing anything or nothing (protocol
T5). ``--undone`` with ``--rules`` reads what each score rule undoes (:func:`undone`:
protocol P1Y's reading, 2026-12-07). Writes nothing but ``--json``.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import datetime as dt
import json
import pickle
import random
import re
import sys
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence, Set
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
from samestory.pipeline import group as grouping
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
        self.roundups = {r.article for s in analysis.stories for r in s.roundups}

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


# --loss: protocol T (docs/history/accuracy.md, 2026-12-06, gvashort, 11:22): where a
# form's thread-level pair F1 goes, wrong merges against splits, by step.
HEADLINE_WORDS = (15, 20)


def headline_like(f: DocFeatures, words: int) -> bool:
    """One sentence of at most ``words`` words: what reads as a headline."""
    return len(f.sentences) <= 1 and f.n_words <= words


def pair_f1(right: int, wrong: int, missed: int) -> float:
    return 2 * right / (2 * right + wrong + missed) if right else 0.0


def loss(look: Lookups, config: Config) -> dict[str, Any]:
    """Thread-level right joins, wrong merges and splits with the F1 each costs; the wrong
    merges by step (an average-link merge by its direct pair's band, an attach by the
    part that moved), by roundup, by topic and days; headline-like pairs."""
    prep = look.prep
    counts: Counter[str] = Counter()
    tables: dict[str, Counter[str]] = defaultdict(Counter)
    part_size = Counter(look.plain_story.values())
    for a, b in article_pairs(look.thread):
        if prep.gold[a] == prep.gold[b]:
            counts["right"] += 1
            continue
        counts["wrong"] += 1
        step = _step(look, a, b)
        if step == "average link":
            r = look.pair(a, b)
            step += " / direct pair " + (
                "not proposed" if r is None else score_band(r.score, config)
            )
        elif step == "attach":
            small = min(part_size[look.plain_story[a]], part_size[look.plain_story[b]])
            large = max(part_size[look.plain_story[a]], part_size[look.plain_story[b]])
            step += f" / {_size_band(small)} into {_size_band(large)}"
        tables["wrong merges by step"][step] += 1
        roundup = bool({look.rep(a), look.rep(b), a, b} & look.roundups)
        tables["wrong merges by roundup"]["a roundup's" if roundup else "no roundup"] += 1
        tables["wrong merges by topic"][look.topic(a, b)] += 1
        tables["wrong merges by days"][look.days(a, b)] += 1
        fa, fb = look.by_id[look.rep(a)], look.by_id[look.rep(b)]
        for words in HEADLINE_WORDS:
            both = headline_like(fa, words) and headline_like(fb, words)
            tables["wrong merges: both headline-like"][f"<= {words} words: {both}"] += 1
    for a, b in article_pairs(prep.gold):
        if look.thread[a] != look.thread[b]:
            counts["missed"] += 1
            r = look.pair(a, b)
            tables["splits by band"][
                "not proposed" if r is None else score_band(r.score, config)
            ] += 1
    r, w, m = counts["right"], counts["wrong"], counts["missed"]
    by_topic = {
        t: round(held_out_f1(prep, look.thread, t), 4) for t in sorted(set(prep.topic.values()))
    }
    return {
        "pairs": dict(counts),
        "pair F1": round(pair_f1(r, w, m), 4),
        "pair F1 with no wrong merge": round(pair_f1(r, 0, m), 4),
        "pair F1 with no split": round(pair_f1(r, w, 0), 4),
        "topic pair F1": by_topic,
        "headline-like texts": {
            str(n): sum(headline_like(f, n) for f in prep.features) for n in HEADLINE_WORDS
        },
        **{name: dict(c.most_common()) for name, c in sorted(tables.items())},
    }


def unproposed_splits(look: Lookups, config: Config) -> dict[str, Any]:
    """Protocol T3: the split pairs (thread level) no index proposed, their copy
    representatives' pairs scored as the batch scores (``score_pairs``, lean), by band and
    days apart: as article pairs, and as distinct representative pairs."""
    prep = look.prep
    reps: dict[tuple[str, str], list[tuple[str, str]]] = defaultdict(list)
    for a, b in article_pairs(prep.gold):
        if look.thread[a] != look.thread[b] and look.pair(a, b) is None:
            ra, rb = sorted((look.rep(a), look.rep(b)))
            reps[(ra, rb)].append((a, b))
    pairs = [(prep.index[a], prep.index[b]) for a, b in reps]
    relations = score_pairs(prep.features, pairs, config, lean=True) if pairs else []
    out: dict[str, Counter[str]] = defaultdict(Counter)
    for articles, r in zip(reps.values(), relations, strict=True):
        band = score_band(r.score, config)
        out["representative pairs by band"][band] += 1
        for a, b in articles:
            out["article pairs by band"][band] += 1
            out["article pairs: band x days"][f"{band} / {look.days(a, b)}"] += 1
    return {name: dict(c.most_common()) for name, c in sorted(out.items())}


def split_scores(look: Lookups, config: Config) -> dict[str, Any]:
    """Protocol T4: every split pair (thread level) by its representatives' relation (the
    batch's, else scored lean); those under the attach bar by whether the model put them
    there (the higher of event probability and rewrite evidence under the bar) or a cut
    after it, by what the texts share and days apart: article pairs."""
    prep = look.prep
    splits = [(a, b) for a, b in article_pairs(prep.gold) if look.thread[a] != look.thread[b]]
    unscored = sorted(
        {tuple(sorted((look.rep(a), look.rep(b)))) for a, b in splits if look.pair(a, b) is None}
    )
    pairs = [(prep.index[a], prep.index[b]) for a, b in unscored]
    scored = score_pairs(prep.features, pairs, config, lean=True) if pairs else []
    fresh = {key(r.a, r.b): r for r in scored}
    out: dict[str, Counter[str]] = defaultdict(Counter)
    bar = config.attach_threshold or 0.0
    for a, b in splits:
        r = look.pair(a, b) or fresh[key(look.rep(a), look.rep(b))]
        if r.score >= bar:
            out["split pairs"]["at or over the attach bar"] += 1
            continue
        scores = r.evidence.scores
        best = max(scores.get("event_probability", 0.0), scores.get("rewrite_evidence", 0.0))
        why = "model" if best < bar else "cut after the model"
        out["split pairs"][f"under the bar: {why}"] += 1
        out["under the bar: why x shares"][f"{why} / {look.shared(a, b)}"] += 1
        out["under the bar: why x days"][f"{why} / {look.days(a, b)}"] += 1
    return {name: dict(c.most_common()) for name, c in sorted(out.items())}


def near_base(prep: Prepared, most_days: int) -> dict[str, Any]:
    """Protocol T5: every article pair at most ``most_days`` apart by the records' dates,
    one incident or two, and whether the two texts share anything :func:`shares` reads."""
    dated = sorted(
        (dt.date.fromisoformat(str(r["date"])[:10]), str(r["id"]))
        for r in prep.records
        if r.get("date")
    )
    features = {f.id: f for f in prep.features}
    out: Counter[str] = Counter()
    for x, (day, a) in enumerate(dated):
        for later, b in dated[x + 1 :]:
            if (later - day).days > most_days:
                break
            same = "one incident" if prep.gold[a] == prep.gold[b] else "two incidents"
            shared = shares(features[a], features[b])
            out[f"{same} / {'shares nothing' if shared == 'nothing' else 'shares ' + shared}"] += 1
            out[same] += 1
    return dict(sorted(out.items()))


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


# Rule P1Y's step: P1's cut only past a year of publication dates (protocol P1Y-CV,
# docs/history/accuracy.md, 2026-12-07, gvashort, 05:55).
P1Y_DAYS = 365


def rule_p1y(r: Relation, a: DocFeatures, b: DocFeatures) -> float | None:
    """P1Y: P1 for a pair whose publication dates are more than a year apart only (a
    short pair within the year keeps the published factor: later coverage of one
    incident, an arrest or a charge months on, mostly comes within it)."""
    gap = r.evidence.date_gap_days
    return rule_p1(r, a, b) if gap is not None and gap > P1Y_DAYS else None


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


RULES: dict[str, Rule] = {"p1": rule_p1, "p1y": rule_p1y, "pp": rule_pp, "ps": rule_person}


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


# A lone short item of the attach step: its index, linkage sums by group, group sizes.
LoneItem = tuple[int, Counter[int], list[int]]


# --lone-bars: the attach bar of a lone short item (protocol LB, docs/history/accuracy.md,
# 2026-12-06, gvashort), a screen: production's attach step with one bar changed.
class LoneShortBar:
    """The attach step with bar ``bar`` for a lone item (one copy group, as
    ``stories.least_attach_size`` reads size 1) all of whose texts are short
    (``relate.is_short_text``); every other group at the attach bar as now. Patches
    :func:`samestory.stories.attach_splinters` (and the name ``pipeline.group`` holds)
    and the two collapsed-pairs groupings, which tell it each item's texts.

    ``published`` (each text's publication date, None when not given) with ``far_days``
    (protocol LB-far): the bar only when the lone text is more than ``far_days`` from every
    text of its best target (all dated); else the attach bar."""

    def __init__(
        self,
        short: list[bool],
        bar: float,
        published: list[dt.date | None] | None = None,
        far_days: int | None = None,
        keeps: Callable[[list[int], list[int]], bool] | None = None,
    ) -> None:
        self.short, self.bar = short, bar
        self.published, self.far_days = published, far_days
        self.keeps = keeps  # (item's texts, target's texts) -> keep the attach bar
        # Every attached item taken back out: (its texts, its target's texts, the linkage).
        self.left_alone: list[tuple[list[int], list[int], float]] = []
        self.item_texts: Callable[[int], list[int]] = lambda item: []
        self.joinable: list[bool] = []  # by group, of the attach step's call in progress
        self.attach_splinters = stories.attach_splinters  # production's, kept when patched

    @contextlib.contextmanager
    def applied(self) -> Iterator[None]:
        saved = (
            stories.attach_splinters,
            grouping.attach_splinters,
            stories.CollapsedPairs.average_link,
            grouping.VersionedPairs.average_link,
        )
        stories.attach_splinters = grouping.attach_splinters = self.attach  # type: ignore[assignment]
        stories.CollapsedPairs.average_link = self._wrap(saved[2], self._collapsed_items)  # type: ignore[method-assign]
        grouping.VersionedPairs.average_link = self._wrap(saved[3], self._versioned_items)  # type: ignore[method-assign]
        try:
            yield
        finally:
            (
                stories.attach_splinters,
                grouping.attach_splinters,
                stories.CollapsedPairs.average_link,
                grouping.VersionedPairs.average_link,
            ) = saved  # type: ignore[method-assign]

    def _wrap(self, method: Callable[..., Any], items: Callable[..., Any]) -> Callable[..., Any]:
        def average_link(obj: Any, *args: Any, left_out: Any = frozenset(), **kw: Any) -> Any:
            self.item_texts = items(obj, left_out)
            return method(obj, *args, left_out=left_out, **kw)

        return average_link

    def _collapsed_items(
        self, obj: stories.CollapsedPairs, left_out: Any
    ) -> Callable[[int], list[int]]:
        return lambda item: obj.members[item]

    def _versioned_items(
        self, obj: grouping.VersionedPairs, left_out: Any
    ) -> Callable[[int], list[int]]:
        # The items as VersionedPairs.average_link numbers them (the shared rows' node is
        # _items(left_out)'s numbering whenever the shared rows are used: see _SharedRows).
        node, _ = obj._items(left_out)
        texts: dict[int, list[int]] = defaultdict(list)
        for x, members in enumerate(obj.members):
            texts[node[x]].extend(members)
        return lambda item: texts[item]

    def attach(
        self,
        groups: list[list[int]],
        scores: Any,
        threshold: float,
        sizes: Any = None,
        lone_attach: bool = False,
        rule_sizes: Any = None,
    ) -> list[list[int]]:
        """Production's attach step (``stories.attach_splinters``, the saved one), then
        every lone short item whose best linkage is under ``self.bar`` taken back out: a
        lone item is a leaf of the step's moves (no group may join a group of one), so
        that is the step with its bar raised."""
        out = self.attach_splinters(groups, scores, threshold, sizes, lone_attach, rule_sizes)
        lone = self._lone_short(groups, scores, sizes, lone_attach, rule_sizes)
        return _taken_out(out, self._leave(groups, threshold, lone))

    def _leave(
        self, groups: list[list[int]], threshold: float, lone: Iterable[LoneItem]
    ) -> set[int]:
        """The lone short items (``lone``: :meth:`_lone_short`'s) this rule leaves alone."""
        left: set[int] = set()
        for item, totals, size in lone:
            # its best target, as the step picks it (ties: the smaller index)
            linkage, target = min((-total / size[t], t) for t, total in totals.items())
            if (
                self._far(item, groups[target])
                and -linkage < self.bar
                and not self._kept(item, groups[target])
            ):
                left.add(item)
                if -linkage < threshold:
                    continue  # never attached: nothing undone
                target_texts = [i for t in groups[target] for i in self.item_texts(t)]
                self.left_alone.append((self.item_texts(item), target_texts, -linkage))
        return left

    def _lone_short(
        self,
        groups: list[list[int]],
        scores: Any,
        sizes: Any,
        lone_attach: bool,
        rule_sizes: Any,
    ) -> Iterator[LoneItem]:
        """Each lone item all of whose texts are short, with its linkage sums to the
        groups it may join (none: not listed) and the groups' sizes."""
        size = [len(m) if sizes is None else sum(sizes[i] for i in m) for m in groups]
        rule = size if rule_sizes is None else [sum(rule_sizes[i] for i in m) for m in groups]
        group_of = {i: g for g, members in enumerate(groups) for i in members}
        least = stories.least_attach_size(1, lone_attach)
        self.joinable = [r >= least for r in rule]  # the groups a lone item may join
        for g, members in enumerate(groups):
            if rule[g] != 1 or len(members) != 1 or not self._short(members[0]):
                continue
            totals: Counter[int] = Counter()
            for other, s in scores.get(members[0], {}).items():
                if rule[group_of[other]] >= least:
                    totals[group_of[other]] += s
            if totals:
                yield members[0], totals, size

    def _kept(self, item: int, target: list[int]) -> bool:
        """Protocol HL-keep: the item keeps the attach bar when ``keeps`` says so."""
        if self.keeps is None:
            return False
        return self.keeps(self.item_texts(item), [i for t in target for i in self.item_texts(t)])

    def _short(self, item: int) -> bool:
        return all(self.short[i] for i in self.item_texts(item))

    def _far(self, item: int, target: list[int]) -> bool:
        """LB: always; LB-far: every text of the item more than ``far_days`` from every
        text of the target, all of them dated."""
        if self.far_days is None or self.published is None:
            return True
        days = self.published
        own = [days[i] for i in self.item_texts(item)]
        other = [days[i] for t in target for i in self.item_texts(t)]
        if any(d is None for d in own + other):
            return False
        return all(abs((a - b).days) > self.far_days for a in own for b in other)  # type: ignore[operator]


# A score rule's "+stay" form (protocol AS, docs/history/accuracy.md, 2026-12-07, attach): the
# attach step leaves a lone short text alone when the rule redirected it; "+staypair" (AS-pair)
# when the rule cut one of its pairs that scored, before the cut, over the linkage it joins at.
STAY_SUFFIXES = ("+staypair", "+stay")


class StayAlone(LoneShortBar):
    """Protocol AS: production's attach step on the rule's scores, then a lone item (one
    copy group, as ``stories.least_attach_size`` reads size 1) all of whose texts are
    short (``relate.is_short_text``) taken back out when the rule redirected it: with
    its cut pairs at their scores before the cut, another group it may join would have
    the highest linkage, at least the attach bar (its best target was cut; it stays alone
    rather than going to the next best). ``cut`` maps a text to its cut pairs' partners
    and their scores before and after it; an item's linkage to a group gains what its
    pairs lost over the group's size (exact where an item is one text, as a lone short
    text's partners mostly are). ``by_pair`` (AS-pair): taken out instead when one of
    its cut pairs, its partner outside the target, scored before the cut over the
    linkage it joins at."""

    def __init__(
        self,
        short: list[bool],
        cut: dict[int, dict[int, tuple[float, float]]],
        by_pair: bool = False,
    ) -> None:
        super().__init__(short, bar=0.0)
        self.cut, self.by_pair = cut, by_pair

    def _leave(
        self, groups: list[list[int]], threshold: float, lone: Iterable[LoneItem]
    ) -> set[int]:
        """The lone short items the step attached whom the cut redirected (a lone item is
        a leaf of the step's moves: no group may join a group of one)."""
        group_of = {i: g for g, members in enumerate(groups) for i in members}
        text_group = {
            t: g for g, members in enumerate(groups) for i in members for t in self.item_texts(i)
        }
        left: set[int] = set()
        for item, totals, size in lone:
            linkage, target = min((-total / size[t], t) for t, total in totals.items())
            if -linkage < threshold:
                continue  # not attached
            own = self.item_texts(item)
            uncut = Counter(totals)
            lost_over = False  # AS-pair: a cut partner outside the target scored over it
            for i in own:
                for j, (before, after) in self.cut.get(i, {}).items():
                    h = text_group.get(j)
                    lost_over |= h != target and before > -linkage
                    if h is not None and h != group_of[item] and self.joinable[h]:
                        uncut[h] += before - after
            best, was = min((-total / size[t], t) for t, total in uncut.items())
            if lost_over if self.by_pair else (was != target and -best >= threshold):
                left.add(item)
                target_texts = [i for t in groups[target] for i in self.item_texts(t)]
                self.left_alone.append((own, target_texts, -linkage))
        return left


def _taken_out(out: list[list[int]], left: set[int]) -> list[list[int]]:
    """The groups ``out`` with the items of ``left`` each alone, ordered by their first item."""
    return sorted(
        [[i for i in m if i not in left] for m in out if set(m) - left]
        + [[i] for i in sorted(left)],
        key=lambda m: m[0],
    )


def cut_pairs(
    prep: Prepared, relations: list[Relation]
) -> dict[int, dict[int, tuple[float, float]]]:
    """Each text's pairs ``relations`` scores lower than main's (``prep.relations``), by
    partner, with main's score and the rule's (both ways)."""
    n = len(prep.copies.copies)
    cut: dict[int, dict[int, tuple[float, float]]] = defaultdict(dict)
    for (i, j), old, new in zip(prep.pairs, prep.relations[n:], relations[n:], strict=True):
        if new.score < old.score - 1e-12:
            cut[i][j] = cut[j][i] = (old.score, new.score)
    return cut


def stay_alone(prep: Prepared, relations: list[Relation], by_pair: bool = False) -> StayAlone:
    short = [relate.is_short_text(f) for f in prep.features]
    return StayAlone(short, cut_pairs(prep, relations), by_pair)


# --undone: words of later coverage a text may carry (descriptive, 2026-12-07 05:50's reading
# of what P1 undid; no production code reads them).
FOLLOW_CUES = re.compile(
    r"\b(arrest\w*|charg\w*|sentenc\w*|plead\w*|guilty|trial|convict\w*|indict\w*|court|"
    r"judge|jury|verdict|funeral|vigil|memorial|died|dies|identified|suspect|lawsuit|sued|"
    r"anniversary)\b",
    re.IGNORECASE,
)
YEAR_DAYS = 365
WORD_BANDS = (15, 25, 35, 50, 70)


def follow_cue(f: DocFeatures) -> bool:
    return any(FOLLOW_CUES.search(s) for s in f.sentences)


def _band(value: int, edges: Sequence[int]) -> str:
    for edge in edges:
        if value <= edge:
            return f"<={edge}"
    return f">{edges[-1]}"


def _what(a: DocFeatures, b: DocFeatures, days: int | None) -> dict[str, str]:
    """What a pair carries that a short text can: the shorter and longer text's words,
    days apart (within a year or not), what they share, a later-coverage cue word."""
    cues = (follow_cue(a), follow_cue(b))
    return {
        "shorter words": _band(min(a.n_words, b.n_words), WORD_BANDS),
        "longer words": _band(max(a.n_words, b.n_words), WORD_BANDS),
        "days": "undated" if days is None else ("<=365" if days <= YEAR_DAYS else ">365"),
        "shares": shares(a, b),
        "cue word": "both" if all(cues) else ("one" if any(cues) else "neither"),
    }


def undone(prep: Prepared, rule: Rule, config: Config) -> dict[str, Any]:
    """What ``rule`` undoes, by what a short text carries (protocol P1Y's reading,
    docs/history/accuracy.md, 2026-12-07, gvashort): the scored pairs it pushes under the
    attach bar, and the thread-level article pairs it takes apart, each one incident
    (``right``) or two (``wrong``), counted by :func:`_what`."""
    relations, _ = apply_rule(prep, rule)
    bar = config.attach_threshold if config.attach_threshold is not None else 0.0
    n = len(prep.copies.copies)
    tables: dict[str, Counter[str]] = defaultdict(Counter)
    for (i, j), old, new in zip(prep.pairs, prep.relations[n:], relations[n:], strict=True):
        if old.score >= bar > new.score:
            verdict = "right" if prep.gold[old.a] == prep.gold[old.b] else "wrong"
            a, b = prep.features[i], prep.features[j]
            for name, value in _what(a, b, old.evidence.date_gap_days).items():
                tables[f"pushed under the bar: {name}"][f"{verdict} / {value}"] += 1
    base, after = prep.analysis(prep.relations, config), prep.analysis(relations, config)
    look = Lookups(prep, base, base)
    before = threads_of(base)
    ids = sorted(i for i in prep.gold if i in before)
    kept = set(article_pairs({i: threads_of(after)[i] for i in ids}))
    for x, y in set(article_pairs({i: before[i] for i in ids})) - kept:
        verdict = "right" if prep.gold[x] == prep.gold[y] else "wrong"
        a, b = look.by_id[look.rep(x)], look.by_id[look.rep(y)]
        for name, value in _what(a, b, days_apart(prep, x, y)).items():
            tables[f"thread pairs undone: {name}"][f"{verdict} / {value}"] += 1
    return {name: dict(sorted(c.items())) for name, c in sorted(tables.items())}


def rule_p1c(r: Relation, a: DocFeatures, b: DocFeatures) -> float | None:
    """P1C (descriptive, after P1Y's verdict): P1 unless both texts carry a later-coverage
    word (:data:`FOLLOW_CUES`)."""
    return None if follow_cue(a) and follow_cue(b) else rule_p1(r, a, b)


RULES["p1c"] = rule_p1c


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


def threads_of(analysis: Analysis) -> dict[str, str]:
    return {a: s.thread or s.id for s in analysis.stories for a in s.articles}


def _pairs(n: int) -> int:
    return n * (n - 1) // 2


def held_out_f1(prep: Prepared, thread: dict[str, str], topic: str | Set[str]) -> float:
    """Pair F1 at thread level over every article pair with a text of ``topic`` (or of
    any of a set of topics): its right joins (pairs within the topics) and its wrong
    merges, those that join one of its texts to another topic's included (which no
    per-topic ARI sees)."""
    topics = {topic} if isinstance(topic, str) else topic
    members: dict[str, Counter[str]] = defaultdict(Counter)  # thread -> gold -> count
    in_topic: Counter[str] = Counter()
    size: Counter[str] = Counter()
    for a, t in thread.items():
        size[t] += 1
        if prep.topic[a] in topics:
            in_topic[t] += 1
            members[t][prep.gold[a]] += 1
    together = sum(_pairs(size[t]) - _pairs(size[t] - in_topic[t]) for t in in_topic)
    right = sum(_pairs(n) for c in members.values() for n in c.values())
    gold = Counter(prep.gold[a] for a in thread if prep.topic[a] in topics)
    gold_pairs = sum(_pairs(n) for n in gold.values())
    wrong, missed = together - right, gold_pairs - right
    return 2 * right / (2 * right + wrong + missed) if right else 0.0


def thread_ari(prep: Prepared, thread: dict[str, str], keep: Callable[[str], bool]) -> float:
    ids = sorted(a for a in thread if keep(a))
    return adjusted_rand_score([prep.gold[a] for a in ids], [thread[a] for a in ids])


def loto_judge(
    preps: dict[str, Prepared], threads: dict[str, dict[Any, dict[str, str]]], bars: list[Any]
) -> dict[str, Any]:
    """Protocol LB's leave-one-topic-out judge: each topic held out in turn, the bar
    chosen on the other topics (mean over the forms of the thread ARI over their
    articles; ties go to the earlier of ``bars``, which lists the weaker rules first),
    scored on the held-out topic (pair F1 over its pairs, its own thread ARI) against
    today's bar ``bars[0]``. A bar is any key of ``threads`` (protocol HL: a variant)."""
    topic_of = {a: t for p in preps.values() for a, t in p.topic.items()}
    sizes = Counter(topic_of.values())

    def objective(bar: Any, keep: Callable[[str], bool]) -> float:
        return sum(thread_ari(p, threads[f][bar], keep) for f, p in preps.items()) / len(preps)

    folds: dict[str, Any] = {}
    for topic in sorted(sizes):
        train = {b: objective(b, lambda a, t=topic: topic_of[a] != t) for b in bars}
        chosen = max(bars, key=lambda b: (round(train[b], 12), -bars.index(b)))
        held: dict[str, Any] = {}
        for form, prep in preps.items():
            old, new = threads[form][bars[0]], threads[form][chosen]
            f1 = (held_out_f1(prep, old, topic), held_out_f1(prep, new, topic))
            own = tuple(
                thread_ari(prep, x, lambda a, t=topic, p=prep: p.topic[a] == t) for x in (old, new)
            )
            held[form] = {"pair F1": _change(f1), "own thread ARI": _change(own)}
        folds[topic] = {
            "articles": sizes[topic],
            "training objective": {str(b): round(v, 4) for b, v in train.items()},
            "chosen": chosen,
            "held out": held,
        }
    whole = {b: objective(b, lambda a: True) for b in bars}
    best = max(bars, key=lambda b: (round(whole[b], 12), -bars.index(b)))
    total = sum(sizes.values())
    weighted = {
        form: round(
            sum(fold["articles"] * fold["held out"][form]["pair F1"][2] for fold in folds.values())
            / total,
            4,
        )
        for form in preps
    }
    return {
        "folds": folds,
        "whole-set objective": {str(b): round(v, 4) for b, v in whole.items()},
        "whole-set choice": best,
        "folds choosing it": sum(fold["chosen"] == best for fold in folds.values()),
        "held-out pair F1 change, size-weighted": weighted,
    }


def topic_folds(topics: Sequence[str], seed: int, folds: int) -> list[list[str]]:
    """The topics shuffled by ``seed`` and dealt into ``folds`` folds (protocol P1-CV,
    docs/history/accuracy.md, 2026-12-07, gvashort)."""
    order = sorted(topics)
    random.Random(seed).shuffle(order)
    return [sorted(order[k::folds]) for k in range(folds)]


def topic_cv(
    prep: Prepared, before: Analysis, after: Analysis, seeds: Sequence[int], folds: int
) -> dict[str, Any]:
    """A rule with no fitted number judged on held-out topic folds (protocol P1-CV): for
    each seed the set's topics dealt into ``folds`` folds, and on each fold the change
    the rule makes to the held-out pair F1 at thread level (every pair with a text of
    the fold's topics, its merges into other topics included) and to the story and
    thread ARI over the fold's articles (one grouping of the whole set either way)."""
    maps = [
        (
            {a: s.id for s in x.stories for a in s.articles},
            {a: s.thread or s.id for s in x.stories for a in s.articles},
        )
        for x in (before, after)
    ]
    changes: dict[str, list[float]] = defaultdict(list)
    rows: list[dict[str, Any]] = []
    for seed in seeds:
        for fold in topic_folds(sorted(set(prep.topic.values())), seed, folds):
            held = set(fold)

            def keep(a: str, held: set[str] = held) -> bool:
                return prep.topic[a] in held

            row: dict[str, Any] = {"seed": seed, "topics": fold}
            (story0, thread0), (story1, thread1) = maps
            for name, old, new in (
                ("pair F1", held_out_f1(prep, thread0, held), held_out_f1(prep, thread1, held)),
                ("story ARI", thread_ari(prep, story0, keep), thread_ari(prep, story1, keep)),
                ("thread ARI", thread_ari(prep, thread0, keep), thread_ari(prep, thread1, keep)),
            ):
                row[name] = _change((old, new))
                changes[name].append(new - old)
            rows.append(row)
    summary = {
        name: {
            "mean change": round(sum(v) / len(v), 4),
            "least change": round(min(v), 4),
            "folds up / down": f"{sum(x > 1e-12 for x in v)} / {sum(x < -1e-12 for x in v)}",
        }
        for name, v in changes.items()
    }
    return {"folds": rows, "summary": summary}


def _change(pair: tuple[float, float]) -> tuple[float, float, float]:
    return round(pair[0], 4), round(pair[1], 4), round(pair[1] - pair[0], 4)


def lone_bar_screen(
    preps: dict[str, Prepared], bars: list[float], config: Config, far_days: int | None = None
) -> dict:
    """Every form grouped at every bar (the first, today's 0.2, also unpatched: the patch
    must give production's groups), then the LOTO judge and the whole-set rows.
    ``far_days``: protocol LB-far (the bar only across that many days)."""
    threads: dict[str, dict[float, dict[str, str]]] = {}
    rows: dict[str, Any] = {}
    for form, prep in preps.items():
        short = [relate.is_short_text(f) for f in prep.features]
        published = [None if f.date_from_text else f.date for f in prep.features]
        base = prep.analysis(prep.relations, config)
        threads[form] = {}
        rows[form] = {"short texts": sum(short), "articles": len(short)}
        for bar in bars:
            with LoneShortBar(short, bar, published, far_days).applied():
                analysis = prep.analysis(prep.relations, config)
            threads[form][bar] = threads_of(analysis)
            rows[form][str(bar)] = _rounded(
                {
                    k: v
                    for k, v in aris(prep, analysis).items()
                    if k.startswith("thread") or k == "story"
                }
            )
            if bar == bars[0]:  # the patch at today's bar: production's groups
                assert threads[form][bar] == threads_of(base), "the patch moved a story"
            else:
                rows[form][f"{bar} moved"] = moved_pairs(prep, base, analysis)
        print(json.dumps({form: rows[form]}), flush=True)
    return {"rows": rows, "judge": loto_judge(preps, threads, bars)}


# --headline-words: protocol HL (docs/history/accuracy.md, 2026-12-06, gvashort, 11:22):
# the lone-text bar for headline-like items only (one sentence, at most N words).
Variant = tuple[int, str, float]  # (N words, "any days" or "> D days", bar)
TODAY: Variant = (0, "today", 0.2)


def headline_variants(words: list[int], bars: list[float], far: list[int | None]) -> list[Variant]:
    """Today's grouping first, then every (N, days, bar) with the weaker rules first (a
    lower bar, the far-only bar before the bar at any distance, fewer words): the judge's
    ties go to the earlier."""
    days = [f"> {d} days" if d is not None else "any days" for d in far]
    order = sorted(range(len(far)), key=lambda i: far[i] is None)  # far-only first
    return [TODAY] + [
        (n, days[i], b) for b in bars if b > TODAY[2] for i in order for n in sorted(words)
    ]


def shares_person_or_place_with(features: list[DocFeatures]) -> Callable[..., bool]:
    """Protocol HL-keep's exemption: some text of the item shares a name read as a person or a
    place (:func:`shares`) with some text of its target."""

    def keeps(item: list[int], target: list[int]) -> bool:
        return any(shares_person_or_place(features[i], features[j]) for i in item for j in target)

    return keeps


def headline_bar_screen(
    preps: dict[str, Prepared], variants: list[Variant], config: Config, keep_shared: bool = False
) -> dict[str, Any]:
    """Every form grouped under every variant (a form with no headline-like text at N is
    today's grouping, not grouped again), then the LOTO judge over the variants.
    ``keep_shared``: protocol HL-keep (a lone headline sharing a person or place name with its
    target keeps the attach bar)."""
    threads: dict[str, dict[Any, dict[str, str]]] = {}
    rows: dict[str, Any] = {}
    for form, prep in preps.items():
        base = prep.analysis(prep.relations, config)
        threads[form] = {TODAY: threads_of(base)}
        rows[form] = {"articles": len(prep.features)}
        rows[form]["today"] = _rounded(_thread_rows(prep, base))
        for n, days, bar in variants[1:]:
            like = [headline_like(f, n) for f in prep.features]
            rows[form][f"headline-like at {n}"] = sum(like)
            if not any(like):
                threads[form][(n, days, bar)] = threads[form][TODAY]
                continue
            published = [None if f.date_from_text else f.date for f in prep.features]
            far_days = None if days == "any days" else int(days.split()[1])
            keeps = shares_person_or_place_with(prep.features) if keep_shared else None
            with LoneShortBar(like, bar, published, far_days, keeps).applied():
                analysis = prep.analysis(prep.relations, config)
            threads[form][(n, days, bar)] = threads_of(analysis)
            rows[form][f"{n} words, {days}, {bar}"] = _rounded(_thread_rows(prep, analysis))
        print(json.dumps({form: rows[form]}), flush=True)
    judge = loto_judge(preps, threads, variants)
    return {"rows": rows, "judge": _string_keys(judge)}


# Closeness of what two texts share, least first (the order :func:`shares` reads).
SHARED_ORDER = ("nothing", "other name", "number", "place", "person")


def variant_bar(prep: Prepared, variant: Variant) -> LoneShortBar:
    """Protocol HL's attach step for one variant (N words, days, bar) on a form."""
    n, days, bar = variant
    like = [headline_like(f, n) for f in prep.features]
    published = [None if f.date_from_text else f.date for f in prep.features]
    return LoneShortBar(like, bar, published, None if days == "any days" else int(days.split()[1]))


def parse_variant(text: str) -> Variant:
    """``N,DAYS,BAR`` (DAYS: a number of days or ``any``) as a :data:`Variant`."""
    n, days, bar = text.split(",")
    return int(n), "any days" if days == "any" else f"> {days} days", float(bar)


def left_alone_items(prep: Prepared, variant: Variant, config: Config) -> dict[str, Any]:
    """The lone headline-like items a variant leaves alone (their attach undone), each
    read against the target the attach step gave it: right (its incident is in the target)
    or wrong (same topic or across), by linkage, the target's size in texts and the
    closest thing it shares with a text of the target. A grouping's last attach step
    counts (the roundup rounds group several times)."""
    lone = variant_bar(prep, variant)
    with lone.applied():
        prep.analysis(prep.relations, config)
    last: dict[int, tuple[list[int], list[int], float]] = {}
    for texts, target, linkage in lone.left_alone:
        last[texts[0]] = (texts, target, linkage)
    out: dict[str, Counter[str]] = defaultdict(Counter)
    for texts, target, linkage in last.values():
        ids = [prep.features[i].id for i in texts]
        others = [prep.features[i].id for i in target]
        if prep.gold[ids[0]] in {prep.gold[o] for o in others}:
            verdict = "right"
        elif prep.topic[ids[0]] in {prep.topic[o] for o in others}:
            verdict = "wrong, same topic"
        else:
            verdict = "wrong, across topics"
        band = "0.2-0.25" if linkage < 0.25 else "0.25-0.3" if linkage < 0.3 else "0.3-0.4"
        shared = max(
            (shares(prep.features[i], prep.features[j]) for i in texts for j in target),
            key=SHARED_ORDER.index,
        )
        out["items"][verdict] += 1
        out["by linkage"][f"{verdict} / {band}"] += 1
        out["by target size"][f"{verdict} / {_size_band(len(target))}"] += 1
        out["by what it shares"][f"{verdict} / {shared}"] += 1
    return {name: dict(sorted(c.items())) for name, c in out.items()}


def _thread_rows(prep: Prepared, analysis: Analysis) -> dict[str, float]:
    return {k: v for k, v in aris(prep, analysis).items() if k.startswith("thread") or k == "story"}


def _string_keys(judge: dict[str, Any]) -> dict[str, Any]:
    """The judge's variants as strings (JSON keys)."""
    for fold in judge["folds"].values():
        fold["chosen"] = str(fold["chosen"])
    judge["whole-set choice"] = str(judge["whole-set choice"])
    return judge


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DATA, help="folder of dev .jsonl files")
    parser.add_argument("--set", default="gva_dev", help="a dev file's stem")
    parser.add_argument("--forms", default="full,lead,summary,headline")
    parser.add_argument("--cache", type=Path, default=Path("/tmp/gva-short-trace"))
    parser.add_argument(
        "--rules",
        default="",
        help=f"comma list of {', '.join([*RULES, *GROUPING_RULES])}; a score rule with "
        "+stay leaves a lone short text it redirected alone (AS), +staypair one it cut from a "
        "partner scoring over its target (AS-pair)",
    )
    parser.add_argument("--no-trace", action="store_true", help="screen the rules only")
    parser.add_argument(
        "--loss", action="store_true", help="the thread-level loss tables (protocol T)"
    )
    parser.add_argument(
        "--lone-bars",
        default="",
        help="comma list of attach bars for a lone short item, today's first (protocol LB)",
    )
    parser.add_argument(
        "--far-days",
        type=int,
        default=None,
        help="with --lone-bars: the bar only for a lone short text more than this many days "
        "from every text of its target (protocol LB-far)",
    )
    parser.add_argument(
        "--headline-words",
        default="",
        help="with --lone-bars: the bar for lone headline-like items (one sentence, at most "
        "N words) only, N from this comma list, chosen with the bar (protocol HL)",
    )
    parser.add_argument(
        "--far-list",
        default="",
        help="with --headline-words: comma list of day gaps for the bar, 'any' for every "
        "distance (protocol HL)",
    )
    parser.add_argument(
        "--keep-shared",
        action="store_true",
        help="with --headline-words: a lone headline sharing a person or place name with its "
        "target keeps the attach bar (protocol HL-keep)",
    )
    parser.add_argument(
        "--left-alone",
        default="",
        help="N,DAYS,BAR (DAYS: a number or 'any'): the lone headline-like items that "
        "variant leaves alone, right or wrong, by linkage, target size and what they share",
    )
    parser.add_argument(
        "--under",
        default="",
        help="N,DAYS,BAR: the trace (or --loss) of the grouping under that headline variant "
        "instead of today's (protocol T2)",
    )
    parser.add_argument(
        "--score-splits",
        action="store_true",
        help="with the trace or --loss: score the split pairs no index proposed and band "
        "them (protocol T3)",
    )
    parser.add_argument(
        "--split-scores",
        action="store_true",
        help="with the trace or --loss: the split pairs under the attach bar, by whether "
        "the model or a cut after it put them there (protocol T4)",
    )
    parser.add_argument(
        "--near-base",
        type=int,
        default=None,
        help="DAYS: every article pair at most that many days apart, one incident or two, "
        "sharing anything or nothing (protocol T5)",
    )
    parser.add_argument(
        "--cv-seeds",
        default="",
        help="with --rules: judge each rule on held-out topic folds of these seeds (P1-CV)",
    )
    parser.add_argument("--cv-folds", type=int, default=3, help="topic folds a --cv-seeds seed")
    parser.add_argument(
        "--undone",
        action="store_true",
        help="with --rules: the pairs each score rule pushes under the attach bar and the "
        "thread pairs it takes apart, right or wrong, by words, days, shares and cue words",
    )
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args(argv)
    config = DEFAULT_CONFIG
    rules = [r for r in args.rules.split(",") if r]
    out: list[dict[str, Any]] = []
    preps: dict[str, Prepared] = {}
    for form in args.forms.split(","):
        prep = preps[form] = prepare(args.data, args.set, form, args.cache, config)
        if args.no_trace and not rules:
            continue
        bar = variant_bar(prep, parse_variant(args.under)) if args.under else None
        with bar.applied() if bar else contextlib.nullcontext():
            base = prep.analysis(prep.relations, config)
        before = aris(prep, base)
        row: dict[str, Any] = {"set": prep.name, "before": _rounded(before)}
        if args.under:
            row["under"] = args.under
        if not args.no_trace:
            no_attach = prep.analysis(prep.relations, config.replace(attach_threshold=None))
            look = Lookups(prep, base, no_attach)
            row["loss" if args.loss else "trace"] = (loss if args.loss else trace)(look, config)
            if args.score_splits:
                row["unproposed splits"] = unproposed_splits(look, config)
            if args.split_scores:
                row["split scores"] = split_scores(look, config)
        for name in rules:
            if name in GROUPING_RULES:
                relations, moved = prep.relations, Counter[str]()
                with GROUPING_RULES[name](prep):
                    changed = prep.analysis(relations, config)
            elif name.endswith(STAY_SUFFIXES):
                suffix = next(x for x in STAY_SUFFIXES if name.endswith(x))
                relations, moved = apply_rule(prep, RULES[name.removesuffix(suffix)])
                stay = stay_alone(prep, relations, by_pair=suffix == "+staypair")
                with stay.applied():
                    changed = prep.analysis(relations, config)
                moved["left alone (+stay)"] = len(stay.left_alone)
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
            if args.undone and name in RULES:
                row[name]["undone"] = undone(prep, RULES[name], config)
            if args.cv_seeds:
                seeds = [int(x) for x in args.cv_seeds.split(",")]
                row[name]["topic CV"] = topic_cv(prep, base, changed, seeds, args.cv_folds)
        out.append(row)
        print(json.dumps(row, indent=1), flush=True)
    if args.near_base is not None:
        for prep in preps.values():
            base_rate = {"set": prep.name, "near base": near_base(prep, args.near_base)}
            print(json.dumps(base_rate, indent=1), flush=True)
            out.append(base_rate)
    if args.left_alone:
        variant = parse_variant(args.left_alone)
        for prep in preps.values():
            items = {"set": prep.name, "left alone": left_alone_items(prep, variant, config)}
            print(json.dumps(items, indent=1), flush=True)
            out.append(items)
    if args.lone_bars and args.headline_words:
        far = [None if d == "any" else int(d) for d in (args.far_list or "any").split(",")]
        words = [int(n) for n in args.headline_words.split(",")]
        variants = headline_variants(words, [float(b) for b in args.lone_bars.split(",")], far)
        screen = headline_bar_screen(preps, variants, config, args.keep_shared)
        print(json.dumps(screen["judge"], indent=1), flush=True)
        out.append({"headline bars": screen})
    elif args.lone_bars:
        bars = [float(b) for b in args.lone_bars.split(",")]
        screen = lone_bar_screen(preps, bars, config, args.far_days)
        print(json.dumps(screen["judge"], indent=1), flush=True)
        out.append({"lone bars": screen})
    if args.json:
        args.json.write_text(json.dumps(out, indent=1))
    return 0


def _rounded(row: dict[str, float]) -> dict[str, float]:
    return {k: round(v, 4) for k, v in row.items()}


if __name__ == "__main__":
    raise SystemExit(main())
