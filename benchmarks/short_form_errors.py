"""Where a dev set's grouping goes wrong, pair by pair, at story and at thread level: the
full texts beside their short forms (``lead``, ``summary``, ``headline``).

    python benchmarks/short_form_errors.py [--data DIR] [--sets gva_dev,ecbplus_dev]
        [--forms full,headline,lead] [--cache DIR] [--sample 20] [--json FILE]

Each set (``FILE`` of ``--data``) in each form (:func:`samestory.evaluate.make_short_variants`)
goes through production's batch pipeline (``analyze``, ``DEFAULT_CONFIG``: copies,
candidates, scoring, grouping with roundups, threads); features are cached per set and
form in ``--cache``. Article pairs are then counted against the gold labels, as the ARI
counts them:

- **merged** (two gold stories, one found story) and **split** (one gold story, two found
  stories), at story level and at thread level (found threads; GVA's labels are
  threads);
- a story-level merge is read through its **bridge**: the highest-scored candidate pair
  between the two gold stories' articles inside the found story. Its band (at or over
  ``same_story_threshold``; between ``attach_threshold`` and it: only the attach step or
  an average over other pairs puts such a pair's texts together; under the attach bar;
  ``none``: no candidate pair between them at all), its days apart (the records' own
  dates), whether the date gate read both dates (``gate saw both``), which score route
  decided it (``rewrite``: the rewrite evidence, a share of the shorter text's sentences
  with a close match, at or over the event model's probability; else ``event``), its
  relation kind, whether the two texts share a name (and a person or place name, by the
  text's own roles), and which candidate route proposed it
  (``benchmarks/candidate_routes.py``'s ``routes``: hash, lsh, vector, keyword);
- **without attach**: the same features grouped with ``attach_threshold=None`` (no lone
  or splinter attach), to count the merges the attach step makes;
- a thread-only merge (two gold stories in two found stories of one thread) is read
  through its follow_up link: the highest thread score between the two found stories;
- every scored pair in the attach band more than 30 days apart, same gold or not, by what
  the texts share (a person or place name by the texts' own roles, another name, none):
  the evidence the attach step has across the date gate;
- a split pair is ``not proposed`` (no candidate pair between the two texts' copy
  representatives) or scored, by band, and by days apart.

``--sample N`` prints N seeded short texts of each set and form (what a headline carries).

``--floor-diff`` reads instead what screen S's short-text vector floor
(``Config.short_text_ann_min_cosine`` under ``Config.short_text_words`` words) changes:
each set and form runs with the floor (production) and without it
(``short_text_ann_min_cosine=None``), and :func:`floor_diff` prints

- the **added** pairs: candidate pairs of copy representatives proposed with the floor
  and not without it (``propose_pairs`` of both configs), each by its outcome (same gold
  or not; together in one found story with the floor, without it) and its classes: the
  shorter text's words and sentences (``len(features.sentences)``; a short side's is the
  list the floor lengthens), how many sides are short, same ECB+ topic or not
  (``topic``), document cosine band, score band and cue with the floor;
- the article pairs the floor moves at story level: merged wrongly with it and not
  without (``new merged``), split without it and together with it (``joined``), and the
  reverse (``unmerged``, ``newly split``); each new merge is read through its bridge with
  the floor (:func:`bridge_row`'s classes, ``floor pair`` when the bridge is an added
  pair, else ``knock-on``: the floor's pairs moved the grouping elsewhere); the same
  moves without the attach step (``attach_threshold=None`` both ways): a move there only
  with it is the attach step's.

Writes nothing but ``--json``.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import pickle
import random
import sys
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Sequence
from datetime import date
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from sklearn.metrics import adjusted_rand_score

sys.path.insert(0, str(Path(__file__).resolve().parent))
from candidate_routes import proposed, routes
from corpus import DATA

from samestory.config import DEFAULT_CONFIG, Config
from samestory.embed import encoder_for
from samestory.evaluate import make_short_variants, read_labelled, record_to_article
from samestory.features import DocFeatures
from samestory.models import Relation
from samestory.pipeline.batch import Analysis, analyze_features
from samestory.pipeline.copies import collapse_copies
from samestory.pipeline.featurise import featurize_all, uncached
from samestory.pipeline.propose import propose_pairs

# Days-apart bands of a pair (the date gate's far line is 30 days).
DAY_BANDS = ((3, "0-3"), (30, "4-30"), (180, "31-180"))
LONG_BAND = ">180"
FAR_DAYS = 30
UNDATED = "undated"
# Bands of a pair the short floor adds: the document cosine (the floor reaches 0.25 from
# production's 0.35) and the shorter text's words (a headline is at most 20).
COSINE_BANDS = (0.27, 0.29, 0.31, 0.33, 0.35)
WORD_BANDS = (10, 15, 20, 25)


@dataclasses.dataclass
class Run:
    """One set in one form: its records, production's analysis, and lookups."""

    name: str
    records: list[dict[str, Any]]
    analysis: Analysis
    no_attach: Analysis
    routes: dict[tuple[str, str], set[str]]

    def __post_init__(self) -> None:
        self.gold = {str(r["id"]): str(r["story"]) for r in self.records}
        self.day = {str(r["id"]): r.get("date") for r in self.records}
        self.by_id = {f.id: f for f in self.analysis.features}
        self.story = {a: s.id for s in self.analysis.stories for a in s.articles}
        self.thread = {a: s.thread or s.id for s in self.analysis.stories for a in s.articles}
        self.relation: dict[tuple[str, str], Relation] = {}
        for r in self.analysis.relations:
            self.relation[key(r.a, r.b)] = r

    def rep(self, article: str) -> str:
        return self.analysis.copy_of.get(article, article)

    def pair(self, a: str, b: str) -> Relation | None:
        """The scored pair between two articles (their copy representatives)."""
        return self.relation.get(key(a, b)) or self.relation.get(key(self.rep(a), self.rep(b)))


