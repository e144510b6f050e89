"""Re-clustering stored stories: the local repair after an add, and every story at once.

One-step assignment depends on arrival order; :meth:`Regrouping._regroup` re-clusters
the stories an add (or an upgrade chunk) touched with the batch's grouping (average
link over copy groups, with the roundups the batch flags,
:func:`samestory.pipeline.group.group_with_roundups`), from their stored scores, in
named steps: the members in view (with the stories a stored roundup covers), the bound
(``Config.regroup_limit``), the edges, the name views in their context, the grouping,
the story ids the new groups keep, the stories emptied, the roundups found.
"""

from __future__ import annotations

import dataclasses
import sqlite3
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from samestory import exclusive, switches
from samestory.features import DocFeatures
from samestory.models import RelationKind
from samestory.pipeline.group import FoundRoundup, StayInput, group_with_roundups
from samestory.relate import SHORT_TEXT_WORDS, relate_runs
from samestory.relate.date_gate import PUBLISHED_DATE_GAP_FACTOR
from samestory.relate.scoring import PUBLISHED_SHORT_CUT_DAYS, story_model_for, uncut_score
from samestory.store.floor_pairs import lone_input
from samestory.store.reading import chunks, marks, parse_date, relation_of, relations_from
from samestory.store.roundups import StoredRoundup, covered_stories, cut_roundups, write_roundups
from samestory.store.transaction import TransactionWork
from samestory.stories import LONE_ATTACH_MIN

# SQLite host parameters per query (under its default limit of 999).
SQL_CHUNK = 500


# The largest neighbourhood re-clustered after an add is Config.regroup_limit copy
# groups, and this many times as many articles in all: reposts make most of a large
# story (docs/experiments.md, 2026-11-25: bounding copy groups, not articles).
REGROUP_MEMBERS_PER_GROUP = 20


