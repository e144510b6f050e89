"""Plain-text documents (``.txt``, ``.md``): one article per file.

Layout rules, in order:

1. A leading ``date YYYY-MM-DD`` token (optionally ``date: ...``) at the start of the
   first non-empty line sets the article date and is removed.
2. The first non-empty line (after the date token) is the title when it *reads like a
   title*: at most 200 characters and 30 words, not ending with sentence punctuation
   (``.`` or ``。``) or a lead-in (``,`` ``;`` ``:``), and more text follows it. A title
   line is removed from the text, as title and text are separate fields in record files.
   Markdown heading marks (``# ``) are stripped from it.
3. Otherwise the whole document is the text and the title is None.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator

from samestory.config import DEFAULT_CONFIG, Config
from samestory.ingest._common import Item, SkipError, SourceFile, clean_str, decode_utf8
from samestory.models import Article
from samestory.normalize import is_blank, reads_like_title

_DATE_TOKEN = re.compile(r"^\s*date\s*:?\s*(\d{4})-(\d{2})-(\d{2})(?!\d)[ \t]*", re.IGNORECASE)
_MD_HEADING = re.compile(r"^#{1,6}\s+")


def read_text_blob(
    text: str, id: str, origin: str | None = None, config: Config = DEFAULT_CONFIG
) -> Article:
    """Parse a ``.txt``-style document into an article (title and date rules above).

    Raises ``ValueError`` when the document has no text; the text is cut to
    ``config.max_text_chars``.
    """
    body = clean_str(text).strip()
    date, body = _take_date(body)
    title, body = _take_title(body)
    body = body.strip()
    if is_blank(body):
        raise ValueError("empty text (invisible characters only)" if body else "empty text")
    return Article(
        id=id,
        text=body[: config.max_text_chars].rstrip(),
        title=title,
        date=date,
        origin=origin,
    )


def read_txt(src: SourceFile, data: bytes) -> Iterator[Item]:
    """Reader for text files: strict UTF-8, one article named after the file stem."""
    text = decode_utf8(data)
    try:
        yield read_text_blob(text, src.fallback_id(), src.label, src.config)
    except ValueError as exc:
        raise SkipError(str(exc)) from None


def _take_date(body: str) -> tuple[dt.date | None, str]:
    """Pull a leading ``date YYYY-MM-DD`` token off the document, if it is a real date."""
    match = _DATE_TOKEN.match(body)
    if not match:
        return None, body
    try:
        date = dt.date(*(int(g) for g in match.groups()))
    except ValueError:
        return None, body
    return date, body[match.end() :].lstrip(" \t")


def _take_title(body: str) -> tuple[str | None, str]:
    """Split off the first non-empty line when it reads like a title."""
    stripped = body.lstrip()
    first, _, rest = stripped.partition("\n")
    candidate = _MD_HEADING.sub("", first.strip()).strip()
    if rest.strip() and looks_like_title(candidate):
        return candidate, rest
    return None, stripped


def looks_like_title(line: str) -> bool:
    """Not empty and reads like a title (:func:`samestory.normalize.reads_like_title`:
    <= 200 chars, <= 30 words, not ending like a sentence or a lead-in)."""
    line = line.strip()
    return bool(line) and reads_like_title(line)
