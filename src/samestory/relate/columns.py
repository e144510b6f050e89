"""An article's pairs measured as columns: :func:`measure_pair`'s values, bit for bit.

:class:`ColumnsBuilder` reads, pair by pair, what needs the pair's sets (dates, shared
names' weights and roles, number conflicts) into one row of raw values, reading what
every pair needs of its first article once; :meth:`ColumnsBuilder.columns` then makes
the ratios and the thread inputs' logarithms of counts as column operations over all
the pairs (a few NumPy calls a chunk). The result, :class:`PairColumns`, gives the weak
pairs' relations without a per-pair object and the others their :class:`PairMeasures`.
``tests/test_measure_against.py`` proves the two forms equal on every fixture pair.
"""

from __future__ import annotations

import dataclasses
import functools
import math
import sys
from collections.abc import Sequence
from typing import Any, NamedTuple

import numpy as np

from samestory import conflicts, dates, lexical, name_roles
from samestory.features import DocFeatures
from samestory.pairsims import SimSummary
from samestory.relate.cues import (
    NUMBER_PSEUDO_COUNT,
    EventCues,
    SharedItems,
    _lead_of,
    _published,
    _shorter_side_mean,
    _specific_jaccard,
    rewrite_evidence,
)
from samestory.relate.date_gate import _far_apart, _gap, _short_for_dates, _text_dated, date_notes
from samestory.relate.measures import PairMeasures, date_gap_factor
from samestory.threads import (
    FAR_APART_DAYS,
    RARE_NAME,
    long_numbers_of,
    shares_place_any,
)


def measure_against(
    a: DocFeatures,
    others: Sequence[DocFeatures],
    summaries: Sequence[SimSummary],
    term_cosines: Sequence[float],
    overlaps: Sequence[tuple[float, float]],
) -> list[PairMeasures]:
    """``[measure_pair(a, b, s, c, o) for b, s, c, o in zip(...)]``, bit for bit: the
    :class:`PairColumns` of the pairs (:func:`measure_columns`), one object per pair."""
    columns = measure_columns(a, others, summaries, term_cosines, overlaps)
    return columns.measures(range(len(others)))


@dataclasses.dataclass(slots=True)
class PairColumns:
    """What :func:`measure_pair` measures of each of one article's pairs, as columns (row
    ``k``: pair ``k``): the cues (:data:`CUE_NAMES` order) and the disagreement cues
    (:data:`CONFLICT_CUE_NAMES`) as float64 matrices, the thread model's inputs likewise
    (:func:`threads.thread_features`), the rest as lists. The weak pairs' relations are
    read from them without a per-pair object (:func:`_lean_scores`); the others get
    their :class:`PairMeasures` from them (:meth:`measures`), so the two paths share one
    computation of every value."""

    summaries: Sequence[SimSummary]
    cues: np.ndarray
    conflicts: np.ndarray
    thread: np.ndarray
    shorter_words: list[int]
    lead: list[float]
    longer_words: list[int]
    rewrite: np.ndarray
    jaccard: np.ndarray
    containment: np.ndarray
    gaps: list[int | None]
    date_factors: list[float]
    text_dated: list[bool]
    dates: list[tuple[str, ...]]
    shared: list[SharedItems]

    def measures(self, ks: Sequence[int]) -> list[PairMeasures]:
        """The :class:`PairMeasures` of pairs ``ks`` (the same floats: ``tolist``)."""
        ks = list(ks)
        cues, conflict = self.cues[ks].tolist(), self.conflicts[ks].tolist()
        thread = self.thread[ks].tolist()
        rewrite, jaccard = self.rewrite[ks].tolist(), self.jaccard[ks].tolist()
        containment = self.containment[ks].tolist()
        out = []
        for n, k in enumerate(ks):
            summary = self.summaries[k]
            out.append(
                PairMeasures(
                    # Positional: the cues in CUE_NAMES order are EventCues' first fields
                    # (_FIELDS_OF_CUES), then its words, lead, disagreement cues and the
                    # longer text's words.
                    cues=EventCues(
                        *cues[n],  # type: ignore[call-arg]
                        self.shorter_words[k],
                        self.lead[k],
                        *conflict[n],
                        self.longer_words[k],
                    ),
                    rewrite_evidence=rewrite[n],
                    jaccard=jaccard[n],
                    containment=containment[n],
                    date_gap=self.gaps[k],
                    date_factor=self.date_factors[k],
                    sim=summary.sim,
                    thread_features=tuple(thread[n]),
                    dates=self.dates[k],
                    summary=summary,
                    text_dated=self.text_dated[k],
                    shared=self.shared[k],
                )
            )
        return out


