"""Short variants of the dev sets' articles (:func:`make_short_variants`): the lead, the
feed summary or the headline a reader sees of each, cut as a feed item is."""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

#: The short forms :func:`make_short_variants` builds from full articles.
SHORT_FORMS = ("lead", "headline", "summary")
#: Mixed forms: every other article (by a hash of its id) in a short form, the rest whole:
#: a short text against a long one, as a feed item against a page.
MIXED_FORMS = tuple(f"mixed-{form}" for form in SHORT_FORMS)
# A headline is at most this many words (feeds' titles run 8-15; a text without a title
# gets its first sentence as headline, cut here as a feed cuts a long title).
HEADLINE_WORDS = 20
# A lead paragraph: whole opening sentences until it has this many words (a wire lead runs
# 25-45), a sentence that would take it past LEAD_MAX_WORDS left out (the first sentence
# alone is cut there: the one cut inside a sentence).
LEAD_WORDS = 30
LEAD_MAX_WORDS = 60
# A feed summary: the opening's first 300 characters, cut at a word, as feeds truncate.
SUMMARY_CHARS = 300
#: How :func:`make_short_variants` cuts a text. ``reader``: as a reader sees a feed item
#: (a headline is never a dateline, a cut falls at a sentence end; docs/history/accuracy.md,
#: 2026-12-06 shortdata). ``first-sentence``: the cut before it (the first sentence as
#: headline, whatever it is; a lead cut at its word cap), which the shipped params files'
#: short forms were fitted on: the fit scripts pin it, so their ``--check`` reproduces them.
SHORT_CUTS = ("reader", "first-sentence")
#: A sentence splitter the variants are cut with: a text to its sentences.
Splitter = Callable[[str], list[str]]
#: The splitters :func:`variant_splitter` names. ``production``: ``normalize.split_sentences``
#: as shipped (what ``make_short_variants`` cuts with unless told). ``no-run-on``: it
#: without its in-line run-on rule (``runs_on_in_line=False``: main 1a7eb79's splitter,
#: which the short rows up to 2026-12-06 evening were cut by), whatever
#: ``switches.SPLIT_RUNS_ON_IN_LINE`` says, so that turning the rule on is measured on
#: the same variants (docs/history/accuracy.md, 2026-12-06 evening, textfix). The two
#: are the same while the switch is off.
VARIANT_SPLITTERS = ("production", "no-run-on")
# Words a dateline holds besides its date and clock time ("Posted at 3: 21 PM ET, 01 / 5 /
# 2011", "Updated: Apr 19, 2016 - 12:30 PM", "3 July 2013 Last updated at 13: 38 GMT").
_DATE_WORDS = frozenset(
    """
    am pm a m p noon updated update posted published last at on article release released
    monday tuesday wednesday thursday friday saturday sunday mon tue tues wed thu thur thurs
    fri sat sun gmt utc bst ist edt est et cdt cst ct mdt mst pdt pst pt th st nd rd ago
    minutes hours days weeks months
    """.split()  # noqa: SIM905 - a word list reads best as text
)
# At most this many other words in a dateline (a place or an outlet: "INDONESIA, July 2,
# 2013", "Reuters Sep 18, 2013").
DATELINE_OTHER_WORDS = 1
_CLOCK = re.compile(r"\b\d{1,2}\s*[:.]\s*\d{2}(?!\d)")
_NUMERIC_DATE = re.compile(r"\b\d{1,2}\s*[/.]\s*\d{1,2}\s*[/.]\s*(?:19|20)?\d{2}\b")
_LETTER_RUNS = re.compile(r"[^\W\d_]+")
# What may follow a dateline's date before the body: a clock time, am/pm, a time zone.
_AFTER_DATE = re.compile(
    r"(?:\s*[,@|\-–—]?\s*(?:at\s+)?\d{1,2}\s*[:.]\s*\d{2}\s*(?:[ap]\.?\s?m\b\.?)?"
    r"(?:\s+[A-Z]{2,4}\b)?)?[\s.,\-–—|]*"
)
# Page lines a feed item never shows: video and page furniture, a bare "Posted on".
_NOT_READ = re.compile(
    r"^(?:more video|page \d+ of \d+$|this video is no longer available|"
    r"(?:posted|published|updated)(?: on)?:?$|(?:video|watch):)",
    re.IGNORECASE,
)
_BYLINE = re.compile(r"^(?:by|posted by|written by)\s+\S", re.IGNORECASE)
BYLINE_MAX_WORDS = 8
# A title run into its dateline and body on one line ("Apple unveils iPod nano September
# 7, 2005 Apple today unveiled ..."): the date is found within this many characters, and
# not after a word that makes it part of a sentence ("killed on Oct. 21, 2011").
DATELINE_SEARCH_CHARS = 400
_DATE_IN_SENTENCE = frozenset(
    [
        "on",
        "in",
        "of",
        "since",
        "by",
        "from",
        "until",
        "before",
        "after",
        "at",
        "the",
        "to",
        "de",
        "del",
        "el",
        "il",
        "le",
        "la",
        "van",
    ]
)


