"""Rule L's flag in the store: the stored pairs only the short-text vector floor proposed.

Rule L (``switches.LONE_FLOOR_BAR``) leaves a pair only the short-text vector floor
proposed (``Config.short_text_ann_min_cosine``) out of a lone short text's attach
linkage when it scores under the story bar. The batch flags those pairs in its one
candidate search (``pipeline.propose.propose_flagged_pairs``); the store keeps the flag
beside its pairs, in ``floor_pairs(a, b)`` (``a`` the article stored earlier, a row
for each pair only the floor proposes now), whatever the switch says, so that flipping
it needs no upgrade:

- an add writes what :meth:`CandidateIndex.insert
  <samestory.candidates.CandidateIndex.insert>` says of the pairs it gained or whose
  flag it changed (:attr:`~samestory.candidates.Proposals.floor_flags`, :func:`write`);
  a bulk load writes the batch's (:func:`write_pairs`);
- the upgrade loops that propose pairs again (pairing a backlog, reconciling, the
  re-cleaned neighbourhoods) flag the pairs of the articles they worked on again
  (:func:`refresh`), and a store older than the table is flagged by ``samestory
  upgrade`` a chunk a transaction (:data:`KEY`, the ``floor_pairs`` migration);
- with the switch on, the re-clustering (:func:`lone_input`) and an add's best story
  (:func:`lone_partners`) read them as the batch's grouping does.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Collection, Iterable, Mapping, Sequence

from samestory import switches
from samestory.candidates import CandidateIndex, Proposals
from samestory.config import Config
from samestory.features import DocFeatures
from samestory.pipeline.batch import lone_floor_bar
from samestory.pipeline.group import LoneInput
from samestory.relate import is_short_text
from samestory.store import backlog
from samestory.store.reading import chunks, marks

# meta key of the flagging walk over an older store's representatives (a backlog:
# samestory.store.backlog), recorded by the floor_pairs migration.
KEY = backlog.FLOOR_KEY


def write(conn: sqlite3.Connection, proposals: Proposals) -> None:
    """Write an insert's flags (:attr:`Proposals.floor_flags`): a row for each pair only
    the floor proposes now, none for the others nor for the pairs it lost."""
    gained = set(proposals.gained)
    cleared = [p for p, only in proposals.floor_flags.items() if not only and p not in gained]
    write_pairs(conn, [p for p, only in proposals.floor_flags.items() if only])
    _clear(conn, [*cleared, *proposals.lost])


def write_pairs(conn: sqlite3.Connection, pairs: Iterable[tuple[str, str]]) -> None:
    """Flag ``pairs`` (``(earlier, later)``) as only the floor's."""
    conn.executemany("INSERT OR IGNORE INTO floor_pairs VALUES (?, ?)", list(pairs))


def _clear(conn: sqlite3.Connection, pairs: Sequence[tuple[str, str]]) -> None:
    if pairs:
        conn.executemany("DELETE FROM floor_pairs WHERE a=? AND b=?", pairs)


def refresh(conn: sqlite3.Connection, index: CandidateIndex, ids: Collection[str]) -> None:
    """Flag again every pair of the indexed articles ``ids`` as ``index`` proposes it now
    (:meth:`CandidateIndex.floor_only_pair`): the rows touching them kept only where the
    floor alone still proposes the pair, a row for each pair their own floor alone
    proposes."""
    indexed = [i for i in ids if i in index]
    stale = [
        (a, b)
        for a, b in touching(conn, indexed)
        if a not in index or b not in index or not index.floor_only_pair(a, b)
    ]
    _clear(conn, stale)
    key = {article: k for k, article in enumerate(index.ids)}
    found = [
        (x, y) if key[x] < key[y] else (y, x)
        for x in indexed
        for y in sorted(index.floor_part(x))
        if index.floor_only_pair(x, y)
    ]
    write_pairs(conn, found)


def touching(conn: sqlite3.Connection, ids: Iterable[str]) -> list[tuple[str, str]]:
    """The flagged pairs with an end among ``ids``."""
    ids = list(ids)
    out: set[tuple[str, str]] = set()
    for column in ("a", "b"):
        for chunk in chunks(ids):
            out.update(
                (str(a), str(b))
                for a, b in conn.execute(
                    f"SELECT a, b FROM floor_pairs WHERE {column} IN ({marks(len(chunk))})",
                    chunk,
                )
            )
    return sorted(out)


def lone_input(
    conn: sqlite3.Connection, members: Sequence[str], short: Sequence[bool], config: Config
) -> LoneInput:
    """Rule L's input to the re-clustering's ``group_with_roundups`` (``switches.
    LONE_FLOOR_BAR``), as the batch builds it: the flagged pairs among ``members`` (by
    position), the story bar and each member's shortness."""
    position = {m: k for k, m in enumerate(members)}
    pairs = frozenset(
        (min(position[a], position[b]), max(position[a], position[b]))
        for a, b in touching(conn, members)
        if a in position and b in position
    )
    return LoneInput(pairs, lone_floor_bar(config), short)


def lone_partners(
    proposals: Proposals, f: DocFeatures, scores: Mapping[str, float], config: Config
) -> set[str] | None:
    """Rule L for a new article's best story (``stories.best_story(lone=)``): the
    partners of a short ``f`` whose pair only the floor proposed and scores under the
    story bar; None with the switch off or a longer text."""
    if not (switches.LONE_FLOOR_BAR and is_short_text(f)):
        return None
    bar = lone_floor_bar(config)
    flagged = {a if b == f.id else b for (a, b), only in proposals.floor_flags.items() if only}
    return {other for other in flagged if scores.get(other, 0.0) < bar}


def record(conn: sqlite3.Connection) -> None:
    """Record the held articles as the flagging walk's backlog (none in an empty store)."""
    backlog.record(conn, KEY)


def flag_chunk(
    conn: sqlite3.Connection, index: CandidateIndex, todo: backlog.Backlog, size: int
) -> int:
    """Flag the pairs of the next ``size`` held representatives of the walk ``todo``
    (:func:`refresh`), the position saved; returns how many."""
    rows = backlog.held_chunk(conn, todo, size)
    refresh(conn, index, [article for _, article in rows])
    last = rows[-1][0] if rows else todo.through
    backlog.advance(conn, todo, last if len(rows) == size else todo.through, False, KEY)
    return len(rows)
