"""The steps of one chunk of :meth:`Store.upgrade <samestory.store.core.Store.upgrade>`.

Every resumable upgrade loop (re-cleaning, re-proposing the re-cleaned neighbourhoods,
pairing the backlog, judging roundups, reconciling) runs on one chunk runner,
``Store._run_chunks`` (:mod:`samestory.store.upgrade_loops`, with the loops), described
by a :class:`Chunks`; what its chunks share while the
candidate index lives is an :class:`IndexMemo`; what the upgrade did is a
:class:`Paired`. The work of a chunk, inside its transaction, is
:class:`UpgradeSteps` (docs/store.md, "Upgrading", "Cleaning again", "Reconciling the
whole store").
"""

from __future__ import annotations

import dataclasses
import itertools
import operator
import sqlite3
from collections.abc import Callable, Mapping, Sequence
from typing import Generic, TypeVar

from samestory import name_roles
from samestory.candidates import CandidateIndex, keywords
from samestory.features import DocFeatures, read_text
from samestory.models import Article
from samestory.pipeline.featurise import featurize_all
from samestory.relate import relate, relate_against, relate_to
from samestory.store import backlog, cleaning, floor_pairs
from samestory.store.adding import text_fingerprint
from samestory.store.codec import encode_features, iso_date
from samestory.store.index import StoredKeywords, StoredLSH
from samestory.store.reading import ARTICLE_COLUMNS, chunks, row_article
from samestory.store.regroup import Regrouping

# What one chunk of an upgrade loop works on (a backlog position, a list of ids).
Todo = TypeVar("Todo")


# Held articles paired per transaction by Store.upgrade: a killed upgrade loses at most
# this much work, and another writer waits at most one chunk for the lock.
UPGRADE_CHUNK = 100


@dataclasses.dataclass(frozen=True)
class Paired:
    """What :meth:`Store.upgrade` did: held articles paired, pairs scored, articles
    whose story changed, stored roundups judged again (whether they were cut), stored
    texts cleaned again, the stored pairs scored again with them and the new pairs
    their new candidates gave, the texts of the backlog whose cleaning had not
    changed (there for their pairs' scoring), which kept their stored features, and
    the stored pairs forgotten because no end proposes the other since the re-cleaning;
    and of a reconcile (``reconcile=True``): the representatives whose candidates it
    proposed again, the stored pairs it forgot (no end proposes the other) and the
    proposed pairs it scored (never scored before)."""

    articles: int = 0
    pairs: int = 0
    moved: int = 0
    roundups: int = 0
    recleaned: int = 0
    rescored: int = 0
    proposed: int = 0
    kept_features: int = 0
    forgotten: int = 0
    reconciled: int = 0
    stray: int = 0
    missing: int = 0
    flagged: int = 0

    def plus(self, other: Paired) -> Paired:
        return Paired(
            *(getattr(self, f.name) + getattr(other, f.name) for f in dataclasses.fields(self))
        )


@dataclasses.dataclass(frozen=True)
class Chunks(Generic[Todo]):
    """One resumable loop of :meth:`Store.upgrade`, run by :meth:`Store._run_chunks`: what
    progress calls it (``stage``, empty: no progress) and what an error says is kept
    (``kept``); ``next(conn)``: the next chunk's work, read in its transaction (None:
    nothing left); ``work(steps, memo, todo)`` does it and saves its position in the same
    transaction; ``count(done)``, ``total``: its progress; ``idle``: it proposes no
    candidates (an empty index, not the store's); ``changes_vectors``: the index is
    dropped after each chunk (it holds the old vectors)."""

    stage: str
    kept: str
    next: Callable[[sqlite3.Connection], Todo | None]
    work: Callable[[UpgradeSteps, IndexMemo, Todo], Paired]
    count: Callable[[Paired], int] = operator.attrgetter("articles")
    total: int = 0
    idle: bool = False
    changes_vectors: bool = False


