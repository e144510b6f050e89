"""Names read as places by the locative "to" alone, and what a narrower "to" would move.

    python benchmarks/locative_to_trace.py [--sets ecbplus,meantime,gva] [--show 3] [--json F]

:mod:`samestory.name_roles` reads a capitalised run after a locative word as a place
("taken to Stroger"), "to" among them; so "recommended to Ford that he leave school",
"according to Sgt. Smith", "spoke to ONE News" read Ford, Smith and ONE News as places.
Over every sentence of every dev text (the sentences the features stage reads,
:func:`samestory.features.read_text`), this lists the runs that are places by a "to" before
them and nothing else (no place word ending or following them), counted by the word before
"to". Then, for each candidate rule (a set of words before "to" that make it no locative,
:data:`RULES`), with production's reading patched to follow it: the texts whose
:func:`~samestory.name_roles.name_roles` change, and the ordered pairs of texts of one set
that share a changed name and whose :func:`~samestory.name_roles.shared_roles` (the only
reader of the roles, ``relate/columns.py`` and ``threads.py``) change. A rule that changes
no text's roles moves no score on these texts; one that changes shared roles moves the
cues that read them (a story-moving change). Reads no vectors: light (about 1 min CPU).
"""

from __future__ import annotations

import argparse
import collections
import json
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from corpus import DATA

from samestory import name_roles, normalize, switches
from samestory.config import DEFAULT_CONFIG
from samestory.evaluate import load_records, record_to_article
from samestory.features import read_text

#: Candidate rules: words before "to" after which "to" marks no place. "production" is
#: :data:`samestory.name_roles.TO_NOT_LOCATIVE_AFTER` (the rule of
#: ``switches.LOCATIVE_TO_NARROW``; 2026-12-07, locative).
RULES: dict[str, frozenset[str]] = {
    "recommended": frozenset({"recommended"}),
    "according": frozenset({"according"}),
    "speech and possession": frozenset(
        """
        according recommended spoke speaks speaking talked talking talk confirmed confirms
        belonged belonging belongs related responded objected listens listened heir wrote
        explained replied apologized
        """.split()  # noqa: SIM905 - a word list reads best as text
    ),
    "production": name_roles.TO_NOT_LOCATIVE_AFTER,
}


class Text:
    """One dev text: its set, id, the sentences the features stage reads, its names."""

    def __init__(self, name: str, record: dict[str, Any]) -> None:
        article = record_to_article(record)
        self.set, self.id = name, article.id
        self.sentences = tuple(read_text(article, DEFAULT_CONFIG)[1])
        self.names = frozenset(normalize.entities(f"{article.title or ''}\n{article.text}"))


#: The word before a final "to" (production's reading).
word_before_to = name_roles.word_before_to


def runs_by_to_alone(texts: list[Text]) -> list[dict[str, str]]:
    """Every name run that is a place only by the "to" before it."""
    found = []
    for text in texts:
        for sentence in text.sentences:
            for match in normalize.NAME_RUN.finditer(sentence):
                run = match.group(1)
                if not normalize.entities(run):
                    continue
                if name_roles._last_word(sentence[: match.start()]) != "to":
                    continue
                after = sentence[match.end() :]
                following = [w.lower() for w in name_roles._WORD.findall(after[:40])[:2]]
                if name_roles._is_place(run, "", following):
                    continue  # a place by its own words too
                found.append(
                    {
                        "set": text.set,
                        "id": text.id,
                        "before_to": word_before_to(sentence[: match.start()]),
                        "run": run,
                        "context": " ".join(
                            sentence[max(0, match.start() - 50) : match.end() + 30].split()
                        ),
                    }
                )
    return found


def roles_under(texts: list[Text], rule: frozenset[str]) -> list[name_roles.Roles]:
    """Each text's roles with "to" after a word of ``rule`` read as no locative (the
    empty rule: every "to" a locative, as with ``switches.LOCATIVE_TO_NARROW`` off)."""
    saved = switches.LOCATIVE_TO_NARROW, name_roles.TO_NOT_LOCATIVE_AFTER
    switches.LOCATIVE_TO_NARROW, name_roles.TO_NOT_LOCATIVE_AFTER = True, rule
    name_roles.clear_caches()
    try:
        return [name_roles.name_roles(t.sentences) for t in texts]
    finally:
        switches.LOCATIVE_TO_NARROW, name_roles.TO_NOT_LOCATIVE_AFTER = saved
        name_roles.clear_caches()


def rule_effect(
    texts: list[Text], base: list[name_roles.Roles], new: list[name_roles.Roles], show: int
) -> dict[str, Any]:
    """The texts whose roles ``new`` changes, and the same-set text pairs sharing a
    changed name whose shared roles change."""
    changed = [i for i, (b, n) in enumerate(zip(base, new, strict=True)) if b != n]
    pairs: collections.Counter[str] = collections.Counter()
    examples = []
    for i in changed:
        moved = (base[i][0] ^ new[i][0]) | (base[i][1] ^ new[i][1])
        for j, other in enumerate(texts):
            shared = texts[i].names & other.names
            if j == i or other.set != texts[i].set or not shared & moved:
                continue
            before = name_roles.shared_roles((), (), shared, base[i], base[j])
            after = name_roles.shared_roles((), (), shared, new[i], new[j])
            if before != after:
                pairs[texts[i].set] += 1
                if len(examples) < show:
                    examples.append([texts[i].id, other.id, sorted(shared & moved)])
    return {
        "texts": dict(collections.Counter(texts[i].set for i in changed)),
        "pairs": dict(pairs),
        "examples": examples,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", default="ecbplus,meantime,gva")
    parser.add_argument("--show", type=int, default=3, help="Examples shown per line.")
    parser.add_argument("--json", type=Path, help="Write the runs and the rules' effects.")
    args = parser.parse_args(argv)
    texts = [
        Text(name, record)
        for name in args.sets.split(",")
        for record in load_records(DATA / f"{name}_dev.jsonl")
    ]
    runs = runs_by_to_alone(texts)
    words = collections.Counter(r["before_to"] for r in runs)
    print(f"{len(texts)} texts; {len(runs)} name runs are places by the 'to' before them alone")
    for word, n in words.most_common(15):
        shown = [r["context"] for r in runs if r["before_to"] == word][: args.show]
        print(f"  {n:4d} x '{word} to': " + " | ".join(shown))
    base = roles_under(texts, frozenset())
    effects = {}
    for label, rule in RULES.items():
        effects[label] = effect = rule_effect(texts, base, roles_under(texts, rule), args.show)
        print(
            f"rule '{label}' ({len(rule)} words): texts whose roles change {effect['texts']}; "
            f"same-set text pairs whose shared roles change {effect['pairs']}; e.g. "
            f"{effect['examples']}"
        )
    if args.json:
        payload = {"runs": runs, "by_word": dict(words), "rules": effects}
        args.json.write_text(json.dumps(payload, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