def key(a: str, b: str) -> tuple[str, str]:
    return (a, b) if a < b else (b, a)


def load(
    path: Path, form: str, cache: Path, config: Config
) -> tuple[list[dict], list[DocFeatures]]:
    """The records of ``path`` in ``form`` and their features (cached)."""
    records, _ = read_labelled(path)
    if form != "full":
        records = make_short_variants(records, form)
    file = cache / f"{path.stem}-{form}-{config.encoder}.features.pkl"
    if file.exists():
        return records, pickle.loads(file.read_bytes())
    articles = [record_to_article(r) for r in records]
    features = featurize_all(articles, config, uncached(encoder_for(config.encoder)))
    cache.mkdir(parents=True, exist_ok=True)
    file.write_bytes(pickle.dumps(features))
    return records, features


def run(path: Path, form: str, cache: Path, config: Config) -> Run:
    records, features = load(path, form, cache, config)
    analysis = analyze_features(list(features), config)
    no_attach = analyze_features(list(features), config.replace(attach_threshold=None))
    found, _ = routes(list(features), config)
    return Run(f"{path.stem}:{form}", records, analysis, no_attach, found)


def day_band(days: int | None) -> str:
    if days is None:
        return UNDATED
    for most, name in DAY_BANDS:
        if days <= most:
            return name
    return LONG_BAND


def days_apart(run: Run, a: str, b: str) -> int | None:
    da, db = run.day.get(a), run.day.get(b)
    if not da or not db:
        return None
    return abs((date.fromisoformat(str(da)[:10]) - date.fromisoformat(str(db)[:10])).days)


def score_band(score: float | None, config: Config) -> str:
    if score is None:
        return "none"
    if score >= config.same_story_threshold:
        return "linked"
    if config.attach_threshold is not None and score >= config.attach_threshold:
        return "attach band"
    return "under attach"


def parts_of(groups: dict[str, str], gold: dict[str, str]) -> dict[str, dict[str, list[str]]]:
    """Each found group's articles by gold story."""
    out: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for article, g in groups.items():
        out[g][gold[article]].append(article)
    return out


def merged_parts(
    groups: dict[str, str], gold: dict[str, str]
) -> Iterator[tuple[list[str], list[str], int]]:
    """Each two gold stories' articles that one found group merges (each couple once),
    with the count of wrongly merged article pairs between them (one side times the other)."""
    for parts in parts_of(groups, gold).values():
        golds = sorted(parts)
        for x, gx in enumerate(golds):
            for gy in golds[x + 1 :]:
                yield parts[gx], parts[gy], len(parts[gx]) * len(parts[gy])


