"""samestory.candidates, a package of one module a route: its names stay importable from
the package, and a name set on the package (a re-export nobody reads) fails loudly."""

from __future__ import annotations

import importlib

import pytest

from samestory import candidates


def test_every_re_exported_name_is_the_defining_modules_own() -> None:
    for name in candidates.__all__:
        home = importlib.import_module(candidates._home_of(name))
        assert home.__name__ != candidates.__name__, name
        assert getattr(candidates, name) is getattr(home, name), name


@pytest.mark.parametrize("name", ["EXACT_SEARCH_LIMIT", "MAX_KEYWORD_POSTINGS", "keywords"])
def test_setting_a_re_export_names_the_module_to_set(name: str) -> None:
    before = getattr(candidates, name)
    with pytest.raises(AttributeError, match=r"set it on samestory\.candidates\.\w+"):
        setattr(candidates, name, 3)
    assert getattr(candidates, name) is before


def test_a_constant_set_on_its_module_reaches_the_index(monkeypatch: pytest.MonkeyPatch) -> None:
    # The index reads the routes' constants from their modules at call time.
    words = {1: 0.5, 2: 0.5, 3: 0.1}
    index = candidates.CandidateIndex()
    for article in ("a", "b", "c"):
        index.add_keywords(article, words)
    assert index._keyword_scan(words, "a")[0] == ["b", "c"]
    monkeypatch.setattr(candidates.keyword_routes, "MAX_KEYWORD_POSTINGS", 2)
    assert index._keyword_scan(words, "a")[0] == []  # every word now too common to count
