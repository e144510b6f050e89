"""Rule AS in the store (``switches.PUBLISHED_YEAR_CUT``): an add's best story and the
re-clustering read the scores without the published-date cut as the batch's attach step
does, so with the switch on the store gives the batch's stories; a store scored with it
off scores its far pairs again on ``samestory upgrade`` when it flips."""

from __future__ import annotations

import datetime as dt
import random
import sqlite3
from pathlib import Path

import pytest
from conftest import Partition, read_jsonl, shared_data, stories_partition

from samestory import stories, switches
from samestory.api import cluster
from samestory.evaluate import record_to_article
from samestory.evaluate.short_variants import make_short_variants
from samestory.models import Article
from samestory.relate import relate_against
from samestory.relate.scoring import PUBLISHED_SHORT_CUT_DAYS, uncut_score
from samestory.store import Store, scoring
from samestory.store.reading import parse_date, relation_of
from samestory.store.regroup import Regrouping

# GVA dev headlines (the headline short form, benchmarks/gva_short_trace.py): the first is
# a lone short text rule AS keeps from the story it joins without it (the next two or
# four, within a year of it), its best target without the cut being the last two's story
# (more than a year away). Rule AS keeps it alone in the batch; the store before it had
# the stay step did not (each case failed there, in every arrival order).
ITASCA = [
    (
        "Itasca County teen charged in friend's shooting death",
        dt.date(2016, 2, 1),
        "brainerddispatch.com",
    ),
    (
        "Teen Accidentally Shot and Killed in Itasca County",
        dt.date(2015, 11, 30),
        "fox21online.com",
    ),
    (
        "Apparent accidental shooting in Itasca County kills high school pal, football teammate",
        dt.date(2015, 12, 1),
        "startribune.com",
    ),
    (
        "Suspect In Custody In Shooting Death Of Florida City Teen",
        dt.date(2014, 8, 4),
        "miami.cbslocal.com",
    ),
    ("Teen Charged In Deadly Florida City Shooting", dt.date(2014, 8, 5), "miami.cbslocal.com"),
]
BOY = [
    (
        "Police arrest man in connection with fatal shooting of 5-year-old",
        dt.date(2014, 11, 22),
        "wlwt.com",
    ),
    ("5-year-old boy killed in drive-by on Cleveland’s east side", dt.date(2015, 9, 4), "fox8.com"),
    (
        "Cleveland Police: Suspect arrested in connection with shooting death of 5-year-old",
        dt.date(2015, 9, 4),
        "newsnet5.com",
    ),
    (
        "Sheriff: 5-year-old shot by brother expected to make full recovery",
        dt.date(2015, 9, 4),
        "wjtv.com",
    ),
    (
        "Mother charged in 5-year-old boy's shooting death - KCTV5",
        dt.date(2015, 9, 5),
        "kctv5.com",
    ),
    (
        "2nd suspect in shooting death of 5-year-old arrested, police say",
        dt.date(2016, 1, 29),
        "channel3000.com",
    ),
    (
        "Court document: Shooting that killed 5-year-old was gang retaliation",
        dt.date(2016, 2, 2),
        "channel3000.com",
    ),
]
CASES = {"itasca": ITASCA, "boy": BOY}


def articles(case: str) -> list[Article]:
    """The case's headlines as articles, all dated."""
    return [
        Article(id=f"{case}{k}", text=text, date=date, source=source, lang="en")
        for k, (text, date, source) in enumerate(CASES[case])
    ]


def added(db: Path, arrival: list[Article]) -> Partition:
    """The stories of a new store the articles were added to one at a time."""
    with Store(db) as store:
        for article in arrival:
            store.add([article])
        return store_stories(store, arrival)


def store_stories(store: Store, arrival: list[Article]) -> Partition:
    groups: dict[str, set[str]] = {}
    for article in arrival:
        groups.setdefault(store.story_of(article.id), set()).add(article.id)
    return frozenset(frozenset(g) for g in groups.values())


def in_orders(case: str) -> list[list[Article]]:
    """The articles in file order, reversed, and two shuffles."""
    given = articles(case)
    shuffles = [random.Random(seed).sample(given, len(given)) for seed in (0, 1)]
    return [given, given[::-1], *shuffles]


