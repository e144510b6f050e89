"""News feeds (RSS 0.9x/1.0/2.0, Atom) via feedparser: one article per entry.

The entry text is its full content (the longest ``content`` value) or else its summary,
with HTML stripped; the title, link (as ``url``), published (or updated) date and
language come from the entry, the feed title is the ``source``. The id is the entry id,
else its link, else ``<file stem>:<N>``; the origin is ``<path>:<N>`` (N = entry number).

Feed detection (:func:`looks_like_feed`): after an optional BOM, XML declaration,
comments and processing instructions, the first element is ``<rss``, ``<feed`` or
``<rdf:RDF``. The bytes are parsed from memory, so feedparser never fetches anything.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Iterator, Mapping
from typing import Any

from samestory.dates import parse_date
from samestory.ingest._common import (
    FieldMap,
    Item,
    SkipError,
    SourceFile,
    html_to_text,
    opt_str,
    record_items,
)
from samestory.models import SkippedRecord

_FEED_START = re.compile(
    rb"^(?:\xef\xbb\xbf)?\s*(?:<\?xml[^>]*\?>\s*)?(?:(?:<!--.*?-->|<\?[^>]*\?>|<!DOCTYPE[^>]*>)\s*)*"
    rb"<(?:rss|feed|rdf:RDF)\b",
    re.IGNORECASE | re.DOTALL,
)
_ENTRY_FIELDS = FieldMap()  # entries are normalised to our own field names


def looks_like_feed(head: bytes) -> bool:
    """True when the first bytes of a file open an RSS, Atom or RDF feed."""
    return bool(_FEED_START.match(head[:4096]))


def read_feed(src: SourceFile, data: bytes) -> Iterator[Item]:
    """Articles from a feed; an entry without text is skipped, the others are read."""
    import feedparser

    parsed = feedparser.parse(io.BytesIO(data))
    entries = parsed.get("entries") or []
    if not entries:
        if parsed.get("bozo"):
            raise SkipError(f"not a valid feed: {parsed.get('bozo_exception')}")
        if not parsed.get("version"):
            raise SkipError("not a feed (no RSS/Atom channel found)")
        raise SkipError("feed has no entries")
    feed = parsed.get("feed") or {}
    defaults = {"source": opt_str(feed.get("title")), "lang": opt_str(feed.get("language"))}
    entry_src = SourceFile(src.path, _ENTRY_FIELDS, src.config)
    for number, entry in enumerate(entries, start=1):
        record = _entry_record(entry)
        if not record["text"]:
            yield SkippedRecord(src.at(number), "feed entry has no content or summary")
            continue
        yield from record_items(entry_src, iter([(number, record)]), defaults=defaults)


def _entry_record(entry: Mapping[str, Any]) -> dict[str, Any]:
    """An entry flattened to our field names, text and title as plain text."""
    return {
        "id": entry.get("id") or entry.get("link"),
        "title": _plain(entry.get("title"), entry.get("title_detail")),
        "text": _entry_text(entry),
        "date": _entry_date(entry),
        "url": entry.get("link"),
        "lang": _entry_lang(entry),
    }


def _entry_text(entry: Mapping[str, Any]) -> str | None:
    contents = [c for c in entry.get("content") or [] if c.get("value")]
    if contents:
        best = max(contents, key=lambda c: len(c["value"]))
        text = _plain(best["value"], best)
        if text:
            return text
    return _plain(entry.get("summary"), entry.get("summary_detail"))


def _plain(value: Any, detail: Mapping[str, Any] | None) -> str | None:
    """Text of a feed value, stripping markup unless it is declared plain text."""
    if not isinstance(value, str) or not value.strip():
        return None
    kind = (detail or {}).get("type", "text/html")
    text = value if kind == "text/plain" else html_to_text(value)
    return text or None


def _entry_date(entry: Mapping[str, Any]) -> dt.date | None:
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        parsed = entry.get(key)
        if parsed:
            try:
                return dt.date(parsed.tm_year, parsed.tm_mon, parsed.tm_mday)
            except (ValueError, AttributeError):
                continue
    for key in ("published", "updated", "created"):
        date = parse_date(entry.get(key))
        if date:
            return date
    return None


def _entry_lang(entry: Mapping[str, Any]) -> str | None:
    for key in ("content", "summary_detail", "title_detail"):
        value = entry.get(key)
        detail = value[0] if isinstance(value, list) and value else value
        if isinstance(detail, Mapping) and detail.get("language"):
            return str(detail["language"])
    return None
