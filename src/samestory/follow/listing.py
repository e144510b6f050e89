"""What a source lists: entries of an RSS/Atom feed, a (news) sitemap or a file of URLs.

A source answers with a :class:`Listing`: its entries (links to articles, with whatever
the listing says about them) and, for a sitemap index, the child sitemaps to read in
the same pass. The kind is decided by content, not by the URL: a feed opens with
``<rss``/``<feed``/``<rdf:RDF``, a sitemap with ``<urlset``/``<sitemapindex``; an HTML page
where a feed was expected is refused with that reason.

Each entry has a ``fingerprint`` over what the listing says (link, title, dates,
summary): an item already stored is fetched again only when its fingerprint changes.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import re
import warnings
from collections.abc import Mapping
from typing import Any
from xml.etree import ElementTree

from samestory.dates import parse_date

MAX_ENTRIES = 10_000  # per listing: memory stays bounded whatever a source sends
MAX_CHILD_SITEMAPS = 200
_HTML_START = re.compile(
    rb"^(?:\xef\xbb\xbf)?\s*(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html)\b", re.I | re.S
)
_SITEMAP_START = re.compile(rb"<(?:\w+:)?(urlset|sitemapindex)\b", re.I)
_FEED_START = re.compile(rb"<(?:rss|feed|rdf:RDF)\b", re.I)
_TAGS = re.compile(r"<[^>]+>")


class ListingError(Exception):
    """A listing that cannot be read (reason in the message)."""


@dataclasses.dataclass(frozen=True, slots=True)
class Entry:
    """One link a source lists, and what the source says about it."""

    url: str
    title: str | None = None
    date: dt.date | None = None
    author: str | None = None
    summary: str | None = None
    source: str | None = None
    lang: str | None = None
    fingerprint: str = ""


@dataclasses.dataclass(frozen=True, slots=True)
class Listing:
    kind: str  # "feed", "sitemap", "sitemapindex" or "urls"
    entries: list[Entry]
    children: list[str] = dataclasses.field(default_factory=list)
    problems: list[str] = dataclasses.field(default_factory=list)  # lines skipped, with why


def fingerprint(*parts: object) -> str:
    text = "\x1f".join("" if p is None else str(p) for p in parts)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def parse_listing(body: bytes, content_type: str = "") -> Listing:
    """A feed or a sitemap from response bytes; :class:`ListingError` if neither."""
    head = body[:4096]
    if not body.strip():
        raise ListingError("empty response")
    sitemap = _SITEMAP_START.search(head)
    feed = _FEED_START.search(head)
    if sitemap and (feed is None or sitemap.start() < feed.start()):
        return parse_sitemap(body)
    if _HTML_START.match(head) or (content_type == "text/html" and feed is None):
        raise ListingError("not a feed: the URL answers an HTML page")
    return parse_feed(body, content_type)


def parse_feed(body: bytes, content_type: str = "") -> Listing:
    import feedparser  # type: ignore[import-untyped]

    parsed = feedparser.parse(body, response_headers={"content-type": content_type or "text/xml"})
    feed = parsed.get("feed") or {}
    source = _plain(feed.get("title"))
    lang = _plain(feed.get("language"))
    out = []
    for entry in (parsed.get("entries") or [])[:MAX_ENTRIES]:
        link = _entry_link(entry)
        if link:
            out.append(_feed_entry(entry, link, source, lang))
    if not out:
        if not parsed.get("version"):
            raise ListingError("not a feed (no RSS/Atom channel found)")
        if parsed.get("bozo"):
            raise ListingError(f"invalid feed XML: {parsed.get('bozo_exception')}")
    return Listing("feed", out)


def _entry_link(entry: Mapping[str, Any]) -> str | None:
    link = entry.get("link")
    if isinstance(link, str) and link.strip():
        return link.strip()
    guid = entry.get("id")
    if entry.get("guidislink") and isinstance(guid, str) and guid.startswith("http"):
        return guid
    return None


def _feed_entry(entry: Mapping[str, Any], link: str, source: str | None, lang: str | None) -> Entry:
    title = _plain(entry.get("title"))
    summary = _plain(entry.get("summary"))
    stamp = entry.get("published") or _updated(entry)
    return Entry(
        url=link,
        title=title,
        date=_entry_date(entry),
        author=_plain(entry.get("author")),
        summary=summary,
        source=source,
        lang=lang,
        fingerprint=fingerprint(link, title, stamp, summary),
    )


def _updated(entry: Mapping[str, Any]) -> Any:
    with warnings.catch_warnings():  # feedparser warns when it maps updated to published
        warnings.simplefilter("ignore", DeprecationWarning)
        return entry.get("updated")


def _entry_date(entry: Mapping[str, Any]) -> dt.date | None:
    for key in ("published_parsed", "updated_parsed"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            value = entry.get(key)
        if value:
            try:
                return dt.date(value.tm_year, value.tm_mon, value.tm_mday)
            except (ValueError, AttributeError):
                continue
    return parse_date(entry.get("published") or _updated(entry))


def _plain(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    text = " ".join(_TAGS.sub(" ", value).split())
    return text or None


# ------------------------------------------------------------------------- sitemaps


def parse_sitemap(body: bytes) -> Listing:
    """A sitemap (``<urlset>``, news extension read) or a sitemap index."""
    try:
        root = ElementTree.fromstring(body)
    except ElementTree.ParseError as exc:
        raise ListingError(f"invalid sitemap XML: {exc}") from None
    name = _local(root.tag)
    if name == "sitemapindex":
        children = [
            loc
            for node in root
            if _local(node.tag) == "sitemap" and (loc := _child_text(node, "loc"))
        ]
        return Listing("sitemapindex", [], children[:MAX_CHILD_SITEMAPS])
    if name != "urlset":
        raise ListingError(f"not a sitemap (root element <{name}>)")
    entries = []
    for node in root:
        if _local(node.tag) != "url":
            continue
        loc = _child_text(node, "loc")
        if not loc:
            continue
        news = next((n for n in node if _local(n.tag) == "news"), None)
        title = _child_text(news, "title") if news is not None else None
        published = _child_text(news, "publication_date") if news is not None else None
        lastmod = _child_text(node, "lastmod")
        publication = (
            next((n for n in news if _local(n.tag) == "publication"), None)
            if news is not None
            else None
        )
        entries.append(
            Entry(
                url=loc,
                title=title,
                date=parse_date(published or lastmod),
                source=_child_text(publication, "name") if publication is not None else None,
                lang=_child_text(publication, "language") if publication is not None else None,
                fingerprint=fingerprint(loc, title, published, lastmod),
            )
        )
        if len(entries) >= MAX_ENTRIES:
            break
    return Listing("sitemap", entries)


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1].lower()


def _child_text(node: ElementTree.Element | None, name: str) -> str | None:
    if node is None:
        return None
    for child in node:
        if _local(child.tag) == name and child.text and child.text.strip():
            return child.text.strip()
    return None


# ------------------------------------------------------------------------ URL lists


def parse_url_list(text: str) -> Listing:
    """One URL a line; blank lines and ``#`` comments ignored, other lines that are not
    http(s) URLs reported in ``problems``."""
    entries, problems = [], []
    for number, line in enumerate(text.splitlines(), start=1):
        url = line.strip()
        if not url or url.startswith("#"):
            continue
        if not url.lower().startswith(("http://", "https://")):
            problems.append(f"line {number} is not an http(s) URL: {url[:80]}")
            continue
        entries.append(Entry(url=url, fingerprint=fingerprint(url)))
    return Listing("urls", entries[:MAX_ENTRIES], problems=problems)
