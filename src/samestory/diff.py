"""What changed between two versions of a story: a sentence-aligned word diff.

The pipeline is: split both texts into sentences, embed them with the multilingual
encoder, align the sentences (:mod:`samestory.align`, cosine blended with word Jaccard),
then word-diff each aligned pair and pull out what a reader cares about: altered
**names** (capitalised tokens replaced, "Trump" -> "Triumph"), **numbers** and
**quotes**. Sentences left unaligned are reported as only in A / only in B.

Word diff
    Sentences are tokenised into numbers, words (with inner hyphens/apostrophes) and
    single punctuation marks, each carrying its trailing whitespace, so the diff
    re-renders exactly: concatenating ``change.a`` over all changes gives the A sentence,
    ``change.b`` the B sentence. :class:`difflib.SequenceMatcher` (``autojunk`` off)
    computes the opcodes on the case-sensitive tokens (whitespace ignored in the
    comparison, so a space never anchors a match); consecutive changed tokens form one
    run, so "no sovereign nation" -> "It is not a self-respecting country" is one
    replacement, not five. An ``equal`` run may differ in whitespace only.

Same language
    A translation aligns through the shared embedding space, but its word diff is one
    big replacement. A pair is flagged ``same_language`` when the Jaccard overlap of its
    *lowercase* word types (function words: the, of, que, der...; names and numbers are
    left out because they cross languages) is at least ``SAME_LANGUAGE_PAIR_JACCARD``,
    or when the two whole articles' lowercase vocabularies have an overlap coefficient
    ``|V_a ∩ V_b| / min(|V_a|, |V_b|)`` of at least ``SAME_LANGUAGE_DOC_OVERLAP`` (length-
    robust: English-English news pairs score 0.26-0.53 on the seeds, English-German or
    English-Spanish ~0.05). Cross-language pairs keep their token diff but report
    only number changes (digits are language-neutral; names inflect and quotes translate).
"""

from __future__ import annotations

import bisect
import difflib
import re
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

import numpy as np

from samestory import normalize
from samestory.align import align_sentences, lexical_similarity, sentence_similarity
from samestory.embed import SentenceEncoder, default_encoder
from samestory.models import SCORE_DIGITS, Article

Op = Literal["equal", "replace", "insert", "delete"]

# When a diff compares words, and when a changed name is one name respelled (see the
# module docstring and the changed-names rule); shipped with the engine, 2026-11-23, no
# measurement recorded.
SAME_LANGUAGE_PAIR_JACCARD = 0.15
NAME_VARIANT_RATIO = 0.6
SAME_LANGUAGE_DOC_OVERLAP = 0.2

_TOKEN = re.compile(r"\d+(?:[.,\u00a0]\d+)*%?|\w+(?:['’\-]\w+)*|\s+|[^\w\s]", re.UNICODE)
_WORD = re.compile(r"\w+", re.UNICODE)
_CLOSERS = re.compile(r"[\"'”’»)\]]+")
_OPENERS = frozenset("\"'“‘«‹„‚「『(:")


@dataclass(frozen=True)
class TokenChange:
    """One run of the word diff: ``a`` is the A text of the run, ``b`` the B text."""

    op: Op
    a: str
    b: str


@dataclass(frozen=True)
class SentencePairDiff:
    """An aligned sentence pair and what changed between its two sides."""

    a_index: int
    b_index: int
    a_text: str
    b_text: str
    similarity: float
    tokens: list[TokenChange]
    changed_names: list[tuple[str, str]]
    changed_numbers: list[tuple[str, str]]
    changed_quotes: list[tuple[str, str]]
    same_language: bool = True

    @property
    def identical(self) -> bool:
        """True when the only differences (if any) are whitespace."""
        return all(t.op == "equal" for t in self.tokens)


@dataclass(frozen=True)
class ArticleDiff:
    """Sentence-aligned diff of article A against article B.

    ``summary`` holds the counts ``aligned, identical, changed, only_a, only_b,
    names_changed, numbers_changed, quotes_changed`` (ints) plus the alignment's
    ``coverage_a, coverage_b, order`` (floats in [0, 1]).
    """

    a_id: str
    b_id: str
    pairs: list[SentencePairDiff]
    only_a: list[tuple[int, str]]
    only_b: list[tuple[int, str]]
    summary: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (tuples become lists, similarities rounded to 4 places)."""
        pairs = []
        for pair in self.pairs:
            item = asdict(pair)
            item["similarity"] = round(pair.similarity, SCORE_DIGITS)
            item["identical"] = pair.identical
            for key in ("changed_names", "changed_numbers", "changed_quotes"):
                item[key] = [list(change) for change in item[key]]
            pairs.append(item)
        return {
            "a_id": self.a_id,
            "b_id": self.b_id,
            "summary": dict(self.summary),
            "pairs": pairs,
            "only_a": [[i, text] for i, text in self.only_a],
            "only_b": [[j, text] for j, text in self.only_b],
        }


def article_sentences(article: Article) -> list[str]:
    """The sentences of an article's body (title not included), closing quotes kept."""
    text = normalize.clean_text(article.text)
    return restore_closers(text, normalize.split_sentences(text))