@pytest.mark.parametrize("case", sorted(CASES))
def test_with_rule_as_on_the_store_gives_the_batch_stories(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, case: str
) -> None:
    # Each half sets the switch (whatever its default): on, then off.
    monkeypatch.setattr(switches, "PUBLISHED_YEAR_CUT", True)
    batch_on = stories_partition(cluster(articles(case)))
    stored_on = [added(tmp_path / f"on{k}.db", a) for k, a in enumerate(in_orders(case))]
    monkeypatch.setattr(switches, "PUBLISHED_YEAR_CUT", False)
    batch_off = stories_partition(cluster(articles(case)))
    lone = frozenset({f"{case}0"})
    assert lone in batch_on and lone not in batch_off  # the rule keeps it alone
    assert all(stored == batch_on for stored in stored_on)
    for k, arrival in enumerate(in_orders(case)):  # off: as before
        assert added(tmp_path / f"off{k}.db", arrival) == batch_off


def _attach_lone(
    members: dict[str, list[str]], cut: dict[str, float], uncut: dict[str, float] | None
) -> str | None:
    """The story the batch's attach step moves a new lone item into, its rows ``cut`` and
    (rule AS, the item short) ``uncut`` to the stories' ``members``."""
    names = sorted(members)
    index = {a: k for k, a in enumerate(a for s in names for a in members[s])}
    new = len(index)
    grouped = [[index[a] for a in members[s]] for s in names] + [[new]]

    def rows(scores: dict[str, float]) -> dict[int, dict[int, float]]:
        out: dict[int, dict[int, float]] = {k: {} for k in range(new + 1)}
        for a, s in scores.items():
            out[new][index[a]] = out[index[a]][new] = s
        return out

    short = [False] * new + [True]
    stay = None if uncut is None else stories.StayRows(rows(uncut), short)
    moved = stories.attach_splinters(grouped, rows(cut), 0.2, lone_attach=True, stay=stay)
    target = next(g for g in moved if new in g)
    if len(target) == 1:
        return None
    return names[grouped.index([k for k in target if k != new])]


def test_best_story_leaves_a_short_article_alone_when_the_cut_took_its_best_story() -> None:
    story_of = {"a0": "S1", "a1": "S1", "a3": "S2", "a4": "S2"}
    sizes = {"S1": 2, "S2": 2}
    cut = {"a0": 0.25, "a1": 0.25, "a3": 0.05}
    uncut = {**cut, "a3": 0.6}
    assert stories.best_story(cut, story_of, sizes, 0.4, 0.2) == "S1"
    assert stories.best_story(cut, story_of, sizes, 0.4, 0.2, uncut) is None
    # Its best story without the cut is the one it joins, or nothing was cut: it joins.
    assert stories.best_story(cut, story_of, sizes, 0.4, 0.2, {**cut, "a0": 0.6}) == "S1"
    assert stories.best_story(cut, story_of, sizes, 0.4, 0.2, cut) == "S1"
    # Joined at the story bar (average link's merge, not the attach step's): it joins.
    high = {"a0": 0.45, "a1": 0.45, "a3": 0.05}
    assert stories.best_story(high, story_of, sizes, 0.4, 0.2, {**high, "a3": 0.99}) == "S1"


