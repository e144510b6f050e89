"""Pairs judged on their own (``compare``): the dev sets' hard negatives and a seeded sample
of them."""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Sequence
from typing import Any


def hard_negative_pairs(records: Sequence[dict[str, Any]]) -> list[tuple[int, int, bool]]:
    """Every pair of articles that share a ``topic``, as ``(i, j, same story)``.

    Each ECB+ topic holds two different events of one kind (two celebrities entering
    rehab, two earthquakes), each MEANTIME topic the articles on one company: the pairs
    of different stories are hard negatives (same topic, different event), those of one
    story the positives. Records without a topic are left out.
    """
    by_topic: dict[str, list[int]] = defaultdict(list)
    for k, record in enumerate(records):
        if record.get("topic") is not None:
            by_topic[str(record["topic"])].append(k)
    out = []
    for members in by_topic.values():
        for x, i in enumerate(members):
            for j in members[x + 1 :]:
                out.append((i, j, str(records[i]["story"]) == str(records[j]["story"])))
    return out


def sample_negatives(
    pairs: Sequence[tuple[int, int, bool]], max_pairs: int, seed: int = 0
) -> tuple[list[tuple[int, int, bool]], float]:
    """Every positive of ``pairs`` and a seeded uniform sample of its negatives, as many
    as fit in ``max_pairs`` (at least half of it), and the weight ``w = negatives /
    sampled negatives`` each sampled negative stands for (1 when none was left out).
    Precision ``tp / (tp + w fp)`` then estimates the full set's (a ratio estimator:
    consistent, unbiased as the sample grows); recall is exact."""
    positives = [p for p in pairs if p[2]]
    negatives = [p for p in pairs if not p[2]]
    room = max(max_pairs - len(positives), max_pairs // 2, 1)
    if room >= len(negatives):
        return list(pairs), 1.0
    chosen = random.Random(seed).sample(range(len(negatives)), room)
    kept = set(chosen)
    sample = [p for k, p in enumerate(negatives) if k in kept]
    return positives + sample, len(negatives) / room
