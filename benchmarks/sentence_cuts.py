"""Where ``normalize.split_sentences`` cuts a line where a reader reads on, by class.

    python benchmarks/sentence_cuts.py [--data DIR] [--sets ecbplus_dev,meantime_dev,gva_dev,real]
        [--list CLASS] [--sample N] [--seed S]

Each record's text is cleaned as production cleans it (``normalize.clean_text``) and
split (``normalize.split_sentences``). Independently of the splitter, the places inside a
line where a period (or an ellipsis) and a space are *not* a sentence's end are found
by their class:

- **street**: a street abbreviation ("Ave.", "Rd.", "Blvd.") before a lowercase word or
  a number ("North Third Ave. in Mount Vernon");
- **state**: a US state's AP abbreviation ("Okla.", "Calif.") before the same;
- **title**: a title before a capitalised name ("the Rev. Larry", "Cpl. Marcus", "Mt. Cook");
- **initial**: a capital letter's period before a capitalised word ("K. C. Jones");
- **spaced decimal**: a number of at most three digits, its period, a space and a digit,
  the source's de-tokenisation ("6. 1-magnitude", "$5. 3 million", "08. 07. 2012");
- **ellipsis**: "..", "..." or "…" before a lowercase word or a number
  ("Frederick Austin ... and three");
- **web address**: a word's period before "com" / "org" / "net" ("MyFoxHouston. com").

A place is **cut** when a sentence of the split ends there. **other** counts the cuts
inside a line before a lowercase letter or a digit that fall in no class: crawled
sentences that start in lowercase ("today. the ..."), product names ("GarageBand.
iLife"), a sentence starting with a number ("others. 60% of the parts"); they are
reported, not judged. A class's reading is only as good as its pattern: ``--list CLASS``
prints every place of that class (cut or not) with its context, ``--sample N`` N seeded
ones, to read by eye. ``real`` is ``benchmarks/corpus.py``'s real corpus (the three dev
sets' distinct texts). The figures are the splitter on ``PYTHONPATH``: run it once on
each version to compare. Writes nothing.
"""

from __future__ import annotations

import argparse
import collections
import json
import random
import re
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from samestory import normalize

_STREETS = "Ave|Rd|Blvd|Hwy|Pkwy|Ln|Ct|Pl|Pct|Sq|Ter|Cir|Hts|Ext"
_STATES = (
    "Ala|Ariz|Ark|Calif|Colo|Conn|Del|Fla|Ga|Ill|Ind|Kan|Kans|Ky|La|Md|Mass|Mich|Minn|Miss|"
    "Mo|Mont|Neb|Nev|Okla|Ore|Pa|Tenn|Tex|Vt|Va|Wash|Wis|Wyo|Oh"
)
_TITLES = (
    "Mr|Mrs|Ms|Dr|Prof|Gen|Gov|Sen|Rep|Col|Lt|Sgt|Capt|Rev|Mt|Ft|Cpl|Cpt|Pvt|Maj|Adm|Cmdr|"
    "Det|Supt|Ald|Ofc|Atty|Insp"
)
# Each class: its pattern over a line, the period (or ellipsis) ending at group "end"'s
# end; the separator is one or more spaces (clean_text folds runs of spaces).
CLASSES: dict[str, re.Pattern[str]] = {
    "street": re.compile(rf"\b(?P<end>(?:{_STREETS})\.) +(?=[a-z0-9])"),
    "state": re.compile(rf"\b(?P<end>(?:{_STATES})\.) +(?=[a-z0-9])"),
    "title": re.compile(rf"\b(?P<end>(?:{_TITLES})\.) +(?=[A-Z])"),
    "initial": re.compile(r"(?<![\w.])(?P<end>[A-Z]\.) +(?=[A-Z])"),
    "spaced decimal": re.compile(r"(?<![\d.])(?P<end>\d{1,3}\.) +(?=\d)"),
    "ellipsis": re.compile(r"(?P<end>\.\.+|…) +(?=[a-z0-9])"),
    "web address": re.compile(r"(?P<end>\w\.) +(?=(?:com|org|net)\b)"),
}
DEFAULT_SETS = "ecbplus_dev,meantime_dev,gva_dev,real"
CONTEXT_CHARS = 40


@dataclass(frozen=True)
class Place:
    """A place inside a line where a reader reads on: its class, the record, whether the
    split cuts there, and the text around it."""

    kind: str
    record: str
    cut: bool
    context: str


