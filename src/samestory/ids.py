"""Stable ids of stories and threads.

Light on purpose (``hashlib`` only): the engine (:mod:`samestory.threads`, the pipeline),
the store's light readers (:mod:`samestory.store.reading`, ``samestory show``) and Spark
name stories and threads with the same two functions, so an id never depends on which
driver wrote it.
"""

from __future__ import annotations

import hashlib

# Hex digits of SHA-1 in a story or thread id: 48 bits, so two ids are likely to collide
# somewhere beyond ~10 million stories (the store suffixes a taken story id).
ID_HEX_DIGITS = 12


def story_id(first_article: str) -> str:
    """Stable id of a story, from the id of its first version: ``s-`` + 12 hex of SHA-1."""
    return "s-" + _digest(first_article)


def thread_id(first_story: str) -> str:
    """Stable id of a thread, from the id of its first story: ``t-`` + 12 hex of SHA-1."""
    return "t-" + _digest(first_story)


def _digest(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:ID_HEX_DIGITS]
