"""The state directory of incremental Spark runs: what a day's run needs from the past.

Layout (every table Parquet, written by Spark)::

    DIR/CURRENT                  name of the current generation (replaced atomically)
    DIR/gen-000002/manifest.json parts, next index, config, counts
    DIR/gen-000002/nodes.parquet     one row per article: what changes from run to run
    DIR/gen-000002/stories.parquet   one row per story (with its first version's date)
    DIR/gen-000002/cuts.parquet      the roundups the grouping cut (``idx``): their
                                     pairs chain no story threads
    DIR/gen-000002/demoted.parquet   former representatives and their copy group's
                                     representative now (only once copy groups merged)
    DIR/gen-000002/centroids.npy     IVF centroids (only once the reps outgrew exact search)
    DIR/parts/000001/features.parquet   compact features of that run's new articles
    DIR/parts/000001/bands.parquet      their MinHash-LSH band keys
    DIR/parts/000001/relations.parquet  the pairs that run scored

Parts are written once and never changed; a generation lists the parts it is made of.
A run writes its part and its generation under temporary names, renames them, and only
then replaces ``CURRENT`` (``os.replace`` of a one-line file: atomic on POSIX). A run
that fails at any point leaves ``CURRENT`` naming the previous generation, which is
complete; its leftovers are removed by the next run.
"""

from __future__ import annotations

import contextlib
import dataclasses
import fcntl
import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from samestory.config import Config

CURRENT = "CURRENT"
#: The encoder of a state written before ``Config`` had an encoder field (2026-11-24):
#: its vectors are USE's, whatever the default is now (as the store's ``LEGACY_ENCODER``).
LEGACY_ENCODER = "use"
#: 2: the stories table has the roundups column (groups found with roundups); 3: what
#: story threads read besides the stored pairs: each story's ``first_date`` (stories
#: table) and the roundups the grouping cut (``cuts`` table, generation).
FORMAT = 3
#: Why a state of an older format cannot be read (what it lacks), by format.
OLDER_FORMATS = {
    2: "no story threads: its stories have no first_date and the roundups the grouping"
    " cut were not kept (neither can be read back from its tables)",
}
#: Config fields the stored features, bands and scores depend on: a run with other
#: values would join incompatible data, so it is refused.
FIXED_FIELDS = (
    "encoder",
    "num_perm",
    "shingle_size",
    "lsh_threshold",
    "max_sentences",
    "max_text_chars",
    "seed",
)


@dataclasses.dataclass
class Manifest:
    """What a generation is made of."""

    generation: int
    parts: list[int]
    next_idx: int
    config: dict[str, Any]
    counts: dict[str, Any] = dataclasses.field(default_factory=dict)
    has_centroids: bool = False
    format: int = FORMAT

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def unreadable_format(path: Path, found: int) -> str:
    """The message refusing a state of format ``found``: what it lacks, what to do."""
    lacks = OLDER_FORMATS.get(found, "written by another version")
    return (
        f"{path}: state format {found}, expected {FORMAT} ({lacks}): start a new state"
        " with a full run over every day's input (samestory spark ALL OUT --state NEW_DIR)"
    )


