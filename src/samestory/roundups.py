"""Roundups, digests and live blogs: texts that cover several stories.

A roundup tells part of one story and part of another ("In other news..."). Its pairs
with the versions of each story score high, so average link would take it into one
story and then, through its strong pairs with the other, pull that story in too: one
text chaining two stories. This module finds such texts and keeps them from chaining.

Sentence vectors cannot tell the parts apart: two events of one kind (two quakes, two
celebrities in rehab) are told in sentences just as alike. Their *names* differ. So
the parts of a text ``R`` are read from the specific names (and long numbers) of each
sentence:

**Parts.** Let ``N(s)`` be the specific tokens of sentence ``s`` of ``R`` (names and
numbers of ``R`` with specificity ``>= NAME_SPECIFICITY``; numbers of 3+ characters)
and, for each side ``X`` (a partner text, or a story: the union over its members
scored with ``R``), ``N_X`` its names and numbers. The names *specific to* ``X`` are

    S_X = (N(R) ∩ N_X) \\ ⋃_{Y ≠ X} N_Y

and the part of ``R`` that ``X`` covers is ``P_X = {s : N(s) ∩ S_X ≠ ∅}``. ``R`` covers
several sides when two sides ``X, Y`` each cover at least ``MIN_SENTENCES`` sentences and
``MIN_SHARE`` of ``R``'s sentences with at least ``MIN_NAMES`` different names specific to
it, and their parts are *apart*:
``|P_X ∩ P_Y| <= MAX_OVERLAP · min(|P_X|, |P_Y|)``. (A sentence naming nothing specific
joins the part of the last sentence before it that did: a roundup tells each story in a
run of sentences and names its people only now and then. ``MIN_SENTENCES`` counts the
sentences that name something, ``MIN_SHARE`` the run.)

An ordinary version names its own story's people and places throughout; a sentence of
background naming an earlier event is below ``MIN_SENTENCES`` / ``MIN_SHARE``.

**Candidates** are texts with two partners of story score ``>= attach_threshold`` that
are not the same story by their own score (below ``same_story_threshold``, or never
scored) and that cover parts of it apart. **Roundups** are the candidates that still cover parts
apart when the sides are the *stories* found without the candidates (two reports of one
event, each naming different people of it, are one side then).

**Told as one** (:func:`told_as_one`): two stories a roundup covers apart are one event
told in two parts when the two stories share at least ``MIN_NAMES`` names the text names,
and each part has a sentence naming one (the street, the hospital). The grouping reads
this, not the stories' pair scores, to decide whether a roundup that joined two stories
chained them (``pipeline.group``).
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable, Mapping, Sequence
from typing import overload

from samestory import lexical, normalize
from samestory.features import DocFeatures

# A side covers a part of a text when at least this many of its sentences, and this
# share of them, name something specific to that side.
MIN_SENTENCES = 2
MIN_SHARE = 0.2
# ... and at least this many different names or numbers specific to it (one place name
# or a station's call sign in a sidebar is not a story told).
MIN_NAMES = 2
# Two parts are apart when they share at most this fraction of the smaller one.
MAX_OVERLAP = 0.25
# Names at least this specific (samestory.lexical.specificity: 0 for "the", ~7 for a
# rare surname) count; "people", "police", "president" do not.
NAME_SPECIFICITY = 3.5
# Numbers of at least this many characters count ("288", "93.87"; not "5" or "10").
MIN_NUMBER_CHARS = 3


@dataclasses.dataclass(frozen=True, slots=True)
class Part:
    """The sentences of a text (indices) that name something specific to one side, the
    share of the text's sentences they make, and the names that placed them."""

    side: int
    sentences: frozenset[int]
    share: float
    names: frozenset[str]


def specific_tokens(f: DocFeatures) -> frozenset[str]:
    """The names and numbers of ``f`` that can tell one story from another."""
    names = {n for n in f.entities if lexical.specificity(n, f.lang) >= NAME_SPECIFICITY}
    numbers = {x for x in f.numbers if len(x) >= MIN_NUMBER_CHARS}
    return frozenset(names | numbers)


@functools.lru_cache(maxsize=4096)
def _sentence_tokens(sentence: str) -> frozenset[str]:
    return frozenset(normalize.words(sentence))


