"""The candidate index: every route over one incremental collection (batch and store).

:class:`CandidateIndex` holds the articles' vectors (a matrix searched exactly up to
``EXACT_SEARCH_LIMIT`` articles, an HNSW graph above), their fingerprints (exact
copies), MinHash-LSH buckets (:mod:`~samestory.candidates.lsh`) and keyword postings
(:mod:`~samestory.candidates.keyword_routes`, :mod:`~samestory.candidates.same_days`).
:meth:`CandidateIndex.neighbours` joins the routes' proposals and screens them
(:mod:`~samestory.candidates.screen`); :meth:`CandidateIndex.insert` indexes one article
and says how the collection's candidate pairs changed (:class:`Proposals`: the reverse
neighbours an arrival enters or pushes out), which keeps the store equal to the batch.
:func:`candidate_index` and :func:`pairs_of_rows` are the batch's entry points.

The routes' tuning constants are read here as attributes of their modules
(``keyword_routes.MAX_KEYWORD_POSTINGS``), so a test or benchmark that sets one there
changes every reader.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from samestory.candidates import keyword_routes, same_days, screen, vector_lists
from samestory.candidates.keyword_routes import (
    KeywordsLike,
    MemoryKeywords,
    coded_ranking,
    keyword_ranking,
    keywords,
)
from samestory.candidates.lsh import LSHLike, MinHashLike, memory_lsh
from samestory.candidates.same_days import dated_ranking, route_day
from samestory.candidates.screen import screened
from samestory.candidates.vector_lists import (
    best_first,
    lowest_vector_floor,
    saturation_test,
    select_neighbours,
    vector_floor,
)
from samestory.config import DEFAULT_CONFIG, Config
from samestory.features import DocFeatures
from samestory.normalize import EMPTY_FINGERPRINT


@dataclasses.dataclass(frozen=True)
class Proposals:
    """How indexing one article changed the candidate pairs of the whole collection.

    The batch proposes the pairs ``{(x, y) : y ∈ N(x)}`` over the finished collection,
    where ``N(x)`` is what :meth:`CandidateIndex.neighbours` gives ``x``. Indexing ``z``
    gives ``z`` its neighbours, and changes ``N(x)`` of every ``x`` that now has ``z``
    among its nearest (which may push another article out, or, in a saturated list, let
    more in) and of every ``x`` sharing a keyword that became too common to count.
    ``gained`` are the pairs now proposed (``z``'s included), ``lost`` the pairs no
    longer proposed from either end; each pair is ``(earlier, later)`` in index order.
    ``floor_flags``: whether only the short-text vector floor proposes a pair now (rule
    L's flag, :meth:`CandidateIndex.floor_flagged`), for every gained pair and every kept
    pair whose flag may have changed (an end's other route came or went).
    """

    neighbours: list[str]
    gained: list[tuple[str, str]]
    lost: list[tuple[str, str]]
    floor_flags: dict[tuple[str, str], bool] = dataclasses.field(default_factory=dict)


# The document vectors' size when no article says otherwise (by definition: USE's 512).
DEFAULT_DIM = 512
# Below this many articles an exact (brute-force) vector search is cheap and deterministic.
EXACT_SEARCH_LIMIT = 5_000


# Float32 dot products of one pair can differ in the last bits with the BLAS path taken:
# a reverse-neighbour test this close to the line is treated as a hit (and re-checked).
COSINE_SLACK = 1e-5


class CandidateIndex:
    """An incremental index over articles' features that proposes candidate neighbours.

    ``add`` articles, then ``neighbours`` of any article (indexed or not) returns the ids
    of indexed articles worth scoring against it, best first.
    """

    def __init__(
        self,
        config: Config = DEFAULT_CONFIG,
        dim: int = DEFAULT_DIM,
        lsh: LSHLike | None = None,
        keywords_index: KeywordsLike | None = None,
    ) -> None:
        self.config = config
        self.dim = dim
        self._ids: list[str] = []
        # Rows [0, len) of a buffer that doubles when full: adding one article at a time
        # (a store fed by a live feed) then costs amortised O(1) copies, not O(n) each.
        self._buffer = np.zeros((0, dim), dtype=np.float32)
        self._pending: list[np.ndarray] = []
        self._key_of: dict[str, int] = {}
        self._by_fingerprint: dict[str, list[str]] = {}
        self._keywords: KeywordsLike = (
            keywords_index if keywords_index is not None else MemoryKeywords()
        )
        self._lsh = lsh if lsh is not None else memory_lsh(config)
        # What each indexed article proposes from its vector and its keywords (the parts
        # of N(x) another article can change), with where its vector scan stopped (a new
        # article less close than that cannot enter it) and its last keyword proposal:
        # known for the articles whose neighbours were asked since the index was built.
        self._proposed: dict[str, list[str]] = {}
        # Of those, the ones only the short-text vector floor proposed (rule L's flag,
        # switches.LONE_FLOOR_BAR): its vector list's part under ann_min_cosine, not
        # proposed by its keyword or same-days list; kept only where there are some.
        self._floor_part: dict[str, frozenset[str]] = {}
        self._vector_cut: dict[str, float] = {}
        self._keyword_cut: dict[str, tuple[float, str] | None] = {}
        # Day numbers (date ordinals) of the articles the same-days route has met, None
        # for undated ones; the rest are asked of the keyword index (the store's).
        self._days: dict[str, int | None] = {}
        # Word counts of indexed articles (their vector floor: vector_floor), remembered
        # or asked of the keyword index (the store's); unknown ones count as long.
        self._n_words: dict[str, int] = {}
        self._coded_days = np.zeros(0, dtype=np.int64)  # MemoryKeywords' code -> day
        self._ann: Any = None  # usearch index, built lazily once the collection is large
        # Whether the graph differs from the one last saved or loaded (see save_ann).
        self.ann_changed = False

    def __len__(self) -> int:
        return len(self._ids)

    @property
    def ids(self) -> list[str]:
        """The indexed articles' ids, in index order."""
        return self._ids

    def add(self, features: Iterable[DocFeatures]) -> None:
        for f in features:
            self._days[f.id] = route_day(f)
            self._remember_length(f)
            self.add_entry(f.id, f.fingerprint, f.vector, f.minhash if f.n_shingles else None)
            self.add_keywords(f.id, keywords(f))

    def add_keywords(self, article_id: str, words: dict[int, float]) -> None:
        """Index an article under its keywords (word hashes, see :func:`keywords`)."""
        if words:
            self._keywords.insert(article_id, words)

    def __contains__(self, article_id: object) -> bool:
        return article_id in self._key_of

    def add_copy(self, f: DocFeatures) -> None:
        """Remember a copy for copy detection only (its MinHash in the LSH, which
        :meth:`copy_candidates` reads): as in the batch, copies propose nothing and are
        proposed to nobody; their representative stands for them."""
        if f.n_shingles:
            self._lsh.insert(f.id, f.minhash)

    def copy_candidates(self, f: DocFeatures) -> list[str]:
        """Indexed articles and copies sharing a MinHash-LSH bucket with ``f``: the
        articles the batch's copy collapse tests ``f`` against (besides its exact copies)."""
        return sorted(self._lsh.query(f.minhash)) if f.n_shingles else []

    def add_entry(
        self, article_id: str, fingerprint: str, vector: np.ndarray, minhash: MinHashLike | None
    ) -> None:
        """Index one article by the parts of its features the index reads (``minhash``
        None when the text has no shingles)."""
        key = len(self._ids)
        self._ids.append(article_id)
        self._key_of[article_id] = key
        self._pending.append(vector)
        self._by_fingerprint.setdefault(fingerprint, []).append(article_id)
        if minhash is not None:
            self._lsh.insert(article_id, minhash)
        if self._ann is not None:
            self._ann.add(key, vector, threads=1)
        self.ann_changed = True

    def restore(
        self,
        ids: Sequence[str],
        fingerprints: Sequence[str],
        vectors: np.ndarray,
        graph: Any = None,
        n_words: Sequence[int] | None = None,
    ) -> None:
        """Index articles already in the LSH (a persisted one), in one go: their ids,
        fingerprints and vectors (one row each), optionally their word counts (which
        set their vector floor, :func:`vector_floor`; else asked of the keyword index
        when needed) and the HNSW graph saved with the first ``len(graph)`` of these
        vectors (see :func:`load_graph`); the rest are added to it."""
        if len(ids) != len(fingerprints) or len(ids) != len(vectors):
            raise ValueError("ids, fingerprints and vectors must have one entry per article")
        if n_words is not None:
            if len(n_words) != len(ids):
                raise ValueError("n_words must have one entry per article")
            self._n_words.update(zip(ids, (int(n) for n in n_words), strict=True))
        if graph is not None and (self._ids or len(graph) > len(ids)):
            raise ValueError("the graph does not hold a prefix of these articles")
        start = len(self._ids)
        self._ids.extend(ids)
        self._key_of.update((article_id, key) for key, article_id in enumerate(ids, start))
        self._pending.append(np.asarray(vectors, dtype=np.float32))
        self._flush()
        for article_id, fingerprint in zip(ids, fingerprints, strict=True):
            self._by_fingerprint.setdefault(fingerprint, []).append(article_id)
        if graph is not None:
            self._ann, start = graph, len(graph)
            self.ann_changed = False
        if self._ann is not None and start < len(self._ids):
            self._ann.add(
                np.arange(start, len(self._ids)), self._buffer[start : len(self._ids)], threads=1
            )
            self.ann_changed = True

    def save_ann(self, path: str | Path) -> bool:
        """Write the HNSW graph (usearch's own format) to ``path``, building it first if
        the collection is large enough to have one. False when there is none."""
        self._matrix()
        if self._ann is None:
            return False
        self._ann.save(str(path))
        self.ann_changed = False
        return True

    def _matrix(self) -> np.ndarray:
        self._flush()
        if self._ann is None and len(self._ids) > EXACT_SEARCH_LIMIT:
            self._build_ann()
        return self._buffer[: len(self._ids)]

    def _flush(self) -> None:
        """Move pending vectors (rows, or blocks of rows) into the matrix buffer."""
        if not self._pending:
            return
        rows = np.vstack(self._pending)
        self._pending = []
        start = len(self._ids) - len(rows)
        if len(self._ids) > len(self._buffer):
            grown = np.zeros(
                (max(len(self._ids), 2 * len(self._buffer)), self.dim), dtype=np.float32
            )
            grown[:start] = self._buffer[:start]
            self._buffer = grown
        self._buffer[start : len(self._ids)] = rows

    def _build_ann(self) -> None:
        from usearch.index import Index

        # One thread keeps insertion order, and so the graph and the results, deterministic.
        self._ann = Index(ndim=self.dim, metric="cos", dtype="f32")
        self._ann.add(np.arange(len(self._ids)), self._buffer[: len(self._ids)], threads=1)
        self.ann_changed = True

    def neighbours(self, f: DocFeatures) -> list[str]:
        """Ids of indexed articles that may be the same story as ``f`` (``f`` excluded).

        Only indexed articles are proposed (an LSH shared with copies, as the store's
        is, answers for them too; they are left out). For an indexed ``f``, what it
        proposes is remembered for :meth:`insert`.
        """
        return self._neighbours(f)[0]

    def floor_flagged(self, f: DocFeatures) -> tuple[list[str], frozenset[str]]:
        """:meth:`neighbours` of an indexed ``f``, and those of them only its short-text
        vector floor proposed: its vector list's part under ``ann_min_cosine`` (which a
        list without the floor, ``short_text_ann_min_cosine=None``, would not reach:
        above it the two lists are one), no other route of ``f``'s. Rule L's input
        (``switches.LONE_FLOOR_BAR``) from one search; a pair is the floor's only when
        neither end proposes it otherwise."""
        return self._neighbours(f)

    def _neighbours(self, f: DocFeatures) -> tuple[list[str], frozenset[str]]:
        """:meth:`neighbours` and, for an indexed ``f``, those only its floor proposed
        (:meth:`floor_flagged`; empty for an article not indexed)."""
        # The same normalised text, when it has words: every text that cleaning leaves
        # without words has the empty text's fingerprint (no evidence: copies.has_words).
        wordless = f.fingerprint == EMPTY_FINGERPRINT
        same_text = [] if wordless else self._by_fingerprint.get(f.fingerprint, [])
        found = dict.fromkeys(same_text)
        if f.n_shingles:
            found.update(dict.fromkeys(i for i in self.copy_candidates(f) if i in self._key_of))
        words = keywords(f)
        floor_part: frozenset[str] = frozenset()
        if f.id in self._key_of:
            floor_part = self._floor_only_of(f.id, f.vector, words)
            if floor_part:  # another route (same text, shared bucket) makes it firm
                floor_part = floor_part.difference(found)
            found.update(dict.fromkeys(self._proposed[f.id]))
        else:
            floor = vector_floor(self.config, _length(f, self.config))
            proposed = dict.fromkeys(self._vector_scan(f.vector, words, floor)[0])
            proposed.update(dict.fromkeys(self._keyword_neighbours(words, f.id)))
            proposed.update(dict.fromkeys(self._dated_scan(words, f.id, route_day(f))))
            found.update(dict.fromkeys(self._screened(list(proposed), f.vector, words)))
        found.pop(f.id, None)
        return list(found), floor_part

    def insert(self, f: DocFeatures) -> Proposals:
        """Index ``f`` and say how the collection's candidate pairs changed (see
        :class:`Proposals`): the pairs a batch run over the indexed articles would
        propose, kept up to date one article at a time.

        Exact while vectors are searched exactly (up to ``EXACT_SEARCH_LIMIT``
        articles): an article indexed without its proposals being asked (restored, or
        added in bulk) has them worked out the first time it could propose ``f``, once
        per index. Under HNSW search only ``f``'s widest vector candidates are looked at
        for that (and for the cosines), so a distant article that would now propose
        ``f`` (a hub) can be missed.
        """
        words = keywords(f)
        self._days[f.id] = route_day(f)
        self._remember_length(f)
        before = self._affected_by(f, words)
        floor_before = {x: self._floor_part.get(x, frozenset()) for x in before}
        self.add_entry(f.id, f.fingerprint, f.vector, f.minhash if f.n_shingles else None)
        self.add_keywords(f.id, words)
        mine, mine_floor = self._neighbours(f)
        key = self._key_of
        gained: set[tuple[str, str]] = {_ordered(y, f.id, key) for y in mine}
        dropped: set[tuple[str, str]] = set()
        reflag: set[tuple[str, str]] = set()
        for x, old in before.items():
            new = self._proposals_of(x, fresh=True)
            gained.update(_ordered(x, y, key) for y in new if y not in old)
            dropped.update(_ordered(x, y, key) for y in old if y not in new)
            # A pair's flag changes with either end's floor part or other routes.
            moved = floor_before[x].symmetric_difference(self._floor_part.get(x, frozenset()))
            moved = moved.union(set(old).symmetric_difference(new))
            reflag.update(_ordered(x, y, key) for y in moved)
        lost = [
            (x, y)
            for x, y in sorted(dropped, key=lambda p: (key[p[0]], key[p[1]]))
            if (x, y) not in gained
            and y not in self._proposals_of(x)
            and x not in self._proposals_of(y)
            and not self._share_bucket(x, y)
        ]
        return Proposals(
            neighbours=mine,
            gained=sorted(gained, key=lambda p: (key[p[0]], key[p[1]])),
            lost=lost,
            floor_flags=self._floor_flags(
                f.id, (mine, mine_floor), before, gained, reflag.difference(lost)
            ),
        )

    def _floor_flags(
        self,
        added: str,
        own: tuple[list[str], frozenset[str]],
        before: Mapping[str, list[str]],
        gained: set[tuple[str, str]],
        reflag: set[tuple[str, str]],
    ) -> dict[tuple[str, str], bool]:
        """:attr:`Proposals.floor_flags` of an insert of ``added`` (``own``: its
        :meth:`floor_flagged`; ``before``: the articles whose proposals it may have
        changed, the only ones that can propose it)."""
        mine, floor_part = set(own[0]), own[1]
        flags: dict[tuple[str, str], bool] = {}
        for a, b in sorted(gained | reflag, key=lambda p: (self._key_of[p[0]], self._key_of[p[1]])):
            if added not in (a, b):
                flags[a, b] = self.floor_only_pair(a, b)
                continue
            other = a if b == added else b
            if other in mine and other not in floor_part:
                flags[a, b] = False  # its own list's firm part (or same text, shared bucket)
            elif other in before:
                flags[a, b] = not self._proposes_otherwise(other, added) and (
                    other in floor_part or added in self._floor_part.get(other, frozenset())
                )
            else:
                flags[a, b] = other in floor_part
        return flags

    def floor_part(self, article_id: str) -> frozenset[str]:
        """What only the short-text vector floor proposes of an indexed article's own
        proposals (its vector list's part under ``ann_min_cosine``, no other route of
        its; see :meth:`floor_flagged`), worked out first if not known."""
        self._proposals_of(article_id)
        return self._floor_part.get(article_id, frozenset())

    def floor_only_pair(self, a: str, b: str) -> bool:
        """Whether only the short-text vector floor proposes the pair of indexed ``a`` and
        ``b`` (see :meth:`floor_flagged`): an end proposes the other, and neither does by
        another route. False for a pair neither end proposes. Two indexed articles never
        share a text with words (the copy collapse keeps one), so the same-text route is
        not asked; the shared bucket is."""
        either = False
        # The end whose proposals are known first: a firm proposal there ends it, and the
        # other end's are worked out only for a pair its floor proposes (few).
        for x, y in sorted(((a, b), (b, a)), key=lambda end: end[0] not in self._proposed):
            if self._proposes_otherwise(x, y):
                return False
            either = either or y in self._floor_part.get(x, frozenset())
        return either and not self._share_bucket(a, b)

    def _proposes_otherwise(self, x: str, y: str) -> bool:
        """Whether ``x``'s proposals hold ``y`` by a route other than the floor's part."""
        return y in self._proposals_of(x) and y not in self._floor_part.get(x, frozenset())

    def proposers(self, f: DocFeatures) -> list[str]:
        """Indexed articles whose proposals may hold ``f`` (indexed, or not yet): those it
        is close enough to enter by vector, keyword or same-days list, what
        :meth:`insert` looks at (their proposals are worked out on the way). Exact while
        vectors are searched exactly; under HNSW, among ``f``'s widest vector candidates."""
        return list(self._affected_by(f, keywords(f)))

    def _proposals_of(
        self,
        article_id: str,
        vector: np.ndarray | None = None,
        words: dict[int, float] | None = None,
        fresh: bool = False,
    ) -> list[str]:
        """What an indexed article proposes from its vector and keywords: remembered,
        or computed (always when ``fresh``, or given its ``vector``) and remembered."""
        known = self._proposed.get(article_id)
        if known is not None and vector is None and not fresh:
            return known
        if vector is None:
            self._flush()
            vector = self._buffer[self._key_of[article_id]]
        if words is None:
            words = self._keywords.words(article_id)
        floor = self._floors_of([article_id])[article_id]
        by_vector, cut, firm = self._vector_scan_split(vector, words, floor)
        by_keyword, keyword_cut = self._keyword_scan(words, article_id)
        dated = self._dated_scan(words, article_id, self._day_of(article_id))
        found = dict.fromkeys(by_vector)
        found.update(dict.fromkeys(by_keyword))
        found.update(dict.fromkeys(dated))
        found.pop(article_id, None)
        proposed = self._proposed[article_id] = self._screened(list(found), vector, words)
        self._vector_cut[article_id] = cut
        self._keyword_cut[article_id] = keyword_cut
        self._remember_floor_part(article_id, by_vector[firm:], [*by_keyword, *dated], proposed)
        return proposed

    def _remember_floor_part(
        self, article_id: str, under: list[str], other_routes: list[str], proposed: list[str]
    ) -> None:
        """Remember which of ``proposed`` only the vector list's part ``under``
        ``ann_min_cosine`` (the short-text floor's) gave, not ``other_routes``."""
        only = frozenset(under).difference(other_routes, (article_id,)) if under else None
        if only:
            only = only.intersection(proposed)  # the keyword screen's survivors
        if only:
            self._floor_part[article_id] = only
        else:
            self._floor_part.pop(article_id, None)

    def _floor_only_of(
        self, article_id: str, vector: np.ndarray, words: dict[int, float]
    ) -> frozenset[str]:
        """What only the floor proposes for an indexed article (its proposals worked out
        afresh from ``vector`` and ``words``, as :meth:`neighbours` does)."""
        self._proposals_of(article_id, vector, words)
        return self._floor_part.get(article_id, frozenset())

    def _screened(
        self, proposed: list[str], vector: np.ndarray, words: dict[int, float]
    ) -> list[str]:
        """The indexed articles of ``proposed`` that pass :func:`screened` with an article
        of ``vector`` and keywords ``words``."""
        floor = self.config.min_keyword_cosine
        if not floor or not proposed or not words:
            return proposed
        self._flush()
        close = screen.TRANSLATION_COSINE[self.config.encoder]
        rows, key_of = self._buffer, self._key_of
        words_of = self._keywords.words
        return [
            other
            for other in proposed
            if screened(words, words_of(other), vector, rows[key_of[other]], floor, close)
        ]

    def _affected_by(self, f: DocFeatures, words: dict[int, float]) -> dict[str, list[str]]:
        """Indexed articles whose proposals indexing ``f`` may change, with what they
        propose now (computed first where not known)."""
        out: dict[str, list[str]] = {}
        if not self._ids:
            return out
        # Pruned at the lowest floor, then each article's own (its list stops there).
        near = self._cosines_to(f.vector)
        floors = self._floors_of([other for other, _, _ in near])
        for other, cosine, nearest in near:
            if cosine < floors[other]:
                continue
            if other not in self._vector_cut:
                if not nearest and self._ann is not None:
                    continue  # never asked and far down f's own list: see insert()
                self._proposals_of(other)
            # f is seen before the scan stopped (ties are counted in, to be safe).
            if cosine >= self._vector_cut[other] - COSINE_SLACK:
                out[other] = self._proposals_of(other)
        for other in self._keyword_affected(f.id, words, route_day(f)):
            if other not in out:
                out[other] = self._proposals_of(other)
        return out

    def _cosines_to(self, vector: np.ndarray) -> list[tuple[str, float, bool]]:
        """``(id, cosine to vector, among its widest vector candidates)`` for every
        indexed article (exact search), or for its widest candidates (HNSW)."""
        matrix = self._matrix()
        widest = min(self._widest(), len(matrix))
        if self._ann is None:
            cosines = matrix @ vector
            nearest = np.zeros(len(matrix), dtype=bool)
            nearest[best_first(cosines, widest)] = True
            return [
                (self._ids[k], float(cosines[k]), bool(nearest[k]))
                for k in np.flatnonzero(cosines >= lowest_vector_floor(self.config) - COSINE_SLACK)
            ]
        matches = self._ann.search(vector, widest, threads=1)
        return [
            (self._ids[int(k)], 1.0 - float(d), True)
            for k, d in zip(matches.keys, matches.distances, strict=True)
        ]

    def _keyword_affected(
        self, article_id: str, words: dict[int, float], day: int | None = None
    ) -> list[str]:
        """Indexed articles whose keyword proposals indexing ``article_id`` (with
        ``words``, dated ``day``) may change: those it would rank among their
        ``KEYWORD_NEIGHBOURS``, everyone holding a word it makes too common to count, and
        those dated within ``DATED_DAYS`` of it sharing a counted word (whose same-days
        list it may enter)."""
        affected: dict[str, None] = {}
        shared: dict[str, list[int]] = {}
        most = keyword_routes.MAX_KEYWORD_POSTINGS
        for word in words:
            posting = self._keywords.posting(word, most + 1)
            if len(posting) > most:
                continue
            if len(posting) == most:  # one more and it no longer counts
                affected.update(dict.fromkeys(posting))
                continue
            for other in posting:
                shared.setdefault(other, []).append(word)
        for other, common in shared.items():
            if len(common) < keyword_routes.MIN_SHARED_KEYWORDS or other in affected:
                continue
            if other not in self._keyword_cut:
                self._proposals_of(other)
            cut = self._keyword_cut[other]
            theirs = self._keywords.words(other)
            weight = sum(w for word, w in theirs.items() if word in common)
            if cut is None or weight >= cut[0] - COSINE_SLACK:
                affected[other] = None
        if day is not None and same_days.is_on():
            near = [other for other in shared if other not in affected]
            for other, their_day in self._days_of(near).items():
                if their_day is not None and abs(their_day - day) <= same_days.DATED_DAYS:
                    affected[other] = None
        affected.pop(article_id, None)
        return list(affected)

    def _share_bucket(self, a: str, b: str) -> bool:
        """Whether two indexed articles share a MinHash-LSH bucket (so propose each other)."""
        shares = getattr(self._lsh, "shares_bucket", None)
        if shares is not None:
            return bool(shares(a, b))
        keys = getattr(self._lsh, "keys", None)  # datasketch's MinHashLSH: band hashes by key
        if keys is None or not keys.has_key(a) or not keys.has_key(b):
            return False
        return any(x == y for x, y in zip(keys.get(a), keys.get(b), strict=False))

    def _keyword_neighbours(self, words: dict[int, float], exclude: str) -> list[str]:
        """Indexed articles sharing at least ``MIN_SHARED_KEYWORDS`` of ``words`` (see
        :func:`keyword_neighbours`)."""
        return self._keyword_scan(words, exclude)[0]

    def _keyword_scan(
        self, words: dict[int, float], exclude: str
    ) -> tuple[list[str], tuple[float, str] | None]:
        """Indexed articles sharing at least ``MIN_SHARED_KEYWORDS`` of ``words`` (see
        :func:`keyword_neighbours`), and the ``(weight, id)`` of the last one when the
        list is full (else None): another article ranked below it cannot enter."""
        index = self._keywords
        if isinstance(index, MemoryKeywords):
            ranked = coded_ranking(words, index.coded_posting, index.names, index.code(exclude))
        else:
            most = keyword_routes.MAX_KEYWORD_POSTINGS
            ranked = keyword_ranking(words, lambda word: index.posting(word, most + 1), exclude)
        full = len(ranked) == keyword_routes.KEYWORD_NEIGHBOURS
        return [other for other, _ in ranked], (ranked[-1][1], ranked[-1][0]) if full else None

    def _dated_scan(self, words: dict[int, float], exclude: str, day: int | None) -> list[str]:
        """The same-days route's proposals for an article of keywords ``words`` dated
        ``day`` (none when undated; see :func:`dated_ranking`)."""
        if day is None or not words or not same_days.is_on():
            return []
        index = self._keywords
        most = keyword_routes.MAX_KEYWORD_POSTINGS
        if isinstance(index, MemoryKeywords):
            days = self._code_days()

            def near(word: int) -> np.ndarray:
                listed = index.coded_posting(word)
                if len(listed) > most:
                    return listed  # counts nowhere, as in dated_ranking
                return listed[np.abs(days[listed] - day) <= same_days.DATED_DAYS]

            ranked = coded_ranking(
                words,
                near,
                index.names,
                index.code(exclude),
                same_days.DATED_SHARED_KEYWORDS,
                same_days.DATED_NEIGHBOURS,
            )
        else:
            postings = {word: index.posting(word, most + 1) for word in words}
            known = self._days_of(
                [o for listed in postings.values() if len(listed) <= most for o in listed]
            )
            ranked = dated_ranking(words, postings.__getitem__, known.get, day, exclude)
        return [other for other, _ in ranked]

    def _day_of(self, article_id: str) -> int | None:
        return self._days_of([article_id])[article_id]

    def _days_of(self, ids: Sequence[str]) -> dict[str, int | None]:
        """The day numbers of indexed articles: remembered, or asked of the keyword
        index (``days``, the store's) and remembered; None when undated or unknown."""
        missing = [i for i in dict.fromkeys(ids) if i not in self._days]
        if missing:
            lookup = getattr(self._keywords, "days", None)
            found: Mapping[str, int | None] = lookup(missing) if lookup is not None else {}
            for i in missing:
                self._days[i] = found.get(i)
        return {i: self._days[i] for i in ids}

    def _code_days(self) -> np.ndarray:
        """Day numbers by MemoryKeywords code (``NO_DAY`` when undated), extended as
        articles are indexed."""
        index = self._keywords
        assert isinstance(index, MemoryKeywords)
        if len(self._coded_days) < len(index.names):
            new = self._days_of(index.names[len(self._coded_days) :])
            self._coded_days = np.concatenate(
                [
                    self._coded_days,
                    np.array(
                        [same_days.NO_DAY if d is None else d for d in new.values()], np.int64
                    ),
                ]
            )
        return self._coded_days

    def _widest(self) -> int:
        return (
            (self.config.ann_neighbours + 1)
            * vector_lists.EXPANSION
            * vector_lists.TWIN_SEARCH_FACTOR
        )

    def _vector_neighbours(
        self, vector: np.ndarray, words: dict[int, float], floor: float | None = None
    ) -> list[str]:
        """The first part of :meth:`_vector_scan`: the neighbours."""
        return self._vector_scan(vector, words, floor)[0]

    def _remember_length(self, f: DocFeatures) -> None:
        self._n_words[f.id] = _length(f, self.config)

    def _floors_of(self, ids: Sequence[str]) -> dict[str, float]:
        """The vector floors (:func:`vector_floor`) of indexed articles, by their word
        counts: remembered, or asked of the keyword index (``word_counts``, the store's)
        and remembered; an article of unknown length is taken as long."""
        config = self.config
        short = config.short_text_ann_min_cosine
        if short is None or short == config.ann_min_cosine or config.short_text_words <= 0:
            return dict.fromkeys(ids, config.ann_min_cosine)
        missing = [i for i in dict.fromkeys(ids) if i not in self._n_words]
        if missing:
            lookup = getattr(self._keywords, "word_counts", None)
            found: Mapping[str, int] = lookup(missing) if lookup is not None else {}
            for i in missing:
                if i in found:
                    self._n_words[i] = found[i]
        long = config.short_text_words
        return {i: vector_floor(config, self._n_words.get(i, long)) for i in ids}

    def _vector_scan(
        self, vector: np.ndarray, words: dict[int, float], floor: float | None = None
    ) -> tuple[list[str], float]:
        """The first two parts of :meth:`_vector_scan_split`: the neighbours, the cut."""
        found, cut, _ = self._vector_scan_split(vector, words, floor)
        return found, cut

    def _vector_scan_split(
        self, vector: np.ndarray, words: dict[int, float], floor: float | None = None
    ) -> tuple[list[str], float, int]:
        """The distinct nearest neighbours of an article of ``vector`` and keywords
        ``words`` down to cosine ``floor`` (None: ``ann_min_cosine``), as
        :func:`select_neighbours` picks them from an exact or HNSW search, and the cosine
        below which another article would not have been looked at: the first candidate
        the scan stopped at (or ``floor`` when it ran out of candidates), and how many of
        the neighbours (a prefix: best first) are at ``ann_min_cosine`` or over: the list
        a floor no lower than it would have given (the scan takes the same steps until
        its first candidate under it), the rest the short-text floor's own."""
        matrix = self._matrix()
        if floor is None:
            floor = self.config.ann_min_cosine
        if not len(matrix):
            return [], floor, 0
        budget = self.config.ann_neighbours + 1
        widest = min(self._widest(), len(matrix))
        rule = (budget, floor, vector_lists.SATURATED_COSINE[self.config.encoder])
        ids, words_of = self._ids, self._keywords.words
        test = saturation_test(self.config.encoder, words, lambda key: words_of(ids[key]))
        if self._ann is None:
            cosines = matrix @ vector
            # One candidate past the widest list, to know where a full scan stopped.
            order = best_first(cosines, widest + 1)
            keys = select_neighbours(
                order[:widest], cosines[order[:widest]], matrix, *rule, still_close=test
            )
            scanned = cosines[order]
        else:
            # Search for the plain budget first, and wider only if the list saturates
            # (most do not).
            matches = self._ann.search(
                vector, min(budget * vector_lists.TWIN_SEARCH_FACTOR, widest), threads=1
            )
            scanned = 1.0 - matches.distances
            keys = select_neighbours(
                matches.keys,
                scanned,
                matrix,
                *rule,
                complete=len(matches.keys) >= widest,
                still_close=test,
            )
            if keys is None:
                matches = self._ann.search(vector, widest, threads=1)
                scanned = 1.0 - matches.distances
                keys = select_neighbours(matches.keys, scanned, matrix, *rule, still_close=test)
        assert keys is not None  # complete searches always give a list
        cut = max(floor, float(scanned[len(keys)])) if len(keys) < len(scanned) else floor
        return [self._ids[key] for key in keys], cut, _at_or_over(scanned, len(keys), self.config)


def _at_or_over(scanned: np.ndarray, taken: int, config: Config) -> int:
    """How many of the first ``taken`` cosines of ``scanned`` (best first: the
    candidates :func:`select_neighbours` took, in order) are at ``ann_min_cosine`` or
    over, compared as it compares them (float32)."""
    bar = np.float32(config.ann_min_cosine)
    if not taken or np.float32(scanned[taken - 1]) >= bar:
        return taken
    return int(np.argmax(np.asarray(scanned[:taken], dtype=np.float32) < bar))


def _length(f: DocFeatures, config: Config) -> int:
    """``f``'s word count (``short_text_words``, long, for a stand-in without one)."""
    return int(getattr(f, "n_words", config.short_text_words))


def _ordered(a: str, b: str, key: Mapping[str, int]) -> tuple[str, str]:
    """The pair in index (arrival) order."""
    return (a, b) if key[a] < key[b] else (b, a)


def load_graph(path: str | Path, dim: int) -> tuple[Any, np.ndarray] | None:
    """The HNSW graph saved at ``path`` by :meth:`CandidateIndex.save_ann` and its
    vectors (row ``k`` = key ``k``), or None if it is missing, unreadable, of another
    dimension or not keyed ``0 .. n-1``."""
    from usearch.index import Index

    try:
        graph = Index.restore(str(path))
    except (OSError, RuntimeError, ValueError):
        return None
    if graph is None or graph.ndim != dim:
        return None
    keys = np.asarray(graph.keys).astype(np.int64)  # the graph's own (slot) order
    if not np.array_equal(np.sort(keys), np.arange(len(graph))):
        return None
    vectors = np.zeros((len(graph), dim), dtype=np.float32)
    vectors[keys] = graph.vectors
    return graph, vectors


def candidate_pairs(
    features: Sequence[DocFeatures], config: Config = DEFAULT_CONFIG
) -> list[tuple[int, int]]:
    """All candidate pairs ``(i, j)``, ``i < j``, among ``features`` (indices), sorted."""
    index = candidate_index(features, config)
    return sorted(set(pairs_of_rows(index, features, 0, len(features))))


def candidate_index(
    features: Sequence[DocFeatures], config: Config = DEFAULT_CONFIG
) -> CandidateIndex:
    """The index over ``features`` (in order: article ``i`` is key ``i``), its vector
    matrix (or HNSW graph) built, ready for :func:`pairs_of_rows`."""
    index = CandidateIndex(config, dim=features[0].vector.shape[0] if features else DEFAULT_DIM)
    index.add(features)
    index._matrix()
    index._code_days()  # before any fork: workers share it
    return index


def pairs_of_rows(
    index: CandidateIndex, features: Sequence[DocFeatures], start: int, stop: int
) -> list[tuple[int, int]]:
    """The candidate pairs ``(i, j)``, ``i < j``, that the articles ``start .. stop - 1``
    of ``features`` (indexed in order by :func:`candidate_index`) propose, unsorted and
    possibly repeated: rows can be asked apart (e.g. on workers) and the results joined."""
    key = index._key_of
    out: list[tuple[int, int]] = []
    for i in range(start, stop):
        for other in index.neighbours(features[i]):
            j = key[other]
            out.append((i, j) if i < j else (j, i))
    return out


def flagged_pairs_of_rows(
    index: CandidateIndex, features: Sequence[DocFeatures], start: int, stop: int
) -> list[tuple[int, int, bool]]:
    """:func:`pairs_of_rows` with each proposal's flag: True when the short-text vector
    floor alone made it, from that row's side (:meth:`CandidateIndex.floor_flagged`). A
    pair is the floor's only when every one of its proposals (from either end) is."""
    key = index._key_of
    out: list[tuple[int, int, bool]] = []
    for i in range(start, stop):
        found, floor_part = index.floor_flagged(features[i])
        for other in found:
            j = key[other]
            out.append((i, j, other in floor_part) if i < j else (j, i, other in floor_part))
    return out