class IndexMemo:
    """What an upgrade loop's chunks work out from one candidate index and share while it
    lives (no chunk changes a vector; reading them again each chunk is O(store)): every
    indexed article's position (its arrival order), the pairing backlog's held ones and
    the candidate lists worked out. Dropped when the index is rebuilt (another process
    wrote, or a chunk failed)."""

    def __init__(self) -> None:
        self.index: CandidateIndex | None = None
        self.held: dict[str, int] | None = None
        self.lists: dict[str, set[str]] = {}
        self._positions: dict[str, int] | None = None

    def of(self, index: CandidateIndex) -> IndexMemo:
        """This memo for ``index``: emptied first if it was worked out from another."""
        if index is not self.index:
            self.index, self.held, self.lists, self._positions = index, None, {}, None
        return self

    def positions(self) -> dict[str, int]:
        if self._positions is None:
            assert self.index is not None
            self._positions = {article: k for k, article in enumerate(self.index.ids)}
        return self._positions


class UpgradeSteps(Regrouping):
    """The work of one upgrade chunk: pairing the backlog (``pair_backlog``), cleaning
    again (``reclean``), re-proposing re-cleaned neighbourhoods (``propose_again``),
    reconciling (``reconcile``), judging roundups (``judge_roundups``)."""

    def held_positions(self, todo: backlog.Backlog) -> dict[str, int]:
        """The backlog's held representatives and their positions in the candidate index:
        the first ones indexed (the index is in rowid order)."""
        return {
            article_id: k
            for k, article_id in enumerate(self.index.ids[: backlog.held_count(self.conn, todo)])
        }

    def pair_backlog(self, todo: backlog.Backlog, size: int, held: Mapping[str, int]) -> Paired:
        """Pair the next ``size`` held articles of the backlog (:meth:`Store.upgrade`;
        ``held``: :meth:`held_positions`), re-thread what moved, log the moves in
        ``changes`` and save the position."""
        rows = backlog.held_chunk(self.conn, todo, size)
        pairs = 0
        paired: list[str] = []
        for _, article_id in rows:
            scored = self._pair_held(article_id, held)
            if scored:
                pairs += scored
                paired.append(article_id)
        floor_pairs.refresh(self.conn, self.index, [a for _, a in rows])
        last = len(rows) < size or rows[-1][0] >= todo.through
        if last and (todo.scored or pairs):  # no new pair: nothing new to merge
            self._regroup_all()
        self._update_threads([*paired, *self.moved_from])
        moved = sum(self._story_of_article(m) != s for m, s in self.moved_from.items())
        self._final_report([], [], {})  # logs the moves in `changes`, as an add's
        backlog.advance(self.conn, todo, todo.through if last else rows[-1][0], pairs > 0)
        return Paired(articles=len(rows), pairs=pairs, moved=moved)

    def reclean(self, ids: Sequence[str]) -> Paired:
        """Clean the stored articles ``ids`` again (:meth:`Store._reclean`): featurise
        each whose cleaning changed from its stored text, rewrite its features,
        fingerprint, MinHash-LSH and keyword rows, score every pair stored with one of
        ``ids`` again with the same ``relate`` (oriented as stored), re-cluster the
        stories those pairs touch, as an add would, and re-thread. A copy stays the copy
        of what it copied. The changed ones' candidates are proposed again afterwards
        (:meth:`propose_again`), once the candidate index holds every new vector; the
        others leave the backlog here, features and candidates as they were."""
        rows = {
            row[0]: row
            for chunk in chunks(ids)
            for row in self.conn.execute(
                f"SELECT {ARTICLE_COLUMNS}, copy_of, fingerprint "
                f"FROM articles WHERE id IN ({','.join('?' * len(chunk))})",
                chunk,
            )
        }
        articles = [row_article(rows[i]) for i in ids]
        uncopied = self._uncopy_wordless(articles, rows)
        # A text the current cleaning gives its stored fingerprint and sentences is here
        # for its pairs' scoring only (a pair-scoring switch: store.scoring): its features
        # cannot have changed, and encoding it again is most of an upgrade's cost (300
        # headlines, docs/history/benchmarks.md 2026-12-06 store). The run-on rule moves
        # sentence cuts and keeps the words: its texts differ in their sentences only.
        same_words = [a for a in articles if text_fingerprint(a) == rows[a.id][9]]
        stored = {f.id: f for f in self._neighbour_features([a.id for a in same_words])}
        # Stored roles are name_roles' reading when stored: one the current reading
        # changes (switches.LOCATIVE_TO_NARROW) is featurised again too.
        same = {
            a.id
            for a in same_words
            if stored[a.id].sentences == self._sentences(a) and _roles_current(stored[a.id])
        }
        changed = [a for a in articles if a.id not in same or a.id in uncopied]
        kept = [i for i in ids if i in same]
        encoder = self.store._encoder_or_default() if changed else None  # loading it costs
        fresh = featurize_all(changed, self.config, encoder) if encoder is not None else []
        lsh, words = StoredLSH(self.conn, self.config), StoredKeywords(self.conn)
        for f in fresh:
            self._rewrite_features(
                f, rows[f.id][8] is not None and f.id not in uncopied, lsh, words
            )
        features = {f.id: f for f in fresh}
        features.update((i, stored[i]) for i in kept)
        pairs = self._stored_pairs(ids)
        partners = sorted({x for pair in pairs for x in pair} - set(features))
        features.update((f.id, f) for f in self._neighbour_features(partners))
        relations = [relate(features[a], features[b], self.config) for a, b in pairs]
        for table in ("relations", "weak_scores", "thread_scores"):
            self.conn.executemany(f"DELETE FROM {table} WHERE a=? AND b=?", pairs)
        self._write_relations(relations, features)
        touched = {self._story_of_article(i) for i in [*ids, *partners]}
        self.pairs_changed_in.update(touched)
        for story in sorted(touched):
            if self._story_exists(story):
                self._refresh_story(story)  # a title read from a first line may change
        self._regroup(touched, ids[0])
        self._update_threads([*ids, *self.moved_from])
        moved = sum(self._story_of_article(m) != s for m, s in self.moved_from.items())
        self._final_report([], [], {})
        cleaning.cleaned(self.conn, [a.id for a in changed])
        cleaning.proposed(self.conn, kept)  # the same candidates: nothing to propose
        return Paired(
            moved=moved, recleaned=len(changed), rescored=len(pairs), kept_features=len(kept)
        )

    def _uncopy_wordless(self, articles: Sequence[Article], rows: Mapping[str, tuple]) -> set[str]:
        """Take the stored copies of ``articles`` that were copies only by the empty
        text's fingerprint (``cleaning.is_wordless_copy``) out of their copy groups: each
        its own representative, featurised and proposed again as a new store's."""
        uncopied = {
            a.id
            for a in articles
            if rows[a.id][8] is not None
            and cleaning.is_wordless_copy(rows[a.id][9], text_fingerprint(a))
        }
        self.conn.executemany(
            "UPDATE articles SET copy_of = NULL WHERE id=?", [(i,) for i in sorted(uncopied)]
        )
        return uncopied

    def _sentences(self, article: Article) -> list[str]:
        """The sentences this samestory's cleaning and split give ``article``, as its
        features would hold them."""
        return read_text(article, self.config)[1]

    def propose_again(self, ids: Sequence[str], held: Mapping[str, int], last: bool) -> Paired:
        """Make the candidate pairs around the articles ``ids`` cleaned again those a
        new store holding the same texts has (``held``: every indexed article's
        position, the index holding the new vectors): forget the stored pairs their
        neighbourhood no longer proposes, score the pairs it proposes that were never
        scored (oriented by arrival), re-cluster what that touches (every story when
        ``last``), re-thread, and take ``ids`` off the backlog. Copies propose nothing;
        their copy relations stay."""
        around = self._neighbourhood([i for i in ids if i in held])
        # Their candidate lists now, their features read in one query, not one each.
        now = {f.id: set(self.index.neighbours(f)) for f in self._neighbour_features(list(around))}

        def proposes(a: str, b: str) -> bool:
            for x, y in ((a, b), (b, a)):
                if x not in now:
                    now[x] = set(self.index.neighbours(self._neighbour_features([x])[0]))
                if y in now[x]:
                    return True
            return False

        stored = self._stored_pairs(list(around))
        stale = [(a, b) for a, b in stored if a in held and b in held and not proposes(a, b)]
        fresh = self._replace_pairs(stored, stale, {x: now[x] for x in around}, held)
        floor_pairs.refresh(self.conn, self.index, list(around))
        touched = {self._story_of_article(i) for pair in [*stale, *fresh] for i in pair}
        self.pairs_changed_in.update(touched)
        if touched:
            self._regroup(touched, ids[0])
        if last:
            self._regroup_all()
        self._update_threads([*ids, *self.moved_from])
        moved = sum(self._story_of_article(m) != s for m, s in self.moved_from.items())
        self._final_report([], [], {})
        cleaning.proposed(self.conn, ids)
        return Paired(moved=moved, proposed=len(fresh), forgotten=len(stale))

    def reconcile(
        self,
        todo: backlog.Backlog,
        size: int,
        held: Mapping[str, int],
        lists: dict[str, set[str]],
    ) -> Paired:
        """Reconcile the next ``size`` representatives of ``todo`` (:meth:`Store._reconcile`;
        ``held``: every indexed article's position, ``lists``: the candidate lists worked
        out so far, filled here): each one's list proposed again; a stored pair whose
        later end is one of them is forgotten unless one end proposes the other (the
        earlier end's list was worked out in its own chunk), a pair one of them proposes
        and never scored is scored, oriented by arrival; what that touches re-clustered,
        every story at the end if any chunk changed a pair, re-threaded; the position
        saved."""
        rows = backlog.held_chunk(self.conn, todo, size)
        ids = [article for _, article in rows if article in held]
        mine = set(ids)

        def list_of(article: str) -> set[str]:
            if article not in lists:
                lists[article] = set(self.index.neighbours(self._neighbour_features([article])[0]))
            return lists[article]

        for f in self._neighbour_features([i for i in ids if i not in lists]):  # one query
            lists[f.id] = set(self.index.neighbours(f))
        stored = self._stored_pairs(ids)
        judged = [
            (a, b)
            for a, b in stored
            if a in held and b in held and (a if held[a] > held[b] else b) in mine
        ]
        stray = [(a, b) for a, b in judged if b not in list_of(a) and a not in list_of(b)]
        missing = self._replace_pairs(stored, stray, {x: lists[x] for x in ids}, held)
        floor_pairs.refresh(self.conn, self.index, ids)
        # A pair scored 0 with no kind and no thread probability is not stored (as an add
        # leaves it): it changes nothing, and is scored again by the next reconcile.
        kept = {frozenset(pair) for pair in self._stored_pairs(ids)}
        missing = [pair for pair in missing if frozenset(pair) in kept]
        ends = [i for pair in [*stray, *missing] for i in pair]
        touched = {self._story_of_article(i) for i in ends}
        self.pairs_changed_in.update(touched)
        if touched:
            self._regroup(touched, ends[0])
        last = len(rows) < size or rows[-1][0] >= todo.through
        changed = bool(stray or missing)
        if last and (todo.scored or changed):  # no pair changed: nothing to regroup
            self._regroup_all()
        self._update_threads([*ends, *self.moved_from])
        moved = sum(self._story_of_article(m) != s for m, s in self.moved_from.items())
        self._final_report([], [], {})
        after = todo.through if last else rows[-1][0]
        backlog.advance(self.conn, todo, after, changed, backlog.RECONCILE_KEY)
        return Paired(moved=moved, reconciled=len(rows), stray=len(stray), missing=len(missing))

    def _replace_pairs(
        self,
        stored: Sequence[tuple[str, str]],
        stale: Sequence[tuple[str, str]],
        proposing: Mapping[str, set[str]],
        held: Mapping[str, int],
    ) -> list[tuple[str, str]]:
        """Forget the ``stale`` stored pairs (score, relation, thread score) and score the
        pairs the ``proposing`` articles' lists hold that ``stored`` lacks, oriented by
        arrival (``held``: index positions); returns those scored, (earlier, later)."""
        for table in ("relations", "weak_scores", "thread_scores"):
            self.conn.executemany(f"DELETE FROM {table} WHERE a=? AND b=?", stale)
        scored = {frozenset(pair) for pair in stored}
        proposed = {_in_order(x, y, held) for x, ys in proposing.items() for y in ys if y in held}
        fresh = sorted(
            (pair for pair in proposed if frozenset(pair) not in scored),
            key=lambda pair: (held[pair[1]], held[pair[0]]),
        )
        self._score_in_order(fresh)
        return fresh

    def _neighbourhood(self, changed: Sequence[str]) -> dict[str, None]:
        """The indexed articles whose candidate lists a change of ``changed``'s features
        can change: those articles, every indexed article a pair is stored with (an old
        neighbour, or one that proposed it), and those that propose it now."""
        around = dict.fromkeys(changed)
        for pair in self._stored_pairs(changed):
            around.update((i, None) for i in pair if i in self.index)
        for f in self._neighbour_features(changed):
            around.update(dict.fromkeys(self.index.proposers(f)))
        return around

    def _score_in_order(self, pairs: Sequence[tuple[str, str]]) -> None:
        """Score ``pairs`` (earlier, later), grouped by the later one, as its add scores
        its earlier candidates (``relate_to``)."""
        for later, run in itertools.groupby(pairs, key=operator.itemgetter(1)):
            earlier = [a for a, _ in run]
            features = {g.id: g for g in self._neighbour_features([*earlier, later])}
            relations = relate_to(
                [features[a] for a in earlier], features[later], self.config, lean=True
            )
            self._write_relations(relations, features)

    def _rewrite_features(
        self, f: DocFeatures, is_copy: bool, lsh: StoredLSH, words: StoredKeywords
    ) -> None:
        """Replace an article's stored features and index rows with ``f``'s."""
        self.conn.execute("UPDATE articles SET fingerprint=? WHERE id=?", (f.fingerprint, f.id))
        self.conn.execute(
            "UPDATE features SET doc_json=?, sentence_vectors=?, vector=?, minhash=?, date=?, "
            "n_words=? WHERE id=?",
            (*encode_features(f), iso_date(f.date), f.n_words, f.id),
        )
        self.conn.execute("DELETE FROM lsh WHERE id=?", (f.id,))
        if f.n_shingles:
            lsh.insert(f.id, f.minhash)
        self.conn.execute("DELETE FROM keywords WHERE id=?", (f.id,))
        if not is_copy:
            words.insert(f.id, keywords(f))
        self._remember(f)

    def judge_roundups(self, articles: Sequence[str]) -> Paired:
        """Re-cluster the story of each roundup of ``articles`` (those whose ``cut`` is
        not known) with the stories it covers, unless an earlier one's re-clustering
        judged it already; re-thread what changed and log the moves in ``changes``. A
        roundup whose stories are over the re-clustering bound keeps its flag, not cut
        (threaded as before)."""
        for article in articles:
            if self.conn.execute(
                "SELECT 1 FROM roundups WHERE article=? AND cut IS NULL", (article,)
            ).fetchone():
                self._regroup({self._story_of_article(article)}, article)
        self.conn.execute("UPDATE roundups SET cut = 0 WHERE cut IS NULL")
        self._update_threads([*articles, *self.moved_from])
        moved = sum(self._story_of_article(m) != s for m, s in self.moved_from.items())
        self._final_report([], [], {})
        return Paired(moved=moved, roundups=len(articles))

    def _pair_held(self, article_id: str, held: Mapping[str, int]) -> int:
        """Score the held article's candidate pairs with other held articles that were
        never scored (an add scores pairs with the article it adds and reverse
        neighbours only), each oriented by arrival as an add orients it; re-cluster the
        stories they touch as the add of the later one would. Returns how many."""
        f = self._neighbour_features([article_id])[0]
        partners = [
            other
            for other in self.index.neighbours(f)
            if other in held and not self._scored(article_id, other)
        ]
        if not partners:
            return 0
        features = {g.id: g for g in self._neighbour_features(partners)}
        earlier = [features[o] for o in partners if held[o] < held[article_id]]
        later = [features[o] for o in partners if held[o] > held[article_id]]
        relations = [
            *(relate_to(earlier, f, self.config, lean=True) if earlier else []),
            *(relate_against(f, later, self.config, lean=True) if later else []),
        ]
        self._write_relations(relations, {article_id: f, **features})
        touched = {self._story_of_article(i) for i in [article_id, *partners]}
        self.pairs_changed_in.update(touched)
        if any(r.score > 0 for r in relations):  # a zero score links nothing
            self._regroup(touched, article_id)
        return len(relations)


def _in_order(a: str, b: str, position: Mapping[str, int]) -> tuple[str, str]:
    """The pair (earlier, later) by ``position`` (index order: arrival)."""
    return (a, b) if position[a] < position[b] else (b, a)


def _roles_current(f: DocFeatures) -> bool:
    """Whether ``f``'s stored roles are what :func:`samestory.name_roles.name_roles` reads
    from its sentences now (features stored without roles read them at pair time)."""
    return f.roles is None or f.roles == name_roles.name_roles(tuple(f.sentences))
