"""The FastAPI application: REST API under ``/api``, web pages everywhere else.

:func:`create_app` opens the store once: one :class:`StoreWriter` thread owns the write
connection (every write is queued through it), a :class:`Reader` gives each worker
thread its own read connection, and the sentence encoder is loaded at start-up and
shared (it is thread-safe). Nothing is loaded per request.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import logging
import secrets
from collections.abc import AsyncIterator, Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

from fastapi import Body, Depends, FastAPI, HTTPException, Query, Request
from fastapi import Path as PathParam
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from samestory import api
from samestory.config import DEFAULT_CONFIG, Config
from samestory.diff import diff_articles
from samestory.embed import SentenceEncoder, encoder_for
from samestory.models import Article
from samestory.server.queries import Reader, relations_page
from samestory.server.records import parse_records
from samestory.server.writer import StoreLocked, StoreWriter, WriterBusy, WriterClosed
from samestory.store import AddReport, StoreError

log = logging.getLogger("samestory.server")

TOKEN_HEADER = "X-Samestory-Token"

T = TypeVar("T")


@dataclasses.dataclass(frozen=True)
class ServerSettings:
    """Limits of one server. ``max_body_bytes`` bounds every request body (413 beyond);
    ``max_records`` the articles of one POST; ``max_pending`` the write batches queued
    before new writes get 503. ``page_poll``: seconds between an open page's checks of
    the store's change counter (``static/live.js``)."""

    max_body_bytes: int = 25_000_000
    max_records: int = 10_000
    max_pending: int = 256
    max_page: int = 200
    lock_wait: float = 30.0
    page_poll: float = 2.0


class Services:
    """What the handlers share: the writer, the reader, the encoder, the token."""

    def __init__(
        self,
        writer: StoreWriter,
        reader: Reader,
        token: str | None,
        settings: ServerSettings,
    ) -> None:
        self.writer = writer
        self.reader = reader
        self.token = token
        self.settings = settings
        self.config: Config = writer.config
        self.following: Any = None  # a FollowThread under serve --follow

    @property
    def encoder(self) -> SentenceEncoder:
        return encoder_for(self.config.encoder)

    def check_token(self, given: str | None) -> None:
        """403 unless the server has no token or ``given`` is it."""
        if self.token is None:
            return
        if given is None or not secrets.compare_digest(given.encode(), self.token.encode()):
            raise HTTPException(
                403, "a valid token is required to write (header X-Samestory-Token)"
            )

    async def add(self, articles: list[Article]) -> AddReport:
        """Queue a batch on the writer and wait for it without holding a thread."""
        try:
            future = self.writer.submit_async(articles)
        except (WriterBusy, WriterClosed) as exc:
            raise HTTPException(503, str(exc), headers={"Retry-After": "2"}) from None
        try:
            return await asyncio.wrap_future(future)
        except StoreLocked as exc:
            raise HTTPException(503, str(exc), headers={"Retry-After": "5"}) from None
        except StoreError as exc:
            raise HTTPException(500, f"store error: {exc}") from None

    def results(self, articles: list[Article], report: AddReport) -> list[dict[str, Any]]:
        return self.reader.added_results(articles, report)

    def compare(self, a: Article, b: Article) -> dict[str, Any]:
        """What ``samestory compare --json`` prints: the relation and the aligned diff."""
        config = self.config.for_pairs()  # a pair on its own: the pair encoder
        encoder = encoder_for(config.encoder)
        relation = api.compare(a, b, config, encoder)
        difference = diff_articles(a, b, encoder)
        return {"relation": relation.to_dict(), "diff": difference.to_dict()}


def services(request: Request) -> Services:
    return request.app.state.services


def require_token(request: Request) -> None:
    """Dependency of write endpoints: the token from the header or a bearer header."""
    given = request.headers.get(TOKEN_HEADER)
    auth = request.headers.get("Authorization", "")
    if given is None and auth.lower().startswith("bearer "):
        given = auth[7:].strip()
    services(request).check_token(given)


