"""How much :meth:`Store.upgrade <samestory.store.core.Store.upgrade>` has to do, the
line an open says about it, and its resumable loops: :class:`UpgradeLoops`, a part of
:class:`~samestory.store.core.Store` (its base class), kept here so that ``core.py`` reads
as opening, reading and adding.

Every loop (re-cleaning, re-proposing the re-cleaned neighbourhoods, pairing the
backlog, judging roundups, reconciling) is a :class:`~samestory.store.upgrading.Chunks`
run by :meth:`UpgradeLoops._run_chunks`, one transaction a chunk; the work of a chunk is
:class:`~samestory.store.upgrading.UpgradeSteps` (docs/store.md, "Upgrading", "Cleaning
again", "Reconciling the whole store").
"""

from __future__ import annotations

import contextlib
import functools
import operator
import sqlite3
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any

from samestory.candidates import CandidateIndex
from samestory.config import Config
from samestory.pipeline.featurise import Progress
from samestory.store import backlog, cleaning, floor_pairs, migrations
from samestory.store.index import CopySketches, StoredKeywords, StoredLSH
from samestory.store.roundups import unjudged
from samestory.store.schema import StoreError, Transaction
from samestory.store.threads import refresh_if_changed
from samestory.store.upgrading import UPGRADE_CHUNK, Chunks, IndexMemo, Paired, UpgradeSteps

if TYPE_CHECKING:
    from collections.abc import Callable

    from samestory.embed import SentenceEncoder


