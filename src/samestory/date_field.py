"""Reading a date from a metadata value: the one parser every reader and model uses
(:func:`parse_date`; :mod:`samestory.dates` re-exports it).

Dates written in article text are read by :mod:`samestory.dates`. This module imports the
standard library only (``email.utils`` and dateutil where a value is not ISO), so
:mod:`samestory.models` imports it without the cleaning rules: ``samestory show`` reads
stored articles without loading :mod:`samestory.normalize` (docs/history/benchmarks.md,
2026-12-06, tidy).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

_YEAR = re.compile(r"(?<!\d)(?:1[89]|2\d)\d{2}(?!\d)")
_ISO_PREFIX = re.compile(r"^\s*(\d{4})-(\d{1,2})-(\d{1,2})(?!\d)")


def parse_date(value: Any) -> dt.date | None:
    """A calendar date from about anything, leniently; None when it cannot be read.

    Accepts ``date``/``datetime`` objects, ISO 8601 (``2025-10-23``,
    ``2025-10-23T12:00:00Z``), RFC 2822 (``Thu, 23 Oct 2025 12:00:00 +0000``), common
    written forms with a four-digit year (``23 October 2025``, ``Oct 23, 2025``) and
    Unix timestamps (seconds or milliseconds). The date is the one written, in its own
    time zone (no conversion to UTC).
    """
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, (int, float)):
        return _from_timestamp(float(value))
    if not isinstance(value, str):
        return None
    return _parse_date_str(value.strip())


def _from_timestamp(seconds: float) -> dt.date | None:
    if seconds != seconds:  # NaN
        return None
    if abs(seconds) > 1e11:  # milliseconds
        seconds /= 1000.0
    try:
        return dt.datetime.fromtimestamp(seconds, tz=dt.UTC).date()
    except (OverflowError, OSError, ValueError):
        return None


def _parse_date_str(text: str) -> dt.date | None:
    if not text:
        return None
    try:
        return dt.datetime.fromisoformat(text).date()
    except ValueError:
        pass
    match = _ISO_PREFIX.match(text)
    if match:
        try:
            return dt.date(*(int(g) for g in match.groups()))
        except ValueError:
            return None
    # Imported on this path only (no ISO date): with `email.utils` come `socket`,
    # `calendar` and `locale`, ~8 ms that `samestory show` never needs.
    from email.utils import parsedate_to_datetime

    try:
        return parsedate_to_datetime(text).date()
    except (TypeError, ValueError, IndexError):
        pass
    return _parse_date_loose(text)


def _parse_date_loose(text: str) -> dt.date | None:
    """Written dates via dateutil, only when a year is present (no guessing from today)."""
    if not _YEAR.search(text):
        return None
    try:
        from dateutil import parser as date_parser
    except ImportError:  # pragma: no cover - dateutil comes with trafilatura
        return None
    try:
        parsed = date_parser.parse(text, default=dt.datetime(2000, 1, 1), fuzzy=False)
    except (ValueError, OverflowError, TypeError):
        return None
    return parsed.date()
