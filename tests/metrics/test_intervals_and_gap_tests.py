"""Honest uncertainty (issue 13): exact intervals where the bootstrap is degenerate, no macro metric
in a single-class stratum, gaps with a bootstrap CI and a permutation p-value (Holm-adjusted).

References are independent: statsmodels' proportion_confint and a hand formula for
Clopper–Pearson, scikit-learn per group in a slow loop for the permutation gaps, statsmodels'
multipletests for Holm.
"""

from __future__ import annotations

import numpy as np
import pytest
from sklearn import metrics as skm
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import proportion_confint

from fmbench.metrics.bootstrap import BootstrapScheme
from fmbench.metrics.classification import CLASSIFICATION_METRICS, ClassificationData
from fmbench.metrics.gaps import _dimension_key, permutation_gaps, permutation_p
from fmbench.metrics.grouped import evaluate_grouped
from fmbench.metrics.intervals import choose_interval

ALL = list(CLASSIFICATION_METRICS.values())


def _proba(s: np.ndarray) -> np.ndarray:
    return np.column_stack([1 - s, s])


def test_single_class_stratum_has_null_f1_and_is_not_the_worst_group():
    """The audit's case: 60 benign rows with one false positive. F1-Score (positive class) and the
    macro metrics are undefined there, so that group can be neither worst group nor part of a gap."""
    rng = np.random.default_rng(3)
    y_mixed = rng.integers(0, 2, 140)
    s_mixed = np.clip(0.5 * y_mixed + rng.normal(0.25, 0.2, 140), 0.01, 0.99)
    y_benign = np.zeros(60, dtype=int)
    s_benign = np.full(60, 0.1)
    s_benign[0] = 0.9  # the one false positive
    y = np.concatenate([y_mixed, y_benign])
    s = np.concatenate([s_mixed, s_benign])
    site = np.array(["mixed"] * 140 + ["benign_only"] * 60)
    res = evaluate_grouped(ClassificationData(y, _proba(s)), len(y), ALL, strata={"site": site},
                           scheme=BootstrapScheme(n_boot=200, seed=0, n_permutations=200), min_group_size=10)
    benign = res.stratified["site"]["benign_only"].metrics
    for name in ("F1-Score", "Macro F1", "Balanced Accuracy", "AUROC", "Sensitivity"):
        assert benign[name].value is None and benign[name].reason, name
    assert "no positive" in benign["F1-Score"].reason
    assert "absent" in benign["Macro F1"].reason
    assert benign["Accuracy"].value == pytest.approx(59 / 60)
    f1 = res.subgroups["F1-Score"]
    assert f1.worst.group == "mixed" and f1.max_gap is None and f1.gaps == {}
    mixed = site == "mixed"
    assert res.stratified["site"]["mixed"].metrics["F1-Score"].value == pytest.approx(
        skm.f1_score(y[mixed], (s[mixed] > 0.5).astype(int)))


def test_proportion_at_n_gets_the_clopper_pearson_interval():
    """Sensitivity 17/17 in a site of N = 37: not [1, 1] but the exact interval, lower (α/2)^(1/17)."""
    rng = np.random.default_rng(1)
    y = np.array([1] * 17 + [0] * 20 + list(rng.integers(0, 2, 100)))
    s = np.concatenate([np.full(17, 0.9), np.full(20, 0.2), rng.uniform(0.05, 0.95, 100)])
    site = np.array(["A"] * 37 + ["B"] * 100)
    res = evaluate_grouped(ClassificationData(y, _proba(s)), len(y), ALL, strata={"site": site},
                           scheme=BootstrapScheme(n_boot=300, seed=2, n_permutations=0), min_group_size=10)
    sens = res.stratified["site"]["A"].metrics["Sensitivity"]
    assert sens.value == 1.0
    expected = proportion_confint(17, 17, alpha=0.05, method="beta")
    assert sens.ci == pytest.approx(expected, abs=1e-12)
    assert sens.ci[0] == pytest.approx(0.025 ** (1 / 17), abs=1e-12)  # 0.805, by hand
    assert sens.ci_method.startswith("Clopper-Pearson exact (17/17")
    acc = res.stratified["site"]["A"].metrics["Accuracy"]  # 37/37 correct
    assert acc.ci == pytest.approx(proportion_confint(37, 37, alpha=0.05, method="beta"), abs=1e-12)
    auroc = res.stratified["site"]["A"].metrics["AUROC"]  # perfect separation: no zero-width interval
    assert auroc.value == 1.0 and auroc.ci is None and "degenerate" in auroc.reason
    overall = res.metrics["AUROC"]  # an ordinary case keeps the percentile bootstrap and says so
    assert overall.ci_method == "percentile bootstrap" and overall.ci[0] < overall.value < overall.ci[1]


