"""samestory: find every version of the same news story.

>>> import samestory
>>> articles = samestory.read_paths(["articles/"]).articles
>>> stories = samestory.cluster(articles)            # list[Story], largest first
>>> relation = samestory.compare(articles[0], articles[1])
>>> with samestory.Store("samestory.db") as store:
...     store.add(articles)
"""

from samestory.api import cluster, compare
from samestory.config import DEFAULT_CONFIG, Config
from samestory.ingest import read_paths
from samestory.models import (
    AlignedSentence,
    Article,
    Derivation,
    Evidence,
    Relation,
    RelationKind,
    SkippedRecord,
    Story,
)
from samestory.store import Store

__version__ = "0.1.0"

__all__ = [
    "DEFAULT_CONFIG",
    "AlignedSentence",
    "Article",
    "Config",
    "Derivation",
    "Evidence",
    "Relation",
    "RelationKind",
    "SkippedRecord",
    "Store",
    "Story",
    "cluster",
    "compare",
    "read_paths",
]
