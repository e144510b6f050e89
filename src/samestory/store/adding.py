"""The steps of :meth:`Store.add <samestory.store.core.Store.add>` inside its transaction.

Split the input into texts to store, unchanged ids and revisions; fill an empty store
given many articles with the batch pipeline (:meth:`Adding._bulk_load`); else featurise
a chunk at a time and assign each article (:meth:`Adding._assign`): a copy joins its
original's story, any other article is inserted into the candidate index, scored
against its candidates and the articles that now propose it, joins the best story,
and the stories the changed pairs touch are re-clustered.
"""

from __future__ import annotations

import dataclasses
import itertools
import operator
from collections.abc import Sequence

from samestory import normalize, switches
from samestory.candidates import Proposals
from samestory.embed import SentenceEncoder
from samestory.features import DocFeatures
from samestory.models import Article, Relation
from samestory.pipeline.assemble import story_id, story_title
from samestory.pipeline.batch import analyze, usable_articles
from samestory.pipeline.copies import has_words
from samestory.pipeline.featurise import featurize_all
from samestory.relate import (
    is_short_text,
    relate,
    relate_against,
    relate_to,
    single_threaded_blas,
)
from samestory.relate.scoring import uncut_score
from samestory.store import floor_pairs
from samestory.store.regroup import Regrouping
from samestory.store.roundups import write_roundups
from samestory.store.threads import set_threads
from samestory.store.transaction import AddReport
from samestory.stories import best_story
from samestory.threads import thread_id

# Articles featurised at once by an add, and features kept in memory while it runs.
ADD_CHUNK = 1024


# An empty store given at least Config.bulk_load_min new articles is filled by the batch
# pipeline (``batch.analyze``: the stories ``samestory cluster`` gives, an order of
# magnitude faster than adding them one at a time), at most BULK_MAX of them, since it
# holds all their features at once (chosen for memory: tens of KB of features an article).
BULK_MAX = 200_000


def text_fingerprint(article: Article) -> str:
    """The fingerprint :func:`featurize` gives ``article``, without featurising it."""
    return normalize.fingerprint(normalize.clean_text(article.text))


def revision_id(article_id: str, revision: int) -> str:
    """The stored id of revision ``revision`` (2, 3, ...) of ``article_id``."""
    return f"{article_id}~rev{revision}"


def _uncut_of(relations: Sequence[Relation], f: DocFeatures) -> dict[str, float] | None:
    """Rule AS's scores of a new short article (``switches.PUBLISHED_YEAR_CUT``): each
    partner's score without the published-date cut (``relate.scoring.uncut_score``), for
    :func:`samestory.stories.best_story`; None with the rule off or a longer text, which
    the rule leaves where its best story takes it (as the batch's attach step does)."""
    if not (switches.PUBLISHED_YEAR_CUT and is_short_text(f)):
        return None
    return {r.a: uncut_score(r) for r in relations}


