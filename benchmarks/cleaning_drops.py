"""What the boilerplate rules of ``normalize.clean_text`` drop that holds news words, with
rule BS (``switches.BOILERPLATE_BY_SENTENCE``) off and on.

    PYTHONPATH=src python benchmarks/cleaning_drops.py [--sets gva_dev,...]
        [--forms full,lead,summary,headline] [--sizes 10000] [--examples 5] [--json FILE]

For each dev set and form (``full`` or a short form of ``evaluate.make_short_variants``,
the reader's cut), the real corpus (``corpus.real_corpus``) and synthetic corpora of
``--sizes`` (``corpus.build_corpus``, seed 0), with the rule off and on:

- the units a rule drops: ``line`` (a line led by a ``_BOILERPLATE`` marker, rule off;
  under rule BS a gallery's line), ``nav`` (a navigation line) and ``sentence`` (a
  sentence with a call to action, or under rule BS the marker's sentence of a line);
- of them, those that hold news: a piece of the unit (its sentences, cut where the source
  glued two) with no marker of its own (no ``_BOILERPLATE`` start, no call to action once
  a bracketed web address and a marked label are out) and at least NEWS_RUNNING_WORDS
  running words (``normalize._running_words``: lowercase words of 4+ letters);
- texts that clean to no words, and texts whose cleaned words the rule changes.

A unit's "news" is only what no marker of the rules covers: a related-story link's
headline ("RELATED: Man charged in ...") is the marker's sentence and not counted.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import json
import sys
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from corpus import DATA, build_corpus, real_corpus

from samestory import normalize, switches
from samestory.evaluate import load_records, make_short_variants

# A piece of a dropped unit with this many running words and no marker is news.
NEWS_RUNNING_WORDS = 3
SETS = ("ecbplus_dev", "meantime_dev", "gva_dev")
FORMS = ("full", "lead", "summary", "headline")


def rule(on: bool) -> contextlib.AbstractContextManager[None]:
    """``clean_text`` with rule BS on or off, whatever the shipped switch says."""
    return switches.switched("BOILERPLATE_BY_SENTENCE", on)


def is_marked(piece: str) -> bool:
    """Whether a piece holds a marker of the boilerplate rules."""
    if normalize._BOILERPLATE.match(piece) or normalize._is_navigation(piece):
        return True
    return not normalize._kept_piece(piece)


def news_pieces(unit: str) -> list[str]:
    """The pieces of a dropped unit that hold news (the module's docstring)."""
    pieces = [p for s in normalize.split_sentences(unit) for p in normalize._glued_pieces(s)]
    return [
        p for p in pieces if not is_marked(p) and normalize._running_words(p) >= NEWS_RUNNING_WORDS
    ]


def dropped_units(text: str, on: bool) -> Iterator[tuple[str, str]]:
    """(kind, unit) of every unit the boilerplate rules drop from ``text`` (as
    ``normalize._clean_line`` does: the line cache is bypassed)."""
    text = unicodedata.normalize("NFKC", text).replace("\r\n", "\n").replace("\r", "\n")
    for raw in text.split("\n"):
        line = normalize._WS.sub(" ", raw).strip()
        if not line:
            continue
        if normalize._is_navigation(line):
            yield "nav", line
            continue
        if normalize._BOILERPLATE.match(line):
            if not on:
                yield "line", line
                continue
            rest = normalize._without_boilerplate_start(line)
            if not rest:
                kind = "line" if normalize._GALLERY.search(line) else "sentence"
                yield kind, line
                continue
            if rest != line:
                yield "sentence", line[: max(0, len(line) - len(rest))].strip()
            line = rest
        line = normalize._without_outlet_marks(line)
        if normalize._is_call_to_action(line, on):
            yield from _dropped_sentences(line, on)


def _dropped_sentences(line: str, on: bool) -> Iterator[tuple[str, str]]:
    for sentence in normalize.split_sentences(line):
        if not normalize._is_call_to_action(sentence, on):
            continue
        if not on:
            yield "sentence", sentence
            continue
        for piece in normalize._glued_pieces(sentence):
            if not normalize._kept_piece(piece):
                yield "sentence", piece


def count(make: Callable[[], dict[str, str]], examples: int) -> dict[str, Any]:
    """The counts of one corpus (``make``: its texts by id, made under the rule in force:
    a short form is cut from the cleaned text), rule off and on."""
    out: dict[str, Any] = {}
    cleaned: dict[bool, dict[str, list[str]]] = {}
    for on in (False, True):
        units: Counter[str] = Counter()
        news: Counter[str] = Counter()
        texts_with_news = 0
        shown: list[str] = []
        with rule(on):
            normalize._clean_line.cache_clear()
            texts = make()
            cleaned[on] = {i: normalize.words(normalize.clean_text(t)) for i, t in texts.items()}
            for text in texts.values():
                held = False
                for kind, unit in dropped_units(text, on):
                    units[kind] += 1
                    found = news_pieces(unit)
                    if found:
                        news[kind] += 1
                        held = True
                        if len(shown) < examples:
                            shown.append(f"{kind}: {unit[:160]!r} -> news {found[0][:100]!r}")
                texts_with_news += held
        out["on" if on else "off"] = {
            "texts": len(texts),
            "dropped": dict(units),
            "holding_news": dict(news),
            "texts_losing_news": texts_with_news,
            "wordless": sum(not w for w in cleaned[on].values()),
            "examples": shown,
        }
    normalize._clean_line.cache_clear()
    ids = cleaned[False].keys() | cleaned[True].keys()
    out["texts_changed_by_rule"] = sum(cleaned[False].get(i) != cleaned[True].get(i) for i in ids)
    out["words_kept_off_on"] = [sum(map(len, cleaned[on].values())) for on in (False, True)]
    return out


def corpora(
    sets: list[str], forms: list[str], sizes: list[int]
) -> Iterator[tuple[str, Callable[[], dict[str, str]]]]:
    """(name, a function making its texts by id) of every corpus the counts run on."""
    for name in sets:
        records = load_records(Path(DATA) / f"{name}.jsonl")
        for form in forms:
            yield f"{name} {form}", functools.partial(_form_texts, records, form)
    yield "real corpus", lambda: {a.id: a.text for a in real_corpus()[0]}
    for size in sizes:
        articles, _ = build_corpus(size, seed=0)
        yield f"{size} (seed 0)", lambda articles=articles: {a.id: a.text for a in articles}


def _form_texts(records: list[dict[str, Any]], form: str) -> dict[str, str]:
    cut = records if form == "full" else make_short_variants(records, form)
    return {str(r["id"]): r["text"] for r in cut}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", default=",".join(SETS))
    parser.add_argument("--forms", default=",".join(FORMS))
    parser.add_argument("--sizes", default="", help="synthetic corpus sizes, comma-separated")
    parser.add_argument("--examples", type=int, default=3)
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",") if s]
    report = {}
    for name, make in corpora(args.sets.split(","), args.forms.split(","), sizes):
        report[name] = found = count(make, args.examples)
        off, on = found["off"], found["on"]
        print(
            f"{name}: {off['texts']} / {on['texts']} texts; off: dropped {off['dropped']}, "
            f"holding news {off['holding_news']} in {off['texts_losing_news']} texts, wordless "
            f"{off['wordless']}; on: dropped {on['dropped']}, holding news "
            f"{on['holding_news']} in {on['texts_losing_news']} texts, wordless "
            f"{on['wordless']}; texts changed {found['texts_changed_by_rule']}, words "
            f"{found['words_kept_off_on'][0]} -> {found['words_kept_off_on'][1]}"
        )
        for label in ("off", "on"):
            for example in found[label]["examples"]:
                print(f"  {label} {example}")
    if args.json:
        args.json.write_text(json.dumps(report, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