def restore_closers(text: str, sentences: list[str]) -> list[str]:
    r"""Give back closing quotes/brackets the sentence splitter left between sentences.

    :func:`normalize.split_sentences` splits on ``[.!?]["'”’»)\]]*\s+`` and the closing
    marks go with the separator, so ``... under duress.”`` loses its ``”`` (and the quote
    can no longer be found). Each sentence is located in ``text`` (left to right) and the
    closing marks that follow it are re-attached; sentences not found verbatim are kept.
    """
    out: list[str] = []
    cursor = 0
    for sentence in sentences:
        start = text.find(sentence, cursor)
        if start < 0:
            out.append(sentence)
            continue
        end = start + len(sentence)
        closers = _CLOSERS.match(text, end)
        tail = closers.group(0) if closers else ""
        out.append(sentence + tail)
        cursor = end + len(tail)
    return out


# Sentence cosine at which two sentences are shown as a changed pair in a diff (shipped
# with the first diff, 2026-11-23, docs/experiments.md; no measurement recorded).
DIFF_MIN_SIMILARITY = 0.6


def diff_articles(
    a: Article,
    b: Article,
    encoder: SentenceEncoder | None = None,
    min_similarity: float = DIFF_MIN_SIMILARITY,
) -> ArticleDiff:
    """Diff two articles: split, embed (one encoder call), align, word-diff each pair."""
    encoder = encoder or default_encoder()
    a_sents, b_sents = article_sentences(a), article_sentences(b)
    vectors = encoder.encode(a_sents + b_sents)
    return diff_sentences(
        a_sents,
        b_sents,
        vectors[: len(a_sents)],
        vectors[len(a_sents) :],
        min_similarity=min_similarity,
        a_id=a.id,
        b_id=b.id,
    )


def diff_sentences(
    a_sents: list[str],
    b_sents: list[str],
    a_vecs: np.ndarray,
    b_vecs: np.ndarray,
    min_similarity: float = DIFF_MIN_SIMILARITY,
    a_id: str = "A",
    b_id: str = "B",
) -> ArticleDiff:
    """The core of :func:`diff_articles` on pre-split sentences and their vectors."""
    if len(a_sents) != len(a_vecs) or len(b_sents) != len(b_vecs):
        raise ValueError("one vector per sentence is required")
    alignment = align_sentences(
        sentence_similarity(a_vecs, b_vecs),
        min_similarity,
        lexical=lexical_similarity(a_sents, b_sents),
    )
    doc_same = _overlap(_lower_words(" ".join(a_sents)), _lower_words(" ".join(b_sents)))
    known = _known_names(a_sents + b_sents)
    pairs = [
        diff_pair(i, j, a_sents[i], b_sents[j], score, known, doc_same >= SAME_LANGUAGE_DOC_OVERLAP)
        for i, j, score in alignment.pairs
    ]
    only_a = [(i, a_sents[i]) for i in alignment.only_a]
    only_b = [(j, b_sents[j]) for j in alignment.only_b]
    identical = sum(p.identical for p in pairs)
    summary: dict[str, Any] = {
        "aligned": len(pairs),
        "identical": identical,
        "changed": len(pairs) - identical,
        "only_a": len(only_a),
        "only_b": len(only_b),
        "names_changed": sum(len(p.changed_names) for p in pairs),
        "numbers_changed": sum(len(p.changed_numbers) for p in pairs),
        "quotes_changed": sum(len(p.changed_quotes) for p in pairs),
        "coverage_a": round(alignment.coverage_a, SCORE_DIGITS),
        "coverage_b": round(alignment.coverage_b, SCORE_DIGITS),
        "order": round(alignment.order, SCORE_DIGITS),
    }
    return ArticleDiff(a_id, b_id, pairs, only_a, only_b, summary)


