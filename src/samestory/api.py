"""The Python API: the whole pipeline in a few calls. The CLI is a thin layer over this.

>>> from samestory import cluster, compare, read_paths
>>> stories = cluster(read_paths(["articles/"]).articles)
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import time
from collections.abc import Callable, Iterable, Mapping, Sequence

from samestory import lexical, provenance
from samestory.candidates import candidate_pairs, copy_groups
from samestory.config import DEFAULT_CONFIG, Config
from samestory.embed import SentenceEncoder, encoder_for
from samestory.features import DocFeatures, add_vectors, featurize, text_features
from samestory.models import Article, Relation, RelationKind, Story
from samestory.parallel import map_chunks, worker_count
from samestory.relate import relate, single_threaded_blas
from samestory.stories import average_link
from samestory.threads import thread_groups, thread_id

# progress(stage, done, total): called as work advances, for progress bars.
Progress = Callable[[str, int, int], None]
FEATURE_BATCH = 256
# Pairs per chunk of scoring work, and the fewest pairs per worker process worth a fork
# (a worker costs a few ms to start and to send its relations back; a pair ~0.15 ms).
SCORE_CHUNK = 500
MIN_PAIRS_PER_WORKER = 1000
# Articles per worker below which featurising in worker processes does not pay.
MIN_ARTICLES_PER_WORKER = 300


def _noop(stage: str, done: int, total: int) -> None:
    return None


@dataclasses.dataclass
class Analysis:
    """Everything a clustering run computed: features, scored pairs and stories."""

    features: list[DocFeatures]
    relations: list[Relation]
    stories: list[Story]
    # Each copy's id -> the id of the representative it was collapsed onto.
    copy_of: dict[str, str] = dataclasses.field(default_factory=dict)


def featurize_all(
    articles: Sequence[Article],
    config: Config = DEFAULT_CONFIG,
    encoder: SentenceEncoder | None = None,
    progress: Progress | None = None,
) -> list[DocFeatures]:
    """Features for every article, encoded in batches of ``FEATURE_BATCH``.

    With ``config.workers`` allowing it, the per-article Python work
    (:func:`~samestory.features.text_features`) runs in worker processes first; this
    process then encodes in the same batches as without workers, with the same BLAS
    threads, so the features are the same either way.
    """
    progress = progress or _noop
    encoder = encoder or encoder_for(config.encoder)
    workers = worker_count(config.workers, len(articles), MIN_ARTICLES_PER_WORKER)
    if workers > 1:
        texts = _text_features_in_workers(articles, config, workers, progress)
        batches: Iterable[list[DocFeatures]] = (
            texts[k : k + FEATURE_BATCH] for k in range(0, len(texts), FEATURE_BATCH)
        )
    else:
        batches = (
            [text_features(a, config) for a in articles[k : k + FEATURE_BATCH]]
            for k in range(0, len(articles), FEATURE_BATCH)
        )
    out: list[DocFeatures] = []
    for batch in batches:
        out.extend(add_vectors(batch, encoder))
        progress("embedding", len(out), len(articles))
    if workers > 1:
        # Scoring workers fork from here next: give them every language's word table.
        lexical.load_backgrounds({f.lang for f in out})
    return out


def _text_features_in_workers(
    articles: Sequence[Article], config: Config, workers: int, progress: Progress
) -> list[DocFeatures]:
    """:func:`~samestory.features.text_features` of every article, on ``workers`` processes.

    All of them before any encoding: the encoder's BLAS threads would otherwise compete
    with the workers for the same cores.
    """
    # Load here what every worker needs (language detector, the word tables of the
    # languages a sample of the articles is in), so the forks inherit it instead of each
    # loading it: 32 articles featurised twice.
    for article in articles[:: max(1, len(articles) // 32)]:
        text_features(article, config)

    def text_chunk(start: int, stop: int) -> list[DocFeatures]:
        return [text_features(a, config) for a in articles[start:stop]]

    return map_chunks(
        text_chunk,
        len(articles),
        workers,
        FEATURE_BATCH,
        on_chunk=lambda done: progress("reading", done, len(articles)),
    )


def score_pairs(
    features: Sequence[DocFeatures],
    pairs: Sequence[tuple[int, int]],
    config: Config = DEFAULT_CONFIG,
    progress: Progress | None = None,
) -> list[Relation]:
    """Relate each candidate pair ``(i, j)`` of ``features``, on ``config.workers`` processes.

    The relations are the same, in the same order, however many processes score them.
    """
    progress = progress or _noop

    def score_chunk(start: int, stop: int) -> list[Relation]:
        with single_threaded_blas():
            return [relate(features[i], features[j], config) for i, j in pairs[start:stop]]

    workers = worker_count(config.workers, len(pairs), MIN_PAIRS_PER_WORKER)
    return map_chunks(
        score_chunk,
        len(pairs),
        workers,
        SCORE_CHUNK,
        on_chunk=lambda done: progress("scoring", done, len(pairs)),
    )


def analyze(
    articles: Sequence[Article],
    config: Config = DEFAULT_CONFIG,
    encoder: SentenceEncoder | None = None,
    progress: Progress | None = None,
    timings: dict[str, float] | None = None,
) -> Analysis:
    """Run the pipeline: features → copies → candidates → relations → stories → provenance.

    Copies are grouped first; candidates, scoring and clustering then run on one
    representative per copy group, and each copy joins its representative's story.
    ``timings``, when given, receives the seconds spent in each stage.
    """
    clock = _StageClock(timings)
    features = featurize_all(articles, config, encoder, progress)
    clock.lap("features")
    representative = copy_groups(features, config)
    reps = sorted(set(representative))
    copies = [(r, i) for i, r in enumerate(representative) if i != r]
    rep_pairs = [
        (reps[i], reps[j]) for i, j in candidate_pairs([features[r] for r in reps], config)
    ]
    clock.lap("candidates")
    relations = score_pairs(features, copies + rep_pairs, config, progress)
    clock.lap("scoring")
    scores = [r.score for r in relations[len(copies) :]]
    groups = group_over_copies(representative, rep_pairs, scores, config)
    clock.lap("grouping")
    stories = build_stories(features, relations, groups)
    story_of_rep = [0] * len(reps)
    for g, group in enumerate(rep_groups):
        for k in group:
            story_of_rep[k] = g
    thread_edges = [
        (rep_index[i], rep_index[j], r.evidence.scores.get("thread", 0.0))
        for (i, j), r in zip(rep_pairs, relations[len(copies) :], strict=True)
    ]
    threads = [
        [features[reps[k]].id for k in thread]
        for thread in thread_groups(len(reps), thread_edges, story_of_rep)
    ]
    stories = assign_threads(stories, threads, relations, {f.id: f.date for f in features})
    clock.lap("stories")
    return Analysis(
        features=features,
        relations=relations,
        stories=stories,
        copy_of={features[i].id: features[r].id for r, i in copies},
    )


def group_over_copies(
    representative: Sequence[int],
    pairs: Sequence[tuple[int, int]],
    scores: Sequence[float],
    config: Config = DEFAULT_CONFIG,
) -> list[list[int]]:
    """Stories as groups of article indices, from the scored pairs of representatives.

    ``representative[i]`` is article ``i``'s copy-group representative; ``pairs`` (of
    representatives) scored ``scores`` are clustered by average link over the
    representatives, and each copy joins its representative's group.
    """
    reps = sorted(set(representative))
    rep_index = {r: k for k, r in enumerate(reps)}
    edges = [
        (rep_index[i], rep_index[j], score) for (i, j), score in zip(pairs, scores, strict=True)
    ]
    rep_groups = average_link(
        len(reps), edges, config.same_story_threshold, config.attach_threshold
    )
    members: dict[int, list[int]] = {}
    for i, r in enumerate(representative):
        members.setdefault(r, []).append(i)
    return [sorted(i for k in group for i in members[reps[k]]) for group in rep_groups]


class _StageClock:
    """Records the seconds between laps into ``timings`` (a no-op without one)."""

    def __init__(self, timings: dict[str, float] | None) -> None:
        self.timings = timings
        self.last = time.perf_counter()

    def lap(self, stage: str) -> None:
        now = time.perf_counter()
        if self.timings is not None:
            self.timings[stage] = now - self.last
        self.last = now


def build_stories(
    features: Sequence[DocFeatures],
    relations: Sequence[Relation],
    groups: Sequence[Sequence[int]],
) -> list[Story]:
    """Turn index groups into :class:`Story` objects with provenance, largest first."""
    story_of = {features[i].id: g for g, group in enumerate(groups) for i in group}
    by_group: dict[int, list[Relation]] = {}
    for r in relations:
        if r.same_story and story_of[r.a] == story_of[r.b]:
            by_group.setdefault(story_of[r.a], []).append(r)
    stories = [
        make_story([features[i] for i in group], by_group.get(g, []))
        for g, group in enumerate(groups)
    ]
    return sorted(stories, key=lambda s: (-len(s.articles), s.first))


def assign_threads(
    stories: Sequence[Story],
    threads: Sequence[Sequence[str]],
    relations: Sequence[Relation],
    dates: Mapping[str, dt.date | None],
) -> list[Story]:
    """Stories with their ``thread`` id and ``follow_ups`` set.

    ``threads`` lists article ids per thread (any member of each story is enough). A
    thread's id comes from its first story: the one whose first version is dated
    earliest (undated last, then by story id). ``follow_ups`` are the ``follow_up``
    relations between the story and another story of its thread.
    """

    def first_key(story: Story) -> tuple[bool, dt.date, str]:
        date = dates.get(story.first)
        return (date is None, date or dt.date.min, story.id)

    story_of_article = {a: s.id for s in stories for a in s.articles}
    thread_of_story: dict[str, int] = {}
    for t, members in enumerate(threads):
        for article_id in members:
            thread_of_story[story_of_article[article_id]] = t
    by_thread: dict[int, list[Story]] = {}
    for story in stories:
        by_thread.setdefault(thread_of_story.get(story.id, -1 - len(by_thread)), []).append(story)
    ids = {
        s.id: thread_id(min(group, key=first_key).id) for group in by_thread.values() for s in group
    }
    follow: dict[str, list[Relation]] = {}
    for r in relations:
        if r.kind is not RelationKind.FOLLOW_UP:
            continue
        sa, sb = story_of_article.get(r.a), story_of_article.get(r.b)
        if sa and sb and sa != sb and ids[sa] == ids[sb]:
            follow.setdefault(sa, []).append(r)
            follow.setdefault(sb, []).append(r)
    return [
        dataclasses.replace(s, thread=ids[s.id], follow_ups=tuple(follow.get(s.id, ())))
        for s in stories
    ]


def make_story(members: Sequence[DocFeatures], relations: Sequence[Relation]) -> Story:
    """One story from its members' features and the same-story relations among them."""
    dates = {f.id: f.date for f in members}
    lengths = {f.id: f.n_words for f in members}
    oriented, edges = provenance.derivations(relations, dates, lengths)
    ids = [f.id for f in members]
    first = provenance.first_version(ids, dates, lengths, edges)
    lead = next(f for f in members if f.id == first)
    return Story(
        id=story_id(first),
        title=story_title(lead),
        articles=tuple(provenance.time_order(ids, dates, first)),
        first=first,
        relations=tuple(sorted(oriented, key=lambda r: (r.a, r.b))),
        derivations=tuple(edges),
    )


