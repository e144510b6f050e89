"""The REST API: every endpoint, every error status, through FastAPI's TestClient."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from samestory.cli import app as cli_app
from samestory.server import ServerSettings, create_app
from tests.server.conftest import REWRITE_A, REWRITE_B, SEEDS, seed_records


def story_ids(client: TestClient) -> list[str]:
    return [s["id"] for s in client.get("/api/stories", params={"limit": 200}).json()["stories"]]


def test_health_reports_store_size(seeded: TestClient) -> None:
    body = seeded.get("/api/health").json()
    assert body["status"] == "ok"
    assert body["articles"] == 5
    assert body["stories"] == 2
    assert body["version"] >= 5


def test_seeds_posted_make_two_stories_with_the_rewrites_together(seeded: TestClient) -> None:
    stories = seeded.get("/api/stories").json()
    assert stories["total"] == 2
    by_article = {a["id"]: a["story"] for a in _versions(seeded, stories["stories"])}
    assert by_article[REWRITE_A] == by_article[REWRITE_B]
    assert by_article["003_6a6816fadfc50284"] == by_article["004_19bf21a25ff5d78b"]
    assert by_article[REWRITE_A] != by_article["003_6a6816fadfc50284"]


def _versions(client: TestClient, stories: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [v for s in stories for v in client.get(f"/api/stories/{s['id']}").json()["versions"]]


def test_post_reports_story_and_closest_relation(fresh: TestClient) -> None:
    records = seed_records()
    first = fresh.post("/api/articles", json=records[1])  # one object, not a list
    assert first.status_code == 200
    [result] = first.json()["articles"]
    assert result["status"] == "added" and result["closest"] is None
    versions = fresh.get(f"/api/stories/{result['story']}").json()["versions"]
    assert [v["id"] for v in versions] == [REWRITE_A]
    second = fresh.post("/api/articles", json=[records[2]]).json()["articles"][0]
    assert second["story"] == result["story"]
    versions = fresh.get(f"/api/stories/{result['story']}").json()["versions"]  # not cached
    assert {v["id"] for v in versions} == {REWRITE_A, REWRITE_B}
    assert second["closest"]["id"] == REWRITE_A
    assert second["closest"]["kind"] == "rewrite"
    again = fresh.post("/api/articles", json=records[2]).json()["articles"][0]
    assert again["status"] == "unchanged" and again["story"] == result["story"]
    repost = fresh.post("/api/articles", json={**records[2], "id": "repost-of-002"}).json()
    copy = repost["articles"][0]
    assert copy["status"] == "added" and copy["story"] == result["story"]
    assert copy["copy_of"] == REWRITE_B and copy["closest"]["kind"] == "exact"
    edited = {**records[2], "text": "Updated at noon with new figures. " + records[2]["text"]}
    revised = fresh.post("/api/articles", json=edited).json()["articles"][0]
    assert revised["status"] == "revised" and revised["stored_as"] == f"{REWRITE_B}~rev2"


def test_bad_records_get_422_naming_index_and_field_and_the_rest_are_added(
    fresh: TestClient,
) -> None:
    good = seed_records()[0]
    response = fresh.post(
        "/api/articles",
        json=[{"id": "x", "title": "no text"}, good, {"id": "y", "text": "t", "date": 5}, 7],
    )
    assert response.status_code == 422
    body = response.json()
    assert [(e["index"], e["field"]) for e in body["errors"]] == [
        (0, "text"),
        (2, "date"),
        (3, None),
    ]
    assert "record 0 field text" in body["error"]
    assert [a["id"] for a in body["articles"]] == [good["id"]]
    assert fresh.get(f"/api/articles/{good['id']}").status_code == 200
    assert fresh.get("/api/articles/x").status_code == 404


def test_invalid_json_is_422_json(fresh: TestClient) -> None:
    response = fresh.post(
        "/api/articles", content=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 422
    assert response.json()["status"] == 422


def test_record_without_id_gets_a_stable_one(fresh: TestClient) -> None:
    text = "A storm hit the coast of Portugal on Monday, closing ports and schools."
    first = fresh.post("/api/articles", json={"text": text}).json()["articles"][0]
    assert first["id"].startswith("api-")
    again = fresh.post("/api/articles", json={"text": text}).json()["articles"][0]
    assert again["id"] == first["id"] and again["status"] == "unchanged"


def test_body_over_the_limit_is_413(tmp_path: Path) -> None:
    app = create_app(tmp_path / "small.db", settings=ServerSettings(max_body_bytes=2_000))
    with TestClient(app) as client:
        response = client.post("/api/articles", json={"text": "word " * 1_000})
        assert response.status_code == 413
        assert "limit" in response.json()["error"]

        def chunks() -> Any:  # no Content-Length: counted as it streams
            for _ in range(10):
                yield b" " * 500

        streamed = client.post(
            "/api/articles", content=chunks(), headers={"Content-Type": "application/json"}
        )
        assert streamed.status_code == 413


def test_too_many_records_is_413(tmp_path: Path) -> None:
    app = create_app(tmp_path / "few.db", settings=ServerSettings(max_records=2))
    with TestClient(app) as client:
        response = client.post("/api/articles", json=[{"text": f"text {n}"} for n in range(3)])
        assert response.status_code == 413


def test_stories_are_paged_newest_activity_first(seeded: TestClient) -> None:
    everything = seeded.get("/api/stories").json()["stories"]
    updated = [s["updated"] for s in everything]
    assert updated == sorted(updated, reverse=True)
    page = seeded.get("/api/stories", params={"limit": 1, "offset": 1}).json()
    assert page["total"] == 2 and [s["id"] for s in page["stories"]] == [everything[1]["id"]]
    assert seeded.get("/api/stories", params={"offset": 5}).json()["stories"] == []
    row = next(s for s in everything if s["size"] == 3)
    assert row["first_date"] == "2025-10-23"
    assert row["languages"] == ["en"]  # detected: the seeds state no language


def test_stories_search_titles_and_texts(seeded: TestClient) -> None:
    hits = seeded.get("/api/stories", params={"q": "Budapest"}).json()
    assert hits["total"] == 1 and hits["stories"][0]["size"] == 3
    assert seeded.get("/api/stories", params={"q": "zzzunheardof"}).json()["total"] == 0
    # LIKE wildcards in the query are literal characters
    assert seeded.get("/api/stories", params={"q": "Budapes%"}).json()["total"] == 0


def test_stories_since(seeded: TestClient) -> None:
    assert seeded.get("/api/stories", params={"since": "2000-01-01"}).json()["total"] == 2
    assert seeded.get("/api/stories", params={"since": "2999-01-01T00:00:00Z"}).json()["total"] == 0
    assert seeded.get("/api/stories", params={"since": "yesterday"}).status_code == 422


@pytest.mark.parametrize("params", [{"limit": 0}, {"limit": 10_000}, {"offset": -1}])
def test_bad_paging_is_422(seeded: TestClient, params: dict[str, int]) -> None:
    response = seeded.get("/api/stories", params=params)
    assert response.status_code == 422
    assert response.json()["errors"]


def test_story_has_versions_relations_evidence_derivations(seeded: TestClient) -> None:
    sid = next(s["id"] for s in seeded.get("/api/stories").json()["stories"] if s["size"] == 3)
    story = seeded.get(f"/api/stories/{sid}").json()
    versions = story["versions"]
    assert {v["id"] for v in versions} >= {REWRITE_A, REWRITE_B}
    assert set(versions[0]) >= {"id", "title", "source", "url", "date", "lang"}
    dates = [v["date"] for v in versions if v["date"]]
    assert dates == sorted(dates)
    assert story["first"] in {v["id"] for v in versions}
    rewrite = next(r for r in story["relations"] if {r["a"], r["b"]} == {REWRITE_A, REWRITE_B})
    assert rewrite["kind"] == "rewrite"
    assert rewrite["evidence"]["aligned"] and "scores" in rewrite["evidence"]
    assert any({d["source"], d["copy"]} == {REWRITE_A, REWRITE_B} for d in story["derivations"])


def test_missing_story_and_article_are_404_json(seeded: TestClient) -> None:
    for url in ("/api/stories/s-000000000000", "/api/articles/nope", "/api/nothing-here"):
        response = seeded.get(url)
        assert response.status_code == 404
        assert response.json()["status"] == 404


def test_article_ids_never_reach_a_file_path(seeded: TestClient) -> None:
    for hostile in ("../../etc/passwd", "..%2F..%2Fetc%2Fpasswd", "/etc/passwd"):
        response = seeded.get(f"/api/articles/{hostile}")
        assert response.status_code == 404
        assert "root:" not in response.text


def test_article_has_text_and_story(seeded: TestClient) -> None:
    article = seeded.get(f"/api/articles/{REWRITE_A}").json()
    assert article["id"] == REWRITE_A and "Putin" in article["text"]
    assert article["story"].startswith("s-")
    assert article["revisions"] == [REWRITE_A] and article["copy_of"] is None


def test_compare_stored_equals_cli_compare_json(seeded: TestClient) -> None:
    served = seeded.get("/api/compare", params={"a": REWRITE_A, "b": REWRITE_B})
    assert served.status_code == 200
    files = sorted(SEEDS.glob("00[12]_*.txt"))
    cli = CliRunner().invoke(cli_app, ["compare", str(files[0]), str(files[1]), "--json"])
    assert cli.exit_code == 0, cli.output
    expected = json.loads(cli.stdout)
    got = served.json()
    assert got["relation"]["kind"] == expected["relation"]["kind"] == "rewrite"
    assert got["diff"]["summary"] == expected["diff"]["summary"]
    assert ["Trump", "Triumph"] in [c for p in got["diff"]["pairs"] for c in p["changed_names"]]


def test_compare_missing_ids_are_404_and_missing_params_422(seeded: TestClient) -> None:
    assert seeded.get("/api/compare", params={"a": REWRITE_A, "b": "nope"}).status_code == 404
    assert seeded.get("/api/compare", params={"a": REWRITE_A}).status_code == 422


def test_compare_two_posted_texts(seeded: TestClient) -> None:
    a = seeded.get(f"/api/articles/{REWRITE_A}").json()
    b = seeded.get(f"/api/articles/{REWRITE_B}").json()
    response = seeded.post("/api/compare", json={"a": a["text"], "b": {"text": b["text"]}})
    assert response.status_code == 200
    assert response.json()["relation"]["kind"] == "rewrite"
    assert response.json()["diff"]["a_id"] == "a"
    assert seeded.post("/api/compare", json={"a": "only one"}).status_code == 422
    assert seeded.post("/api/compare", json={"a": "x", "b": {"title": "t"}}).status_code == 422


def test_token_guards_writes_only(tmp_path: Path) -> None:
    with TestClient(create_app(tmp_path / "guarded.db", token="s3cret")) as client:
        record = seed_records()[0]
        assert client.post("/api/articles", json=record).status_code == 403
        wrong = {"X-Samestory-Token": "nope"}
        assert client.post("/api/articles", json=record, headers=wrong).status_code == 403
        ok = client.post("/api/articles", json=record, headers={"X-Samestory-Token": "s3cret"})
        assert ok.status_code == 200
        bearer = client.post(
            "/api/articles", json=seed_records()[1], headers={"Authorization": "Bearer s3cret"}
        )
        assert bearer.status_code == 200
        assert client.get("/api/stories").status_code == 200
        assert client.post("/add", data={"text": "A text."}).status_code == 403


def test_writes_wait_for_another_process_then_503(tmp_path: Path) -> None:
    db = tmp_path / "locked.db"
    app = create_app(db, settings=ServerSettings(lock_wait=0.5))
    with TestClient(app) as client:
        other = sqlite3.connect(db, isolation_level=None, timeout=0)
        other.execute("BEGIN IMMEDIATE")  # another writer (say `samestory add`) holds the lock
        try:
            response = client.post("/api/articles", json=seed_records()[0])
            assert response.status_code == 503
            assert "locked" in response.json()["error"]
            assert response.headers["Retry-After"]
        finally:
            other.execute("ROLLBACK")
            other.close()
        assert client.post("/api/articles", json=seed_records()[0]).status_code == 200


def test_cli_add_on_the_same_store_while_serving(fresh: TestClient, tmp_path: Path) -> None:
    records = seed_records()
    fresh.post("/api/articles", json=records[1])
    db = Path(fresh.app.state.services.writer.db_path)
    added = CliRunner().invoke(
        cli_app, ["add", str(sorted(SEEDS.glob("002_*"))[0]), "--db", str(db)]
    )
    assert added.exit_code == 0, added.output
    before = fresh.get("/api/changes").json()["version"]
    assert fresh.get("/api/health").json()["articles"] == 2
    story = fresh.get(f"/api/articles/{REWRITE_B}").json()["story"]
    assert story == fresh.get(f"/api/articles/{REWRITE_A}").json()["story"]
    # The server's writer sees what the other process added: a repost of it is a copy.
    repost = fresh.post("/api/articles", json={**records[2], "id": "repost"}).json()
    assert repost["articles"][0]["copy_of"] == REWRITE_B
    assert fresh.get("/api/changes").json()["version"] > before


def test_serve_refuses_a_public_host_without_a_token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SAMESTORY_TOKEN", raising=False)
    result = CliRunner().invoke(cli_app, ["serve", "--host", "0.0.0.0", "--db", "unused.db"])
    assert result.exit_code == 2
    assert "token" in result.output
    assert not Path("unused.db").exists()


def test_stories_carry_their_thread_and_a_thread_lists_its_stories(fresh: TestClient) -> None:
    from tests.test_threads import ARREST, OTHER, SHOOTING

    posted = fresh.post("/api/articles", json=[a.to_dict() for a in (SHOOTING, OTHER, ARREST)])
    assert posted.status_code == 200, posted.text
    story_of = {r["id"]: r["story"] for r in posted.json()["articles"]}
    listed = {s["id"]: s["thread"] for s in fresh.get("/api/stories").json()["stories"]}
    assert listed[story_of["shooting"]] == listed[story_of["arrest"]]
    assert listed[story_of["other"]] != listed[story_of["arrest"]]
    story = fresh.get(f"/api/stories/{story_of['arrest']}").json()
    assert story["thread"] == listed[story_of["arrest"]]
    assert [s["id"] for s in story["thread_stories"]] == [story_of["shooting"], story_of["arrest"]]
    assert [r["kind"] for r in story["follow_ups"]] == ["follow_up"]
    thread = fresh.get(f"/api/threads/{story['thread']}").json()
    assert [s["id"] for s in thread["stories"]] == [story_of["shooting"], story_of["arrest"]]
    assert fresh.get("/api/threads/t-000000000000").status_code == 404
