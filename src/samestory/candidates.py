"""Candidate generation: which pairs are worth scoring.

Scoring every pair costs ``O(n²)``; three indexes each propose a few neighbours per
article instead, so the cost grows about linearly with the corpus:

- **exact hash** of the normalised text: copies, in ``O(1)`` per article;
- **MinHash-LSH** (datasketch) on 5-word shingles: near-duplicates. With ``b`` bands of
  ``r`` rows, a pair with Jaccard ``J`` becomes a candidate with probability
  ``1 - (1 - J^r)^b``, an S-curve centred near ``lsh_threshold``;
- **approximate nearest neighbours** (usearch HNSW, cosine) on the multilingual document
  vectors: rewrites, translations and other reports of the event, which share few words.
  Small collections are searched exactly (a matrix product), large ones with HNSW.
- **keywords**: an inverted index of each article's ``KEYWORDS`` most specific words
  (highest weights of its specificity-weighted term vector, :mod:`samestory.lexical`).
  Articles sharing at least ``MIN_SHARED_KEYWORDS`` of them, ranked by the summed weight
  of the shared ones, are proposed, ``KEYWORD_NEIGHBOURS`` at most. In a collection of
  one kind of news (local reports of shootings) every document vector is close to every
  other, and the reports of one incident (the victim's name, the street) are not among
  each other's nearest: on GVA dev, 361 of 1,353 same-incident pairs were not
  candidates (median rank 372 by cosine); the keyword index proposes 250 of them for 22%
  more pairs.
- **same days**: articles published at most ``DATED_DAYS`` apart (publication dates, not
  dates read from the text: :func:`day_number`) that share *one* counted keyword, ranked
  as the keyword index ranks, ``DATED_NEIGHBOURS`` at most. A short text (a feed's lead,
  30-60 words) of one incident shares too few words with another report
  of it for the two routes above: on GVA dev leads, 286 of the 290 same-incident pairs the
  full texts propose and the leads do not are proposed by no route, and 292 of the
  leads' 371 unproposed ones share fewer than two counted keywords; what they keep is the
  town and the day. One shared keyword on the same days is same-incident for 10-30% of
  the pairs it adds, where a larger keyword budget adds 0.4% (docs/history/accuracy.md, cands).

The vector and keyword neighbours are then **screened** (:func:`screened`): a pair whose
keywords have a cosine below ``Config.min_keyword_cosine`` (the dot product of the two
articles' keyword weights: their term vectors' cosine over these words only) is not
proposed, unless its document vectors are as close as translations' are
(``TRANSLATION_COSINE``: translations share few words of one script). In a collection of
one kind of news every document vector is close to every other, so the vector index
proposes many same-topic pairs of different events; those sharing no specific word score
near 0 and cost full scoring all the same (~250 µs a pair). The screen is a test of the
pair (symmetric), so a pair is proposed when either end proposes it and it passes.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import math
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol, TypeVar

import numpy as np

from samestory.config import DEFAULT_CONFIG, Config
from samestory.features import DocFeatures

#: A posting-list key: an article id, or anything ordered like one.
K = TypeVar("K")


class MinHashLike(Protocol):
    """What MinHash-LSH reads of a MinHash (samestory.minhash's Signature, datasketch's
    MinHash and LeanMinHash)."""

    @property
    def hashvalues(self) -> np.ndarray: ...


class LSHLike(Protocol):
    """What the index asks of MinHash-LSH: datasketch's ``MinHashLSH`` (in memory, the
    default) or another index of the same bands, such as the store's SQLite table."""

    def insert(self, key: str, minhash: MinHashLike) -> None: ...

    def query(self, minhash: MinHashLike) -> Iterable[str]: ...


class KeywordsLike(Protocol):
    """The keyword index's postings: in memory (:class:`MemoryKeywords`, the default) or
    a table of the store (``samestory.store.index.StoredKeywords``)."""

    def insert(self, article_id: str, words: dict[int, float]) -> None: ...

    def posting(self, word: int, limit: int) -> list[str]:
        """Ids of the articles holding ``word`` among their keywords, ``limit`` at most."""
        ...

    def words(self, article_id: str) -> dict[int, float]:
        """An indexed article's keywords (word hash -> weight), best first."""
        ...


