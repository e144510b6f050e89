"""Grouping with the roundup candidates on a forked child (the batch driver's
``group_with_roundups(..., fork=True)``): the same groups and flags as one process."""

from __future__ import annotations

import pytest
from test_roundups import ROUNDUP_TEXT, STATIC, STORY_TEXTS

from samestory.features import featurize
from samestory.models import Article
from samestory.parallel import can_fork
from samestory.pipeline.group import group_with_roundups
from samestory.roundups import NameViews


@pytest.mark.skipif(not can_fork(), reason="needs fork")
@pytest.mark.parametrize(
    "roundup_scores",
    [
        {"a1": 0.3, "a2": 0.1, "a3": 0.1, "b1": 0.25, "b2": 0.05, "b3": 0.05},
        {"a1": 0.45, "a2": 0.3, "a3": 0.3, "b1": 0.25, "c1": 0.5, "c2": 0.5},
        {"a1": 0.55, "a2": 0.55, "b1": 0.55, "b2": 0.55},
        {},  # no candidates: the plain grouping
    ],
)
def test_grouping_with_the_candidates_on_a_fork_gives_the_same_groups(roundup_scores):
    ids = [*STORY_TEXTS, "r"]
    texts = [*STORY_TEXTS.values(), ROUNDUP_TEXT]
    features = featurize([Article(id=i, text=t) for i, t in zip(ids, texts, strict=True)], STATIC)
    at = {i: k for k, i in enumerate(ids)}
    scored = [(at[x], at[y], 0.8) for x in ids for y in ids if x < y and x[0] == y[0] != "r"]
    scored += [(at[x], at["r"], s) for x, s in roundup_scores.items()]
    one = group_with_roundups(NameViews(features), scored, [None] * len(ids))
    two = group_with_roundups(NameViews(features), scored, [None] * len(ids), fork=True)
    assert two == one
