"""A Spark state keeps the encoder it was made with, as a store does: without
``--encoder`` a run on it uses the state's, whatever the default; a given encoder that
is not the state's is one ``error:`` line before Spark starts. Tiny hand-written states
(a manifest, no tables): nothing here starts a JVM."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from samestory.config import DEFAULT_CONFIG, ENCODERS
from samestory.spark import run_config
from samestory.spark.state import LEGACY_ENCODER, Manifest, StateDir


def _state(path: Path, encoder: str | None) -> Path:
    """A state at generation 1 made with ``encoder`` (None: a state older than
    ``Config.encoder``, whose manifest has no encoder field)."""
    config = DEFAULT_CONFIG.replace(encoder=encoder or LEGACY_ENCODER).to_dict()
    if encoder is None:
        del config["encoder"]
    gen = path / "gen-000001"
    gen.mkdir(parents=True)
    manifest = Manifest(generation=1, parts=[1], next_idx=3, config=config)
    (gen / "manifest.json").write_text(json.dumps(manifest.to_dict()), encoding="utf-8")
    (path / "CURRENT").write_text("gen-000001\n", encoding="utf-8")
    return path


def _other(encoder: str) -> str:
    return next(e for e in ENCODERS if e != encoder)


@pytest.mark.parametrize("encoder", ENCODERS)
def test_a_state_keeps_its_encoder_when_none_is_given(tmp_path: Path, encoder: str) -> None:
    state = _state(tmp_path / "state", encoder)
    assert StateDir(state).encoder == encoder
    config = run_config(None, str(state))
    assert config == DEFAULT_CONFIG.replace(encoder=encoder)
    assert run_config(encoder, str(state)) == config  # given and the same: accepted


@pytest.mark.parametrize("encoder", ENCODERS)
def test_a_given_encoder_that_is_not_the_states_is_refused(tmp_path: Path, encoder: str) -> None:
    state = _state(tmp_path / "state", encoder)
    other = _other(encoder)
    with pytest.raises(ValueError, match=f"encoder='{encoder}' \\(now '{other}'\\)"):
        run_config(other, str(state))


def test_a_state_older_than_the_encoder_field_is_use(tmp_path: Path) -> None:
    """Its vectors are USE's: it reopens as USE under the static default, and static
    given is refused (was: the missing field let any encoder through)."""
    state = _state(tmp_path / "state", None)
    assert StateDir(state).encoder == "use"
    assert run_config(None, str(state)).encoder == "use"
    with pytest.raises(ValueError, match="encoder='use' \\(now 'static'\\)"):
        StateDir(state).check_config(DEFAULT_CONFIG.replace(encoder="static"))


def test_a_new_state_takes_the_given_encoder_or_the_default(tmp_path: Path) -> None:
    new = str(tmp_path / "new")
    assert StateDir(new).encoder is None
    assert run_config(None, new) == DEFAULT_CONFIG
    assert run_config(None, None) == DEFAULT_CONFIG
    for encoder in ENCODERS:
        assert run_config(encoder, new).encoder == encoder
        assert run_config(encoder, None).encoder == encoder


def _spark_cli(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "samestory.cli", "spark", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYSPARK_PYTHON": sys.executable},
    )


def test_samestory_spark_keeps_a_use_state_and_refuses_another_encoder(tmp_path: Path) -> None:
    """Through ``samestory spark`` (a subprocess): ``--encoder static`` on a USE state is
    one error line naming both, before Spark starts; without ``--encoder`` the state's
    encoder passes the check, and the run stops at the next one (``--dedup`` with
    ``--state``: exit 2), still before Spark starts."""
    pytest.importorskip("pyspark")
    state = _state(tmp_path / "state", "use")
    day = tmp_path / "day.jsonl"
    day.write_text(json.dumps({"id": "1", "text": "words"}) + "\n", encoding="utf-8")
    out = tmp_path / "out"
    given = _spark_cli(day, out, "--state", state, "--encoder", "static")
    assert given.returncode == 1, given.stderr
    assert given.stderr.strip().splitlines() == [
        f"error: {state}: the state was made with encoder='use' (now 'static'); use the same"
    ]
    omitted = _spark_cli(day, out, "--state", state, "--dedup")
    assert omitted.returncode == 2, omitted.stderr
    assert omitted.stderr.strip().splitlines() == [
        "error: --dedup cannot be combined with --state yet"
    ]
    assert not out.exists()
    assert StateDir(state).generation == 1
