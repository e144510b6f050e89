"""Text normalisation: clean text, split sentences, pull out the cues that identify an event.

Everything here is rule-based and language-light on purpose: it runs on every article,
so it must be fast, and it must work on the 16 languages the encoder covers. The cues
(names, numbers, quotes, dates) are what separate *the same event* from *the same topic*.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import hashlib
import re
import unicodedata
from collections.abc import Callable, Iterable

from samestory import switches

# Lines that are page furniture, not story: sharing prompts, "read more" teasers, credits.
_BOILERPLATE = re.compile(
    r"^\s*(read more|related|advertisement|share this|share on|you can share|follow us|"
    r"subscribe|sign up|sign in$|log in$|skip to (main )?content|menu( +search)?( +sign in)?$|"
    r"breaking news$|click here|photo:|image:|\(photo|source:|copyright|all rights reserved|"
    r"we use cookies|this (web)?site uses cookies|newsletter$|"
    r"lesen sie auch|mehr zum thema|leer más|lire aussi|leggi anche|lees ook)",
    re.IGNORECASE,
)
# Sentences addressed to the reader, not about the story: tip lines, app and newsletter
# prompts, copyright lines. Local outlets end every report with the same ones ("Anyone
# with information is asked to call Crime Stoppers at 504-822-1111"), so two reports of
# different shootings from one outlet shared an identical sentence, names and numbers:
# on GVA dev they were most of the different-incident pairs scored as the same story.
# Each rule is (a text every match holds, written in lowercase; the pattern): a line is
# searched with a rule's pattern only if its case-folded form holds the rule's text. One
# alternation of all the patterns, searched case-insensitively, tries every alternative at
# every character of every line (three quarters of cleaning's time on the real corpus);
# looking for the texts first is C substring search, and only the few lines holding one
# pay for a pattern. The result is the alternation's (``_CALL_TO_ACTION``, which the tests
# compare with: tests/test_clean_rules.py).
_CALL_TO_ACTION_RULES: tuple[tuple[str, str], ...] = (
    ("-", r"\(?\b\d{3}\)?[ .-]\d{3}-\d{4}\b"),
    ("information", r"\banyone with (any )?information\b"),
    ("stoppers", r"crime ?stoppers"),
    (" a tip", r"\b(submit|leave) a tip\b"),
    ("report a typo", r"\breport a typo\b"),
    ("download", r"\bdownload (the|our)\b.{0,40}\bapp\b"),
    ("email alerts", r"\bemail alerts\b"),
    ("on facebook and twitter", r"\bon facebook and twitter\b"),
    ("follow us", r"\bfollow us\b"),
    ("sign up for", r"\bsign up for\b"),
    ("all rights reserved", r"\ball rights reserved\b"),
    ("published", r"\bmay not be (re)?published\b"),
    ("©", r"©"),
    ("copyright ", r"\bcopyright \d{4}\b"),
    # The outlet speaking of itself: "Stay with KDKA for the latest", "Check back for
    # updates", "The Associated Press contributed to this report", contact addresses.
    ("stay ", r"\bstay (with|tuned)\b"),
    ("check back", r"\bcheck back\b"),
    ("developing story", r"\bdeveloping story\b"),
    ("join the conversation", r"\bjoin the conversation\b"),
    ("contributed to this ", r"\bcontributed to this (report|story|article)\b"),
    ("keep up with", r"\bkeep up with\b"),
    ("for more ", r"\bfor more (neighborhood |local )?news\b"),
    ("breaking news alerts", r"\bbreaking news alerts\b"),
    ("scroll down", r"\bscroll down\b"),
    ("information ", r"\b(more )?information (as|when|once) it becomes available\b"),
    ("will be updated", r"\bwill be updated\b"),
    ("enable javascript", r"\benable javascript\b"),
    ("read or share", r"\bread or share\b"),
    ("http", r"https?://"),
    ("www.", r"\bwww\."),
    ("@", r"[\w.+-]+@[\w-]+\.\w"),
)
# Under rule BS (switches.BOILERPLATE_BY_SENTENCE), which keeps a line's sentences after a
# marker's and every sentence a marker does not hold: "stay with" / "stay tuned" marks an
# outlet's sentence only where it starts one ("Stay with KDKA for the latest"), not in a
# news sentence ("he would stay with his uncle in Bayville", "So let's stay tuned"); and a
# newsletter widget's second sentence has a marker of its own ("Sign up for newsletters
# emailed to your inbox. Select from these options: Breaking News, Severe Weather, ...").
_STAY_RULE = ("stay ", r"\bstay (with|tuned)\b")
_CALL_TO_ACTION_RULES_BS: tuple[tuple[str, str], ...] = (
    *(r for r in _CALL_TO_ACTION_RULES if r != _STAY_RULE),
    ("stay ", r"(?<![\w,;'’] )(?<![\w'’])stay (with|tuned)\b"),
    ("select from these options", r"\bselect from these options\b"),
)


def _alternation(rules: tuple[tuple[str, str], ...]) -> re.Pattern[str]:
    return re.compile("|".join(pattern for _, pattern in rules), re.IGNORECASE)


def _checks(rules: tuple[tuple[str, str], ...]) -> tuple[tuple[str, re.Pattern[str]], ...]:
    return tuple((hint, re.compile(pattern, re.IGNORECASE)) for hint, pattern in rules)


_CALL_TO_ACTION = _alternation(_CALL_TO_ACTION_RULES)
_CALL_TO_ACTION_BS = _alternation(_CALL_TO_ACTION_RULES_BS)
_CALL_TO_ACTION_CHECKS = _checks(_CALL_TO_ACTION_RULES)
_CALL_TO_ACTION_CHECKS_BS = _checks(_CALL_TO_ACTION_RULES_BS)
# ``re.IGNORECASE`` matches four characters besides an ASCII letter's two cases to it:
# the Kelvin sign, which lowercases to "k", and these three, whose lowercase is not the
# letter; folded first, so that a line a pattern matches always holds the rule's text.
_ASCII_FOLD = (("İ", "i"), ("ı", "i"), ("ſ", "s"))


def _is_call_to_action(line: str, by_sentence: bool = False) -> bool:
    """``_CALL_TO_ACTION.search(line)`` is a match (``by_sentence``, rule BS:
    ``_CALL_TO_ACTION_BS``): some rule's pattern matches, searched only where the line,
    case-folded, holds the rule's text."""
    folded = line
    if not line.isascii():
        for char, ascii_char in _ASCII_FOLD:
            folded = folded.replace(char, ascii_char)
    folded = folded.lower()
    checks = _CALL_TO_ACTION_CHECKS_BS if by_sentence else _CALL_TO_ACTION_CHECKS
    return any(hint in folded and check.search(line) for hint, check in checks)


