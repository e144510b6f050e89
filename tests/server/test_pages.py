"""The web pages, rendered by the server (TestClient): content, escaping, the add form."""

from __future__ import annotations

import re
from pathlib import Path

from fastapi.testclient import TestClient

from samestory.config import DEFAULT_CONFIG
from samestory.server.records import read_uploads, safe_name
from tests.server.conftest import REWRITE_A, REWRITE_B, SEEDS

HTML = {"Accept": "text/html"}
# One version in a story page's timeline: its id, its title link's class and text.
TIMELINE_ENTRY = re.compile(
    r'data-article="([^"]+)">.*?<a class="([^"]+)" href="[^"]*">([^<]*)</a>', re.S
)
SCRIPT_TITLE = "<script>alert(1)</script>"


def test_stories_page_lists_both_stories(seeded: TestClient) -> None:
    page = seeded.get("/")
    assert page.status_code == 200
    assert page.text.count('class="story-row"') == 2
    assert seeded.get("/", params={"q": "Budapest"}).text.count('class="story-row"') == 1


def test_story_page_shows_timeline_tree_and_evidence(seeded: TestClient) -> None:
    story = seeded.get(f"/api/articles/{REWRITE_A}").json()["story"]
    page = seeded.get(f"/stories/{story}").text
    assert page.count('class="version') == 3
    assert 'class="tree"' in page and "<details" in page
    assert "rewrite" in page
    assert f"b={REWRITE_B}" in page or f"a={REWRITE_B}" in page


# One row of a story page's relations table: from, to (each a version's label linked,
# then its id) and score.
_VERSION_CELL = (
    r'<td><a href="/articles/[^"]+">[^<]*</a><div class="muted small">([^<]+)</div></td>'
)
RELATION_ROW = re.compile(
    rf'<tr class="relation">{_VERSION_CELL}{_VERSION_CELL}.*?<td class="num">([0-9.]+)</td>', re.S
)


def test_story_page_lists_the_strongest_relations_and_links_to_all(
    seeded: TestClient, monkeypatch
) -> None:
    """A 23-version ECB+ story listed all its 250 relations: the page lists the
    RELATIONS_SHOWN strongest (here 2 of the 3-version story's 3), as `show` does, and
    "show all 3 relations" opens the page that lists every one."""
    from samestory.server import web

    monkeypatch.setattr(web, "RELATIONS_SHOWN", 2)
    story = seeded.get(f"/api/articles/{REWRITE_A}").json()["story"]
    stored = seeded.get(f"/api/stories/{story}").json()["relations"]
    assert len(stored) == 3
    ranked = sorted(stored, key=lambda r: -r["score"])
    expected = [(r["a"], r["b"], f"{r['score']:.2f}") for r in ranked]
    page = seeded.get(f"/stories/{story}").text
    assert RELATION_ROW.findall(page) == expected[:2]
    assert "The 2 strongest of 3, highest score first." in page
    link = f'href="/stories/{story}?relations=all#relations">show all 3 relations</a>'
    assert link in page
    every = seeded.get(f"/stories/{story}", params={"relations": "all"}).text
    assert RELATION_ROW.findall(every) == expected
    assert "All 3, highest score first." in every and "show all" not in every
    monkeypatch.undo()  # the default cap (30) is above this story's 3: no link
    assert "show all" not in seeded.get(f"/stories/{story}").text


def test_compare_page_highlights_the_name_change(seeded: TestClient) -> None:
    page = seeded.get("/compare", params={"a": REWRITE_A, "b": REWRITE_B}).text
    assert '<span class="ins name-change">Triumph</span>' in page
    assert '<span class="old">Trump</span> → <span class="new">Triumph</span>' in page
    assert 'class="row-only_b"' in page


