"""Web pages (trafilatura) and feeds (feedparser): main text, metadata, one article per entry."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import pytest

from samestory.ingest import looks_like_feed, read_paths
from samestory.ingest.html import _extract_with_lxml

PAGE = """<!DOCTYPE html>
<html lang="en-GB"><head><meta charset="utf-8">
<title>Summit still possible, says White House | Daily Planet</title>
<meta property="og:title" content="Summit still possible, says White House">
<meta property="og:site_name" content="Daily Planet">
<meta property="og:url" content="https://dailyplanet.example/world/summit-possible">
<meta property="article:published_time" content="2025-10-23T14:05:00Z">
<script>window.analytics = {track: function () {}};</script>
</head><body>
<header><nav><ul>
  <li><a href="/">Home</a></li><li><a href="/world">World</a></li>
  <li><a href="/sport">Sport</a></li><li><a href="/login">Sign in to your account</a></li>
</ul></nav></header>
<main><article>
<h1>Summit still possible, says White House</h1>
<p>A meeting between US President Donald Trump and Russian President Vladimir Putin remains
a possibility, White House press secretary Karoline Leavitt said during a briefing on
Thursday.</p>
<p>Trump cancelled a planned summit with Putin in Budapest a day earlier, after it had been
announced the previous week following a phone call between the two leaders.</p>
<p>Leavitt was asked about the decision and about new US sanctions on the Russian oil
companies Rosneft and Lukoil, which were announced on Wednesday.</p>
</article></main>
<aside><h3>Most read</h3><ul><li><a href="/x">Celebrity chef opens new bistro</a></li></ul></aside>
<footer><p>Copyright 2025 Daily Planet Media Group. All rights reserved.</p>
<a href="/privacy">Privacy policy</a> <a href="/cookies">Cookie settings</a></footer>
</body></html>
"""

RSS = """<?xml version="1.0" encoding="UTF-8"?>
<!-- generated -->
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/">
<channel>
  <title>Daily Planet World</title><link>https://dp.example/</link><language>en-us</language>
  <item>
    <title>Summit still possible</title>
    <link>https://dp.example/a1</link>
    <guid isPermaLink="false">dp-1</guid>
    <pubDate>Thu, 23 Oct 2025 14:05:00 +0000</pubDate>
    <description>Short teaser.</description>
    <content:encoded><![CDATA[<p>A meeting between <b>Trump</b> and Putin
      remains possible.</p><script>bad()</script><p>Second &amp; last paragraph.</p>]]>
    </content:encoded>
  </item>
  <item>
    <title>Only a summary</title>
    <link>https://dp.example/a2</link>
    <pubDate>Fri, 24 Oct 2025 08:00:00 GMT</pubDate>
    <description>&lt;p&gt;Sanctions hit &lt;em&gt;Rosneft&lt;/em&gt;.&lt;/p&gt;</description>
  </item>
  <item><title>Nothing to read</title><link>https://dp.example/a3</link></item>
</channel></rss>
"""

ATOM = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="de">
  <title>Planet Feed</title>
  <id>urn:planet</id>
  <updated>2025-10-24T00:00:00Z</updated>
  <entry>
    <title type="html">Gipfel &lt;i&gt;weiter&lt;/i&gt; möglich</title>
    <id>urn:planet:1</id>
    <link href="https://planet.example/1"/>
    <published>2025-10-23T10:00:00+02:00</published>
    <updated>2025-10-23T11:00:00+02:00</updated>
    <content type="html">&lt;p&gt;Ein Treffen bleibt möglich.&lt;/p&gt;</content>
  </entry>
  <entry>
    <title>Plain summary</title>
    <link href="https://planet.example/2"/>
    <updated>2025-10-22T09:00:00Z</updated>
    <summary>Kurzfassung ohne Markup.</summary>
  </entry>
</feed>
"""


def test_html_main_text_and_metadata(tmp_path: Path) -> None:
    path = tmp_path / "summit-page.html"
    path.write_text(PAGE, encoding="utf-8")
    result = read_paths([path])
    assert result.skipped == []
    [article] = result.articles
    assert article.id == "summit-page"
    assert article.origin == str(path)
    assert article.title == "Summit still possible, says White House"
    assert article.date == dt.date(2025, 10, 23)
    assert article.url == "https://dailyplanet.example/world/summit-possible"
    assert article.source == "Daily Planet"
    assert article.lang == "en"
    assert article.text.startswith("A meeting between US President Donald Trump")
    assert "Rosneft and Lukoil" in article.text
    for furniture in (
        "Sign in to your account",
        "Privacy policy",
        "Copyright 2025",
        "Celebrity chef",
        "analytics",
    ):
        assert furniture not in article.text