# Per pair of an article, the raw values measure_columns reads into columns (in order).
_RAW = (
    "doc_cosine",
    "best_sentence",
    "top3_sentences",
    "soft_coverage",
    "shared_names",
    "names_a",
    "names_b",
    "shared_numbers",
    "numbers_a",
    "numbers_b",
    "lexical_cosine",
    "entity_specific_jaccard",
    "shorter_words",
    "number_conflict",
    "year_gap",
    "rewrite_evidence",
    "days",
    "gap_unknown",
    "rare_shared_names",
    "rarest_shared_name",
    "shared_long_numbers",
    "rare_shared_people",
    "rare_shared_places",
    "rarest_shared_non_place",
    "far_apart_places_only",
    "shared_place_any",
)


_R = {name: k for k, name in enumerate(_RAW)}


def measure_columns(
    a: DocFeatures,
    others: Sequence[DocFeatures],
    summaries: Sequence[SimSummary],
    term_cosines: Sequence[float],
    overlaps: Sequence[tuple[float, float]],
) -> PairColumns:
    """The :class:`PairColumns` of ``a`` against each of ``others`` (with their sentence
    cosines' summaries, term cosines and shingle overlaps), every value
    :func:`measure_pair`'s bit for bit (see :class:`ColumnsBuilder`)."""
    builder = ColumnsBuilder()
    builder.add(a, others, summaries, term_cosines, overlaps)
    return builder.columns()