class BodyLimit:
    """Refuse request bodies over ``max_bytes`` with 413, by header or as they stream."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            response = JSONResponse(
                {"error": f"request body over the {self.max_bytes:,}-byte limit", "status": 413},
                status_code=413,
            )
            await response(scope, receive, send)
            return
        received = 0

        async def limited() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise HTTPException(413, f"request body over the {self.max_bytes:,}-byte limit")
            return message

        await self.app(scope, limited, send)


def _error_response(request: Request, status: int, message: str, **extra: Any) -> Any:
    if request.url.path.startswith("/api") or "text/html" not in request.headers.get("accept", ""):
        return JSONResponse({"error": message, "status": status, **extra}, status_code=status)
    from samestory.server.web import error_page

    return error_page(request, status, message)


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> Any:
        response = _error_response(request, exc.status_code, str(exc.detail))
        for key, value in (exc.headers or {}).items():
            response.headers[key] = value
        return response

    from starlette.exceptions import HTTPException as StarletteHTTPException

    @app.exception_handler(StarletteHTTPException)
    async def starlette_error(request: Request, exc: StarletteHTTPException) -> Any:
        return _error_response(request, exc.status_code, str(exc.detail))

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> Any:
        problems = [
            {
                "field": ".".join(str(p) for p in e.get("loc", ()) if p != "body") or None,
                "message": e.get("msg", "invalid"),
            }
            for e in exc.errors()
        ]
        return _error_response(request, 422, _invalid_message(problems), errors=problems)

    @app.exception_handler(Exception)
    async def crashed(request: Request, exc: Exception) -> Any:
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        return _error_response(request, 500, f"internal error ({type(exc).__name__})")


def _invalid_message(problems: list[dict[str, Any]]) -> str:
    """The one-line error of a 422: "invalid request", then the first problem, named
    (``relations_limit=-1`` answers "invalid request: query.relations_limit: Input
    should be greater than or equal to 0"), and how many more there are."""
    if not problems:
        return "invalid request"
    first = problems[0]
    where = f"{first['field']}: " if first["field"] else ""
    more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
    return f"invalid request: {where}{first['message']}{more}"


def create_app(
    db_path: str | Path,
    config: Config | None = None,
    token: str | None = None,
    settings: ServerSettings | None = None,
    warm: bool = True,
    follow: Sequence[str] = (),
    follow_options: Any = None,
) -> FastAPI:
    """The samestory web application over the store at ``db_path``.

    ``config`` is used to create a new store (an existing store keeps its own);
    ``token``, when given, is required by every write endpoint. ``warm`` loads the
    encoder at start-up rather than on the first request that needs it. ``follow``:
    sources a follower runs inside the server, through its writer
    (:mod:`samestory.server.following`), with ``follow_options`` (a ``FollowOptions``).
    """
    settings = settings or ServerSettings()
    db_path = Path(db_path)
    writer = StoreWriter(
        db_path,
        None if db_path.exists() else (config or DEFAULT_CONFIG),
        max_pending=settings.max_pending,
        lock_wait=settings.lock_wait,
    )
    shared = Services(writer, Reader(db_path), token or None, settings)
    following = None
    if follow:
        from samestory.server.following import FollowThread

        following = FollowThread(writer, follow, follow_options)
    shared.following = following

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if warm:
            await asyncio.to_thread(shared.encoder.encode, ["samestory is warming up."])
        if following is not None:
            following.start()
        yield
        if following is not None:
            await asyncio.to_thread(following.stop)
        await asyncio.to_thread(writer.close)
        shared.reader.close()

    app = FastAPI(
        title="samestory",
        summary="Every version of the same news story: copies, rewrites, translations.",
        version="0.1.0",
        lifespan=lifespan,
        # FastAPI's /docs loads Swagger UI from a CDN; ours is rendered here (web.py).
        docs_url=None,
        redoc_url=None,
    )
    app.state.services = shared
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes)
    _install_error_handlers(app)
    _api_routes(app)
    from samestory.server import web

    web.install(app)
    return app


# One Body per parameter: FastAPI keeps per-parameter state in it, so it must not be shared.
# The API reference page (/docs) shows these beside each parameter.
_STORY_ID = "A story id (`s-...`), as /api/stories lists it."
_THREAD_ID = "A thread id (`t-...`), a story's `thread`."
_ARTICLE_ID = "A stored article id (a revision is `ID~rev2`)."
_SIDE_A = Body(..., description="A text, or an article object with at least text.")
_SIDE_B = Body(..., description="A text, or an article object with at least text.")