def merged_pairs(groups: dict[str, str], gold: dict[str, str]) -> int:
    total = 0
    for parts in parts_of(groups, gold).values():
        sizes = [len(m) for m in parts.values()]
        total += (sum(sizes) ** 2 - sum(s * s for s in sizes)) // 2
    return total


def split_pairs(groups: dict[str, str], gold: dict[str, str]) -> int:
    return merged_pairs(gold, groups)  # the same count with the roles swapped


def best_between(run: Run, left: Iterable[str], right: Sequence[str]) -> tuple[str, str] | None:
    """The highest-scored candidate pair between two sets of articles."""
    best: tuple[float, tuple[str, str]] | None = None
    for a in left:
        for b in right:
            r = run.pair(a, b)
            if r is not None and (best is None or r.score > best[0]):
                best = (r.score, (a, b))
    return None if best is None else best[1]


def shares(a: DocFeatures, b: DocFeatures) -> str:
    """What two texts share by name: a person or place the texts mark, another name, none."""
    places_a, people_a = a.roles or (frozenset(), frozenset())
    places_b, people_b = b.roles or (frozenset(), frozenset())
    if people_a & people_b:
        return "person"
    if places_a & places_b:
        return "place"
    return "other name" if a.entities & b.entities else "no name"


def bridge_row(run: Run, a: str, b: str, config: Config) -> dict[str, Any]:
    r = run.pair(a, b)
    assert r is not None
    scores = r.evidence.scores
    p_event = scores.get("event_probability", 0.0)
    rewrite = scores.get("rewrite_evidence", 0.0)
    tags = run.routes.get(key(run.rep(a), run.rep(b)), set())
    route = "+".join(sorted(tags - {"screened"})) if proposed(tags) else "copy"
    return {
        "band": score_band(r.score, config),
        "days": day_band(days_apart(run, a, b)),
        "gate saw both": r.evidence.date_gap_days is not None,
        "cue": "rewrite" if rewrite >= p_event and rewrite > 0 else "event",
        "kind": r.kind.value if r.kind else "none",
        "shares": shares(run.by_id[run.rep(a)], run.by_id[run.rep(b)]),
        "route": route,
    }


def story_merges(run: Run, config: Config) -> dict[str, Counter[str]]:
    """Story-level merged article pairs by their bridge's classes."""
    out: dict[str, Counter[str]] = defaultdict(Counter)
    for left, right, n in merged_parts(run.story, run.gold):
        best = best_between(run, left, right)
        if best is None:
            out["band"]["none"] += n
            continue
        row = bridge_row(run, *best, config)
        for field, value in row.items():
            out[field][str(value)] += n
        out["band x days"][f"{row['band']} / {row['days']}"] += n
    return out


def thread_merges(run: Run) -> dict[str, Counter[str]]:
    """Thread-only merged pairs (two gold stories in two found stories of one thread), by
    the follow_up link between the two found stories: its days apart and thread score."""
    out: dict[str, Counter[str]] = defaultdict(Counter)
    members: dict[str, list[str]] = defaultdict(list)
    for article, s in run.story.items():
        members[s].append(article)
    for article_a, article_b, n in _thread_only_pairs(run):
        sa, sb = run.story[article_a], run.story[article_b]
        link = _best_follow_up(run, members[sa], members[sb])
        if link is None:
            out["link"]["through a third story"] += n
            continue
        r = run.pair(*link)
        assert r is not None
        out["link"]["follow_up" if r.kind and r.kind.value == "follow_up" else "other"] += n
        out["days"][day_band(days_apart(run, *link))] += n
        out["shares"][shares(run.by_id[run.rep(link[0])], run.by_id[run.rep(link[1])])] += n
    return out


