"""``fit_thread_model.py --encoder``: production's encoder by default, and a cache holds one
encoder's tables (a cache of another encoder's is refused, not fitted on as this one's)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))

import fit_thread_model

from samestory.config import DEFAULT_CONFIG


def test_a_new_cache_is_named_after_its_encoder(tmp_path):
    cache = tmp_path / "cache"
    fit_thread_model.claim_cache(cache, "static")
    assert (cache / fit_thread_model.CACHE_ENCODER_FILE).read_text().strip() == "static"
    fit_thread_model.claim_cache(cache, "static")  # its own encoder again: fine
    with pytest.raises(ValueError, match="static encoder's tables, not use's"):
        fit_thread_model.claim_cache(cache, "use")


def test_a_cache_from_before_the_marker_is_read_as_it_is(tmp_path):
    (tmp_path / "gva_dev.features.pkl").write_bytes(b"")
    fit_thread_model.claim_cache(tmp_path, "use")
    assert not (tmp_path / fit_thread_model.CACHE_ENCODER_FILE).exists()


def test_the_default_encoder_is_productions(tmp_path, capsys):
    # A cache of USE's tables: the default run (production's encoder) must refuse it
    # before building anything.
    fit_thread_model.claim_cache(tmp_path, "use")
    assert DEFAULT_CONFIG.encoder != "use"
    with pytest.raises(SystemExit):
        fit_thread_model.main(["--cache", str(tmp_path), "--dry-run"])
    assert f"not {DEFAULT_CONFIG.encoder}'s" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == [tmp_path / fit_thread_model.CACHE_ENCODER_FILE]