def story_id(first_article: str) -> str:
    """Stable id of a story, from the id of its first version."""
    return "s-" + hashlib.sha1(first_article.encode("utf-8")).hexdigest()[:12]


def story_title(lead: DocFeatures, limit: int = 120) -> str | None:
    text = lead.title or (lead.sentences[0] if lead.sentences else None)
    if text and len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    return text


def cluster(
    articles: Sequence[Article],
    config: Config = DEFAULT_CONFIG,
    encoder: SentenceEncoder | None = None,
    progress: Progress | None = None,
) -> list[Story]:
    """Group articles into stories (largest first), with relations and provenance."""
    return analyze(articles, config, encoder, progress).stories


def compare(
    a: Article,
    b: Article,
    config: Config = DEFAULT_CONFIG,
    encoder: SentenceEncoder | None = None,
) -> Relation:
    """The relation between two articles (``kind`` None if not the same story).

    Derivation relations come back oriented source → copy.
    """
    fa, fb = featurize([a, b], config, encoder)
    relation = relate(fa, fb, config)
    if relation.kind is not None and relation.kind.is_derivation:
        relation, _ = provenance.orient(
            relation, {fa.id: fa.date, fb.id: fb.date}, {fa.id: fa.n_words, fb.id: fb.n_words}
        )
    return relation


