"""Data derived from installed files, kept on disk so the next process skips deriving it.

A short command (``samestory compare A B``) spends most of its time building the same
structures every run: the Universal Sentence Encoder's tokenizer (a pure-Python parse of
its 128k-piece model, ~0.9 s) and weights (a compressed archive, ~0.5 s), and the word
frequency tables (msgpack, ~0.3 s). Each is saved here once, in a form that loads in a
few milliseconds, under ``$SAMESTORY_CACHE`` (default ``~/.cache/samestory``; the static
encoder's tables live there too).

Entries are named by what they were derived from (a digest of the source files or the
package version) and by the Python version (``marshal``'s format is version-specific),
written atomically (temporary file, then rename) and never trusted blindly: an entry
that cannot be read is derived again and rewritten. ``marshal`` holds only plain data
(no code is run when it is read, unlike ``pickle``); arrays go in ``.npz`` files read
with ``allow_pickle=False``.
"""

from __future__ import annotations

import hashlib
import logging
import marshal
import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

log = logging.getLogger("samestory")

CACHE_ENV = "SAMESTORY_CACHE"
T = TypeVar("T")


def cache_dir() -> Path:
    """``$SAMESTORY_CACHE`` if set, else ``~/.cache/samestory``."""
    raw = os.environ.get(CACHE_ENV, "").strip()
    return Path(raw).expanduser() if raw else Path.home() / ".cache" / "samestory"


def files_digest(paths: list[Path], length: int = 12) -> str:
    """SHA-256 of the files' bytes, in order (hex, ``length`` characters)."""
    sha = hashlib.sha256()
    for path in paths:
        with open(path, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                sha.update(block)
    return sha.hexdigest()[:length]


def marshalled(name: str, build: Callable[[], T]) -> T:
    """``build()``'s value, read from the cache entry ``name`` if it is there.

    The value must be plain data ``marshal`` can hold (numbers, strings, bytes, and
    tuples, lists, dicts, sets of them). ``name`` must say what the value was derived
    from; the Python version is added here.
    """
    path = cache_dir() / f"{name}-py{sys.version_info[0]}{sys.version_info[1]}.marshal"
    try:
        # loads of the bytes, not load(handle): that reads in small pieces, 3x slower.
        return marshal.loads(path.read_bytes())  # type: ignore[no-any-return]
    except (OSError, EOFError, ValueError, TypeError):
        pass
    value = build()
    try:
        write_atomically(path, lambda handle: marshal.dump(value, handle))  # type: ignore[arg-type]
    except (OSError, ValueError) as exc:  # a cache: the next run derives it again
        log.debug("could not cache %s: %s", path, exc)
    return value


def write_atomically(path: Path, write: Callable[[Any], object]) -> None:
    """Write with ``write(handle)`` to a temporary file beside ``path``, then rename it
    over ``path``: readers see the old file or the whole new one, never a part."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            write(handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o644)  # mkstemp creates 0600; the cache may be shared
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
