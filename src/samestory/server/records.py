"""Turn posted JSON records and uploaded files into articles, naming what is wrong.

Posted records carry the JSON Lines fields (``id, title, text, date, source, url,
lang``); only ``text`` is required. A record without an id gets ``api-`` and the first
16 hex digits of the SHA-1 of its text, so posting the same text twice names it the
same. Uploaded files go through the command line's readers (:mod:`samestory.ingest`),
so the web page reads exactly what ``samestory add`` reads.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from samestory.config import Config
from samestory.ingest import DEFAULT_FIELDS, read_paths
from samestory.ingest._common import SkipError, SourceFile, make_article
from samestory.models import Article, SkippedRecord

OPTIONAL_FIELDS = ("title", "date", "source", "url", "lang")
MAX_ID_CHARS = 500
_UNSAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


@dataclasses.dataclass(frozen=True, slots=True)
class RecordError:
    """Why record ``index`` (0-based, in the posted list) was not added."""

    index: int
    field: str | None
    message: str

    def to_dict(self) -> dict[str, Any]:
        return {"index": self.index, "field": self.field, "message": self.message}


def generated_id(text: str) -> str:
    return "api-" + hashlib.sha1(text.encode("utf-8")).hexdigest()[:16]


def parse_records(
    payload: Any, config: Config, max_records: int
) -> tuple[list[Article], list[RecordError]]:
    """Articles from one posted record or a list of them, and the records refused."""
    records = payload if isinstance(payload, list) else [payload]
    if len(records) > max_records:
        raise ValueError(f"{len(records)} records in one request; at most {max_records}")
    articles: list[Article] = []
    errors: list[RecordError] = []
    seen: set[str] = set()
    for index, record in enumerate(records):
        try:
            article = _parse_one(record, index, config)
        except _FieldError as exc:
            errors.append(RecordError(index, exc.field, exc.message))
            continue
        if article.id in seen:
            errors.append(RecordError(index, "id", f"id {article.id!r} repeats an earlier record"))
            continue
        seen.add(article.id)
        articles.append(article)
    return articles, errors


class _FieldError(Exception):
    def __init__(self, field: str | None, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def _parse_one(record: Any, index: int, config: Config) -> Article:
    if not isinstance(record, Mapping):
        raise _FieldError(None, f"record is not a JSON object (got {type(record).__name__})")
    text = record.get("text")
    if not isinstance(text, str) or not text.strip():
        raise _FieldError("text", "text is required and must be a non-empty string")
    for field in OPTIONAL_FIELDS:
        value = record.get(field)
        if value is not None and not isinstance(value, str):
            raise _FieldError(field, f"{field} must be a string or null")
    raw_id = record.get("id")
    if raw_id is not None and (isinstance(raw_id, bool) or not isinstance(raw_id, (str, int))):
        raise _FieldError("id", "id must be a string or an integer")
    article_id = str(raw_id).strip() if raw_id is not None else ""
    if len(article_id) > MAX_ID_CHARS:
        raise _FieldError("id", f"id is longer than {MAX_ID_CHARS} characters")
    fields = {k: record.get(k) for k in ("title", "text", *OPTIONAL_FIELDS)}
    fields["id"] = article_id or generated_id(text)
    src = SourceFile(Path("api"), DEFAULT_FIELDS, config)
    try:
        article = make_article(src, fields, index + 1)
    except SkipError as exc:
        raise _FieldError("text", str(exc)) from None
    if record.get("date") and article.date is None:
        raise _FieldError("date", f"date {record.get('date')!r} is not a date")
    return article


def safe_name(filename: str | None, number: int) -> str:
    """A file name that is only a name: no folders, no dots in front, safe characters.

    Keeps the extension (it picks the reader); the id of a text file is its stem, so the
    stem is kept as far as it is safe.
    """
    name = Path((filename or "").replace("\\", "/")).name
    name = _UNSAFE_NAME.sub("_", name).lstrip(".") or f"upload-{number}.txt"
    return name[-200:]


def read_uploads(
    files: Sequence[tuple[str | None, bytes]], config: Config
) -> tuple[list[Article], list[SkippedRecord]]:
    """Articles from uploaded files, read by the command line's readers.

    Each upload is written under a fresh temporary folder with a :func:`safe_name`, so
    nothing a client sends reaches another path; origins say ``upload:<name>``.
    """
    with tempfile.TemporaryDirectory(prefix="samestory-upload-") as folder:
        paths = []
        for number, (filename, data) in enumerate(files, start=1):
            path = Path(folder, f"{number:04d}", safe_name(filename, number))
            path.parent.mkdir()
            path.write_bytes(data)
            paths.append(path)
        result = read_paths(paths, config=config)

    def relabel(where: str | None) -> str | None:
        if where is None:
            return None
        return "upload:" + where.removeprefix(folder + "/").split("/", 1)[-1]

    articles = [dataclasses.replace(a, origin=relabel(a.origin)) for a in result.articles]
    skipped = [SkippedRecord(relabel(s.source) or "", s.error) for s in result.skipped]
    return articles, skipped