def _api_routes(app: FastAPI) -> None:
    """The REST API under ``/api``, in the order the OpenAPI document lists it."""
    _status_routes(app)
    _write_routes(app)
    _read_routes(app)
    _compare_routes(app)


def _status_routes(app: FastAPI) -> None:
    """What clients poll: health, ``serve --follow``'s events and sources, changes."""

    @app.get("/api/health", tags=["api"])
    def health(request: Request) -> dict[str, Any]:
        """Liveness and size of the store."""
        s = services(request)
        articles, stories = s.reader.counts()
        return {
            "status": "ok",
            "articles": articles,
            "stories": stories,
            "encoder": s.config.encoder,
            "pending_writes": s.writer.pending,
            "version": s.reader.change_version(),
        }

    @app.get("/api/follow/events", tags=["api"])
    def follow_events(
        request: Request, after: int = Query(0, ge=0, description="Last seq already seen.")
    ) -> dict[str, Any]:
        """Events of `serve --follow` (new_story, new_version, stories_merged), each with
        a `seq`, after `after`; the last 1,000 are kept. 404 without `--follow`."""
        following = services(request).following
        if following is None:
            raise HTTPException(404, "this server follows no sources (serve --follow)")
        return following.events_after(after)

    @app.get("/api/follow/sources", tags=["api"])
    async def follow_sources(request: Request) -> dict[str, Any]:
        """What `samestory sources --json` prints, for this server's store."""
        following = services(request).following
        if following is None:
            raise HTTPException(404, "this server follows no sources (serve --follow)")
        return {"sources": await asyncio.to_thread(following.sources)}

    @app.get("/api/changes", tags=["api"])
    def changes(request: Request) -> dict[str, int]:
        """A number that grows whenever an article is stored; pages poll it."""
        return {"version": services(request).reader.change_version()}


def _write_routes(app: FastAPI) -> None:
    """Adding articles (the token, when the server has one, is required)."""

    @app.post("/api/articles", tags=["api"], dependencies=[Depends(require_token)])
    async def post_articles(
        request: Request,
        payload: Any = Body(  # noqa: B008
            ...,
            description="One article or a list; fields id, title, text (required), date, "
            "source, url, lang.",
            examples=[{"id": "a1", "title": "Storm hits coast", "text": "A storm ..."}],
        ),
    ) -> Any:
        """Add articles; each gets its story and its relation to the closest version.

        Records that cannot be read are refused (422, naming record index and field);
        the others are added all the same.
        """
        s = services(request)
        try:
            articles, errors = parse_records(payload, s.config, s.settings.max_records)
        except ValueError as exc:
            raise HTTPException(413, str(exc)) from None
        results: list[dict[str, Any]] = []
        if articles:
            report = await s.add(articles)
            results = await asyncio.to_thread(s.results, articles, report)
        body: dict[str, Any] = {"articles": results, "errors": [e.to_dict() for e in errors]}
        if errors:
            first = errors[0]
            body["error"] = (
                f"{len(errors)} record(s) refused; first: record {first.index}"
                f"{f' field {first.field}' if first.field else ''}: {first.message}"
            )
            body["status"] = 422
            return JSONResponse(body, status_code=422)
        return body


