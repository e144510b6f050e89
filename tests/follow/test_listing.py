"""Listings (feeds, sitemaps, URL files) and article extraction from pages."""

from __future__ import annotations

import datetime as dt

import pytest

from samestory.follow.extract import NotAnArticle, extract_article
from samestory.follow.listing import (
    Entry,
    ListingError,
    parse_listing,
    parse_url_list,
)

from .newsserver import article_html, fixture_text, navigation_html, rss, sitemap, sitemap_index

ATOM = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Atom News</title>
<entry><title>First</title><link href="http://x.org/1"/><id>urn:1</id>
<updated>2026-11-29T10:00:00Z</updated><author><name>Ann Lee</name></author>
<summary>One summary</summary></entry></feed>"""


def test_rss_entries_carry_link_title_date_and_source():
    listing = parse_listing(
        rss([{"title": "Bridge closes", "link": "http://x.org/a?utm_source=rss"}]).encode()
    )
    assert listing.kind == "feed"
    (entry,) = listing.entries
    assert entry.url == "http://x.org/a?utm_source=rss"
    assert entry.title == "Bridge closes" and entry.source == "Riverton Courier"
    assert entry.date == dt.date(2025, 11, 30) and entry.lang == "en"


def test_atom_entries_and_authors():
    (entry,) = parse_listing(ATOM.encode()).entries
    assert (entry.url, entry.author, entry.source) == ("http://x.org/1", "Ann Lee", "Atom News")


def test_entry_fingerprint_changes_with_the_entry():
    one = parse_listing(rss([{"title": "A", "link": "http://x.org/a"}]).encode()).entries[0]
    same = parse_listing(rss([{"title": "A", "link": "http://x.org/a"}]).encode()).entries[0]
    edited = parse_listing(rss([{"title": "A!", "link": "http://x.org/a"}]).encode()).entries[0]
    assert one.fingerprint == same.fingerprint != edited.fingerprint


def test_news_sitemap_and_index():
    listing = parse_listing(sitemap([("http://x.org/a", "Bridge closes")]).encode())
    (entry,) = listing.entries
    assert listing.kind == "sitemap"
    assert (entry.title, entry.source, entry.lang) == ("Bridge closes", "Riverton Courier", "en")
    assert entry.date == dt.date(2026, 11, 30)
    index = parse_listing(sitemap_index(["http://x.org/s1.xml", "http://x.org/s2.xml"]).encode())
    assert index.kind == "sitemapindex" and index.children == [
        "http://x.org/s1.xml",
        "http://x.org/s2.xml",
    ]


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (navigation_html(), "HTML page"),
        ('<?xml version="1.0"?><rss version="2.0"><channel><item><title>x', "invalid feed XML"),
        ("<urlset><url><loc>http://x.org/a</loc></url", "invalid sitemap XML"),
        ("", "empty response"),
        ("just some words", "not a feed"),
    ],
)
def test_bad_listings_are_refused_with_a_reason(body, reason):
    with pytest.raises(ListingError, match=reason):
        parse_listing(body.encode(), "text/xml")


def test_url_list_skips_comments_and_reports_bad_lines():
    listing = parse_url_list("# my list\nhttp://x.org/a\n\nftp://x.org/b\nhttps://x.org/c\n")
    assert [e.url for e in listing.entries] == ["http://x.org/a", "https://x.org/c"]
    assert listing.problems == ["line 4 is not an http(s) URL: ftp://x.org/b"]


def test_article_page_is_extracted():
    title, text = fixture_text("bridge")
    article, author = extract_article(
        article_html(title, text), "http://x.org/a", "http://x.org/a", None
    )
    assert article.title == title
    assert article.text.startswith("Riverton city council voted on Monday")
    assert "Home" not in article.text and "Copyright" not in article.text
    assert article.date == dt.date(2026, 11, 30)
    assert (article.source, article.lang, article.url) == (
        "Riverton Courier",
        "en",
        "http://x.org/a",
    )
    assert author == "Jo Reporter"


def test_listing_fields_fill_the_gaps():
    _, text = fixture_text("football")
    page = (
        "<html><body><article>"
        + "".join(f"<p>{p}.</p>" for p in text.split(". "))
        + "</article></body></html>"
    )
    entry = Entry(
        url="http://x.org/f",
        title="Cup final",
        date=dt.date(2026, 5, 1),
        author="Sam Writer",
        source="Sports Desk",
        lang="en",
    )
    article, author = extract_article(page, "http://x.org/f", "http://x.org/f", entry)
    assert (article.title, article.date, article.source, article.lang) == (
        "Cup final",
        dt.date(2026, 5, 1),
        "Sports Desk",
        "en",
    )
    assert author == "Sam Writer"


def test_navigation_only_page_is_not_an_article():
    with pytest.raises(NotAnArticle, match="navigation-only"):
        extract_article(navigation_html(), "http://x.org/", "http://x.org/", None)