# Credits and captions inside a line: "(Source: KSLA News 12)", "Credit: KMOV", "View Full
# Caption DNAinfo/Evan F. Moore", "(AP Photo/Rick Bowmer)", "Image via Shutterstock".
# They name the outlet or its photographer, the same under every report of one outlet.
_CREDIT = re.compile(
    r"\((?:source|photo|photos|credit|image|courtesy|file|ap photo|foto|fuente|quelle|bild|"
    r"crédit|fonte|published|posted|updated)\b[^()\n]{0,120}\)"
    r"|\b(?:view full caption|full caption|image via|image courtesy|"
    r"(?:photo )?credit\s*:|source\s*:)[^.!?\n]{0,80}$|\bbuy photo$",
    re.IGNORECASE,
)
# A dateline's outlet tag: "DETROIT (WXYZ) -", "FORT WAYNE, Ind. (WANE)", "(WMC-TV) -",
# "WASHINGTON (Reuters) -", "BERLIN (dpa) -": one to four words in parentheses after the
# dateline's place, followed by a dash or colon or after an all-capitals place. The place
# is kept (it is story content); the outlet's name is not.
_DATELINE_TAG = re.compile(
    r"^(?P<place>(?:[^\W\d_][\w.'’-]*,?\s+){0,5}?)"
    r"\((?P<tag>[^\W_][\w.&'’/-]*(?:\s+[\w.&'’/-]+){0,3})\)\s*(?P<dash>[-–—:]+)?\s*"
)
# Social networks, whose names in a short line mark a sharing or "follow us" widget.
_SOCIAL = re.compile(
    r"\b(facebook|twitter|instagram|pinterest|youtube|linkedin|whatsapp|snapchat|tumblr|"
    r"reddit|tiktok|disqus|google\s*(\+|plus))\b",
    re.IGNORECASE,
)
# ... and the verbs of such widgets (follow, join, like, share; in the encoder's larger
# Latin-script languages: folgen, seguir/síguenos, suivre, seguire, volgen, teilen, ...).
_FOLLOW = re.compile(
    r"\b(follow|join|like|share|connect|find us|keep up|folg|sigue|síg|segu|suiv|volg|teil|"
    r"compart|partag|condivid|deel)",
    re.IGNORECASE,
)
# A byline: "By SADIE GURMAN", "Por Ana Pérez", "Von Max Muster" (a short line).
_BYLINE = re.compile(r"^(by|por|par|von|door)\s+\S", re.IGNORECASE)
# Navigation bars: three or more short items between separators ("Home | World | Sport").
_NAV_SEPARATOR = re.compile(r"\s[|•·»/]\s")
# A run of spaces (any of these characters), to fold to one " ". Only the runs that change
# are matched (two or more characters, or one that is not " "): matching every single
# space too made ``sub`` rebuild each line from one piece a word.
_WS = re.compile(r"[ \t\u00a0\u2000-\u200b\u3000]{2,}|[\t\u00a0\u2000-\u200b\u3000]")
# A sentence ends at . ! ? (or CJK 。！？) followed by space, or at a line break. Written
# as "after a CJK end | (at a space:) (after . ! ? and up to two closers, the spaces |
# line breaks)": ``re`` tries a pattern at every character, and the space lookahead turns
# most characters away after two one-character tests instead of three lookbehinds (the
# split 0.35 -> 0.22 ms a real article). The same splits as the pattern it replaced,
# "after . ! ? ... spaces | after a CJK end | line breaks": the two "after" branches need
# different characters before the position, so at most one matches there and their
# order does not matter; both others start with a space, which the lookahead requires
# (tests/test_normalize.py checks it against the old pattern).
_CJK_ENDS = "。！？"
_SPACE_ENDS = (
    r"(?=\s)(?:(?:(?<=[.!?…])|(?<=[.!?…][\"'”’»)\]])|(?<=[.!?…][\"'”’»)\]]{2}))\s+(?=\S)"
    r"|\n+)"
)
_SENT_END = re.compile(rf"(?<=[{_CJK_ENDS}])|{_SPACE_ENDS}")
# _SENT_END for a text without a CJK end (most): its first branch never matches there,
# so the splits are the same, without trying that branch at every character (a third
# of the split's time on the real corpus).
_SENT_END_SPACED = re.compile(_SPACE_ENDS)
_CJK_END = re.compile(f"[{_CJK_ENDS}]")
# The same two splitters keeping each separator (split's odd items): a piece runs on past
# one only when it holds no line break (_runs_on_in_line).
_SENT_END_KEPT = re.compile(f"({_SENT_END.pattern})")
_SENT_END_SPACED_KEPT = re.compile(f"({_SPACE_ENDS})")
# An abbreviation match ends the buffer and is at most 6 characters long, so searching
# the last 16 finds the same matches without scanning the whole sentence again.
_ABBREV_TAIL = 16
_ABBREV = re.compile(
    r"(?:\b(?:mr|mrs|ms|dr|prof|sr|jr|st|gen|gov|sen|rep|col|lt|sgt|capt|no|vs|etc|inc|ltd|"
    r"co|corp|jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec|u\.s|u\.k|e\.g|i\.e|"
    r"sr|sra|dott|ing|hr|fr|nr)|\b[A-Z])\.$",
    re.IGNORECASE,
)
# Splits inside a line that a reader does not make, by what ends the piece before it,
# each only when the next piece starts as a sentence's continuation does (else the period
# may well end a sentence: "Santa Clara, Calif. | Apart from ATI"):
# - a street or US state abbreviation (AP forms, capitalised: "ill." or "wash." is a word)
#   or an ellipsis, before a lowercase word or a number ("North Third Ave. | in Mount
#   Vernon", "Moore, Okla. | man", "with Frederick Austin ... | and three");
# - a number's period (of at most three digits: not a year's) before a digit, a decimal
#   or a date the source's de-tokenisation spaced ("6. | 1-magnitude", "$5. | 3 million",
#   "08. | 07. 2012"), where a year ends a sentence before a number ("in 2012. | 15 ...");
# - any word's period before "com" / "org" / "net": a web address spaced the same way
#   ("MyFoxHouston. | com reports").
# A line break always ends a piece as before, so sentence_chunks' rule is unchanged.
_STREET_ABBREVIATIONS = "Ave|Rd|Blvd|Hwy|Pkwy|Ln|Ct|Pl|Pct|Sq|Ter|Cir|Hts|Ext"
_STATE_ABBREVIATIONS = (
    "Ala|Ariz|Ark|Calif|Colo|Conn|Del|Fla|Ga|Ill|Ind|Kan|Kans|Ky|La|Md|Mass|Mich|Minn|Miss|"
    "Mo|Mont|Neb|Nev|Okla|Ore|Pa|Tenn|Tex|Vt|Va|Wash|Wis|Wyo|Oh"
)
_OPEN_BEFORE_LOWER = re.compile(
    rf"(?:\b(?:{_STREET_ABBREVIATIONS}|{_STATE_ABBREVIATIONS})\.|\.\.|…)$"
)
_OPEN_BEFORE_DIGIT = re.compile(r"(?<!\d)\d{1,3}\.$")
_SPACED_WEB_ADDRESS = re.compile(r"\w\.$")
_WEB_SUFFIX = re.compile(r"(?:com|org|net)\b")
_WORD = re.compile(r"\w+", re.UNICODE)
# Capitalised word runs (names, places, organisations); lowercase particles may join them.
_NAME = re.compile(
    r"\b([A-ZÀ-ÖØ-ÞĀ-ſА-Я][\w'’\-]+(?:\s+(?:(?:de|van|von|der|del|la|le|al|bin)\s+)?"
    r"[A-ZÀ-ÖØ-ÞĀ-ſА-Я][\w'’\-]+)*)"
)
_NUMBER = re.compile(r"(?<![\w.,])(\d{1,3}(?:[.,\u00a0 ]\d{3})+|\d+(?:[.,]\d+)?)(?![\w])")
_QUOTE = re.compile(r"[\"“„«‹「『]([^\"“”„«»‹›「」『』]{12,400})[\"”“»›」』]")
_ISO_DATE = re.compile(r"\b((?:19|20)\d{2})-(\d{1,2})-(\d{1,2})\b")
_MONTHS = {
    m: i + 1
    for i, names in enumerate(
        [
            "january jan enero gennaio januari janvier januar janeiro",
            "february feb febrero febbraio februari février februar fevereiro",
            "march mar marzo maart mars märz março",
            "april apr abril aprile avril",
            "may mayo maggio mei mai maio",
            "june jun junio giugno juni juin junho",
            "july jul julio luglio juli juillet julho",
            "august aug agosto augustus août",
            "september sep sept septiembre settembre septembre setembro",
            "october oct octubre ottobre oktober octobre outubro",
            "november nov noviembre novembre novembro",
            "december dec diciembre dicembre decembre décembre dezember dezembro",
        ]
    )
    for m in names.split()
}


