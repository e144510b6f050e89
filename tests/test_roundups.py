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
from samestory.roundups import covers_several, parts, sentence_tokens, specific_tokens
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
    found = parts(roundup, sentence_tokens(roundup), sides)
    assert {p.side for p in found} == {1, 2}
    assert covers_several(found)
    by_side = {p.side: p for p in found}
    assert min(by_side[1].sentences) < min(by_side[2].sentences)
    assert "lohan" in by_side[2].names and "reid" in by_side[1].names
