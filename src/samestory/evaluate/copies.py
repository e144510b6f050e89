"""Exact and lightly edited copies of real texts (:func:`make_copy_variants`), to check
that a system labels copies with the right relation kind."""

from __future__ import annotations

import random
import re
from collections.abc import Sequence
from typing import Any

from samestory.normalize import words

_BOILERPLATE_LINES = (
    "Share this article",
    "Share this article on Facebook",
    "Read more:",
    "Advertisement",
    "Click here to subscribe to our newsletter.",
)
_SOURCE_LINES = ("Source: Reuters", "Source: AP", "Source: AFP", "(Reuters)", "Source: dpa")
_SWAPS = {
    "said": "stated",
    "says": "states",
    "told": "informed",
    "announced": "reported",
    "people": "persons",
    "killed": "left dead",
    "about": "around",
    "after": "following",
    "before": "prior to",
    "big": "large",
    "started": "began",
    "also": "additionally",
    "dijo": "afirmó",
    "ha detto": "ha dichiarato",
    "zei": "verklaarde",
    "sagte": "erklärte",
}
_NUMBER_RE = re.compile(r"(?<![\w.,])\d+(?![\w])")
_NAME_RE = re.compile(r"(?<![\w'])[A-Z][a-z]{3,}(?![\w'])")
_COMMA_RE = re.compile(r",(?= )")
_DOUBLE_QUOTES_RE = re.compile(r'"([^"\n]{1,400})"')


def _exact_copy(text: str, rng: random.Random) -> str:
    """A copy equal to ``text`` after normalisation: byte-identical, or changed only in
    whitespace, letter case or punctuation (word tokens stay the same)."""
    ops = ["identical", "spaces", "newlines", "lower", "quotes", "commas", "crlf"]
    chosen = rng.sample(ops, k=rng.choice((1, 2)))
    if "identical" in chosen:
        return text
    out = text
    for op in chosen:
        if op == "spaces":
            out = out.replace(". ", ".  ") if ". " in out else "  " + out + " \n"
        elif op == "newlines":
            out = out.replace("\n", "\n\n") if "\n" in out else out + "\n\n"
        elif op == "lower":
            out = out.lower()
        elif op == "quotes":
            new = _DOUBLE_QUOTES_RE.sub("“\\1”", out)
            out = new if new != out else out.rstrip() + " "
        elif op == "commas":
            new = _COMMA_RE.sub("", out)
            out = new if new != out else out.replace(".", ";", 1) if "." in out else out + "."
        elif op == "crlf":
            out = out.replace("\n", "\r\n") + "\r\n"
    # Guard: case folding of rare letters (Turkish dotted I) can split a token.
    return out if words(out) == words(text) else text


# The synthetic copy variants (make_copy_variants), chosen when the generator was written:
# texts shorter than this many tokens get a word added rather than one dropped; the odds
# of page furniture (below the first: a boilerplate line added; the second: a source
# credit; the third: a boilerplate line removed); years (numbers in this range) move back
# one year, other numbers by one of NUMBER_STEPS; texts shorter than this many words get
# no copy variant.
MIN_TOKENS_TO_DROP = 6
FURNITURE_ODDS = (0.3, 0.6, 0.75)
YEAR_RANGE = (1900, 2100)
NUMBER_STEPS = (1, 2, 3, 10)
MIN_VARIANT_WORDS = 30


def _tweak_number(text: str, rng: random.Random) -> str | None:
    matches = list(_NUMBER_RE.finditer(text))
    if not matches:
        return None
    m = rng.choice(matches)
    value = int(m.group())
    earliest, latest = YEAR_RANGE
    is_year = earliest <= value <= latest
    new = str(value - 1 if is_year else value + rng.choice(NUMBER_STEPS))
    return text[: m.start()] + new + text[m.end() :]


def _respell_name(text: str, rng: random.Random) -> str | None:
    matches = list(_NAME_RE.finditer(text))
    if not matches:
        return None
    m = rng.choice(matches)
    name = m.group()
    i = rng.randrange(1, len(name) - 1)
    doubled = name[:i] + name[i] + name[i:]  # "Ketsoyan" -> "Kettsoyan"
    dropped = name[:i] + name[i + 1 :]  # "Ketsoyan" -> "Ketoyan"
    new = doubled if rng.random() < 0.5 else dropped
    # respell every occurrence, as a copy editor's house spelling would
    return re.sub(rf"(?<![\w']){re.escape(name)}(?![\w'])", new, text)