def test_compare_page_says_which_side_a_one_sided_name_or_number_is_on(
    fresh: TestClient,
) -> None:
    """A name only A's sentence has read "John → ," (an arrow to nothing)."""
    a = (
        "Police chief John Smith said the Old Harbour bridge in Riverton will close on Monday "
        "for twelve weeks of repairs. Drivers should use the northern road instead, the "
        "council said."
    )
    b = a.replace("Police chief John Smith", "The police chief").replace("twelve", "14")
    posted = fresh.post("/api/articles", json=[{"id": "a", "text": a}, {"id": "b", "text": b}])
    assert posted.status_code == 200, posted.text
    pairs = fresh.get("/api/compare", params={"a": "a", "b": "b"}).json()["diff"]["pairs"]
    dropped = [old for pair in pairs for old, new in pair["changed_names"] if not new]
    added = [new for pair in pairs for old, new in pair["changed_numbers"] if not old]
    assert dropped and added  # what the page is asked to show
    page = fresh.get("/compare", params={"a": "a", "b": "b"}).text
    changes = page[page.index('<div class="changes">') : page.index('<p class="legend')]
    assert '→ <span class="new"></span>' not in changes
    assert '<span class="old"></span> →' not in changes
    side = '<span class="muted small">(only in {})</span>'
    for name in dropped:
        assert f'<span class="old">{name}</span> {side.format("A")}' in changes
    for number in added:
        assert f'<span class="new">{number}</span> {side.format("B")}' in changes


def test_a_thread_s_follow_up_evidence_names_the_versions_it_links(fresh: TestClient) -> None:
    """The thread's evidence toggles all read "evidence · follow-up · score 0.35"; then
    they named the two ids (a followed article's id is its URL): now their titles."""
    from tests.test_threads import ARREST, OTHER, SHOOTING

    posted = fresh.post("/api/articles", json=[x.to_dict() for x in (SHOOTING, OTHER, ARREST)])
    assert posted.status_code == 200, posted.text
    story_of = {r["id"]: r["story"] for r in posted.json()["articles"]}
    story = fresh.get(f"/api/stories/{story_of['arrest']}").json()
    assert story["follow_ups"]
    page = fresh.get(f"/stories/{story_of['arrest']}").text
    title = {a.id: a.title for a in (SHOOTING, OTHER, ARREST)}
    for relation in story["follow_ups"]:
        between = f"{title[relation['a']]} → {title[relation['b']]}"
        # Its thread probability, not its story score alone (low by design: it read as
        # a weak link, "score 0.09", where the thread model said 0.94).
        thread, score = relation["evidence"]["scores"]["thread"], relation["score"]
        said = f"same incident {thread:.2f} (story score {score:.2f})"
        assert f"follow-up · {between} · {said}</summary>" in page


def test_an_untitled_version_is_shown_by_its_first_sentence_not_its_id_twice(
    fresh: TestClient,
) -> None:
    long_tail = " ".join(["and the fire brigade came"] * 8)
    records = [
        {"id": "ecb-1", "text": "Fire hits Wasilla Bible Church. The blaze began at night."},
        {"id": "ecb-2", "text": f"A fire hit the Wasilla Bible Church {long_tail}. It was arson."},
        {"id": "titled", "title": "Church fire in Wasilla", "text": "A fire hit a church."},
    ]
    posted = fresh.post("/api/articles", json=records)
    assert posted.status_code == 200, posted.text
    shown: dict[str, str] = {}  # article id -> what its timeline entry reads
    for story in {row["story"] for row in posted.json()["articles"]}:
        page = fresh.get(f"/stories/{story}").text
        timeline = page[page.index('<ol class="timeline">') : page.index("</ol>")]
        for article, css, label in TIMELINE_ENTRY.findall(timeline):
            shown[article] = f"{css}|{label}"
    assert shown["ecb-1"] == "title untitled|Fire hits Wasilla Bible Church."
    css, label = shown["ecb-2"].split("|")
    assert css == "title untitled" and label.endswith("…") and len(label) <= 100
    assert label.startswith("A fire hit the Wasilla Bible Church and the fire brigade")
    assert shown["titled"] == "title|Church fire in Wasilla"
    # The API's versions keep their stored title (null), as documented.
    story = posted.json()["articles"][0]["story"]
    assert fresh.get(f"/api/stories/{story}").json()["versions"][0]["title"] is None


def test_compare_page_of_a_missing_article_is_an_html_404(seeded: TestClient) -> None:
    response = seeded.get("/compare", params={"a": REWRITE_A, "b": "nope"}, headers=HTML)
    assert response.status_code == 404
    assert "<h1>404</h1>" in response.text


