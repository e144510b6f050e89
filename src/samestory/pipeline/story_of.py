"""A story from its members' features and the relations among them: its id, title, first
version, time order and derivations (:func:`make_story`).

Light (:mod:`samestory.provenance`, :mod:`samestory.ids` and :mod:`samestory.models`
only), so a store's story is read without loading the pipeline (``samestory show``,
:mod:`samestory.store.reading`); :mod:`samestory.pipeline.assemble` builds every story
with it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol

from samestory import provenance
from samestory.ids import story_id
from samestory.models import Relation, Story

if TYPE_CHECKING:
    import datetime as dt

# Characters of a story title before it is cut with an ellipsis.
TITLE_LIMIT = 120


class StoryMember(Protocol):
    """What a story is built from of each member's features (``DocFeatures`` has it)."""

    @property
    def id(self) -> str: ...
    @property
    def date(self) -> dt.date | None: ...
    @property
    def n_words(self) -> int: ...
    @property
    def title(self) -> str | None: ...
    @property
    def sentences(self) -> Sequence[str]: ...


def clip_at_word(text: str, width: int) -> str:
    """``text`` cut to ``width`` characters at a word, with "…" when anything was cut (a
    title cut mid-word, "between the U", reads as a different title): what the front ends
    show of a long title or an untitled version's first sentence."""
    if len(text) <= width:
        return text
    cut = text[: width - 1].rsplit(" ", 1)[0] or text[: width - 1]
    return cut.rstrip() + "…"


def story_title(lead: StoryMember, limit: int = TITLE_LIMIT) -> str | None:
    """The lead article's title (or first sentence), cut at ``limit`` characters."""
    text = lead.title or (lead.sentences[0] if lead.sentences else None)
    if text and len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    return text


def make_story(members: Sequence[StoryMember], relations: Sequence[Relation]) -> Story:
    """One story from its members' features and the relations among them, of which it
    lists the same-story kinds only (:attr:`Relation.same_story`).

    A ``follow_up`` is decided per pair before grouping (``relate``: under the story bar,
    or a rewrite published over a month apart, at a high thread probability), and average
    link can put such a pair in one story: it then says "a weak pair of this story", not
    "another story of its thread", and is not listed (the batch and Spark dropped it
    before; the store, which keeps every follow_up for its threads, listed it in ``show``,
    the story page and the API: docs/history/accuracy.md, 2026-12-06, kinds)."""
    relations = [r for r in relations if r.same_story]
    dates = {f.id: f.date for f in members}
    lengths = {f.id: f.n_words for f in members}
    oriented, edges = provenance.derivations(relations, dates, lengths)
    ids = [f.id for f in members]
    first = provenance.first_version(ids, dates, lengths, edges)
    lead = next(f for f in members if f.id == first)
    return Story(
        id=story_id(first),
        title=story_title(lead),
        articles=tuple(provenance.time_order(ids, dates, first)),
        first=first,
        relations=tuple(sorted(oriented, key=lambda r: (r.a, r.b))),
        derivations=tuple(edges),
    )
