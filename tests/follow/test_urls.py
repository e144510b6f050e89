"""Canonical URLs identify items: tracking parameters, fragments and case do not count."""

from __future__ import annotations

from samestory.follow.urls import canonical_url, choose_canonical, page_canonical


def test_tracking_parameters_and_fragment_are_dropped():
    url = "HTTPS://News.Example.org:443/a/b?utm_source=x&id=7&fbclid=y&gclid=z&UTM_medium=m#top"
    assert canonical_url(url) == "https://news.example.org/a/b?id=7"


def test_query_order_and_default_port_do_not_count():
    assert canonical_url("http://x.org:80/p?b=2&a=1") == canonical_url("http://x.org/p?a=1&b=2")
    assert canonical_url("http://x.org:8080") == "http://x.org:8080/"


def test_meaningful_parameters_are_kept():
    assert canonical_url("http://x.org/article?id=42&page=2") == "http://x.org/article?id=42&page=2"


def test_page_canonical_is_read_and_made_absolute():
    html = b'<html><head><link href="/story/1?utm_campaign=a" rel="canonical"></head></html>'
    assert page_canonical(html, "http://x.org/amp/story/1") == "http://x.org/story/1?utm_campaign=a"
    assert page_canonical(b"<html></html>", "http://x.org/") is None


def test_canonical_link_honoured_on_the_same_site_only():
    fetched = "http://www.x.org/amp/1?utm_source=feed"
    assert choose_canonical(fetched, "http://x.org/story/1") == "http://x.org/story/1"
    assert choose_canonical(fetched, "http://evil.example/1") == "http://www.x.org/amp/1"
    assert choose_canonical(fetched, "javascript:alert(1)") == "http://www.x.org/amp/1"
    assert choose_canonical(fetched, None) == "http://www.x.org/amp/1"
