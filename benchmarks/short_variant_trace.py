"""Which short variants a reader would not see: headlines and leads that are datelines,
bylines, page boilerplate or cut inside a sentence, each with its cause.

    python benchmarks/short_variant_trace.py [--data DIR] [--sets ecbplus_dev,gva_dev]
        [--forms headline,lead] [--list] [--json]

Each record of each set (``FILE`` of ``--data``) is cut by
:func:`samestory.evaluate.short_text` and read against the cleaned text it was cut from
(:func:`samestory.normalize.clean_text`; its lines are the source's line breaks). Flags:

- ``dateline``: the variant (a headline) or one of its sentences (a lead) is a date or
  clock time with at most one word that is not a date word ("May 2, 2013, 1: 12 PM");
- ``byline`` / ``boilerplate``: a line a feed does not show ("By ...", "Posted by ...",
  "More Video...", "Page 1 of 1", "This video is no longer available.");
- ``split cut``: the variant ends at a :func:`~samestory.normalize.split_sentences`
  boundary inside a line where the text goes on with a digit or a lowercase letter, or
  after "...": "Powerful 6." (of "6. 1 magnitude"), "Okla." (of "Okla. man");
- ``run-on``: a headline's sentence runs across a line break (an abbreviation ends the
  line: "... win in K. C." + "Posted on December 23, 2012");
- ``title run-on``: a headline whose first line holds the title, a written date and the
  body's start (MEANTIME's one-line "Title March 01, 2008 Body ...");
- ``cap cut``: the headline's word cap or the lead's falls inside a sentence;
- ``holds headline``: a lead that holds the headline (or its title run-on) of its text;
- ``drops first sentence``: a lead without the text's first line although that line is a
  sentence, not a title (it ends as one).

Each flag's cause is the builder's (``evaluate``) or production's sentence splitter
(``split_sentences``: split cut, run-on). Writes nothing; ``--list`` prints every
flagged variant, ``--json`` one JSON line a set and form.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from samestory import evaluate, normalize
from samestory.evaluate import HEADLINE_WORDS, LEAD_MAX_WORDS, short_text

DEFAULT_DATA = Path("/work/shared/data")
DEFAULT_SETS = "ecbplus_dev,meantime_dev,gva_dev"
FORMS = ("headline", "lead")
CAUSE = {
    "dateline": "evaluate",
    "byline": "evaluate",
    "boilerplate": "evaluate",
    "title run-on": "evaluate",
    "cap cut": "evaluate",
    "holds headline": "evaluate",
    "drops first sentence": "evaluate",
    "split cut": "split_sentences",
    "run-on": "split_sentences",
}
_BOILERPLATE = re.compile(
    r"^(more video|page \d+ of \d+|this video is no longer available|video:|watch:|"
    r"sports news in brief|image of\b|photo of\b|\d+ photos?$|posted by\b|written by\b)",
    re.IGNORECASE,
)


def is_dateline(text: str) -> bool:
    """:func:`samestory.evaluate.is_dateline`: the builder's reading of a dateline."""
    return evaluate.is_dateline(text)


def is_byline(text: str) -> bool:
    return bool(normalize._BYLINE.match(text)) and len(text.split()) <= 8


def is_boilerplate(text: str) -> bool:
    return bool(_BOILERPLATE.match(text.strip()))


@dataclass
class Source:
    """A record's cleaned lines as the builder reads them (its title line left out)."""

    title: str
    lines: list[str]

    @classmethod
    def of(cls, record: dict[str, Any]) -> Source:
        title = str(record.get("title") or "").strip()
        body = normalize.clean_text(str(record.get("text") or ""))
        lines = [line.strip() for line in body.splitlines() if line.strip()]
        if title and lines and lines[0].startswith(title[:40]):
            lines = lines[1:]
        return cls(title, lines)


@dataclass
class Flags:
    """The flags of one variant."""

    record_id: str
    variant: str
    flags: list[str] = field(default_factory=list)


def _where(text: str, lines: list[str]) -> tuple[str, int] | None:
    """The source line holding ``text`` (or its first 40 characters) and where."""
    for probe in (text, text[:40]):
        for line in lines:
            at = line.find(probe)
            if at >= 0:
                return line, at
    return None


def _end_flag(text: str, lines: list[str], cap: int) -> str | None:
    """How the source goes on after ``text``: a cap cut (the word cap fell inside a
    sentence), a split cut (inside its line, with a digit, a lowercase letter or after
    "..."), or a run-on (``text`` is in no one line: it crosses a line break)."""
    found = _where(text, lines)
    if found is None:
        return "run-on"
    line, at = found
    if not line.startswith(text, at):
        return "run-on"
    rest = line[at + len(text) :].lstrip()
    if not rest:
        return None
    if len(text.split()) >= cap and not text.endswith((".", "!", "?", '"', "”")):
        return "cap cut"
    if normalize.date_spans(rest[:40])[:1] and normalize.date_spans(rest[:40])[0][0] == 0:
        return None  # a title before its dateline
    if rest[0].isdigit() or rest[0].islower() or text.endswith("..."):
        return "split cut"
    return None