# Helpers with plain-data results, for evaluation scripts and benchmarks.


def thread_groups_of(stories: Sequence[Story]) -> list[list[str]]:
    """Article ids per thread (stories without a thread each stand alone)."""
    out: dict[str, list[str]] = {}
    for story in stories:
        out.setdefault(story.thread or story.id, []).extend(story.articles)
    return list(out.values())


def cluster_ids(articles: Sequence[Article], config: Config = DEFAULT_CONFIG) -> list[list[str]]:
    """Stories as lists of article ids."""
    return [list(s.articles) for s in cluster(articles, config)]


def _pair_relations(pairs: Sequence[tuple[Article, Article]], config: Config) -> list[Relation]:
    flat = [article for pair in pairs for article in pair]
    features = featurize_all(flat, config)
    with single_threaded_blas():
        return [relate(features[2 * k], features[2 * k + 1], config) for k in range(len(pairs))]


def story_similarity(
    pairs: Sequence[tuple[Article, Article]], config: Config = DEFAULT_CONFIG
) -> list[float]:
    """Graded story similarity in [0, 1] of each pair (1 = surely the same story).

    A flatter version of the decision score (``evidence.scores["similarity"]``), for
    ranking pairs and comparing with human similarity scales.
    """
    return [r.evidence.scores["similarity"] for r in _pair_relations(pairs, config)]


def relation_kinds(
    pairs: Sequence[tuple[Article, Article]], config: Config = DEFAULT_CONFIG
) -> list[str | None]:
    """Relation kind of each pair (None when not the same story)."""
    return [r.kind.value if r.kind else None for r in _pair_relations(pairs, config)]
