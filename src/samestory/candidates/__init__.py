"""Candidate generation: which pairs are worth scoring.

Scoring every pair costs ``O(n²)``; a few routes each propose a few neighbours per
article instead, so the cost grows about linearly with the corpus. One module a stage:

- **exact hash** of the normalised text: copies, in ``O(1)`` per article (:mod:`.index`);
- **MinHash-LSH** on 5-word shingles: near-duplicates (:mod:`.lsh`). With ``b`` bands of
  ``r`` rows, a pair with Jaccard ``J`` becomes a candidate with probability
  ``1 - (1 - J^r)^b``, an S-curve centred near ``lsh_threshold``;
- **vector lists**: nearest neighbours (exact up to ``EXACT_SEARCH_LIMIT`` articles,
  usearch HNSW above, cosine) on the multilingual document vectors: rewrites,
  translations and other reports of the event, which share few words; near-twins skipped
  and saturated lists widened (:mod:`.vector_lists`);
- **keywords**: articles sharing at least ``MIN_SHARED_KEYWORDS`` of their
  ``KEYWORDS`` most specific words, ranked by the summed weight of the shared ones
  (:mod:`.keyword_routes`);
- **same days**: articles published at most ``DATED_DAYS`` apart sharing *one* counted
  keyword (:mod:`.same_days`);
- the vector and keyword proposals are then **screened** by their keywords' cosine
  (:mod:`.screen`).

:mod:`.index` joins them in :class:`CandidateIndex`, incremental (the store adds one
article at a time and learns how the batch's pairs changed) and batch
(:func:`candidate_index`, :func:`pairs_of_rows`, :func:`candidate_pairs`), each proposal
flagged when only the short-text vector floor made it (:func:`flagged_pairs_of_rows`:
rule L's input, ``switches.LONE_FLOOR_BAR``; Spark flags its lists' proposals the same
way, ``spark.vectors.cell_neighbours(flags=)``). Spark runs the
same rules (:func:`select_neighbours`, :func:`keyword_neighbours`,
:func:`dated_ranking`) over its own joins.

Every name is importable from here. A tuning constant or function is read from the
module that defines it, so set it there (``candidates.keyword_routes.MAX_KEYWORD_POSTINGS``
in a test): setting it here would change no reader, and raises instead.
"""

from __future__ import annotations

import sys
import types
from typing import Any

from samestory.candidates import index, keyword_routes, lsh, same_days, screen, vector_lists
from samestory.candidates.index import (
    COSINE_SLACK,
    DEFAULT_DIM,
    EXACT_SEARCH_LIMIT,
    CandidateIndex,
    Proposals,
    candidate_index,
    candidate_pairs,
    flagged_pairs_of_rows,
    load_graph,
    pairs_of_rows,
)
from samestory.candidates.keyword_routes import (
    DENSE_CODES_PER_ENTRY,
    KEYWORD_NEIGHBOURS,
    KEYWORDS,
    MAX_KEYWORD_POSTINGS,
    MIN_SHARED_KEYWORDS,
    K,
    KeywordsLike,
    MemoryKeywords,
    coded_ranking,
    keyword_neighbours,
    keyword_ranking,
    keywords,
)
from samestory.candidates.lsh import (
    BANDS_CACHE,
    LSHLike,
    MemoryLSH,
    MinHashLike,
    band_bytes,
    lsh_bands,
    memory_lsh,
)
from samestory.candidates.same_days import (
    DATED_DAYS,
    DATED_NEIGHBOURS,
    DATED_SHARED_KEYWORDS,
    NO_DAY,
    dated_ranking,
    day_number,
    route_day,
    without_same_days,
)
from samestory.candidates.screen import TRANSLATION_COSINE, keyword_cosine, screened
from samestory.candidates.vector_lists import (
    EXPANSION,
    NEAR_TWIN_COSINE,
    SATURATED_COSINE,
    SATURATED_KEYWORD_COSINE,
    TWIN_SEARCH_FACTOR,
    best_first,
    lowest_vector_floor,
    saturation_test,
    select_neighbours,
    vector_floor,
)

__all__ = [
    "BANDS_CACHE",
    "COSINE_SLACK",
    "DATED_DAYS",
    "DATED_NEIGHBOURS",
    "DATED_SHARED_KEYWORDS",
    "DEFAULT_DIM",
    "DENSE_CODES_PER_ENTRY",
    "EXACT_SEARCH_LIMIT",
    "EXPANSION",
    "KEYWORDS",
    "KEYWORD_NEIGHBOURS",
    "MAX_KEYWORD_POSTINGS",
    "MIN_SHARED_KEYWORDS",
    "NEAR_TWIN_COSINE",
    "NO_DAY",
    "SATURATED_COSINE",
    "SATURATED_KEYWORD_COSINE",
    "TRANSLATION_COSINE",
    "TWIN_SEARCH_FACTOR",
    "CandidateIndex",
    "K",
    "KeywordsLike",
    "LSHLike",
    "MemoryKeywords",
    "MemoryLSH",
    "MinHashLike",
    "Proposals",
    "band_bytes",
    "best_first",
    "candidate_index",
    "candidate_pairs",
    "coded_ranking",
    "dated_ranking",
    "day_number",
    "flagged_pairs_of_rows",
    "keyword_cosine",
    "keyword_neighbours",
    "keyword_ranking",
    "keywords",
    "load_graph",
    "lowest_vector_floor",
    "lsh_bands",
    "memory_lsh",
    "pairs_of_rows",
    "route_day",
    "saturation_test",
    "screened",
    "select_neighbours",
    "vector_floor",
    "without_same_days",
]


class _ReExports(types.ModuleType):
    """This package, refusing to rebind a name it re-exports: the readers of a name read
    the module defining it, so a test or benchmark setting the copy here would change
    nothing, silently."""

    def __setattr__(self, name: str, value: Any) -> None:
        if name in __all__:
            raise AttributeError(
                f"samestory.candidates.{name} is a re-export: set it on {_home_of(name)}, "
                "the module its readers read"
            )
        super().__setattr__(name, value)


def _home_of(name: str) -> str:
    """The submodule defining ``name``: the first holding it in import order (a module
    imports only from the ones before it)."""
    for module in (lsh, keyword_routes, same_days, screen, vector_lists, index):
        if name in vars(module):
            return module.__name__
    return __name__


sys.modules[__name__].__class__ = _ReExports