def trie_pattern(words: Iterable[str]) -> str:
    """A regex matching any of ``words``, longest first, written as a prefix trie.

    ``re`` tries the branches of a plain alternation one by one at every position; as a
    trie ("ma(?:r(?:ch|zo)?|y)" for mar/march/marzo/may) it reads each character once,
    which made date extraction 3.5x faster with the same matches on all dev texts.
    """
    trie: dict[str, dict] = {}
    for word in words:
        node = trie
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}  # a word ends here

    def build(node: dict[str, dict]) -> str:
        branches = [re.escape(ch) + build(child) for ch, child in sorted(node.items()) if ch]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        return f"(?:{body})?" if "" in node else body  # optional tail: greedy, longest first

    return build(trie)


_MONTH_RE = trie_pattern(_MONTHS)
# "6 August 2025", "6. August 2025", "1er mars 2025", "15 de octubre del 2007",
# "Aug. 7, 2025", and the dateline form "01-Mar-08" (two-digit years are 19xx/20xx).
# A day is 1-31, and a number before a month is not its day when the month is followed
# by a day and a year: in "Steve Jobs dies aged 56 October 6, 2011" the day-first form
# took "56 October" (no such day), hid the dateline "October 6, 2011" behind it, and the
# article was dated by the birth date further on (and "aged 26 October 6, 2011" alike).
_DAY = r"(?:0?[1-9]|[12]\d|3[01])"
# What a written date's first character can be: a day's digit or a month name's first
# letter, or "ſ" (long s), which ``re.IGNORECASE`` matches to "s" (the only character
# outside ASCII that matches any of the initials so: tests/test_normalize.py checks all
# of Unicode). Asked first, it turns most word starts away before the three branches
# are tried (the search 0.17-0.21 -> 0.10-0.13 ms a real article's first 2,000
# characters, the same matches).
_DATE_START = "[0-9" + "".join(sorted({name[0] for name in _MONTHS})) + "ſ]"
_TEXT_DATE = re.compile(
    rf"\b(?={_DATE_START})(?:({_DAY})(?:st|nd|rd|th|er|º|\.)?\s+(?:de\s+)?({_MONTH_RE})\.?"
    rf"(?!\s+{_DAY}(?:st|nd|rd|th)?,?\s+(?:19|20)\d{{2}}(?!\d))"
    rf"(?:,?\s+(?:del?\s+)?((?:19|20)\d{{2}}))?"
    rf"|({_MONTH_RE})\.?\s+({_DAY})(?:st|nd|rd|th)?(?:,?\s+((?:19|20)\d{{2}}))?"
    rf"|({_DAY})-({_MONTH_RE})-(\d{{2}}(?:\d{{2}})?))\b",
    re.IGNORECASE,
)
# A date of birth ("Jobs, born in San Francisco on February 24, 1955", "(born 3 May
# 1950)", "né le 3 mai 1950", "geboren am 3. Mai 1950") dates a person, not the article:
# the word, an optional place ("in" and capitalised words), an optional "on", the date.
# Case-sensitive: "NATO" is not "nato".
_BIRTH_BEFORE = re.compile(
    r"\b(?:[Bb]orn|née?|[Nn]acid[oa]|nat[oa]|[Gg]eboren|[Nn]ascid[oa])[:,]?"
    r"(?:\s+(?:in|at|en|à|a|em|te|zu)\s+[A-Z][\w'-]*(?:,?\s+[A-Z][\w'-]*){0,3},?)?"
    r"(?:\s+(?:on|am|le|el|il|op|em|o))?\s*$"
)
_BIRTH_WINDOW = 60


