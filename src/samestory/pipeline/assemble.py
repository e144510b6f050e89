"""Stage 6, assemble: index groups → :class:`~samestory.models.Story` objects.

A story's id comes from its first version, found by provenance (who derived from whom,
then dates, then length); its title is the first version's title or lead sentence.
Stories of one incident are then tied into threads (:func:`find_threads`,
:func:`assign_threads`).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping, Sequence

from samestory.features import DocFeatures
from samestory.ids import story_id as story_id
from samestory.models import Relation, RelationKind, Roundup, RoundupPart, Story
from samestory.pipeline.group import FoundRoundup
from samestory.pipeline.story_of import make_story as make_story
from samestory.pipeline.story_of import story_title as story_title
from samestory.relate import CUE_SCORE_KEYS, is_copy_relation
from samestory.threads import (
    borrowed_gaps,
    first_story_key,
    thread_features,
    thread_groups,
    thread_id,
    thread_probability,
    with_gap,
)


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

    story_of_article = {a: s.id for s in stories for a in s.articles}
    thread_of_story: dict[str, int] = {}
    for t, members in enumerate(threads):
        for article_id in members:
            thread_of_story[story_of_article[article_id]] = t
    by_thread: dict[int, list[Story]] = {}
    for story in stories:
        by_thread.setdefault(thread_of_story.get(story.id, -1 - len(by_thread)), []).append(story)

    def first_of(group: list[Story]) -> Story:
        return min(group, key=lambda story: first_story_key(story.id, dates.get(story.first)))

    ids = {s.id: thread_id(first_of(group).id) for group in by_thread.values() for s in group}
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


def mark_roundups(
    stories: Sequence[Story],
    roundups: Sequence[FoundRoundup],
    features: Sequence[DocFeatures],
    groups: Sequence[Sequence[int]],
) -> list[Story]:
    """Stories with a :class:`Roundup` flag for each text covering several stories, on
    the story it ended in (the story it joined, or its own), with the parts it covers."""
    story_of = {a: s.id for s in stories for a in s.articles}
    flags: dict[str, list[Roundup]] = {}
    for found in roundups:
        article = features[found.index].id
        parts = tuple(
            RoundupPart(
                story=story_of[features[groups[p.side][0]].id],
                share=p.share,
                sentences=tuple(sorted(p.sentences)),
                names=tuple(sorted(p.names)),
            )
            for p in found.parts
        )
        attached = found.attached_to is not None
        flag = Roundup(article=article, attached=attached, parts=parts, cut=found.cut)
        flags.setdefault(story_of[article], []).append(flag)
    return [dataclasses.replace(s, roundups=tuple(flags.get(s.id, ()))) for s in stories]


def earlier_first(first: DocFeatures, added: DocFeatures) -> str:
    """The first version of a story ``added`` just joined, without recomputing provenance:
    ``added`` takes over only if it is dated earlier than the current ``first`` (or
    ``first`` has no date). For stories too large to recompute on every add."""
    if added.date is not None and (first.date is None or added.date < first.date):
        return added.id
    return first.id


def find_threads(
    features: Sequence[DocFeatures],
    reps: Sequence[int],
    pairs: Sequence[tuple[int, int]],
    relations: Sequence[Relation],
    groups: Sequence[Sequence[int]],
) -> list[list[str]]:
    """Threads (stories of one incident) as article ids, from the representatives' scored
    pairs: ``relations[k]`` is the relation of ``pairs[k]``, ``groups`` the stories as
    index groups. Each representative stands for its story; see
    :func:`samestory.threads.thread_groups`."""
    rep_index = {r: k for k, r in enumerate(reps)}
    group_of = {i: g for g, members in enumerate(groups) for i in members}
    edges = [
        (rep_index[i], rep_index[j], p)
        for (i, j), p in zip(pairs, thread_scores(features, pairs, relations, groups), strict=True)
    ]
    return [
        [features[reps[k]].id for k in thread]
        for thread in thread_groups(len(reps), edges, [group_of[r] for r in reps])
    ]


def thread_scores(
    features: Sequence[DocFeatures],
    pairs: Sequence[tuple[int, int]],
    relations: Sequence[Relation],
    groups: Sequence[Sequence[int]],
) -> list[float]:
    """The thread probability each scored pair is threaded with: ``relate``'s, but an
    undated pair between two stories is re-scored with its stories' date gap
    (:func:`samestory.threads.borrowed_gaps`)."""
    group_of = {i: g for g, members in enumerate(groups) for i in members}
    gaps = borrowed_gaps(pairs, [r.evidence.date_gap_days for r in relations], group_of)
    return [
        pair_thread_probability(features[i], features[j], r, gap)
        for (i, j), r, gap in zip(pairs, relations, gaps, strict=True)
    ]


def pair_thread_probability(
    a: DocFeatures, b: DocFeatures, relation: Relation, gap: int | None
) -> float:
    """The pair's thread probability, ``relate``'s own unless the pair is threaded with
    a gap its texts did not give (an undated version takes its story's gap,
    :func:`samestory.threads.borrowed_gaps`). The one rule the batch
    (:func:`thread_scores`) and the Spark job (:mod:`samestory.spark.stages`' threads)
    share."""
    if gap is None or relation.evidence.date_gap_days is not None:
        return relation.evidence.scores.get("thread", 0.0)
    x = thread_inputs(a, b, relation)
    if x is None:  # a copy: its own thread probability whatever the gap
        return relation.evidence.scores["thread"]
    return thread_probability(with_gap(x, gap))


def thread_inputs(a: DocFeatures, b: DocFeatures, relation: Relation) -> tuple[float, ...] | None:
    """The thread model's inputs of a scored pair (:func:`samestory.threads.thread_features`),
    from its relation's evidence (the cues, the rewrite evidence, the date gap); None for
    a copy relation (:func:`samestory.relate.is_copy_relation`): it has no cues, and its
    thread probability is :data:`~samestory.relate.COPY_THREAD` whatever the gap."""
    if is_copy_relation(relation):
        return None
    evidence = relation.evidence
    cues = [evidence.scores[key] for key in CUE_SCORE_KEYS]
    rewrite = evidence.scores["rewrite_evidence"]
    return thread_features(a, b, cues, rewrite, evidence.date_gap_days)
