"""``samestory serve``: the REST API and web pages over a store (FastAPI + uvicorn).

FastAPI and uvicorn are imported inside the command, so the other commands start fast.
"""

from __future__ import annotations

import ipaddress
import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape

from samestory.cli.main import Encoder, config_for, err

if TYPE_CHECKING:
    from fastapi import FastAPI

TOKEN_ENV = "SAMESTORY_TOKEN"


def is_loopback(host: str) -> bool:
    """True for ``localhost`` and loopback addresses (127.0.0.0/8, ::1)."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def url_host(host: str) -> str:
    """``host`` as a URL writes it: an IPv6 address in brackets (``[::1]``)."""
    bare = host.strip("[]")
    return f"[{bare}]" if ":" in bare else bare


def serve(
    db: Annotated[
        Path,
        typer.Option(
            "--db", envvar="SAMESTORY_DB", help="Store file (SQLite); created if missing."
        ),
    ] = Path("samestory.db"),
    host: Annotated[
        str, typer.Option(help="Address to bind; anything but loopback needs --token.")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=0, max=65535, help="Port to listen on.")] = 8000,
    token: Annotated[
        str | None,
        typer.Option(
            envvar=TOKEN_ENV,
            help="Secret that write requests must send (header X-Samestory-Token); "
            f"required off loopback. ${TOKEN_ENV} sets it too.",
            show_default=False,
        ),
    ] = None,
    encoder: Annotated[
        Encoder | None,
        typer.Option(
            "--encoder",
            help="Sentence encoder of a NEW store ('static', the default, or 'use'); an "
            "existing store keeps its own.",
            case_sensitive=False,
        ),
    ] = None,
    follow: Annotated[
        list[str] | None,
        typer.Option(
            "--follow",
            help="A source to follow inside the server (feed or sitemap URL, file of URLs, "
            "folder), as `samestory follow` does; repeat for more.",
            show_default=False,
        ),
    ] = None,
    follow_interval: Annotated[
        str, typer.Option(help="Time between polls of a followed source (e.g. 5m).")
    ] = "5m",
    verbose: Annotated[
        bool,
        typer.Option(
            "--verbose",
            "-v",
            help="With --follow: also log the follower's DEBUG lines (polls that found "
            "nothing, feeds not modified (304), when the next poll is due).",
        ),
    ] = False,
    max_body_mb: Annotated[
        float, typer.Option(min=0.001, help="Largest request body accepted (MB); 413 beyond.")
    ] = 25.0,
    page_poll: Annotated[
        float,
        typer.Option(min=0.1, help="Seconds between an open page's checks for new versions."),
    ] = 2.0,
) -> None:
    """Serve the REST API (/api, OpenAPI at /docs) and the web pages over a store.

    Example: samestory serve --db news.db   then open http://127.0.0.1:8000
    """
    token = token or None
    if verbose and not follow:
        err.print("[red]error:[/] --verbose logs the followed sources' polls: add --follow")
        raise typer.Exit(2)
    _refuse_open_host_without_token(host, token)
    _refuse_an_address_it_cannot_listen_on(host, port)
    _check_server_packages()
    app = _server_app(
        db, encoder, token, max_body_mb, follow or [], follow_interval, verbose, page_poll
    )
    err.print(
        f"samestory: serving {db} on http://{url_host(host)}:{port}  (API docs at /docs"
        f"{', writes need the token' if token else ''})",
        markup=False,
        highlight=False,
    )
    _listen(app, host, port)


def _refuse_open_host_without_token(host: str, token: str | None) -> None:
    """Exit 2 before listening anywhere but loopback without a token."""
    if not is_loopback(host) and token is None:
        err.print(
            f"[red]error:[/] refusing to listen on {escape(host)} without a token: anyone could "
            f"write to the store. Pass --token or set ${TOKEN_ENV}.",
            highlight=False,
        )
        raise typer.Exit(2)


def _refuse_an_address_it_cannot_listen_on(host: str, port: int) -> None:
    """Exit 1 in one line, before the store is opened, when ``host:port`` is taken or no
    address of this machine: uvicorn said it only after "serving ...", in its own log
    format ("ERROR: [Errno 98] error while attempting to bind ..."), with exit 3."""
    import socket

    from samestory.cli.main import os_reason

    try:
        family, kind, proto, _, address = socket.getaddrinfo(
            host.strip("[]"), port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )[0]
        with socket.socket(family, kind, proto) as probe:
            # As uvicorn binds: a port in TIME_WAIT from a stopped server is free.
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind(address)
    except OSError as exc:
        err.print(
            f"[red]error:[/] cannot listen on {escape(host)}:{port}: {escape(os_reason(exc))}",
            highlight=False,
        )
        raise typer.Exit(1) from None


def _check_server_packages() -> None:
    """Exit 1, naming what to install, when the server's extra packages are missing."""
    try:
        import uvicorn  # noqa: F401

        from samestory.server import ServerSettings, create_app  # noqa: F401
    except ImportError as exc:
        err.print(
            f"[red]error:[/] the server needs extra packages ({exc.name} is missing); "
            "pip install 'samestory[serve]'",
            highlight=False,
        )
        raise typer.Exit(1) from None


def _server_app(
    db: Path,
    encoder: Encoder | None,
    token: str | None,
    max_body_mb: float,
    follow: list[str],
    follow_interval: str,
    verbose: bool = False,
    page_poll: float = 2.0,
) -> FastAPI:
    """The application over the store at ``db`` (exit 1 on a store error; a bad
    ``--follow`` source exits 2)."""
    from samestory.server import ServerSettings, create_app
    from samestory.store import StoreError

    settings = ServerSettings(max_body_bytes=int(max_body_mb * 1_000_000), page_poll=page_poll)
    follow_options = _follow_options(follow, follow_interval, verbose)
    try:
        return create_app(
            db,
            config_for(encoder),  # given, for a new store's corpus work and pairs alike
            token,
            settings,
            follow=follow,
            follow_options=follow_options,
        )
    except StoreError as exc:
        # markup on for the red label only: the message (a path) is escaped.
        err.print(f"[red]error:[/] {escape(str(exc))}", highlight=False)
        raise typer.Exit(1) from None


def _listen(app: FastAPI, host: str, port: int) -> None:
    """Serve ``app`` with uvicorn until stopped."""
    import uvicorn

    uvicorn.run(
        app,
        host=host.strip("[]"),  # uvicorn resolves "::1", not the URL form "[::1]"
        port=port,
        log_level=os.environ.get("SAMESTORY_LOG_LEVEL", "warning"),
        timeout_graceful_shutdown=10,
        # Clients (and the benchmark) hold keep-alive connections through slow moments;
        # uvicorn's 5 s default closes them while a client is about to reuse them.
        timeout_keep_alive=30,
    )


def _follow_options(sources: list[str], interval: str, verbose: bool = False) -> object:
    """FollowOptions for ``--follow`` (None without it; ``verbose``: the follower logs
    at DEBUG); a bad source exits 2."""
    if not sources:
        return None
    from samestory.cli.follow_cmd import _configure_logging, log_level, parse_duration
    from samestory.follow import FollowOptions, source_kind

    for source in sources:
        try:
            source_kind(source)
        except ValueError as exc:
            err.print(f"error: {exc}", markup=False, highlight=False)
            raise typer.Exit(2) from None
    _configure_logging(log_level(quiet=False, verbose=verbose))
    return FollowOptions(interval=parse_duration(interval))
