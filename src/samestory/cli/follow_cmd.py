"""``samestory follow`` (feeds, sitemaps, URL files, folders into the store) and
``samestory sources`` (what is followed, and how it went).

Heavy modules (the store, httpx, trafilatura) are imported inside the commands, so
``samestory --help`` stays fast.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import IO, TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:
    from samestory.follow.fetch import FetchPolicy
    from samestory.follow.runner import Follower, FollowOptions, PassStats

DEFAULT_DB = Path("samestory.db")
DbOpt = Annotated[
    Path,
    typer.Option(
        "--db", envvar="SAMESTORY_DB", help="Store file (SQLite); $SAMESTORY_DB overrides it."
    ),
]
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$", re.IGNORECASE)
_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(b|kb|mb|gb)?\s*$", re.IGNORECASE)
_UNITS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400}
_BYTES = {"b": 1, "kb": 1_000, "mb": 1_000_000, "gb": 1_000_000_000}


def register(app: typer.Typer) -> None:
    app.command()(follow)
    app.command()(sources)


def parse_duration(text: str) -> float:
    """``90``, ``90s``, ``5m``, ``1.5h``, ``1d`` -> seconds."""
    match = _DURATION.match(text)
    if not match:
        raise typer.BadParameter(f"{text!r} is not a duration (e.g. 30s, 5m, 1h)")
    return float(match.group(1)) * _UNITS[(match.group(2) or "s").lower()]


def parse_size(text: str) -> int:
    """``5MB``, ``500kb``, ``1000000`` -> bytes."""
    match = _SIZE.match(text)
    if not match:
        raise typer.BadParameter(f"{text!r} is not a size (e.g. 5MB)")
    return int(float(match.group(1)) * _BYTES[(match.group(2) or "b").lower()])


# The options of ``samestory follow``, named here so the command reads as its steps.
SourcesArg = Annotated[
    list[str],
    typer.Argument(
        metavar="SOURCE",
        help="Feed or sitemap URLs (RSS, Atom, news sitemap, sitemap index), files of "
        "article URLs (one a line), or folders of article files.",
        show_default=False,
    ),
]
IntervalOpt = Annotated[
    str, typer.Option(help="Time between polls of a source (e.g. 30s, 5m, 1h).")
]
OnceOpt = Annotated[
    bool, typer.Option("--once", help="One pass over every source, then exit (for cron).")
]
EventsOpt = Annotated[
    str | None,
    typer.Option(
        "--events",
        help="Append story events (new_story, new_version, stories_merged), one JSON "
        "object a line, to this file; '-' for stdout.",
    ),
]
EncoderOpt = Annotated[
    str | None,
    typer.Option(help="Sentence encoder of a NEW store: 'static' (default) or 'use'."),
]
UserAgentOpt = Annotated[
    str | None, typer.Option(help="User-Agent header, also matched in robots.txt.")
]
WorkersOpt = Annotated[int, typer.Option(min=1, help="Pages fetched at once.")]
PerHostOpt = Annotated[int, typer.Option(min=1, help="Requests at once to one host.")]
DelayOpt = Annotated[str, typer.Option(help="Least time between two requests to one host.")]
TimeoutOpt = Annotated[
    str, typer.Option(help="Connect/read timeout of a request (the whole response: 3x).")
]
RetriesOpt = Annotated[int, typer.Option(min=0, help="Immediate retries of a transient failure.")]
MaxSizeOpt = Annotated[str, typer.Option(help="Largest page or feed read.")]
MaxRedirectsOpt = Annotated[int, typer.Option(min=0, help="Redirects followed.")]
BatchOpt = Annotated[int, typer.Option(min=1, help="Articles added per store transaction.")]
NoDiffOpt = Annotated[
    bool, typer.Option("--no-diff", help="Leave the changed names/numbers/quotes out.")
]
QuietOpt = Annotated[bool, typer.Option("--quiet", "-q", help="Only warnings and errors.")]
VerboseOpt = Annotated[
    bool,
    typer.Option(
        "--verbose",
        "-v",
        help="Also the DEBUG lines: polls that found nothing, feeds not modified (304), "
        "when the next poll is due.",
    ),
]


def follow(
    sources: SourcesArg,
    db: DbOpt = DEFAULT_DB,
    interval: IntervalOpt = "5m",
    once: OnceOpt = False,
    events: EventsOpt = None,
    encoder: EncoderOpt = None,
    user_agent: UserAgentOpt = None,
    workers: WorkersOpt = 4,
    per_host: PerHostOpt = 2,
    delay: DelayOpt = "1s",
    timeout: TimeoutOpt = "20s",
    retries: RetriesOpt = 2,
    max_size: MaxSizeOpt = "5MB",
    max_redirects: MaxRedirectsOpt = 5,
    batch: BatchOpt = 32,
    no_diff: NoDiffOpt = False,
    quiet: QuietOpt = False,
    verbose: VerboseOpt = False,
) -> None:
    """Follow sources into the store: each new article joins its story as it appears.

    Runs until SIGINT/SIGTERM (the article in hand is finished and committed), or one
    pass with --once. State (what was fetched, ETags, retries) lives in the store, in
    the same transactions as the articles: a crash never loses or duplicates an item.

    Example: samestory follow https://example.org/rss.xml urls.txt inbox/ --events -
    """
    from samestory.follow.runner import FollowOptions

    if quiet and verbose:
        _fail("--quiet and --verbose: choose one", 2)
    _configure_logging(log_level(quiet, verbose))
    _check_sources(sources)
    policy = _fetch_policy(user_agent, timeout, retries, max_size, max_redirects, per_host, delay)
    options = FollowOptions(
        interval=parse_duration(interval),
        once=once,
        workers=workers,
        batch_size=batch,
        with_diff=not no_diff,
        policy=policy,
    )
    stats = _run_follower(db, encoder, sources, options, events)
    print(f"follow: {stats.line()}", file=sys.stderr)
    if once and stats.every_poll_failed:
        # For cron: a pass where every source failed is not a quiet pass.
        _fail(f"no source could be polled ({stats.polled} failed; see `samestory sources`)", 1)


def _check_sources(sources: list[str]) -> None:
    """Exit 2, saying why, at the first source that is no feed, sitemap, file or folder."""
    from samestory.follow.runner import source_kind

    for source in sources:
        try:
            source_kind(source)
        except ValueError as exc:
            _fail(str(exc), 2)


def _fetch_policy(
    user_agent: str | None,
    timeout: str,
    retries: int,
    max_size: str,
    max_redirects: int,
    per_host: int,
    delay: str,
) -> FetchPolicy:
    """The follower's FetchPolicy from the command's options (``timeout`` bounds the
    connect and each read; the whole response gets three times it)."""
    from samestory.follow.fetch import DEFAULT_USER_AGENT, FetchPolicy

    wait = parse_duration(timeout)
    return FetchPolicy(
        user_agent=user_agent or DEFAULT_USER_AGENT,
        connect_timeout=wait,
        read_timeout=wait,
        total_timeout=3 * wait,
        retries=retries,
        max_bytes=parse_size(max_size),
        max_redirects=max_redirects,
        per_host=per_host,
        delay=parse_duration(delay),
    )


def _run_follower(
    db: Path, encoder: str | None, sources: list[str], options: FollowOptions, events: str | None
) -> PassStats:
    """Run a Follower over the store at ``db`` until it stops (``--events``: its story
    events appended to that file, or stdout); its stats."""
    from samestory.follow.runner import Follower

    stream = _events_stream(events)
    store = _open_store(db, encoder)
    try:
        sink = None
        if stream is not None:
            from samestory.events import write_events

            def sink(found: list[dict[str, Any]]) -> None:
                write_events(found, stream)

        follower = Follower(store, sources, options, on_events=sink)
        _stop_on_signals(follower)
        return follower.run()
    finally:
        store.close()
        if stream is not None and stream is not sys.stdout:
            stream.close()


def sources(
    db: DbOpt = DEFAULT_DB,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object for scripts.")] = False,
) -> None:
    """List followed sources: last success, last error, item counts by state.

    Example: samestory sources --json
    """
    from samestory.follow import state

    if not db.exists():
        _fail(f"no store at {db}", 1)
    store = _open_store(db, None)
    try:
        rows = state.sources(store) if state.has_follow_tables(store) else []
    finally:
        store.close()
    if as_json:
        print(json.dumps({"sources": [r.to_dict() for r in rows]}, ensure_ascii=False, indent=2))
        return
    print(f"{len(rows)} sources in {db}")
    for row in rows:
        print(_source_block(row))


def _source_block(row: Any) -> str:
    """One source as three lines: what it is, how its last polls went, its items."""
    from samestory.follow.state import ITEM_STATES, iso_time

    c = row.counts
    lines = [f"{row.id} ({row.kind})", f"  last success: {row.last_success or 'never'}"]
    if row.last_error:
        due = iso_time(row.next_due)
        streak = (
            f"{row.failures} failure(s) in a row, next poll {due}"
            if row.failures
            else "recovered since"
        )
        lines.append(f"  last error: {row.last_error_at} {row.last_error} ({streak})")
    labels = {"failed": "to retry", "gave_up": "given up"}
    counts = ", ".join(f"{c.get(key, 0)} {labels.get(key, key)}" for key in ITEM_STATES)
    lines.append(f"  items: {counts}")
    return "\n".join(lines)


# ----------------------------------------------------------------------------- helpers


def _fail(message: str, code: int) -> None:
    print(f"error: {message}", file=sys.stderr)
    raise typer.Exit(code)


def log_level(quiet: bool, verbose: bool) -> int:
    """The follower's log level: WARNING with ``--quiet``, DEBUG with ``--verbose`` (the
    polls that found nothing, 304s, the next poll), else INFO."""
    import logging

    if quiet:
        return logging.WARNING
    return logging.DEBUG if verbose else logging.INFO


def _configure_logging(level: int) -> None:
    import logging

    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        logging.Formatter("%(asctime)s %(levelname)s %(message)s", "%Y-%m-%dT%H:%M:%S")
    )
    logger = logging.getLogger("samestory.follow")
    logger.handlers[:] = [handler]
    logger.setLevel(level)
    logger.propagate = False


def _events_stream(events: str | None) -> IO[str] | None:
    if events is None:
        return None
    if events == "-":
        return sys.stdout
    try:
        return open(events, "a", encoding="utf-8")
    except OSError as exc:
        _fail(f"cannot open events file {events}: {exc.strerror or exc}", 1)
    return None


def _open_store(db: Path, encoder: str | None) -> Any:
    from samestory.config import DEFAULT_CONFIG
    from samestory.store import Store, StoreError

    try:
        if encoder is not None and not db.exists():
            return Store(db, config=DEFAULT_CONFIG.replace(encoder=encoder))
        return Store(db)
    except (StoreError, ValueError) as exc:
        _fail(str(exc), 1)


def _stop_on_signals(follower: Follower) -> None:
    import signal

    def handler(signum: int, frame: object) -> None:
        follower.stop()

    signal.signal(signal.SIGINT, handler)
    signal.signal(signal.SIGTERM, handler)
