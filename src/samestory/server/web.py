"""Server-rendered pages: stories, one story, compare, one article, add.

Templates are Jinja2 with autoescaping on for every template, so article titles and
texts are always shown as text (a title ``<script>alert(1)</script>`` is displayed, not
run). Static files (CSS, a little vanilla JS) ship inside the package; nothing is
fetched from elsewhere.
"""

from __future__ import annotations

import asyncio
import math
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from jinja2 import Environment, PackageLoader
from markupsafe import Markup, escape
from starlette.datastructures import FormData

from samestory.cli.story_show import RELATIONS_SHOWN
from samestory.config import Config
from samestory.models import Article
from samestory.pipeline.story_of import clip_at_word
from samestory.server.app import found
from samestory.server.queries import KIND_LABELS, Reader, display_kind, ranked_relations
from samestory.server.records import parse_records, read_uploads

HERE = Path(__file__).parent
PAGE_SIZE = 25
# Characters of an untitled version's first sentence shown in its place.
LABEL_LIMIT = 100

_env = Environment(
    loader=PackageLoader("samestory.server", "templates"),
    autoescape=True,
    trim_blocks=True,
    lstrip_blocks=True,
)
_env.globals["kind_label"] = lambda kind: KIND_LABELS.get(kind or "", kind or "")
# `x` (or ``x``) in an OpenAPI description shows as code on /docs, not as backticks.
_BACKTICKED = re.compile(r"``?([^`]+?)``?")
_env.filters["code_spans"] = lambda text: Markup(
    _BACKTICKED.sub(r"<code>\1</code>", str(escape(text or "")))
)
# Only web links become links: a ``javascript:`` URL in an article must never run.
_env.filters["http_url"] = lambda url: (
    url if isinstance(url, str) and url.lower().startswith(("http://", "https://")) else None
)


def render(request: Request, name: str, status: int = 200, **context: Any) -> HTMLResponse:
    s = request.app.state.services
    html = _env.get_template(name).render(
        request=request,
        token_required=s.token is not None,
        poll_ms=round(s.settings.page_poll * 1000),
        **context,
    )
    return HTMLResponse(html, status_code=status)


def error_page(request: Request, status: int, message: str) -> HTMLResponse:
    return render(request, "error.html", status=status, status_code=status, message=message)


def install(app: FastAPI) -> None:
    """Add the pages and the static files to ``app``."""
    app.mount("/static", StaticFiles(packages=[("samestory.server", "static")]), name="static")
    _story_pages(app)
    _compare_page(app)
    _add_pages(app)
    _reference_pages(app)


def _story_pages(app: FastAPI) -> None:
    """The stories (searchable, paged), one story and one article."""

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def stories_page(request: Request, q: str = "", page: int = 1) -> Response:
        s = request.app.state.services
        q = q.strip()[:500]
        page = max(1, min(page, 100_000))
        listing = s.reader.stories(q or None, None, PAGE_SIZE, (page - 1) * PAGE_SIZE)
        articles, stories = s.reader.counts()
        return render(
            request,
            "stories.html",
            q=q,
            page=page,
            pages=max(1, math.ceil(listing.total / PAGE_SIZE)),
            listing=listing,
            n_articles=articles,
            n_stories=stories,
            following=_following(s),
            version=s.reader.change_version(),
        )

    @app.get("/stories/{story_id}", response_class=HTMLResponse, include_in_schema=False)
    def story_page(
        request: Request, story_id: str, relations: str = "", merged_from: str = ""
    ) -> Response:
        """One story; its relations table holds the strongest :data:`RELATIONS_SHOWN`
        (``?relations=all``: every one), strongest first. A story merged into another
        redirects there (``?merged_from=`` names it on the page)."""
        s = request.app.state.services
        try:
            detail = s.reader.story_detail(story_id)
        except KeyError:
            return _merged_story(s.reader, story_id, relations)
        label_versions(detail["versions"], s.reader.first_sentences)
        return render(
            request,
            "story.html",
            story=detail,
            tree=provenance_tree(detail),
            relations=strongest_relations(detail["relations"], relations != "all"),
            labels=version_labels(detail, s.reader),
            merged_from=merged_from[:100] if merged_from.startswith("s-") else "",
            following=_following(s),
            version=s.reader.change_version(),
        )

    @app.get("/articles/{article_id:path}", response_class=HTMLResponse, include_in_schema=False)
    def article_page(request: Request, article_id: str) -> Response:
        s = request.app.state.services
        article = found(s.reader.article_detail, article_id, "article")
        return render(request, "article.html", article=article)


