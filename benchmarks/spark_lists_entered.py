"""How many past neighbour lists a Spark incremental day changes, from a kept state.

``python benchmarks/spark_lists_entered.py STATE [--new N ...] [--json]``

``STATE`` is the state of a kept ``benchmarks/spark_incremental.py --keep DIR`` run of two
days (``DIR/state``: part 1 is day 1, part 2 day 2). No Spark: the stored keyword postings,
vectors and dates are read with pyarrow, and for each past (day-1) representative it says
whether the day's new representatives (all of day 2's, or only its first ``N`` in index
order: a smaller day on the same past) would

- **enter its vector list**: a new vector at least as close as the list's reach (the
  list made exactly over the day-1 representatives, :func:`incremental.neighbour_list`;
  the kept run may have searched IVF cells, so this is the exact-search figure);
- **change its keyword list** or **its same-days list**: the list made over the day-1
  postings differs from the one made over the day-1 and new postings
  (:func:`~samestory.candidates.keyword_ranking`, :func:`~samestory.candidates.dated_ranking`);
- be **reached by its words** under the wide rule of sharing at least
  ``MIN_SHARED_KEYWORDS`` counted words with a new article, being dated within
  ``DATED_DAYS`` of a new one sharing a word, or holding a word the day makes too common
  (the lists a day would ask again without storing each keyword list's last weight).

Written for the 2026-12-06 late-afternoon spark section of docs/history/benchmarks.md:
whether asking again only the lists a day *enters* (the lead's screen) would ask fewer
lists than those its words reach, at the benchmark's sizes.
"""

from __future__ import annotations

import argparse
import json
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow.parquet as pq

from samestory.candidates import (
    DATED_DAYS,
    MAX_KEYWORD_POSTINGS,
    MIN_SHARED_KEYWORDS,
    dated_ranking,
    keyword_ranking,
)
from samestory.config import DEFAULT_CONFIG, Config
from samestory.spark.incremental import _day_of_iso, neighbour_list


class Past:
    """The keyword lists, vectors and day numbers of a kept state's two parts."""

    def __init__(self, state: Path) -> None:
        parts = state / "parts"
        self.words: dict[int, dict[int, float]] = {}
        self.vector: dict[int, np.ndarray] = {}
        self.day: dict[int, int | None] = {}
        self.reps: list[list[int]] = []
        for part in ("000001", "000002"):
            rows = pq.read_table(parts / part / "keywords.parquet").to_pylist()
            ranked: dict[int, list[tuple[int, int, float]]] = defaultdict(list)
            for r in rows:
                ranked[r["idx"]].append((r["rank"], r["word"], r["weight"]))
            for idx, entries in ranked.items():
                self.words[idx] = {word: weight for _, word, weight in sorted(entries)}
            self.reps.append(sorted(ranked))
            columns = ["idx", "doc_json", "vector"]
            for r in pq.read_table(parts / part / "features.parquet", columns=columns).to_pylist():
                self.vector[r["idx"]] = np.frombuffer(r["vector"], dtype="<f4").astype(np.float32)
                doc = json.loads(r["doc_json"])
                from_text = "true" if doc.get("date_from_text") else "false"
                self.day[r["idx"]] = _day_of_iso(doc.get("date"), from_text)

    def postings(self, reps: Iterable[int]) -> dict[int, list[int]]:
        out: dict[int, list[int]] = defaultdict(list)
        for idx in reps:
            for word in self.words.get(idx, {}):
                out[word].append(idx)
        return {word: sorted(members) for word, members in out.items()}

    def ranking(self, idx: int, postings: dict[int, list[int]], dated: bool) -> list[Any]:
        words = self.words.get(idx, {})
        if not dated:
            return keyword_ranking(words, lambda w: postings.get(w, ()), idx)
        day = self.day.get(idx)
        if day is None:
            return []
        return dated_ranking(words, lambda w: postings.get(w, ()), self.day.get, day, idx)


def vector_entered(past: Past, old: list[int], new: list[int], config: Config) -> set[int]:
    """The day-1 representatives whose exact vector list a new vector enters."""
    keys = np.array(old, dtype=np.int64)
    matrix = np.vstack([past.vector[i] for i in old])
    news = np.vstack([past.vector[i] for i in new])
    words = [past.words.get(i, {}) for i in old]
    entered = set()
    for row, idx in enumerate(old):
        _, reach = neighbour_list(row, keys, matrix, config, words)
        if float((news @ matrix[row]).max()) >= reach:
            entered.add(idx)
    return entered


def reached_by_words(past: Past, old: list[int], new: list[int]) -> set[int]:
    """The wide rule: shared counted words, near dates, words made too common."""
    fresh = set(new)
    reached: set[int] = set()
    shared: dict[tuple[int, int], int] = defaultdict(int)
    for members in past.postings([*old, *new]).values():
        before = [i for i in members if i not in fresh]
        now = [i for i in members if i in fresh]
        if len(before) <= MAX_KEYWORD_POSTINGS < len(members):
            reached.update(before)
            continue
        if len(members) > MAX_KEYWORD_POSTINGS or not now:
            continue
        days = [past.day[k] for k in now if past.day.get(k) is not None]
        for x in before:
            for k in now:
                shared[(x, k)] += 1
            mine = past.day.get(x)
            if mine is not None and any(abs(mine - d) <= DATED_DAYS for d in days):
                reached.add(x)
    reached.update(x for (x, _), n in shared.items() if n >= MIN_SHARED_KEYWORDS)
    return reached


def screen(past: Past, new_count: int | None, config: Config) -> dict[str, int]:
    old, new = past.reps[0], past.reps[1][:new_count]
    before, after = past.postings(old), past.postings([*old, *new])
    keyword = {x for x in old if past.ranking(x, before, False) != past.ranking(x, after, False)}
    dated = {x for x in old if past.ranking(x, before, True) != past.ranking(x, after, True)}
    vector = vector_entered(past, old, new, config)
    return {
        "past_lists": len(old),
        "new_representatives": len(new),
        "vector_entered": len(vector),
        "keyword_changed": len(keyword),
        "same_days_changed": len(dated),
        "entered_any_route": len(vector | keyword | dated),
        "reached_by_words": len(reached_by_words(past, old, new)),
        "reached_any_route": len(vector | reached_by_words(past, old, new)),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("state", type=Path, help="a kept run's state directory (two parts)")
    parser.add_argument(
        "--new", type=int, nargs="*", default=[], help="also for only the first N new reps"
    )
    parser.add_argument("--encoder", default="static", choices=["static", "use"])
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    config = DEFAULT_CONFIG.replace(encoder=args.encoder)
    past = Past(args.state)
    rows = [screen(past, n, config) for n in [None, *args.new]]
    if args.json:
        print(json.dumps(rows, indent=1))
        return
    for row in rows:
        print(", ".join(f"{k} {v}" for k, v in row.items()))


if __name__ == "__main__":
    main()