class MemoryKeywords:
    """Keyword postings in dicts, and the same postings as arrays of article codes (each
    article's number in insertion order) for :func:`coded_ranking`."""

    def __init__(self) -> None:
        self._by_word: dict[int, list[str]] = {}
        self._words: dict[str, dict[int, float]] = {}
        self._code_of: dict[str, int] = {}
        self.names: list[str] = []  # code -> article id
        # word -> its posting as codes, made from _by_word when first asked after a change.
        self._coded: dict[int, np.ndarray] = {}

    def insert(self, article_id: str, words: dict[int, float]) -> None:
        self._words[article_id] = dict(words)
        if article_id not in self._code_of:
            self._code_of[article_id] = len(self.names)
            self.names.append(article_id)
        for word in words:
            self._by_word.setdefault(word, []).append(article_id)
            self._coded.pop(word, None)

    def posting(self, word: int, limit: int) -> list[str]:
        return self._by_word.get(word, [])[:limit]

    def coded_posting(self, word: int) -> np.ndarray:
        """The whole posting of ``word``, as article codes, in posting order."""
        coded = self._coded.get(word)
        if coded is None:
            code_of = self._code_of
            listed = self._by_word.get(word, [])
            coded = np.fromiter((code_of[i] for i in listed), dtype=np.int64, count=len(listed))
            self._coded[word] = coded
        return coded

    def code(self, article_id: str) -> int:
        """The article's code, -1 if it was never inserted."""
        return self._code_of.get(article_id, -1)

    def words(self, article_id: str) -> dict[int, float]:
        return self._words.get(article_id, {})


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
    """

    neighbours: list[str]
    gained: list[tuple[str, str]]
    lost: list[tuple[str, str]]


# The document vectors' size when no article says otherwise (by definition: USE's 512).
DEFAULT_DIM = 512
# Below this many articles an exact (brute-force) vector search is cheap and deterministic.
EXACT_SEARCH_LIMIT = 5_000
# Document vectors this close are near-twins: versions of one text (see select_neighbours).
NEAR_TWIN_COSINE = 0.95
# How many times the neighbour budget is searched, so near-twins can be skipped over.
TWIN_SEARCH_FACTOR = 4
# A neighbour list whose last distinct neighbour is still this close (document cosine) is
# saturated: the article's story probably has more versions than the budget holds, so the
# budget doubles, up to EXPANSION times (see select_neighbours). Per encoder: on ECB+ dev
# candidate pairs, USE cosines >= 0.7 are the same story 59% of the time; the static
# encoder's cosines run higher (48% at 0.7, 62% at 0.75, 73% at 0.8), and 0.75 cost it
# 0.006 ECB+ ARI at the normal budget where 0.8 cost nothing. With a budget of 5 (stories
# 4x the budget) widening lifts ECB+ from 0.713 to 0.858 (USE) and 0.751 to 0.845 (static).
SATURATED_COSINE = {"use": 0.70, "static": 0.80}
EXPANSION = 4
# Per encoder, the list is saturated by the *words* its last distinct neighbour shares
# instead (None: by the document cosine above): the :func:`keyword_cosine` of the
# querying article and that neighbour at least this. Static's document cosines run high
# on any two reports of one kind of news: on GVA dev candidate pairs a static cosine
# >= 0.8 is the same incident 6.5% of the time (MEANTIME 55%), so the 0.8 rule widened
# lists of same-topic reports there while the lists of large stories, whose versions
# sit at 0.7-0.8, stayed at the plain budget (10k synthetic: 886 of the 1,167 same-story
# pairs never proposed lay beyond a list the rule did not widen). A keyword cosine
# >= 0.2 is the same story on 92% (ECB+), 61% (MEANTIME) and 59% (GVA) of static's
# candidate pairs: the rate USE's 0.70 has on ECB+ (59%), chosen on that, not on ARI.
SATURATED_KEYWORD_COSINE: dict[str, float | None] = {"use": None, "static": 0.20}
# Keyword index (see the module docstring): words per article, least shared words to be
# proposed, proposals per article, and the posting-list length above which a word is too
# common in the collection to propose anything (it still counts nowhere: bounded cost).
KEYWORDS = 20
MIN_SHARED_KEYWORDS = 2
KEYWORD_NEIGHBOURS = 10
MAX_KEYWORD_POSTINGS = 200
# Same-days route (see the module docstring): dates at most this many days apart, this
# many shared counted keywords at least, this many proposals per article at most (half
# the keyword route's budget). One day, not three: on GVA dev leads three days proposed
# 1.6x the pairs for no better stories.
DATED_DAYS = 1
DATED_SHARED_KEYWORDS = 1
DATED_NEIGHBOURS = 5
# The day number of an undated article in the coded index: no date is within DATED_DAYS
# of it (an undated article itself asks nothing of the route).
NO_DAY = -(1 << 40)
# Whether the indexes propose same-days pairs: off only inside without_same_days (the
# thread fit weighs the pairs only this route proposes apart: fit_thread_model.py
# --same-days-weight).
_same_days = True
# coded_ranking counts over every article's code (two bincounts of len(names)) while
# there are at most this many articles per posting entry: cheaper than sorting the
# entries (~15 µs for a few hundred) up to about this ratio.
DENSE_CODES_PER_ENTRY = 16
# Document cosine from which a pair is not screened (see screened()): translations share
# few specific words. Per encoder: on the real corpus, static's same-story pairs across
# languages (MEANTIME) sit at 0.857 and above (5th percentile).
TRANSLATION_COSINE = {"use": 0.85, "static": 0.85}
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
        self._vector_cut: dict[str, float] = {}
        self._keyword_cut: dict[str, tuple[float, str] | None] = {}
        # Day numbers (date ordinals) of the articles the same-days route has met, None
        # for undated ones; the rest are asked of the keyword index (the store's).
        self._days: dict[str, int | None] = {}
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
    ) -> None:
        """Index articles already in the LSH (a persisted one), in one go: their ids,
        fingerprints and vectors (one row each), and optionally the HNSW graph saved
        with the first ``len(graph)`` of these vectors (see :func:`load_graph`); the rest
        are added to it."""
        if len(ids) != len(fingerprints) or len(ids) != len(vectors):
            raise ValueError("ids, fingerprints and vectors must have one entry per article")
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
        found = dict.fromkeys(self._by_fingerprint.get(f.fingerprint, []))
        if f.n_shingles:
            found.update(dict.fromkeys(i for i in self.copy_candidates(f) if i in self._key_of))
        words = keywords(f)
        if f.id in self._key_of:
            found.update(dict.fromkeys(self._proposals_of(f.id, f.vector, words)))
        else:
            proposed = dict.fromkeys(self._vector_neighbours(f.vector, words))
            proposed.update(dict.fromkeys(self._keyword_neighbours(words, f.id)))
            proposed.update(dict.fromkeys(self._dated_scan(words, f.id, route_day(f))))
            found.update(dict.fromkeys(self._screened(list(proposed), f.vector, words)))
        found.pop(f.id, None)
        return list(found)

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
        before = self._affected_by(f, words)
        self.add_entry(f.id, f.fingerprint, f.vector, f.minhash if f.n_shingles else None)
        self.add_keywords(f.id, words)
        mine = self.neighbours(f)
        key = self._key_of
        gained: set[tuple[str, str]] = {_ordered(y, f.id, key) for y in mine}
        dropped: set[tuple[str, str]] = set()
        for x, old in before.items():
            new = self._proposals_of(x, fresh=True)
            gained.update(_ordered(x, y, key) for y in new if y not in old)
            dropped.update(_ordered(x, y, key) for y in old if y not in new)
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
        )

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
        by_vector, cut = self._vector_scan(vector, words)
        by_keyword, keyword_cut = self._keyword_scan(words, article_id)
        found = dict.fromkeys(by_vector)
        found.update(dict.fromkeys(by_keyword))
        found.update(dict.fromkeys(self._dated_scan(words, article_id, self._day_of(article_id))))
        found.pop(article_id, None)
        self._proposed[article_id] = self._screened(list(found), vector, words)
        self._vector_cut[article_id] = cut
        self._keyword_cut[article_id] = keyword_cut
        return self._proposed[article_id]

    def _screened(
        self, proposed: list[str], vector: np.ndarray, words: dict[int, float]
    ) -> list[str]:
        """The indexed articles of ``proposed`` that pass :func:`screened` with an article
        of ``vector`` and keywords ``words``."""
        floor = self.config.min_keyword_cosine
        if not floor or not proposed or not words:
            return proposed
        self._flush()
        close, rows, key_of = TRANSLATION_COSINE[self.config.encoder], self._buffer, self._key_of
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
        floor = self.config.ann_min_cosine
        for other, cosine, nearest in self._cosines_to(f.vector):
            if cosine < floor:
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
                for k in np.flatnonzero(cosines >= self.config.ann_min_cosine - COSINE_SLACK)
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
        for word in words:
            posting = self._keywords.posting(word, MAX_KEYWORD_POSTINGS + 1)
            if len(posting) > MAX_KEYWORD_POSTINGS:
                continue
            if len(posting) == MAX_KEYWORD_POSTINGS:  # one more and it no longer counts
                affected.update(dict.fromkeys(posting))
                continue
            for other in posting:
                shared.setdefault(other, []).append(word)
        for other, common in shared.items():
            if len(common) < MIN_SHARED_KEYWORDS or other in affected:
                continue
            if other not in self._keyword_cut:
                self._proposals_of(other)
            cut = self._keyword_cut[other]
            theirs = self._keywords.words(other)
            weight = sum(w for word, w in theirs.items() if word in common)
            if cut is None or weight >= cut[0] - COSINE_SLACK:
                affected[other] = None
        if day is not None and _same_days:
            near = [other for other in shared if other not in affected]
            for other, their_day in self._days_of(near).items():
                if their_day is not None and abs(their_day - day) <= DATED_DAYS:
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
            ranked = keyword_ranking(
                words, lambda word: index.posting(word, MAX_KEYWORD_POSTINGS + 1), exclude
            )
        full = len(ranked) == KEYWORD_NEIGHBOURS
        return [other for other, _ in ranked], (ranked[-1][1], ranked[-1][0]) if full else None

    def _dated_scan(self, words: dict[int, float], exclude: str, day: int | None) -> list[str]:
        """The same-days route's proposals for an article of keywords ``words`` dated
        ``day`` (none when undated; see :func:`dated_ranking`)."""
        if day is None or not words or not _same_days:
            return []
        index = self._keywords
        if isinstance(index, MemoryKeywords):
            days = self._code_days()

            def near(word: int) -> np.ndarray:
                listed = index.coded_posting(word)
                if len(listed) > MAX_KEYWORD_POSTINGS:
                    return listed  # counts nowhere, as in dated_ranking
                return listed[np.abs(days[listed] - day) <= DATED_DAYS]

            ranked = coded_ranking(
                words,
                near,
                index.names,
                index.code(exclude),
                DATED_SHARED_KEYWORDS,
                DATED_NEIGHBOURS,
            )
        else:
            postings = {word: index.posting(word, MAX_KEYWORD_POSTINGS + 1) for word in words}
            known = self._days_of(
                [
                    o
                    for listed in postings.values()
                    if len(listed) <= MAX_KEYWORD_POSTINGS
                    for o in listed
                ]
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
                    np.array([NO_DAY if d is None else d for d in new.values()], np.int64),
                ]
            )
        return self._coded_days

    def _widest(self) -> int:
        return (self.config.ann_neighbours + 1) * EXPANSION * TWIN_SEARCH_FACTOR

    def _vector_neighbours(self, vector: np.ndarray, words: dict[int, float]) -> list[str]:
        """The distinct nearest neighbours of an article of ``vector`` and keywords
        ``words``, as :func:`select_neighbours` picks them from an exact or HNSW search."""
        return self._vector_scan(vector, words)[0]

    def _vector_scan(self, vector: np.ndarray, words: dict[int, float]) -> tuple[list[str], float]:
        """:meth:`_vector_neighbours`, and the cosine below which another article would
        not have been looked at: the first candidate the scan stopped at (or
        ``ann_min_cosine`` when it ran out of candidates)."""
        matrix = self._matrix()
        floor = self.config.ann_min_cosine
        if not len(matrix):
            return [], floor
        budget = self.config.ann_neighbours + 1
        widest = min(self._widest(), len(matrix))
        rule = (budget, floor, SATURATED_COSINE[self.config.encoder])
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
            matches = self._ann.search(vector, min(budget * TWIN_SEARCH_FACTOR, widest), threads=1)
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
        return [self._ids[key] for key in keys], cut


def best_first(cosines: np.ndarray, most: int) -> np.ndarray:
    """``np.argsort(-cosines, kind="stable")[:most]`` (ties in index order), in
    ``O(n + most log most)``: partition out the ``most`` largest first."""
    if most >= len(cosines):
        return np.argsort(-cosines, kind="stable")
    negated = -cosines
    # The most-th smallest value: np.partition finds it at a third of argpartition's cost
    # (2,288 cosines), and the value, unlike the index, is the same whichever way.
    bar = np.partition(negated, most - 1)[most - 1]
    above = np.flatnonzero(negated < bar)
    tied = np.flatnonzero(negated == bar)[: most - len(above)]
    chosen = np.concatenate([above, tied])
    return chosen[np.lexsort((chosen, negated[chosen]))]


def _ordered(a: str, b: str, key: Mapping[str, int]) -> tuple[str, str]:
    """The pair in index (arrival) order."""
    return (a, b) if key[a] < key[b] else (b, a)


def keywords(f: DocFeatures, most: int = KEYWORDS) -> dict[int, float]:
    """The article's ``most`` most specific words: word hash -> weight in its term vector
    (none for features without one, such as the vector-only stand-ins of some callers)."""
    terms = getattr(f, "terms", None)
    if terms is None:
        return {}
    hashes, weights = terms
    order = np.argsort(-weights, kind="stable")[:most]
    return dict(zip(hashes[order].tolist(), weights[order].tolist(), strict=True))


def keyword_cosine(a: Mapping[int, float], b: Mapping[int, float]) -> float:
    """The dot product of two articles' keyword weights (:func:`keywords`): their term
    vectors' cosine over their most specific words only. ``math.fsum`` is exactly
    rounded, so the value is the same whichever article comes first."""
    return math.fsum([a[word] * b[word] for word in a.keys() & b.keys()])


def screened(
    words_a: Mapping[int, float],
    words_b: Mapping[int, float],
    vector_a: np.ndarray,
    vector_b: np.ndarray,
    floor: float,
    close: float,
) -> bool:
    """Whether a proposed pair is worth scoring: its :func:`keyword_cosine` is at least
    ``floor``, or its document cosine at least ``close`` (translations share few words).
    Symmetric in the two articles. An article without keywords (no term vector: a
    vector-only stand-in) passes."""
    if not words_a or not words_b or keyword_cosine(words_a, words_b) >= floor:
        return True
    return float(np.dot(vector_a, vector_b)) >= close


@contextlib.contextmanager
def without_same_days() -> Iterator[None]:
    """Indexes searched inside propose no same-days pairs (the vector and keyword routes
    only): how ``scripts/fit_thread_model.py`` tells the pairs only the same-days route
    proposes. One process's switch, not thread-safe: for scripts, not for serving."""
    global _same_days
    _same_days = False
    try:
        yield
    finally:
        _same_days = True