def diff_pair(
    a_index: int,
    b_index: int,
    a_text: str,
    b_text: str,
    similarity: float,
    known_names: set[str] | None = None,
    doc_same_language: bool = False,
) -> SentencePairDiff:
    """Word-diff one aligned pair and extract changed names, numbers and quotes."""
    tokens = word_diff(a_text, b_text)
    pair_same = _jaccard(_lower_words(a_text), _lower_words(b_text)) >= SAME_LANGUAGE_PAIR_JACCARD
    same_language = pair_same or doc_same_language
    if known_names is None:
        known_names = _known_names([a_text, b_text])
    return SentencePairDiff(
        a_index=a_index,
        b_index=b_index,
        a_text=a_text,
        b_text=b_text,
        similarity=float(similarity),
        tokens=tokens,
        changed_names=changed_names(tokens, a_text, b_text, known_names) if same_language else [],
        changed_numbers=changed_numbers(tokens)
        if same_language
        else _number_set_diff(a_text, b_text),
        changed_quotes=changed_quotes(a_text, b_text) if same_language else [],
        same_language=same_language,
    )


# ---------------------------------------------------------------------------- word diff


def tokenize(text: str) -> list[str]:
    """Numbers, words, whitespace runs and single punctuation marks; ``"".join`` is lossless."""
    return _TOKEN.findall(text)


def word_units(text: str) -> list[str]:
    """Tokens with their trailing whitespace glued on (``"".join`` is lossless).

    Leading whitespace, if any, is a unit of its own.
    """
    units: list[str] = []
    for token in tokenize(text):
        if token.isspace() and units:
            units[-1] += token
        else:
            units.append(token)
    return units


def word_diff(a_text: str, b_text: str) -> list[TokenChange]:
    """Lossless word-level diff of two sentences as runs of equal/replace/insert/delete.

    Units are compared without their trailing whitespace; a replacement's common trailing
    whitespace is moved out of the change (into the next equal run) so it renders as
    ``[-Trump-]{+Triumph+} has``.
    """
    a_units, b_units = word_units(a_text), word_units(b_text)
    a_keys = [u.rstrip() for u in a_units]
    b_keys = [u.rstrip() for u in b_units]
    runs = [
        [tag, "".join(a_units[i1:i2]), "".join(b_units[j1:j2])]
        for tag, i1, i2, j1, j2 in _opcodes(_patience(a_keys, b_keys), len(a_keys), len(b_keys))
    ]
    return _move_trailing_space(runs)


def _patience(a: list[str], b: list[str]) -> list[tuple[int, int]]:
    """Matched index pairs of a patience diff (sorted, strictly increasing in both).

    Patience diff anchors on tokens that occur exactly once in each side of the current
    range, keeps the longest increasing subsequence of those anchors (the largest set
    that agrees on order) and recurses between them; common prefixes and suffixes match
    directly, and ranges without unique anchors fall back to
    :class:`difflib.SequenceMatcher`. Unlike SequenceMatcher alone it is not misled by a
    short common run (", he") into missing the content words that carry the sentence.
    """
    matches: list[tuple[int, int]] = []
    _patience_range(a, b, 0, len(a), 0, len(b), matches)
    return matches


def _patience_range(
    a: list[str], b: list[str], a0: int, a1: int, b0: int, b1: int, out: list[tuple[int, int]]
) -> None:
    while a0 < a1 and b0 < b1 and a[a0] == b[b0]:
        out.append((a0, b0))
        a0, b0 = a0 + 1, b0 + 1
    tail: list[tuple[int, int]] = []
    while a0 < a1 and b0 < b1 and a[a1 - 1] == b[b1 - 1]:
        a1, b1 = a1 - 1, b1 - 1
        tail.append((a1, b1))
    if a0 < a1 and b0 < b1:
        anchors = _unique_anchors(a, b, a0, a1, b0, b1)
        if anchors:
            prev_a, prev_b = a0, b0
            for i, j in anchors:
                _patience_range(a, b, prev_a, i, prev_b, j, out)
                out.append((i, j))
                prev_a, prev_b = i + 1, j + 1
            _patience_range(a, b, prev_a, a1, prev_b, b1, out)
        else:
            matcher = difflib.SequenceMatcher(None, a[a0:a1], b[b0:b1], autojunk=False)
            for block in matcher.get_matching_blocks():
                out.extend((a0 + block.a + k, b0 + block.b + k) for k in range(block.size))
    out.extend(reversed(tail))