def _read_routes(app: FastAPI) -> None:
    """The stored stories, threads and articles."""

    @app.get("/api/stories", tags=["api"])
    def list_stories(
        request: Request,
        q: str | None = Query(None, max_length=500, description="Full-text search."),
        since: str | None = Query(
            None, max_length=40, description="Only stories updated at/after (ISO)."
        ),
        limit: int = Query(20, ge=1, le=200, description="Stories in the answer (1-200)."),
        offset: int = Query(0, ge=0, description="Stories skipped first (paging)."),
    ) -> JSONResponse:
        """Stories, most recently updated first."""
        page = services(request).reader.stories(q or None, _iso(since), limit, offset)
        return JSONResponse(
            {
                "total": page.total,
                "limit": limit,
                "offset": offset,
                "stories": [row.to_dict() for row in page.stories],
            }
        )

    @app.get("/api/stories/{story_id}", tags=["api"])
    def get_story(
        request: Request,
        story_id: str = PathParam(description=_STORY_ID),
        relations_limit: int | None = Query(
            None, ge=0, description="Relations in the answer, strongest first (default: all)."
        ),
        relations_offset: int = Query(
            0, ge=0, description="Strongest relations skipped first (paging)."
        ),
    ) -> JSONResponse:
        """Versions in time order, relations with evidence (strongest first; pages of
        them with `relations_limit` / `relations_offset`, `relations_total` counts all),
        derivations, first version."""
        reader = services(request).reader
        try:
            detail = reader.story_detail(story_id)
        except KeyError:
            raise HTTPException(404, _no_story(reader, story_id)) from None
        # A JSONResponse as is: FastAPI's generic encoder walks every evidence field.
        return JSONResponse(relations_page(detail, relations_limit, relations_offset))

    @app.get("/api/threads/{thread_id}", tags=["api"])
    def get_thread(
        request: Request, thread_id: str = PathParam(description=_THREAD_ID)
    ) -> JSONResponse:
        """The stories of one thread (one incident followed over time), earliest first."""
        stories = found(services(request).reader.thread, thread_id, "thread")
        return JSONResponse({"id": thread_id, "stories": stories})

    @app.get("/api/articles/{article_id:path}", tags=["api"])
    def get_article(
        request: Request, article_id: str = PathParam(description=_ARTICLE_ID)
    ) -> JSONResponse:
        """One stored article with its text and story."""
        return JSONResponse(found(services(request).reader.article_detail, article_id, "article"))


def _compare_routes(app: FastAPI) -> None:
    """Two versions, stored or posted: relation and aligned diff."""

    @app.get("/api/compare", tags=["api"])
    def compare_stored(
        request: Request,
        a: str = Query(..., max_length=500, description=_ARTICLE_ID),
        b: str = Query(..., max_length=500, description=_ARTICLE_ID),
    ) -> dict[str, Any]:
        """Two stored versions: relation and sentence-aligned diff (`compare --json`)."""
        s = services(request)
        return s.compare(stored_article(s, a), stored_article(s, b))

    @app.post("/api/compare", tags=["api"])
    def compare_texts(
        request: Request,
        a: Any = _SIDE_A,
        b: Any = _SIDE_B,
    ) -> dict[str, Any]:
        """Two posted texts: relation and sentence-aligned diff (`compare --json`)."""
        s = services(request)
        return s.compare(posted_article(a, "a", s.config), posted_article(b, "b", s.config))


def found(lookup: Callable[[str], T], key: str, what: str) -> T:
    """``lookup(key)``, or a 404 "no WHAT KEY" where it raises KeyError (the reader's
    answer for an id it does not hold)."""
    try:
        return lookup(key)
    except KeyError:
        raise HTTPException(404, f"no {what} {key}") from None


def _no_story(reader: Reader, story_id: str) -> str:
    """The 404 of a story id not in the store, naming where its versions went when a
    later add merged it into another story."""
    successor = reader.successor(story_id)
    if successor is None:
        return f"no story {story_id}"
    return f"no story {story_id}: a later add merged it into {successor}"


def stored_article(s: Services, article_id: str) -> Article:
    return found(s.reader.article, article_id, "article")


def posted_article(value: Any, side: str, config: Config) -> Article:
    record = {"id": side, "text": value} if isinstance(value, str) else value
    if isinstance(record, dict) and record.get("id") is None:
        record = {**record, "id": side}
    articles, errors = parse_records(record, config, 1)
    if errors:
        e = errors[0]
        raise HTTPException(422, f"{side}: {e.field or 'record'}: {e.message}")
    return articles[0]


def _iso(since: str | None) -> str | None:
    """Validate ``since`` as an ISO date or date-time (422 otherwise)."""
    if not since:
        return None
    import datetime as dt

    try:
        if len(since) == 10:
            return dt.date.fromisoformat(since).isoformat()
        parsed = dt.datetime.fromisoformat(since)
    except ValueError:
        raise HTTPException(422, f"since: {since!r} is not an ISO date or time") from None
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(dt.UTC).replace(tzinfo=None)
    return parsed.isoformat(timespec="seconds")


def dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)