class Regrouping(TransactionWork):
    """Re-clustering, for an add and an upgrade chunk alike (``_regroup`` in named
    steps, ``_regroup_all``)."""

    _uncut_memo: dict[tuple[str, str], float] | None = None

    def _regroup(self, touched: set[str], article_id: str, bounded: bool = True) -> str:
        """Re-cluster the stories a new article touched, so arrival order matters less.

        One-step assignment is order dependent: an article can join a story before the
        article it really belongs with arrives. Average link over the members of just the
        touched stories (their stored relations) repairs that locally, with no full
        recompute. Each new group keeps the id of the old story holding most of its
        members; a group split off gets a new id. Returns the new article's story.
        ``bounded``: stories over ``Config.regroup_limit`` are left as they are (an add's
        re-clustering); unbounded for :meth:`_regroup_all`.
        """
        rows = self._rows_in_view(touched)
        if bounded and self._over_bound(rows):
            return self._story_of_article(article_id)
        members, groups, found, reach = self._grouping(rows)
        # A lone short text's attach targets can lie outside the stories in view (the
        # batch sees every story): re-clustered once more with them in view, within the
        # bound (docs/history/benchmarks.md, 2026-12-07, aslead800).
        wider = self._attach_stories(reach.articles) - touched
        if wider and not self._may_attach(wider, reach):
            # No lone short item's linkage to those stories can reach the attach bar:
            # grouped with them it stays where the first grouping put it (on GVA lead
            # 400, 293 of 398 re-clusterings grouped again, none to another end;
            # docs/history/benchmarks.md, 2026-12-07, storecost).
            wider = set()
        if wider:
            more = self._rows_in_view(touched | wider)
            if not (bounded and self._over_bound(more)):
                rows = more
                members, groups, found, _ = self._grouping(rows, reach=False)
        old = {row[1]: row[3] for row in rows}
        used, changed = self._keep_story_ids([[members[k] for k in g] for g in groups], old)
        self._settle_stories(used, changed, old)
        self._record_roundups(found, members, groups)
        return self._story_of_article(article_id)

    def _grouping(
        self, rows: Sequence[tuple[Any, ...]], reach: bool = True
    ) -> tuple[list[str], list[list[int]], list[FoundRoundup], Reach]:
        """The batch's grouping of the articles of ``rows`` from their stored pairs: the
        members, their groups (positions), the roundups found, and the articles outside
        ``rows`` a lone short member could join in the batch's attach step
        (:meth:`_outside_targets`; with ``reach``, else none: the second grouping's
        would go unread)."""
        members = [row[1] for row in rows]
        position = {m: k for k, m in enumerate(members)}
        edges, copy_of = self._edges(rows, position)
        views, outside = self._views_in_context(members, position)
        short = self._shortness(members)
        stay = self._stay_input(members, edges, short) if switches.PUBLISHED_YEAR_CUT else None
        # Rule L, only when on: the stored floor-only pairs (store.floor_pairs).
        lone = None
        if switches.LONE_FLOOR_BAR:
            lone = lone_input(self.conn, members, short, self.config)
        groups, found = group_with_roundups(
            views, edges, copy_of, self.config, stay=stay, lone=lone
        )
        if not reach:
            return members, groups, found, Reach(set(), [], [])
        targets = self._outside_targets(members, groups, edges, copy_of, short, views, outside)
        return members, groups, found, targets

    def _outside_targets(
        self,
        members: Sequence[str],
        groups: Sequence[Sequence[int]],
        edges: Sequence[tuple[int, int, float]],
        copy_of: Sequence[int | None],
        short: Sequence[bool],
        views: exclusive.InContext,
        outside: Sequence[str],
    ) -> Reach:
        """The articles outside the view whose stories can move a short member in the
        batch's attach step (``stories.attach_splinters``), which sees every story: the
        outside partners at the attach bar (the views' context, cut scores) of a short
        member left alone (one copy group: it may attach there), and with rule AS the
        outside partners, scored at the bar without the published-date cut
        (:meth:`_far_outside`), of a short member the attach step joined to its group
        (:func:`_attached`: the stay may keep it alone instead). With them, the copy
        groups (members' ids) of those short members, for :meth:`_may_attach`."""
        n = len(members)
        roots = [k if (c := copy_of[k]) is None else c for k in range(n)]
        lone = {k for ks in groups if len({roots[k] for k in ks}) == 1 for k in ks}
        bar = self._attach_bar()
        reach: set[str] = set()
        alone: set[int] = set()
        for i, k, score in views.context:
            if score >= bar and short[i] and i in lone:
                reach.add(outside[k - n])
                alone.add(roots[i])
        joined: set[int] = set()
        if switches.PUBLISHED_YEAR_CUT:
            attached = [
                k
                for k in _attached(groups, edges, roots, self.config.same_story_threshold)
                if short[k]
            ]
            far = self._far_outside([members[k] for k in attached], set(members))
            reach |= {other for _, other in far}
            near = {short for short, _ in far}
            joined = {roots[k] for k in attached if members[k] in near}
        items: dict[int, list[str]] = {}
        for k in range(n):
            items.setdefault(roots[k], []).append(members[k])
        return Reach(reach, [items[r] for r in sorted(alone)], [items[r] for r in sorted(joined)])

    def _may_attach(self, stories: set[str], reach: Reach) -> bool:
        """Whether a short item of ``reach`` can link at the attach bar to a group of the
        batch's made of members of ``stories`` (its cut rows for an item left alone, its
        uncut rows for one the stay may keep alone: :meth:`_outside_targets`).

        A lone item joins a group of two copy groups or more (``LONE_ATTACH_MIN``) whose
        linkage, the mean of its row over the group's items, reaches the bar. The
        exclusive-names step only lowers a score, and an item's score is a mean of the
        scores listed between its texts and the other's (a version's, of its copy
        groups'), so no such group within one story links higher than the mean of the
        item's two best copy groups there, by their best stored score: under the bar, no
        group of that story's texts can take it (or, uncut, keep it alone). Groups
        mixing those texts with others are not bounded here: the second grouping was
        seen to change nothing but through such a link (GVA lead 400 and 800 in 25s)."""
        bar = self._attach_bar()
        rows = self._members_of(stories)
        story_of = {row[1]: row[3] for row in rows}
        in_story = set(story_of)
        cg = {row[1]: row[2] if row[2] in in_story else row[1] for row in rows}
        for items, uncut in ((reach.alone, False), (reach.joined, True)):
            for item in items:
                scores = self._scores_into(item, in_story, uncut)
                best: dict[str, dict[str, float]] = {}
                for other, score in scores:
                    by_group = best.setdefault(story_of[other], {})
                    by_group[cg[other]] = max(by_group.get(cg[other], score), score)
                for by_group in best.values():
                    top = sorted(by_group.values(), reverse=True)[:LONE_ATTACH_MIN]
                    if sum(top) / LONE_ATTACH_MIN >= bar:
                        return True
        return False

    def _scores_into(
        self, item: Sequence[str], targets: set[str], uncut: bool
    ) -> list[tuple[str, float]]:
        """``(target, score)`` of the stored pairs (either way) between the texts of
        ``item`` and ``targets``, without the published-date cut with ``uncut``."""
        rows = [
            *relations_from(self.conn, item, "score"),
            *relations_from(self.conn, item, "score", table="weak_scores"),
            *relations_to(self.conn, item, float("-inf")),
        ]
        inside = set(item)
        pairs = [(a, b, s) for a, b, s in rows if (a in inside) != (b in inside)]
        pairs = [(a, b, s) for a, b, s in pairs if (b if a in inside else a) in targets]
        free = self._uncut_scores([(a, b) for a, b, _ in pairs]) if uncut else {}
        return [(b if a in inside else a, free.get((a, b), s)) for a, b, s in pairs]

    def _far_outside(self, shorts: Sequence[str], inside: set[str]) -> set[tuple[str, str]]:
        """``(short, other)``: the articles outside ``inside`` paired with one of
        ``shorts`` (stored pairs either way) published more than
        ``PUBLISHED_SHORT_CUT_DAYS`` apart whose score without the cut reaches the attach
        bar, each with its partner among ``shorts``. The cut keeps at least
        ``text_date_factor_short / PUBLISHED_DATE_GAP_FACTOR`` of a score, so only pairs
        stored at that share of the bar or more are scored again."""
        bar = self._attach_bar()
        floor = bar * story_model_for(self.config.encoder).text_date_factor_short
        floor /= PUBLISHED_DATE_GAP_FACTOR
        low = f"score >= {floor!r}"
        rows = [
            *relations_from(self.conn, shorts, "score", low),
            *relations_from(self.conn, shorts, "score", low, "weak_scores"),
            *relations_to(self.conn, shorts, floor),
        ]
        pairs = list(dict.fromkeys((a, b) for a, b, _ in rows if (a in inside) != (b in inside)))
        uncut = self._uncut_scores(pairs)
        return {
            (a, b) if a in inside else (b, a) for (a, b), score in uncut.items() if score >= bar
        }

    def _attach_bar(self) -> float:
        """The attach step's bar (``Config.attach_threshold``, else the story bar)."""
        attach = self.config.attach_threshold
        story = self.config.same_story_threshold
        return story if attach is None else min(story, attach)

    def _attach_stories(self, ids: set[str]) -> set[str]:
        """The stories holding ``ids`` that a lone item may join (``stories.attaches``:
        ``LONE_ATTACH_MIN`` or more articles)."""
        stories: set[str] = set()
        for chunk in chunks(sorted(ids)):
            stories.update(
                row[0]
                for row in self.conn.execute(
                    f"SELECT DISTINCT story_id FROM articles WHERE id IN ({marks(len(chunk))})",
                    chunk,
                )
            )
        out: set[str] = set()
        for chunk in chunks(sorted(stories)):
            out.update(
                row[0]
                for row in self.conn.execute(
                    "SELECT story_id FROM articles INDEXED BY articles_story "
                    f"WHERE story_id IN ({marks(len(chunk))}) GROUP BY story_id "
                    "HAVING COUNT(*) >= ?",
                    [*chunk, LONE_ATTACH_MIN],
                )
            )
        return out

    def _rows_in_view(self, touched: set[str]) -> list[tuple[Any, ...]]:
        """``(rowid, id, copy_of, story_id)`` of the members of the ``touched`` stories and
        of the stories their stored roundups cover, in rowid order."""
        rows = self._members_of(touched)
        # A roundup found by an earlier re-clustering is judged again with the stories it
        # covers, as the batch judges it with all of them: without them in view it covers
        # one story here, is no roundup, and its pairs chain again (on ECB+ dev, a long
        # report read as covering two pieces of its own event was cut in one add and
        # kept by a later, narrower one, which left a lone version out of its story).
        covered = covered_stories(self.conn, [row[1] for row in rows]) - touched
        return self._members_of(touched | covered) if covered else rows

    def _over_bound(self, rows: Sequence[tuple[Any, ...]]) -> bool:
        """Whether the stories in view hold more than ``Config.regroup_limit`` copy groups
        (or :data:`REGROUP_MEMBERS_PER_GROUP` times as many articles): an add leaves
        them as they are."""
        present = {row[1] for row in rows}
        # Copies are clustered as one item with their original, so it is the number of
        # copy groups that bounds the work (reposts make most of a large story).
        limit = self.config.regroup_limit
        return (
            len(rows) > REGROUP_MEMBERS_PER_GROUP * limit
            or sum(row[2] is None or row[2] not in present for row in rows) > limit
        )

    def _edges(
        self, rows: Sequence[tuple[Any, ...]], position: Mapping[str, int]
    ) -> tuple[list[tuple[int, int, float]], list[int | None]]:
        """The stored scores among the members (relations and weak scores) as edges
        between their positions, and each member's original's position if it is a copy
        of one in view."""
        members = [row[1] for row in rows]
        edges = [
            (position[a], position[b], score)
            for a, b, score in [
                *relations_from(self.conn, members, "score"),
                *relations_from(self.conn, members, "score", table="weak_scores"),
            ]
            if b in position
        ]
        copy_of = [position.get(row[2]) for row in rows]
        # A copy's one scored pair is with its original (the batch scores none): left
        # out, so roundups are looked for among the pairs the batch would look at.
        edges = [(i, j, s) for i, j, s in edges if copy_of[i] != j and copy_of[j] != i]
        return edges, copy_of

    def _stay_input(
        self,
        members: Sequence[str],
        edges: Sequence[tuple[int, int, float]],
        short: Sequence[bool] | None = None,
    ) -> StayInput:
        """Rule AS's input to the grouping (``switches.PUBLISHED_YEAR_CUT``), as the batch
        builds it: each edge's score without the published-date cut (:meth:`_uncut_scores`;
        a pair it does not name was not cut) and each member's shortness (``short``, else
        :meth:`_shortness`)."""
        short = self._shortness(members) if short is None else short
        uncut = self._uncut_scores([(members[i], members[j]) for i, j, _ in edges])
        return StayInput(
            [(i, j, uncut.get((members[i], members[j]), s)) for i, j, s in edges], short
        )

    def _shortness(self, members: Sequence[str]) -> list[bool]:
        """Each member's ``relate.is_short_text``, from the stored word counts."""
        words = self._word_counts(members)
        return [words[m] < SHORT_TEXT_WORDS for m in members]

    def _uncut_scores(self, pairs: Sequence[tuple[str, str]]) -> dict[tuple[str, str], float]:
        """The scores without rule AS's published-date cut (``relate.scoring.uncut_score``)
        of those of ``pairs`` (stored pairs, either orientation) the cut can have taken:
        publication dates more than ``PUBLISHED_SHORT_CUT_DAYS`` apart. A relation's is
        read from its stored evidence; a weak score keeps no evidence, so its pair is
        scored again from the stored features (the same score, bit for bit, as the add
        that stored it).

        Every re-clustering of an add reads this for all the far pairs in view, so it is
        read in bulk (one query per table and chunk, not two per pair) and the weak pairs
        are scored again in one ``relate_runs`` call (one run per stored ``a``), which
        gives ``relate(a, b)`` bit for bit whatever the run holds: on GVA leads the
        per-pair calls were 3/4 of an add's CPU (docs/history/benchmarks.md, 2026-12-07,
        storespeed)."""
        asked = self._far_pairs(pairs)
        far = list(dict.fromkeys(_unordered(x, y) for x, y in asked))
        if not far:
            return {}
        found: dict[tuple[str, str], float] = {}
        # The far pairs' own rows, looked up by key (either orientation): reading every
        # relation of their ends read ~100x as much evidence as it used (GVA lead 400 in
        # 25s: 42 relations parsed of every relation of the ends, 8% of the adds' CPU;
        # docs/history/benchmarks.md, 2026-12-07, storecost).
        for a, b, kind, score, evidence in pairs_by_key(
            self.conn, far, "kind, score, evidence_json"
        ):
            found[_unordered(a, b)] = uncut_score(relation_of(a, b, kind, score, evidence))
        rest = [pair for pair in far if pair not in found]
        weak = [(a, b) for a, b, _ in pairs_by_key(self.conn, rest, "score", "weak_scores")]
        found.update(self._weak_uncut(weak))
        return {(x, y): s for x, y in asked if (s := found.get(_unordered(x, y))) is not None}

    def _far_pairs(self, pairs: Sequence[tuple[str, str]]) -> list[tuple[str, str]]:
        """Those of ``pairs`` published more than ``PUBLISHED_SHORT_CUT_DAYS`` apart."""
        dates = self._published_dates([x for pair in pairs for x in pair])
        return [
            (x, y)
            for x, y in pairs
            if (dx := dates.get(x)) is not None
            and (dy := dates.get(y)) is not None
            and abs((dx - dy).days) > PUBLISHED_SHORT_CUT_DAYS
        ]

    def _weak_uncut(self, weak: Sequence[tuple[str, str]]) -> dict[tuple[str, str], float]:
        """The uncut scores of stored weak pairs ``(a, b)``, each scored again as the add
        stored it (``a``, stored earlier, against ``b``), keyed by :func:`_unordered`.

        Each pair is scored once a transaction (:attr:`uncut_memo`, by the pair as
        stored): an add of 25 re-clusters mostly the same stories 25 times, and the
        stored features a score is read from do not change inside an add (an upgrade
        chunk rewrites re-cleaned features before its re-clustering, never between two)."""
        memo = self.uncut_memo
        by_a: dict[str, list[str]] = {}
        for a, b in weak:
            if (a, b) not in memo:
                by_a.setdefault(a, []).append(b)
        if by_a:
            sources = self._neighbour_features(list(by_a))
            runs = [(f, self._neighbour_features(by_a[f.id])) for f in sources]
            scored = relate_runs(runs, self.config, lean=True)
            keys = [(f.id, b) for f in sources for b in by_a[f.id]]
            memo.update((key, uncut_score(r)) for key, r in zip(keys, scored, strict=True))
        return {_unordered(a, b): memo[(a, b)] for a, b in weak}

    @property
    def uncut_memo(self) -> dict[tuple[str, str], float]:
        """The weak pairs' uncut scores computed in this transaction, by ``(a, b)`` as
        stored (made on first use)."""
        if self._uncut_memo is None:
            self._uncut_memo = {}
        return self._uncut_memo

    def _published_dates(self, ids: Sequence[str]) -> dict[str, Any]:
        """The publication date of each of ``ids`` that has one (``articles.date``)."""
        unique = list(dict.fromkeys(ids))
        out: dict[str, Any] = {}
        for start in range(0, len(unique), SQL_CHUNK):
            chunk = unique[start : start + SQL_CHUNK]
            for article, date in self.conn.execute(
                f"SELECT id, date FROM articles WHERE id IN ({','.join('?' * len(chunk))}) "
                "AND date IS NOT NULL",
                chunk,
            ):
                out[article] = parse_date(date)
        return out

    def _word_counts(self, ids: Sequence[str]) -> dict[str, int]:
        """Each of ``ids``'s stored word count (``features.n_words``)."""
        out: dict[str, int] = {}
        for start in range(0, len(ids), SQL_CHUNK):
            chunk = list(ids[start : start + SQL_CHUNK])
            out.update(
                self.conn.execute(
                    f"SELECT id, n_words FROM features WHERE id IN ({','.join('?' * len(chunk))})",
                    chunk,
                ).fetchall()
            )
        return out

    def _keep_story_ids(
        self, groups: Sequence[list[str]], old: Mapping[str, str]
    ) -> tuple[set[str], set[str]]:
        """Give each new group, largest first, a story id (:meth:`_story_for_group`) and
        move its members that were elsewhere (an article stored before this transaction
        remembers the story it first left, for the report). Returns the story ids used
        and the stories whose membership changed."""
        used: set[str] = set()
        changed: set[str] = set()
        for ids in sorted(groups, key=len, reverse=True):
            story = self._story_for_group(ids, old, used)
            used.add(story)
            moved = [m for m in ids if old[m] != story]
            for m in moved:
                if m not in self.adding:
                    self.moved_from.setdefault(m, old[m])
            self.conn.executemany(
                "UPDATE articles SET story_id=? WHERE id=?", [(story, m) for m in moved]
            )
            if moved:
                changed.update({story, *(old[m] for m in moved)})
        return used, changed

    def _story_for_group(self, ids: Sequence[str], old: Mapping[str, str], used: set[str]) -> str:
        """The old story holding most of ``ids`` that no larger group took (ties by id),
        else a new story, created here."""
        votes = sorted((-sum(old[m] == s for m in ids), s) for s in {old[m] for m in ids})
        story = next((s for _, s in votes if s not in used), None)
        if story is None:
            story = self._fresh_story_id(min(ids))
            self.conn.execute(
                "INSERT INTO stories VALUES (?, ?, ?, 0, ?, ?)",
                (story, None, ids[0], self.now, self.now),
            )
            self.created.append(story)
        return story

    def _settle_stories(self, used: set[str], changed: set[str], old: Mapping[str, str]) -> None:
        """Refresh the rows of the stories whose membership changed; delete the old
        stories no group kept."""
        for story in sorted(changed & used):
            self._refresh_story(story)
        for story in set(old.values()) - used:
            self.conn.execute("DELETE FROM stories WHERE id=?", (story,))

    def _record_roundups(
        self,
        found: Sequence[FoundRoundup],
        members: Sequence[str],
        groups: Sequence[Sequence[int]],
    ) -> None:
        """Write the roundups the grouping found among ``members`` (replacing their old
        flags) and note the stories whose roundups were cut, or no longer are."""
        cut_before = cut_roundups(self.conn, members)
        stored = _stored_roundups(found, members, groups)
        write_roundups(self.conn, members, stored)
        # A roundup cut now, or no longer, chains threads otherwise: re-threaded after.
        cut_after = {article for article, _, cut, _ in stored if cut}
        self.cut_changed_in.update(
            self._story_of_article(a) for a in cut_before.symmetric_difference(cut_after)
        )

    def _regroup_all(self) -> None:
        """Re-cluster every story at once, as the batch groups the whole collection: the
        end of an upgrade that scored a pair (in its last chunk's transaction; on a store
        of 50,000 articles, 1,700 representatives, it costs ~29 s CPU and ~1 GB, so an
        upgrade that scored nothing skips it). Each held article's new pairs
        re-clustered only the stories they touch, as an add does, so a merge they make
        possible with a story linked to those by older pairs alone was left undone
        (5,043 representatives: 41 of 5,431 articles elsewhere than in a new store with
        the same pairs and scores, none after this; docs/history/benchmarks.md,
        2026-12-06, hygiene)."""
        stories = {row[0] for row in self.conn.execute("SELECT id FROM stories")}
        first = self.conn.execute("SELECT id FROM articles ORDER BY rowid LIMIT 1").fetchone()
        if stories and first is not None:
            self._regroup(stories, first[0], bounded=False)

    def _views_in_context(
        self, members: list[str], position: dict[str, int]
    ) -> tuple[exclusive.InContext, list[str]]:
        """The name views of ``members`` with what the exclusive-names step reads beyond
        them (:class:`samestory.exclusive.InContext`), as the batch's step reads the
        whole corpus: their pairs scored at its bar to articles outside the stories
        re-clustered here, and which pairs are copies (among the members, to the
        outside partners and among them: :func:`_copy_pairs`), whose texts are one
        version. With them, the outside partners' ids (numbered as in the context)."""
        bar = exclusive.NEIGHBOUR_BAR
        rows = [
            *relations_from(self.conn, members, "score", f"score >= {bar}"),
            *relations_from(self.conn, members, "score", f"score >= {bar}", "weak_scores"),
            *relations_to(self.conn, members, bar),
        ]
        outside: dict[str, int] = {}
        context = []
        for a, b, score in rows:
            inner, other = (a, b) if a in position else (b, a)
            if other not in position:
                k = outside.setdefault(other, len(members) + len(outside))
                context.append((position[inner], k, score))
        index = {**position, **outside}
        copied = [
            (index[a], index[b])
            for a, b in sorted(
                _copy_pairs(self.conn, members) | _copy_pairs(self.conn, list(outside))
            )
            if a in index and b in index
        ]
        ids = list(outside)
        views = exclusive.InContext(
            _LazyFeatures(self, members), _LazyFeatures(self, ids), context, copied
        )
        return views, ids

    def _members_of(self, stories: set[str]) -> list[tuple[Any, ...]]:
        """``(rowid, id, copy_of, story_id)`` of the articles of ``stories``, in rowid order."""
        return sorted(
            tuple(row)
            for row in self.conn.execute(
                f"SELECT rowid, id, copy_of, story_id FROM articles INDEXED BY articles_story "
                f"WHERE story_id IN ({','.join('?' * len(stories))})",
                sorted(stories),
            )
        )


