"""samestory dedup: every record back, annotated with its story and copy group."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from samestory.api import cluster
from samestory.cli import app
from samestory.config import Config
from samestory.dedup import ADDED_COLUMNS as ADDED
from samestory.dedup import dedup_file, records_to_articles

runner = CliRunner()


@pytest.fixture(scope="module")
def crawl(seed_articles) -> list[dict]:
    """The five seeds (two stories), a repost of 003, a lightly edited 000, and a record
    without text; each with an extra column of its own type. Each seed carries the date its
    file gives (``Article.date`` as ``read_paths`` reads it; only 000's names one): undated,
    the two stories merge under the default static encoder (see
    ``test_undated_seeds_are_two_stories_under_use``)."""
    records = [
        {"id": key, "text": a.text, "title": a.title, "date": _iso(a.date), "views": 10 * n}
        for n, (key, a) in enumerate(sorted(seed_articles.items()))
    ]
    repost = dict(records[3], id="003-repost", views=99)
    repost["text"] = "Breaking News\n\n" + repost["text"] + "\n\nShare this article"
    edited = dict(records[0], id="000-edit", views=7)
    edited["text"] = records[0]["text"].replace(" said ", " stated ", 1)
    empty = {"id": "no-text", "title": "only a title", "views": 1}
    return [*records, repost, edited, empty]


def _iso(date: dt.date | None) -> str | None:
    return None if date is None else date.isoformat()


def _write_jsonl(records: list[dict], path: Path) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def _read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


@pytest.fixture(scope="module")
def annotated(crawl, tmp_path_factory) -> list[dict]:
    folder = tmp_path_factory.mktemp("dedup")
    skipped = []
    read, written, stories = dedup_file(
        _write_jsonl(crawl, folder / "in.jsonl"), folder / "out.jsonl", on_skip=skipped.append
    )
    assert (read, written, stories) == (len(crawl), len(crawl), 2)
    assert [s.source.rsplit(":", 1)[1] for s in skipped] == [str(len(crawl))]
    return _read_jsonl(folder / "out.jsonl")


def test_every_record_comes_back_with_its_columns_and_story(crawl, annotated):
    assert [r["id"] for r in annotated] == [r["id"] for r in crawl]
    for original, row in zip(crawl, annotated, strict=True):
        assert {k: row[k] for k in original} == original  # every original column, unchanged
    records = read_records_of(crawl)
    articles, _, _ = records_to_articles(records)
    local = {a: s for s in cluster(articles) for a in s.articles}
    for row in annotated[:-1]:
        story = local[row["id"]]
        assert row["story_id"] == story.id
        assert row["first_version"] == story.first
    assert len({r["story_id"] for r in annotated[:-1]}) == 2
    assert annotated[-1]["story_id"] is None  # no text: written back, not annotated


def read_records_of(crawl: list[dict]):
    from samestory.dedup import RecordSet

    return RecordSet(records=list(crawl), origins=[f"x:{n}" for n in range(len(crawl))])


def test_copies_share_a_copy_group_and_relate_to_the_first_version(annotated):
    row = {r["id"]: r for r in annotated}
    assert row["003-repost"]["copy_group"] == "003"
    assert row["000-edit"]["copy_group"] == "000"
    assert row["001"]["copy_group"] == "001"
    for r in annotated[:-1]:
        first = r["first_version"]
        if r["id"] == first:
            assert r["relation_to_first"] == "first"
        elif r["copy_group"] == first:  # a copy of the first version itself
            assert r["relation_to_first"] in ("exact", "near_duplicate")
    kinds = {r["relation_to_first"] for r in annotated[:-1]}
    assert kinds <= {"first", "exact", "near_duplicate", "rewrite", "same_event", None}


@pytest.mark.parametrize(
    ("keep", "by", "expected"),
    [("first", "story", 2), ("first", "copy", 5), ("longest", "copy", 5), ("longest", "story", 2)],
)
def test_keep_one_record_per_group(crawl, annotated, tmp_path, keep, by, expected):
    out = tmp_path / "out.jsonl"
    dedup_file(_write_jsonl(crawl, tmp_path / "in.jsonl"), out, keep=keep, by=by)
    kept = _read_jsonl(out)
    assert kept[-1]["id"] == "no-text"  # unreadable records are never dropped
    kept = kept[:-1]
    key = "story_id" if by == "story" else "copy_group"
    assert len(kept) == expected == len({r[key] for r in annotated[:-1]})
    assert len({r[key] for r in kept}) == expected
    for r in kept:
        members = [a for a in annotated[:-1] if a[key] == r[key]]
        if keep == "longest":
            assert len(r["text"]) == max(len(m["text"]) for m in members)
        elif by == "story":
            assert r["id"] == r["first_version"]
    order = [r["id"] for r in annotated]
    assert [order.index(r["id"]) for r in kept] == sorted(order.index(r["id"]) for r in kept)


def test_parquet_in_and_out_keeps_column_types(crawl, tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    source = tmp_path / "in.parquet"
    pq.write_table(pa.Table.from_pylist(crawl), source)
    result = runner.invoke(
        app, ["dedup", str(source), str(tmp_path / "out.parquet"), "--keep", "first"]
    )
    assert result.exit_code == 0, result.output
    table = pq.read_table(tmp_path / "out.parquet")
    assert table.schema.field("views").type == pa.int64()
    assert table.schema.field("story_id").type == pa.string()
    rows = table.to_pylist()
    assert len(rows) == 5 + 1  # one per copy group, and the record without text
    assert "skipped" in result.output and "no text" in result.output


def test_bad_lines_are_named_and_the_rest_goes_through(crawl, tmp_path):
    source = tmp_path / "in.jsonl"
    lines = [json.dumps(r) for r in crawl[:3]] + ["{not json", "[1, 2]"]
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = runner.invoke(app, ["dedup", str(source), str(tmp_path / "out.jsonl")])
    assert result.exit_code == 0, result.output
    assert f"{source}:4" in result.output and f"{source}:5" in result.output
    assert [r["id"] for r in _read_jsonl(tmp_path / "out.jsonl")] == ["000", "001", "002"]


def test_many_records_without_text_are_named_five_then_counted(crawl, tmp_path):
    from samestory.cli.common import SKIP_LINES_PER_REASON

    empties = [{"id": f"empty-{n}", "text": ""} for n in range(12)]
    source = _write_jsonl(crawl[:3] + empties, tmp_path / "in.jsonl")
    result = runner.invoke(app, ["dedup", str(source), str(tmp_path / "out.jsonl"), "-q"])
    assert result.exit_code == 0, result.output
    assert result.output.count("skipped ") == SKIP_LINES_PER_REASON + 1
    hidden = 12 - SKIP_LINES_PER_REASON
    assert (
        f"skipped … and {hidden} more: {hidden} × empty text (each is written back with "
        "empty annotations)" in result.output
    )
    assert len(_read_jsonl(tmp_path / "out.jsonl")) == 3 + 12  # nothing in the input lost


def test_unknown_output_format_is_one_clear_line(crawl, tmp_path):
    source = _write_jsonl(crawl[:2], tmp_path / "in.jsonl")
    result = runner.invoke(app, ["dedup", str(source), str(tmp_path / "out.xlsx")])
    assert result.exit_code == 1
    assert "out.xlsx" in result.output and "Traceback" not in result.output


def test_undated_seeds_are_two_stories_under_use(crawl, tmp_path):
    # Without dates the two seed stories are a knife edge: average link 0.393 under USE,
    # 0.439 under the default static encoder, threshold 0.4 (docs/accuracy.md, known
    # limits). USE keeps them apart on content alone.
    undated = [{k: v for k, v in r.items() if k != "date"} for r in crawl]
    read, written, stories = dedup_file(
        _write_jsonl(undated, tmp_path / "in.jsonl"),
        tmp_path / "out.jsonl",
        config=Config(encoder="use"),
    )
    assert (read, written, stories) == (len(crawl), len(crawl), 2)


def test_a_byte_order_mark_does_not_cost_the_first_record(crawl, tmp_path):
    # Windows tools write a UTF-8 BOM; json.loads refuses it, so the first record was
    # dropped from the output (cluster's reader strips it).
    source = tmp_path / "in.jsonl"
    source.write_bytes(b"\xef\xbb\xbf" + _write_jsonl(crawl[:3], source).read_bytes())
    result = runner.invoke(app, ["dedup", str(source), str(tmp_path / "out.jsonl"), "-q"])
    assert result.exit_code == 0, result.output
    assert "skipped" not in result.output
    assert [r["id"] for r in _read_jsonl(tmp_path / "out.jsonl")] == ["000", "001", "002"]


def test_a_bad_line_reads_the_same_in_dedup_and_cluster(crawl, tmp_path):
    from samestory.dedup import read_records
    from samestory.ingest import read_paths

    source = tmp_path / "in.jsonl"
    lines = [json.dumps(crawl[0]).encode(), b"{not json", b"[1, 2]", b'{"text": "caf\xe9"}']
    source.write_bytes(b"\n".join(lines) + b"\n")
    in_dedup = {s.source: s.error for s in read_records(source).skipped}
    in_cluster = {s.source: s.error for s in read_paths([source]).skipped}
    assert in_dedup == in_cluster
    assert sorted(in_dedup) == [f"{source}:{n}" for n in (2, 3, 4)]


def test_a_crawl_without_the_text_field_is_one_line_naming_its_fields(crawl, tmp_path):
    body = [{"id": r["id"], "body": r.get("text", "")} for r in crawl[:4]]
    source = _write_jsonl(body, tmp_path / "in.jsonl")
    result = runner.invoke(app, ["dedup", str(source), str(tmp_path / "out.jsonl"), "-q"])
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error:"), result.output
    assert "'text'" in lines[0] and "body, id" in lines[0] and "--text-field" in lines[0]
    fixed = runner.invoke(
        app, ["dedup", str(source), str(tmp_path / "out.jsonl"), "-q", "--text-field", "body"]
    )
    assert fixed.exit_code == 0, fixed.output


def test_an_input_without_records_says_so(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    source = tmp_path / "in.parquet"
    pq.write_table(pa.table({"id": pa.array([], pa.string())}), source)
    result = runner.invoke(app, ["dedup", str(source), str(tmp_path / "out.jsonl"), "-q"])
    assert result.exit_code == 1
    assert result.output.strip() == f"error: {source}: no records"


def test_by_story_without_keep_warns_that_every_record_is_written(crawl, tmp_path):
    source = _write_jsonl(crawl[:3], tmp_path / "in.jsonl")
    out = tmp_path / "out.jsonl"
    result = runner.invoke(app, ["dedup", str(source), str(out), "-q", "--by", "story"])
    assert result.exit_code == 0, result.output
    assert "warning: --by story has no effect with --keep all" in result.output
    assert len(_read_jsonl(out)) == 3
    picked = runner.invoke(
        app, ["dedup", str(source), str(out), "-q", "--by", "story", "--keep", "first"]
    )
    assert picked.exit_code == 0 and "warning" not in picked.output


def _write_csv(crawl: list[dict], path: Path, bom: bool = False, delimiter: str = ",") -> Path:
    import csv

    columns = ["id", "views", "text", "title", "note"]
    with path.open("w", encoding="utf-8-sig" if bom else "utf-8", newline="") as fh:
        writer = csv.writer(fh, delimiter=delimiter)
        writer.writerow(columns)
        for r in crawl:
            note = 'said "yes", then\nleft'  # a quote, a comma and a newline in one cell
            writer.writerow([r["id"], r["views"], r.get("text", ""), r["title"] or "", note])
    return path


def _read_csv(path: Path, delimiter: str = ",") -> tuple[list[str], list[dict]]:
    import csv

    with path.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh, delimiter=delimiter)
        return list(reader.fieldnames or []), list(reader)


def test_csv_in_csv_out_keeps_columns_cells_quoting_and_the_bom(crawl, tmp_path):
    """A dataset builder's CSV (Excel's byte order mark, a cell with quotes, a comma and
    a newline): every row back, cell for cell, its columns in order, the four added."""
    source = _write_csv(crawl, tmp_path / "in.csv", bom=True)
    out = tmp_path / "out.csv"
    result = runner.invoke(app, ["dedup", str(source), str(out), "-q"])
    assert result.exit_code == 0, result.output
    assert out.read_bytes().startswith(b"\xef\xbb\xbf")  # the input had one
    columns, rows = _read_csv(out)
    assert columns == ["id", "views", "text", "title", "note", *ADDED]
    _, originals = _read_csv(source)
    assert [{k: r[k] for k in originals[0]} for r in rows] == originals  # every cell
    assert rows[3]["note"] == 'said "yes", then\nleft'
    by_id = {r["id"]: r for r in rows}
    assert by_id["003-repost"]["copy_group"] == "003"
    assert by_id["no-text"]["story_id"] == ""  # no text: written back, not annotated
    assert "skipped" in result.output and "empty text" in result.output


def test_tsv_and_a_csv_from_jsonl_nested_values_as_json(crawl, tmp_path):
    source = _write_csv(crawl, tmp_path / "in.tsv", delimiter="\t")
    out = tmp_path / "out.tsv"
    assert runner.invoke(app, ["dedup", str(source), str(out), "-q"]).exit_code == 0
    columns, rows = _read_csv(out, delimiter="\t")
    assert columns[-4:] == list(ADDED) and len(rows) == len(crawl)
    assert not out.read_bytes().startswith(b"\xef\xbb\xbf")
    nested = [dict(r, tags=["a", "b"]) for r in crawl[:3]]
    to_csv = tmp_path / "from-jsonl.csv"
    dedup_file(_write_jsonl(nested, tmp_path / "in.jsonl"), to_csv)
    columns, rows = _read_csv(to_csv)
    assert columns == ["id", "text", "title", "date", "views", "tags", *ADDED]
    assert rows[0]["tags"] == '["a", "b"]' and rows[1]["date"] == ""  # null: empty cell


def test_csv_rows_that_cannot_be_written_back_and_a_missing_text_column(tmp_path):
    from samestory.dedup import read_records

    source = tmp_path / "in.csv"
    source.write_text("id,text\na,One text.\nb,Two,three\nc\n", encoding="utf-8")
    records = read_records(source)
    assert [r["id"] for r in records.records] == ["a", "c"]  # a short row: its cells empty
    assert [(s.source, s.error) for s in records.skipped] == [
        (f"{source}:2", "row has 3 cells; the header names 2")
    ]
    body = tmp_path / "body.csv"
    body.write_text("id,body\na,One text.\n", encoding="utf-8")
    result = runner.invoke(app, ["dedup", str(body), str(tmp_path / "out.csv"), "-q"])
    assert result.exit_code == 1
    assert result.output.strip() == (
        f"error: {body}: no record has the field 'text' (fields: body, id); "
        "--text-field names the field holding the text"
    )