class Adding(Regrouping):
    """The steps of one :meth:`Store.add <samestory.store.core.Store.add>`: ``run`` is
    the whole add."""

    def run(self, articles: Sequence[Article]) -> AddReport:
        usable, self.skipped = usable_articles(articles)  # as the batch skips them
        # An article is indexed (its LSH and keyword rows) before its row is written,
        # since where it goes depends on what the index proposes: the references are
        # checked at commit (this pragma ends with the transaction).
        self.conn.execute("PRAGMA defer_foreign_keys = ON")
        fresh, unchanged, revised = self._split_new(usable)
        encoder = self.store._encoder_or_default()
        added = [a.id for a in fresh]
        self.adding = set(added)
        if not len(self.index) and len(fresh) >= self.config.bulk_load_min:
            bulk, fresh = fresh[:BULK_MAX], fresh[BULK_MAX:]
            self._bulk_load(bulk, encoder)
        # Featurise a chunk at a time: a large batch never holds all its features at once.
        for start in range(0, len(fresh), ADD_CHUNK):
            chunk = fresh[start : start + ADD_CHUNK]
            features = featurize_all(chunk, self.config, encoder)
            self._report("embedding", start + len(chunk), len(fresh))
            with single_threaded_blas():
                for n, (article, f) in enumerate(zip(chunk, features, strict=True), start + 1):
                    self._assign(article, f)
                    self._report("assigning", n, len(fresh))
        self._update_threads([a.id for a in fresh])
        return self._final_report(added, unchanged, revised)

    def _split_new(
        self, articles: Sequence[Article]
    ) -> tuple[list[Article], list[str], dict[str, str]]:
        """Articles to store, ids with nothing to store, and revisions made.

        An id already holding this text (any of its revisions, stored or earlier in the
        batch) is unchanged; a new text under a known id is stored as the next revision
        (:func:`revision_id`); a new id is stored whatever its text (a copy is a version).
        """
        texts: dict[str, list[str]] = {}  # id -> fingerprints of its revisions, in order
        fresh: list[Article] = []
        unchanged: list[str] = []
        revised: dict[str, str] = {}
        taken: set[str] = set()
        for article in articles:
            fp = text_fingerprint(article)
            known = texts.get(article.id)
            if known is None:
                known = texts[article.id] = self._stored_texts(article.id)
            if fp in known:
                unchanged.append(article.id)
                continue
            known.append(fp)
            if len(known) == 1:
                fresh.append(article)
                taken.add(article.id)
                continue
            stored_id = self._free_revision_id(article.id, len(known), taken)
            taken.add(stored_id)
            revised[stored_id] = article.id
            fresh.append(dataclasses.replace(article, id=stored_id))
        return fresh, unchanged, revised

    def _stored_texts(self, article_id: str) -> list[str]:
        """Fingerprints of the stored revisions of ``article_id``, oldest first."""
        first = self.conn.execute("SELECT fingerprint FROM articles WHERE id=?", (article_id,))
        row = first.fetchone()
        if row is None:
            return []
        later = self.conn.execute(
            "SELECT a.fingerprint FROM revisions r JOIN articles a ON a.id = r.stored_id "
            "WHERE r.id=? ORDER BY r.revision",
            (article_id,),
        )
        return [row[0], *(r[0] for r in later)]

    def _free_revision_id(self, article_id: str, revision: int, taken: set[str]) -> str:
        """:func:`revision_id`, with ``~`` added while an unrelated article has that id."""
        candidate = revision_id(article_id, revision)
        while (
            candidate in taken
            or self.conn.execute("SELECT 1 FROM articles WHERE id=?", (candidate,)).fetchone()
        ):
            candidate = revision_id(article_id + "~", revision)
            article_id += "~"
        return candidate

    def _bulk_load(self, articles: Sequence[Article], encoder: SentenceEncoder) -> None:
        """Fill an empty store with the batch pipeline: the stories ``cluster`` gives.

        Written as the incremental path writes (articles, features, relations that have
        a kind, weak scores), so later adds carry on from it as from any store.
        """
        analysis = analyze(articles, self.config, encoder, self.progress, floor_flags=True)
        features = {f.id: f for f in analysis.features}
        story_of: dict[str, str] = {}
        for story in analysis.stories:
            self.conn.execute(
                "INSERT INTO stories VALUES (?, ?, ?, ?, ?, ?)",
                (story.id, story.title, story.first, len(story.articles), self.now, self.now),
            )
            self.created.append(story.id)
            story_of.update(dict.fromkeys(story.articles, story.id))
        for article in articles:
            copied = analysis.copy_of.get(article.id)
            self._insert_article(article, features[article.id], story_of[article.id], copied)
            if copied is not None:
                self.copy_of[article.id] = copied
        for r in analysis.relations:
            if r.same_story and story_of[r.a] == story_of[r.b]:
                for end in (r.a, r.b):
                    if end not in self.closest or r.score > self.closest[end].score:
                        self.closest[end] = r
        self._write_relations(analysis.relations, features)
        floor_pairs.write_pairs(self.conn, analysis.floor_only)
        set_threads(self.conn, {s.id: s.thread or thread_id(s.id) for s in analysis.stories})
        member = {s.id: s.articles[0] for s in analysis.stories}
        write_roundups(
            self.conn,
            [],
            [
                (
                    r.article,
                    r.attached,
                    r.cut,
                    [(member[p.story], p.share, p.sentences, p.names) for p in r.parts],
                )
                for s in analysis.stories
                for r in s.roundups
            ],
        )
        # Representatives are indexed (their proposals are worked out when first
        # needed), copies only kept for copy detection, as the incremental path does.
        for f in analysis.features:
            if f.id in analysis.copy_of:
                self.index.add_copy(f)
            else:
                self.index.add([f])
            self.store._sketches.add(f.id, f.minhash.hashvalues, f.n_shingles)

    def _assign(self, article: Article, f: DocFeatures) -> None:
        """Score ``f`` against its candidates, write it, re-cluster what it touched."""
        # A copy of a stored article joins its story, scored against that one copy: as
        # in a batch run, where copies are collapsed onto one representative. Reposts
        # are most of a feed, and scoring each against every stored copy of its text
        # made adding to a large store slow. _regroup collapses copies again.
        # The copy test is the batch pipeline's (samestory.overlap) on the batch's copy
        # candidates: the same normalised text (the earliest stored one), else the
        # MinHash-LSH candidate with the most shingle overlap that passes the
        # near-duplicate test; its verdict alone makes a copy, as in the batch's copy
        # collapse, whatever kind the scored relation gets.
        copied = self._exact_copy(f) or self.store._sketches.closest_copy(
            f, self.index.copy_candidates(f), self.config
        )
        if copied is not None:
            original = self._neighbour_features([copied])[0]
            relation = relate(original, f, self.config)
            story = self._story_of_article(original.id)
            self._write(article, f, story, [relation], [original], copy_of=original.id)
            self.index.add_copy(f)
            self.store._sketches.add(f.id, f.minhash.hashvalues, f.n_shingles)
            self.copy_of[f.id] = original.id
            if relation.same_story:
                self.closest[f.id] = relation
            return
        # The pairs a batch run over the stored representatives would score: f's own
        # candidates, and the stored articles that now have f among theirs (which can
        # push another candidate out of their list, or let one in).
        proposals = self.index.insert(f)
        floor_pairs.write(self.conn, proposals)  # rule L's flags, kept whatever the switch
        self.store._sketches.add(f.id, f.minhash.hashvalues, f.n_shingles)
        # f's own candidates, then the articles that now propose f.
        partners = dict.fromkeys(proposals.neighbours)
        partners.update((a, None) for a, b in proposals.gained if b == f.id)  # f is last
        partners.pop(f.id, None)
        neighbours = self._neighbour_features(list(partners))
        # relate(other, f) for each, with f's sentence cosines summarised at once.
        relations = relate_to(neighbours, f, self.config, lean=True)  # as the batch
        scores = {r.a: r.score for r in relations}
        story_of, sizes = self._stories_of(scores)
        best = best_story(
            scores,
            story_of,
            sizes,
            self.config.same_story_threshold,
            self.config.attach_threshold,
            _uncut_of(relations, f),
            floor_pairs.lone_partners(proposals, f, scores, self.config),
        )
        # Its closest version: its strongest same-story relation to a version of the story
        # it joins (a follow_up, or a pair to another story's version, is none).
        inside = [r for r in relations if r.same_story and story_of[r.a] == best]
        if inside:
            self.closest[f.id] = max(inside, key=lambda r: r.score)
        story = best if best is not None else story_id(article.id)
        if best is None:
            if self.conn.execute("SELECT 1 FROM stories WHERE id=?", (story,)).fetchone():
                story = self._fresh_story_id(article.id)
            self.conn.execute(
                "INSERT INTO stories VALUES (?, ?, ?, 0, ?, ?)",
                (story, story_title(f), article.id, self.now, self.now),
            )
            self.created.append(story)
        self._write(article, f, story, relations, neighbours)
        others = self._update_pairs(proposals, f.id)
        self.pairs_changed_in.update(others)
        self._regroup({story, *story_of.values(), *others}, f.id)

    def _update_pairs(self, proposals: Proposals, added: str) -> set[str]:
        """Score the pairs between stored articles the add made candidates, forget the
        scores of pairs no longer proposed from either end (a batch run would not have
        scored them); returns the stories of their articles."""
        gained = [(a, b) for a, b in proposals.gained if added not in (a, b)]
        fresh = [(a, b) for a, b in gained if not self._scored(a, b)]
        if fresh:
            ids = list(dict.fromkeys(i for pair in fresh for i in pair))
            features = {f.id: f for f in self._neighbour_features(ids)}
            relations = [
                relation
                for a, run in itertools.groupby(fresh, key=operator.itemgetter(0))
                for relation in relate_against(
                    features[a], [features[b] for _, b in run], self.config, lean=True
                )
            ]
            self._write_relations(relations, features)
        for a, b in proposals.lost:
            for table in ("relations", "weak_scores", "thread_scores"):
                self.conn.execute(
                    f"DELETE FROM {table} WHERE (a=? AND b=?) OR (a=? AND b=?)", (a, b, b, a)
                )
        ends = {i for pair in [*gained, *proposals.lost] for i in pair}
        return {self._story_of_article(i) for i in sorted(ends)}

    def _exact_copy(self, f: DocFeatures) -> str | None:
        """The earliest stored article with ``f``'s normalised text, if it has words.

        A text that cleaning leaves without words is no one's copy: all such texts share
        the empty text's fingerprint, which says nothing (``pipeline.copies.has_words``;
        the batch and Spark keep them apart too, store = batch).
        """
        if not has_words(f):
            return None
        row = self.conn.execute(
            "SELECT id FROM articles WHERE fingerprint=? AND id != ? ORDER BY rowid LIMIT 1",
            (f.fingerprint, f.id),
        ).fetchone()
        return None if row is None else row[0]

    def _write(
        self,
        article: Article,
        f: DocFeatures,
        story: str,
        relations: Sequence[Relation],
        scored: Sequence[DocFeatures],
        copy_of: str | None = None,
    ) -> None:
        """Store the article in ``story`` with its relations (to ``scored``)."""
        self._insert_article(article, f, story, copy_of)
        self._write_relations(relations, {f.id: f, **{o.id: o for o in scored}})
        self._remember(f)
        self._refresh_story(story, f)
