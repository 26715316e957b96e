"""Runs of a suite on one's own data (``run --data``) are never ranked with the suite's own test set:
another dataset id and digest make another table, and that table is not the canonical one even
though it names the canonical suite."""

from __future__ import annotations

from fmbench.catalog.registry import load_catalog
from fmbench.leaderboard import build
from fmbench.testing import make_record


def test_user_data_runs_form_a_separate_non_canonical_table():
    catalog = load_catalog()
    suite = catalog.suite("SUITE-TOY-CLASS")  # BM-TOY-CLASS's canonical suite
    own = {"id": suite.dataset_id, "digest": "sha256:builtin", "n": 60, "split": "holdout test 60/200"}
    mine = {"id": "DS-USER-mycohort", "name": "mycohort", "digest": "sha256:mine", "n": 60,
            "split": "holdout test 60/200"}
    records = [
        make_record(model="a", value=0.70, extra={"dataset": own}),
        make_record(model="b", value=0.65, extra={"dataset": own}),
        make_record(model="a", value=0.95, extra={"dataset": mine}),
        make_record(model="b", value=0.90, extra={"dataset": mine}),
    ]
    board = build(records, catalog).benchmark("BM-TOY-CLASS")
    assert [t.test_set.dataset_id for t in board.tables] == [suite.dataset_id, "DS-USER-mycohort"]
    first, second = board.tables
    assert first.test_set.canonical and not second.test_set.canonical
    assert [r.score.value for r in first.rows] == [0.70, 0.65]  # the user's 0.95 never enters it
    assert [r.score.value for r in second.rows] == [0.95, 0.90]