def test_best_story_moves_a_lone_short_article_as_the_attach_step_does() -> None:
    """Random stories of 1-4 members, cut scores under the story bar (so no average link
    merge), uncut scores at least as high: the store's choice is the batch's attach
    step's, rule AS on and off (and the rule kept the article alone in some cases)."""
    stayed = 0
    for seed in range(200):
        rng = random.Random(seed)
        members = {f"S{k}": [f"s{k}a{m}" for m in range(rng.randint(1, 4))] for k in range(5)}
        story_of = {a: s for s, ids in members.items() for a in ids}
        sizes = {s: len(ids) for s, ids in members.items()}
        cut = {a: round(rng.uniform(0.0, 0.39), 2) for a in story_of if rng.random() < 0.6}
        uncut = {a: s + rng.choice([0.0, 0.1, 0.3]) for a, s in cut.items()}
        for rule in (None, uncut):
            want = _attach_lone(members, cut, rule)
            assert stories.best_story(cut, story_of, sizes, 0.4, 0.2, rule) == want, seed
        stayed += _attach_lone(members, cut, None) != _attach_lone(members, cut, uncut)
    assert stayed >= 10


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_store_scored_with_rule_as_off_is_scored_again_on_upgrade(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, case: str
) -> None:
    """Flipped on, a store written with it off finds the texts of its pairs published more
    than a year apart (the pairs the cut can touch), and ``upgrade`` scores them again
    and re-clusters: the stories and scores a new store holds with the rule on."""
    monkeypatch.delenv("SAMESTORY_DB", raising=False)
    arrival = articles(case)
    old = tmp_path / "old.db"
    monkeypatch.setattr(switches, "PUBLISHED_YEAR_CUT", False)  # whatever the default
    added(old, arrival)
    monkeypatch.setattr(switches, "PUBLISHED_YEAR_CUT", True)
    fresh = added(tmp_path / "new.db", arrival)
    assert fresh == stories_partition(cluster(arrival))
    with sqlite3.connect(old) as conn:
        assert "published_year_cut" not in scoring.recorded(conn)
    with Store(old) as store:
        # Every two of these few texts are scored: those dated over a year from another.
        far = {a.id for a in arrival for b in arrival if abs((a.date - b.date).days) > 365}
        assert store.unclean() == len(far) > 0
        assert store_stories(store, arrival) != fresh
        done = store.upgrade()
        assert done.rescored > 0
        assert store_stories(store, arrival) == fresh
        assert store.unclean() == 0
        assert scoring.recorded(store._conn) == scoring.rules()
    assert pairs(old) == pytest.approx(pairs(tmp_path / "new.db"), abs=1e-9)


def pairs(db: Path) -> dict[tuple[str, str], float]:
    with sqlite3.connect(db) as conn:
        return {
            (a, b): s
            for table in ("relations", "weak_scores")
            for a, b, s in conn.execute(f"SELECT a, b, score FROM {table}")
        }


def _uncut_one_by_one(
    work: Regrouping, pairs: list[tuple[str, str]]
) -> dict[tuple[str, str], float]:
    """The uncut scores as the store first read them: each far pair looked up on its own,
    a weak one scored again alone (``relate_against(a, [b])``)."""
    dates = {a: parse_date(d) for a, d in work.conn.execute("SELECT id, date FROM articles")}
    out = {}
    for x, y in pairs:
        if abs((dates[x] - dates[y]).days) <= PUBLISHED_SHORT_CUT_DAYS:
            continue
        sql = "SELECT a, b, kind, score, evidence_json FROM relations WHERE a=? AND b=?"
        row = work.conn.execute(sql, (x, y)).fetchone() or work.conn.execute(sql, (y, x)).fetchone()
        if row is not None:
            out[x, y] = uncut_score(relation_of(*row))
            continue
        sql = "SELECT a, b FROM weak_scores WHERE a=? AND b=?"
        row = work.conn.execute(sql, (x, y)).fetchone() or work.conn.execute(sql, (y, x)).fetchone()
        if row is not None:
            a, b = work._neighbour_features(list(row))
            out[x, y] = uncut_score(relate_against(a, [b], work.config, lean=True)[0])
    return out