@dataclasses.dataclass(frozen=True, slots=True)
class Reach:
    """What :meth:`Regrouping._outside_targets` finds: the ``articles`` outside the view
    whose stories can move a short member in the attach step, the copy groups (members'
    ids) left ``alone`` with a partner among them at the attach bar, and those the
    attach step ``joined`` to their group with one there at the bar without the cut."""

    articles: set[str]
    alone: list[list[str]]
    joined: list[list[str]]


def _attached(
    groups: Sequence[Sequence[int]],
    edges: Sequence[tuple[int, int, float]],
    roots: Sequence[int],
    bar: float,
) -> list[int]:
    """The members of a group of several copy groups whose scores into it, summed over
    its other copy groups, average under ``bar`` (the story bar): average link did not
    join them (a version's linkage, the mean of its listed scores, is no lower), so
    the attach step did."""
    group_of = {k: g for g, ks in enumerate(groups) for k in ks}
    others = [len({roots[k] for k in groups[group_of[m]]}) - 1 for m in range(len(roots))]
    total = [0.0] * len(roots)
    for i, j, score in edges:
        if group_of[i] == group_of[j] and roots[i] != roots[j]:
            total[i] += score
            total[j] += score
    return [m for m in range(len(roots)) if others[m] and total[m] / others[m] < bar]