def _merged_story(reader: Reader, story_id: str, relations: str) -> Response:
    """A 307 to the story now holding the versions of ``story_id``, which a later add
    merged into it (the page following it live goes on there); 404 if it never was."""
    successor = reader.successor(story_id)
    if successor is None:
        raise HTTPException(404, f"no story {story_id}")
    query = {"merged_from": story_id, **({"relations": "all"} if relations == "all" else {})}
    return RedirectResponse(f"/stories/{quote(successor)}?{urlencode(query)}", 307)


def _following(services: Any) -> dict[str, Any] | None:
    """What the story list and a story's page say under ``serve --follow``: how many
    sources, when one was last read, which fail (a reader following the news live could
    not tell a quiet feed from a broken one); None when the server follows nothing."""
    if services.following is None:
        return None
    followed = services.following.follower.sources  # this server's, not a past run's
    sources = [f for f in services.reader.follow_sources() if f["id"] in followed]
    read = [f["last_success"] for f in sources if f["last_success"]]
    return {
        "count": len(followed),
        "last_read": max(read) if read else None,
        "failing": [f for f in sources if f["failures"]],
    }


def strongest_relations(relations: list[dict[str, Any]], capped: bool) -> list[dict[str, Any]]:
    """The relations the story page lists: highest score first (equal scores keep the
    story's order), the :data:`RELATIONS_SHOWN` strongest when ``capped``, as ``samestory
    show`` lists them. A 23-version story has 250 relations: their rows were most of the
    page."""
    ranked = ranked_relations(relations)
    return ranked[:RELATIONS_SHOWN] if capped else ranked


def version_labels(detail: dict[str, Any], reader: Reader) -> dict[str, str]:
    """The label of each version a story page names: its own versions' (timeline labels)
    and the versions of other stories its follow-ups (shown, the first 5) link to, by
    their titles (a followed article's id is its URL, which says nothing to a reader)."""
    labels = {v["id"]: v["label"] for v in detail["versions"]}
    others = [x for r in detail["follow_ups"][:5] for x in (r["a"], r["b"]) if x not in labels]
    metas = [reader.article_meta(x) for x in dict.fromkeys(others)]
    label_versions(metas, reader.first_sentences)
    labels.update((m["id"], m["label"]) for m in metas)
    return labels


def label_versions(
    versions: list[dict[str, Any]], first_sentences: Callable[[list[str]], dict[str, str]]
) -> None:
    """Give each version the ``label`` the page shows: its title, else its first sentence
    cut at a word (as a story without a title is titled), else its id. Untitled versions
    (ECB+, MEANTIME, plain-text crawls) showed their id twice."""
    untitled = [v["id"] for v in versions if not v["title"]]
    sentences = first_sentences(untitled) if untitled else {}
    for v in versions:
        sentence = sentences.get(v["id"])
        label = clip_at_word(sentence, LABEL_LIMIT) if sentence else None
        v["label"] = v["title"] or label or v["id"]


def _compare_page(app: FastAPI) -> None:
    """Two stored versions side by side: relation and aligned diff."""

    @app.get("/compare", response_class=HTMLResponse, include_in_schema=False)
    def compare_page(request: Request, a: str = "", b: str = "") -> Response:
        s = request.app.state.services
        if not a or not b:
            return render(request, "compare.html", result=None, a=a, b=b)
        from samestory.server.app import stored_article

        article_a, article_b = stored_article(s, a), stored_article(s, b)
        result = s.compare(article_a, article_b)
        same_story, stored = s.reader.stored_pair(a, b)
        return render(
            request,
            "compare.html",
            a=a,
            b=b,
            article_a=article_a,
            article_b=article_b,
            result=result,
            same_story=same_story,
            stored=stored,
            rows=compare_rows(result["diff"]),
            kind=display_kind(result["relation"]["kind"], article_a.lang, article_b.lang),
        )


