"""An article from a fetched page: trafilatura's main text and metadata, the listing's
fields filling the gaps.

A page without article text is not an article. Navigation-only pages (a home page, a
section front, a list of headlines) come out of trafilatura as short lines of link
text ("Home", "News", headlines), so a page is refused when its *prose* — words on lines
that end a sentence, or on lines of at least :data:`LONG_LINE_WORDS` words — is under
:data:`MIN_PROSE_WORDS` words.
"""

from __future__ import annotations

import re
from typing import Any

from samestory.dates import parse_date
from samestory.follow.listing import Entry
from samestory.follow.urls import host_of
from samestory.ingest._common import clean_text, opt_str
from samestory.ingest.html import drop_title_line, extract_fields
from samestory.models import Article

MIN_PROSE_WORDS = 15
LONG_LINE_WORDS = 25
MAX_TEXT_CHARS = 200_000
_SENTENCE_END = re.compile(r"[.!?。！？…][\"'”’»)\]]*\s*$")
_HTML_LANG = re.compile(r"<html\b[^>]*?\blang\s*=\s*[\"']?([A-Za-z]{2,3})\b", re.I)


class NotAnArticle(Exception):
    """The page holds no article text (reason in the message)."""


def prose_words(text: str) -> int:
    """Words on the lines of ``text`` that read as prose (see the module docstring)."""
    total = 0
    for line in text.splitlines():
        words = len(line.split())
        if words >= LONG_LINE_WORDS or (words >= 4 and _SENTENCE_END.search(line)):
            total += words
    return total


def extract_article(
    html: str, url: str, article_id: str, entry: Entry | None
) -> tuple[Article, str | None]:
    """The article of a page fetched from ``url`` and its author (the article model has
    no author field: it is kept with the followed item); :class:`NotAnArticle` if none."""
    meta = extract_fields(html, url)
    text = opt_str(meta.get("text"))
    if not text:
        raise NotAnArticle("no article text in the page")
    if prose_words(text) < MIN_PROSE_WORDS:
        raise NotAnArticle(
            f"no article text (navigation-only page? {len(text.split())} words, "
            f"{prose_words(text)} of them prose)"
        )
    title = opt_str(meta.get("title")) or (entry.title if entry else None)
    text = drop_title_line(text, title)
    lang = _page_lang(html) or opt_str(meta.get("language")) or (entry.lang if entry else None)
    article = Article(
        id=article_id,
        text=clean_text(text, MAX_TEXT_CHARS),
        title=title,
        date=parse_date(meta.get("date")) or (entry.date if entry else None),
        source=_site_name(meta, url) or (entry.source if entry else None) or host_of(url),
        url=url,
        lang=lang.lower()[:2] if lang else None,
        origin=url,
    )
    return article, opt_str(meta.get("author")) or (entry.author if entry else None)


def _site_name(meta: dict[str, Any], url: str) -> str | None:
    """The page's site name; trafilatura's stand-in (the host name) does not count."""
    name = opt_str(meta.get("sitename"))
    host = host_of(url).split(":")[0]
    if name is None or name.lower() in (host, host.removeprefix("www.")):
        return None
    return name


def _page_lang(html: str) -> str | None:
    match = _HTML_LANG.search(html[:8192])
    return match.group(1) if match else None