def day_number(date: dt.date | None, from_text: bool = False) -> int | None:
    """A date as the same-days route compares them (its ordinal); None when undated or
    when the date was read from the text (``DocFeatures.date_from_text``): such a date
    may be an earlier event's the article mentions (relate trusts it less too), and two
    reports of different events read the same day from their texts as easily (on the 10k
    synthetic corpus, whose dates are all read from the texts, a pair of two ECB+ events
    on one written day merged two stories)."""
    return None if date is None or from_text else date.toordinal()


def route_day(f: Any) -> int | None:
    """:func:`day_number` of an article's features (stand-ins without dates: None)."""
    return day_number(getattr(f, "date", None), bool(getattr(f, "date_from_text", False)))


def dated_ranking(
    words: dict[int, float],
    posting: Callable[[int], Sequence[K]],
    day_of: Callable[[K], int | None],
    day: int,
    exclude: K,
) -> list[tuple[K, float]]:
    """The same-days route: :func:`keyword_ranking` of an article of keywords ``words``
    dated ``day`` (a :func:`day_number`) over its postings cut to the articles dated
    within ``DATED_DAYS`` of it (``day_of(key)``), ``DATED_SHARED_KEYWORDS`` shared words
    at least, ``DATED_NEIGHBOURS`` articles at most. A posting too long to count (over
    ``MAX_KEYWORD_POSTINGS``, before the cut) counts nowhere, as in the keyword route."""

    def near(word: int) -> Sequence[K]:
        listed = posting(word)
        if len(listed) > MAX_KEYWORD_POSTINGS:
            return listed
        return [
            other
            for other in listed
            if (theirs := day_of(other)) is not None and abs(theirs - day) <= DATED_DAYS
        ]

    return keyword_ranking(words, near, exclude, DATED_SHARED_KEYWORDS, DATED_NEIGHBOURS)


