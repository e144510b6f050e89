"""Shared pieces of the readers: the field map, the per-file context and value cleaning.

Everything here is forgiving on purpose: a value that cannot be understood becomes
``None`` (optional fields) or a :class:`SkipError` (the text), never an exception that
would stop a batch.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from samestory.config import DEFAULT_CONFIG, Config
from samestory.dates import parse_date
from samestory.errors import InputError
from samestory.models import Article, SkippedRecord
from samestory.normalize import is_blank

Item = Article | SkippedRecord
"""What a reader yields: an article, or the reason one input could not be read."""

_SURROGATES = re.compile(r"[\ud800-\udfff]")
_LANG_TAG = re.compile(r"^([A-Za-z]{2,3})(?:[-_][A-Za-z0-9]{1,8})*$")
_BLOCK_TAGS = frozenset(
    {
        "p",
        "div",
        "br",
        "li",
        "ul",
        "ol",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "blockquote",
        "tr",
        "table",
        "section",
        "article",
        "header",
        "footer",
        "pre",
        "hr",
        "dd",
        "dt",
        "figcaption",
    }
)
_SPACES = re.compile(r"\s+")
_DROP_TAGS = frozenset({"script", "style", "noscript", "template"})
_ANY_TAG = re.compile(r"<[A-Za-z!/?][^>]*>")


@dataclass(frozen=True)
class FieldMap:
    """Maps our field names to the input's column/key names.

    A name containing dots (``"meta.title"``) is looked up as a path into nested
    objects when no key with that exact name exists.
    """

    id: str = "id"
    title: str = "title"
    text: str = "text"
    date: str = "date"
    source: str = "source"
    url: str = "url"
    lang: str = "lang"


DEFAULT_FIELDS = FieldMap()
"""The identity field map (``id``, ``title``, ``text``, ``date``, ``source``, ``url``, ``lang``)."""


@dataclass
class IngestResult:
    """Everything read from a batch: the articles, and the inputs that were skipped."""

    articles: list[Article] = dataclasses.field(default_factory=list)
    skipped: list[SkippedRecord] = dataclasses.field(default_factory=list)


class SkipError(InputError):
    """Raised inside a reader for an input that must be skipped; the message is the reason."""


@dataclass(frozen=True)
class SourceFile:
    """One input file with what every reader needs to turn it into articles."""

    path: Path
    fields: FieldMap
    config: Config = DEFAULT_CONFIG

    @property
    def label(self) -> str:
        """The path as the user gave it (used in ``origin`` and skip messages)."""
        return str(self.path)

    def at(self, number: int) -> str:
        """``path:N`` for the N-th record (1-based)."""
        return f"{self.path}:{number}"

    def fallback_id(self, number: int | None = None) -> str:
        """The id of a record without one: the file stem, plus ``:N`` for records."""
        return self.path.stem if number is None else f"{self.path.stem}:{number}"


def decode_utf8(data: bytes) -> str:
    """Decode UTF-8 (with or without BOM); raise :class:`SkipError` naming the bad byte."""
    offset = 3 if data.startswith(b"\xef\xbb\xbf") else 0
    try:
        return data[offset:].decode("utf-8")
    except UnicodeDecodeError as exc:
        raise SkipError(f"invalid UTF-8 at byte {exc.start + offset}") from None


def clean_str(value: str) -> str:
    """Replace lone surrogates (legal in JSON, not encodable) and NULs; unify newlines."""
    value = _SURROGATES.sub("\ufffd", value).replace("\x00", "")
    return value.replace("\r\n", "\n").replace("\r", "\n")


def clean_text(value: str, max_chars: int) -> str:
    """Clean an article text and cut it to ``max_chars``; empty text is a :class:`SkipError`."""
    text = clean_str(value).strip()
    if is_blank(text):
        raise SkipError("empty text (invisible characters only)" if text else "empty text")
    return text[:max_chars].rstrip()


def opt_str(value: Any) -> str | None:
    """A scalar as a stripped one-line-safe string, or None for missing/empty/non-scalar."""
    if value is None or isinstance(value, (dict, list, tuple, set, bytes)):
        return None
    if isinstance(value, float) and value != value:  # NaN from pandas-made files
        return None
    text = clean_str(str(value)).strip()
    return text or None


def norm_lang(value: str | None) -> str | None:
    """``en-US``/``EN_gb`` → ``en``; values that are not language tags are kept as given."""
    if value is None:
        return None
    match = _LANG_TAG.match(value)
    return match.group(1).lower() if match else value


def lookup(record: Mapping[str, Any], key: str) -> Any:
    """``record[key]``, or a dotted path into nested objects; None when absent."""
    if key in record:
        return record[key]
    if "." not in key:
        return None
    current: Any = record
    for part in key.split("."):
        if not isinstance(current, Mapping) or part not in current:
            return None
        current = current[part]
    return current


def html_to_text(markup: str) -> str:
    """Plain text of an HTML fragment: tags dropped, block elements on their own lines."""
    if not _ANY_TAG.search(markup):
        import html

        return html.unescape(markup).strip()
    import lxml.etree
    import lxml.html

    try:
        root = lxml.html.fromstring(f"<div>{markup}</div>")
    except (lxml.etree.ParserError, ValueError):
        return _ANY_TAG.sub(" ", markup).strip()
    parts: list[str] = []
    _collect_text(root, parts)
    lines = (line.strip(" ") for line in "".join(parts).split("\n"))
    return "\n".join(line for line in lines if line)


def _collect_text(element: Any, parts: list[str]) -> None:
    """Depth-first text of ``element``: whitespace folded, block elements on new lines."""
    tag = element.tag.lower() if isinstance(element.tag, str) else ""
    if tag and tag not in _DROP_TAGS:
        block = tag in _BLOCK_TAGS
        if block:
            parts.append("\n")
        if element.text:
            parts.append(_SPACES.sub(" ", element.text))
        for child in element:
            _collect_text(child, parts)
        if block:
            parts.append("\n")
    if element.tail:
        parts.append(_SPACES.sub(" ", element.tail))


def make_article(
    src: SourceFile,
    record: Mapping[str, Any],
    number: int | None,
    defaults: Mapping[str, Any] | None = None,
) -> Article:
    """Build an article from one record using the field map; raise SkipError if unusable.

    ``number`` is the 1-based record number (None for a single-document file);
    ``defaults`` fill fields the record lacks (for example the feed title as source).
    """
    fields = src.fields
    raw_text = lookup(record, fields.text)
    if raw_text is None:
        raise SkipError(f"record has no text (field {fields.text!r} missing)")
    if isinstance(raw_text, (dict, list, tuple, set, bytes)):
        raise SkipError(f"field {fields.text!r} is not a string")
    text = clean_text(str(raw_text), src.config.max_text_chars)
    defaults = defaults or {}

    def field(name: str) -> Any:
        value = lookup(record, getattr(fields, name))
        return defaults.get(name) if value is None or value == "" else value

    return Article(
        id=opt_str(field("id")) or src.fallback_id(number),
        text=text,
        title=opt_str(field("title")),
        date=parse_date(field("date")),
        source=opt_str(field("source")),
        url=opt_str(field("url")),
        lang=norm_lang(opt_str(field("lang"))),
        origin=src.label if number is None else src.at(number),
    )


def record_items(
    src: SourceFile,
    records: Iterator[tuple[int, Any]],
    single: bool = False,
    defaults: Mapping[str, Any] | None = None,
) -> Iterator[Item]:
    """Articles from numbered records; a bad record becomes a SkippedRecord, the rest go on.

    ``single`` marks a one-record file (origin and fallback id without ``:N``).
    """
    for number, record in records:
        where = src.label if single else src.at(number)
        if not isinstance(record, Mapping):
            yield SkippedRecord(where, f"record is not an object (got {type(record).__name__})")
            continue
        try:
            yield make_article(src, record, None if single else number, defaults)
        except SkipError as exc:
            yield SkippedRecord(where, str(exc))
