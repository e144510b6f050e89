"""Deduplicating record files for dataset builders: every record back, annotated.

``samestory dedup INPUT OUTPUT`` reads a JSON Lines, Parquet or CSV/TSV file (or a
folder of part files), groups its articles into stories with the batch pipeline, and
writes every input record back, every original column kept, with four columns added:

- ``story_id``: the story the record belongs to (as ``samestory cluster``);
- ``copy_group``: the id of the record's copy group, i.e. of the earliest input record
  it is an exact or near-duplicate copy of (its own id when it has no earlier copy);
- ``first_version``: the id of the story's first version;
- ``relation_to_first``: how the record relates to the first version (``first`` for the
  first version itself; ``exact``, ``near_duplicate``, ``rewrite``, ``same_event`` when
  that pair was scored; otherwise the relation of its copy group's representative to the
  first version; null when neither pair was scored, i.e. the record belongs to the story
  through other versions).

``keep`` selects records: ``all`` (default), or one per group (``by``: ``copy`` groups
or whole ``story``): ``first`` keeps the group's first version in time order, ``longest``
the one with the longest text (ties: the earlier record). Records that could not be read
as articles (no text) are written back with null annotations in every mode: nothing in
the input is lost. Output order is input order.

CSV in, CSV out: the header's columns in their order, then the four added (an input
column of the same name gives way to them); cells quoted only where needed (RFC 4180,
``\r\n`` rows, as Python's :mod:`csv` writes them); a byte order mark written back when
the input had one (Excel wants it to read UTF-8). A row with more cells than the header
cannot be written back under it: it is skipped, named. Records of JSON Lines or Parquet
written as CSV take the columns in the order they first appear; a nested value is
written as its JSON, a null as an empty cell.

The same annotations come out of the Spark job (``samestory spark --dedup``): both
call :func:`story_annotations` on each story.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from samestory.config import DEFAULT_CONFIG, Config
from samestory.ingest._common import (
    DEFAULT_FIELDS,
    FieldMap,
    SkipError,
    SourceFile,
    decode_utf8,
    lookup,
    make_article,
)
from samestory.ingest.records import raise_csv_field_limit
from samestory.models import Article, SkippedRecord, Story

if TYPE_CHECKING:
    import pyarrow as pa

KEEP_MODES = ("all", "first", "longest")
GROUP_BY = ("copy", "story")
ADDED_COLUMNS = ("story_id", "copy_group", "first_version", "relation_to_first")
JSONL_SUFFIXES = (".jsonl", ".json", ".ndjson", ".jl")
PARQUET_SUFFIXES = (".parquet", ".pq")
CSV_SUFFIXES = (".csv", ".tsv", ".tab")
TAB_SUFFIXES = (".tsv", ".tab")
# Written by some Windows tools at the start of a UTF-8 file; json.loads refuses it.
UTF8_BOM = b"\xef\xbb\xbf"


@dataclasses.dataclass(frozen=True, slots=True)
class Annotation:
    """What dedup adds to one record, and whether the record is kept."""

    story_id: str
    copy_group: str
    first_version: str
    relation_to_first: str | None
    keep: bool

    def columns(self) -> dict[str, str | None]:
        return {
            "story_id": self.story_id,
            "copy_group": self.copy_group,
            "first_version": self.first_version,
            "relation_to_first": self.relation_to_first,
        }


@dataclasses.dataclass
class RecordSet:
    """The records of an input, in order, with the Arrow schema when it was Parquet, the
    header's columns when it was CSV and whether it began with a byte order mark."""

    records: list[dict[str, Any]]
    origins: list[str]
    schema: pa.Schema | None = None
    skipped: list[SkippedRecord] = dataclasses.field(default_factory=list)
    columns: list[str] | None = None
    bom: bool = False


def format_of(path: str | Path) -> str:
    """``"parquet"``, ``"jsonl"`` or ``"csv"`` from a file's extension (or the part
    files of a folder)."""
    path = Path(path)
    names = (
        [p.name.lower() for p in sorted(path.rglob("*")) if p.is_file()]
        if path.is_dir()
        else [path.name.lower()]
    )
    if any(n.endswith(PARQUET_SUFFIXES) for n in names):
        return "parquet"
    if any(n.endswith(JSONL_SUFFIXES) for n in names):
        return "jsonl"
    if any(n.endswith(CSV_SUFFIXES) for n in names):
        return "csv"
    raise ValueError(
        f"{path}: expected a .jsonl, .parquet, .csv or .tsv file (or a folder of them)"
    )


