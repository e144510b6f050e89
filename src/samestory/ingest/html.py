"""Web pages (``.html``/``.htm``): main text and metadata via trafilatura, offline.

trafilatura drops navigation, footers and other page furniture and reads the title,
publication date, canonical URL and site name (used as ``source``) from the page's
metadata. Nothing is fetched: the page bytes are handed over as they are (trafilatura
honours the page's declared charset). The language comes from ``<html lang>``.

When trafilatura cannot be imported (a broken optional dependency), a plain lxml
extractor takes over: text of ``<article>``/``<main>``/``<body>`` without
``nav``/``header``/``footer``/``aside``/``script``/``style``, title and date from
``og:``/``article:`` meta tags.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from samestory.dates import parse_date
from samestory.ingest._common import (
    Item,
    SkipError,
    SourceFile,
    clean_text,
    html_to_text,
    opt_str,
)
from samestory.models import Article

_HTML_LANG = re.compile(rb"<html\b[^>]*?\blang\s*=\s*[\"']?([A-Za-z]{2,3})\b", re.IGNORECASE)
_FURNITURE = ("nav", "header", "footer", "aside", "script", "style", "noscript", "form")


def read_html(src: SourceFile, data: bytes) -> Iterator[Item]:
    """One article per page; a page without main text is skipped."""
    meta = extract_fields(data)
    text = opt_str(meta.get("text"))
    if not text:
        raise SkipError("no article text found in HTML")
    title = opt_str(meta.get("title"))
    text = drop_title_line(text, title)
    yield Article(
        id=src.fallback_id(),
        text=clean_text(text, src.config.max_text_chars),
        title=title,
        date=parse_date(meta.get("date")),
        source=opt_str(meta.get("sitename")),
        url=opt_str(meta.get("url")),
        lang=_page_lang(data),
        origin=src.label,
    )


def extract_fields(data: bytes | str, url: str | None = None) -> dict[str, Any]:
    """trafilatura's text and metadata as a dict (lxml fallback when unavailable).

    One extraction for the file readers and the follower (which passes the page's URL).
    """
    try:
        import trafilatura
    except ImportError:
        return _extract_with_lxml(data if isinstance(data, bytes) else data.encode())
    doc = trafilatura.bare_extraction(
        data, url=url, with_metadata=True, include_comments=False, include_tables=True
    )
    if doc is None:
        return {}
    return doc if isinstance(doc, dict) else doc.as_dict()


def drop_title_line(text: str, title: str | None) -> str:
    """The page's ``<h1>`` often opens the text: drop it when it repeats the title."""
    first, _, rest = text.partition("\n")
    if title and rest.strip() and first.strip().casefold() == title.casefold():
        return rest
    return text


def _page_lang(data: bytes) -> str | None:
    match = _HTML_LANG.search(data[:8192])
    return match.group(1).decode("ascii").lower() if match else None


def _extract_with_lxml(data: bytes) -> dict[str, Any]:
    """Minimal main-text extraction with lxml only."""
    import lxml.etree
    import lxml.html

    try:
        root = lxml.html.document_fromstring(data)
    except (ValueError, lxml.etree.ParserError):
        return {}
    meta = {
        (el.get("property") or el.get("name") or "").lower(): el.get("content")
        for el in root.iter("meta")
    }
    title_el = root.find(".//title")
    for tag in _FURNITURE:
        for el in list(root.iter(tag)):
            el.drop_tree()
    found = (root.find(f".//{tag}") for tag in ("article", "main", "body"))
    body = next((el for el in found if el is not None), None)
    markup = lxml.html.tostring(body, encoding="unicode") if body is not None else ""
    return {
        "text": html_to_text(markup),
        "title": meta.get("og:title") or (None if title_el is None else title_el.text_content()),
        "date": meta.get("article:published_time") or meta.get("date"),
        "url": meta.get("og:url"),
        "sitename": meta.get("og:site_name"),
    }
