"""The locative "to" of :mod:`samestory.name_roles`: a capitalised run after "to" is a
place ("taken to Stroger", "flew to Paris"), except after a word of
:data:`~samestory.name_roles.TO_NOT_LOCATIVE_AFTER` with ``switches.LOCATIVE_TO_NARROW``
on, where "to" names a source, a hearer or an owner ("according to TMZ", "recommended to
Ford", "belonged to Phillips"; docs/history/accuracy.md, 2026-12-07, tidy: the class traced,
and locative: the rule and its gate). ``benchmarks/locative_to_trace.py`` counts them over
the dev sets."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from samestory import name_roles, switches
from samestory.name_roles import name_roles as roles_of
from samestory.name_roles import sentence_roles

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

import locative_to_trace as trace  # noqa: E402

# ECB+ 31_7ecb's three sentences naming Ford (a basketball player).
FORD = (
    "Based on that information, he recommended to Ford that he leave school.",
    "Still, given the century's worth of tradition that has reigned in Chapel Hill, it was "
    "no small feat that Hansbrough accomplished Thursday night, when he broke Ford's school "
    "career scoring mark.",
    "This is not to disparage players like Michael Jordan, Antawn Jamison and Rashad "
    "McCants who might have had a shot at Ford's mark had they stayed.",
)


def _set_rule(on: bool) -> None:
    switches.LOCATIVE_TO_NARROW = on
    name_roles.clear_caches()


@pytest.fixture
def narrow() -> Iterator[None]:
    """The rule on for one test (the caches cleared on both sides: they hold readings of
    one setting)."""
    saved = switches.LOCATIVE_TO_NARROW
    _set_rule(True)
    try:
        yield
    finally:
        _set_rule(saved)


@pytest.fixture
def broad() -> Iterator[None]:
    """The rule off for one test: every "to" a locative."""
    saved = switches.LOCATIVE_TO_NARROW
    _set_rule(False)
    try:
        yield
    finally:
        _set_rule(saved)


@pytest.mark.usefixtures("narrow")
@pytest.mark.parametrize(
    "sentence",
    [
        FORD[0],
        "Lohan checked into rehab on Thursday, according to TMZ.",
        "All of the witnesses who spoke to The Post and Courier said the same.",
        "She later admitted the weapon belonged to Phillips.",
        "Being the heir to Peyton Manning is heady stuff.",
        "A friend confirmed to The Baltimore Sun that two men were held.",
        "An inquiry was opened due to Apple charging customers too much.",
    ],
    ids=["recommended", "according", "spoke", "belonged", "heir", "confirmed", "due"],
)
def test_to_before_a_person_or_a_source_marks_no_place(sentence: str) -> None:
    assert sentence_roles(sentence)[0] == frozenset()


@pytest.mark.usefixtures("narrow")
@pytest.mark.parametrize(
    ("sentence", "place"),
    [
        ("The president flew to Paris on Monday.", "paris"),
        ("The soldiers returned to Kabul after the raid.", "kabul"),
        ("The victim was taken to Stroger.", "stroger"),
        ("The wounded were transported to Sinai by ambulance.", "sinai"),
        ("Officers responded to Englewood shortly after midnight.", "englewood"),
        ("They moved to Des Moines in 2002.", "moines"),
        ("The body will be sent to Dallas for an autopsy.", "dallas"),
        ("He was driving up to Toledo from Detroit.", "toledo"),
    ],
)
def test_to_after_a_motion_word_still_marks_a_place(sentence: str, place: str) -> None:
    assert place in sentence_roles(sentence)[0]


@pytest.mark.usefixtures("narrow")
def test_a_title_after_according_to_makes_a_person() -> None:
    places, people = sentence_roles("The man fled on foot, according to Sgt. Smith.")
    assert places == frozenset()
    assert "smith" in people


@pytest.mark.usefixtures("narrow")
def test_a_place_word_after_the_run_still_makes_a_place() -> None:
    sentence = "The driver was held, according to Allegheny County police."
    assert "allegheny" in sentence_roles(sentence)[0]


@pytest.mark.usefixtures("broad")
def test_the_place_reading_that_to_gives_with_the_rule_off() -> None:
    assert sentence_roles(FORD[0]) == (frozenset({"ford"}), frozenset())
    assert sentence_roles("Lohan is in rehab, according to TMZ.")[0] == {"tmz"}
    assert sentence_roles("The victim was taken to Stroger.")[0] == {"stroger"}


def test_the_switch_is_read_at_call_time_after_the_caches_are_cleared(
    narrow: None,
) -> None:
    sentence = "Lohan is in rehab, according to TMZ."
    assert sentence_roles(sentence)[0] == frozenset()
    _set_rule(False)
    assert sentence_roles(sentence)[0] == {"tmz"}


@pytest.mark.usefixtures("narrow")
def test_ford_is_a_place_in_his_text_without_the_to_too() -> None:
    """Why "recommended to" changes no dev text's roles: the same text reads Ford as a
    place by "Ford's school" (a place word after it) and "a shot at Ford's mark" (the
    locative "at")."""
    assert roles_of(FORD)[0] >= {"ford"}
    assert roles_of(FORD[:1]) == (frozenset(), frozenset())


def test_the_trace_reads_the_word_before_to_and_restores_the_setting() -> None:
    assert trace.word_before_to("the rep confirmed to") == "confirmed"
    assert trace.word_before_to("the rep confirmed it") == ""
    assert trace.RULES["production"] is name_roles.TO_NOT_LOCATIVE_AFTER
    saved = switches.LOCATIVE_TO_NARROW, name_roles.TO_NOT_LOCATIVE_AFTER
    rule = frozenset({"recommended"})
    assert trace.roles_under([_Text(FORD)], rule)[0][0] >= {"ford"}
    assert trace.roles_under([_Text(FORD[:1])], rule) == [(frozenset(), frozenset())]
    everywhere = [(frozenset({"ford"}), frozenset())]
    assert trace.roles_under([_Text(FORD[:1])], frozenset()) == everywhere
    assert saved == (switches.LOCATIVE_TO_NARROW, name_roles.TO_NOT_LOCATIVE_AFTER)


class _Text:
    def __init__(self, sentences: tuple[str, ...]) -> None:
        self.sentences = sentences


# Two reports of one shooting and one of another in the same city, all citing the same
# outlet after "according to": with the rule on, WXIA is no place.
STORE_TEXTS = {
    "a": "A man was shot dead outside the Peachtree Lounge on Friday night, according to "
    "WXIA. Police identified the victim as Darnell Hobbs, 34. Hobbs was taken to Grady.",
    "b": "Darnell Hobbs, 34, died after he was shot outside the Peachtree Lounge late "
    "Friday, according to WXIA. Officers spoke to Keisha Moore, a witness.",
    "c": "A teenager was wounded in a drive-by shooting in Kirkwood on Sunday, according to "
    "WXIA. The boy was taken to Grady in stable condition.",
}


def _store(db: Path, on: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    from test_roundups import STATIC

    from samestory.models import Article
    from samestory.store import Store

    with monkeypatch.context() as patch:
        patch.setattr(switches, "LOCATIVE_TO_NARROW", on)
        name_roles.clear_caches()
        with Store(db, config=STATIC) as store:
            for key, text in STORE_TEXTS.items():
                store.add([Article(id=key, text=text)])
    name_roles.clear_caches()


def test_an_old_stores_roles_are_read_again_on_upgrade(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A store written with the rule off keeps WXIA as a place in its features; opened
    with the rule on it records every text for the upgrade (the pair-scoring record's
    ``locative_to_narrow``), which featurises again the texts whose roles changed, so it
    holds what a new store holds."""
    from test_store_cleaning import snapshot
    from typer.testing import CliRunner

    from samestory.cli import app
    from samestory.store import Store

    monkeypatch.delenv("SAMESTORY_DB", raising=False)
    old, new = tmp_path / "old.db", tmp_path / "new.db"
    _store(old, False, monkeypatch)
    _store(new, True, monkeypatch)
    monkeypatch.setattr(switches, "LOCATIVE_TO_NARROW", True)
    name_roles.clear_caches()
    before, fresh = snapshot(old), snapshot(new)
    assert before["features"] != fresh["features"], "the fixture must hold a changed role"
    with Store(old) as store:
        assert store.unclean() == len(STORE_TEXTS)
    done = CliRunner().invoke(app, ["upgrade", "--db", str(old)])
    assert done.exit_code == 0, done.output
    after = snapshot(old)
    assert after["features"] == fresh["features"]
    assert after["stories"] == fresh["stories"]
    assert [p[:3] for p in after["pairs"]] == [p[:3] for p in fresh["pairs"]]  # type: ignore[attr-defined]
    name_roles.clear_caches()
