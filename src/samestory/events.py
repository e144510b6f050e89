"""Story events: what an add to the store changed, as JSON-ready dicts.

Three kinds, one JSON object a line when written out (``samestory follow --events``):

- ``new_story``: an article started a story of its own;
- ``new_version``: an article joined a story. ``closest`` is the stored version it is
  most similar to (highest story-similarity score among its relations inside the
  story), ``kind`` their relation (exact, near_duplicate, rewrite, same_event). For a
  ``rewrite`` or ``near_duplicate``, ``changes`` lists what the diff
  (:func:`samestory.diff.diff_articles`) found altered from the closest version to the
  new one: ``names``, ``numbers`` and ``quotes``, each a list of ``[old, new]`` pairs
  (``""`` for a side that is absent);
- ``stories_merged``: the add's re-clustering joined stories: ``story`` survives,
  ``merged`` lists the story ids that were folded into it.

Every event has ``event``, ``time`` (UTC, ISO 8601) and ``story``. Built from the
:class:`~samestory.store.AddReport` of a committed add, so an event is only ever
emitted for something stored.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping
from typing import IO, Any

from samestory.models import SCORE_DIGITS, Article, RelationKind
from samestory.pipeline.assemble import story_id
from samestory.store import AddReport, Store

MAX_CHANGES = 20  # per list: an event stays one readable line
MAX_MEMBERS = 2000  # versions searched for the closest one in a very large story
SQL_CHUNK = 500  # host parameters per query (by definition: under SQLite's limit of 999)
_DIFFED = (RelationKind.REWRITE, RelationKind.NEAR_DUPLICATE)


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def events_for(
    store: Store,
    report: AddReport,
    merged: Mapping[str, Iterable[str]] | None = None,
    with_diff: bool = True,
) -> list[dict[str, Any]]:
    """The events of one committed :meth:`Store.add`, in article order, merges last."""
    out: list[dict[str, Any]] = []
    new_stories = set(report.new_stories)
    for article_id, story in report.story_of.items():
        article = store.article(article_id)
        base = {
            "time": _now(),
            "story": story,
            "article": article_id,
            "title": article.title,
            "url": article.url,
            "source": article.source,
        }
        if story in new_stories and story == story_id(article_id):
            out.append({"event": "new_story", **base})
            continue
        found = _closest(store, report, article, story, with_diff)
        out.append({"event": "new_version", **base, **found})
    for story, folded in (merged or {}).items():
        out.append(
            {"event": "stories_merged", "time": _now(), "story": story, "merged": sorted(folded)}
        )
    return out


def _closest(
    store: Store, report: AddReport, article: Article, story: str, with_diff: bool
) -> dict[str, Any]:
    """The closest stored version of ``article`` in ``story``, their relation, changes.

    Taken from the report when the store gives it (``AddReport.closest``), else looked
    up in the stored relations."""
    given = getattr(report, "closest", {}).get(article.id)
    best = None
    if given is not None and given.kind is not None:
        other = given.a if given.b == article.id else given.b
        best = (other, given.kind, float(given.score))
    if best is None:
        best = closest_version(store, article.id, story)
    if best is None:
        return {"closest": None, "kind": None, "score": None}
    other, kind, score = best
    found: dict[str, Any] = {
        "closest": other,
        "kind": kind.value,
        "score": round(score, SCORE_DIGITS),
    }
    if with_diff and kind in _DIFFED:
        found["changes"] = changes(store.article(other), article, store)
    return found


def closest_version(
    store: Store, article_id: str, story: str
) -> tuple[str, RelationKind, float] | None:
    """``(other id, kind, score)`` of the strongest same-story relation of an article to
    another version of ``story`` (a ``follow_up`` is another story's, never one).

    Relations are keyed ``(a, b)`` with ``a`` stored first, so the relations of a new
    article are found as ``b`` of each member (a primary-key lookup per member, never a
    scan of the table), plus any where it is ``a`` (an article re-clustered later).
    """
    conn = store._conn
    members = [
        r[0]
        for r in conn.execute(
            "SELECT id FROM articles WHERE story_id=? AND id != ? ORDER BY rowid DESC LIMIT ?",
            (story, article_id, MAX_MEMBERS),
        )
    ]
    best: tuple[str, RelationKind, float] | None = None
    for start in range(0, len(members), SQL_CHUNK):
        chunk = members[start : start + SQL_CHUNK]
        rows = conn.execute(
            f"SELECT a, kind, score FROM relations WHERE b=? AND kind != 'follow_up' AND a IN "
            f"({','.join('?' * len(chunk))})",
            (article_id, *chunk),
        ).fetchall()
        for other, kind, score in rows:
            if best is None or score > best[2]:
                best = (other, RelationKind(kind), float(score))
    inside = set(members)
    for other, kind, score in conn.execute(
        "SELECT b, kind, score FROM relations WHERE a=? AND kind != 'follow_up'", (article_id,)
    ):
        if other in inside and (best is None or score > best[2]):
            best = (other, RelationKind(kind), float(score))
    return best


def changes(old: Article, new: Article, store: Store | None = None) -> dict[str, list[list[str]]]:
    """Names, numbers and quotes changed from ``old`` to ``new`` (sentence-aligned diff)."""
    from samestory.diff import diff_articles

    encoder = store._encoder_or_default() if store is not None else None
    diff = diff_articles(old, new, encoder=encoder)
    names: list[list[str]] = []
    numbers: list[list[str]] = []
    quotes: list[list[str]] = []
    for pair in diff.pairs:
        names += [list(c) for c in pair.changed_names]
        numbers += [list(c) for c in pair.changed_numbers]
        quotes += [list(c) for c in pair.changed_quotes]
    return {
        "names": _unique(names)[:MAX_CHANGES],
        "numbers": _unique(numbers)[:MAX_CHANGES],
        "quotes": _unique(quotes)[:MAX_CHANGES],
    }


def _unique(pairs: list[list[str]]) -> list[list[str]]:
    return [list(p) for p in dict.fromkeys(tuple(p) for p in pairs)]


def write_events(events: Iterable[Mapping[str, Any]], stream: IO[str]) -> None:
    """One JSON object a line, flushed after each batch (readers tail the file)."""
    for event in events:
        stream.write(json.dumps(event, ensure_ascii=False) + "\n")
    stream.flush()
