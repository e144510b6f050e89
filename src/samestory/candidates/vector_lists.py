"""Vector neighbour lists: near-twins skipped, saturated lists widened.

The vector route proposes an article's nearest neighbours by document cosine (the
multilingual vectors: rewrites, translations and other reports of the event, which
share few words). :func:`select_neighbours` takes them from candidates sorted best first
(:func:`best_first` for an exact search):

- ``budget`` distinct neighbours, at cosine ``ann_min_cosine`` or more (an article
  under ``short_text_words`` words: ``short_text_ann_min_cosine``, :func:`vector_floor`);
- a **near-twin** (within ``NEAR_TWIN_COSINE`` of a neighbour already taken: another
  version of one text) is returned but uses no budget, so a story's other reports are
  still reached; each budget looks at ``TWIN_SEARCH_FACTOR`` times as many candidates;
- **widening**: when the budget is used up and the last distinct neighbour is still
  close (``SATURATED_COSINE``, or by shared words, ``SATURATED_KEYWORD_COSINE``:
  :func:`saturation_test`), the budget doubles, up to ``EXPANSION`` times: a story with
  more versions than the budget would otherwise get too few of its pairs scored.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from samestory.candidates.screen import keyword_cosine
from samestory.config import Config

# Document vectors this close are near-twins: versions of one text (see select_neighbours).
NEAR_TWIN_COSINE = 0.95
# How many times the neighbour budget is searched, so near-twins can be skipped over.
TWIN_SEARCH_FACTOR = 4
# A neighbour list whose last distinct neighbour is still this close (document cosine) is
# saturated: the article's story probably has more versions than the budget holds, so the
# budget doubles, up to EXPANSION times (see select_neighbours). Per encoder: on ECB+ dev
# candidate pairs, USE cosines >= 0.7 are the same story 59% of the time; the static
# encoder's cosines run higher (48% at 0.7, 62% at 0.75, 73% at 0.8), and 0.75 cost it
# 0.006 ECB+ ARI at the normal budget where 0.8 cost nothing. With a budget of 5 (stories
# 4x the budget) widening lifts ECB+ from 0.713 to 0.858 (USE) and 0.751 to 0.845 (static).
SATURATED_COSINE = {"use": 0.70, "static": 0.80}
EXPANSION = 4
# Per encoder, the list is saturated by the *words* its last distinct neighbour shares
# instead (None: by the document cosine above): the :func:`keyword_cosine` of the
# querying article and that neighbour at least this. Static's document cosines run high
# on any two reports of one kind of news: on GVA dev candidate pairs a static cosine
# >= 0.8 is the same incident 6.5% of the time (MEANTIME 55%), so the 0.8 rule widened
# lists of same-topic reports there while the lists of large stories, whose versions
# sit at 0.7-0.8, stayed at the plain budget (10k synthetic: 886 of the 1,167 same-story
# pairs never proposed lay beyond a list the rule did not widen). A keyword cosine
# >= 0.2 is the same story on 92% (ECB+), 61% (MEANTIME) and 59% (GVA) of static's
# candidate pairs: the rate USE's 0.70 has on ECB+ (59%), chosen on that, not on ARI.
SATURATED_KEYWORD_COSINE: dict[str, float | None] = {"use": None, "static": 0.20}


def vector_floor(config: Config, n_words: int) -> float:
    """The document cosine an article of ``n_words`` words takes its own vector
    neighbours down to: ``short_text_ann_min_cosine`` under ``short_text_words`` words
    (when set), else ``ann_min_cosine``. Only the querying article's length counts: a
    short article's list reaches lower, a long article's list keeps its floor."""
    short = config.short_text_ann_min_cosine
    if short is not None and n_words < config.short_text_words:
        return short
    return config.ann_min_cosine


def lowest_vector_floor(config: Config) -> float:
    """The lowest floor :func:`vector_floor` gives any article: where a reverse-neighbour
    walk (which article's list may a new vector enter) can stop looking."""
    short = config.short_text_ann_min_cosine
    if short is None or config.short_text_words <= 0:
        return config.ann_min_cosine
    return min(short, config.ann_min_cosine)


def best_first(cosines: np.ndarray, most: int) -> np.ndarray:
    """``np.argsort(-cosines, kind="stable")[:most]`` (ties in index order), in
    ``O(n + most log most)``: partition out the ``most`` largest first."""
    if most >= len(cosines):
        return np.argsort(-cosines, kind="stable")
    negated = -cosines
    # The most-th smallest value: np.partition finds it at a third of argpartition's cost
    # (2,288 cosines), and the value, unlike the index, is the same whichever way.
    bar = np.partition(negated, most - 1)[most - 1]
    above = np.flatnonzero(negated < bar)
    tied = np.flatnonzero(negated == bar)[: most - len(above)]
    chosen = np.concatenate([above, tied])
    return chosen[np.lexsort((chosen, negated[chosen]))]


def saturation_test(
    encoder: str, words: Mapping[int, float], words_of: Callable[[int], Mapping[int, float]]
) -> Callable[[int, float], bool] | None:
    """The saturation test of :func:`select_neighbours` for an article of keywords
    ``words`` under ``encoder``: whether its list's last distinct neighbour (a key, with
    its document cosine) is still close enough to widen the list. By the keywords
    (``SATURATED_KEYWORD_COSINE``; ``words_of(key)`` gives a candidate's) where the
    encoder says so and the article has keywords, else None (the document cosine's rule,
    ``SATURATED_COSINE``)."""
    floor = SATURATED_KEYWORD_COSINE.get(encoder)
    if floor is None or not words:
        return None
    bar: float = floor

    def still_close(key: int, cosine: float) -> bool:
        return keyword_cosine(words, words_of(key)) >= bar

    return still_close


def select_neighbours(
    keys: Sequence[int] | np.ndarray,
    cosines: Sequence[float],
    vectors: Any,
    budget: int,
    min_cosine: float,
    saturated: float,
    complete: bool = True,
    still_close: Callable[[int, float], bool] | None = None,
) -> list[int] | None:
    """The neighbours worth scoring, from candidates sorted best first.

    Distinct neighbours are taken until ``budget`` of them; a neighbour whose vector is
    within ``NEAR_TWIN_COSINE`` of one already taken is a near-twin (a lightly different
    version of the same text that copy detection did not merge): it is returned too, but
    does not use up the budget. Otherwise, in a feed with many versions of each article,
    the nearest neighbours would all be versions of one text and the other reports of
    the story never be scored. When the budget is used up and the last distinct
    neighbour is still at ``saturated`` or closer (``SATURATED_COSINE`` of the encoder),
    the budget doubles, up to ``EXPANSION`` times: a story with more versions than the
    budget otherwise gets too few of its pairs scored, and average linkage, which counts
    unscored pairs as 0, splits it. With ``still_close`` (see :func:`saturation_test`)
    the list is saturated when ``still_close(key, cosine)`` of its last distinct
    neighbour holds instead. Candidates under ``min_cosine`` end the list.
    ``vectors[key]`` is a candidate's vector. Returns None when ``complete`` is False and
    the candidates ran out while the list was still growing (the caller searches wider
    and asks again).
    """
    limit, ceiling = budget, budget * EXPANSION
    taken: np.ndarray | None = None  # rows 0 .. distinct-1: the distinct neighbours' vectors
    distinct = 0
    out: list[int] = []
    last, last_key = 1.0, -1
    floor = np.float32(min_cosine)
    for seen, (key, cosine) in enumerate(zip(keys, cosines, strict=True)):
        # Each budget looks at TWIN_SEARCH_FACTOR times as many candidates.
        if seen >= limit * TWIN_SEARCH_FACTOR or np.float32(cosine) < floor:
            return out
        if distinct >= limit:
            if limit >= ceiling:
                return out
            if not (still_close(last_key, last) if still_close else last >= saturated):
                return out
            limit = min(ceiling, 2 * limit)
        key = int(key)
        vector = vectors[key]
        if taken is None:
            taken = np.empty((ceiling, len(vector)), dtype=np.float32)
        # The method, not np.max: the same reduction without NumPy's dispatch layers
        # (a few microseconds a candidate, 8% of candidate search on the real corpus).
        if not distinct or float((taken[:distinct] @ vector).max()) < NEAR_TWIN_COSINE:
            taken[distinct] = vector
            distinct += 1
            last, last_key = float(cosine), key
        out.append(key)
    return out if complete or len(keys) >= limit * TWIN_SEARCH_FACTOR else None