def sentence_ends(text: str, sentences: Iterable[str]) -> tuple[set[int], int]:
    """The offsets in ``text`` where the sentences end (each found left to right, a line
    break read as the space a run-on sentence has there), and how many were not found."""
    flat = text.replace("\n", " ")
    ends: set[int] = set()
    missing = 0
    cursor = 0
    for sentence in sentences:
        start = flat.find(sentence, cursor)
        if start < 0:
            missing += 1
            continue
        cursor = start + len(sentence)
        ends.add(cursor)
    return ends, missing


def other_cuts(text: str, ends: set[int], classed: set[int]) -> Iterator[int]:
    """Sentence ends inside a line, in no class, before a lowercase letter or a digit."""
    for end in ends:
        rest = text[end : end + 2 * CONTEXT_CHARS]
        gap = len(rest) - len(rest.lstrip(" "))
        nxt = rest[gap : gap + 1]
        if end in classed or not gap or "\n" in rest[:gap] or not nxt:
            continue
        if nxt.islower() or nxt.isdigit():
            yield end


def places_of(record_id: str, raw: str) -> tuple[list[Place], int]:
    """Every classed place of one record's cleaned text, and the sentences not found."""
    text = normalize.clean_text(raw)
    ends, missing = sentence_ends(text, normalize.split_sentences(text))
    places: list[Place] = []
    classed: set[int] = set()
    for kind, pattern in CLASSES.items():
        for m in pattern.finditer(text):
            end = m.end("end")
            if "\n" in text[m.start() : m.end()]:
                continue
            classed.add(end)
            places.append(Place(kind, record_id, end in ends, _context(text, end)))
    for end in other_cuts(text, ends, classed):
        places.append(Place("other", record_id, True, _context(text, end)))
    return places, missing


def _context(text: str, end: int) -> str:
    before = text[max(0, end - CONTEXT_CHARS) : end]
    after = text[end : end + CONTEXT_CHARS]
    return (before + " | " + after.lstrip()).replace("\n", " / ")


def records_of(name: str, data: Path) -> list[tuple[str, str]]:
    """(id, text) of a dev set's records, or of the real corpus for ``real``."""
    if name == "real":
        from corpus import real_corpus

        articles, _gold = real_corpus(data)
        return [(a.id, a.text) for a in articles]
    rows = (json.loads(line) for line in (data / f"{name}.jsonl").open(encoding="utf-8"))
    return [(str(r["id"]), r.get("text") or "") for r in rows]


def count_set(name: str, data: Path) -> tuple[list[Place], int, int, int]:
    """The set's places, its records, its sentences and the sentences not located."""
    places: list[Place] = []
    missing = sentences = 0
    records = records_of(name, data)
    for record_id, raw in records:
        found, lost = places_of(record_id, raw)
        places.extend(found)
        missing += lost
        sentences += len(normalize.split_sentences(normalize.clean_text(raw)))
    return places, len(records), sentences, missing


def table_rows(name: str, places: list[Place]) -> list[str]:
    """One row a class: places, cut, texts with a cut."""
    rows = []
    for kind in [*CLASSES, "other"]:
        of_kind = [p for p in places if p.kind == kind]
        cut = [p for p in of_kind if p.cut]
        texts = len({p.record for p in cut})
        seen = "-" if kind == "other" else str(len(of_kind))
        rows.append(f"| {name} | {kind} | {seen} | {len(cut)} | {texts} |")
    wrong = [p for p in places if p.cut and p.kind != "other"]
    rows.append(
        f"| {name} | **all classes** | {sum(p.kind != 'other' for p in places)} | "
        f"**{len(wrong)}** | {len({p.record for p in wrong})} |"
    )
    return rows


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=Path(_default_data()))
    parser.add_argument("--sets", default=DEFAULT_SETS)
    parser.add_argument("--list", dest="list_kind", help="print every place of this class")
    parser.add_argument("--sample", type=int, default=0, help="print N seeded places a class")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    print("| set | class | places | cut | texts cut |")
    print("| --- | --- | --- | --- | --- |")
    listed: dict[str, list[Place]] = collections.defaultdict(list)
    for name in args.sets.split(","):
        places, records, sentences, missing = count_set(name, args.data)
        for row in table_rows(name, places):
            print(row)
        print(f"<!-- {name}: {records} texts, {sentences} sentences, {missing} not located -->")
        for p in places:
            listed[p.kind].append(p)
    for kind, places in listed.items():
        if args.list_kind == kind:
            shown = places
        elif args.sample:
            shown = random.Random(args.seed).sample(places, min(args.sample, len(places)))
        else:
            continue
        print(f"\n## {kind}")
        for p in shown:
            print(f"{'CUT ' if p.cut else 'kept'} {p.record}: {p.context}")


def _default_data() -> str:
    import os

    return os.path.join(os.environ.get("SAMESTORY_SHARED", "/work/shared"), "data")


if __name__ == "__main__":
    main()
