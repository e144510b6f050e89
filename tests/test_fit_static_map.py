"""scripts/fit_static_map.py: the same dev text gives the same map file, --check agrees,
and the static encoder takes the map it wrote.

Run on a small data folder built from the fixtures (a few articles of each kind and two
SemEval-style pairs): a USE forward pass over ~150 sentences, twice.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("sentencepiece")

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))

import fit_static_map
from conftest import ECBPLUS_SUBSET, MEANTIME_SUBSET, read_jsonl

from samestory.static_encoder import MAP_SHAPE, StaticSentenceEncoder


@pytest.fixture(scope="module")
def data(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("data")
    ecb = read_jsonl(ECBPLUS_SUBSET)[:4]
    meantime = read_jsonl(MEANTIME_SUBSET)[:4]
    sets = {"ecbplus_dev.jsonl": ecb, "meantime_dev.jsonl": meantime, "gva_dev.jsonl": ecb[:1]}
    for name, records in sets.items():
        (folder / name).write_text("".join(json.dumps(r) + "\n" for r in records))
    pairs = [
        {"text1": ecb[0]["text"][:500], "text2": meantime[0]["text"][:500], "overall": 4.0},
        {"text1": ecb[1]["text"][:500], "text2": ecb[2]["text"][:500], "lang1": "en"},
    ]
    (folder / fit_static_map.PAIR_FILE).write_text("".join(json.dumps(p) + "\n" for p in pairs))
    return folder


@pytest.mark.slow
def test_the_script_reproduces_its_file(data, tmp_path, capsys):
    out = tmp_path / "static_map.npy"
    args = ["--data", str(data), "--cache", str(tmp_path / "cache"), "--out", str(out)]
    assert fit_static_map.main(args) == 0
    first = out.read_bytes()
    saved = np.load(out)
    assert saved.shape == MAP_SHAPE and saved.dtype == np.float16
    meta = json.loads(out.with_suffix(".json").read_text())
    assert meta["fitted_on"]["sentences"] > 50
    # Refit without the cached USE targets: the same bytes.
    for cached in (tmp_path / "cache").iterdir():
        cached.unlink()
    assert fit_static_map.main(args) == 0
    assert out.read_bytes() == first
    assert fit_static_map.main([*args, "--check"]) == 0
    assert "reproduced" in capsys.readouterr().out
    # A map from other text is not the same file: --check says so.
    np.save(out, (saved.astype(np.float32) * 1.01).astype(np.float16))
    assert fit_static_map.main([*args, "--check"]) == 1
    encoder = StaticSentenceEncoder("lin", affine_map=saved)
    vectors = encoder.encode(["The earthquake destroyed hundreds of houses."])
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