def _thread_only_pairs(run: Run) -> Iterable[tuple[str, str, int]]:
    """(an article of each side, pair count) for each two gold stories in one found thread
    but two found stories."""
    cells: dict[tuple[str, str, str], list[str]] = defaultdict(list)
    for article, t in run.thread.items():
        cells[t, run.story[article], run.gold[article]].append(article)
    by_thread: dict[str, list[tuple[str, str, list[str]]]] = defaultdict(list)
    for (t, s, g), arts in cells.items():
        by_thread[t].append((s, g, arts))
    for cells_of in by_thread.values():
        for x, (s1, g1, a1) in enumerate(cells_of):
            for s2, g2, a2 in cells_of[x + 1 :]:
                if s1 != s2 and g1 != g2:
                    yield a1[0], a2[0], len(a1) * len(a2)


def _best_follow_up(run: Run, left: list[str], right: list[str]) -> tuple[str, str] | None:
    best: tuple[float, tuple[str, str]] | None = None
    for a in left:
        for b in right:
            r = run.pair(a, b)
            if r is None:
                continue
            t = r.evidence.scores.get("thread", 0.0)
            if best is None or t > best[0]:
                best = (t, (a, b))
    return None if best is None else best[1]


def far_attach_band(run: Run, config: Config) -> dict[str, dict[str, int]]:
    """Every scored pair in the attach band more than 30 days apart (what the attach step
    reads across the date gate), same gold or not, by what the two texts share."""
    out: dict[str, Counter[str]] = defaultdict(Counter)
    for r in run.analysis.relations:
        if score_band(r.score, config) != "attach band":
            continue
        days = days_apart(run, r.a, r.b)
        if days is None or days <= FAR_DAYS:
            continue
        same = "same gold" if run.gold[r.a] == run.gold[r.b] else "different gold"
        out[same][shares(run.by_id[r.a], run.by_id[r.b])] += 1
    return _plain(out)


def summary(run: Run, config: Config) -> dict[str, Any]:
    ids = [str(r["id"]) for r in run.records if str(r["id"]) in run.story]
    gold = [run.gold[i] for i in ids]
    no_attach = {a: s.id for s in run.no_attach.stories for a in s.articles}
    by_gold_story = {a: run.story[a] for a in ids}
    by_gold_thread = {a: run.thread[a] for a in ids}
    return {
        "set": run.name,
        "articles": len(ids),
        "story ARI": round(adjusted_rand_score(gold, [run.story[i] for i in ids]), 4),
        "thread ARI": round(adjusted_rand_score(gold, [run.thread[i] for i in ids]), 4),
        "story ARI without attach": round(
            adjusted_rand_score(gold, [no_attach[i] for i in ids]), 4
        ),
        "story merged pairs": merged_pairs(by_gold_story, run.gold),
        "story merged pairs without attach": merged_pairs(no_attach, run.gold),
        "story split pairs": split_pairs(by_gold_story, run.gold),
        "thread merged pairs": merged_pairs(by_gold_thread, run.gold),
        "thread split pairs": split_pairs(by_gold_thread, run.gold),
        "story merges by bridge": _plain(story_merges(run, config)),
        "thread-only merges": _plain(thread_merges(run)),
        "far pairs in the attach band": far_attach_band(run, config),
        "story splits": _plain(_split_view(run, by_gold_story, config)),
        "thread splits": _plain(_split_view(run, by_gold_thread, config)),
    }


def _split_view(run: Run, groups: dict[str, str], config: Config) -> dict[str, Counter[str]]:
    # Split pairs are merged pairs of the gold against the found grouping: walk each gold
    # story's found parts.
    swapped: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for article, g in groups.items():
        swapped[run.gold[article]][g].append(article)
    out: dict[str, Counter[str]] = defaultdict(Counter)
    for parts in swapped.values():
        found_parts = sorted(parts)
        for x, px in enumerate(found_parts):
            for py in found_parts[x + 1 :]:
                for a in parts[px]:
                    for b in parts[py]:
                        r = run.pair(a, b)
                        out["band"][
                            "not proposed" if r is None else score_band(r.score, config)
                        ] += 1
                        out["days"][day_band(days_apart(run, a, b))] += 1
    return out


def _plain(d: dict[str, Counter[str]]) -> dict[str, dict[str, int]]:
    return {k: dict(v.most_common()) for k, v in d.items()}


def sample_texts(run: Run, n: int, seed: int = 0) -> list[str]:
    rng = random.Random(seed)
    picked = rng.sample(run.records, min(n, len(run.records)))
    return [f"{r.get('date')} {r['story']}: {r['text'][:160]!r}" for r in picked]


