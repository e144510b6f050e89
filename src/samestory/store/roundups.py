"""Roundups in the store: texts covering several stories, flagged as the batch flags them.

Each local re-clustering of an add groups with :func:`samestory.pipeline.group.group_with_roundups`,
as the batch does, and writes what it found for the articles it re-clustered. A flag
names each story a roundup covers by one of that story's members (``member``), not by
the story's id: ids change as stories merge and split on later adds, and the member's
story at read time is the part's story.

A flag also records whether the grouping *cut* the roundup (took it out of the plain
grouping for chaining or splitting stories: ``FoundRoundup.cut``). The batch leaves a
cut roundup's pairs out of threading (``assemble_analysis``), so the store's threading
does too (:func:`cut_roundups`, read by ``store.threads.compute_threads``). Flags
stored before the ``roundup_cut`` step have ``cut`` NULL (not known) unless they stood
alone (a roundup left alone was always cut); ``samestory upgrade`` judges them again
(:func:`unjudged`).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator, Sequence

from samestory.models import Roundup, RoundupPart

# A found roundup to write: its article, whether it joined a story, whether the
# grouping cut it, and its parts as (a member of the covered story, share, sentence
# indices, names).
StoredPart = tuple[str, float, Sequence[int], Sequence[str]]
StoredRoundup = tuple[str, bool, bool, Sequence[StoredPart]]


def write_roundups(
    conn: sqlite3.Connection,
    regrouped: Iterable[str],
    found: Iterable[StoredRoundup],
) -> None:
    """Replace the flags of the ``regrouped`` articles with ``found``."""
    for chunk in _chunks(list(regrouped)):
        conn.execute(f"DELETE FROM roundups WHERE article IN ({','.join('?' * len(chunk))})", chunk)
    conn.executemany(
        "INSERT OR REPLACE INTO roundups (article, attached, cut, parts_json) VALUES (?, ?, ?, ?)",
        [
            (
                article,
                int(attached),
                int(cut),
                json.dumps(
                    [
                        {"member": m, "share": s, "sentences": list(t), "names": list(n)}
                        for m, s, t, n in parts
                    ]
                ),
            )
            for article, attached, cut, parts in found
        ],
    )


def cut_roundups(conn: sqlite3.Connection, articles: Sequence[str]) -> set[str]:
    """The articles of ``articles`` flagged as roundups the grouping cut: their pairs
    chain no thread, as in the batch. A flag whose ``cut`` is not known (stored before
    the ``roundup_cut`` step, not yet judged again) counts as not cut, as it did then."""
    out: set[str] = set()
    if not has_cut(conn):  # a migration before roundup_cut re-threading an old store
        return out
    for chunk in _chunks(articles):
        out.update(
            article
            for (article,) in conn.execute(
                f"SELECT article FROM roundups WHERE cut = 1 AND article IN "
                f"({','.join('?' * len(chunk))})",
                chunk,
            )
        )
    return out


def has_cut(conn: sqlite3.Connection) -> bool:
    """Whether the store records which roundups were cut (the ``roundup_cut`` step):
    an older store read before it is applied (read-only, or another process writing)
    and the migrations before it re-threading read none."""
    return any(row[1] == "cut" for row in conn.execute("PRAGMA table_info(roundups)"))


def unjudged(conn: sqlite3.Connection) -> list[str]:
    """The flagged roundups whose ``cut`` is not known (stored before the ``roundup_cut``
    step, joined to a story), in the order they were stored."""
    return [
        r[0] for r in conn.execute("SELECT article FROM roundups WHERE cut IS NULL ORDER BY rowid")
    ]


def roundups_of(conn: sqlite3.Connection, members: Sequence[str]) -> tuple[Roundup, ...]:
    """The flags of a story's ``members``, each part's story read from its member."""
    out = []
    cut = "cut" if has_cut(conn) else "0"
    for article in sorted(members):
        row = conn.execute(
            f"SELECT attached, parts_json, {cut} FROM roundups WHERE article=?", (article,)
        ).fetchone()
        if row is None:
            continue
        parts = []
        for p in json.loads(row[1]):
            story = conn.execute(
                "SELECT story_id FROM articles WHERE id=?", (p["member"],)
            ).fetchone()
            if story is not None:
                parts.append(
                    RoundupPart(story[0], p["share"], tuple(p["sentences"]), tuple(p["names"]))
                )
        out.append(
            Roundup(article=article, attached=bool(row[0]), parts=tuple(parts), cut=bool(row[2]))
        )
    return tuple(out)


def covered_stories(conn: sqlite3.Connection, articles: Sequence[str]) -> set[str]:
    """The stories the flagged roundups among ``articles`` cover (each part's member's
    story now): what a re-clustering holding one of them must hold too, as the batch's
    grouping does, to judge it again (see ``Store._regroup``)."""
    members: set[str] = set()
    for chunk in _chunks(articles):
        for (parts_json,) in conn.execute(
            f"SELECT parts_json FROM roundups WHERE article IN ({','.join('?' * len(chunk))})",
            chunk,
        ):
            members.update(part["member"] for part in json.loads(parts_json))
    out: set[str] = set()
    for chunk in _chunks(sorted(members)):
        out.update(
            story
            for (story,) in conn.execute(
                f"SELECT story_id FROM articles WHERE id IN ({','.join('?' * len(chunk))})",
                chunk,
            )
        )
    return out


def _chunks(ids: Sequence[str]) -> Iterator[list[str]]:
    """``ids`` in runs of 500, under SQLite's limit of bound parameters."""
    for start in range(0, len(ids), 500):
        yield list(ids[start : start + 500])