def is_dateline(text: str) -> bool:
    """Whether ``text`` is a dateline: a written date or clock time and, besides date
    words (:data:`_DATE_WORDS`, month names), at most :data:`DATELINE_OTHER_WORDS`
    other words ("May 2, 2013, 1: 12 PM", "Updated Saturday, December 05, 2009 8: 28 PM")."""
    from samestory.normalize import date_spans

    dated = _CLOCK.search(text) or _NUMERIC_DATE.search(text) or date_spans(text)
    if not dated:
        return False
    date_words = _dateline_words()
    others = [w for w in _LETTER_RUNS.findall(text) if w.lower() not in date_words]
    return len(others) <= DATELINE_OTHER_WORDS


@functools.cache
def _dateline_words() -> frozenset[str]:
    """:data:`_DATE_WORDS` and the month names, built once (not once a word)."""
    from samestory.normalize import _MONTHS

    return _DATE_WORDS | frozenset(_MONTHS)


def is_unread_line(line: str) -> bool:
    """A line a feed item does not show: a dateline, a byline, page furniture."""
    return (
        is_dateline(line)
        or bool(_NOT_READ.match(line))
        or (bool(_BYLINE.match(line)) and len(line.split()) <= BYLINE_MAX_WORDS)
    )


def _dateline_split(line: str) -> tuple[str, str, dt.date | None] | None:
    """``(before, body, date)`` of a line that holds a written date followed by the body
    (a capital or a digit after the date, its clock time and time zone): the title before
    a dateline ("Apple unveils iPod nano" of MEANTIME's one-line texts), or "" when what
    comes before is part of the dateline ("Tue Jul 2, 2013 1: 28PM GMT A powerful ...")."""
    from samestory.normalize import date_spans

    for start, end, date in date_spans(line[:DATELINE_SEARCH_CHARS]):
        after = _AFTER_DATE.match(line, end)
        body = line[after.end() if after else end :]
        if not body[:1].isupper() and not body[:1].isdigit():
            continue
        head = line[:start].strip()
        if not head or is_dateline(line[:end]):
            return "", body, date
        before = head.split()[-1].lower()
        if len(head.split()) >= 2 and before not in _DATE_IN_SENTENCE:
            return head, body, date
    return None


def _dated(text: str) -> dt.date | None:
    """The first date with a year written in ``text`` (a dateline's)."""
    from samestory.normalize import date_spans

    return next((date for _, _, date in date_spans(text) if date is not None), None)


@dataclass
class ReaderView:
    """A record as a reader sees it: the headline ("" when it has none to show), the
    paragraphs after it, and the date of the first dateline left out of them (a feed
    item's publication date)."""

    headline: str
    paragraphs: list[str]
    dateline_date: dt.date | None


