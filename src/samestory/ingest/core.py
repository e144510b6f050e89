"""Walk the given paths, pick a reader per file, and never let bad input stop a batch."""

from __future__ import annotations

import dataclasses
import os
import stat
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from samestory.config import DEFAULT_CONFIG, Config
from samestory.ingest._common import (
    DEFAULT_FIELDS,
    FieldMap,
    IngestResult,
    Item,
    SkipError,
    SourceFile,
    decode_utf8,
)
from samestory.ingest.feeds import looks_like_feed, read_feed
from samestory.ingest.html import read_html
from samestory.ingest.records import read_csv, read_json, read_jsonl, read_parquet
from samestory.ingest.text import read_txt
from samestory.models import Article, SkippedRecord

Reader = Callable[[SourceFile, bytes], Iterator[Item]]
OnSkip = Callable[[SkippedRecord], None]

READERS: dict[str, Reader] = {
    ".txt": read_txt,
    ".text": read_txt,
    ".md": read_txt,
    ".markdown": read_txt,
    ".jsonl": read_jsonl,
    ".ndjson": read_jsonl,
    ".jsonlines": read_jsonl,
    ".json": read_json,
    ".csv": read_csv,
    ".tsv": read_csv,
    ".tab": read_csv,
    ".parquet": read_parquet,
    ".pq": read_parquet,
    ".html": read_html,
    ".htm": read_html,
    ".xhtml": read_html,
    ".xml": read_feed,
    ".rss": read_feed,
    ".atom": read_feed,
}
"""Reader by lower-cased file extension."""

_BINARY_OK = frozenset({read_parquet})
_BINARY_PROBE = 8192
_SNIFF = 4096


PathsArg = str | os.PathLike[str] | Iterable[str | os.PathLike[str]]
"""One path, or several: a lone ``str``/``Path`` is a path, not a sequence of characters."""


def _path_list(paths: PathsArg) -> Iterable[str | os.PathLike[str]]:
    return [paths] if isinstance(paths, str | os.PathLike) else paths


def read_paths(
    paths: PathsArg,
    fields: FieldMap = DEFAULT_FIELDS,
    config: Config = DEFAULT_CONFIG,
    on_skip: OnSkip | None = None,
) -> IngestResult:
    """Read every article under ``paths`` (one path or several); see :func:`iter_paths`."""
    result = IngestResult()
    for item in iter_paths(paths, fields, config, on_skip):
        if isinstance(item, Article):
            result.articles.append(item)
        else:
            result.skipped.append(item)
    return result


def iter_paths(
    paths: PathsArg,
    fields: FieldMap = DEFAULT_FIELDS,
    config: Config = DEFAULT_CONFIG,
    on_skip: OnSkip | None = None,
) -> Iterator[Article | SkippedRecord]:
    """Stream the articles under ``paths`` (files or folders), and what was skipped.

    - Folders are walked recursively in sorted order, hidden files and folders
      (names starting with ``.``) left out, files of unknown type ignored unless
      their content opens a feed. A file named explicitly with an unknown extension
      is read as text when it is UTF-8, else skipped. The same file reached twice
      is read once.
    - Nothing raises for bad input: each unreadable file or record becomes a
      :class:`SkippedRecord` (``source`` = path or ``path:N``), passed to ``on_skip``
      as it happens and yielded in order with the articles.
    - Ids are unique within one call: a repeated id is kept but renamed with a
      suffix, ``X``, ``X#2``, ``X#3``..., in reading order (so the first one read
      keeps the plain id).
    """
    ids = _UniqueIds()
    seen_files: set[Path] = set()
    for raw in _path_list(paths):
        for path, explicit in _expand(Path(raw)):
            key = _file_key(path)
            if key in seen_files:
                continue
            seen_files.add(key)
            for item in _read_file(SourceFile(path, fields, config), explicit):
                if isinstance(item, Article):
                    yield ids.assign(item)
                else:
                    if on_skip is not None:
                        on_skip(item)
                    yield item


def _expand(path: Path) -> Iterator[tuple[Path, bool]]:
    """The files a path stands for, each with whether it was named explicitly."""
    if path.is_dir():
        for file in _walk(path):
            yield file, False
    else:
        yield path, True