def test_count_at_zero_and_a_clustered_run_say_so():
    y = np.array([1] * 15 + [0] * 15)
    s = np.concatenate([np.linspace(0.2, 0.45, 15), np.linspace(0.1, 0.4, 15)])  # every positive missed
    clusters = np.repeat(np.arange(10), 3)
    res = evaluate_grouped(
        ClassificationData(y, _proba(s)),
        len(y),
        [CLASSIFICATION_METRICS["Sensitivity"], CLASSIFICATION_METRICS["AUROC"]],
        scheme=BootstrapScheme(n_boot=200, seed=0, cluster_column="subject"),
        clusters=clusters,
    )
    sens = res.metrics["Sensitivity"]
    assert sens.value == 0.0
    assert sens.ci == pytest.approx(proportion_confint(0, 15, alpha=0.05, method="beta"), abs=1e-12)
    assert "rows taken as independent" in sens.ci_method
    assert res.metrics["AUROC"].ci_method.endswith("cluster bootstrap")


def test_estimate_outside_its_percentile_interval_gets_an_interval_that_contains_it():
    """ECE of a constant 0.6 prediction where 60% are positive is 0; every resample's ECE is ≥ 0,
    and few are exactly 0, so the percentile interval lies above the estimate."""
    y = np.array([1, 1, 1, 0, 0] * 400)
    d = ClassificationData(y, np.tile([0.4, 0.6], (2000, 1)))
    res = evaluate_grouped(
        d, 2000, [CLASSIFICATION_METRICS["ECE"]], scheme=BootstrapScheme(n_boot=500, seed=4)
    )
    ece = res.metrics["ECE"]
    assert ece.value == pytest.approx(0.0)
    assert ece.ci[0] <= ece.value <= ece.ci[1]
    assert "widened to include the estimate" in ece.ci_method


def test_widening_is_the_smallest_cover_and_bias_correction_would_not_cover():
    """Efron's BC interval provably excludes an estimate that the percentile interval excludes
    (module docstring); fmbench extends the percentile interval to the estimate instead."""
    from scipy.stats import norm

    rng = np.random.default_rng(0)
    reps = rng.normal(0.3, 0.05, 2000)
    point = 0.2  # below 2.5% of the replicates
    z0 = norm.ppf(np.mean(reps < point))
    bc = np.quantile(reps, [norm.cdf(2 * z0 - 1.959963984540054), norm.cdf(2 * z0 + 1.959963984540054)])
    assert not bc[0] <= point <= bc[1]
    interval = choose_interval(point, reps, 0.95)
    assert interval.ci == pytest.approx((point, float(np.quantile(reps, 0.975))))
    assert interval.method == "percentile bootstrap, widened to include the estimate"


def _slow_permutation_gaps(y, s, codes, n_groups, n_permutations, seed, dimension):  # noqa: ANN001, ANN202
    """The same relabellings as fmbench draws (its documented seeding), gaps by scikit-learn per group."""
    from fmbench.metrics.bootstrap import chunk_for, chunk_sizes

    d = ClassificationData(y, _proba(s))
    order = d.bootstrap_order()
    y, s, codes = y[order], s[order], codes[order]
    gaps = []
    for c, size in enumerate(chunk_sizes(n_permutations, chunk_for(len(codes)))):
        rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(2, _dimension_key(dimension), c)))
        perm = rng.permuted(np.broadcast_to(codes, (size, len(codes))), axis=1)
        for row in perm:
            values = [skm.roc_auc_score(y[row == g], s[row == g]) for g in range(n_groups)]
            gaps.append(max(values) - min(values))
    return np.array(gaps)