def trace_parser(doc: str, *, sets: str, forms: str, cache: str) -> argparse.ArgumentParser:
    """The options every short-form trace shares (``--data --sets --forms --cache --json``);
    a trace adds its own after. ``doc`` is the script's docstring (its first paragraph
    becomes the description)."""
    parser = argparse.ArgumentParser(description=doc.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DATA, help="folder of dev .jsonl files")
    parser.add_argument("--sets", default=sets, help="file stems, comma-separated")
    parser.add_argument("--forms", default=forms, help="full and short forms, comma-separated")
    parser.add_argument("--cache", type=Path, default=Path(cache))
    parser.add_argument("--json", type=Path, default=None, help="write the rows here too")
    return parser


def sets_and_forms(args: argparse.Namespace) -> Iterator[tuple[str, str]]:
    """Each (set stem, form) pair ``--sets`` and ``--forms`` name, sets outermost."""
    for stem in args.sets.split(","):
        for form in args.forms.split(","):
            yield stem, form


def floor_off(config: Config) -> Config:
    """``config`` without screen S's short-text vector floor."""
    return config.replace(short_text_ann_min_cosine=None)


def proposed_ids(features: list[DocFeatures], config: Config) -> set[tuple[str, str]]:
    """Production's candidate pairs of copy representatives, by article id."""
    copies = collapse_copies(features, config)
    return {key(features[i].id, features[j].id) for i, j in propose_pairs(features, copies, config)}


def band_of(value: float, bands: Sequence[float], unit: str = "") -> str:
    """``value``'s band: ``<B`` for the first bound ``B`` it is under, else ``>=last``."""
    for bound in bands:
        if value < bound:
            return f"<{bound}{unit}"
    return f">={bands[-1]}{unit}"


def sentences_band(f: DocFeatures) -> str:
    """``f``'s sentence count: 1, 2 or 3+."""
    n = len(f.sentences)
    return str(n) if n < 3 else "3+"


def pair_classes(on: Run, a: str, b: str, topic: dict[str, str], config: Config) -> dict:
    """What an added pair of representatives ``a``, ``b`` is: its texts' lengths, topic,
    cosine and, with the floor, its score band and cue."""
    fa, fb = on.by_id[a], on.by_id[b]
    short, other = sorted((fa, fb), key=lambda f: f.n_words)
    short_sides = [f for f in (fa, fb) if f.n_words < config.short_text_words]
    r = on.pair(a, b)
    scores = r.evidence.scores if r is not None else {}
    rewrite = scores.get("rewrite_evidence", 0.0)
    return {
        "shorter words": band_of(short.n_words, WORD_BANDS),
        "shorter sentences": sentences_band(short),
        "short sides' sentences": "+".join(sorted(sentences_band(f) for f in short_sides)),
        "other side": "short" if other.n_words < config.short_text_words else "long",
        "topic": "same topic" if topic.get(a) == topic.get(b) else "other topic",
        "cosine": band_of(float(fa.vector @ fb.vector), COSINE_BANDS),
        "band": score_band(r.score if r is not None else None, config),
        "cue": "rewrite"
        if r is not None and rewrite >= scores.get("event_probability", 0.0) and rewrite > 0
        else "event",
    }


def outcome(on: Run, off: Run, a: str, b: str) -> str:
    """Same gold or not, and whether the pair's articles share a found story with the
    floor and without it."""
    same = "same gold" if on.gold[a] == on.gold[b] else "different gold"
    with_floor = "together" if on.story[a] == on.story[b] else "apart"
    without = "together" if off.story[a] == off.story[b] else "apart"
    return f"{same}: {with_floor} with / {without} without"


def moved_pairs(on: Run | SimpleNamespace, off: Run | SimpleNamespace) -> Counter[str]:
    """Article pairs the floor moves at story level, by how (see the module doc)."""
    out: Counter[str] = Counter()
    ids = sorted(on.story)
    for x, a in enumerate(ids):
        for b in ids[x + 1 :]:
            now, before = on.story[a] == on.story[b], off.story[a] == off.story[b]
            if now == before:
                continue
            same = on.gold[a] == on.gold[b]
            out[
                ("joined" if now else "newly split")
                if same
                else ("new merged" if now else "unmerged")
            ] += 1
    return out