def _text_dates(text: str) -> list[re.Match[str]]:
    """``_TEXT_DATE``'s matches in ``text`` that are not dates of birth."""
    return [
        m
        for m in _TEXT_DATE.finditer(text)
        if not _BIRTH_BEFORE.search(text, max(0, m.start() - _BIRTH_WINDOW), m.start())
    ]


# Words that start sentences or are capitalised for grammar, not because they name something.
_NOT_NAMES = frozenset(
    """
    the a an and but or if in on at to of for with by from as this that these those it its he
    she they we i you his her their our my your there here what when where who why how after
    before while since during however also yet still then now today yesterday tomorrow monday
    tuesday wednesday thursday friday saturday sunday january february march april may june
    july august september october november december mr mrs ms dr der die das ein eine und el
    la los las un una y le les des et il lo gli de het een en
    edt est cdt cst mdt mst pdt pst gmt utc bst cet cest
    """.split()  # noqa: SIM905 - a word list reads best as text
)


def is_blank(text: str) -> bool:
    """True when ``text`` shows nothing: only whitespace and invisible format characters
    (zero-width spaces and joiners, byte-order marks, soft hyphens: Unicode category Cf)."""
    return all(c.isspace() or unicodedata.category(c) == "Cf" for c in text)


def clean_text(text: str) -> str:
    """Unicode-normalise, fold runs of spaces, drop boilerplate lines, sentences addressed
    to the reader (tip lines, app prompts, copyright) and the outlet's own marks (credits,
    captions, dateline tags, bylines, share widgets), keep paragraph breaks."""
    text = unicodedata.normalize("NFKC", text).replace("\r\n", "\n").replace("\r", "\n")
    lines: list[str] = []
    furniture: list[str] = []
    by_sentence = switches.BOILERPLATE_BY_SENTENCE  # rule BS's switch
    for raw in text.split("\n"):
        cleaned = _clean_line(raw, by_sentence)
        if cleaned is not None:
            (furniture if cleaned[0] else lines).append(cleaned[1])
    # Furniture is told by its shape, which a headline in title case alone ("Earthquake
    # Hits Chile") shares: a text that is nothing else is kept, not emptied.
    kept = lines or furniture
    if kept and switches.READ_TITLE_LINE:  # rule T's switch
        kept[0] = title_line(kept[0])
    return "\n".join(kept)


# Lines whose cleaning is remembered (per process). Every rule reads one line alone, so a
# line cleans the same in any text: boilerplate lines recur under every report of an
# outlet, and a repost or an edited copy repeats most of its original's paragraphs. At
# most this many lines (about 8 MB of strings at the real corpus's ~250 characters a line).
CLEAN_LINE_CACHE = 1 << 14


@functools.lru_cache(maxsize=CLEAN_LINE_CACHE)
def _clean_line(raw: str, by_sentence: bool = False) -> tuple[bool, str] | None:
    """One line of :func:`clean_text`: None when it is dropped, else ``(furniture, line)``
    (furniture lines are kept only in a text that is nothing else). ``by_sentence``: rule
    BS (``switches.BOILERPLATE_BY_SENTENCE``, passed so that the cache keys on it): a
    boilerplate marker drops its sentence, not the line."""
    line = _WS.sub(" ", raw).strip()
    if not line or _is_navigation(line):
        return None
    if _BOILERPLATE.match(line):
        if not by_sentence:
            return None
        line = _without_boilerplate_start(line)
        if not line:
            return None
    line = _without_outlet_marks(line)
    if _is_call_to_action(line, by_sentence):
        line = _without_calls_to_action(line, by_sentence)
    return (_is_furniture(line), line) if line else None


def _without_outlet_marks(line: str) -> str:
    """The line without its credits and captions (``_CREDIT``) and its dateline's outlet
    tag (``_DATELINE_TAG``): the outlet's name, the same in all of its reports."""
    if "(" in line or ":" in line or "aption" in line or " via " in line:
        line = _CREDIT.sub("", line).strip()
    tag = _DATELINE_TAG.match(line)
    if tag and (tag["dash"] or (_is_upper_word(tag["place"]) and _is_call_sign(tag["tag"]))):
        dash = f"{tag['dash']} " if tag["dash"] else ""
        line = (tag["place"] + dash + line[tag.end() :]).strip()
    return line


def _is_call_sign(tag: str) -> bool:
    """One word in capitals, maybe with a domain ("WANE", "KMOV.com", "WMC-TV"): an
    outlet's name, not an abbreviation's expansion ("Enhanced Mitigation Toolkit")."""
    letters = tag.split(".")[0].replace("-", "")
    return " " not in tag and len(letters) > 1 and letters.isupper()


def _is_upper_word(text: str) -> bool:
    """True if ``text`` holds a word of two or more letters, all capitals ("DETROIT")."""
    return any(len(w) > 1 and w.isupper() and w.isalpha() for w in text.replace(",", " ").split())


# Furniture lines (a measured choice, docs/experiments.md, issue 13): a line of at most
# this many words, all capitalised, without a digit or sentence punctuation ("Twitter",
# "Copy Link Copy", "Associated Press", "Breaking News Staff"); a social-network widget or
# byline of at most FURNITURE_WIDGET_WORDS words.
FURNITURE_CAPS_WORDS = 4
FURNITURE_WIDGET_WORDS = 12
_SENTENCE_PUNCT = tuple('.!?…。！？"”’»)')


