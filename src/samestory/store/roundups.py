"""Roundups in the store: texts covering several stories, flagged as the batch flags them.

Each local re-clustering of an add groups with :func:`samestory.pipeline.group.group_with_roundups`,
as the batch does, and writes what it found for the articles it re-clustered. A flag
names each story a roundup covers by one of that story's members (``member``), not by
the story's id: ids change as stories merge and split on later adds, and the member's
story at read time is the part's story.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator, Sequence

from samestory.models import Roundup, RoundupPart

# A found roundup to write: its article, whether it joined a story, and its parts as
# (a member of the covered story, share, sentence indices, names).
StoredPart = tuple[str, float, Sequence[int], Sequence[str]]


def write_roundups(
    conn: sqlite3.Connection,
    regrouped: Iterable[str],
    found: Iterable[tuple[str, bool, Sequence[StoredPart]]],
) -> None:
    """Replace the flags of the ``regrouped`` articles with ``found``."""
    for chunk in _chunks(list(regrouped)):
        conn.execute(f"DELETE FROM roundups WHERE article IN ({','.join('?' * len(chunk))})", chunk)
    conn.executemany(
        "INSERT OR REPLACE INTO roundups VALUES (?, ?, ?)",
        [
            (
                article,
                int(attached),
                json.dumps(
                    [
                        {"member": m, "share": s, "sentences": list(t), "names": list(n)}
                        for m, s, t, n in parts
                    ]
                ),
            )
            for article, attached, parts in found
        ],
    )


def roundups_of(conn: sqlite3.Connection, members: Sequence[str]) -> tuple[Roundup, ...]:
    """The flags of a story's ``members``, each part's story read from its member."""
    out = []
    for article in sorted(members):
        row = conn.execute(
            "SELECT attached, parts_json FROM roundups WHERE article=?", (article,)
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
        out.append(Roundup(article=article, attached=bool(row[0]), parts=tuple(parts)))
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