class UpgradeLoops:
    """:class:`~samestory.store.core.Store`'s upgrade: how much is left to do
    (:meth:`unclean`, :meth:`unpaired`, :meth:`unreconciled`, :meth:`unjudged_roundups`),
    the line an open says about it, and :meth:`upgrade` with its loops."""

    if TYPE_CHECKING:  # what the loops use of Store (core.py), for the type checker only
        path: Path
        config: Config
        read_only: bool
        _conn: sqlite3.Connection
        _index: CandidateIndex | None
        _sketches: CopySketches
        _deferred: list[migrations.Migration]

        def _errors(self, doing: str) -> contextlib.AbstractContextManager[None]: ...
        def _transaction(self) -> Transaction: ...
        def _apply_deferred(self) -> None: ...
        def _forget_outside_writes(self) -> None: ...
        def _candidate_index(self) -> CandidateIndex: ...
        def _encoder_or_default(self) -> SentenceEncoder: ...
        def _chunk_work(self, index: CandidateIndex) -> UpgradeSteps: ...

    def unpaired(self) -> int:
        """How many stored articles the candidate routes added since they were stored
        have not paired yet (:mod:`samestory.store.backlog`); :meth:`upgrade` pairs them."""
        if migrations.makes_backlog(self._deferred):
            return int(
                self._conn.execute(
                    "SELECT count(*) FROM articles WHERE copy_of IS NULL"
                ).fetchone()[0]
            )
        return backlog.remaining(self._conn)

    def _warn_upgrade_work(self) -> None:
        """One line for each kind of work ``samestory upgrade`` would do on this store
        (the upgrade command leaves these lines out: they name it)."""
        for count, what, does in (
            (
                self.unclean(),
                "stored texts were cleaned or their pairs scored by older rules than this "
                "samestory's, so their features, scores and stories can differ from a new "
                "store's",
                "cleans and scores them again",
            ),
            (
                self.unpaired(),
                "stored articles were never paired by the candidate routes added since they "
                "were stored, so its stories can differ from a new store's",
                "pairs them",
            ),
            (
                self.unreconciled(),
                "stored articles are still to reconcile (a reconcile was stopped), so some of "
                "its stored pairs can be pairs no candidate list proposes",
                "carries on",
            ),
            (
                self.unjudged_roundups(),
                "stored roundups predate the record of which ones were cut, so its threads "
                "can chain through them where a new store's do not",
                "judges them",
            ),
        ):
            if count:
                warnings.warn(
                    f"{self.path}: {count} {what}; `samestory upgrade --db {self.path}` {does}",
                    stacklevel=3,
                )

    def upgrade(
        self, progress: Progress | None = None, chunk: int = UPGRADE_CHUNK, reconcile: bool = False
    ) -> Paired:
        """Pair the stored articles the candidate routes added since they were stored
        never proposed (:mod:`samestory.store.backlog`), as a new store holding them would
        have: each one's candidates are proposed again by every route, the pairs never
        scored are scored (``relate``) and written as an add writes them, and the stories
        they touch are re-clustered and re-threaded as an add does. ``chunk`` articles
        per transaction, the position saved with them: killed, it carries on from the
        last chunk committed. ``progress("pairing", done, total)`` after each chunk.

        ``reconcile``: then re-propose every stored representative's candidates
        (:meth:`_reconcile`); a reconcile stopped before is carried on either way.
        """
        if self.read_only:
            raise StoreError(f"{self.path} is read-only here: cannot upgrade it")
        with self._errors("upgrading"):
            self._apply_deferred()
            total = backlog.remaining(self._conn)
        done = self._reclean(progress, chunk)
        done = done.plus(self._pair_backlog(progress, chunk, total))
        done = done.plus(self._judge_roundups())
        done = done.plus(self._flag_floor_pairs(progress, chunk))
        if reconcile:
            with self._errors("upgrading"), self._transaction():
                if backlog.read(self._conn, backlog.RECONCILE_KEY) is None:
                    backlog.record(self._conn, backlog.RECONCILE_KEY)
        return done.plus(self._reconcile(progress, chunk))

    def _run_chunks(self, loop: Chunks[Any], progress: Progress | None = None) -> Paired:
        """Run one resumable upgrade loop to its end, a chunk per transaction: the
        prelude every chunk needs (forget the index if another process wrote, follow
        another thread model, read what is left, take the candidate index only when
        there is work), the chunk's work committed with the position it saves, and on
        failure, in one place, what the rollback leaves to do: the index and the copy
        sketches may hold the rolled-back chunk (forgotten), and a StoreError says in
        one line that the chunks before are kept. ``progress(loop.stage, ...)`` after
        each chunk."""
        done = Paired()
        memo = IndexMemo()
        while True:
            try:
                with self._errors("upgrading"), self._transaction():
                    self._forget_outside_writes()
                    refresh_if_changed(self._conn, self.config, self.path)
                    todo = loop.next(self._conn)
                    if todo is None:
                        return done
                    index = self._idle_index() if loop.idle else self._candidate_index()
                    part = loop.work(self._chunk_work(index), memo.of(index), todo)
                    done = done.plus(part)
            except BaseException as exc:
                self._forget_chunk(exc, loop.kept)
                raise
            finally:
                if loop.changes_vectors:  # the index holds the old vectors
                    self._index = None
                    self._sketches = CopySketches(self._conn)
            if progress is not None and loop.stage:
                progress(loop.stage, loop.count(done), loop.total)

    def _pair_backlog(self, progress: Progress | None, chunk: int, total: int) -> Paired:
        """Pair the backlog's held articles, ``chunk`` a transaction
        (``UpgradeSteps.pair_backlog``), the position saved with each;
        ``progress("pairing", done, total)``."""

        def work(steps: UpgradeSteps, memo: IndexMemo, todo: backlog.Backlog) -> Paired:
            if memo.held is None:  # the first ones indexed (the index is in rowid order)
                memo.held = steps.held_positions(todo)
            return steps.pair_backlog(todo, chunk, memo.held)

        pairing = Chunks(
            "pairing", "paired", backlog.read, work, operator.attrgetter("articles"), total
        )
        return self._run_chunks(pairing, progress)

    def unflagged(self) -> int:
        """How many held short articles the ``floor_pairs`` step left for
        :meth:`upgrade` to flag the pairs of (rule L's flag: :mod:`samestory.store.
        floor_pairs`)."""
        if "floor_pairs" in {step.name for step in self._deferred}:
            return 0  # recorded when the step runs
        return backlog.remaining(self._conn, key=floor_pairs.KEY)

    def _flag_floor_pairs(self, progress: Progress | None, chunk: int) -> Paired:
        """Flag the pairs only the short-text vector floor proposed of the held short
        articles an older store recorded (:func:`samestory.store.floor_pairs.flag_chunk`),
        ``chunk`` a transaction, the position saved with each: nothing is scored or
        re-clustered (the flags are read only with ``switches.LONE_FLOOR_BAR`` on).
        ``progress("flagging", done, total)`` after each chunk."""

        def work(steps: UpgradeSteps, _memo: IndexMemo, todo: backlog.Backlog) -> Paired:
            return Paired(flagged=floor_pairs.flag_chunk(steps.conn, steps.index, todo, chunk))

        flagging = _keyed_chunks("flagging", "flagged", floor_pairs.KEY, work, self.unflagged())
        return self._run_chunks(flagging, progress)

    def _forget_chunk(self, exc: BaseException, done: str) -> None:
        """After an upgrade chunk's transaction rolled back: forget what the index and
        the copy sketches may hold of it; a StoreError is raised again as one line
        saying what is kept (the chunks ``done`` before)."""
        self._index = None  # it may remember proposals of a rolled-back chunk
        self._sketches = CopySketches(self._conn)
        if isinstance(exc, StoreError):
            raise type(exc)(
                f"{exc}; the chunks {done} before are kept, and `samestory upgrade` "
                "carries on from there"
            ) from exc

    def unreconciled(self) -> int:
        """How many stored representatives a reconcile stopped before has still to
        propose candidates for (0: none in progress)."""
        return backlog.remaining(self._conn, key=backlog.RECONCILE_KEY)

    def _reconcile(self, progress: Progress | None, chunk: int) -> Paired:
        """Make the store's candidate pairs exactly those its index proposes, ``chunk``
        representatives a transaction (``UpgradeSteps.reconcile``), the position saved with
        each (:data:`backlog.RECONCILE_KEY`): killed, it carries on from the last chunk
        committed. From the stored features: nothing is encoded again. A store an add
        wrote before 38e6a1b can hold pairs no list proposes (scored by the add bug);
        the re-cleaning's re-proposal reaches only the neighbourhoods of changed texts.
        ``progress("reconciling", done, total)`` after each chunk."""

        def work(steps: UpgradeSteps, memo: IndexMemo, todo: backlog.Backlog) -> Paired:
            return steps.reconcile(todo, chunk, memo.positions(), memo.lists)

        reconciling = _keyed_chunks(
            "reconciling", "reconciled", backlog.RECONCILE_KEY, work, self.unreconciled()
        )
        return self._run_chunks(reconciling, progress)

    def _reclean(self, progress: Progress | None, chunk: int) -> Paired:
        """Clean again the stored texts the cleaning changed since they were stored
        (:mod:`samestory.store.cleaning`), ``chunk`` articles per transaction, each
        chunk taken off the backlog with its work: featurised again from the stored
        text, the pairs stored with them scored again, their stories re-clustered and
        re-threaded (``UpgradeSteps.reclean``). The candidate graph is rebuilt from the new
        vectors afterwards."""

        def work(steps: UpgradeSteps, _memo: IndexMemo, ids: list[str]) -> Paired:
            part = steps.reclean(ids)
            if part.recleaned:  # the saved graph holds old vectors: rebuild it
                self._conn.execute("DELETE FROM meta WHERE key='ann_index'")
            return part

        cleaning_loop = Chunks(
            "cleaning",
            "cleaned",
            lambda conn: cleaning.next_chunk(conn, chunk) or None,
            work,
            lambda done: done.recleaned + done.kept_features,
            cleaning.remaining(self._conn),
            idle=True,
            changes_vectors=True,
        )
        done = self._run_chunks(cleaning_loop, progress)
        return done.plus(self._propose_recleaned(chunk))

    def _propose_recleaned(self, chunk: int) -> Paired:
        """Propose again the neighbourhoods of the articles cleaned again, ``chunk`` a
        transaction, with the index rebuilt from the new vectors (``UpgradeSteps.propose_again``):
        the candidate pairs a new store holding the same texts has. The last chunk
        re-clusters every story, as the pairing backlog's last chunk does."""

        def work(steps: UpgradeSteps, memo: IndexMemo, ids: list[str]) -> Paired:
            return steps.propose_again(ids[:chunk], memo.positions(), len(ids) <= chunk)

        proposing = Chunks(
            "",
            "proposed again",
            lambda conn: cleaning.next_chunk(conn, chunk + 1, cleaned=True) or None,
            work,
        )
        return self._run_chunks(proposing)

    def _idle_index(self) -> CandidateIndex:
        """An empty candidate index, for the work of an upgrade that proposes no
        candidates (re-cleaning, judging roundups): building the store's costs up to
        ~40 s at 100,000 articles."""
        return CandidateIndex(
            self.config,
            dim=self._encoder_or_default().dim,
            lsh=StoredLSH(self._conn, self.config),
            keywords_index=StoredKeywords(self._conn),
        )

    def unclean(self) -> int:
        """How many stored texts the cleaning changed since they were stored and
        :meth:`upgrade` has not cleaned again (:mod:`samestory.store.cleaning`)."""
        return cleaning.remaining(self._conn)

    def unjudged_roundups(self) -> int:
        """How many stored roundups were stored before the store recorded which ones the
        grouping cut (:mod:`samestory.store.roundups`); :meth:`upgrade` judges them."""
        if "roundup_cut" in {step.name for step in self._deferred}:
            query = "SELECT count(*) FROM roundups WHERE attached = 1"
        else:
            query = "SELECT count(*) FROM roundups WHERE cut IS NULL"
        return int(self._conn.execute(query).fetchone()[0])

    def _judge_roundups(self) -> Paired:
        """Re-cluster the stories of the roundups whose ``cut`` is not known (the end of
        :meth:`upgrade`, in one transaction), as an add touching them would: each is
        judged again with the stories it covers and its flag written with ``cut``, and
        what that changes is re-threaded."""

        def work(steps: UpgradeSteps, _memo: IndexMemo, articles: list[str]) -> Paired:
            return steps.judge_roundups(articles)

        judging = Chunks("", "judged", lambda conn: unjudged(conn) or None, work, idle=True)
        return self._run_chunks(judging)


def _keyed_chunks(
    stage: str,
    done: str,
    key: str,
    work: Callable[[UpgradeSteps, IndexMemo, backlog.Backlog], Paired],
    total: int,
) -> Chunks[backlog.Backlog]:
    """The chunks of a backlog walk saved under ``key`` (reconcile, rule L's flagging):
    each reads its next part of the backlog; ``done`` names what an error says is kept
    and the ``Paired`` field that counts progress."""
    return Chunks(
        stage,
        done,
        functools.partial(backlog.read, key=key),
        work,
        operator.attrgetter(done),
        total,
    )
