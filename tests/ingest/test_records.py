"""Record readers (JSON Lines, JSON, CSV/TSV, Parquet), field maps and lenient dates."""

from __future__ import annotations

import csv
import datetime as dt
import json
import string
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from samestory.config import DEFAULT_CONFIG
from samestory.ingest import FieldMap, iter_paths, parse_date, read_paths
from samestory.models import Article
from samestory.normalize import is_blank

CUSTOM = FieldMap(
    id="doc_id",
    title="headline",
    text="body",
    date="published",
    source="outlet",
    url="link",
    lang="language",
)


def _custom_record(n: int, **extra: object) -> dict[str, object]:
    record: dict[str, object] = {
        "doc_id": f"d{n}",
        "headline": f"Headline {n}",
        "body": f"Body of article {n}.",
        "published": "2025-10-23T12:00:00Z",
        "outlet": "Planet",
        "link": f"https://example.org/{n}",
        "language": "en-GB",
        "unused_extra": [1, 2, 3],
    }
    record.update(extra)
    return record


def _write_jsonl(path: Path, records: list[object]) -> Path:
    path.write_text(
        "\n".join(json.dumps(r, ensure_ascii=False) for r in records) + "\n", encoding="utf-8"
    )
    return path


def test_jsonl_with_field_map(tmp_path: Path) -> None:
    path = _write_jsonl(tmp_path / "a.jsonl", [_custom_record(1), _custom_record(2)])
    result = read_paths([path], fields=CUSTOM)
    assert result.skipped == []
    first, second = result.articles
    assert first == Article(
        id="d1",
        text="Body of article 1.",
        title="Headline 1",
        date=dt.date(2025, 10, 23),
        source="Planet",
        url="https://example.org/1",
        lang="en",
        origin=f"{path}:1",
    )
    assert second.origin == f"{path}:2"


def test_jsonl_defaults_only_text_required(tmp_path: Path) -> None:
    path = _write_jsonl(tmp_path / "news.ndjson", [{"text": "one"}, {"text": "two", "id": 7}])
    result = read_paths([path])
    assert [(a.id, a.text, a.title, a.date) for a in result.articles] == [
        ("news:1", "one", None, None),
        ("7", "two", None, None),
    ]


def test_jsonl_bad_lines_skipped_others_kept(tmp_path: Path) -> None:
    path = tmp_path / "mixed.jsonl"
    path.write_bytes(
        b'{"text": "good one"}\n'
        b'{"text": "broken"\n'
        b"\n"
        b'{"title": "no text here"}\n'
        b'{"text": "bad \xff byte"}\n'
        b"[1, 2]\n"
        b'{"text": "   "}\n'
        b'{"text": "good two"}\n'
    )
    result = read_paths([path])
    assert [a.text for a in result.articles] == ["good one", "good two"]
    assert [a.id for a in result.articles] == ["mixed:1", "mixed:8"]
    reasons = {s.source: s.error for s in result.skipped}
    assert set(reasons) == {f"{path}:{n}" for n in (2, 4, 5, 6, 7)}
    assert reasons[f"{path}:2"].startswith("invalid JSON on line 2: Expecting")
    assert "no text" in reasons[f"{path}:4"]
    assert "invalid UTF-8" in reasons[f"{path}:5"]
    assert "not an object" in reasons[f"{path}:6"]
    assert reasons[f"{path}:7"] == "empty text"


@pytest.mark.parametrize(
    "shape",
    ["list", "object", "articles"],
)
def test_json_shapes(tmp_path: Path, shape: str) -> None:
    records = [_custom_record(1), _custom_record(2)]
    doc: object = {"list": records, "object": records[0], "articles": {"articles": records}}[shape]
    path = tmp_path / "doc.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    result = read_paths([path], fields=CUSTOM)
    assert result.skipped == []
    if shape == "object":
        [article] = result.articles
        assert article.origin == str(path)
    else:
        assert [a.id for a in result.articles] == ["d1", "d2"]
        assert result.articles[1].origin == f"{path}:2"


def test_json_single_object_without_id_uses_stem(tmp_path: Path) -> None:
    path = tmp_path / "story.json"
    path.write_text('{"text": "hello"}', encoding="utf-8")
    assert read_paths([path]).articles[0].id == "story"


def test_invalid_json_file_is_skipped_with_position(tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_text('[{"text": "a"},\n {"text": ]', encoding="utf-8")
    [skip] = read_paths([path]).skipped
    assert skip.source == str(path)
    assert skip.error.startswith("invalid JSON:") and "line 2" in skip.error


def test_json_file_holding_json_lines_is_read_as_lines(tmp_path: Path) -> None:
    path = _write_jsonl(tmp_path / "lines.json", [{"text": "a"}, {"text": "b"}])
    assert [a.text for a in read_paths([path]).articles] == ["a", "b"]


def test_csv_with_field_map_multiline_and_bom(tmp_path: Path) -> None:
    path = tmp_path / "items.csv"
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(_custom_record(1)))
        writer.writeheader()
        writer.writerow(_custom_record(1, body='Line one,\nline two "quoted".'))
        writer.writerow(_custom_record(2, body=""))
        writer.writerow(_custom_record(3, published="Thu, 23 Oct 2025 09:00:00 +0000"))
    result = read_paths([path], fields=CUSTOM)
    assert [a.id for a in result.articles] == ["d1", "d3"]
    assert result.articles[0].text == 'Line one,\nline two "quoted".'
    assert result.articles[1].date == dt.date(2025, 10, 23)
    assert result.articles[1].origin == f"{path}:3"
    assert [(s.source, s.error) for s in result.skipped] == [(f"{path}:2", "empty text")]