def sentence_tokens(f: DocFeatures) -> list[frozenset[str]]:
    """``N(s)`` of each sentence of ``f``: its specific names and numbers."""
    specific = specific_tokens(f)
    return [_sentence_tokens(s) & specific for s in f.sentences]


@dataclasses.dataclass(frozen=True, slots=True)
class NameView:
    """All the rule reads of an article: ``N(R)`` (``specific``, :func:`specific_tokens`)
    and ``N(s)`` of each sentence (``sentences``, :func:`sentence_tokens`). A few names
    an article, so it can travel where the features cannot (the Spark job ships them
    into its grouping tasks)."""

    specific: frozenset[str]
    sentences: tuple[frozenset[str], ...]


def name_view(f: DocFeatures, specific: frozenset[str] | None = None) -> NameView:
    """The :class:`NameView` of ``f`` (``specific``: its :func:`specific_tokens`, when
    known)."""
    if specific is None:
        specific = specific_tokens(f)
    return NameView(specific, tuple(_sentence_tokens(s) & specific for s in f.sentences))


class NameViews(Sequence[NameView]):
    """The name views of ``features``, each built when first indexed (the rule reads
    those of a few texts with several partners and of their partners) and kept."""

    def __init__(self, features: Sequence[DocFeatures]) -> None:
        self.features = features
        self._views: dict[int, NameView] = {}
        self._specific: dict[int, frozenset[str]] = {}

    def specific(self, k: int) -> frozenset[str]:
        """``self[k].specific`` (:func:`specific_tokens`) without the sentences' tokens,
        which the rule reads only of the candidate texts, not of their partners."""
        view = self._views.get(k)
        if view is not None:
            return view.specific
        names = self._specific.get(k)
        if names is None:
            names = self._specific[k] = specific_tokens(self.features[k])
        return names

    def __len__(self) -> int:
        return len(self.features)

    @overload
    def __getitem__(self, k: int) -> NameView: ...

    @overload
    def __getitem__(self, k: slice) -> list[NameView]: ...

    def __getitem__(self, k: int | slice) -> NameView | list[NameView]:
        if isinstance(k, slice):
            return [self[i] for i in range(len(self))[k]]
        if k < 0:
            k += len(self)
        view = self._views.get(k)
        if view is None:
            view = self._views[k] = name_view(self.features[k], self._specific.pop(k, None))
        return view


def parts(view: NameView, sides: Mapping[int, frozenset[str]]) -> list[Part]:
    """The part of the text of ``view`` each side covers (``sides``: side -> its names
    and numbers), largest first; sides covering too little are left out.

    A sentence naming nothing specific to any side belongs to the part of the last
    sentence before it that did (a roundup tells each story in a run of sentences,
    and names its people only now and then)."""
    tokens = view.sentences
    own = frozenset().union(*tokens) if tokens else frozenset()
    specific = {
        side: (own & names) - frozenset().union(*(v for k, v in sides.items() if k != side))
        for side, names in sides.items()
    }
    marks = [frozenset(side for side, sp in specific.items() if t & sp) for t in tokens]
    carried: list[frozenset[int]] = []
    last: frozenset[int] = frozenset()
    for m in marks:
        last = m or last
        carried.append(last)
    n = max(1, len(tokens))
    found = []
    for side, sp in specific.items():
        sentences = frozenset(k for k, m in enumerate(carried) if side in m)
        named = sum(1 for m in marks if side in m)
        share = len(sentences) / n
        used = frozenset(x for k, t in enumerate(tokens) if side in marks[k] for x in t & sp)
        if named >= MIN_SENTENCES and share >= MIN_SHARE and len(used) >= MIN_NAMES:
            found.append(Part(side, sentences, share, used))
    return sorted(found, key=lambda p: (-p.share, p.side))


def apart(x: frozenset[int], y: frozenset[int]) -> bool:
    """Two parts are apart when they share few sentences (see the module docstring)."""
    return len(x & y) <= MAX_OVERLAP * min(len(x), len(y))


def covers_several(found: Sequence[Part]) -> bool:
    """True when two of ``found`` are apart: the text covers several sides."""
    return any(apart(p.sentences, q.sentences) for k, p in enumerate(found) for q in found[:k])


