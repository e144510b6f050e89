"""samestory: find every version of the same news story.

>>> import samestory
>>> articles = samestory.read_paths(["articles/"]).articles
>>> stories = samestory.cluster(articles)            # list[Story], largest first
>>> relation = samestory.compare(articles[0], articles[1])
>>> with samestory.Store("samestory.db") as store:
...     store.add(articles)

The names below are imported on first use (PEP 562 module ``__getattr__``): importing
``samestory`` costs nothing, so a command that only lists a store's stories does not
load NumPy, MinHash-LSH or an encoder.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
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

# Public name -> the module that defines it.
_HOMES = {
    "DEFAULT_CONFIG": "samestory.config",
    "AlignedSentence": "samestory.models",
    "Article": "samestory.models",
    "Config": "samestory.config",
    "Derivation": "samestory.models",
    "Evidence": "samestory.models",
    "Relation": "samestory.models",
    "RelationKind": "samestory.models",
    "SkippedRecord": "samestory.models",
    "Store": "samestory.store",
    "Story": "samestory.models",
    "cluster": "samestory.api",
    "compare": "samestory.api",
    "read_paths": "samestory.ingest",
}

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


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'samestory' has no attribute {name!r}")
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