def _swap_word(text: str, rng: random.Random) -> str | None:
    present = [w for w in _SWAPS if re.search(rf"\b{re.escape(w)}\b", text)]
    if not present:
        return None
    word = rng.choice(present)
    return re.sub(rf"\b{re.escape(word)}\b", _SWAPS[word], text, count=1)


def _drop_word(text: str, rng: random.Random) -> str:
    tokens = text.split(" ")
    if len(tokens) < MIN_TOKENS_TO_DROP:
        return text + " Updated."
    i = rng.randrange(2, len(tokens) - 2)
    return " ".join(tokens[:i] + tokens[i + 1 :])


def _near_duplicate_copy(text: str, rng: random.Random) -> str:
    """A lightly edited copy: one or two word-level edits (a number, a name's spelling, a
    word swapped for a synonym) plus, often, page furniture (a boilerplate line added or
    removed, a trailing source credit) and punctuation/whitespace noise."""
    out = text
    edits = [_tweak_number, _respell_name, _swap_word]
    rng.shuffle(edits)
    changed = 0
    for edit in edits:
        if changed >= rng.choice((1, 2)):
            break
        new = edit(out, rng)
        if new is not None and new != out:
            out, changed = new, changed + 1
    if changed == 0:
        out = _drop_word(out, rng)
    lines = out.split("\n")
    furniture = rng.random()
    add_line, add_credit, remove_line = FURNITURE_ODDS
    if furniture < add_line:
        lines.insert(rng.randrange(1, len(lines) + 1), rng.choice(_BOILERPLATE_LINES))
    elif furniture < add_credit:
        lines.append(rng.choice(_SOURCE_LINES))
    elif furniture < remove_line and len(lines) > 2:
        boiler = [i for i, ln in enumerate(lines) if ln.strip() in _BOILERPLATE_LINES]
        if boiler:
            del lines[rng.choice(boiler)]
    out = "\n".join(lines)
    if rng.random() < 0.5:
        out = _exact_copy(out, rng)
    if words(out) == words(text):  # e.g. the dropped token was a lone dash
        out = out.rstrip() + " Updated."
    return out


def make_copy_variants(
    records: Sequence[dict[str, Any]],
    seed: int = 0,
    limit: int | None = None,
    min_words: int = MIN_VARIANT_WORDS,
) -> tuple[list[dict[str, Any]], list[tuple[str, str, str]]]:
    """Make an exact and a lightly edited copy of each record's text (for kind recall).

    Records with fewer than ``min_words`` words are skipped (on a ten-word text any word
    edit changes most shingles, so no copy detector could call it a near-duplicate).
    For each remaining record (``limit`` of them drawn with the seed, if given) this returns
    two new records, copies of the original with ``id`` ``"<orig>#exact"`` / ``"<orig>#edit"`` and
    the text changed, plus the expected relations
    ``(orig_id, copy_id, "exact" | "near_duplicate")``.

    - exact: byte-identical, or only whitespace, case or punctuation changed, so
      ``normalize.words`` (and hence ``normalize.fingerprint``) is unchanged;
    - near_duplicate: one or two word edits (a number, a name spelling, a synonym), often
      with a boilerplate line ("Share this article") added or removed, a trailing
      "Source: Reuters" credit, and whitespace/punctuation noise.

    Deterministic for a given ``seed``.
    """
    rng = random.Random(seed)
    chosen = [r for r in records if r.get("text") and len(words(r["text"])) >= min_words]
    if limit is not None:
        chosen = rng.sample(chosen, k=min(limit, len(chosen)))
    new_records: list[dict[str, Any]] = []
    expected: list[tuple[str, str, str]] = []
    for record in chosen:
        orig = str(record["id"])
        text = record["text"]
        for suffix, kind, make in (
            ("exact", "exact", _exact_copy),
            ("edit", "near_duplicate", _near_duplicate_copy),
        ):
            copy = dict(record)
            copy["id"] = f"{orig}#{suffix}"
            copy["text"] = make(text, rng)
            new_records.append(copy)
            expected.append((orig, copy["id"], kind))
    return new_records, expected