def _is_furniture(line: str) -> bool:
    """A line that is page furniture, not story: a short all-capitalised label, a sharing
    or "follow us" widget, a byline."""
    words = line.split()
    if len(words) > FURNITURE_WIDGET_WORDS:
        return False
    if len(words) <= FURNITURE_CAPS_WORDS and _is_capitalised_label(line, words):
        return True
    if _SOCIAL.search(line) and (len(words) <= 2 or _FOLLOW.search(line)):
        return True
    return bool(_BYLINE.match(line)) and not line.endswith(_SENTENCE_PUNCT)


def _is_capitalised_label(line: str, words: list[str]) -> bool:
    """Every word starts with a capital (or is not a word: a dash), no digit, and the line
    does not end as a sentence or as a dateline does ("DETROIT -": the place stays)."""
    if line.endswith(_SENTENCE_PUNCT) or line.endswith(("-", "–", "—")):
        return False
    if any(c.isdigit() for c in line):
        return False
    lettered = [w for w in words if w[0].isalpha()]
    return bool(lettered) and all(w[0].isupper() for w in lettered)


# Separators between a headline and the site's name in a page title ("Man shot in Memphis
# - WMC Action News 5 - Memphis, Tennessee", "Teen shot | KSLA News 12 Shreveport").
_TITLE_SEPARATOR = re.compile(r"\s+[|\-–—·•»«:]{1,2}\s+")
# Lowercase words of at least this many letters mark running text ("shot", "police"),
# which a headline has and a site's name or tagline ("News, Weather and Sports") has not.
HEADLINE_WORD_CHARS = 4


def headline(title: str) -> str:
    """The headline of a page title without the site's name and tagline that every page
    of one outlet shares ("WMC Action News 5", "News, Weather & Sports"): of the parts
    between separators, the one with the most lowercase words (the first of equals)."""
    parts = [p for p in _TITLE_SEPARATOR.split(title.strip()) if p]
    if len(parts) < 2:
        return title.strip()
    return max(parts, key=_running_words)


def _running_words(text: str) -> int:
    return sum(1 for w in text.split() if len(w) >= HEADLINE_WORD_CHARS and w[0].islower())


# A line reads like a page title (the one rule for a text's first line here and for a
# plain-text file's first line in ingest.text): at most this many characters and words,
# not ending as a sentence or a lead-in does.
TITLE_LINE_MAX_CHARS = 200
TITLE_LINE_MAX_WORDS = 30
_NOT_TITLE_END = (".", "。", ",", ";", ":", "،")
_TITLE_CLOSERS = "\"'”’»)]"


def title_line(line: str) -> str:
    """A text's first line without the site's name and tagline a page title ends with,
    when the line reads like a title (:func:`reads_like_title`). A feed item whose text
    is its title, or a crawl whose text starts with the page's title, carries them there
    ("Man shot in Memphis - WMC Action News 5 - Memphis, Tennessee"), the same on every
    page of one outlet. Stricter than :func:`headline` (a title field's rule), since a
    text's first line is not surely a title: only trailing parts after a separator go,
    each with no running word (:data:`HEADLINE_WORD_CHARS`) and no written date, and
    only while what is left has a running word. So a dateline's place ("Mannheim,
    Germany - ..."), a subtitle ("AMD to acquire SeaMicro - - a user of Intel chips"), a
    title-case headline's second half and "Published: 2/21/2015 - Updated: ..." stay."""
    if not _TITLE_SEPARATOR.search(line) or not reads_like_title(line):
        return line
    cuts = [m.start() for m in _TITLE_SEPARATOR.finditer(line)]
    end = len(line)
    for cut in reversed(cuts):
        head = line[:cut]
        if not _is_outlet_part(line[cut:end]) or not _running_words(head):
            break
        if head.count("(") > head.count(")"):  # inside brackets: a caption's credit
            break
        end = cut
    return line[:end].strip()


def _is_outlet_part(part: str) -> bool:
    """A title's part that may be a site's name or tagline: no running word, no date."""
    return not _running_words(part) and not _ISO_DATE.search(part) and not _TEXT_DATE.search(part)


def reads_like_title(line: str) -> bool:
    """At most TITLE_LINE_MAX_CHARS characters and TITLE_LINE_MAX_WORDS words, not ending
    with sentence punctuation or a lead-in (closing quotes and brackets aside)."""
    return (
        len(line) <= TITLE_LINE_MAX_CHARS
        and len(line.split()) <= TITLE_LINE_MAX_WORDS
        and not line.rstrip(_TITLE_CLOSERS).endswith(_NOT_TITLE_END)
    )


def _without_calls_to_action(line: str, by_sentence: bool = False) -> str:
    """The line without its sentences addressed to the reader (``_CALL_TO_ACTION``);
    ``by_sentence`` (rule BS): of a sentence holding one, only the pieces that hold it go
    (:func:`_unmarked_pieces`)."""
    sentences = split_sentences(line)
    if by_sentence:
        kept = [p for s in sentences for p in _unmarked_pieces(s)]
    else:
        kept = [s for s in sentences if not _is_call_to_action(s)]
    return " ".join(kept)