def _part_files(path: Path, suffixes: tuple[str, ...]) -> list[Path]:
    if not path.is_dir():
        return [path]
    return [p for p in sorted(path.rglob("*")) if p.is_file() and p.name.lower().endswith(suffixes)]


def read_records(path: str | Path) -> RecordSet:
    """Every record of a JSON Lines, Parquet or CSV input, with each record's ``file:N``.

    A JSON Lines line that is not a JSON object, or a CSV row with more cells than its
    header, is listed in ``skipped`` (it cannot be written back as a record); everything
    else is read.
    """
    path = Path(path)
    kind = format_of(path)
    if kind == "csv":
        return _csv_records(path)
    if kind == "parquet":
        import pyarrow as pa
        import pyarrow.parquet as pq

        tables = [pq.read_table(p) for p in _part_files(path, PARQUET_SUFFIXES)]
        table = pa.concat_tables(tables, promote_options="default") if tables else None
        if table is None:
            raise ValueError(f"{path}: no Parquet file")
        records = table.to_pylist()
        origins = [f"{path}:{n}" for n in range(1, len(records) + 1)]
        return RecordSet(records, origins, table.schema)
    out = RecordSet([], [])
    for part in _part_files(path, JSONL_SUFFIXES):
        with part.open("rb") as fh:
            for number, raw in enumerate(fh, start=1):
                where = f"{part}:{number}"
                record = _json_line(raw.removeprefix(UTF8_BOM) if number == 1 else raw, number)
                if isinstance(record, dict):
                    out.records.append(record)
                    out.origins.append(where)
                elif record is not None:
                    out.skipped.append(SkippedRecord(where, record))
    return out


def _delimiter(path: Path) -> str:
    return "\t" if path.name.lower().endswith(TAB_SUFFIXES) else ","


def _csv_records(path: Path) -> RecordSet:
    """The rows of CSV/TSV part files as records (every cell a string; a short row's
    missing cells None), read as ``samestory cluster`` reads them: a byte order mark
    read past, row N is ``file:N``, a malformed row skips the rest of its file."""
    out = RecordSet([], [])
    columns: dict[str, None] = {}  # every part's header, in order
    for part in _part_files(path, CSV_SUFFIXES):
        data = part.read_bytes()
        out.bom = out.bom or data.startswith(UTF8_BOM)
        try:
            text = decode_utf8(data)
        except SkipError as exc:
            out.skipped.append(SkippedRecord(str(part), str(exc)))
            continue
        raise_csv_field_limit(len(text))
        reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=_delimiter(part))
        header = list(reader.fieldnames or [])
        columns.update(dict.fromkeys(header))
        _csv_rows(reader, part, len(header), out)
    out.columns = list(columns)
    return out


def _csv_rows(reader: csv.DictReader[str], part: Path, width: int, out: RecordSet) -> None:
    number = 0
    try:
        for number, row in enumerate(reader, start=1):
            where = f"{part}:{number}"
            extra = row.pop(None, None)  # type: ignore[call-overload]
            if extra:
                cells = width + len(extra)
                out.skipped.append(
                    SkippedRecord(where, f"row has {cells} cells; the header names {width}")
                )
                continue
            out.records.append(row)
            out.origins.append(where)
    except csv.Error as exc:
        reason = f"malformed CSV, rest of file skipped: {exc}"
        out.skipped.append(SkippedRecord(f"{part}:{number + 1}", reason))


def _json_line(raw: bytes, number: int) -> dict[str, Any] | str | None:
    """One JSON Lines line: its record, the reason it cannot be one, or None when blank.

    The reasons are worded as ``samestory cluster`` words them (ingest.records), so one
    bad line reads the same in both commands.
    """
    if not raw.strip():
        return None
    try:
        record = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        return f"invalid UTF-8 at byte {exc.start} of the line"
    except json.JSONDecodeError as exc:
        return f"invalid JSON on line {number}: {exc}"
    if not isinstance(record, dict):
        return f"record is not an object (got {type(record).__name__})"
    return record


