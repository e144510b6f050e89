"""Batches: folders, ordering, ids, and every kind of bad input skipped with a clear reason."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from samestory.config import DEFAULT_CONFIG
from samestory.ingest import READERS, iter_paths, read_paths
from samestory.ingest import core as ingest_core
from samestory.models import Article, SkippedRecord

BODY = "Headline\n\nSome body text for the story."


def _write(path: Path, content: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def _reasons(result_skipped: list[SkippedRecord]) -> dict[str, str]:
    return {s.source: s.error for s in result_skipped}


def test_nonexistent_path() -> None:
    result = read_paths(["/definitely/not/here.txt"])
    assert result.articles == []
    assert result.skipped == [
        SkippedRecord("/definitely/not/here.txt", "no such file or directory")
    ]


def test_invalid_utf8_text_is_skipped_not_mojibaked(tmp_path: Path) -> None:
    path = _write(tmp_path / "latin1.txt", "Café society\n\nUne histoire.".encode("latin-1"))
    assert read_paths([path]).skipped == [SkippedRecord(str(path), "invalid UTF-8 at byte 3")]


def test_invalid_utf8_offset_counts_the_bom(tmp_path: Path) -> None:
    path = _write(tmp_path / "bom.txt", b"\xef\xbb\xbfab\xff")
    assert read_paths([path]).skipped[0].error == "invalid UTF-8 at byte 5"


@pytest.mark.parametrize("content", ["", "   \n\t\n  ", "date 2025-10-23"])
def test_empty_text_is_skipped(tmp_path: Path, content: str) -> None:
    path = _write(tmp_path / "empty.txt", content)
    assert read_paths([path]).skipped == [SkippedRecord(str(path), "empty text")]


@pytest.mark.parametrize("name", ["image.txt", "data.jsonl", "blob.weird"])
def test_binary_file_is_skipped(tmp_path: Path, name: str) -> None:
    path = _write(tmp_path / name, b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    assert read_paths([path]).skipped == [SkippedRecord(str(path), "binary file")]


def test_huge_sparse_file_is_rejected_fast(tmp_path: Path) -> None:
    path = tmp_path / "huge.jsonl"
    with path.open("wb") as handle:
        handle.truncate(50 * 1024 * 1024)
    start = time.perf_counter()
    result = read_paths([path])
    assert time.perf_counter() - start < 1.0
    assert result.skipped == [SkippedRecord(str(path), "file too large (52.4 MB > 20.0 MB limit)")]


def test_size_limit_comes_from_config(tmp_path: Path) -> None:
    path = _write(tmp_path / "a.txt", "x" * 2000)
    config = DEFAULT_CONFIG.replace(max_file_bytes=1000)
    [skip] = read_paths([path], config=config).skipped
    assert skip.error == "file too large (2,000 bytes > 1,000 bytes limit)"


def test_unreadable_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    good = _write(tmp_path / "good.txt", BODY)
    locked = _write(tmp_path / "locked.txt", BODY)
    real = ingest_core._read_bounded

    def fake_read(path: Path, limit: int) -> bytes:
        if path.name == "locked.txt":
            raise PermissionError(13, "Permission denied", str(path))
        return real(path, limit)

    monkeypatch.setattr(ingest_core, "_read_bounded", fake_read)
    result = read_paths([locked, good])
    assert [a.id for a in result.articles] == ["good"]
    assert result.skipped == [SkippedRecord(str(locked), "cannot read file: permission denied")]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_named_pipe_is_not_opened(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)
    assert read_paths([fifo]).skipped == [SkippedRecord(str(fifo), "not a regular file")]


def test_broken_symlink_in_folder(tmp_path: Path) -> None:
    _write(tmp_path / "ok.txt", BODY)
    (tmp_path / "gone.txt").symlink_to(tmp_path / "missing.txt")
    result = read_paths([tmp_path])
    assert [a.id for a in result.articles] == ["ok"]
    assert result.skipped == [
        SkippedRecord(str(tmp_path / "gone.txt"), "no such file or directory")
    ]


def test_explicit_unknown_extension(tmp_path: Path) -> None:
    text = _write(tmp_path / "story.log", BODY)
    latin = _write(tmp_path / "story.dat", "Çà et là".encode("latin-1"))
    bare = _write(tmp_path / "README", "Just words here.")
    result = read_paths([text, latin, bare])
    assert [(a.id, a.title) for a in result.articles] == [("story", "Headline"), ("README", None)]
    assert result.skipped == [
        SkippedRecord(
            str(latin), "unsupported file type '.dat' and not UTF-8 text (invalid UTF-8 at byte 0)"
        )
    ]


def test_folder_walk_sorted_recursive_hidden_and_unknown_ignored(tmp_path: Path) -> None:
    _write(tmp_path / "b.txt", BODY)
    _write(tmp_path / "a" / "z.txt", BODY)
    _write(tmp_path / "a" / "b" / "c.txt", BODY)
    _write(tmp_path / "c.jsonl", json.dumps({"id": "rec", "text": "record"}) + "\n")
    _write(tmp_path / ".hidden.txt", BODY)
    _write(tmp_path / ".git" / "x.txt", BODY)
    _write(tmp_path / "photo.jpg", b"\xff\xd8\xff\xe0\x00\x10JFIF\x00")
    _write(tmp_path / "notes.docx", "not read")
    result = read_paths([tmp_path])
    assert result.skipped == []
    assert [a.origin for a in result.articles] == [
        str(tmp_path / "a" / "b" / "c.txt"),
        str(tmp_path / "a" / "z.txt"),
        str(tmp_path / "b.txt"),
        f"{tmp_path / 'c.jsonl'}:1",
    ]


def test_duplicate_ids_get_suffixes(tmp_path: Path) -> None:
    _write(tmp_path / "1" / "story.txt", "First version of the story.")
    _write(tmp_path / "2" / "story.txt", "Second version of the story.")
    records = [
        {"id": "story", "text": "third"},
        {"id": "story#2", "text": "clash"},
        {"id": "story", "text": "fourth"},
    ]
    _write(tmp_path / "3.jsonl", "\n".join(json.dumps(r) for r in records))
    result = read_paths([tmp_path])
    assert [(a.id, a.text) for a in result.articles] == [
        ("story", "First version of the story."),
        ("story#2", "Second version of the story."),
        ("story#3", "third"),
        ("story#2#2", "clash"),
        ("story#4", "fourth"),
    ]
    assert len({a.id for a in result.articles}) == 5


def test_same_file_twice_is_read_once(tmp_path: Path) -> None:
    path = _write(tmp_path / "one.txt", BODY)
    result = read_paths([path, tmp_path, str(path)])
    assert [a.id for a in result.articles] == ["one"]


def test_unexpected_reader_error_skips_only_that_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def exploding(src: object, data: bytes) -> Iterator[Article]:
        raise RuntimeError("boom")
        yield  # pragma: no cover

    monkeypatch.setitem(READERS, ".md", exploding)
    bad = _write(tmp_path / "a.md", BODY)
    _write(tmp_path / "b.txt", BODY)
    result = read_paths([tmp_path])
    assert [a.id for a in result.articles] == ["b"]
    assert result.skipped == [SkippedRecord(str(bad), "unexpected error: RuntimeError: boom")]


def _messy_batch(root: Path) -> list[Path]:
    """A folder with every kind of bad input between good ones, plus explicit bad paths."""
    _write(root / "01_good.txt", BODY)
    _write(root / "02_bad_utf8.txt", b"caf\xe9")
    _write(root / "03_empty.txt", "  \n")
    _write(root / "04_binary.txt", b"abc\x00def")
    _write(root / "05_records.jsonl", '{"text": "ok"}\n{oops\n{"title": "no text"}\n')
    _write(root / "06_bad.json", "{")
    _write(root / "07_good.csv", "id,text\nc1,from csv\n")
    with (root / "08_huge.txt").open("wb") as handle:
        handle.truncate(50 * 1024 * 1024)
    _write(root / "09_last.md", "Last one standing.")
    return [root, root / "missing.jsonl"]


def test_rest_of_batch_still_goes_through(tmp_path: Path) -> None:
    seen: list[SkippedRecord] = []
    result = read_paths(_messy_batch(tmp_path), on_skip=seen.append)
    assert [(a.id, a.text) for a in result.articles] == [
        ("01_good", "Some body text for the story."),
        ("05_records:1", "ok"),
        ("c1", "from csv"),
        ("09_last", "Last one standing."),
    ]
    assert seen == result.skipped
    reasons = _reasons(result.skipped)
    assert reasons == {
        str(tmp_path / "02_bad_utf8.txt"): "invalid UTF-8 at byte 3",
        str(tmp_path / "03_empty.txt"): "empty text",
        str(tmp_path / "04_binary.txt"): "binary file",
        f"{tmp_path / '05_records.jsonl'}:2": reasons[f"{tmp_path / '05_records.jsonl'}:2"],
        f"{tmp_path / '05_records.jsonl'}:3": "record has no text (field 'text' missing)",
        str(tmp_path / "06_bad.json"): reasons[str(tmp_path / "06_bad.json")],
        str(tmp_path / "08_huge.txt"): "file too large (52.4 MB > 20.0 MB limit)",
        str(tmp_path / "missing.jsonl"): "no such file or directory",
    }
    assert reasons[f"{tmp_path / '05_records.jsonl'}:2"].startswith("invalid JSON on line 2")
    assert reasons[str(tmp_path / "06_bad.json")].startswith("invalid JSON")


def test_iter_paths_streams_in_order_and_is_deterministic(tmp_path: Path) -> None:
    paths = _messy_batch(tmp_path)
    calls: list[SkippedRecord] = []
    stream = iter_paths(paths, on_skip=calls.append)
    first = next(stream)
    assert isinstance(first, Article) and first.id == "01_good"
    assert calls == []  # nothing skipped has been reached yet
    rest = list(stream)
    assert calls == [item for item in rest if isinstance(item, SkippedRecord)]
    assert [first, *rest] == list(iter_paths(paths))