def _start_flag(text: str, lines: list[str]) -> str | None:
    """A split cut at the start: ``text`` starts inside a source sentence ("1-magnitude
    quake ..." of "6. 1-magnitude quake ...")."""
    found = _where(text, lines)
    if found is None or found[1] == 0:
        return None
    before = found[0][: found[1]].rstrip()
    return None if before.endswith((".", "!", "?", ":", '"', "”")) else "split cut"


def _sentence_flags(sentence: str) -> list[str]:
    if is_dateline(sentence):
        return ["dateline"]
    if is_byline(sentence):
        return ["byline"]
    if is_boilerplate(sentence):
        return ["boilerplate"]
    return []


def _title_run_on(text: str) -> bool:
    """``text`` holds a title, a written date and the body's start."""
    split = evaluate._dateline_split(text)
    return bool(split and split[0])


def headline_flags(record: dict[str, Any], text: str) -> list[str]:
    """The flags of ``record``'s headline ``text``."""
    flags = _sentence_flags(text)
    source = Source.of(record)
    if source.title or not source.lines:
        return flags
    if _title_run_on(text):
        flags.append("title run-on")
    for flag in (_start_flag(text, source.lines), _end_flag(text, source.lines, HEADLINE_WORDS)):
        if flag and flag not in flags:
            flags.append(flag)
    return flags


def lead_flags(record: dict[str, Any], text: str) -> list[str]:
    """The flags of ``record``'s lead ``text``."""
    flags: list[str] = []
    for sentence in normalize.split_sentences(text):
        flags.extend(f for f in _sentence_flags(sentence) if f not in flags)
    source = Source.of(record)
    if not source.lines:
        return flags
    if not source.title and _title_run_on(" ".join(text.split()[:40])):
        flags.append("holds headline")
    first = source.lines[0]
    if (
        not source.title
        and not normalize.reads_like_title(first)
        and not evaluate.is_unread_line(first)
        and not _title_run_on(first)
        and not text.startswith(first[:40])
    ):
        flags.append("drops first sentence")
    tail = " ".join(text.split()[-8:])
    end = _end_flag(tail, source.lines, 0) if len(text.split()) < LEAD_MAX_WORDS else None
    if len(text.split()) >= LEAD_MAX_WORDS and _end_flag(tail, source.lines, 1) == "cap cut":
        end = "cap cut"
    if end and end != "run-on":
        flags.append(end)
    return flags


def trace(records: list[dict[str, Any]], form: str, cut: str = "reader") -> list[Flags]:
    """Every record's ``form`` variant (cut by ``cut``) with its flags (flagged or not)."""
    read = headline_flags if form == "headline" else lead_flags
    out = []
    for record in records:
        text = short_text(record, form, cut)
        out.append(Flags(str(record.get("id")), text, read(record, text) if text else []))
    return out


def summary(rows: list[Flags]) -> dict[str, Any]:
    """Counts by flag and by cause."""
    by_flag = Counter(f for row in rows for f in row.flags)
    by_cause: Counter[str] = Counter()
    for row in rows:
        for cause in {CAUSE[f] for f in row.flags}:
            by_cause[cause] += 1
    return {
        "variants": len(rows),
        "flagged": sum(1 for row in rows if row.flags),
        "by_flag": dict(by_flag.most_common()),
        "by_cause": dict(by_cause.most_common()),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="dev data directory")
    parser.add_argument("--sets", default=DEFAULT_SETS, help="comma-separated file stems")
    parser.add_argument("--forms", default=",".join(FORMS), help="headline, lead or both")
    parser.add_argument(
        "--cut", default="reader", choices=evaluate.SHORT_CUTS, help="the builder's cut"
    )
    parser.add_argument("--list", action="store_true", help="print every flagged variant")
    parser.add_argument("--json", action="store_true", help="one JSON line a set and form")
    args = parser.parse_args(argv)
    for name in args.sets.split(","):
        path = args.data / f"{name}.jsonl"
        records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
        for form in args.forms.split(","):
            rows = trace(records, form, args.cut)
            counts = summary(rows)
            if args.json:
                print(json.dumps({"set": name, "form": form, "cut": args.cut, **counts}))
            else:
                print(f"{name} {form} ({args.cut}): {counts}")
            if args.list:
                for row in rows:
                    if row.flags:
                        print(f"  {row.record_id}\t{','.join(row.flags)}\t{row.variant[:150]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