# Rule BS (switches.BOILERPLATE_BY_SENTENCE): a boilerplate marker drops the sentence that
# holds it, not its line, nor the news a page glued to it.
# A photo gallery's line ("Photo: X Image 1 of / 33 Caption Close Image 1 of 33 <caption>
# <caption> Photo: X Image 2 of 33 ... Back to Gallery"): a widget repeating every caption,
# which goes whole after a marker as before (the story follows it on its own lines).
_GALLERY = re.compile(r"\bimage \d+ of\b|\bcaption close\b|\bback to gallery\b", re.IGNORECASE)
# A label a page glues to the sentence after it ("Advertisement The woman, in her 20s,
# died ..."): only the label goes when a word follows it.
_GLUED_LABEL = re.compile(r"advertisement\b[\s:.|-]*(?=\w)", re.IGNORECASE)
# Sentences the source wrote without a space between them ("... ran away.Rivas's mother",
# "... the suspect.Anyone with information"): a lowercase letter or digit, an end, maybe a
# closing quote, then a capitalised word or an opening quote (a web address's "WAVY.com"
# and a phone number's "262.TIPS" go on).
_GLUED_END = re.compile(
    r"(?<=[a-z0-9][.!?])(?=[A-Z][a-z]|[\"“][A-Z])|(?<=[a-z0-9][.!?][\"”])(?=[A-Z][a-z])"
)
# A source's web address in brackets inside a news sentence, as the wires cite a paper:
# "The Kalamazoo Gazette reported Monday (http://bit.ly/2cwCJjj ) a witness told police".
_BRACKETED_ADDRESS = re.compile(r"\s*\(\s*(?:https?://|www\.)[^()\s]*\s*\)")
# A sentence's leading label, a few words before a colon ("Crime Stoppers: Police arrest
# mother of 3-year-old ..." a segment's name before a headline): LABEL_MAX_WORDS at most.
_LABEL = re.compile(r"([^:]{1,60}):\s+(?=\S)")
LABEL_MAX_WORDS = 4
# ... and what follows the label is kept only when it runs as a headline does, with at
# least this many running words (``_running_words``): not a handle ("Twitter: @name").
LABELLED_RUNNING_WORDS = 3


def _glued_pieces(sentence: str) -> list[str]:
    """``sentence`` cut where the source glued two sentences (``_GLUED_END``), except
    after an abbreviation (``_ABBREV``: "St.Louis" stays one)."""
    pieces: list[str] = []
    start = 0
    for match in _GLUED_END.finditer(sentence):
        if _ABBREV.search(sentence[max(start, match.start() - _ABBREV_TAIL) : match.start()]):
            continue
        pieces.append(sentence[start : match.start()])
        start = match.start()
    pieces.append(sentence[start:])
    return [p.strip() for p in pieces if p.strip()]


def _unmarked_pieces(sentence: str) -> list[str]:
    """What rule BS keeps of a sentence: each glued piece (:func:`_glued_pieces`) that
    holds no call to action once its bracketed web address and its label are taken out
    when they hold the one it had (the label: at most LABEL_MAX_WORDS words)."""
    if not _is_call_to_action(sentence, True):
        return [sentence]
    return [kept for piece in _glued_pieces(sentence) if (kept := _kept_piece(piece))]


def _kept_piece(piece: str) -> str:
    """What rule BS keeps of one glued piece of a sentence ("" when it goes)."""
    if not _is_call_to_action(piece, True):
        return piece
    piece = _without_marked_parts(piece)
    return "" if not piece or _is_call_to_action(piece, True) else piece


def _without_marked_parts(piece: str) -> str:
    """``piece`` without its bracketed web address, and without its leading label when
    the label holds a call to action (so a headline led by "Crime Stoppers:" stays)."""
    piece = _BRACKETED_ADDRESS.sub("", piece).strip()
    label = _LABEL.match(piece)
    if (
        label
        and len(label[1].split()) <= LABEL_MAX_WORDS
        and _is_call_to_action(label[1], True)
        and _running_words(piece[label.end() :]) >= LABELLED_RUNNING_WORDS
    ):
        piece = piece[label.end() :]
    return piece


def _without_boilerplate_start(line: str) -> str:
    """Rule BS for a line that starts with a ``_BOILERPLATE`` marker: the marker's sentence
    goes (a glued label, "Advertisement", alone), again while what is left starts with
    one; the rest of the line stays. A gallery's line goes whole (``_GALLERY``)."""
    while line and _BOILERPLATE.match(line):
        if _GALLERY.search(line):
            return ""
        label = _GLUED_LABEL.match(line)
        if label and line[label.end()].isupper():  # a sentence starts after it
            line = line[label.end() :]
            continue
        sentences = split_sentences(line)
        if not sentences:
            return ""
        rest = _glued_pieces(sentences[0])[1:] + sentences[1:]
        line = " ".join(rest)
    return line


# A navigation line: at least this many items between separators, each of at most this
# many words (shipped with the first normaliser; no measurement recorded).
NAV_MIN_ITEMS = 3
NAV_MAX_ITEM_WORDS = 3
# Pieces shorter than this many characters are not sentences and are dropped (same origin).
MIN_SENTENCE_CHARS = 3
# A two-digit year below this is 20xx, else 19xx (by definition of the pivot: news dates
# run from the 1950s to the 2040s).
TWO_DIGIT_YEAR_PIVOT = 50


def _is_navigation(line: str) -> bool:
    """A line of ``NAV_MIN_ITEMS`` or more short items (``NAV_MAX_ITEM_WORDS`` words at
    most) between separators."""
    items = _NAV_SEPARATOR.split(line)
    return len(items) >= NAV_MIN_ITEMS and all(
        len(item.split()) <= NAV_MAX_ITEM_WORDS for item in items
    )


def split_sentences(
    text: str, min_chars: int = MIN_SENTENCE_CHARS, *, runs_on_in_line: bool | None = None
) -> list[str]:
    """Split cleaned text into sentences (multilingual rules, abbreviation-aware): at
    ``. ! ? …`` (closing quotes and brackets after them) before a space, at a CJK end and
    at a line break, except after an abbreviation that always goes on (``_ABBREV``: "Mr.",
    an initial) and, inside a line, after one that goes on when the next piece starts as
    a continuation (:func:`_runs_on_in_line`: "Ave. in", "6. 1") when ``runs_on_in_line``
    says so (None: ``switches.SPLIT_RUNS_ON_IN_LINE``, production's choice, on since
    2026-12-06 night, read at each call; the caches of its results, features' chunk
    sentences and clean_text's lines, are not keyed by it: set it before a run).

    ``runs_on_in_line=False`` leaves that second rule out: production's splitter before
    it (2026-12-06 evening), which the evaluation's short variants can be pinned to
    (``evaluate.make_short_variants``' ``splitter``) so that their rows measure a change
    of production's splitter alone."""
    if runs_on_in_line is None:
        runs_on_in_line = switches.SPLIT_RUNS_ON_IN_LINE
    pieces: list[str] = []
    buffer = ""
    splitter = _SENT_END_KEPT if _CJK_END.search(text) else _SENT_END_SPACED_KEPT
    parts = splitter.split(text)
    for i in range(0, len(parts), 2):
        part = parts[i].strip()
        if not part:
            continue
        buffer = f"{buffer} {part}" if buffer else part
        tail = buffer[-_ABBREV_TAIL:]
        if _ABBREV.search(tail):
            continue
        if (
            runs_on_in_line
            and i + 2 < len(parts)
            and _runs_on_in_line(tail, parts[i + 1], parts[i + 2])
        ):
            continue
        pieces.append(buffer)
        buffer = ""
    if buffer:
        pieces.append(buffer)
    return [p for p in pieces if len(p) >= min_chars and _WORD.search(p)]