class ColumnsBuilder:
    """The :class:`PairColumns` of many articles' pairs (a chunk of scoring work), built
    in two steps: :meth:`add` reads, pair by pair, what needs a pair's sets (dates,
    shared names' weights and roles, number conflicts) into one row of raw values, with
    what every pair reads of its first article read once for all of them (its names'
    specificities and their exact partial sums, its long numbers, its numbers by context
    word; each article's own date reading and note once a chunk); :meth:`columns` then
    makes the ratios, the thread inputs' logarithms of counts and the like column
    operations over all the pairs at once (a few NumPy calls a chunk, not an article).

    Why a second form of :func:`_cues` and :func:`threads.thread_features` (which
    :func:`measure_pair` keeps): per pair they cost objects and calls that this one
    does not; ``tests/test_measure_against.py`` proves the two equal, bit for bit, on
    every pair of its ECB+ and four-language MEANTIME fixtures."""

    def __init__(self) -> None:
        self.rows: list[tuple[float, ...]] = []
        self.summaries: list[SimSummary] = []
        self.overlaps: list[tuple[float, float]] = []
        self.gaps: list[int | None] = []
        self.shorter: list[int] = []
        self.longer: list[int] = []
        self.date_factors: list[float] = []
        self.text_dated: list[bool] = []
        self.notes: list[tuple[str, ...]] = []
        self.shared: list[SharedItems] = []
        self.leads: list[float] = []
        # What the pairs read of each article alone (_SecondReads), by the features'
        # identity (each entry holds the features: the identity is not reused while
        # the builder lives).
        self._seconds: dict[int, _SecondReads] = {}

    def add(
        self,
        a: DocFeatures,
        others: Sequence[DocFeatures],
        summaries: Sequence[SimSummary],
        term_cosines: Sequence[float],
        overlaps: Sequence[tuple[float, float]],
    ) -> None:
        """Read the pairs of ``a`` and each of ``others`` (see the class)."""
        if len(overlaps) != len(others):
            raise ValueError("ColumnsBuilder.add: one overlap per pair")
        self.summaries.extend(summaries)
        self.overlaps.extend(overlaps)
        first = self._first_reads(a)
        long_a, values_a, published_a = first.long_numbers, first.values, first.published
        names_a, numbers_a, words_a, vector_a = a.entities, a.numbers, a.n_words, a.vector
        year_a, n_names_a, n_numbers_a = a.latest_year, len(names_a), len(numbers_a)
        rows, shorter, leads, seconds = self.rows, self.shorter, self.leads, self._seconds
        year_gap, conflict_share = conflicts.year_gap, conflicts.conflict_share
        for b, s, term_cosine in zip(others, summaries, term_cosines, strict=True):
            second = seconds.get(id(b)) or self._second_reads(b)
            gap = self._add_dates(first, second)
            names, numbers = shared = names_a & b.entities, numbers_a & b.numbers
            self.shared.append(shared)
            days = 0 if gap is None else gap
            shorter.append(min(words_a, b.n_words))
            self.longer.append(max(words_a, b.n_words))
            specific, rarest, n_rare, n_people, n_places, non_place, places_only, place_any = (
                _shared_name_cues(first, second, names, days)
                if names
                else (0.0, 0.0, 0, 0, 0, 0.0, 0.0, 0.0)
            )
            best, top3, soft, lead = _sentence_cues(s)
            leads.append(lead)
            values_b = second.values
            rows.append(
                (
                    float(vector_a @ b.vector),
                    best,
                    top3,
                    soft,
                    len(names),
                    n_names_a,
                    len(b.entities),
                    len(numbers),
                    n_numbers_a,
                    len(b.numbers),
                    term_cosine,
                    specific,
                    shorter[-1],
                    conflict_share(values_a, values_b)
                    if values_a and values_b
                    else 0.0,  # conflict_share's 0 / (0 + 1)
                    year_gap(
                        year_a, b.latest_year, both_published=published_a and second.published
                    ),
                    rewrite_evidence(s),
                    days,
                    1.0 if gap is None else 0.0,
                    n_rare,
                    rarest,
                    len(long_a & numbers),
                    n_people,
                    n_places,
                    non_place,
                    places_only,
                    place_any,
                )
            )

    def _first_reads(self, a: DocFeatures) -> _FirstReads:
        """What every pair reads of its first article ``a``, read once for all of them."""
        second = self._seconds.get(id(a)) or self._second_reads(a)
        return _FirstReads(
            a,
            {name: lexical.specificity(name, a.lang) for name in a.entities},
            lexical._exact_partials(a.entities, a.lang),
            long_numbers_of(a.numbers),
            second.values,
            second.published,
            second,
        )

    def _second_reads(self, b: DocFeatures) -> _SecondReads:
        """What the pairs read of an article ``b`` alone (as either article of a pair),
        read once a builder: its own date reading and notes, its numbers by context word,
        its names' roles and local places."""
        own = dates.own_reading(b.date, b.date_from_text, b.written_date)
        note_a = note_b = ""
        if own is not None:
            described = own.describe()
            note_a, note_b = sys.intern(f"a: {described}"), sys.intern(f"b: {described}")
        places, people = name_roles.name_roles(tuple(b.sentences)) if b.roles is None else b.roles
        hit = self._seconds[id(b)] = _SecondReads(
            b,
            own,
            note_a,
            note_b,
            _short_for_dates(b),
            (b.date, b.date_from_text, b.written_date),
            conflicts.by_context(b.number_contexts) if b.number_contexts else {},
            _published(b),
            places,
            people,
            lexical._exact_partials(b.entities, b.lang),
        )
        return hit

    def _add_dates(self, first: _FirstReads, second: _SecondReads) -> int | None:
        """Add the pair's date columns (gap, notes, date factor, text-dated); the gap in
        days, None when either date is unknown."""
        a = first.alone
        own_a, own_b = a.own, second.own
        if own_a is not None and own_b is not None:
            # Both dated on their own: dates.pair_readings would resolve nothing.
            readings: tuple[dates.DateReading | None, dates.DateReading | None] = (
                own_a,
                own_b,
            )
            gap: int | None = abs((own_a.date - own_b.date).days)
            notes: tuple[str, ...] = (a.note_a, second.note_b)
        else:
            readings = dates.pair_readings(
                a.date, second.date, short=(a.short_for_dates, second.short_for_dates)
            )
            gap = _gap(*readings)
            # Interned: an article's note recurs in each of its pairs, and a worker's
            # pickle of its relations then holds it once (10% smaller on real news).
            notes = tuple(map(sys.intern, date_notes(*readings)))
        self.gaps.append(gap)
        self.notes.append(notes)
        self.date_factors.append(date_gap_factor(a.features, second.features, gap, readings))
        self.text_dated.append(_far_apart(gap) and _text_dated(*readings))
        return gap

    def columns(self) -> PairColumns:
        """The columns of every pair added, in the order added."""
        raw = np.array(self.rows, dtype=np.float64).reshape(len(self.rows), len(_RAW)).T
        cues = _cue_columns(raw)
        names_a, names_b = raw[_R["names_a"]], raw[_R["names_b"]]
        days = raw[_R["days"]]
        thread = np.column_stack(
            (
                cues,
                raw[_R["rewrite_evidence"]],
                _log1p_of_counts(days),
                (days > FAR_APART_DAYS).astype(np.float64),
                raw[_R["gap_unknown"]],
                _log1p_of_counts(raw[_R["rare_shared_names"]]),
                raw[_R["rarest_shared_name"]] / lexical.ZIPF_MAX,
                _log1p_of_counts(raw[_R["shared_long_numbers"]]),
                _log1p_of_counts(raw[_R["shorter_words"]]) / 7.0,
                _log1p_of_counts(np.minimum(names_a, names_b)) / 5.0,
                _log1p_of_counts(np.maximum(names_a, names_b)) / 5.0,
                _log1p_of_counts(raw[_R["rare_shared_people"]]),
                _log1p_of_counts(raw[_R["rare_shared_places"]]),
                raw[_R["rarest_shared_non_place"]] / lexical.ZIPF_MAX,
                raw[_R["far_apart_places_only"]],
                # threads.latest_year_gap, read only when the gap is unknown
                raw[_R["year_gap"]] * raw[_R["gap_unknown"]],
                raw[_R["shared_place_any"]],  # threads.STORED_SHORT_INPUTS
            )
        )
        return PairColumns(
            summaries=self.summaries,
            cues=cues,
            conflicts=np.column_stack((raw[_R["number_conflict"]], raw[_R["year_gap"]])),
            thread=thread,
            shorter_words=self.shorter,
            lead=self.leads,
            longer_words=self.longer,
            rewrite=raw[_R["rewrite_evidence"]],
            jaccard=np.array([o[0] for o in self.overlaps], dtype=np.float64),
            containment=np.array([o[1] for o in self.overlaps], dtype=np.float64),
            gaps=self.gaps,
            date_factors=self.date_factors,
            text_dated=self.text_dated,
            dates=self.notes,
            shared=self.shared,
        )