def reader_view(record: dict[str, Any]) -> ReaderView:
    """A record as a reader sees it: its title, else a first line that reads like one,
    else the title before a dateline on the first line, else ""; the body's lines
    without the title line, datelines, bylines and page furniture
    (:func:`is_unread_line`) and a first line's leading dateline."""
    from samestory.normalize import clean_text, reads_like_title

    title = str(record.get("title") or "").strip()
    lines = [line.strip() for line in clean_text(str(record.get("text") or "")).splitlines()]
    lines = [line for line in lines if line]
    if title and lines and lines[0].startswith(title[:40]):
        lines = lines[1:]
    unread = [line for line in lines if is_unread_line(line)]
    dated = next((d for d in map(_dated, unread) if d is not None), None)
    lines = [line for line in lines if not is_unread_line(line)]
    # A lead-in at the top ("Sports news in brief from around the world:") is neither.
    while lines and lines[0].endswith(":") and len(lines[0].split()) <= BYLINE_MAX_WORDS + 4:
        lines = lines[1:]
    if not lines:
        return ReaderView(title, [], dated)
    if not title and len(lines) > 1 and reads_like_title(lines[0]):
        return ReaderView(lines[0], lines[1:], dated)
    split = _dateline_split(lines[0])
    if split and not (title and split[0]):
        head, body, date = split
        return ReaderView(title or head, [body, *lines[1:]], dated or date)
    return ReaderView(title, lines, dated)


def variant_splitter(name: str) -> Splitter:
    """The splitter ``name`` of :data:`VARIANT_SPLITTERS`."""
    from samestory import normalize

    if name == "production":
        return normalize.split_sentences
    if name == "no-run-on":
        return functools.partial(normalize.split_sentences, runs_on_in_line=False)
    raise ValueError(f"unknown splitter {name!r}; choose from {', '.join(VARIANT_SPLITTERS)}")


def _or_production(splitter: Splitter | None) -> Splitter:
    """``splitter``, or production's ``normalize.split_sentences`` (looked up at the call)."""
    from samestory import normalize

    return splitter or normalize.split_sentences


def reader_cut(
    record: dict[str, Any], form: str, splitter: Splitter | None = None
) -> tuple[str, dt.date | None]:
    """The ``headline`` or ``lead`` of a record as a reader sees it (the ``reader``
    cut), and the date of the first dateline it leaves out; sentences cut by
    ``splitter`` (production's ``split_sentences`` if None)."""
    split_sentences = _or_production(splitter)
    view = reader_view(record)
    # A sentence ends at a paragraph's end, whatever the splitter reads there.
    sentences = [s for p in view.paragraphs for s in split_sentences(p)]
    dated = view.dateline_date or next(
        (d for d in map(_dated, filter(is_dateline, sentences)) if d is not None), None
    )
    sentences = [s for s in sentences if not is_dateline(s)]
    if form == "headline":
        head = view.headline or (sentences[0] if sentences else "")
        return " ".join(head.split()[:HEADLINE_WORDS]), dated
    # Without a title the headline is the first sentence, and the lead starts with it too:
    # a lead paragraph is the text's opening, whatever headline a feed shows above it.
    return _lead_of(sentences), dated


def _lead_of(sentences: list[str]) -> str:
    """Whole sentences until :data:`LEAD_WORDS`, none that passes
    :data:`LEAD_MAX_WORDS` but the first (cut there)."""
    picked: list[str] = []
    count = 0
    for sentence in sentences:
        size = len(sentence.split())
        if picked and count + size > LEAD_MAX_WORDS:
            break
        picked.append(sentence)
        count += size
        if count >= LEAD_WORDS:
            break
    return " ".join(" ".join(picked).split()[:LEAD_MAX_WORDS])


def short_text(
    record: dict[str, Any], form: str, cut: str = "reader", splitter: Splitter | None = None
) -> str:
    """The ``form`` of a record's article (see :func:`make_short_variants`), cut as
    ``cut`` says (:data:`SHORT_CUTS`), sentences by ``splitter`` (production's if None)."""
    if cut not in SHORT_CUTS:
        raise ValueError(f"unknown cut {cut!r}; choose from {', '.join(SHORT_CUTS)}")
    if cut == "reader" and form in ("headline", "lead"):
        return reader_cut(record, form, splitter)[0]
    return _first_sentence_text(record, form, splitter)


