"""A withheld group must not be recoverable by subtracting the shown groups from the overall."""

from __future__ import annotations

import numpy as np
from sklearn.metrics import accuracy_score

from fmbench.metrics.classification import CLASSIFICATION_METRICS, ClassificationData
from fmbench.metrics.grouped import evaluate_grouped


def _data(n: int, seed: int = 0) -> ClassificationData:
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, size=n)
    p = np.clip(0.3 * y + rng.uniform(0.1, 0.7, size=n), 0, 1)
    return ClassificationData(y, np.column_stack([1 - p, p]))


def _run(labels: list[str], data: ClassificationData):  # noqa: ANN202
    return evaluate_grouped(data, len(labels), [CLASSIFICATION_METRICS["Accuracy"]],
                            strata={"site": np.array(labels, dtype=object)}, min_group_size=10)


def test_one_small_group_takes_the_smallest_shown_group_with_it():
    labels = ["A"] * 40 + ["B"] * 25 + ["C"] * 15 + ["D"] * 5  # D below 10
    data = _data(len(labels))
    res = _run(labels, data)
    assert sorted(res.stratified["site"]) == ["A", "B"] and res.withheld["site"] == 2
    # what subtraction would give is now two groups pooled, not D
    shown_n = sum(g.N for g in res.stratified["site"].values())
    assert len(labels) - shown_n == 20
    lab = np.array(labels)
    pooled = accuracy_score(data.y[lab >= "C"], data.pred[lab >= "C"])
    only_d = accuracy_score(data.y[lab == "D"], data.pred[lab == "D"])
    assert pooled != only_d  # the small group's accuracy cannot be read off


def test_two_small_groups_need_nothing_more():
    labels = ["A"] * 40 + ["B"] * 25 + ["C"] * 6 + ["D"] * 5
    res = _run(labels, _data(len(labels)))
    assert sorted(res.stratified["site"]) == ["A", "B"] and res.withheld["site"] == 2


def test_nothing_small_nothing_withheld():
    labels = ["A"] * 40 + ["B"] * 25
    res = _run(labels, _data(len(labels)))
    assert sorted(res.stratified["site"]) == ["A", "B"] and "site" not in res.withheld
