"""Folder sources: files that appear or change under a folder, read by the ingest readers.

Each pass lists the folder (recursively, hidden names left out, as ``samestory add``
walks it) and compares each file's ``(mtime_ns, size)`` with the one recorded for it;
a file whose stamp changed is hashed, and read only when its bytes changed. A file still
being written is caught on a later pass: its stamp changes again.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
from collections.abc import Iterator
from pathlib import Path

from samestory.ingest import READERS

HASH_CHUNK = 1 << 20


@dataclasses.dataclass(frozen=True, slots=True)
class FileChange:
    path: Path
    url: str  # file:// URL: the item's key
    stamp: str  # "mtime_ns:size"
    content_hash: str
    content_changed: bool  # False: touched, same bytes (only the stamp is recorded)


def file_url(path: Path) -> str:
    return path.resolve().as_uri()


def walk(root: Path) -> Iterator[Path]:
    """Readable, non-hidden files under ``root`` whose extension a reader knows."""
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in sorted(filenames):
            if name.startswith(".") or Path(name).suffix.lower() not in READERS:
                continue
            yield Path(dirpath, name)


def changes(root: Path, known: dict[str, tuple[str | None, str | None]]) -> Iterator[FileChange]:
    """Files new or changed since ``known`` (url -> (stamp, content hash))."""
    for path in walk(root):
        try:
            info = path.stat()
        except OSError:
            continue  # removed while listing
        url = file_url(path)
        stamp = f"{info.st_mtime_ns}:{info.st_size}"
        old_stamp, old_hash = known.get(url, (None, None))
        if stamp == old_stamp:
            continue
        try:
            digest = file_hash(path)
        except OSError:
            continue
        yield FileChange(path, url, stamp, digest, digest != old_hash)


def file_hash(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(HASH_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()