class _SecondReads(NamedTuple):
    """What :class:`ColumnsBuilder` reads of an article alone, once a builder: its own
    date reading and its notes as a pair's first and second article, whether its date
    reading may change with a short partner, its dates, its numbers by context word,
    whether it is published, its names' roles (places, people) and their specificities'
    exact partial sums."""

    features: DocFeatures
    own: dates.DateReading | None
    note_a: str
    note_b: str
    short_for_dates: bool
    date: tuple[Any, Any, Any]  # the article's date, date from its text, written date
    values: dict[str, frozenset[str]]
    published: bool
    places: frozenset[str]
    people: frozenset[str]
    partials: list[float]  # its names' exact partial sums in its own language


class _FirstReads(NamedTuple):
    """What :meth:`ColumnsBuilder.add` reads of a pair's first article once for all its
    pairs: its names' specificities and their exact partial sums, its long numbers, its
    numbers by context word, whether it is published, and its :class:`_SecondReads`."""

    features: DocFeatures
    specificity: dict[str, float]
    partials: list[float]
    long_numbers: frozenset[str]
    values: dict[str, frozenset[str]]
    published: bool
    alone: _SecondReads


def _shared_name_cues(
    first: _FirstReads, second: _SecondReads, names: frozenset[str], days: int
) -> tuple[float, float, int, int, int, float, float, float]:
    """A pair's cues of its shared ``names`` (some): the specific Jaccard, the rarest
    name's specificity, the rare names, people and places among them, the rarest
    non-place, whether rare places alone are shared ``days`` apart, and whether a
    name of any specificity is a shared place (``threads``' ``shared_place_any``)."""
    a, b = first.features, second.features
    # In the set's order, not sorted: every value below is order-free (exactly
    # rounded sums, maxima, sets, per-name means).
    named = list(names)
    if b.lang == a.lang:
        specificity = [first.specificity[name] for name in named]
        # lexical.weighted_jaccard: the shared weights over the union's, each sum
        # exactly rounded (so in any order), the union's from the sets' exact partial
        # sums less the shared weights.
        union = math.fsum([*first.partials, *second.partials, *(-w for w in specificity)])
        specific = math.fsum(specificity) / union if union else 0.0
    else:  # the mean under both languages' frequencies (threads._specificity)
        specificity = [
            0.5 * (first.specificity[name] + lexical.specificity(name, b.lang)) for name in named
        ]
        specific = _specific_jaccard(a, b, names)
    rarest = max(specificity)
    # Every shared name's role (shared_place_any); the rare ones' are these
    # restricted: name_roles.shared_roles of the texts' roles, as set operations.
    alone_a = first.alone
    people_any = names & alone_a.people | names & second.people
    places_any = (names & alone_a.places | names & second.places) - people_any
    place_any = shares_place_any(a, b, names, people_any, places_any)
    if rarest < RARE_NAME:  # no rare name: no rare person or place, every name not a place
        return specific, rarest, 0, 0, 0, rarest, 0.0, place_any
    rare = {name for name, v in zip(named, specificity, strict=True) if v >= RARE_NAME}
    people, places = people_any & rare, places_any & rare
    non_place = max(
        (v for name, v in zip(named, specificity, strict=True) if name not in places),
        default=0.0,
    )
    places_only = 1.0 if days > FAR_APART_DAYS and places and places == rare else 0.0
    return (
        specific,
        rarest,
        len(rare),
        len(people),
        len(places),
        non_place,
        places_only,
        place_any,
    )