def _first_sentence_text(
    record: dict[str, Any], form: str, splitter: Splitter | None = None
) -> str:
    """The ``first-sentence`` cut of a record (and the summary of either cut)."""
    from samestory.normalize import clean_text

    split_sentences = _or_production(splitter)
    body = clean_text(str(record.get("text") or ""))
    title = str(record.get("title") or "").strip()
    lines = [line.strip() for line in body.splitlines() if line.strip()]
    if title and lines and lines[0].startswith(title[:40]):
        lines = lines[1:]
    sentences = split_sentences("\n".join(lines))
    if form == "headline":
        head = title or (sentences[0] if sentences else "")
        return " ".join(head.split()[:HEADLINE_WORDS])
    if form == "lead":
        # Without a title, a short first line is the headline: the lead is what follows.
        if not title and len(lines) > 1 and len(lines[0].split()) <= HEADLINE_WORDS:
            sentences = split_sentences("\n".join(lines[1:]))
        picked: list[str] = []
        for sentence in sentences:
            picked.append(sentence)
            if sum(len(s.split()) for s in picked) >= LEAD_WORDS:
                break
        return " ".join(" ".join(picked).split()[:LEAD_MAX_WORDS])
    if form == "summary":
        flat = " ".join(lines)
        if len(flat) <= SUMMARY_CHARS:
            return flat
        cut = flat[:SUMMARY_CHARS].rsplit(" ", 1)[0]
        return cut + " …"
    raise ValueError(
        f"unknown short form {form!r}; choose from {', '.join((*SHORT_FORMS, *MIXED_FORMS))}"
    )


def make_short_variants(
    records: Sequence[dict[str, Any]],
    form: str,
    cut: str = "reader",
    splitter: Splitter | None = None,
) -> list[dict[str, Any]]:
    """The records with each article cut to a short ``form``, labels kept. With the
    ``reader`` cut (:data:`SHORT_CUTS`), as a reader sees a feed item:

    - ``headline``: the title; without one, the first line when it reads like a title
      (:func:`samestory.normalize.reads_like_title`), or the title a one-line text runs
      into its dateline ("Apple unveils iPod nano September 7, 2005 Apple today ..."),
      else the first sentence; never a dateline, byline or page line
      (:func:`is_unread_line`); at most 20 words;
    - ``lead``: the lead paragraph, whole opening sentences of the body after the
      headline's line up to 30 words, none that takes it past 60 but the first (cut
      there); sentences end at paragraph ends; datelines left out;
    - ``summary``: the first 300 characters, cut at a word and ending in "…", as a feed
      summary (the same under either cut);
    - ``mixed-lead``, ``mixed-headline``, ``mixed-summary`` (:data:`MIXED_FORMS`): every
      other record (by a hash of its id, so the same ones on every run) cut to that form,
      the others whole.

    Titles of cut records are dropped (the short text is all a system sees), dates and
    the rest kept; under the ``reader`` cut a record without a ``date`` gets the date of
    the first dateline its headline or lead leaves out (a feed item carries its
    publication date, and a page's dateline is that date). A record whose short form
    would be empty is left out. The
    ``first-sentence`` cut is the one the shipped params files were fitted on (the first
    sentence as headline, whatever it is; the lead's first short line left out as a
    headline; a lead cut at 60 words); the fit scripts pass it.

    Sentences are cut by ``splitter`` (production's ``normalize.split_sentences`` if
    None; :func:`variant_splitter` names the others); the text is cleaned by production's
    ``clean_text`` whatever the splitter.
    """
    if form in MIXED_FORMS:
        short_form = form.removeprefix("mixed-")
        mixed: list[dict[str, Any]] = []
        for record in records:
            cut_this = _cut_in_mixed(record)
            mixed.extend(
                make_short_variants([record], short_form, cut, splitter) if cut_this else [record]
            )
        return mixed
    out = []
    for record in records:
        if cut == "reader" and form in ("headline", "lead"):
            text, dated = reader_cut(record, form, splitter)
        else:
            text, dated = short_text(record, form, cut, splitter), None
        if text.strip():
            variant = {**record, "text": text, "title": None}
            if dated is not None and not record.get("date"):
                variant["date"] = dated.isoformat()  # a feed item's date: its dateline's
            out.append(variant)
    return out


def _cut_in_mixed(record: dict[str, Any]) -> bool:
    """Whether a mixed form cuts ``record`` (half of the ids, the same on every run)."""
    digest = hashlib.sha1(str(record.get("id")).encode("utf-8")).digest()
    return digest[0] % 2 == 1