def _runs_on_in_line(tail: str, separator: str, following: str) -> bool:
    """Whether a piece ending in ``tail`` goes on over ``separator`` into ``following``
    (the next piece, unstripped): never over a line break; after a street or state
    abbreviation or an ellipsis when ``following`` starts with a lowercase letter or a
    digit; after a number's period when it starts with a digit; after a word's period
    when it starts a spaced web address (``_OPEN_BEFORE_LOWER`` and the others)."""
    first = following[:1]
    if not (first.islower() or first.isdigit()) or "\n" in separator:
        return False
    if _OPEN_BEFORE_LOWER.search(tail):
        return True
    if first.isdigit():
        return _OPEN_BEFORE_DIGIT.search(tail) is not None
    return _WEB_SUFFIX.match(following) is not None and _SPACED_WEB_ADDRESS.search(tail) is not None


def sentence_chunks(text: str) -> list[str]:
    """``text`` cut at the line breaks no sentence spans: after a line whose last piece
    does not end with an abbreviation (``_ABBREV``, which keeps :func:`split_sentences`'s
    sentence open), a blank line keeping the state of the line before it. The
    :func:`split_sentences` of ``text`` are its chunks' in order: a line break always
    ends a piece, so a chunk starts as a text does, with nothing open.

    Why a line's end tells: the last piece of a line is its text after the last split,
    stripped, so its end is the line's end (trailing whitespace aside), and an
    ``_ABBREV`` match (at most six characters after a word boundary, then ``"."`` at the
    end) lies within that piece, whatever joined it before."""
    return _line_runs(text, _ends_in_abbreviation)


def _ends_in_abbreviation(end: str) -> bool:
    """Whether a line's (non-empty, right-stripped) end keeps a sentence open."""
    # (every _ABBREV match ends with ".")
    return end[-1] == "." and _ABBREV.search(end[-_ABBREV_TAIL:]) is not None


def _line_runs(text: str, runs_on: Callable[[str], bool]) -> list[str]:
    """``text`` cut after every line that leaves nothing open: ``runs_on(end)`` of the
    line's right-stripped end says whether something may run on to the next line, and a
    blank line keeps the state of the line before it. ``"\n".join`` of the runs is
    ``text``."""
    runs: list[str] = []
    open_lines: list[str] = []
    still_open = False
    for line in text.split("\n"):
        open_lines.append(line)
        end = line.rstrip()
        if end:
            still_open = runs_on(end)
        if not still_open:
            runs.append("\n".join(open_lines))
            open_lines = []
    if open_lines:
        runs.append("\n".join(open_lines))
    return runs


def words(text: str) -> list[str]:
    """Lowercased word tokens (Unicode-aware)."""
    return [w.lower() for w in _WORD.findall(text)]


def fingerprint(text: str) -> str:
    """Hash of the text with case, punctuation and spacing removed: equal for exact copies."""
    return fingerprint_of_words(words(text))


def fingerprint_of_words(tokens: list[str]) -> str:
    """:func:`fingerprint` of a text whose :func:`words` are ``tokens``."""
    return hashlib.sha1(" ".join(tokens).encode("utf-8")).hexdigest()


#: The fingerprint of a text without words: every text that cleaning empties has it,
#: so it makes no one a copy (``pipeline.copies.has_words``).
EMPTY_FINGERPRINT = fingerprint_of_words([])


def shingles(tokens: list[str], size: int) -> set[str]:
    """Word n-grams ("shingles"); a text shorter than ``size`` gives its whole self."""
    if len(tokens) < size:
        return {" ".join(tokens)} if tokens else set()
    return {" ".join(tokens[i : i + size]) for i in range(len(tokens) - size + 1)}


def entities(text: str) -> set[str]:
    """Capitalised names (people, places, organisations), lowercased, each word kept too.

    Keeping single words lets "Putin" match "Vladimir Putin" and names match across
    languages that share the Latin or Cyrillic script.
    """
    if len(text) <= SHORT_ENTITIES_CHARS:
        return set(_short_entities(text))
    return set(entities_in_order(text))


# Texts this short (a name run, a headline's name) have their entities remembered, per
# process: name_roles reads every name run of every sentence as a text of its own, and
# names recur across sentences and texts.
SHORT_ENTITIES_CHARS = 64
SHORT_ENTITIES_CACHE = 1 << 15


@functools.lru_cache(maxsize=SHORT_ENTITIES_CACHE)
def _short_entities(text: str) -> tuple[str, ...]:
    return tuple(entities_in_order(text))


# The characters a name's word is made of (_NAME's [\w'’\-]): a name can run on over a
# line break only from a line that ends with one of them.
_NAME_CHARS = re.compile(r"[\w'’\-]")


def name_chunks(text: str) -> list[str]:
    """``text`` cut at the line breaks no name spans: after a line that does not end
    (trailing whitespace aside) with a character a name's word is made of, a blank line
    keeping the state of the line before it. The :func:`entities` of ``text`` are its
    chunks' in order (a name begins after a break as at a text's start, and ``":"`` is not
    what follows a chunk's end)."""
    return _line_runs(text, lambda end: _NAME_CHARS.match(end[-1]) is not None)


def entities_in_order(text: str) -> list[str]:
    """:func:`entities` of ``text`` as a list, in the order they are first found (a set
    built from it is the set :func:`entities` builds, entry for entry)."""
    found: dict[str, None] = {}
    for match in _NAME.finditer(text):
        tokens = run_tokens(match.group(1))
        if len(tokens) == 1 and text.startswith(":", match.end()):
            # One capitalised word before a colon is a label ("Posted:", "Updated:",
            # "Source:", "VIDEO:"), printed alike on every page of an outlet; a longer
            # name before one ("Doctor Who: ...") stays.
            continue
        found.update(dict.fromkeys(tokens))
    return list(found)


