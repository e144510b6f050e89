"""The data model shared by every stage: articles in, relations and stories out.

Plain frozen dataclasses, so they pickle (Spark ships them), compare by value and
serialise with :func:`to_dict`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import sys
from enum import StrEnum
from typing import Any

from samestory.date_field import parse_date
from samestory.errors import BadRecord

# Decimals of scores and similarities in JSON and stored evidence (chosen: finer than any
# threshold or figure quoted; keeps the JSON readable).
SCORE_DIGITS = 4


class RelationKind(StrEnum):
    """How two versions of a story are related, from closest to loosest.

    - ``exact``: the same text after normalisation (whitespace, case, punctuation).
    - ``near_duplicate``: the same text with small edits (high word-shingle overlap).
    - ``rewrite``: derived from the same source text: reworded, spun, translated or
      summarised (most sentences of the shorter version align with the other).
    - ``same_event``: independent reports of one event (few aligned sentences, but the
      same event by content, names, numbers and dates).
    - ``follow_up``: not the same story, but later (or earlier) coverage of the same
      incident: the victim named, the arrest, the charges, the trial, the anniversary.
      The two stories belong to one thread (``Story.thread``; see ``samestory.threads``).
    """

    EXACT = "exact"
    NEAR_DUPLICATE = "near_duplicate"
    REWRITE = "rewrite"
    SAME_EVENT = "same_event"
    FOLLOW_UP = "follow_up"

    @property
    def is_derivation(self) -> bool:
        """True when one text derives from the other (provenance edges are drawn)."""
        return self not in (RelationKind.SAME_EVENT, RelationKind.FOLLOW_UP)

    @property
    def is_same_story(self) -> bool:
        """True for every kind but ``follow_up`` (a different story of the same thread)."""
        return self is not RelationKind.FOLLOW_UP


@dataclasses.dataclass(frozen=True, slots=True)
class Article:
    """One news article as read from any source.

    ``id`` is unique within a run or store; ``origin`` says where it came from
    (file path, ``file:line`` for record files) so errors and evidence can point at it.
    """

    id: str
    text: str
    title: str | None = None
    date: dt.date | None = None
    source: str | None = None
    url: str | None = None
    lang: str | None = None
    origin: str | None = None

    def __post_init__(self) -> None:
        # Caught here, where the caller can see which record it is, not deep in featurising.
        if not isinstance(self.id, str):
            raise BadRecord(repr(self.id), "id", f"must be a string, not {type(self.id).__name__}")
        if not isinstance(self.text, str):
            raise BadRecord(
                self.origin or self.id, "text", f"must be a string, not {type(self.text).__name__}"
            )

    def to_dict(self) -> dict[str, Any]:
        out = dataclasses.asdict(self)
        out["date"] = self.date.isoformat() if self.date else None
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Article:
        fields = {f.name for f in dataclasses.fields(cls)}
        kwargs = {k: v for k, v in data.items() if k in fields}
        # ISO, RFC 2822, written forms, timestamps; a value that is not a date is None.
        kwargs["date"] = parse_date(kwargs.get("date"))
        return cls(**kwargs)


@dataclasses.dataclass(frozen=True, slots=True)
class SkippedRecord:
    """An input that could not be read, with the reason, so a batch never fails whole."""

    source: str
    error: str

    def to_dict(self) -> dict[str, str]:
        return {"source": self.source, "error": self.error}


def slot_values(obj: Any) -> tuple[Any, ...]:
    """The fields of a slotted dataclass in order (its ``__slots__`` lists them so)."""
    return tuple(getattr(obj, name) for name in obj.__slots__)


def _interned_aligned_sentence(
    a_index: int, b_index: int, a_text: str, b_text: str, similarity: float
) -> AlignedSentence:
    # Sentence texts are interned when features are computed (features.text_features), so
    # interning on unpickling makes a relation from another process point at the one
    # copy of each sentence this process already holds, as a relation made here does.
    return AlignedSentence(a_index, b_index, sys.intern(a_text), sys.intern(b_text), similarity)


def _interned_evidence(
    aligned: tuple[AlignedSentence, ...],
    shared_quotes: tuple[str, ...],
    shared_entities: tuple[str, ...],
    shared_numbers: tuple[str, ...],
    date_gap_days: int | None,
    scores: dict[str, float],
    dates: tuple[str, ...] = (),
) -> Evidence:
    # Quotes, names and numbers are interned in features too (see
    # _interned_aligned_sentence).
    return Evidence(
        aligned,
        tuple(map(sys.intern, shared_quotes)),
        tuple(map(sys.intern, shared_entities)),
        tuple(map(sys.intern, shared_numbers)),
        date_gap_days,
        scores,
        dates,
    )


@dataclasses.dataclass(frozen=True, slots=True)
class AlignedSentence:
    """A sentence of A matched to a sentence of B (indices into each article's sentences)."""

    a_index: int
    b_index: int
    a_text: str
    b_text: str
    similarity: float

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        return _interned_aligned_sentence, slot_values(self)

    def to_dict(self) -> dict[str, Any]:
        # Field by field, not dataclasses.asdict (which deep-copies): this runs for every
        # aligned pair of every relation a store writes.
        return {
            "a_index": self.a_index,
            "b_index": self.b_index,
            "a_text": self.a_text,
            "b_text": self.b_text,
            "similarity": round(self.similarity, SCORE_DIGITS),
        }


@dataclasses.dataclass(frozen=True, slots=True)
class Evidence:
    """Why two articles are related: what a person needs to believe the verdict."""

    aligned: tuple[AlignedSentence, ...] = ()
    shared_quotes: tuple[str, ...] = ()
    shared_entities: tuple[str, ...] = ()
    shared_numbers: tuple[str, ...] = ()
    date_gap_days: int | None = None
    scores: dict[str, float] = dataclasses.field(default_factory=dict)
    # Each article's date and where it came from, when the gap was read: e.g.
    # ("a: 2025-10-23 published", "b: 2025-08-06 from 'Wednesday (Aug 6)' resolved by weekday").
    dates: tuple[str, ...] = ()

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        return _interned_evidence, slot_values(self)

    def to_dict(self) -> dict[str, Any]:
        return {
            "aligned": [s.to_dict() for s in self.aligned],
            "shared_quotes": list(self.shared_quotes),
            "shared_entities": list(self.shared_entities),
            "shared_numbers": list(self.shared_numbers),
            "date_gap_days": self.date_gap_days,
            "scores": {k: round(v, SCORE_DIGITS) for k, v in self.scores.items()},
            "dates": list(self.dates),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Evidence:
        return cls(
            aligned=tuple(AlignedSentence(**s) for s in data.get("aligned", ())),
            shared_quotes=tuple(data.get("shared_quotes", ())),
            shared_entities=tuple(data.get("shared_entities", ())),
            shared_numbers=tuple(data.get("shared_numbers", ())),
            date_gap_days=data.get("date_gap_days"),
            scores=dict(data.get("scores", {})),
            dates=tuple(data.get("dates", ())),
        )


# Each distinct tuple of score keys, once: pickle memoises an object by identity, so the
# relations of a message that share their keys (every weak relation) pickle one tuple
# and refer to it. Bounded: evidence read from elsewhere may bring keys of its own.
_SCORE_KEYS: dict[tuple[str, ...], tuple[str, ...]] = {}
_SCORE_KEYS_MAX = 256


def _reduce_relation(self: Relation) -> tuple[Any, tuple[Any, ...]]:
    """Pickle a relation as one call of :func:`_relation_of_fields` with its evidence's
    fields flattened, the scores as their keys (one shared tuple) and values; a relation
    with no aligned sentence and no shared quote, name or number (a weak relation,
    ~90% of a batch's) leaves those four fields out.

    Relations cross process boundaries in bulk (parallel scoring, Spark), so not the
    default for slotted frozen dataclasses (a state mapping set field by field, 2.4x
    slower to dump). Against the nested ``Relation(*fields)`` and ``Evidence`` reduce
    with the scores as a dict, the real corpus's 38,593 relations, pickled in scoring's
    chunks of 500 with the heap frozen (as the workers do), dumped in 0.10 s instead of
    0.17-0.18 s; loading stayed 0.26 s (building the objects is most of it) (2026-12-04,
    sumcol; the same objects by ``==`` and ``repr``).
    """
    evidence = self.evidence
    scores = evidence.scores
    keys = tuple(scores)
    if len(_SCORE_KEYS) < _SCORE_KEYS_MAX:
        keys = _SCORE_KEYS.setdefault(keys, keys)
    fields: tuple[Any, ...] = (
        self.a,
        self.b,
        self.kind,
        self.score,
        evidence.date_gap_days,
        keys,
        tuple(scores.values()),
        evidence.dates,
    )
    if (
        evidence.aligned
        or evidence.shared_quotes
        or evidence.shared_entities
        or evidence.shared_numbers
    ):
        fields += (
            evidence.aligned,
            evidence.shared_quotes,
            evidence.shared_entities,
            evidence.shared_numbers,
        )
    return _relation_of_fields, fields


def _relation_of_fields(
    a: str,
    b: str,
    kind: RelationKind | None,
    score: float,
    date_gap_days: int | None,
    keys: tuple[str, ...],
    values: tuple[float, ...],
    dates: tuple[str, ...],
    aligned: tuple[AlignedSentence, ...] = (),
    shared_quotes: tuple[str, ...] = (),
    shared_entities: tuple[str, ...] = (),
    shared_numbers: tuple[str, ...] = (),
) -> Relation:
    """The relation :func:`_reduce_relation` pickled (its quotes, names and numbers
    interned as :func:`_interned_evidence` does)."""
    if shared_quotes or shared_entities or shared_numbers:
        shared_quotes = tuple(map(sys.intern, shared_quotes))
        shared_entities = tuple(map(sys.intern, shared_entities))
        shared_numbers = tuple(map(sys.intern, shared_numbers))
    evidence = Evidence(
        aligned,
        shared_quotes,
        shared_entities,
        shared_numbers,
        date_gap_days,
        dict(zip(keys, values, strict=True)),
        dates,
    )
    return Relation(a, b, kind, score, evidence)


@dataclasses.dataclass(frozen=True, slots=True)
class Relation:
    """The verdict on one pair: ``kind`` is None when the pair is not related, and
    ``follow_up`` when it is a different story of the same thread.

    ``score`` is the story similarity in [0, 1] (1 = same story for certain).
    For derivation kinds, ``a`` is the earlier/source version and ``b`` the copy
    once provenance has oriented the pair.
    """

    a: str
    b: str
    kind: RelationKind | None
    score: float
    evidence: Evidence = dataclasses.field(default_factory=Evidence)

    __reduce__ = _reduce_relation

    @property
    def same_story(self) -> bool:
        return self.kind is not None and self.kind.is_same_story

    def to_dict(self) -> dict[str, Any]:
        return {
            "a": self.a,
            "b": self.b,
            "kind": self.kind.value if self.kind else None,
            "score": round(self.score, SCORE_DIGITS),
            "evidence": self.evidence.to_dict(),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Relation:
        kind = data.get("kind")
        return cls(
            a=data["a"],
            b=data["b"],
            kind=RelationKind(kind) if kind else None,
            score=float(data["score"]),
            evidence=Evidence.from_dict(data.get("evidence", {})),
        )


@dataclasses.dataclass(frozen=True, slots=True)
class Derivation:
    """A provenance edge: ``copy`` derives from ``source`` (exact/near_duplicate/rewrite)."""

    source: str
    copy: str
    kind: RelationKind
    reason: str

    def to_dict(self) -> dict[str, str]:
        return {
            "source": self.source,
            "copy": self.copy,
            "kind": self.kind.value,
            "reason": self.reason,
        }


@dataclasses.dataclass(frozen=True, slots=True)
class RoundupPart:
    """The part of a roundup one story covers: that story, the share of the roundup's
    sentences that name something specific to it, those sentences (indices into the
    roundup's sentences) and the names and numbers that placed them."""

    story: str
    share: float
    sentences: tuple[int, ...]
    names: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "story": self.story,
            "share": round(self.share, 4),
            "sentences": list(self.sentences),
            "names": list(self.names),
        }


@dataclasses.dataclass(frozen=True, slots=True)
class Roundup:
    """A text that covers several stories (a roundup, digest or live blog), flagged on
    the story it ended in: ``attached`` when it joined that story (the one it covers
    most), else it stands alone as a story of its own. ``parts``: the stories it covers,
    largest share first (see ``samestory.roundups``). ``cut``: the grouping took it out
    for chaining or splitting stories (``samestory.pipeline.group.FoundRoundup.cut``):
    its pairs chain no thread either, which the store records to thread as the batch
    does; not part of :meth:`to_dict` (the output shows ``attached``)."""

    article: str
    attached: bool
    parts: tuple[RoundupPart, ...]
    cut: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "article": self.article,
            "attached": self.attached,
            "parts": [p.to_dict() for p in self.parts],
        }


@dataclasses.dataclass(frozen=True, slots=True)
class Story:
    """A group of articles telling the same story, versions in time order.

    ``thread`` is the id of the thread the story belongs to (stories of one incident
    linked by ``follow_up`` relations; a story with no follow-ups is a thread of its
    own), ``follow_ups`` the ``follow_up`` relations from its articles to those of the
    thread's other stories. None when threads were not computed. ``roundups`` flags
    its articles that cover several stories (see :class:`Roundup`).
    """

    id: str
    title: str | None
    articles: tuple[str, ...]
    first: str
    relations: tuple[Relation, ...] = ()
    derivations: tuple[Derivation, ...] = ()
    thread: str | None = None
    follow_ups: tuple[Relation, ...] = ()
    roundups: tuple[Roundup, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "articles": list(self.articles),
            "first": self.first,
            "thread": self.thread,
            "relations": [r.to_dict() for r in self.relations],
            "follow_ups": [r.to_dict() for r in self.follow_ups],
            "derivations": [d.to_dict() for d in self.derivations],
            "roundups": [r.to_dict() for r in self.roundups],
        }