def records_to_articles(
    records: RecordSet, fields: FieldMap = DEFAULT_FIELDS, config: Config = DEFAULT_CONFIG
) -> tuple[list[Article], list[int], list[SkippedRecord]]:
    """Articles of the readable records, the record index of each, and the unreadable.

    Repeated ids are renamed ``X#2``, ``X#3``... as the readers do; a record without
    an id gets ``row:N`` (its 1-based position).
    """
    articles: list[Article] = []
    rows: list[int] = []
    skipped: list[SkippedRecord] = []
    seen: set[str] = set()
    for row, (record, where) in enumerate(zip(records.records, records.origins, strict=True)):
        src = SourceFile(Path("row"), fields, config)
        try:
            article = make_article(src, record, row + 1)
        except SkipError as exc:
            skipped.append(SkippedRecord(where, str(exc)))
            continue
        article = dataclasses.replace(article, id=_unique(article.id, seen), origin=where)
        articles.append(article)
        rows.append(row)
    return articles, rows, skipped


def _unique(article_id: str, seen: set[str]) -> str:
    new_id, n = article_id, 2
    while new_id in seen:
        new_id, n = f"{article_id}#{n}", n + 1
    seen.add(new_id)
    return new_id


def story_annotations(
    story: Story,
    copy_of: Mapping[str, str],
    lengths: Mapping[str, int],
    order: Mapping[str, int],
    keep: str = "all",
    by: str = "copy",
) -> dict[str, Annotation]:
    """The annotation of each member of ``story``.

    ``copy_of`` maps a copy's id to its copy group's representative (members missing
    from it are their own representative); ``lengths`` gives each member's text length
    and ``order`` its input position (for ties). The story's versions are in time order
    (``story.articles``), so a group's first version is its earliest listed member.
    """
    _check_modes(keep, by)
    to_first: dict[str, str] = {}
    for r in story.relations:
        for this, other in ((r.a, r.b), (r.b, r.a)):
            if other == story.first and r.kind is not None:
                to_first[this] = r.kind.value
    to_first[story.first] = "first"
    group = {a: copy_of.get(a, a) for a in story.articles}
    chosen = _chosen(story, group, lengths, order, keep, by)
    return {
        a: Annotation(
            story_id=story.id,
            copy_group=group[a],
            first_version=story.first,
            relation_to_first=to_first.get(a, to_first.get(group[a])),
            keep=a in chosen,
        )
        for a in story.articles
    }


def _chosen(
    story: Story,
    group: Mapping[str, str],
    lengths: Mapping[str, int],
    order: Mapping[str, int],
    keep: str,
    by: str,
) -> set[str]:
    if keep == "all":
        return set(story.articles)
    members: dict[str, list[str]] = {}
    for a in story.articles:  # time order: each list starts with its first version
        members.setdefault(group[a] if by == "copy" else story.id, []).append(a)
    if keep == "first":
        return {versions[0] for versions in members.values()}
    return {min(versions, key=lambda a: (-lengths[a], order[a])) for versions in members.values()}


def _check_modes(keep: str, by: str) -> None:
    if keep not in KEEP_MODES:
        raise ValueError(f"keep must be one of {', '.join(KEEP_MODES)} (got {keep!r})")
    if by not in GROUP_BY:
        raise ValueError(f"by must be one of {', '.join(GROUP_BY)} (got {by!r})")


def annotate(
    articles: Sequence[Article],
    config: Config = DEFAULT_CONFIG,
    keep: str = "all",
    by: str = "copy",
    progress: Any = None,
) -> list[Annotation]:
    """The annotation of each article (in order), from the batch pipeline."""
    from samestory.pipeline.batch import analyze

    _check_modes(keep, by)
    analysis = analyze(articles, config, progress=progress)
    lengths = {a.id: len(a.text) for a in articles}
    order = {a.id: k for k, a in enumerate(articles)}
    found: dict[str, Annotation] = {}
    for story in analysis.stories:
        found.update(story_annotations(story, analysis.copy_of, lengths, order, keep, by))
    return [found[a.id] for a in articles]


def annotated_records(
    records: Sequence[dict[str, Any]],
    annotations: Mapping[int, Annotation],
) -> Iterator[dict[str, Any]]:
    """Each kept record with the added columns (null for records without annotation)."""
    empty: dict[str, str | None] = dict.fromkeys(ADDED_COLUMNS)
    for row, record in enumerate(records):
        note = annotations.get(row)
        if note is not None and not note.keep:
            continue
        yield {**record, **(note.columns() if note is not None else empty)}


