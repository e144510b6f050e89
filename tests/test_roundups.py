"""Roundups: a text covering two stories must not chain them (built cases from ECB+ dev)."""

from __future__ import annotations

import random
import re
from collections import defaultdict

import pytest

from samestory import api
from samestory.config import DEFAULT_CONFIG
from samestory.embed import CachedEncoder
from samestory.features import featurize
from samestory.models import Article
from samestory.roundups import (
    NameViews,
    covers_several,
    name_view,
    parts,
    sentence_tokens,
    specific_tokens,
)
from samestory.static_encoder import StaticSentenceEncoder

STATIC = DEFAULT_CONFIG.replace(encoder="static")


def sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.!?])\s+|\n+", text) if len(s.split()) > 3]


def built_case(records: list[dict], topic: str) -> tuple[list[Article], dict[str, str], str, str]:
    """Two versions of each of a topic's two events, a roundup made of the first half of
    one event's longest article and the first half of the other's (the halves' sources
    left out), and a long word salad of one event's words."""
    events: dict[str, list[dict]] = defaultdict(list)
    for r in records:
        if r["topic"] == topic:
            events[r["story"]].append(r)
    sources = [max(v, key=lambda r: len(r["text"])) for v in events.values()]
    kept = [r for v in events.values() for r in [x for x in v if x not in sources][:2]]
    first, second = (sentences(s["text"]) for s in sources)
    half = max(2, min(len(first), len(second)) // 2)
    roundup = " ".join(first[:half]) + "\n" + " ".join(second[:half])
    rng = random.Random(7)
    words = [w for r in events[sources[0]["story"]] for w in r["text"].split()]
    salad = " ".join(rng.choice(words) for _ in range(400))
    articles = [Article(id=r["id"], text=r["text"]) for r in kept]
    return articles, {r["id"]: r["story"] for r in kept}, roundup, salad


def partition(stories, ids) -> set[frozenset[str]]:
    return {frozenset(a for a in s.articles if a in ids) for s in stories} - {frozenset()}


# The static table without the map ("dan"), and the mapped one (--encoder static since
# 2026-12-02): topic 11's roundup chained the lone version 11_11ecb to the rest with the
# mapped one until the outlet-boilerplate rules of issue 13 (time zones such as "GMT" in
# five datelines are not names; a capitalised one-line subhead is page furniture).
DAN = CachedEncoder(StaticSentenceEncoder("dan"))


@pytest.mark.parametrize("topic", ["ecb:11", "ecb:13"])
def test_a_roundup_of_two_stories_does_not_chain_them(ecb_records, topic):
    check_roundup_case(ecb_records, topic, DAN)


def test_a_roundup_does_not_chain_with_the_mapped_static_encoder(ecb_records):
    check_roundup_case(ecb_records, "ecb:11", None)


def check_roundup_case(ecb_records, topic: str, encoder) -> None:
    articles, gold, roundup, _ = built_case(ecb_records, topic)
    alone = api.cluster(articles, STATIC, encoder)
    with_roundup = api.cluster([*articles, Article(id="roundup", text=roundup)], STATIC, encoder)
    # The versions are grouped as they were without the roundup: it chained nothing.
    assert partition(with_roundup, set(gold)) == partition(alone, set(gold))
    flagged = [(s, r) for s in with_roundup for r in s.roundups]
    assert [r.article for _, r in flagged] == ["roundup"]
    story, flag = flagged[0]
    assert "roundup" in story.articles
    # The evidence names both events' stories, each with its sentences and names.
    covered = {p.story for p in flag.parts}
    assert len(covered) >= 2 and all(p.sentences and p.names for p in flag.parts)
    events_covered = {gold.get(a) for s in with_roundup if s.id in covered for a in s.articles}
    events_covered.discard(None)
    assert events_covered == set(gold.values())
    as_json = story.to_dict()["roundups"][0]
    assert as_json["article"] == "roundup" and len(as_json["parts"]) == len(covered)
    assert set(as_json["parts"][0]) == {"story", "share", "sentences", "names"}


@pytest.mark.parametrize("topic", ["ecb:11", "ecb:13"])
def test_a_word_salad_of_one_story_does_not_merge_two(ecb_records, topic):
    articles, gold, _, salad = built_case(ecb_records, topic)
    alone = api.cluster(articles, STATIC, DAN)  # see DAN: topic 11 alone is split wrongly
    with_salad = api.cluster([*articles, Article(id="salad", text=salad)], STATIC, DAN)
    assert partition(with_salad, set(gold)) == partition(alone, set(gold))
    # A story holding several events is one that stood alone, the same to its scores
    # (static vectors are the same bits in any batch: docs/design.md, "Floating point").
    for story in with_salad:
        assert len({gold[a] for a in story.articles if a in gold}) <= 1 or story in alone


def test_ordinary_versions_are_not_roundups(ecb_records):
    stories = api.cluster([Article(id=r["id"], text=r["text"]) for r in ecb_records], STATIC)
    assert not [r for s in stories for r in s.roundups]


def test_parts_are_read_from_the_names_each_side_has():
    text = (
        "Tara Reid checked into Promises in Malibu on Tuesday. Her rep Ketsoyan confirmed it. "
        "The Promises centre declined to comment. Friends said she was well.\n"
        "Lindsay Lohan entered Betty Ford on Friday. Lohan had skipped a court date. "
        "Betty Ford staff met her at the gate. A judge had ordered the stay."
    )
    roundup, reid, lohan = featurize(
        [
            Article(id="r", text=text),
            Article(id="a", text="Tara Reid is at Promises, her rep Ketsoyan said."),
            Article(id="b", text="Lindsay Lohan checked into Betty Ford after a court order."),
        ],
        STATIC,
    )
    sides = {1: specific_tokens(reid), 2: specific_tokens(lohan)}
    found = parts(name_view(roundup), sides)
    assert {p.side for p in found} == {1, 2}
    assert covers_several(found)
    by_side = {p.side: p for p in found}
    assert min(by_side[1].sentences) < min(by_side[2].sentences)
    assert "lohan" in by_side[2].names and "reid" in by_side[1].names


ROUNDUP_TEXT = (
    "Tara Reid checked into Promises in Malibu on Tuesday. Her rep Ketsoyan confirmed it. "
    "The Promises centre declined to comment. Friends said she was well.\n"
    "Lindsay Lohan entered Betty Ford on Friday. Lohan had skipped a court date. "
    "Betty Ford staff met her at the gate. A judge had ordered the stay."
)
STORY_TEXTS = {
    "a1": "Tara Reid checked into Promises in Malibu on Tuesday, her rep Ketsoyan said.",
    "a2": "Actress Tara Reid has entered the Promises rehab centre in Malibu.",
    "a3": "Reid is at Promises in Malibu, Ketsoyan confirmed on Tuesday.",
    "b1": "Lindsay Lohan checked into Betty Ford after a court order.",
    "b2": "Lohan entered the Betty Ford clinic on Friday, a judge having ordered it.",
    "b3": "A judge sent Lindsay Lohan to Betty Ford for a stay.",
    "c1": "Apple will open 20 new stores in India next year, Tim Cook said in Mumbai.",
    "c2": "Tim Cook said Apple plans 20 stores in India, starting in Mumbai.",
}


def placed_roundup(roundup_scores: dict[str, float]):
    """``group_with_roundups`` on three stories of hand-scored versions (0.8 within each)
    and a roundup of the first two scored ``roundup_scores`` with the versions."""
    from samestory.pipeline.group import group_with_roundups

    ids = [*STORY_TEXTS, "r"]
    texts = [*STORY_TEXTS.values(), ROUNDUP_TEXT]
    features = featurize([Article(id=i, text=t) for i, t in zip(ids, texts, strict=True)], STATIC)
    at = {i: k for k, i in enumerate(ids)}
    scored = [
        (at[x], at[y], 0.8)
        for story in ("a", "b", "c")
        for x in ids
        for y in ids
        if x < y and x[0] == y[0] == story
    ]
    scored += [(at[x], at["r"], s) for x, s in roundup_scores.items()]
    groups, found = group_with_roundups(NameViews(features), scored, [None] * len(ids))
    story_of = {ids[i]: {ids[j] for j in g} for g in groups for i in g}
    assert [ids[f.index] for f in found] == ["r"]
    return story_of, found[0], groups, ids


def test_a_roundup_left_alone_is_not_flagged_as_attached():
    # Linkage 0.17 and 0.12 with its two stories: below the attach bar of both, so it
    # stands alone; its flag says so (it was flagged "attached" to its story of one).
    story_of, flag, groups, ids = placed_roundup(
        {"a1": 0.3, "a2": 0.1, "a3": 0.1, "b1": 0.25, "b2": 0.05, "b3": 0.05}
    )
    assert story_of["r"] == {"r"}
    assert flag.attached_to is None
    assert {frozenset(ids[j] for j in groups[p.side]) for p in flag.parts} == {
        frozenset({"a1", "a2", "a3"}),
        frozenset({"b1", "b2", "b3"}),
    }


def test_a_roundup_joins_a_story_it_covers_not_one_it_does_not():
    # It scores 0.5 with both versions of c (a story it names nothing of) and 0.35 on
    # average with a's: average link puts it with c; it belongs with a, which it covers.
    story_of, flag, groups, ids = placed_roundup(
        {"a1": 0.45, "a2": 0.3, "a3": 0.3, "b1": 0.25, "c1": 0.5, "c2": 0.5}
    )
    assert story_of["r"] == {"a1", "a2", "a3", "r"}
    assert story_of["c1"] == {"c1", "c2"}
    assert flag.attached_to is not None
    assert set(groups[flag.attached_to]) == {ids.index(x) for x in ("a1", "a2", "a3", "r")}


def test_a_name_view_holds_the_specific_names_of_the_text_and_of_each_sentence():
    roundup, reid = featurize(
        [Article(id="r", text=ROUNDUP_TEXT), Article(id="a", text=STORY_TEXTS["a1"])], STATIC
    )
    view = name_view(roundup)
    assert view.specific == specific_tokens(roundup)
    assert list(view.sentences) == sentence_tokens(roundup)
    assert frozenset().union(*view.sentences) <= view.specific
    lazy = NameViews([roundup, reid])
    assert len(lazy) == 2 and lazy[1] == name_view(reid) and lazy[-2] is lazy[0]
    assert lazy[:] == [view, name_view(reid)]


def test_a_component_grouped_alone_finds_the_roundup_in_node_ids():
    """``spark.stages.cluster_component`` (the Spark job's grouping task) on the edges of
    one component, nodes numbered as elsewhere in a larger input: the local grouping and
    flags, in node ids; without the names, plain average link (no flags)."""
    from samestory.pipeline.group import group_with_roundups
    from samestory.spark.stages import cluster_component

    ids = [*STORY_TEXTS, "r"]
    texts = [*STORY_TEXTS.values(), ROUNDUP_TEXT]
    features = featurize([Article(id=i, text=t) for i, t in zip(ids, texts, strict=True)], STATIC)
    node = [100 + 7 * k for k in range(len(ids))]  # indices in a larger input
    at = {i: k for k, i in enumerate(ids)}
    scored = [
        (at[x], at[y], 0.8)
        for story in ("a", "b")
        for x in ids
        for y in ids
        if x < y and x[0] == y[0] == story
    ]
    scored += [(at[x], at["r"], 0.55) for x in ("a1", "a2", "a3", "b1", "b2", "b3")]
    config = DEFAULT_CONFIG
    groups, found = group_with_roundups(NameViews(features), scored, [None] * len(ids), config)
    assert [f.index for f in found] == [at["r"]]
    edges = [(node[i], node[j], s) for i, j, s in reversed(scored)]  # order does not matter
    linked = sorted({k for e in scored for k in e[:2]})  # c1, c2: in no edge here
    views = {node[k]: name_view(features[k]) for k in linked}
    placed, flags = cluster_component(
        edges, config.same_story_threshold, config.attach_threshold, views
    )
    key = {k: node[min(g)] for g in groups for k in g}
    assert sorted(placed) == sorted((node[k], key[k]) for k in linked)
    (flag,) = flags
    assert flag.index == node[at["r"]]
    assert [p.side for p in flag.parts] == [key[groups[p.side][0]] for p in found[0].parts]
    assert [p.sentences for p in flag.parts] == [p.sentences for p in found[0].parts]
    assert flag.attached_to == (
        None if found[0].attached_to is None else key[groups[found[0].attached_to][0]]
    )
    plain, none = cluster_component(edges, config.same_story_threshold, config.attach_threshold)
    assert not none and {n for n, _ in plain} == {n for n, _ in placed}


def test_two_parts_of_one_event_are_told_as_one_when_both_name_what_both_stories_share():
    from samestory.roundups import told_as_one

    one_event = (
        "Miguel Maldonado fired six shots on Stanton Street near Ridge Street on Sunday. "
        "Maldonado and his cousin Luis Ortiz had fought the men an hour before. Police want him.\n"
        "Oscar Delgado and Jose Marte were hit on Stanton Street by Ridge Street. "
        "Delgado and Marte were taken to Bellevue. Both will live, doctors said."
    )
    roundup = (
        "Sarah Palin's church in Wasilla, Alaska burned on Friday. Palin visited the ruins. "
        "Pastor Larry Kroon of Wasilla said arson was suspected. The church will rebuild.\n"
        "In Alaska's Matanuska valley, firefighter Jon Owen lost the Creamery to a blaze. "
        "Owen said the Palmer creamery dated from 1935. Matanuska crews fought it all night."
    )
    texts = {
        "e": one_event,
        "x": "Maldonado and Luis Ortiz fought men on Stanton Street by Ridge Street, police said.",
        "y": "Delgado and Marte were shot on Stanton Street near Ridge Street, now at Bellevue.",
        "r": roundup,
        "a": "Fire hit Sarah Palin's Wasilla church in Alaska; Kroon blamed arson.",
        "b": "A blaze took the Matanuska Creamery in Palmer, Alaska, Jon Owen said.",
    }
    f = dict(
        zip(
            texts, featurize([Article(id=k, text=t) for k, t in texts.items()], STATIC), strict=True
        )
    )
    for text, x, y in (("e", "x", "y"), ("r", "a", "b")):
        sides = {1: specific_tokens(f[x]), 2: specific_tokens(f[y])}
        view = name_view(f[text])
        found = {p.side: p for p in parts(view, sides)}
        assert covers_several(list(found.values())), text  # both read as two parts apart
        one = told_as_one(view, found[1], found[2], sides[1], sides[2])
        # The shooting's parts both name its streets; the roundup's share only "alaska".
        assert one == (text == "e")


def test_the_guard_does_not_hang_on_the_scores_of_other_pairs(ecb_records, monkeypatch):
    """The built roundup of topic 11 (the table the case was built with, DAN) stays out of
    the stories it covers with every pair's log-odds moved by -0.25, 0 or +0.25 (a short
    part of the event model moves 58-144-word pairs by that much): the guard reads which
    stories it joined and its names, not how the plain grouping settled a third text
    (11_10ecb joined the roundup's group at 0.198 against a bar of 0.2 with main's
    weights; docs/history/accuracy.md, 2026-12-05, roundup)."""
    import math

    from samestory.pipeline import batch
    from samestory.pipeline.group import group_with_roundups

    seen: dict[str, tuple] = {}

    def keep(views, scored, copy_of, config, fork=False, stay=None):
        # (rule AS's stay input: these full texts are never short, so it leaves them be)
        seen["args"] = (views, scored, copy_of, config)
        return group_with_roundups(views, scored, copy_of, config, stay=stay)

    monkeypatch.setattr(batch, "group_with_roundups", keep)
    articles, _, roundup, _ = built_case(ecb_records, "ecb:11")
    batch.analyze(articles, STATIC, DAN)
    alone = seen["args"]
    batch.analyze([*articles, Article(id="roundup", text=roundup)], STATIC, DAN)
    with_roundup = seen["args"]
    ids = [a.id for a in articles]
    r = len(ids)  # the roundup, added last

    def moved(scored, by):
        def shift(s):
            s = min(max(s, 1e-9), 1 - 1e-9)
            return 1 / (1 + math.exp(-(math.log(s / (1 - s)) + by)))

        return [(i, j, s if r in (i, j) else shift(s)) for i, j, s in scored]

    for by in (-0.25, 0.0, 0.25):
        views, scored, copy_of, config = alone
        before, _ = group_with_roundups(views, moved(scored, by), copy_of, config)
        views, scored, copy_of, config = with_roundup
        after, found = group_with_roundups(views, moved(scored, by), copy_of, config)
        assert [f.index for f in found] == [r], by
        assert {frozenset(i for i in g if i != r) for g in after} - {frozenset()} == {
            frozenset(g) for g in before
        }, by