def _unordered(a: str, b: str) -> tuple[str, str]:
    """A pair's key whichever way it is stored or asked."""
    return (a, b) if a <= b else (b, a)


class _LazyFeatures(Sequence[DocFeatures]):
    """The features of ``ids`` read from the store (through the transaction's cache) only when
    indexed: roundup detection reads those of a few texts with several partners."""

    def __init__(self, work: TransactionWork, ids: Sequence[str]) -> None:
        self.work = work
        self.ids = ids

    def __len__(self) -> int:
        return len(self.ids)

    def __getitem__(self, k):  # type: ignore[no-untyped-def,override]
        if isinstance(k, slice):
            return self.work._neighbour_features(self.ids[k])
        return self.work._neighbour_features([self.ids[k]])[0]


def relations_to(conn: sqlite3.Connection, ids: Iterable[str], bar: float) -> list[tuple[Any, ...]]:
    """``(a, b, score)`` of the relations and weak scores at ``bar`` or more whose ``b`` is
    one of ``ids``, each read through its index by ``b``."""
    out: list[tuple[Any, ...]] = []
    ids = list(ids)
    for start in range(0, len(ids), SQL_CHUNK):
        chunk = ids[start : start + SQL_CHUNK]
        marks = ",".join("?" * len(chunk))
        for table, index in (
            ("relations", "INDEXED BY relations_by_b"),
            ("weak_scores", "INDEXED BY weak_scores_by_b"),
        ):
            out += map(
                tuple,
                conn.execute(
                    f"SELECT a, b, score FROM {table} {index} WHERE b IN ({marks}) AND score >= ?",
                    [*chunk, bar],
                ),
            )
    return out


