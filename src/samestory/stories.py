"""Grouping scored pairs into stories.

**Batch**: average-link agglomerative clustering on the sparse graph of scored pairs.
The linkage of two groups ``X``, ``Y`` is

    L(X, Y) = (1 / |X||Y|) · Σ_{x∈X, y∈Y} s(x, y)

with ``s = 0`` for pairs no index proposed (they were judged dissimilar). The two groups
with the highest linkage merge while it is at least the threshold. Unlike single-link
(connected components), one spurious edge cannot chain two stories together: a merge
needs support from most member pairs.

**Incremental**: a new article joins the existing story with the highest average score
to its members, if that is at least the threshold, otherwise it starts a new story, the
same rule as one step of the batch clustering.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Mapping, Sequence


def average_link(
    n: int, edges: Iterable[tuple[int, int, float]], threshold: float
) -> list[list[int]]:
    """Cluster ``n`` items given sparse similarity ``edges`` ``(i, j, s)``.

    Returns groups of item indices, each sorted, groups ordered by their smallest item.
    Ties break by the smaller group ids, so the result is deterministic.
    """
    sums: dict[int, dict[int, float]] = {i: {} for i in range(n)}
    for i, j, s in edges:
        if i == j or s <= 0:
            continue
        # A pair listed twice keeps its highest score (it is one pair, not two).
        best = max(s, sums[i].get(j, 0.0))
        sums[i][j] = sums[j][i] = best
    members: dict[int, list[int]] = {i: [i] for i in range(n)}
    heap = [(-s / 1.0, i, j) for i in sums for j, s in sums[i].items() if i < j]
    heapq.heapify(heap)
    next_id = n
    while heap:
        negative, x, y = heapq.heappop(heap)
        if x not in members or y not in members:
            continue  # stale: one side was merged already
        linkage = sums[x].get(y, 0.0) / (len(members[x]) * len(members[y]))
        if abs(linkage + negative) > 1e-12:
            continue  # stale: the linkage changed since this entry was pushed
        if linkage < threshold:
            break
        merged = next_id
        next_id += 1
        members[merged] = members.pop(x) + members.pop(y)
        neighbour_sums: dict[int, float] = {}
        for old in (x, y):
            for other, s in sums.pop(old).items():
                if other in (x, y):
                    continue
                neighbour_sums[other] = neighbour_sums.get(other, 0.0) + s
                del sums[other][old]
        sums[merged] = neighbour_sums
        for other, s in neighbour_sums.items():
            sums[other][merged] = s
            link = s / (len(members[merged]) * len(members[other]))
            if link >= threshold:
                heapq.heappush(heap, (-link, min(other, merged), max(other, merged)))
    groups = [sorted(m) for m in members.values()]
    return sorted(groups, key=lambda g: g[0])


def best_story(
    scores: Mapping[str, float], story_of: Mapping[str, str], story_sizes: Mapping[str, int],
    threshold: float,
) -> str | None:
    """The story a new article joins: highest ``Σ scores to members / story size``.

    ``scores`` maps existing article ids to the new article's score with them (pairs not
    scored count as 0). Returns None when no story reaches ``threshold``.
    """
    totals: dict[str, float] = {}
    for article_id, score in scores.items():
        story = story_of.get(article_id)
        if story is not None:
            totals[story] = totals.get(story, 0.0) + score
    best: tuple[float, str] | None = None
    for story, total in sorted(totals.items()):
        linkage = total / story_sizes[story]
        if linkage >= threshold and (best is None or linkage > best[0]):
            best = (linkage, story)
    return best[1] if best else None


def groups_by_label(labels: Sequence[str]) -> list[list[int]]:
    """Indices grouped by equal label, in first-seen order (for evaluations and tests)."""
    out: dict[str, list[int]] = {}
    for i, label in enumerate(labels):
        out.setdefault(label, []).append(i)
    return list(out.values())
