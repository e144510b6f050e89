"""Translations are versions of one story: six MEANTIME dev articles, each in four languages."""

from __future__ import annotations

import pytest

from samestory import api
from samestory.models import Article, RelationKind

# 24 full-length articles in four languages through the whole pipeline: 8 s of CPU.
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def meantime_stories(meantime_records):
    articles = [Article(id=r["id"], text=r["text"], lang=r["lang"]) for r in meantime_records]
    return api.cluster(articles)


def test_each_article_and_its_translations_form_one_story(meantime_records, meantime_stories):
    story_of = {a: s.id for s in meantime_stories for a in s.articles}
    gold: dict[str, set[str]] = {}
    for record in meantime_records:
        gold.setdefault(record["story"], set()).add(story_of[record["id"]])
    assert len(gold) == 6
    assert all(len(found) == 1 for found in gold.values()), gold  # no story split


def test_translations_are_rewrites(meantime_records, meantime_stories):
    gold = {r["id"]: r["story"] for r in meantime_records}
    lang = {r["id"]: r["lang"] for r in meantime_records}
    pairs = [
        r
        for s in meantime_stories
        for r in s.relations
        if gold[r.a] == gold[r.b] and lang[r.a] != lang[r.b]
    ]
    assert pairs
    assert all(r.kind is RelationKind.REWRITE for r in pairs), [
        (r.a, r.b, r.kind) for r in pairs if r.kind is not RelationKind.REWRITE
    ]