def test_permutation_gaps_equal_a_slow_sklearn_loop_and_p_counts_them():
    rng = np.random.default_rng(11)
    n = 150
    y = rng.integers(0, 2, n)
    s = 1 / (1 + np.exp(-(rng.normal(size=n) + 1.2 * y)))
    codes = rng.integers(0, 3, n)
    d = ClassificationData(y, _proba(s))
    fast = permutation_gaps(
        d, codes, 3, CLASSIFICATION_METRICS["AUROC"], n_permutations=120, seed=5, dimension="site"
    )
    slow = _slow_permutation_gaps(y, s, codes, 3, 120, 5, "site")
    assert fast == pytest.approx(slow, abs=1e-12)
    observed = max(skm.roc_auc_score(y[codes == g], s[codes == g]) for g in range(3)) - min(
        skm.roc_auc_score(y[codes == g], s[codes == g]) for g in range(3)
    )
    p, used = permutation_p(observed, fast)
    assert used == 120
    assert p == pytest.approx((1 + np.sum(slow >= observed - 1e-12)) / 121)


def test_a_real_site_effect_gets_a_small_p_and_holm_matches_statsmodels():
    rng = np.random.default_rng(0)
    n = 600
    y = rng.integers(0, 2, n)
    site = rng.choice(["s1", "s2", "s3"], n)
    sex = rng.choice(["F", "M"], n)
    signal = np.where(site == "s3", 0.1, 1.5)  # the model barely works at s3
    s = 1 / (1 + np.exp(-(rng.normal(size=n) + signal * (2 * y - 1))))
    res = evaluate_grouped(
        ClassificationData(y, _proba(s)),
        n,
        [CLASSIFICATION_METRICS["AUROC"]],
        strata={"site": site, "sex": sex},
        scheme=BootstrapScheme(n_boot=300, seed=1, n_permutations=400),
    )
    gaps = res.subgroups["AUROC"].gaps
    assert gaps["site"].p_value < 0.01 and gaps["site"].ci[0] > 0
    for g in gaps.values():
        assert g.ci[0] <= g.value <= g.ci[1] and g.permutations == 400
    raw = [gaps[d].p_value for d in gaps]
    expected = multipletests(raw, method="holm")[1]
    assert [gaps[d].p_adjusted for d in gaps] == pytest.approx(list(expected))


def test_groups_assigned_at_random_get_roughly_uniform_p_values():
    """The audit's point: a random stratum still shows a gap, but its p-value says it is chance."""
    ps = []
    for seed in range(30):
        rng = np.random.default_rng(seed)
        n = 300
        y = rng.integers(0, 2, n)
        s = 1 / (1 + np.exp(-(rng.normal(size=n) + (2 * y - 1))))
        res = evaluate_grouped(
            ClassificationData(y, _proba(s)),
            n,
            [CLASSIFICATION_METRICS["AUROC"]],
            strata={"sex": rng.choice(["F", "M"], n)},
            scheme=BootstrapScheme(n_boot=50, seed=1, n_permutations=200),
        )
        gap = res.subgroups["AUROC"].gaps["sex"]
        assert gap.value > 0
        ps.append(gap.p_value)
    ps = np.array(ps)
    assert np.mean(ps < 0.05) <= 0.15  # about 5% expected
    assert 0.3 < ps.mean() < 0.7  # about 0.5 expected


def test_gap_tests_are_seeded():
    rng = np.random.default_rng(2)
    n = 200
    y = rng.integers(0, 2, n)
    s = rng.uniform(size=n)
    strata = {"site": rng.choice(["a", "b"], n)}

    def run():  # noqa: ANN202
        return evaluate_grouped(
            ClassificationData(y, _proba(s)),
            n,
            [CLASSIFICATION_METRICS["Accuracy"]],
            strata=strata,
            scheme=BootstrapScheme(n_boot=100, seed=9, n_permutations=100),
        )

    assert run().subgroups["Accuracy"].gaps == run().subgroups["Accuracy"].gaps
