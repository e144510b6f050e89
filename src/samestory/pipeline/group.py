"""Stage 5, group: stories as groups of article indices, from scored pairs.

Average link over copy groups, then splinters (see :mod:`samestory.stories` for the
maths). The batch driver and the store's local re-clustering both call :func:`group`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from samestory.config import DEFAULT_CONFIG, Config
from samestory.stories import average_link_over_copies


def group(
    n: int,
    scored: Iterable[tuple[int, int, float]],
    copy_of: Sequence[int | None],
    config: Config = DEFAULT_CONFIG,
) -> list[list[int]]:
    """Group ``n`` articles given scored pairs ``(i, j, story score)``.

    ``copy_of[i]`` is the article ``i`` was collapsed onto as a copy (None if none; see
    :meth:`~samestory.pipeline.copies.CopyGroups.copy_of`). Copy groups are clustered as
    one item each (the score of two groups is the mean of the scores listed between their
    members) by average link at ``config.same_story_threshold``; groups left over join a
    story three times their size at ``config.attach_threshold``. Returns sorted index
    groups, ordered by their smallest index.
    """
    return average_link_over_copies(
        n, scored, copy_of, config.same_story_threshold, config.attach_threshold
    )