def keyword_neighbours(
    words: dict[int, float], posting: Callable[[int], Sequence[K]], exclude: K
) -> list[K]:
    """The articles sharing at least ``MIN_SHARED_KEYWORDS`` of ``words`` (the querying
    article's :func:`keywords`, best first), ranked by the summed weight ``w`` of the
    shared words (summed in the order of ``words``; ties by key), ``KEYWORD_NEIGHBOURS``
    at most. ``posting(word)`` lists the indexed articles with that keyword; a word whose
    posting holds more than ``MAX_KEYWORD_POSTINGS`` is too common to count. One
    definition for every driver: the local index passes its posting lists, Spark the
    posting lists joined onto the querying article (keys: article ids, or ``(id, idx)``).
    """
    return [other for other, _ in keyword_ranking(words, posting, exclude)]


def keyword_ranking(
    words: dict[int, float],
    posting: Callable[[int], Sequence[K]],
    exclude: K,
    least: int = MIN_SHARED_KEYWORDS,
    most: int = KEYWORD_NEIGHBOURS,
) -> list[tuple[K, float]]:
    """:func:`keyword_neighbours` with the summed weight of each (``least`` shared words
    and ``most`` articles: the keyword route's by default, the same-days route's for
    :func:`dated_ranking`)."""
    weight: dict[K, float] = {}
    shared: dict[K, int] = {}
    for word, w in words.items():
        listed = posting(word)
        if len(listed) > MAX_KEYWORD_POSTINGS:
            continue
        for other in listed:
            if other != exclude:
                weight[other] = weight.get(other, 0.0) + w
                shared[other] = shared.get(other, 0) + 1
    ranked = sorted(
        (other for other, n in shared.items() if n >= least),
        key=lambda other: (-weight[other], other),
    )
    return [(other, weight[other]) for other in ranked[:most]]