def test_tsv_and_long_fields(tmp_path: Path) -> None:
    long_text = "word " * 30_000  # beyond csv's default 128 KiB field limit
    path = tmp_path / "items.tsv"
    path.write_text(
        f"id\ttext\tdate\na\t{long_text}\t23 October 2025\nb\tshort\t\n", encoding="utf-8"
    )
    result = read_paths([path])
    assert result.skipped == []
    a, b = result.articles
    assert a.text == long_text.strip()
    assert a.date == dt.date(2025, 10, 23)
    assert (b.id, b.date) == ("b", None)


def test_text_is_cut_to_max_chars(tmp_path: Path) -> None:
    path = _write_jsonl(tmp_path / "long.jsonl", [{"text": "x" * 1000}])
    config = DEFAULT_CONFIG.replace(max_text_chars=100)
    [article] = read_paths([path], config=config).articles
    assert article.text == "x" * 100


def test_parquet_with_field_map(tmp_path: Path) -> None:
    path = tmp_path / "batch.parquet"
    table = pa.table(
        {
            "doc_id": ["p1", None, "p3"],
            "body": ["First body.", "Second body.", None],
            "published": [dt.datetime(2025, 10, 23, 12), dt.datetime(2025, 10, 24), None],
            "headline": ["T1", "T2", "T3"],
            "ignored": [1, 2, 3],
        }
    )
    pq.write_table(table, path, row_group_size=2)
    result = read_paths([path], fields=CUSTOM)
    assert [(a.id, a.text, a.title, a.date) for a in result.articles] == [
        ("p1", "First body.", "T1", dt.date(2025, 10, 23)),
        ("batch:2", "Second body.", "T2", dt.date(2025, 10, 24)),
    ]
    assert result.articles[1].origin == f"{path}:2"
    assert [s.source for s in result.skipped] == [f"{path}:3"]


def test_parquet_without_text_column_or_corrupt(tmp_path: Path) -> None:
    no_text = tmp_path / "a.parquet"
    pq.write_table(pa.table({"id": ["x"]}), no_text)
    corrupt = tmp_path / "b.parquet"
    corrupt.write_bytes(b"PAR1 this is not really parquet PAR1")
    skipped = read_paths([no_text, corrupt]).skipped
    assert skipped[0].error == "no text column 'text' in Parquet file (columns: id)"
    assert skipped[1].error.startswith("cannot read Parquet")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2025-10-23", dt.date(2025, 10, 23)),
        ("2025-10-23T12:00:00Z", dt.date(2025, 10, 23)),
        ("2025-10-23T23:30:00-05:00", dt.date(2025, 10, 23)),
        ("2025-10-23 12:00:00.123456789 UTC", dt.date(2025, 10, 23)),
        ("Thu, 23 Oct 2025 12:00:00 +0000", dt.date(2025, 10, 23)),
        ("23 October 2025", dt.date(2025, 10, 23)),
        ("Oct 23, 2025", dt.date(2025, 10, 23)),
        (1761220800, dt.date(2025, 10, 23)),
        (1761220800000, dt.date(2025, 10, 23)),
        (dt.datetime(2025, 10, 23, 5), dt.date(2025, 10, 23)),
        ("October 23", None),
        ("not a date", None),
        ("2025-13-45", None),
        ("", None),
        (None, None),
        (True, None),
        ([2025], None),
    ],
)
def test_parse_date(value: object, expected: dt.date | None) -> None:
    assert parse_date(value) == expected


_TEXT = (
    st.text(min_size=1, max_size=200)
    .map(str.strip)
    .filter(lambda t: bool(t) and "\r" not in t and "\x00" not in t and not is_blank(t))
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    texts=st.lists(_TEXT, min_size=1, max_size=5),
    ids=st.lists(
        st.text(string.ascii_letters + string.digits, min_size=1, max_size=8),
        min_size=5,
        max_size=5,
        unique=True,
    ),
)
def test_jsonl_round_trips_any_unicode_text(
    tmp_path: Path, texts: list[str], ids: list[str]
) -> None:
    path = tmp_path / "prop.jsonl"
    records = [{"id": i, "text": t} for i, t in zip(ids, texts, strict=False)]
    with path.open("w", encoding="utf-8") as handle:
        for record in records:
            handle.write(json.dumps(record, ensure_ascii=bool(len(record["text"]) % 2)) + "\n")
    items = list(iter_paths([path]))
    assert [(a.id, a.text) for a in items if isinstance(a, Article)] == [
        (r["id"], r["text"]) for r in records
    ]


def test_csv_without_text_column_is_one_skip_naming_its_columns(tmp_path: Path) -> None:
    # Once for the file, not once per row: a crawl calling its text "body" is one line
    # pointing at the column to pass to --text-field.
    path = tmp_path / "crawl.csv"
    path.write_text("id,body\na,First body.\nb,Second body.\n", encoding="utf-8")
    result = read_paths([path])
    assert result.articles == []
    assert [(s.source, s.error) for s in result.skipped] == [
        (str(path), "no text column 'text' in CSV header (columns: id, body)")
    ]
    assert len(read_paths([path], fields=FieldMap(text="body")).articles) == 2