class StateDir:
    """A state directory (see the module doc). ``manifest`` is None for a new one."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self.manifest = self._read_manifest()

    def _read_manifest(self) -> Manifest | None:
        pointer = self.path / CURRENT
        if not pointer.exists():
            return None
        name = pointer.read_text(encoding="utf-8").strip()
        try:
            data = json.loads((self.path / name / "manifest.json").read_text(encoding="utf-8"))
            manifest = Manifest(**data)
        except (OSError, ValueError, TypeError) as exc:
            raise ValueError(f"{self.path}: unreadable state generation {name!r} ({exc})") from exc
        if manifest.format != FORMAT:
            raise ValueError(unreadable_format(self.path, manifest.format))
        return manifest

    @property
    def encoder(self) -> str | None:
        """The encoder the state was made with (None for a new state)."""
        if self.manifest is None:
            return None
        return str(self.manifest.config.get("encoder", LEGACY_ENCODER))

    def keep_encoder(self, config: Config) -> Config:
        """``config`` with the state's encoder, as a store reopens with its own whatever
        the default (``config`` itself for a new state)."""
        encoder = self.encoder
        return config if encoder is None else config.replace(encoder=encoder)

    def check_config(self, config: Config) -> None:
        """Refuse a config whose features would not be comparable with the stored ones."""
        if self.manifest is None:
            return
        stored = {"encoder": LEGACY_ENCODER, **self.manifest.config}
        now = config.to_dict()
        differ = [f for f in FIXED_FIELDS if f in stored and stored[f] != now.get(f)]
        if differ:
            diffs = ", ".join(f"{f}={stored[f]!r} (now {now.get(f)!r})" for f in differ)
            raise ValueError(f"{self.path}: the state was made with {diffs}; use the same")

    # ------------------------------------------------------------------ reading

    @property
    def generation(self) -> int:
        return 0 if self.manifest is None else self.manifest.generation

    @property
    def next_idx(self) -> int:
        return 0 if self.manifest is None else self.manifest.next_idx

    def gen_dir(self, generation: int | None = None) -> Path:
        return self.path / f"gen-{self.generation if generation is None else generation:06d}"

    def part_dir(self, part: int) -> Path:
        return self.path / "parts" / f"{part:06d}"

    def part_paths(self, table: str) -> list[str]:
        parts = [] if self.manifest is None else self.manifest.parts
        return [str(self.part_dir(p) / f"{table}.parquet") for p in parts]

    def table_path(self, table: str) -> str:
        return str(self.gen_dir() / f"{table}.parquet")

    def has_table(self, table: str) -> bool:
        """Whether the current generation holds ``table`` (``demoted`` is optional)."""
        return self.manifest is not None and Path(self.table_path(table)).exists()

    def centroids(self) -> np.ndarray | None:
        if self.manifest is None or not self.manifest.has_centroids:
            return None
        return np.load(self.gen_dir() / "centroids.npy")

    # ------------------------------------------------------------------ writing

    @staticmethod
    @contextlib.contextmanager
    def lock(path: str | os.PathLike[str]) -> Iterator[None]:
        """Hold ``DIR/.lock`` for a run: a second run on the same state stops at once
        with a message instead of interleaving its writes."""
        Path(path).mkdir(parents=True, exist_ok=True)
        with open(Path(path) / ".lock", "w") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError as exc:
                raise ValueError(f"{path}: another run is updating this state") from exc
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def clean_leftovers(self) -> None:
        """Remove what a failed run left (temporary dirs, parts and generations that the
        current generation does not list)."""
        if not self.path.exists():
            return
        keep_parts = set() if self.manifest is None else set(self.manifest.parts)
        for child in self.path.iterdir():
            if child.name.startswith(".tmp-") or (
                child.name.startswith("gen-") and child != self.gen_dir()
            ):
                shutil.rmtree(child, ignore_errors=True)
        parts = self.path / "parts"
        if parts.exists():
            for child in parts.iterdir():
                if child.name.startswith(".tmp-") or (
                    child.name.isdigit() and int(child.name) not in keep_parts
                ):
                    shutil.rmtree(child, ignore_errors=True)

    def staging(self) -> tuple[Path, Path]:
        """Temporary dirs for the next part and generation (renamed by :meth:`commit`)."""
        nxt = self.generation + 1
        part = self.path / "parts" / f".tmp-{nxt:06d}"
        gen = self.path / f".tmp-gen-{nxt:06d}"
        for p in (part, gen):
            shutil.rmtree(p, ignore_errors=True)
        part.parent.mkdir(parents=True, exist_ok=True)
        gen.mkdir(parents=True)
        return part, gen

    def commit(
        self,
        part: Path,
        gen: Path,
        next_idx: int,
        config: Config,
        counts: dict[str, Any],
        centroids: np.ndarray | None,
    ) -> Manifest:
        """Make the staged part and generation current (the atomic step: ``CURRENT``)."""
        nxt = self.generation + 1
        if centroids is not None:
            np.save(gen / "centroids.npy", centroids)
        parts = [] if self.manifest is None else list(self.manifest.parts)
        manifest = Manifest(
            generation=nxt,
            parts=[*parts, nxt],
            next_idx=next_idx,
            config=config.to_dict(),
            counts=counts,
            has_centroids=centroids is not None,
        )
        (gen / "manifest.json").write_text(json.dumps(manifest.to_dict(), indent=1))
        old_gen = self.gen_dir() if self.manifest is not None else None
        part.rename(self.part_dir(nxt))
        gen.rename(self.gen_dir(nxt))
        pointer = self.path / f".tmp-{CURRENT}"
        pointer.write_text(f"gen-{nxt:06d}\n", encoding="utf-8")
        os.replace(pointer, self.path / CURRENT)  # the commit
        self.manifest = manifest
        if old_gen is not None:
            shutil.rmtree(old_gen, ignore_errors=True)
        return manifest