def pairs_by_key(
    conn: sqlite3.Connection,
    pairs: Sequence[tuple[str, str]],
    columns: str,
    table: str = "relations",
) -> list[tuple[Any, ...]]:
    """``(a, b, *columns)`` of the rows of ``table`` stored as one of ``pairs``, either
    way round: each looked up by its primary key (SQLite's OR of key terms), not by
    reading every row of its ends."""
    out: list[tuple[Any, ...]] = []
    step = SQL_CHUNK // 4  # four host parameters a pair (both orientations)
    for start in range(0, len(pairs), step):
        chunk = pairs[start : start + step]
        terms = " OR ".join("(a = ? AND b = ?) OR (a = ? AND b = ?)" for _ in chunk)
        out += map(
            tuple,
            conn.execute(
                f"SELECT a, b, {columns} FROM {table} WHERE {terms}",
                [x for a, b in chunk for x in (a, b, b, a)],
            ),
        )
    return out


def _copy_pairs(conn: sqlite3.Connection, ids: Iterable[str]) -> set[tuple[str, str]]:
    """``(a, b)`` of the relations whose ``a`` is one of ``ids`` between copies of one
    text (:func:`samestory.exclusive.stored_copy`: the exact and near-duplicate ones, and
    the rewrites keeping most of the shorter text's shingles, whose evidence is read)."""
    kinds = ",".join(f"'{k.value}'" for k in (*exclusive.COPY_KINDS, RelationKind.REWRITE))
    rows = relations_from(conn, ids, "kind", f"kind IN ({kinds})")
    rewrites = [(a, b) for a, b, kind in rows if kind == RelationKind.REWRITE.value]
    out = {(a, b) for a, b, kind in rows if kind != RelationKind.REWRITE.value}
    for start in range(0, len(rewrites), SQL_CHUNK):
        chunk = rewrites[start : start + SQL_CHUNK]
        marks = " OR ".join("(a = ? AND b = ?)" for _ in chunk)
        for a, b, evidence in conn.execute(
            f"SELECT a, b, evidence_json FROM relations WHERE {marks}",
            [x for pair in chunk for x in pair],
        ):
            if exclusive.stored_copy(RelationKind.REWRITE.value, evidence):
                out.add((a, b))
    return out


def _stored_roundups(
    found: Sequence[FoundRoundup], members: Sequence[str], groups: Sequence[Sequence[int]]
) -> list[StoredRoundup]:
    """The roundups found by a re-clustering, each part's story named by its first member."""
    return [
        (
            members[r.index],
            r.attached_to is not None,
            r.cut,
            [
                (members[groups[p.side][0]], p.share, sorted(p.sentences), sorted(p.names))
                for p in r.parts
            ],
        )
        for r in found
    ]