def test_the_uncut_scores_read_in_bulk_are_those_read_pair_by_pair(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The re-clustering reads the far pairs' uncut scores in bulk and scores the weak
    ones again in one ``relate_runs`` call: the same scores, bit for bit, and the same
    StayInput as one query and one ``relate_against`` per pair (both cases at once, in
    both orientations the pairs may be asked in)."""
    monkeypatch.setattr(switches, "PUBLISHED_YEAR_CUT", True)
    # A later rewrite of a headline, two years on: a far pair stored as a relation.
    later = Article(
        id="later",
        text="Itasca County teen charged in the shooting death of his friend, police say",
        date=dt.date(2018, 2, 1),
        source="example.com",
        lang="en",
    )
    arrival = [*articles("itasca"), later, *articles("boy")]
    with Store(tmp_path / "s.db") as store:
        store.add(arrival[:3])
        store.add(arrival[3:])
        work = Regrouping(store, None, None)  # type: ignore[arg-type]
        members = [a.id for a in arrival]
        position = {m: k for k, m in enumerate(members)}
        rows = work._members_of({store.story_of(m) for m in members})
        edges, _ = work._edges(rows, position)
        asked = [(members[i], members[j]) for i, j, _ in edges]
        asked += [(y, x) for x, y in asked[::2]]
        expected = _uncut_one_by_one(work, asked)
        tables = {
            table: {frozenset(r) for r in store._conn.execute(f"SELECT a, b FROM {table}")}
            for table in ("relations", "weak_scores")
        }
        # The case holds far pairs of both tables, some of them cut.
        assert {frozenset(p) for p in expected} & tables["relations"]
        assert {frozenset(p) for p in expected} & tables["weak_scores"]
        scores = {(members[i], members[j]): s for i, j, s in edges}
        assert any(expected[p] > scores[p] for p in expected if p in scores)
        assert work._uncut_scores(asked) == expected
        stay = work._stay_input(members, edges)
        assert list(stay.uncut) == [
            (i, j, expected.get((members[i], members[j]), s)) for i, j, s in edges
        ]


# GVA dev leads (the lead short form, the first 800, traced in docs/history/benchmarks.md,
# 2026-12-07, aslead800): 774294:8a2b, a short lone text, would join 778397's story
# (f74c, 1ce1; 789641:14e9) by the attach step alone, but its best target without the
# cut is 404167's story (5942, 8fd1, published over a year before it), so the batch keeps
# it alone; the other texts are the neighbourhood that keeps it so (the rest of its
# partners' stories, reduced to those whose removal moves it).
STAY_OUTSIDE = (
    "gva:172724:2c35",
    "gva:223936:3088",
    "gva:280675:a189",
    "gva:286029:5174",
    "gva:286029:e68c",
    "gva:310789:a77d",
    "gva:321156:ff08",
    "gva:351681:0067",
    "gva:351681:bfcd",
    "gva:404167:5942",
    "gva:404167:8fd1",
    "gva:536975:0a36",
    "gva:552829:55a0",
    "gva:556953:b001",
    "gva:606981:d538",
    "gva:624733:7dcb",
    "gva:624733:8ecf",
    "gva:624733:9cb3",
    "gva:625012:1e79",
    "gva:639890:5c31",
    "gva:647561:1b6a",
    "gva:660138:ae66",
    "gva:667056:02b8",
    "gva:669945:c980",
    "gva:688703:f95e",
    "gva:692931:398b",
    "gva:692931:4b84",
    "gva:692931:afbf",
    "gva:712218:bafd",
    "gva:768627:ca5a",
    "gva:774294:8a2b",
    "gva:778397:1ce1",
    "gva:778397:f74c",
    "gva:780903:fe7b",
    "gva:787915:5f8b",
    "gva:787915:e3d6",
    "gva:789641:14e9",
)


def test_a_lone_short_texts_targets_outside_the_stories_re_clustered_are_seen(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An add re-clusters the stories its pairs touch, not every story: when those hold a
    lone short text and the story it would attach to but not its best story without the
    cut, the re-clustering brings that story in (the stay's target), so the text stays
    alone, as the batch and a re-clustering of every story keep it (before, it joined);
    a short text left alone is re-clustered with the stories it could attach to."""
    monkeypatch.setattr(switches, "PUBLISHED_YEAR_CUT", True)
    wanted = set(STAY_OUTSIDE)  # each record is cut alone: only these are cut
    records = [r for r in read_jsonl(shared_data("gva_dev.jsonl")) if r["id"][:15] in wanted]
    by_prefix = {r["id"][:15]: r for r in make_short_variants(records, "lead")}
    arrival = [record_to_article(by_prefix[p]) for p in STAY_OUTSIDE]
    lone, target = by_prefix["gva:774294:8a2b"]["id"], by_prefix["gva:778397:f74c"]["id"]
    assert frozenset({lone}) in stories_partition(cluster(arrival))
    with Store(tmp_path / "s.db") as store:
        store.add(arrival)
        assert store.story_of(lone) != store.story_of(target)  # as the batch
        with store._transaction():  # an add's re-clustering of just the two stories
            work = store._chunk_work(store._candidate_index())
            work._regroup({store.story_of(lone), store.story_of(target)}, lone)
        assert store.story_of(lone) != store.story_of(target)
        assert len(store.story(store.story_of(lone)).articles) == 1
        # 536975:0a36, a short text of many middling pairs, is in 787915's story (the
        # batch's); left alone by an earlier re-clustering (as the 800's add of
        # 473198:2a99 left it, 692931's story out of view), re-clustering its own story
        # brings in the stories it attaches to, and it joins 787915's again.
        text, story = by_prefix["gva:536975:0a36"]["id"], by_prefix["gva:787915:5f8b"]["id"]
        assert store.story_of(text) == store.story_of(story)
        with store._transaction():
            work = store._chunk_work(store._candidate_index())
            store._conn.execute(
                "INSERT INTO stories VALUES ('s-alone', NULL, ?, 0, ?, ?)",
                (text, work.now, work.now),
            )
            store._conn.execute("UPDATE articles SET story_id='s-alone' WHERE id=?", (text,))
            work._regroup({"s-alone"}, text)
        assert store.story_of(text) == store.story_of(story)


def _partition_of(store: Store) -> Partition:
    groups: dict[str, set[str]] = {}
    for article, story in store._conn.execute("SELECT id, story_id FROM articles"):
        groups.setdefault(story, set()).add(article)
    return frozenset(frozenset(g) for g in groups.values())


def test_the_second_grouping_runs_only_where_a_short_item_can_link_to_the_stories_in_reach(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Re-clustering each story of the 37 leads alone: where the stories in reach can take
    no short item of the view at the attach bar (:meth:`Regrouping._may_attach`), the
    second grouping is skipped, and it would have changed nothing; where one can, it
    runs. The stories are those of re-clustering with every second grouping run."""
    monkeypatch.setattr(switches, "PUBLISHED_YEAR_CUT", True)
    wanted = set(STAY_OUTSIDE)
    records = [r for r in read_jsonl(shared_data("gva_dev.jsonl")) if r["id"][:15] in wanted]
    arrival = [record_to_article(r) for r in make_short_variants(records, "lead")]
    path = tmp_path / "s.db"
    with Store(path) as store:
        store.add(arrival)
        stories_in = sorted({store.story_of(a.id) for a in arrival})
    said: list[bool] = []
    gate = Regrouping._may_attach

    def watched(self: Regrouping, stories: set[str], reach: object) -> bool:
        said.append(gate(self, stories, reach))  # type: ignore[arg-type]
        return said[-1]

    def regroup_each(db: Path) -> list[Partition]:
        out = []
        with Store(db) as store:
            for story in stories_in:
                first = store._conn.execute(
                    "SELECT id FROM articles WHERE story_id=? ORDER BY rowid LIMIT 1", (story,)
                ).fetchone()
                if first is None:  # emptied by an earlier re-clustering
                    continue
                with store._transaction():
                    work = store._chunk_work(store._candidate_index())
                    work._regroup({story}, first[0])
                out.append(_partition_of(store))
        return out

    skipped, every = tmp_path / "skipped.db", tmp_path / "every.db"
    for copy in (skipped, every):
        with sqlite3.connect(path) as src, sqlite3.connect(copy) as dst:
            src.backup(dst)
    monkeypatch.setattr(Regrouping, "_may_attach", watched)
    gated = regroup_each(skipped)
    monkeypatch.setattr(Regrouping, "_may_attach", lambda self, stories, reach: True)
    assert gated == regroup_each(every)
    assert True in said and False in said  # both kinds of case are met


def test_pairs_by_key_reads_the_rows_stored_either_way(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The far pairs' rows are looked up by key, in chunks: each pair asked either way
    round gives its stored row (as stored), an unstored pair none."""
    from samestory.store import regroup

    monkeypatch.setattr(regroup, "SQL_CHUNK", 8)  # two pairs a query
    conn = sqlite3.connect(tmp_path / "t.db")
    conn.execute("CREATE TABLE weak_scores (a, b, score REAL, PRIMARY KEY (a, b))")
    stored = [(f"x{k}", f"y{k}", k / 10) for k in range(5)]
    conn.executemany("INSERT INTO weak_scores VALUES (?, ?, ?)", stored)
    asked = [("y0", "x0"), ("x1", "y1"), ("x9", "y9"), ("y3", "x3"), ("x4", "y4")]
    rows = regroup.pairs_by_key(conn, asked, "score", "weak_scores")
    assert sorted(rows) == [stored[k] for k in (0, 1, 3, 4)]
