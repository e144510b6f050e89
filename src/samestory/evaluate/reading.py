"""Reading the labelled files: article files and pair files, a bad line named or skipped."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from samestory.models import SkippedRecord
from samestory.normalize import is_blank


def load_records(path: str | Path) -> list[dict[str, Any]]:
    """Read a JSONL file into a list of dicts (blank lines are skipped).

    Raises ``ValueError`` naming ``file:line`` for a line that is not valid JSON or not a
    JSON object.
    """
    records = []
    for lineno, record, problem in _json_lines(Path(path)):
        if problem:
            raise ValueError(f"{path}:{lineno}: {problem}")
        records.append(record)
    return records


def read_labelled(path: str | Path) -> tuple[list[dict[str, Any]], list[SkippedRecord]]:
    """The usable records of a labelled file, and why each other line was skipped.

    Like :func:`load_records`, but a bad line does not stop the evaluation: a line that
    is not a JSON object, an article without ``id``, ``text`` or ``story`` (or with an id
    already seen), or a pair without ``text1``, ``text2`` or a numeric ``overall`` is
    left out as a :class:`SkippedRecord` (its ``source`` is ``"file:line"``). The kind of
    file (articles or pairs) is decided by its first ten records that parse.
    """
    parsed: list[tuple[int, dict[str, Any]]] = []
    problems: list[tuple[int, str]] = []
    for lineno, record, problem in _json_lines(Path(path)):
        if problem:
            problems.append((lineno, problem))
        else:
            parsed.append((lineno, record))
    pairs = is_pair_file([record for _, record in parsed])
    records: list[dict[str, Any]] = []
    first_line: dict[str, int] = {}
    for lineno, record in parsed:
        reason = _pair_problem(record) if pairs else _article_problem(record, first_line)
        if reason:
            problems.append((lineno, reason))
            continue
        if not pairs:
            first_line[str(record["id"])] = lineno
        records.append(record)
    return records, [
        SkippedRecord(f"{path}:{lineno}", reason) for lineno, reason in sorted(problems)
    ]


def _json_lines(path: Path) -> Iterator[tuple[int, dict[str, Any], str | None]]:
    """``(line number, object, None)`` per JSON-object line, ``(line, {}, why)`` per bad
    line; blank lines are skipped."""
    with path.open(encoding="utf-8") as handle:
        for lineno, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                yield lineno, {}, f"invalid JSON: {exc.msg}"
                continue
            if isinstance(record, dict):
                yield lineno, record, None
            else:
                yield lineno, {}, f"expected a JSON object, got {type(record).__name__}"


def _pair_problem(record: dict[str, Any]) -> str | None:
    missing = [k for k in ("text1", "text2") if not isinstance(record.get(k), str)]
    if missing:
        return f"no {' or '.join(missing)}"
    overall = record.get("overall")
    if isinstance(overall, bool) or not isinstance(overall, (int, float)) or overall != overall:
        return f"overall is not a number: {overall!r}"
    return None


def _article_problem(record: dict[str, Any], first_line: dict[str, int]) -> str | None:
    missing = [k for k in ("id", "story") if record.get(k) in (None, "")]
    if not isinstance(record.get("text"), str) or is_blank(record["text"]):
        missing.append("text")  # none, or invisible characters only (zero-width spaces)
    if missing:
        return f"no {', '.join(missing)}"
    doc_id = str(record["id"])
    if doc_id in first_line:
        return f"id {doc_id!r} already on line {first_line[doc_id]}"
    return None


def is_pair_file(records: Sequence[dict[str, Any]]) -> bool:
    """True when the records are pairs (they carry ``text1`` and ``text2``)."""
    return bool(records) and all("text1" in r and "text2" in r for r in records[:10])