def test_html_lxml_fallback_drops_furniture() -> None:
    meta = _extract_with_lxml(PAGE.encode())
    assert meta["title"] == "Summit still possible, says White House"
    assert meta["date"] == "2025-10-23T14:05:00Z"
    assert "Rosneft and Lukoil" in meta["text"]
    assert "Sign in" not in meta["text"] and "Privacy policy" not in meta["text"]


def test_html_without_article_text_is_skipped(tmp_path: Path) -> None:
    path = tmp_path / "empty.htm"
    path.write_text(
        "<html><head><title>x</title></head><body><script>x()</script></body></html>",
        encoding="utf-8",
    )
    [skip] = read_paths([path]).skipped
    assert skip.source == str(path)
    assert skip.error == "no article text found in HTML"


def test_rss_entries(tmp_path: Path) -> None:
    path = tmp_path / "world.rss"
    path.write_text(RSS, encoding="utf-8")
    result = read_paths([path])
    first, second = result.articles
    assert first.id == "dp-1"
    assert first.title == "Summit still possible"
    assert first.text == (
        "A meeting between Trump and Putin remains possible.\nSecond & last paragraph."
    )
    assert first.url == "https://dp.example/a1"
    assert first.date == dt.date(2025, 10, 23)
    assert first.source == "Daily Planet World"
    assert first.lang == "en"
    assert first.origin == f"{path}:1"
    assert second.id == "https://dp.example/a2"  # no guid: the link
    assert second.text == "Sanctions hit Rosneft."
    assert second.date == dt.date(2025, 10, 24)
    assert [(s.source, s.error) for s in result.skipped] == [
        (f"{path}:3", "feed entry has no content or summary")
    ]


def test_atom_entries(tmp_path: Path) -> None:
    path = tmp_path / "planet.atom"
    path.write_text(ATOM, encoding="utf-8")
    result = read_paths([path])
    assert result.skipped == []
    first, second = result.articles
    assert (first.id, first.title, first.text) == (
        "urn:planet:1",
        "Gipfel weiter möglich",
        "Ein Treffen bleibt möglich.",
    )
    assert first.date == dt.date(2025, 10, 23)  # published wins over updated
    assert first.url == "https://planet.example/1"
    assert first.source == "Planet Feed"
    assert first.lang == "de"
    assert second.id == "https://planet.example/2"
    assert second.text == "Kurzfassung ohne Markup."
    assert second.date == dt.date(2025, 10, 22)


@pytest.mark.parametrize("name", ["feed.php", "feed", "news.txt"])
def test_feed_detected_by_content(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_text(RSS, encoding="utf-8")
    assert [a.id for a in read_paths([path]).articles] == ["dp-1", "https://dp.example/a2"]


def test_feed_with_unknown_extension_inside_folder_is_read(tmp_path: Path) -> None:
    (tmp_path / "feed.cgi").write_text(ATOM, encoding="utf-8")
    (tmp_path / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00binary")
    result = read_paths([tmp_path])
    assert [a.id for a in result.articles] == ["urn:planet:1", "https://planet.example/2"]
    assert result.skipped == []


def test_xml_that_is_not_a_feed_is_skipped(tmp_path: Path) -> None:
    path = tmp_path / "config.xml"
    path.write_text('<?xml version="1.0"?><settings><a>1</a></settings>', encoding="utf-8")
    [skip] = read_paths([path]).skipped
    assert skip.source == str(path)
    assert skip.error.startswith("not a")


def test_looks_like_feed() -> None:
    assert looks_like_feed(RSS.encode())
    assert looks_like_feed(b"\xef\xbb\xbf<feed xmlns='http://www.w3.org/2005/Atom'>")
    assert looks_like_feed(b'<?xml version="1.0"?>\n<rdf:RDF xmlns:rdf="x">')
    assert not looks_like_feed(b"<html><body>feed</body></html>")
    assert not looks_like_feed(b"Plain text mentioning <rss> later")


def test_html_reader_works_without_trafilatura(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "trafilatura", None)  # import now raises ImportError
    path = tmp_path / "page.html"
    path.write_text(PAGE, encoding="utf-8")
    [article] = read_paths([path]).articles
    assert article.title == "Summit still possible, says White House"
    assert article.date == dt.date(2025, 10, 23)
    assert article.source == "Daily Planet"
    assert "Rosneft and Lukoil" in article.text
    assert "Privacy policy" not in article.text


def test_html_declared_charset_is_honoured(tmp_path: Path) -> None:
    page = PAGE.replace('charset="utf-8"', 'charset="windows-1252"').replace(
        "Leavitt was asked", "Léavitt was asked"
    )
    path = tmp_path / "legacy.html"
    path.write_bytes(page.encode("cp1252"))
    [article] = read_paths([path]).articles
    assert "Léavitt was asked" in article.text
