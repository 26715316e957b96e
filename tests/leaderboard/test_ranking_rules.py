"""Ranking rules: direction, one row per model, failed/unrankable apart, ties."""

from __future__ import annotations

import numpy as np
import pytest

from fmbench.catalog.registry import load_catalog
from fmbench.leaderboard import build
from fmbench.leaderboard.rank import paired_difference
from fmbench.testing import make_record


@pytest.fixture(scope="module")
def catalog():
    return load_catalog()


def _board(records, catalog, bench):
    return build(records, catalog).benchmark(bench)


def test_mse_ranks_lowest_first(catalog):
    # BM-BRAIN-MAE ranks by Correlation (higher); MSE is lower-is-better. Use a catalog copy whose
    # primary metric is MSE to check the direction is taken from the catalog.
    bench = catalog.benchmarks["BM-BRAIN-MAE"].model_copy(update={"primary_metric": "MSE"})
    cat = load_catalog()
    cat.benchmarks["BM-BRAIN-MAE"] = bench
    recs = [make_record("BM-BRAIN-MAE", m, v, metric="MSE") for m, v in [("a", 0.5), ("b", 0.2), ("c", 0.9)]]
    board = _board(recs, cat, "BM-BRAIN-MAE")
    assert [r.model_id for r in board.rows] == ["b", "a", "c"]
    assert [r.rank_label for r in board.rows] == ["1", "2", "3"]
    assert board.direction == "lower"


def test_higher_is_better_and_competition_ranks(catalog):
    recs = [make_record(model=m, value=v) for m, v in [("a", 0.7), ("b", 0.9), ("c", 0.8)]]
    board = _board(recs, catalog, "BM-TOY-CLASS")
    assert [(r.model_id, r.rank) for r in board.rows] == [("b", 1), ("c", 2), ("a", 3)]


def test_dedup_case_insensitive_best_wins_then_later_date(catalog):
    recs = [
        make_record(model="Logistic", value=0.80, date="2025-01-01"),
        make_record(model="logistic", value=0.85, date="2024-06-01", name="newer name? no: better score"),
        make_record(model="LOGISTIC", value=0.85, date="2025-03-01", name="winner"),
        make_record(model="other", value=0.5),
    ]
    board = _board(recs, catalog, "BM-TOY-CLASS")
    assert len(board.rows) == 2
    top = board.rows[0]
    assert top.model_name == "winner" and top.score.value == 0.85 and top.date == "2025-03-01"
    assert top.records == 3


def test_failed_not_ranked_and_unrankable_listed_apart(catalog):
    recs = [
        make_record(model="ok", value=0.7),
        make_record(model="broken", value=None, status="failed"),
        make_record(model="flat", value=0.99, rankable=False, reason="no skill on clean data"),
    ]
    board = _board(recs, catalog, "BM-TOY-CLASS")
    assert [r.model_id for r in board.rows] == ["ok"]
    assert [u.model_id for u in board.failed] == ["broken"]
    assert board.failed[0].reason == "model raised ValueError"
    assert [(u.model_id, u.reason) for u in board.not_rankable] == [("flat", "no skill on clean data")]
    assert board.evaluations == 3


def _reps(center: float, noise: np.ndarray) -> np.ndarray:
    return center + noise


def test_paired_tie_and_separation_from_replicates(catalog):
    rng = np.random.default_rng(0)
    shared = rng.normal(0, 0.05, size=1000)  # the same resamples move both models together
    own = rng.normal(0, 0.001, size=1000)
    # b is 0.004 below a: paired difference = 0.004 + own noise, CI well above 0 -> separated,
    # although the marginal CIs (width ~0.2) overlap heavily.
    a = make_record(model="a", value=0.800, ci=(0.70, 0.90), replicates=_reps(0.800, shared))
    b = make_record(model="b", value=0.796, ci=(0.69, 0.89), replicates=_reps(0.796, shared + own))
    # c differs from a only by noise that is symmetric around 0: tied.
    c = make_record(
        model="c",
        value=0.7995,
        ci=(0.70, 0.90),
        replicates=_reps(0.800, shared + rng.normal(0, 0.01, size=1000)),
    )
    lo, hi, _ = paired_difference(
        a.bootstrap.replicate_array("AUROC"), b.bootstrap.replicate_array("AUROC"), direction="higher"
    )
    d = a.bootstrap.replicate_array("AUROC") - b.bootstrap.replicate_array("AUROC")
    assert lo == pytest.approx(np.quantile(d, 0.025)) and hi == pytest.approx(np.quantile(d, 0.975))
    assert lo > 0
    board = _board([a, b, c], catalog, "BM-TOY-CLASS")
    got = {r.model_id: (r.rank_label, r.tie_method) for r in board.rows}
    assert got["a"] == ("=1", None)
    assert got["c"] == ("=1", "paired")
    assert got["b"] == ("3", None)


def test_different_scheme_falls_back_to_ci_overlap(catalog):
    shared = np.random.default_rng(1).normal(0, 0.05, size=500)
    a = make_record(model="a", value=0.80, ci=(0.75, 0.85), replicates=0.80 + shared, scheme="sha256:one")
    b = make_record(model="b", value=0.796, ci=(0.74, 0.84), replicates=0.796 + shared, scheme="sha256:two")
    c = make_record(model="c", value=0.60, ci=(0.55, 0.65))
    board = _board([a, b, c], catalog, "BM-TOY-CLASS")
    assert [(r.model_id, r.rank_label, r.tie_method) for r in board.rows] == [
        ("a", "=1", None),
        ("b", "=1", "ci"),
        ("c", "3", None),
    ]


def test_ties_compare_with_group_leader_not_neighbour(catalog):
    # b overlaps a, c overlaps b but not a: c starts a new group (no chaining).
    a = make_record(model="a", value=0.80, ci=(0.78, 0.82))
    b = make_record(model="b", value=0.77, ci=(0.75, 0.79))
    c = make_record(model="c", value=0.74, ci=(0.72, 0.76))
    board = _board([a, b, c], catalog, "BM-TOY-CLASS")
    assert [r.rank_label for r in board.rows] == ["=1", "=1", "3"]


def test_records_without_ci_tie_only_on_equal_values(catalog):
    recs = [
        make_record(model="a", value=0.9),
        make_record(model="b", value=0.9),
        make_record(model="c", value=0.85),
        make_record(model="d", value=0.84, ci=(0.80, 0.86)),
    ]
    board = _board(recs, catalog, "BM-TOY-CLASS")
    # no replicates: the CI rule, said under the table; c has no CI, d's CI contains c's value
    assert board.tables[0].tie_rule == "ci" and "do not share a bootstrap" in board.tables[0].rule_note
    assert [(r.model_id, r.rank_label, r.rank_interval) for r in board.rows] == [
        ("a", "=1", None),
        ("b", "=1", None),
        ("c", "=3", None),
        ("d", "=3", None),
    ]
