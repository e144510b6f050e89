"""Canonical URLs: the identity of a followed item.

Two links to one article differ by tracking parameters (``utm_*``, ``fbclid``,
``gclid``...), a fragment, the case of the scheme and host, a default port or the order
of the query. :func:`canonical_url` removes all of that, so each article is fetched and
stored once; a page's own ``<link rel="canonical">`` (same site only, see
:func:`choose_canonical`) overrides the link it was reached by.
"""

from __future__ import annotations

import hashlib
import re
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

# Parameters that say how a reader arrived, never which page they read.
TRACKING_PREFIXES = ("utm_", "mc_", "pk_", "hsa_", "_hs", "oly_", "vero_", "__s")
TRACKING_PARAMS = frozenset(
    {
        "fbclid",
        "gclid",
        "dclid",
        "gbraid",
        "wbraid",
        "msclkid",
        "yclid",
        "twclid",
        "igshid",
        "mkt_tok",
        "cmpid",
        "ocid",
        "ncid",
        "ref",
        "ref_src",
        "ref_url",
        "smid",
        "spm",
        "s_cid",
        "wt_mc",
        "_ga",
        "_gl",
        "at_medium",
        "at_campaign",
    }
)
_DEFAULT_PORTS = {"http": 80, "https": 443}
_CANONICAL_LINK = re.compile(
    rb"<link\b[^>]*\brel\s*=\s*[\"']?canonical\b[^>]*>", re.IGNORECASE | re.DOTALL
)
_HREF = re.compile(rb"\bhref\s*=\s*(?:\"([^\"]*)\"|'([^']*)'|([^\s>]+))", re.IGNORECASE)


def is_tracking(name: str) -> bool:
    lowered = name.lower()
    return lowered in TRACKING_PARAMS or lowered.startswith(TRACKING_PREFIXES)


def canonical_url(url: str) -> str:
    """``url`` without tracking parameters or fragment, host lower-cased, default port
    dropped, remaining query parameters sorted, an empty path written ``/``."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    try:
        port = parts.port
    except ValueError:
        port = None
    netloc = host if port is None or _DEFAULT_PORTS.get(scheme) == port else f"{host}:{port}"
    if parts.username:
        netloc = f"{parts.username}@{netloc}"
    query = sorted(
        (k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not is_tracking(k)
    )
    path = parts.path or "/"
    return urlunsplit((scheme, netloc, path, urlencode(query), ""))


def host_of(url: str) -> str:
    """``host[:port]`` of a URL: the unit of politeness (concurrency, delay, robots.txt)."""
    parts = urlsplit(url)
    return parts.netloc.lower().rsplit("@", 1)[-1]


def page_canonical(html: bytes, base_url: str) -> str | None:
    """The page's ``<link rel="canonical" href>``, made absolute, or None."""
    head = html[:200_000]
    for match in _CANONICAL_LINK.finditer(head):
        href = _HREF.search(match.group(0))
        if href:
            raw = next(g for g in href.groups() if g is not None)
            value = raw.decode("utf-8", "replace").strip()
            if value:
                return urljoin(base_url, value)
    return None


def choose_canonical(fetched_url: str, declared: str | None) -> str:
    """The canonical URL of a fetched page: its declared one when it is an http(s) URL
    on the same site (a page may not claim another site's identity), else its own."""
    own = canonical_url(fetched_url)
    if not declared:
        return own
    candidate = canonical_url(declared)
    if urlsplit(candidate).scheme not in ("http", "https"):
        return own
    if _site(host_of(candidate)) != _site(host_of(own)):
        return own
    return candidate


def _site(host: str) -> str:
    name = host.split(":")[0]
    return name[4:] if name.startswith("www.") else name


def article_id(url: str, content_hash: str | None = None) -> str:
    """The store id of an article read from ``url``: the canonical URL itself; a later,
    changed text of the same URL gets ``<url>@<first 10 hex of its content hash>``."""
    return url if content_hash is None else f"{url}@{content_hash[:10]}"


def content_hash(text: str) -> str:
    """SHA-256 of a text (whitespace-normalised): did the article change?"""
    return hashlib.sha256(" ".join(text.split()).encode("utf-8")).hexdigest()