def test_titles_and_texts_are_escaped(fresh: TestClient) -> None:
    text = "Officials said <b>nothing</b> about the <img src=x onerror=alert(2)> report today."
    posted = fresh.post("/api/articles", json={"id": "x1", "title": SCRIPT_TITLE, "text": text})
    story = posted.json()["articles"][0]["story"]
    for url in ("/", f"/stories/{story}", "/articles/x1"):
        page = fresh.get(url).text
        assert SCRIPT_TITLE not in page and "<img src=x" not in page
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_javascript_urls_are_not_links(fresh: TestClient) -> None:
    fresh.post(
        "/api/articles",
        json={"id": "j1", "text": "A plain short text about a harbour.", "url": "javascript:x()"},
    )
    assert "javascript:" not in fresh.get("/articles/j1").text


def test_add_form_takes_pasted_text_and_files(fresh: TestClient) -> None:
    files = [
        ("files", (path.name, path.read_bytes(), "text/plain"))
        for path in sorted(SEEDS.glob("*.txt"))
    ]
    response = fresh.post("/add", files=files)
    assert response.status_code == 200
    assert response.text.count('class="result"') == 5
    pasted = fresh.post("/add", data={"title": "Harbour closed", "text": "The harbour closed."})
    assert pasted.status_code == 200 and "Harbour closed" in pasted.text
    assert fresh.get("/api/health").json()["articles"] == 6
    empty = fresh.post("/add", data={"text": "  "})
    assert empty.status_code == 422 and "nothing to add" in empty.text


def test_upload_names_never_leave_their_folder(tmp_path: Path) -> None:
    assert safe_name("../../etc/passwd", 1) == "passwd"
    assert safe_name("..\\..\\x.txt", 1) == "x.txt"
    assert safe_name(".hidden", 1) == "hidden"
    assert safe_name(None, 3) == "upload-3.txt"
    articles, skipped = read_uploads(
        [("../../evil.txt", b"Evil Title\n\nA body of text.")], DEFAULT_CONFIG
    )
    assert [a.id for a in articles] == ["evil"] and not skipped
    assert articles[0].origin == "upload:evil.txt"
    assert not (tmp_path.parent / "evil.txt").exists()


def test_static_assets_are_shipped(seeded: TestClient) -> None:
    for asset in ("/static/style.css", "/static/live.js", "/static/favicon.svg"):
        assert seeded.get(asset).status_code == 200


def test_api_reference_page_needs_nothing_from_outside(seeded: TestClient) -> None:
    page = seeded.get("/docs")
    assert page.status_code == 200
    assert "/api/stories/{story_id}" in page.text and "POST" in page.text
    assert "cdn" not in page.text.lower() and "https://" not in page.text
    assert seeded.get("/openapi.json").json()["paths"]["/api/articles"]["post"]


def test_api_reference_describes_every_parameter_and_shows_code_as_code(
    seeded: TestClient,
) -> None:
    """Path ids, `a`/`b`, `limit`/`offset` had an empty description column, and
    descriptions showed their backticks (``serve --follow``)."""
    spec = seeded.get("/openapi.json").json()
    undescribed = [
        f"{method.upper()} {path} {p['name']}"
        for path, methods in spec["paths"].items()
        for method, op in methods.items()
        for p in op.get("parameters", [])
        if not p.get("description")
    ]
    assert not undescribed
    page = seeded.get("/docs").text
    assert "`" not in page.split("<h1>", 1)[1]
    assert "<code>serve --follow</code>" in page
    assert "<code>samestory sources --json</code>" in page


def test_provenance_tree_roots_relate_to_the_first_version() -> None:
    from samestory.server.web import provenance_tree

    def rel(a: str, b: str, kind: str, score: float) -> dict[str, object]:
        return {"a": a, "b": b, "kind": kind, "display_kind": kind, "score": score}

    detail = {
        "first": "f",
        "versions": [{"id": "f"}, {"id": "src"}, {"id": "copy"}],
        "relations": [rel("f", "src", "same_event", 0.9), rel("src", "copy", "rewrite", 0.99)],
        "derivations": [{"source": "src", "copy": "copy", "kind": "rewrite"}],
    }
    roots = provenance_tree(detail)
    assert [(n["id"], n["how"]) for n in roots] == [("f", "first"), ("src", "same_event")]
    assert roots[1]["relation"]["b"] == "src"  # its evidence is against the first version
    assert [(c["id"], c["how"]) for c in roots[1]["children"]] == [("copy", "rewrite")]


