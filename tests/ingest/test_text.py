"""Plain-text reader: title and date rules, on made-up documents and the real seed files."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from samestory.config import DEFAULT_CONFIG
from samestory.ingest import looks_like_title, read_paths, read_text_blob

SEEDS = Path(__file__).resolve().parents[1] / "fixtures" / "seeds"


def _seed(prefix: str) -> Path:
    [path] = SEEDS.glob(f"{prefix}_*.txt")
    return path


def test_seed_000_date_token_and_title() -> None:
    path = _seed("000")
    [article] = read_paths([path]).articles
    assert article.id == path.stem
    assert article.date == dt.date(2025, 10, 23)
    assert article.title is not None
    assert article.title.startswith("Leavitt said that the possibility of a meeting")
    assert "date 2025-10-23" not in article.text
    assert "2025-10-23" not in (article.title or "")
    assert article.text.startswith("Caroline Leavitt (Photo:")
    assert article.origin == str(path)


def test_seed_001_title_line() -> None:
    [article] = read_paths([_seed("001")]).articles
    assert article.title == "White House: Putin-Trump Summit Remains a Possibility"
    assert article.text.startswith("The American president recently deferred")
    assert "Putin-Trump Summit Remains" not in article.text
    assert article.date is None


@pytest.mark.parametrize(
    ("prefix", "start"),
    [
        ("002", "The US president recently postponed a planned meeting"),
        ("003", "WASHINGTON: President Donald Trump could meet Vladimir Putin"),
        ("004", "A senior White House official said on Wednesday"),
    ],
)
def test_seeds_without_title_keep_their_first_sentence(prefix: str, start: str) -> None:
    [article] = read_paths([_seed(prefix)]).articles
    assert article.title is None
    assert article.text.startswith(start)


def test_all_seeds_parse_without_skips() -> None:
    result = read_paths([SEEDS])
    assert result.skipped == []
    assert [a.id for a in result.articles] == sorted(p.stem for p in SEEDS.glob("*.txt"))
    assert all(len(a.text) > 500 for a in result.articles)


def test_title_rules() -> None:
    assert looks_like_title("Summit Still Possible, Says White House")
    assert looks_like_title("Will Trump meet Putin?")
    assert not looks_like_title("The president said the meeting was postponed.")
    assert not looks_like_title('He said "no."')
    assert not looks_like_title("In a statement on Friday:")
    assert not looks_like_title("word " * 31)
    assert not looks_like_title("x" * 201)
    assert not looks_like_title("   ")


def test_single_line_document_has_no_title() -> None:
    article = read_text_blob("Short headline only", id="a")
    assert article.title is None
    assert article.text == "Short headline only"


def test_date_token_on_its_own_line_then_title() -> None:
    article = read_text_blob("date 2024-02-29\n\nLeap Day Story\n\nBody text here.", id="a")
    assert article.date == dt.date(2024, 2, 29)
    assert article.title == "Leap Day Story"
    assert article.text == "Body text here."


def test_invalid_date_token_is_left_in_place() -> None:
    article = read_text_blob("date 2024-13-40 something odd.\nMore text.", id="a")
    assert article.date is None
    assert article.text.startswith("date 2024-13-40")


def test_markdown_heading_title(tmp_path: Path) -> None:
    path = tmp_path / "note.md"
    path.write_text("# Big News Today\n\nSomething happened in town.\n", encoding="utf-8")
    [article] = read_paths([path]).articles
    assert article.title == "Big News Today"
    assert article.text == "Something happened in town."


def test_crlf_and_bom_are_handled(tmp_path: Path) -> None:
    path = tmp_path / "win.txt"
    path.write_bytes(b"\xef\xbb\xbfHeadline Here\r\n\r\nFirst line.\r\nSecond line.\r\n")
    [article] = read_paths([path]).articles
    assert article.title == "Headline Here"
    assert article.text == "First line.\nSecond line."


def test_read_text_blob_rejects_empty_and_cuts_long_text() -> None:
    with pytest.raises(ValueError, match="empty text"):
        read_text_blob(" \n\t\n", id="a")
    config = DEFAULT_CONFIG.replace(max_text_chars=10)
    article = read_text_blob("A sentence that is rather long.", id="a", origin="x", config=config)
    assert article.text == "A sentence"
    assert article.origin == "x"