def _walk(root: Path) -> list[Path]:
    """Non-hidden files under ``root``, sorted by their path components."""
    found: list[Path] = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if not d.startswith(".")]
        found.extend(Path(dirpath, f) for f in filenames if not f.startswith("."))
    return sorted(found, key=lambda p: p.relative_to(root).parts)


def _file_key(path: Path) -> Path:
    try:
        return path.resolve()
    except (OSError, RuntimeError):
        return path.absolute()


def _read_file(src: SourceFile, explicit: bool) -> Iterator[Item]:
    """All items of one file, turning every failure into a SkippedRecord."""
    try:
        yield from _read_checked(src, explicit)
    except SkipError as exc:
        yield SkippedRecord(src.label, str(exc))
    except OSError as exc:
        yield SkippedRecord(src.label, _os_reason(exc))
    except Exception as exc:  # a reader bug or a library surprise must not stop the batch
        yield SkippedRecord(src.label, f"unexpected error: {type(exc).__name__}: {exc}")


def _read_checked(src: SourceFile, explicit: bool) -> Iterator[Item]:
    """Stat, size and type checks, then the reader for the file."""
    size = _regular_file_size(src.path)
    reader = READERS.get(src.path.suffix.lower())
    if reader is None and not explicit:
        if not looks_like_feed(_read_head(src.path)):
            return  # unknown file inside a folder: ignored silently
        reader = read_feed
    limit = src.config.max_file_bytes
    if size > limit:
        raise SkipError(f"file too large ({_human(size)} > {_human(limit)} limit)")
    data = _read_bounded(src.path, limit)
    if reader not in _BINARY_OK and b"\x00" in data[:_BINARY_PROBE]:
        raise SkipError("binary file")
    if reader is None or (reader is read_txt and looks_like_feed(data[:_SNIFF])):
        reader = _sniff_reader(src, data)
    yield from reader(src, data)


def _sniff_reader(src: SourceFile, data: bytes) -> Reader:
    """Reader for a file whose extension says nothing: a feed, else UTF-8 text."""
    if looks_like_feed(data[:_SNIFF]):
        return read_feed
    suffix = src.path.suffix.lower()
    if suffix not in READERS:
        try:
            decode_utf8(data)
        except SkipError as exc:
            kind = f"'{suffix}'" if suffix else "(no extension)"
            raise SkipError(f"unsupported file type {kind} and not UTF-8 text ({exc})") from None
    return read_txt


def _regular_file_size(path: Path) -> int:
    info = path.stat()
    if not stat.S_ISREG(info.st_mode):
        raise SkipError("not a regular file")
    return info.st_size


def _read_head(path: Path) -> bytes:
    with path.open("rb") as handle:
        return handle.read(_SNIFF)


def _read_bounded(path: Path, limit: int) -> bytes:
    """The file's bytes, refusing one that grew past ``limit`` since it was checked."""
    with path.open("rb") as handle:
        data = handle.read(limit + 1)
    if len(data) > limit:
        raise SkipError(f"file too large (> {_human(limit)} limit)")
    return data


def _human(size: int) -> str:
    """``52.4 MB`` (decimal megabytes, as the limit is set), or bytes for small sizes."""
    return f"{size / 1e6:.1f} MB" if size >= 100_000 else f"{size:,} bytes"


def _os_reason(exc: OSError) -> str:
    if isinstance(exc, FileNotFoundError):
        return "no such file or directory"
    if isinstance(exc, PermissionError):
        return "cannot read file: permission denied"
    return f"cannot read file: {exc.strerror or exc}"


class _UniqueIds:
    """Renames repeated ids ``X`` → ``X#2``, ``X#3``... (first come keeps ``X``)."""

    def __init__(self) -> None:
        self._seen: set[str] = set()
        self._next: dict[str, int] = {}

    def assign(self, article: Article) -> Article:
        if article.id not in self._seen:
            self._seen.add(article.id)
            return article
        n = self._next.get(article.id, 2)
        while f"{article.id}#{n}" in self._seen:
            n += 1
        self._next[article.id] = n + 1
        new_id = f"{article.id}#{n}"
        self._seen.add(new_id)
        return dataclasses.replace(article, id=new_id)