# Name runs whose tokens are remembered, per process: names recur across sentences and
# texts (and name_roles reads each run of a sentence again, as a text of its own).
RUN_TOKENS_CACHE = 1 << 16


@functools.lru_cache(maxsize=RUN_TOKENS_CACHE)
def run_tokens(run: str) -> tuple[str, ...]:
    """The name tokens one match of ``_NAME`` (its text ``run``) gives, in order, as
    :func:`entities_in_order` adds them (repeats kept: the caller's dict drops them):
    its words less the grammatical ones, stripped, lowercased, of more than two
    characters, the possessive folded."""
    parts = [p for p in run.split() if p.lower() not in _NOT_NAMES]
    tokens = [t for t in (p.strip("'’-").lower() for p in parts) if len(t) > 2]
    return tuple(_fold_possessive(token) for token in tokens)


def _fold_possessive(token: str) -> str:
    for suffix in ("'s", "’s"):
        if token.endswith(suffix):
            return token[: -len(suffix)]
    return token


def numbers(text: str) -> set[str]:
    """Numbers as canonical strings ("1,000" and "1.000" both give "1000"); years included."""
    return set(numbers_in_order(text))


def numbers_in_order(text: str) -> list[str]:
    """:func:`numbers` of ``text`` as a list, in the order they are first written (a set
    built from it is the set :func:`numbers` builds, entry for entry). No number spans a
    line break (neither its digits, its separators nor the characters around it read
    one), so a text's numbers are its lines' numbers, in line order."""
    out: dict[str, None] = {}
    for match in _NUMBER.finditer(text):
        raw = match.group(1)
        digits = re.sub(r"[.,\u00a0 ](?=\d{3}\b)", "", raw).replace(",", ".")
        if digits.strip("0.") and digits not in {"1", "2"}:
            out[digits] = None
    return list(out)


def quotes(text: str) -> list[str]:
    """Direct quotations (text between quotation marks, 12-400 characters)."""
    return [q.strip() for q in _QUOTE.findall(text)]


def dates(text: str, default_year: int | None = None) -> list[dt.date]:
    """Calendar dates written in the text (ISO, "6 August 2025", "Aug 6", "15 de octubre
    del 2007", "01-Mar-08"), in the order they are written."""
    return _dates_of(text, _text_dates(text), default_year)


def _dates_of(
    text: str, text_dates: list[re.Match[str]], default_year: int | None = None
) -> list[dt.date]:
    """:func:`dates` of ``text`` given its ``_TEXT_DATE`` matches."""
    found: list[tuple[int, dt.date]] = []
    for match in _ISO_DATE.finditer(text):
        y, m, d = match.groups()
        _append_date(found, match.start(), int(y), int(m), int(d))
    for match in text_dates:
        day1, month1, year1, month2, day2, year2, day3, month3, year3 = match.groups()
        if month1:
            day, month, year = day1, month1, year1
        elif month2:
            day, month, year = day2, month2, year2
        else:
            day, month, year = day3, month3, _four_digit_year(year3)
        year_value = int(year) if year else default_year
        if year_value is None:
            continue
        _append_date(found, match.start(), year_value, _MONTHS[month.lower()], int(day))
    return [date for _, date in sorted(found, key=lambda item: item[0])]


def _four_digit_year(year: str) -> str:
    """ "08" -> "2008", "97" -> "1997" (a dateline's two-digit year); four digits as is."""
    if len(year) == 4:
        return year
    return f"20{year}" if int(year) < TWO_DIGIT_YEAR_PIVOT else f"19{year}"


def _append_date(
    found: list[tuple[int, dt.date]], position: int, year: int, month: int, day: int
) -> None:
    with contextlib.suppress(ValueError):  # e.g. 31 June: not a date
        found.append((position, dt.date(year, month, day)))


def date_spans(text: str) -> list[tuple[int, int, dt.date | None]]:
    """``(start, end, date)`` of every date written in the text with a day and a month, in
    order; ``date`` is None when no year is written ("Aug 6", "6 de agosto"), for
    :func:`samestory.dates.written_dates` to read. A lowercase "may" is the verb."""
    return _spans_of(text, _text_dates(text))


def _spans_of(text: str, text_dates: list[re.Match[str]]) -> list[tuple[int, int, dt.date | None]]:
    """:func:`date_spans` of ``text`` given its ``_TEXT_DATE`` matches."""
    found: list[tuple[int, int, dt.date | None]] = []
    for match in _ISO_DATE.finditer(text):
        dated: list[tuple[int, dt.date]] = []
        _append_date(dated, match.start(), *(int(g) for g in match.groups()))
        if dated:
            found.append((match.start(), match.end(), dated[0][1]))
    for match in text_dates:
        full = dates(match.group(0))
        if full:
            found.append((match.start(), match.end(), full[0]))
        elif (match.group(2) or match.group(4) or "") != "may":
            found.append((match.start(), match.end(), None))
    return sorted(found, key=lambda item: item[0])


def dates_and_spans(
    text: str,
) -> tuple[list[dt.date], list[tuple[int, int, dt.date | None]]]:
    """``(dates(text), date_spans(text))``, the text searched for written dates once (the
    search is most of either's cost: a case-insensitive alternation of every month name
    tried at each word)."""
    text_dates = _text_dates(text)
    return _dates_of(text, text_dates), _spans_of(text, text_dates)


def first_date(text: str) -> dt.date | None:
    """The first full date (with a year) written in the text, if any."""
    found = dates(text)
    return found[0] if found else None


def unique(items: Iterable[str]) -> list[str]:
    """Items in first-seen order without repeats."""
    return list(dict.fromkeys(items))


# A capitalised run of words, the names :func:`entities` reads (samestory.name_roles reads
# the words around each run).
NAME_RUN = _NAME


switches.guard_moved(__name__)  # its old switch fails loudly here, not silently