def new_merges(
    on: Run, off: Run, added: set[tuple[str, str]], topic: dict[str, str], config: Config
) -> dict[str, Counter[str]]:
    """Article pairs merged wrongly with the floor and not without it, by the bridge
    between their two gold parts in the found story."""
    out: dict[str, Counter[str]] = defaultdict(Counter)
    for left, right, _ in merged_parts(on.story, on.gold):
        n = sum(off.story[a] != off.story[b] for a in left for b in right)
        best = best_between(on, left, right) if n else None
        if best is None:
            out["bridge"]["none" if n else "old merge"] += n
            continue
        a, b = key(on.rep(best[0]), on.rep(best[1]))
        out["bridge"]["floor pair" if (a, b) in added else "knock-on"] += n
        row = {**bridge_row(on, a, b, config), **pair_classes(on, a, b, topic, config)}
        for field in (
            "band",
            "cue",
            "shares",
            "days",
            "shorter words",
            "shorter sentences",
            "short sides' sentences",
            "topic",
            "cosine",
        ):
            out[field][str(row[field])] += n
    return out


def floor_diff(on: Run, off: Run, config: Config) -> dict[str, Any]:
    """What the short-text floor changes in one set and form (see the module doc)."""
    features = on.analysis.features
    added = proposed_ids(features, config) - proposed_ids(features, floor_off(config))
    topic = {str(r["id"]): str(r.get("topic") or "") for r in on.records}
    by_outcome: dict[str, dict[str, Counter[str]]] = defaultdict(lambda: defaultdict(Counter))
    for a, b in sorted(added):
        what = outcome(on, off, a, b)
        for field, value in pair_classes(on, a, b, topic, config).items():
            by_outcome[field][value][what] += 1
        by_outcome["all"]["pairs"][what] += 1
    return {
        "set": on.name,
        "story ARI with / without": [summary_ari(on), summary_ari(off)],
        "added pairs": len(added),
        "added pairs by class and outcome": {
            field: {value: dict(c.most_common()) for value, c in sorted(rows.items())}
            for field, rows in by_outcome.items()
        },
        "article pairs moved": dict(moved_pairs(on, off).most_common()),
        "article pairs moved without attach": dict(
            moved_pairs(without_attach(on), without_attach(off)).most_common()
        ),
        "new merges by bridge": _plain(new_merges(on, off, added, topic, config)),
    }


def without_attach(run: Run) -> SimpleNamespace:
    """``run``'s grouping without the attach step (its ``no_attach`` analysis), as
    :func:`moved_pairs` reads it: the pairs the floor moves only through the attach step
    are the ones moved with it and not without."""
    story = {a: s.id for s in run.no_attach.stories for a in s.articles}
    return SimpleNamespace(story=story, gold=run.gold)


def summary_ari(run: Run) -> float:
    ids = [str(r["id"]) for r in run.records if str(r["id"]) in run.story]
    return round(adjusted_rand_score([run.gold[i] for i in ids], [run.story[i] for i in ids]), 4)


def main(argv: list[str] | None = None) -> int:
    parser = trace_parser(
        __doc__,
        sets="gva_dev,ecbplus_dev",
        forms="full,headline,lead",
        cache="/tmp/short-form-errors",
    )
    parser.add_argument("--sample", type=int, default=0, help="print N seeded short texts")
    parser.add_argument(
        "--floor-diff", action="store_true", help="what the short-text vector floor changes"
    )
    args = parser.parse_args(argv)
    config = DEFAULT_CONFIG
    out = []
    for stem, form in sets_and_forms(args):
        r = run(args.data / f"{stem}.jsonl", form, args.cache, config)
        if args.floor_diff:
            off = run(args.data / f"{stem}.jsonl", form, args.cache, floor_off(config))
            s = floor_diff(r, off, config)
        else:
            s = summary(r, config)
        out.append(s)
        print(json.dumps(s, indent=1), flush=True)
        for line in sample_texts(r, args.sample) if form != "full" else []:
            print("  ", line)
    if args.json:
        args.json.write_text(json.dumps(out, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