def _add_pages(app: FastAPI) -> None:
    """The form that adds a pasted text or uploaded files, and its result."""

    @app.get("/add", response_class=HTMLResponse, include_in_schema=False)
    def add_form(request: Request) -> Response:
        return render(request, "add.html", results=None)

    @app.post("/add", response_class=HTMLResponse, include_in_schema=False)
    async def add_submit(request: Request) -> Response:
        s = request.app.state.services
        form = await request.form(max_part_size=s.settings.max_body_bytes)
        s.check_token(_str(form.get("token")) or None)
        articles, problems = _pasted_article(form, s.config)
        read, skipped = await _uploaded_articles(form, s.config)
        articles += read
        problems += skipped
        if not articles and not problems:
            problems.append("nothing to add: paste a text or choose files")
        results = []
        if articles:
            report = await s.add(articles)
            results = await asyncio.to_thread(s.results, articles, report)
        titles = {a.id: a.title for a in articles}
        return render(
            request,
            "add.html",
            results=results,
            titles=titles,
            problems=problems,
            status=200 if articles or not problems else 422,
        )


def _reference_pages(app: FastAPI) -> None:
    """The API reference and the favicon."""

    @app.get("/docs", response_class=HTMLResponse, include_in_schema=False)
    def api_docs(request: Request) -> Response:
        """The API reference from the OpenAPI document, with no outside assets."""
        return render(request, "api_docs.html", spec=request.app.openapi())

    @app.get("/favicon.ico", include_in_schema=False)
    def favicon() -> Response:
        return RedirectResponse("/static/favicon.svg")