def _sentence_cues(s: SimSummary) -> tuple[float, float, float, float]:
    """A pair's best and top-3 sentence cosines, the shorter side's mean best and the
    lead's: all 0 for a pair with no sentence summary."""
    if not s.size:
        return 0.0, 0.0, 0.0, 0.0
    return s.best, s.top3, _shorter_side_mean(s.rows, s.columns), _lead_of(s)


def _cue_columns(raw: np.ndarray) -> np.ndarray:
    """The cues (:data:`CUE_NAMES` order, one row a pair) from :func:`measure_columns`'
    raw values: the ratios of counts as :func:`_ratio` gives them (float64 division of
    exact integers is Python's correctly rounded ``int / int``)."""
    shared, names_a, names_b = raw[_R["shared_names"]], raw[_R["names_a"]], raw[_R["names_b"]]
    numbers, numbers_a = raw[_R["shared_numbers"]], raw[_R["numbers_a"]]
    return np.column_stack(
        (
            raw[_R["doc_cosine"]],
            raw[_R["best_sentence"]],
            raw[_R["top3_sentences"]],
            raw[_R["soft_coverage"]],
            _ratios(shared, names_a + names_b - shared),
            _ratios(shared, np.minimum(names_b, names_a)),
            _ratios(numbers, numbers_a + raw[_R["numbers_b"]] - numbers + NUMBER_PSEUDO_COUNT),
            raw[_R["lexical_cosine"]],
            raw[_R["entity_specific_jaccard"]],
        )
    )


def _ratios(part: np.ndarray, whole: np.ndarray) -> np.ndarray:
    """:func:`_ratio` of each row: ``part / whole``, 0 where ``whole`` is 0."""
    out = np.zeros(len(part), dtype=np.float64)
    np.divide(part, whole, out=out, where=whole != 0)
    return out


# Counts below this read their log1p from a table of math.log1p's values.
_LOG1P_TABLE_SIZE = 4096


@functools.cache
def _log1p_table() -> np.ndarray:
    return np.array([math.log1p(k) for k in range(_LOG1P_TABLE_SIZE)], dtype=np.float64)


def _log1p_of_counts(counts: np.ndarray) -> np.ndarray:
    """``math.log1p`` of each count (non-negative integers as float64), bit for bit:
    looked up in a table of its values (NumPy's own log1p need not round alike)."""
    k = counts.astype(np.intp)
    table = _log1p_table()
    out = table[np.minimum(k, _LOG1P_TABLE_SIZE - 1)]
    big = k >= _LOG1P_TABLE_SIZE
    if big.any():
        out[big] = [math.log1p(v) for v in k[big].tolist()]
    return out