def candidates(
    views: Sequence[NameView],
    scored: Sequence[tuple[int, int, float]],
    bar: float,
    same_story: float,
) -> set[int]:
    """Texts two of whose partners of score ``>= bar``, not the same story by their own
    score (``< same_story``, or never scored), cover parts of it apart (see the module
    docstring)."""
    partners: dict[int, list[int]] = {}
    linked: set[tuple[int, int]] = set()
    for i, j, s in scored:
        if s >= bar:
            partners.setdefault(i, []).append(j)
            partners.setdefault(j, []).append(i)
        if s >= same_story:
            linked.add((min(i, j), max(i, j)))
    out = set()
    specific_of = _specific_reader(views)
    for text, found in partners.items():
        if len(found) < 2:
            continue
        names = {j: specific_of(j) for j in found}
        # The text's names its sentences hold are among its specific names: if no pair
        # could cover two parts with all of those, none can with the sentences' (and the
        # sentences need not be read).
        if not _pairs_may_cover(specific_of(text), found, names, linked):
            continue
        view = views[text]
        if sum(1 for t in view.sentences if t) < 2 * MIN_SENTENCES:
            continue
        own = frozenset().union(*view.sentences)
        if any(
            covers_several(parts(view, {j: names[j], m: names[m]}))
            for j, m in _pairs_may_cover(own, found, names, linked)
        ):
            out.add(text)
    return out


def _pairs_may_cover(
    own: frozenset[str],
    found: Sequence[int],
    names: Mapping[int, frozenset[str]],
    linked: set[tuple[int, int]],
) -> list[tuple[int, int]]:
    """The pairs ``(j, m)`` of ``found`` (``m`` before ``j``), not the same story
    (``linked``), of which each could cover a part of a text whose names are ``own``: a
    side's part uses at least ``MIN_NAMES`` of the text's names specific to it
    (:func:`parts`: in ``own`` and its names, not in the other side's), and covering
    several needs both sides' parts. The pairs left out cover nothing."""
    shared = {j: own & names[j] for j in found}
    return [
        (j, m)
        for k, j in enumerate(found)
        if len(shared[j]) >= MIN_NAMES
        for m in found[:k]
        if len(shared[m]) >= MIN_NAMES
        and (min(j, m), max(j, m)) not in linked
        and len(shared[j] - names[m]) >= MIN_NAMES
        and len(shared[m] - names[j]) >= MIN_NAMES
    ]


def _specific_reader(views: Sequence[NameView]) -> Callable[[int], frozenset[str]]:
    """``k -> views[k].specific``; for :class:`NameViews`, without building the view."""
    if isinstance(views, NameViews):
        return views.specific

    def specific(k: int) -> frozenset[str]:
        return views[k].specific

    return specific


def story_sides(
    partners: Sequence[int], group_of: Mapping[int, int], views: Sequence[NameView]
) -> dict[int, frozenset[str]]:
    """Each story's names and numbers (``side`` = the story's group): the union of the
    specific names of its members among ``partners``."""
    sides: dict[int, frozenset[str]] = {}
    specific_of = _specific_reader(views)
    for j in partners:
        if j in group_of:
            g = group_of[j]
            sides[g] = sides.get(g, frozenset()) | specific_of(j)
    return sides


def story_parts(
    view: NameView,
    partners: Sequence[int],
    group_of: Mapping[int, int],
    views: Sequence[NameView],
) -> list[Part]:
    """The parts of the text of ``view`` each story covers (``side`` = the story's
    group), from the names of its members among ``partners``."""
    return parts(view, story_sides(partners, group_of, views))


def told_as_one(
    view: NameView, x: Part, y: Part, names_x: frozenset[str], names_y: frozenset[str]
) -> bool:
    """True when the text of ``view`` tells the sides of its parts ``x`` and ``y`` (their
    names: ``names_x``, ``names_y``) as one event: the two sides share at least
    ``MIN_NAMES`` names or numbers the text's sentences name too (the event's street,
    hospital, victim), and each part has a sentence naming one of them.

    A part names only what is specific to its side, so what ties two parts of one event
    is what both sides name: a report naming the suspect in one run and the victims in
    another names the street and the hospital in both. A roundup of two stories names
    in each part what that story alone has; one shared name (the country or state both
    stories happened in) is as little a shared event as it is a story told
    (``MIN_NAMES``)."""
    tokens = view.sentences
    own = frozenset().union(*tokens) if tokens else frozenset()
    shared = own & names_x & names_y
    if len(shared) < MIN_NAMES:
        return False
    return all(any(tokens[k] & shared for k in part.sentences) for part in (x, y))