def _str(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _pasted_article(form: FormData, config: Config) -> tuple[list[Article], list[str]]:
    """The add form's pasted text as an article (none without a text), and what was
    wrong with it."""
    text = _str(form.get("text")).strip()
    if not text:
        return [], []
    record = {
        k: _str(form.get(k)).strip() or None
        for k in ("id", "title", "date", "source", "url", "lang")
    }
    posted, errors = parse_records({**record, "text": text}, config, 1)
    return posted, [f"pasted text: {e.field or 'record'}: {e.message}" for e in errors]


async def _uploaded_articles(form: FormData, config: Config) -> tuple[list[Article], list[str]]:
    """The articles of the add form's uploaded files, and the files skipped, with why."""
    uploads = [
        (f.filename, await f.read())
        for f in form.getlist("files")
        if not isinstance(f, str) and f.filename
    ]
    if not uploads:
        return [], []
    read, skipped = read_uploads(uploads, config)
    return read, [f"{k.source}: {k.error}" for k in skipped]


# -- view models


def provenance_tree(detail: dict[str, Any]) -> list[dict[str, Any]]:
    """The versions as a forest: each copy under the version it derives from.

    A version with no derivation edge into it is a root: the first version, or an
    independent report (labelled by its strongest same-story relation to the rest).
    """
    meta = {v["id"]: v for v in detail["versions"]}
    order = {v["id"]: k for k, v in enumerate(detail["versions"])}
    relation_of = {frozenset((r["a"], r["b"])): r for r in detail["relations"]}
    parent: dict[str, dict[str, Any]] = {}
    for d in sorted(detail["derivations"], key=lambda d: order.get(d["source"], 0)):
        if d["copy"] not in parent and d["copy"] != d["source"]:
            parent[d["copy"]] = d
    # Break any cycle (defensive: derivations are oriented from older to newer).
    for start in list(parent):
        seen, walk = {start}, parent.get(start)
        while walk is not None:
            if walk["source"] in seen:
                parent.pop(start, None)
                break
            seen.add(walk["source"])
            walk = parent.get(walk["source"])
    children: dict[str, list[str]] = {}
    for copy, d in parent.items():
        children.setdefault(d["source"], []).append(copy)

    def node(article_id: str) -> dict[str, Any]:
        edge = parent.get(article_id)
        if edge is not None:
            relation = relation_of.get(frozenset((edge["source"], article_id)))
            how = edge.get("display_kind") or edge["kind"]
        elif article_id == detail["first"]:
            relation, how = None, "first"
        else:
            # How this root relates to the rest: to the first version if they are
            # related, else its strongest relation outside its own subtree.
            own = _subtree(article_id, children)
            relation = relation_of.get(frozenset((article_id, detail["first"]))) or _strongest(
                article_id, [r for r in detail["relations"] if not {r["a"], r["b"]} <= own]
            )
            how = (relation or {}).get("display_kind") or "same_event"
        kids = sorted(children.get(article_id, []), key=lambda c: order.get(c, 0))
        return {
            "id": article_id,
            "meta": meta.get(article_id, {"id": article_id}),
            "how": how,
            "parent": edge["source"] if edge else None,
            "relation": relation,
            "children": [node(c) for c in kids],
        }

    roots = [v["id"] for v in detail["versions"] if v["id"] not in parent]
    return [node(r) for r in roots]


def _subtree(root: str, children: dict[str, list[str]]) -> set[str]:
    seen, todo = {root}, [root]
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in seen:
                seen.add(child)
                todo.append(child)
    return seen


def _strongest(article_id: str, relations: list[dict[str, Any]]) -> dict[str, Any] | None:
    mine = [r for r in relations if article_id in (r["a"], r["b"])]
    return max(mine, key=lambda r: r["score"], default=None)


def compare_rows(diff: dict[str, Any]) -> list[dict[str, Any]]:
    """Rows of the side-by-side view in B's order: aligned pairs (word diff with changed
    names, numbers and quotes marked) and sentences found on one side only."""
    rows: list[dict[str, Any]] = []
    for pair in diff["pairs"]:
        rows.append(
            {
                "kind": "same" if pair["identical"] else "changed",
                "a": _segments(pair, "a"),
                "b": _segments(pair, "b"),
                "a_index": pair["a_index"],
                "b_index": pair["b_index"],
                "similarity": pair["similarity"],
                "names": pair["changed_names"],
                "numbers": pair["changed_numbers"],
                "quotes": pair["changed_quotes"],
            }
        )
    for index, text in diff["only_a"]:
        rows.append({"kind": "only_a", "a": [(text, "only")], "b": [], "a_index": index})
    for index, text in diff["only_b"]:
        rows.append({"kind": "only_b", "a": [], "b": [(text, "only")], "b_index": index})

    # Keep B's reading order; a sentence only in A sits after the pair before it in A.
    def position(row: dict[str, Any]) -> tuple[float, float]:
        if "b_index" in row:
            return (row["b_index"], 0)
        before = [
            r["b_index"] for r in rows if "b_index" in r and r.get("a_index", -1) < row["a_index"]
        ]
        return (max(before, default=-1) + 0.5, row["a_index"])

    return sorted(rows, key=position)


def _segments(pair: dict[str, Any], side: str) -> list[tuple[str, str]]:
    """``(text, css class)`` runs of one side of an aligned pair."""
    names = pair["changed_names"]
    numbers = pair["changed_numbers"]
    quotes = pair["changed_quotes"]
    out: list[tuple[str, str]] = []
    for token in pair["tokens"]:
        text = token[side]
        if not text:
            continue
        if token["op"] == "equal":
            out.append((text, ""))
            continue
        a_run, b_run = token["a"], token["b"]
        classes = ["del" if side == "a" else "ins"]
        if any(old in a_run and new in b_run for old, new in names):
            classes.append("name-change")
        if any(old in a_run and new in b_run for old, new in numbers):
            classes.append("number-change")
        if any(_overlaps(old, a_run) or _overlaps(new, b_run) for old, new in quotes):
            classes.append("quote-change")
        out.append((text, " ".join(classes)))
    return out


def _overlaps(quote: str, run: str) -> bool:
    return bool(run.strip()) and (run.strip() in quote or quote in run)
