"""Record files: JSON Lines, JSON, CSV/TSV and Parquet, one article per record.

Fields are found through the :class:`FieldMap`; only the text is required. Record
numbers are 1-based: the physical line for JSON Lines, the item for a JSON list, the
data row (header excluded) for CSV/TSV and the row for Parquet. A record without an id
gets ``<file stem>:<N>``; its origin is ``<path>:<N>``.
"""

from __future__ import annotations

import csv
import io
import json
import sys
from collections.abc import Iterator
from typing import Any

from samestory.ingest._common import (
    Item,
    SkipError,
    SourceFile,
    decode_utf8,
    record_items,
)
from samestory.models import SkippedRecord


def read_jsonl(src: SourceFile, data: bytes) -> Iterator[Item]:
    """JSON Lines: a bad line (invalid UTF-8 or JSON) is skipped, the others are read."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    for number, raw in enumerate(data.split(b"\n"), start=1):
        if not raw.strip():
            continue
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            yield SkippedRecord(src.at(number), f"invalid UTF-8 at byte {exc.start} of the line")
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            yield SkippedRecord(src.at(number), f"invalid JSON on line {number}: {exc}")
            continue
        yield from record_items(src, iter([(number, record)]))


def read_json(src: SourceFile, data: bytes) -> Iterator[Item]:
    """JSON: a list of records, ``{"articles": [...]}``, or one record object.

    A file that is really JSON Lines (several objects, one per line) is read as such.
    """
    text = decode_utf8(data)
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        if exc.msg == "Extra data" and text.lstrip().startswith("{"):
            yield from read_jsonl(src, data)
            return
        raise SkipError(f"invalid JSON: {exc}") from None
    if isinstance(doc, dict) and isinstance(doc.get("articles"), list):
        doc = doc["articles"]
    if isinstance(doc, list):
        yield from record_items(src, enumerate(doc, start=1))
    elif isinstance(doc, dict):
        yield from record_items(src, iter([(1, doc)]), single=True)
    else:
        raise SkipError(f"JSON is neither a record nor a list of records ({type(doc).__name__})")


def read_csv(src: SourceFile, data: bytes) -> Iterator[Item]:
    """CSV (comma) or TSV (tab, for ``.tsv``/``.tab``) with a header row."""
    text = decode_utf8(data)
    delimiter = "\t" if src.path.suffix.lower() in {".tsv", ".tab"} else ","
    raise_csv_field_limit(len(text))
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter)
    if not reader.fieldnames:
        raise SkipError("no header row")
    _require_column(src, list(reader.fieldnames), "CSV header")
    number = 0
    try:
        for number, row in enumerate(reader, start=1):
            yield from record_items(src, iter([(number, row)]))
    except csv.Error as exc:
        yield SkippedRecord(src.at(number + 1), f"malformed CSV, rest of file skipped: {exc}")


def raise_csv_field_limit(size: int) -> None:
    """Let a whole article fit in one CSV field (the default limit is 128 KiB)."""
    wanted = min(max(size, csv.field_size_limit()), sys.maxsize // 2)
    if wanted > csv.field_size_limit():
        csv.field_size_limit(wanted)


def read_parquet(src: SourceFile, data: bytes) -> Iterator[Item]:
    """Parquet via pyarrow; only the mapped columns that exist are loaded."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        parquet = pq.ParquetFile(pa.BufferReader(data))
    except (pa.ArrowException, OSError, ValueError) as exc:
        raise SkipError(f"cannot read Parquet: {exc}") from None
    wanted = set(_mapped_names(src))
    columns = [name for name in parquet.schema_arrow.names if name in wanted]
    _require_column(src, parquet.schema_arrow.names, "Parquet file")
    number = 0
    for batch in parquet.iter_batches(columns=columns):
        rows: list[dict[str, Any]] = batch.to_pylist()
        yield from record_items(src, enumerate(rows, start=number + 1))
        number += len(rows)


def _require_column(src: SourceFile, columns: list[str], where: str) -> None:
    """Skip a whole table without its text column in one line naming the columns it has
    (a crawl calling its text ``body`` needs ``--text-field body``), not once per row."""
    text = src.fields.text
    if text not in columns and text.split(".")[0] not in columns:
        raise SkipError(f"no text column {text!r} in {where} (columns: {', '.join(columns)})")


def _mapped_names(src: SourceFile) -> list[str]:
    """Top-level column names the field map refers to (dotted paths by their first part)."""
    fields = src.fields
    names = [
        fields.id,
        fields.title,
        fields.text,
        fields.date,
        fields.source,
        fields.url,
        fields.lang,
    ]
    return names + [name.split(".")[0] for name in names]
