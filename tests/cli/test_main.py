"""The one-shot commands through Typer's test runner."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from samestory.cli import app

runner = CliRunner()


def test_cluster_json_on_the_seeds_with_workers(seeds_dir: Path):
    result = runner.invoke(app, ["cluster", str(seeds_dir), "--json", "--workers", "2"])
    assert result.exit_code == 0, result.output
    stories = json.loads(result.stdout)["stories"]
    assert sorted(len(s["articles"]) for s in stories) == [2, 3]


def test_negative_workers_is_refused(seeds_dir: Path):
    result = runner.invoke(app, ["cluster", str(seeds_dir), "--workers", "-1"])
    assert result.exit_code == 2


def _seed_records(seed_articles, story_of: dict[str, str], dated: bool = True) -> str:
    """The seeds as JSONL records; ``dated``: with the date each seed file gives
    (``Article.date`` as ``read_paths`` reads it, None where the file has none)."""
    return "\n".join(
        json.dumps(
            {"id": key, "text": a.text, "title": a.title, "story": story_of[key]}
            | ({"date": a.date.isoformat() if a.date else None} if dated else {})
        )
        for key, a in sorted(seed_articles.items())
    )


# Undated, the two seed stories are a knife edge: their average link is 0.393 under USE
# and 0.439 under the default static encoder (threshold 0.4; docs/accuracy.md, known
# limits). With the seed files' dates both encoders keep them apart.
@pytest.mark.parametrize(
    ("dated", "encoder_args"),
    [(True, []), (False, ["--encoder", "use"])],
    ids=["dated-default-encoder", "undated-use"],
)
def test_eval_scores_an_article_file_and_lists_its_errors(
    seed_articles, tmp_path: Path, dated: bool, encoder_args: list[str]
):
    right = {
        "000": "briefing",
        "001": "briefing",
        "002": "briefing",
        "003": "report",
        "004": "report",
    }
    file = tmp_path / "seeds.jsonl"
    file.write_text(_seed_records(seed_articles, right, dated), encoding="utf-8")
    result = runner.invoke(app, ["eval", str(file), "--json", "--quiet", *encoder_args])
    assert result.exit_code == 0, result.output
    scores = json.loads(result.stdout)
    assert scores["ari"] == 1.0 and scores["stories"] == scores["gold_stories"] == 2
    assert scores["errors"] == {"merged": [], "split": []}

    # A wrong gold label shows up as one merge and one split, naming the article.
    file.write_text(
        _seed_records(seed_articles, {**right, "002": "report"}, dated), encoding="utf-8"
    )
    result = runner.invoke(app, ["eval", str(file), "--errors", "--quiet", *encoder_args])
    assert result.exit_code == 0, result.output
    assert "merged: 1 predicted stories" in result.stdout
    assert "briefing (2) + report (1)" in result.stdout
    assert "report: 2 + 1; apart: 002" in result.stdout


def test_eval_skips_bad_lines_with_a_reason_and_scores_the_rest(seed_articles, tmp_path: Path):
    stories = {"000": "b", "001": "b", "002": "b", "003": "r", "004": "r"}
    file = tmp_path / "seeds.jsonl"
    file.write_text(
        _seed_records(seed_articles, stories) + '\n{"id": "005", "story": "x"}\n{broken\n',
        encoding="utf-8",
    )
    result = runner.invoke(app, ["eval", str(file), "--json", "--quiet"])
    assert result.exit_code == 0, result.output
    assert f"skipped {file}:6: no text" in result.stderr
    assert f"skipped {file}:7: invalid JSON" in result.stderr
    scores = json.loads(result.stdout)
    assert [s["source"] for s in scores["skipped"]] == [f"{file}:6", f"{file}:7"]
    assert scores["docs"] == 5 and scores["ari"] == 1.0


@pytest.mark.parametrize("flag", [None, "--verbose", "-v"])
def test_eval_names_skipped_lines_as_cluster_does(tmp_path: Path, flag: str | None) -> None:
    """The first 5 lines of a skip reason named, then one line counting the rest;
    ``--verbose`` names every one (``cluster --verbose``'s option and its lines)."""
    file = tmp_path / "labels.jsonl"
    file.write_text(
        "".join(json.dumps({"id": f"a{n}", "story": "s"}) + "\n" for n in range(8)),
        encoding="utf-8",
    )
    result = runner.invoke(app, ["eval", str(file), "-q", *([flag] if flag else [])])
    assert result.exit_code == 1
    named = [line for line in result.stderr.splitlines() if line.startswith("skipped ")]
    every = [f"skipped {file}:{n}: no text" for n in range(1, 9)]
    if flag:
        assert named == every
    else:
        assert named == [
            *every[:5],
            "skipped … and 3 more: 3 × no text (--verbose or --json lists every one)",
        ]
    assert "no usable records" in result.stderr


def test_eval_of_a_file_with_nothing_usable_fails_clearly(tmp_path: Path):
    file = tmp_path / "empty.jsonl"
    file.write_text("[]\n", encoding="utf-8")
    result = runner.invoke(app, ["eval", str(file)])
    assert result.exit_code == 1
    assert "no usable records" in result.stderr


def test_encoder_option_sets_corpus_and_pair_encoder_alike():
    from samestory.cli.main import Encoder, config_for
    from samestory.config import DEFAULT_CONFIG

    assert config_for(None) == DEFAULT_CONFIG  # not given: the config's per-task defaults
    static = config_for(Encoder.static, workers=1)
    assert (static.encoder, static.for_pairs().encoder, static.workers) == ("static", "static", 1)