def coded_ranking(
    words: dict[int, float],
    posting: Callable[[int], np.ndarray],
    names: Sequence[str],
    exclude: int,
    least: int = MIN_SHARED_KEYWORDS,
    most: int = KEYWORD_NEIGHBOURS,
) -> list[tuple[str, float]]:
    """:func:`keyword_ranking` over postings of integer codes (``names[code]`` is the
    article's id, ``exclude`` a code or -1), in NumPy: the same list, the same floats.

    The postings are joined in the order of ``words`` and each article's weight summed by
    ``np.bincount``, which adds its inputs one by one in array order starting from 0.0:
    the additions :func:`keyword_ranking` makes, in its order, so the sums are identical
    bit for bit. Ties of weight are put in id order in Python (a few at most).
    """
    lists: list[np.ndarray] = []
    weights: list[float] = []
    for word, w in words.items():
        listed = posting(word)
        if len(listed) <= MAX_KEYWORD_POSTINGS:
            lists.append(listed)
            weights.append(w)
    if not lists:
        return []
    codes = np.concatenate(lists)
    each = np.repeat(np.array(weights, dtype=np.float64), [len(listed) for listed in lists])
    if exclude >= 0:
        keep = codes != exclude
        codes, each = codes[keep], each[keep]
    if len(names) <= DENSE_CODES_PER_ENTRY * len(codes):
        # Few articles: count over all their codes (no sort), ``found`` every code.
        found, inverse = np.arange(len(names)), codes
    else:
        found, inverse = _grouped(codes)
    weight = np.bincount(inverse, weights=each, minlength=len(found))
    chosen = np.flatnonzero(np.bincount(inverse, minlength=len(found)) >= least)
    if not len(chosen):
        return []
    chosen = chosen[np.argsort(-weight[chosen], kind="stable")]
    if len(chosen) > most:
        # Every article tied with the last one kept, so the ids can settle the ties.
        last = weight[chosen[most - 1]]
        chosen = chosen[: most + int(np.sum(weight[chosen[most:]] == last))]
    ranked = sorted(
        zip(weight[chosen].tolist(), [names[c] for c in found[chosen].tolist()], strict=True),
        key=lambda pair: (-pair[0], pair[1]),
    )
    return [(other, w) for w, other in ranked[:most]]