def test_relations_name_each_version_by_its_label_then_its_id(seeded: TestClient) -> None:
    """A followed article's id is its URL: rows of two URLs said nothing to a reader."""
    story = seeded.get(f"/api/articles/{REWRITE_A}").json()["story"]
    title = seeded.get(f"/api/articles/{REWRITE_A}").json()["title"]
    page = seeded.get(f"/stories/{story}").text
    cell = f'<a href="/articles/{REWRITE_A}">{title}</a><div class="muted small">{REWRITE_A}</div>'
    assert cell in page
    first = seeded.get(f"/api/stories/{story}").json()["first"]
    label = seeded.get(f"/api/articles/{first}").json()["title"]
    assert f'first version <a href="/articles/{first}">{label[:40]}' in page  # cut at 80


def test_counts_are_singular_for_one(fresh: TestClient) -> None:
    fresh.post("/api/articles", json={"id": "one", "text": "A storm hit the coast on Monday."})
    assert "1 story, 1 article ·" in fresh.get("/").text


def _log_story(client: TestClient, gone: str, article_id: str) -> None:
    """Write what a merge leaves in the change log: ``article_id`` was once in ``gone``,
    a story no longer stored (the store logs an article added to a story, then moved)."""
    import sqlite3

    db = client.app.state.services.reader.db_path
    with sqlite3.connect(db) as conn:
        conn.execute(
            "INSERT INTO changes (at, kind, article_id, story_id) VALUES "
            "('2026-12-06T00:00:00+00:00', 'added', ?, ?), "
            "('2026-12-06T00:00:00+00:00', 'removed', NULL, ?)",
            (article_id, gone, gone),
        )


def test_a_merged_story_redirects_to_the_one_holding_its_versions(fresh: TestClient) -> None:
    """A reader following a story live whose story a later add merged into another got a
    404 (the page's refresh failed silently): the page now goes on to the other story."""
    from tests.server.conftest import seed_records

    fresh.post("/api/articles", json=seed_records())
    story = fresh.get(f"/api/articles/{REWRITE_A}").json()["story"]
    _log_story(fresh, "s-000000000gone", REWRITE_A)
    page = fresh.get("/stories/s-000000000gone", headers=HTML, follow_redirects=False)
    assert page.status_code == 307
    assert page.headers["location"] == f"/stories/{story}?merged_from=s-000000000gone"
    shown = fresh.get("/stories/s-000000000gone", headers=HTML)
    assert shown.status_code == 200
    assert "Story s-000000000gone was merged into this one" in shown.text
    api = fresh.get("/api/stories/s-000000000gone")
    assert api.status_code == 404
    assert api.json()["error"] == f"no story s-000000000gone: a later add merged it into {story}"
    never = fresh.get("/stories/s-000000000new", headers=HTML, follow_redirects=False)
    assert never.status_code == 404 and "no story s-000000000new" in never.text
    assert "merged" not in fresh.get(f"/stories/{story}?merged_from=x", headers=HTML).text


def test_compare_says_what_the_store_holds_beside_its_own_verdict(seeded: TestClient) -> None:
    """The story page scored a pair 0.95 and its compare link said "story score 1.00"
    (the pair judged on its own, by the pair encoder): two verdicts, unexplained."""
    story = seeded.get(f"/api/articles/{REWRITE_A}").json()["story"]
    stored = seeded.get(f"/api/stories/{story}").json()["relations"]
    pair = next(r for r in stored if {r["a"], r["b"]} == {REWRITE_A, REWRITE_B})
    page = seeded.get("/compare", params={"a": REWRITE_A, "b": REWRITE_B}).text
    said = f'In the store: rewrite, score {pair["score"]:.2f}, in <a href="/stories/{story}">'
    assert said in page
    other = next(s["id"] for s in seeded.get("/api/stories").json()["stories"] if s["id"] != story)
    apart = seeded.get("/api/stories/" + other).json()["versions"][0]["id"]
    assert "In the store" not in seeded.get("/compare", params={"a": REWRITE_A, "b": apart}).text


def test_compare_of_two_versions_grouped_through_others_says_so(
    seeded: TestClient, monkeypatch
) -> None:
    """A story's "compare with first version" link for a version that joined through the
    story's others: the store holds no relation between the two (its words, not none)."""
    from samestory.server.queries import Reader

    monkeypatch.setattr(Reader, "stored_pair", lambda self, a, b: ("s-0123456789ab", None))
    page = seeded.get("/compare", params={"a": REWRITE_A, "b": REWRITE_B}).text
    assert 'In the store both are in <a href="/stories/s-0123456789ab">' in page
    assert "it holds no relation between these two" in page
