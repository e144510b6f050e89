"""The ECB+ records the incremental Spark tests run on, shared with the benchmark that
counts their Spark jobs (``benchmarks/spark_tasks.py``), so both read the same input."""

from __future__ import annotations

import json
from pathlib import Path

ECBPLUS = Path(__file__).resolve().parent / "fixtures" / "ecbplus_dev_subset.jsonl"


def incremental_records() -> list[dict[str, str]]:
    """The ECB+ fixture's first 110 records with text, plus reposts and light edits of
    every ninth (123 articles)."""
    records = [json.loads(line) for line in ECBPLUS.read_text(encoding="utf-8").splitlines()]
    records = [r for r in records if r.get("text")][:110]
    out = [{"id": r["id"], "text": r["text"]} for r in records]
    for k, r in enumerate(records[::9]):
        text = r["text"]
        if k % 2:
            text = text.replace(" the ", " a ", 1).replace(" said ", " stated ", 1)
        else:
            text = "Breaking News\n\n" + text + "\n\nShare this article"
        out.append({"id": f"{r['id']}~copy", "text": text})
    return out


def write_jsonl(path: Path, rows: list[dict[str, str]]) -> Path:
    """``rows`` as JSON lines at ``path``; returns ``path``."""
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path
