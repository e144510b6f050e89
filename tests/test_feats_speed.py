"""The features stage's shortcuts give what the plain definitions give (feats, issue 14)."""

from __future__ import annotations

import pytest

from samestory import dates, normalize

TEXTS = [
    "Wednesday (Aug 6) the council met. On 12 March 2024 it voted; on 3 May it met again.",
    "MADRID, 5 de agosto de 2025 - El ministro habló el miércoles 6 de agosto.",
    "On Tuesday, July 8, police said. Officers returned on July 9 and again on July 10.",
    "Nothing dated here at all, just words.",
    "He said on March 3 that on 4 April 2019 the plant had closed.",
]


def _first_by_definition(text: str, lang: str | None) -> dates.WrittenDate | None:
    found = dates.written_dates(text, lang)
    with_year = [w for w in found if w.year is not None]
    chosen = with_year or found
    return chosen[0] if chosen else None


@pytest.mark.parametrize("text", TEXTS)
@pytest.mark.parametrize("lang", ["en", "es", None])
def test_first_written_date_is_the_first_with_a_year_else_the_first(
    text: str, lang: str | None
) -> None:
    assert dates.first_written_date(text, lang) == _first_by_definition(text, lang)


def test_first_written_date_reads_no_yearless_span_when_one_has_a_year(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    read: list[str] = []

    def spy(span: str, lang: str | None, base: object) -> None:
        read.append(span)
        return None

    monkeypatch.setattr(dates, "_dateparser_parse", spy)
    dates.read_span.cache_clear()
    text = "On March 3 officials said the plant closed on 4 April 2019."
    written = dates.first_written_date(text, "en")
    assert written is not None and (written.year, written.month, written.day) == (2019, 4, 4)
    assert read == []
    dates.read_span.cache_clear()


def _entities_by_definition(text: str) -> list[str]:
    found: dict[str, None] = {}
    for match in normalize.NAME_RUN.finditer(text):
        parts = [p for p in match.group(1).split() if p.lower() not in normalize._NOT_NAMES]
        tokens = [t for t in (p.strip("'’-").lower() for p in parts) if len(t) > 2]
        if len(tokens) == 1 and text.startswith(":", match.end()):
            continue
        for token in tokens:
            for suffix in ("'s", "’s"):
                if token.endswith(suffix):
                    token = token[: -len(suffix)]
                    break
            found[token] = None
    return list(found)


@pytest.mark.parametrize(
    "text",
    [
        "Vladimir Putin met Angela Merkel's aides in Berlin. Putin's spokesman said so.",
        "Posted: Monday. Doctor Who: the return. Source: KMOV. The Mayor of London spoke.",
        "Ludwig van Beethoven and Pedro de la Cruz; O'Neill-Smith's car. Ab Cd Efg.",
        "",
    ],
)
def test_entities_in_order_with_cached_runs(text: str) -> None:
    assert normalize.entities_in_order(text) == _entities_by_definition(text)
    # Again, the runs now cached.
    assert normalize.entities_in_order(text) == _entities_by_definition(text)


def test_full_word_tables_only_for_languages_of_many_texts() -> None:
    from samestory.pipeline.featurise import FULL_TABLE_TEXTS, table_languages

    many, few = FULL_TABLE_TEXTS, FULL_TABLE_TEXTS - 1
    assert table_languages(["en"] * many + ["es"] * few + [None]) == {"en"}
    # A sample's counts scaled to the corpus: 1 in 32 of 32 * 300 texts is 300.
    assert table_languages(["en"] * 31 + ["es"], scale=FULL_TABLE_TEXTS) == {"en", "es"}
    assert table_languages([]) == set()


def test_stored_and_full_word_tables_weigh_words_alike() -> None:
    from samestory import lexical

    words = ["el", "ministro", "habló", "miércoles", "agosto", "2025", "covid-19", "zzqx"]
    stored = lexical._Background("es")
    full = lexical._Background("es")
    full.load_full_table()
    assert [stored.idf(w) for w in words] == [full.idf(w) for w in words]
    assert type(stored.freqs) is not type(full.freqs)


@pytest.mark.parametrize(
    "text",
    [
        'He left. "Why?" she asked! Then: nothing… End.\n\nNew para.  Two spaces.',
        "Mr. Smith went to Washington. U.S. officials said so. (It rained.) Yes",
        "Line one\nLine two\n\n\nLine three",
        "",
    ],
)
def test_sentence_split_without_cjk_ends_is_the_full_pattern_s(text: str) -> None:
    assert normalize._CJK_END.search(text) is None
    assert normalize._SENT_END_SPACED.split(text) == normalize._SENT_END.split(text)


def test_sentence_split_with_cjk_ends_still_splits_there() -> None:
    assert normalize.split_sentences("他说了这件事。然后他走了！真的吗？是的 Fine. Okay") == [
        "他说了这件事。",
        "然后他走了！",
        "真的吗？",
        "是的 Fine.",
        "Okay",
    ]