def write_records(
    rows: Iterable[dict[str, Any]],
    path: str | Path,
    schema: pa.Schema | None = None,
    columns: Sequence[str] | None = None,
    bom: bool = False,
) -> int:
    """Write records as JSON Lines, Parquet or CSV (by ``path``'s extension); returns
    the count.

    With the input's Arrow ``schema`` the original columns keep their types in Parquet;
    with its CSV ``columns`` a CSV keeps their order (and ``bom`` its byte order mark).
    """
    path = Path(path)
    kind = format_of(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if kind == "csv":
        return _write_csv(rows, path, columns, bom)
    if kind == "jsonl":
        count = 0
        with path.open("w", encoding="utf-8") as fh:
            for row in rows:
                fh.write(json.dumps(row, ensure_ascii=False, default=str) + "\n")
                count += 1
        return count
    import pyarrow as pa
    import pyarrow.parquet as pq

    listed = list(rows)
    if schema is not None:
        fields = [f for f in schema if f.name not in ADDED_COLUMNS]
        schema = pa.schema(fields + [pa.field(c, pa.string()) for c in ADDED_COLUMNS])
    try:
        table = pa.Table.from_pylist(listed, schema=schema)
    except (pa.ArrowException, TypeError) as exc:
        raise ValueError(f"{path}: records do not fit one Parquet schema ({exc})") from None
    pq.write_table(table, path)
    return len(listed)


def _write_csv(
    rows: Iterable[dict[str, Any]], path: Path, columns: Sequence[str] | None, bom: bool
) -> int:
    """Rows as CSV (TSV for ``.tsv``): ``columns`` (else every key, in the order first
    seen), then :data:`ADDED_COLUMNS`."""
    listed = list(rows) if columns is None else rows
    if columns is None:
        columns = list(dict.fromkeys(key for row in listed for key in row))
    names = [c for c in columns if c not in ADDED_COLUMNS] + list(ADDED_COLUMNS)
    count = 0
    with path.open("w", encoding="utf-8-sig" if bom else "utf-8", newline="") as fh:
        writer = csv.writer(fh, delimiter=_delimiter(path))
        writer.writerow(names)
        for row in listed:
            writer.writerow([_cell(row.get(name)) for name in names])
            count += 1
    return count


def _cell(value: Any) -> str:
    """A CSV cell: a null empty, a nested value as its JSON, anything else as text."""
    if value is None:
        return ""
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False, default=str)
    return str(value)


def _require_text_field(records: RecordSet, fields: FieldMap, path: str | Path) -> None:
    """Refuse, in one line naming the fields there are, a crawl whose text field no record has.

    That is nearly always a crawl that calls its text something else (``body``,
    ``content``): one error pointing at --text-field, not one skip line per record.
    """
    if any(lookup(record, fields.text) is not None for record in records.records):
        return
    names = sorted({name for record in records.records[:1000] for name in record})
    if not names or fields.text in names:
        return  # no records, or the field is there but empty: the usual messages say so
    raise ValueError(
        f"{path}: no record has the field {fields.text!r} (fields: {', '.join(names)}); "
        "--text-field names the field holding the text"
    )


def _why_no_article(records: RecordSet) -> str:
    if records.records:
        return "no record with text"
    return "no line could be read as a record" if records.skipped else "no records"


def _report(on_skip: Any, item: SkippedRecord) -> None:
    if on_skip is not None:
        on_skip(item)


def dedup_file(
    input_path: str | Path,
    output_path: str | Path,
    config: Config = DEFAULT_CONFIG,
    keep: str = "all",
    by: str = "copy",
    fields: FieldMap = DEFAULT_FIELDS,
    on_skip: Any = None,
    progress: Any = None,
) -> tuple[int, int, int]:
    """Annotate (and with ``keep`` filter) the records of ``input_path`` into ``output_path``.

    Returns ``(records read, records written, stories)``. ``on_skip`` is called with each
    :class:`SkippedRecord` (an unreadable line, a record without text).
    """
    _check_modes(keep, by)
    format_of(output_path)  # refuse an unknown output format before the work
    records = read_records(input_path)
    for item in records.skipped:
        _report(on_skip, item)
    _require_text_field(records, fields, input_path)
    articles, rows, skipped = records_to_articles(records, fields, config)
    for item in skipped:
        _report(on_skip, item)
    if not articles:
        raise ValueError(f"{input_path}: {_why_no_article(records)}")
    notes = annotate(articles, config, keep, by, progress)
    by_row = dict(zip(rows, notes, strict=True))
    written = write_records(
        annotated_records(records.records, by_row),
        output_path,
        records.schema,
        records.columns,
        records.bom,
    )
    return len(records.records), written, len({n.story_id for n in notes})