def _grouped(codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``np.unique(codes, return_inverse=True)`` by one stable sort (NumPy 2's unique
    with the inverse costs ~5x as much on a few hundred codes)."""
    order = np.argsort(codes, kind="stable")
    ordered = codes[order]
    starts = np.empty(len(ordered), dtype=bool)
    starts[:1] = True
    np.not_equal(ordered[1:], ordered[:-1], out=starts[1:])
    inverse = np.empty(len(ordered), dtype=np.int64)
    inverse[order] = np.cumsum(starts) - 1
    return ordered[starts], inverse


def saturation_test(
    encoder: str, words: Mapping[int, float], words_of: Callable[[int], Mapping[int, float]]
) -> Callable[[int, float], bool] | None:
    """The saturation test of :func:`select_neighbours` for an article of keywords
    ``words`` under ``encoder``: whether its list's last distinct neighbour (a key, with
    its document cosine) is still close enough to widen the list. By the keywords
    (``SATURATED_KEYWORD_COSINE``; ``words_of(key)`` gives a candidate's) where the
    encoder says so and the article has keywords, else None (the document cosine's rule,
    ``SATURATED_COSINE``)."""
    floor = SATURATED_KEYWORD_COSINE.get(encoder)
    if floor is None or not words:
        return None
    bar: float = floor

    def still_close(key: int, cosine: float) -> bool:
        return keyword_cosine(words, words_of(key)) >= bar

    return still_close


def select_neighbours(
    keys: Sequence[int] | np.ndarray,
    cosines: Sequence[float],
    vectors: Any,
    budget: int,
    min_cosine: float,
    saturated: float,
    complete: bool = True,
    still_close: Callable[[int, float], bool] | None = None,
) -> list[int] | None:
    """The neighbours worth scoring, from candidates sorted best first.

    Distinct neighbours are taken until ``budget`` of them; a neighbour whose vector is
    within ``NEAR_TWIN_COSINE`` of one already taken is a near-twin (a lightly different
    version of the same text that copy detection did not merge): it is returned too, but
    does not use up the budget. Otherwise, in a feed with many versions of each article,
    the nearest neighbours would all be versions of one text and the other reports of
    the story never be scored. When the budget is used up and the last distinct
    neighbour is still at ``saturated`` or closer (``SATURATED_COSINE`` of the encoder),
    the budget doubles, up to ``EXPANSION`` times: a story with more versions than the
    budget otherwise gets too few of its pairs scored, and average linkage, which counts
    unscored pairs as 0, splits it. With ``still_close`` (see :func:`saturation_test`)
    the list is saturated when ``still_close(key, cosine)`` of its last distinct
    neighbour holds instead. Candidates under ``min_cosine`` end the list.
    ``vectors[key]`` is a candidate's vector. Returns None when ``complete`` is False and
    the candidates ran out while the list was still growing (the caller searches wider
    and asks again).
    """
    limit, ceiling = budget, budget * EXPANSION
    taken: np.ndarray | None = None  # rows 0 .. distinct-1: the distinct neighbours' vectors
    distinct = 0
    out: list[int] = []
    last, last_key = 1.0, -1
    floor = np.float32(min_cosine)
    for seen, (key, cosine) in enumerate(zip(keys, cosines, strict=True)):
        # Each budget looks at TWIN_SEARCH_FACTOR times as many candidates.
        if seen >= limit * TWIN_SEARCH_FACTOR or np.float32(cosine) < floor:
            return out
        if distinct >= limit:
            if limit >= ceiling:
                return out
            if not (still_close(last_key, last) if still_close else last >= saturated):
                return out
            limit = min(ceiling, 2 * limit)
        key = int(key)
        vector = vectors[key]
        if taken is None:
            taken = np.empty((ceiling, len(vector)), dtype=np.float32)
        # The method, not np.max: the same reduction without NumPy's dispatch layers
        # (a few microseconds a candidate, 8% of candidate search on the real corpus).
        if not distinct or float((taken[:distinct] @ vector).max()) < NEAR_TWIN_COSINE:
            taken[distinct] = vector
            distinct += 1
            last, last_key = float(cosine), key
        out.append(key)
    return out if complete or len(keys) >= limit * TWIN_SEARCH_FACTOR else None


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


def memory_lsh(config: Config) -> LSHLike:
    """The in-memory MinHash-LSH for the config (:class:`MemoryLSH`)."""
    return MemoryLSH(*lsh_bands(config.lsh_threshold, config.num_perm))


class MemoryLSH:
    """MinHash-LSH buckets in one dict a band: the buckets of datasketch's in-memory
    ``MinHashLSH`` of the same bands (:func:`lsh_bands`), without datasketch.

    A signature's band ``k`` is its values ``[k r, (k + 1) r)``; two signatures share a
    bucket when one band's values are equal (its bytes, sliced once from the signature;
    datasketch byte-swaps and copies each band for every insert and query, and
    importing it imports SciPy's integrators, 0.6-2 s). :meth:`query` gives every
    inserted key sharing a bucket with the signature, as ``MinHashLSH.query`` does.
    """

    def __init__(self, bands: int, rows: int) -> None:
        self.bands, self.rows = bands, rows
        self._tables: list[dict[bytes, list[str]]] = [{} for _ in range(bands)]
        self._keys: dict[str, list[bytes]] = {}

    def _band_keys(self, minhash: MinHashLike) -> list[bytes]:
        values = np.asarray(minhash.hashvalues)
        if len(values) < self.bands * self.rows:
            raise ValueError(
                f"a signature of {len(values)} values, the index reads {self.bands * self.rows}"
            )
        return band_bytes(values, self.bands, self.rows)

    def insert(self, key: str, minhash: MinHashLike) -> None:
        if key in self._keys:
            raise ValueError(f"the key {key!r} is in the index already")
        band_keys = self._band_keys(minhash)
        self._keys[key] = band_keys
        for table, band_key in zip(self._tables, band_keys, strict=True):
            table.setdefault(band_key, []).append(key)

    def query(self, minhash: MinHashLike) -> set[str]:
        found: set[str] = set()
        for table, band_key in zip(self._tables, self._band_keys(minhash), strict=True):
            members = table.get(band_key)
            if members:
                found.update(members)
        return found

    def shares_bucket(self, a: str, b: str) -> bool:
        """Whether two inserted keys share a bucket (False if either is not inserted)."""
        keys_a, keys_b = self._keys.get(a), self._keys.get(b)
        if keys_a is None or keys_b is None:
            return False
        return any(x == y for x, y in zip(keys_a, keys_b, strict=True))


def band_bytes(hashvalues: np.ndarray, bands: int, rows: int) -> list[bytes]:
    """Each band's bucket key: the bytes of its ``rows`` values, band ``k`` holding values
    ``[k r, (k + 1) r)``. The signature is turned into bytes once and sliced (a band's
    bytes are the same as its values' own ``tobytes``)."""
    values = np.ascontiguousarray(hashvalues)
    data, width = values.tobytes(), rows * values.itemsize
    return [data[k * width : (k + 1) * width] for k in range(bands)]


# (threshold, num_perm) settings whose bands are kept (chosen: a process uses a few configs).
BANDS_CACHE = 64


@lru_cache(maxsize=BANDS_CACHE)
def lsh_bands(threshold: float, num_perm: int) -> tuple[int, int]:
    """Bands ``b`` and rows ``r`` (``b·r <= num_perm``) of MinHash-LSH for ``threshold``.

    A pair of Jaccard ``s`` shares a bucket with probability ``P(s) = 1 - (1 - s^r)^b``.
    The false-positive and false-negative areas are

        FP(b, r) = ∫_0^t P(s) ds,        FN(b, r) = ∫_t^1 (1 - P(s)) ds,

    and ``(b, r)`` minimises ``FP/2 + FN/2`` over every ``b·r <= num_perm`` (first
    minimum in ``b``-then-``r`` order): the rule datasketch's ``MinHashLSH`` applies with
    its default weights, so these are the bands the local index uses (a test checks it).
    ``P`` is a polynomial of degree ``r·b <= num_perm``, so Gauss–Legendre quadrature with
    ``num_perm // 2 + 1`` nodes integrates it exactly (degree ``<= 2n - 1``).
    """
    nodes, weights = np.polynomial.legendre.leggauss(num_perm // 2 + 1)

    def integral(b: int, r: int, low: float, high: float, miss: bool) -> float:
        s = (high - low) / 2 * nodes + (high + low) / 2
        caught = 1.0 - (1.0 - s**r) ** b
        values = 1.0 - caught if miss else caught
        return float((high - low) / 2 * (weights @ values))

    best, chosen = float("inf"), (0, 0)
    for b in range(1, num_perm + 1):
        for r in range(1, num_perm // b + 1):
            error = 0.5 * integral(b, r, 0.0, threshold, False) + 0.5 * integral(
                b, r, threshold, 1.0, True
            )
            if error < best:
                best, chosen = error, (b, r)
    return chosen