def _unique_anchors(
    a: list[str], b: list[str], a0: int, a1: int, b0: int, b1: int
) -> list[tuple[int, int]]:
    """Tokens unique in both ranges, as the longest chain increasing in both indices."""
    count_a: dict[str, int] = {}
    count_b: dict[str, int] = {}
    where_b: dict[str, int] = {}
    for i in range(a0, a1):
        count_a[a[i]] = count_a.get(a[i], 0) + 1
    for j in range(b0, b1):
        count_b[b[j]] = count_b.get(b[j], 0) + 1
        where_b[b[j]] = j
    pairs = [
        (i, where_b[a[i]]) for i in range(a0, a1) if count_a[a[i]] == 1 and count_b.get(a[i]) == 1
    ]
    return _longest_increasing(pairs)


def _longest_increasing(pairs: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Longest subsequence of ``pairs`` (sorted by first item) increasing in the second
    (patience sorting, ``O(k log k)``)."""
    tops: list[int] = []  # tops[len-1] = index in pairs ending the best chain of that length
    back: list[int] = []
    for k, (_, j) in enumerate(pairs):
        pos = bisect.bisect_left([pairs[t][1] for t in tops], j)
        back.append(tops[pos - 1] if pos else -1)
        if pos == len(tops):
            tops.append(k)
        else:
            tops[pos] = k
    chain: list[tuple[int, int]] = []
    k = tops[-1] if tops else -1
    while k >= 0:
        chain.append(pairs[k])
        k = back[k]
    return chain[::-1]


def _opcodes(
    matches: list[tuple[int, int]], n_a: int, n_b: int
) -> list[tuple[str, int, int, int, int]]:
    """SequenceMatcher-style opcodes from matched index pairs."""
    codes: list[tuple[str, int, int, int, int]] = []
    i = j = 0
    for mi, mj in [*matches, (n_a, n_b)]:
        if mi > i or mj > j:
            tag = "replace" if mi > i and mj > j else ("delete" if mi > i else "insert")
            codes.append((tag, i, mi, j, mj))
        if mi < n_a and mj < n_b:
            if codes and codes[-1][0] == "equal" and codes[-1][2] == mi and codes[-1][4] == mj:
                tag, ci, _, cj, _ = codes[-1]
                codes[-1] = (tag, ci, mi + 1, cj, mj + 1)
            else:
                codes.append(("equal", mi, mi + 1, mj, mj + 1))
        i, j = mi + 1, mj + 1
    return codes


def _move_trailing_space(runs: list[list[str]]) -> list[TokenChange]:
    out: list[TokenChange] = []
    carry = ""
    for tag, a, b in runs:
        a, b = carry + a, carry + b
        carry = ""
        if tag == "replace":
            a_core, b_core = a.rstrip(), b.rstrip()
            a_tail, b_tail = a[len(a_core) :], b[len(b_core) :]
            if a_tail and a_tail == b_tail:
                a, b, carry = a_core, b_core, a_tail
        out.append(TokenChange(_change_op(tag, a, b), a, b))
    if carry:
        out.append(TokenChange("equal", carry, carry))
    return out


def _change_op(tag: str, a: str, b: str) -> Op:
    if tag == "equal":
        return "equal"
    if a and b:
        return "replace"
    return "delete" if a else "insert"


# ------------------------------------------------------------------- names and numbers


def _known_names(sentences: list[str]) -> set[str]:
    """Capitalised tokens seen mid-sentence: names, not grammar.

    Sentence-initial words and words right after an opening quote or a colon are
    capitalised for grammar ("Nevertheless", “We've ...), so they do not count.
    """
    known: set[str] = set()
    for sentence in sentences:
        previous = ""
        for k, token in enumerate(t for t in tokenize(sentence) if not t.isspace()):
            if k > 0 and _is_word(token) and _is_capitalised(token) and previous not in _OPENERS:
                known.add(token)
            previous = token
    return known


def _is_word(token: str) -> bool:
    return token[0].isalnum() or token[0] == "_"


def _word_tokens(text: str) -> list[str]:
    return [t for t in tokenize(text) if _is_word(t)]


def _is_capitalised(token: str) -> bool:
    head = re.split(r"['’]", token, maxsplit=1)[0]
    return token[:1].isupper() and head.lower() not in normalize._NOT_NAMES


def changed_names(
    tokens: list[TokenChange], a_text: str, b_text: str, known_names: set[str]
) -> list[tuple[str, str]]:
    """Capitalised tokens a change removed/replaced/added, paired in order.

    A token of a change counts as a name when it is capitalised, not a grammar word, and
    absent (case-insensitively) from the *other* sentence as a whole - so a name that
    merely moved, or a case change ("press secretary" -> "Press Secretary"), is not
    reported. Within a change the names of each side are zipped when their counts match,
    otherwise joined into one pair. To skip grammar capitals ("Nevertheless" ->
    "Despite"), at least one side of a pair must be a ``known`` name (seen capitalised
    mid-sentence somewhere in either article), or the two must be spelling variants
    (character ratio ``2M / (|old| + |new|) >= NAME_VARIANT_RATIO``, e.g. "Trump" ->
    "Triumph" = 0.83), which synonyms swapped for style rarely are.
    """
    a_words = {w.lower() for w in _word_tokens(a_text)}
    b_words = {w.lower() for w in _word_tokens(b_text)}
    out: list[tuple[str, str]] = []
    for change in tokens:
        if change.op == "equal":
            continue
        a_caps = [t for t in _word_tokens(change.a) if _is_capitalised(t)]
        b_caps = [t for t in _word_tokens(change.b) if _is_capitalised(t)]
        a_caps = [t for t in a_caps if t.lower() not in b_words]
        b_caps = [t for t in b_caps if t.lower() not in a_words]
        for old, new in _pair_up(a_caps, b_caps):
            if _is_variant(old, new) or any(
                part in known_names for part in (old + " " + new).split()
            ):
                out.append((old, new))
    return normalize_pairs(out)


def _is_variant(old: str, new: str) -> bool:
    if not old or not new:
        return False
    ratio = difflib.SequenceMatcher(None, old.lower(), new.lower()).ratio()
    return ratio >= NAME_VARIANT_RATIO


def _pair_up(a_items: list[str], b_items: list[str]) -> list[tuple[str, str]]:
    if not a_items and not b_items:
        return []
    if len(a_items) == len(b_items):
        return list(zip(a_items, b_items, strict=True))
    if not a_items:
        return [("", item) for item in b_items]
    if not b_items:
        return [(item, "") for item in a_items]
    return [(" ".join(a_items), " ".join(b_items))]


def changed_numbers(tokens: list[TokenChange]) -> list[tuple[str, str]]:
    """Numbers a change removed/replaced/added (formatting-only changes such as
    "1,000" -> "1.000" are ignored: both canonicalise to the same value)."""
    out: list[tuple[str, str]] = []
    for change in tokens:
        if change.op == "equal":
            continue
        a_nums = [t for t in tokenize(change.a) if t[0].isdigit()]
        b_nums = [t for t in tokenize(change.b) if t[0].isdigit()]
        for old, new in _pair_up(a_nums, b_nums):
            if _canonical_number(old) != _canonical_number(new):
                out.append((old, new))
    return normalize_pairs(out)


def _canonical_number(text: str) -> str:
    return "|".join(sorted(normalize.numbers(text))) or text


def _number_set_diff(a_text: str, b_text: str) -> list[tuple[str, str]]:
    """Cross-language fallback: numbers present on one side only (canonical form)."""
    a_nums, b_nums = normalize.numbers(a_text), normalize.numbers(b_text)
    return _pair_up(sorted(a_nums - b_nums), sorted(b_nums - a_nums))


def changed_quotes(a_text: str, b_text: str) -> list[tuple[str, str]]:
    """Quoted passages that differ, paired in order of appearance.

    Quotes found verbatim (up to case and spacing) on both sides are dropped; the rest
    are zipped in order, leftovers paired with "" (a quote removed or added).
    """
    a_quotes, b_quotes = normalize.quotes(a_text), normalize.quotes(b_text)
    a_keys = {_quote_key(q) for q in a_quotes}
    b_keys = {_quote_key(q) for q in b_quotes}
    a_rest = [q for q in a_quotes if _quote_key(q) not in b_keys]
    b_rest = [q for q in b_quotes if _quote_key(q) not in a_keys]
    out = list(zip(a_rest, b_rest, strict=False))
    out += [(q, "") for q in a_rest[len(b_rest) :]]
    out += [("", q) for q in b_rest[len(a_rest) :]]
    return out


def _quote_key(quote: str) -> str:
    return " ".join(normalize.words(quote))


def normalize_pairs(pairs: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Drop exact repeats, keep first-seen order."""
    return list(dict.fromkeys(pairs))


# ----------------------------------------------------------------------------- language


def _lower_words(text: str) -> set[str]:
    """Word types starting with a lowercase letter (function words and common words)."""
    return {w for w in _WORD.findall(text) if w[0].islower()}


def _jaccard(a: set[str], b: set[str]) -> float:
    union = a | b
    return len(a & b) / len(union) if union else 0.0


def _overlap(a: set[str], b: set[str]) -> float:
    smaller = min(len(a), len(b))
    return len(a & b) / smaller if smaller else 0.0
