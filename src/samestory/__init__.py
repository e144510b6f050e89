"""samestory: find every version of the same news story."""

from samestory.config import DEFAULT_CONFIG, Config
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
    "Story",
]
