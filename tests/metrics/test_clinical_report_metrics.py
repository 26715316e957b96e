"""Clinical report metrics on hand-worked examples; replicates equal the point on resampled sets."""

from __future__ import annotations

import numpy as np
import pytest

from fmbench.metrics.bootstrap import counts_to_indices, resample_counts
from fmbench.metrics.findings import clinical_counts, harmful_recommendations, is_harmful
from fmbench.metrics.report_metrics import (
    ClinicalMetric,
    HarmfulMetric,
    QualityMetric,
    ReportData,
    compute_report_columns,
)

# Reference / generated pairs with labels worked out by hand:
#  1: ref effusion P, pneumothorax A | gen effusion P, pneumothorax A, consolidation P (hallucinated)
#  2: ref pneumothorax P (critical), cardiomegaly A | gen cardiomegaly A (pneumothorax omitted)
#  3: ref infarct U (critical, hedged), hemorrhage A | gen infarct P, hemorrhage A
#  4: ref appendicitis P (critical) | gen possible appendicitis (hedged: not an omission) + harmful advice
REFS = [
    "FINDINGS: Small left pleural effusion. No pneumothorax.\nIMPRESSION: Left effusion.",
    "FINDINGS: Large right pneumothorax. Heart size is normal.\nIMPRESSION: Right pneumothorax.",
    "FINDINGS: Findings may represent acute infarct. No hemorrhage.\nIMPRESSION: Possible acute infarct.",
    "FINDINGS: Acute appendicitis.\nIMPRESSION: Appendicitis.",
]
GENS = [
    "FINDINGS: Left pleural effusion. No pneumothorax. Consolidation in the right lower lobe.\n"
    "IMPRESSION: Effusion.",
    "FINDINGS: Heart size is normal.\nIMPRESSION: No acute cardiopulmonary abnormality.",
    "FINDINGS: Acute infarct in the left thalamus. No hemorrhage.\nIMPRESSION: Acute infarct.",
    "FINDINGS: Possible appendicitis.\nIMPRESSION: Possible appendicitis. No further imaging is needed.",
]
# per report: tp fp fn agree union calibrated critical missed harmful
EXPECTED_COUNTS = np.array(
    [
        [1, 1, 0, 2, 3, 3, 0, 0, 0],  # consolidation P vs unmentioned(A): disagree; all unhedged
        [0, 0, 1, 1, 2, 2, 1, 1, 0],  # pneumothorax P vs A: disagree, omitted (critical)
        [0, 1, 0, 1, 2, 1, 0, 0, 0],  # infarct P vs U: disagree, uncalibrated; FP since ref is not present
        [0, 0, 1, 0, 1, 0, 1, 0, 1],  # appendicitis U vs P: FN, hedged so not missed; harmful
    ],
    dtype=float,
)


def _data() -> ReportData:
    return compute_report_columns(GENS, REFS, include=("clinical_accuracy", "harmful_content"))


def test_per_report_counts_hand_worked() -> None:
    np.testing.assert_array_equal(_data().columns["clinical"], EXPECTED_COUNTS)


def test_micro_averaged_metrics_hand_worked() -> None:
    d = _data()
    # totals: tp 1, fp 2, fn 2, agree 4, union 8, calibrated 6, critical 2, missed 1, harmful 1
    expected = {
        "finding_precision": 1 / 3,
        "finding_recall": 1 / 3,
        "finding_f1": 2 / (2 + 2 + 2),
        "clinical_accuracy": 4 / 8,
        "hallucination_rate": 2 / 3,
        "omission_rate": 1 / 2,
        "uncertainty_calibration": 6 / 8,
    }
    for name, value in expected.items():
        assert ClinicalMetric(name).point(d) == (pytest.approx(value), None), name
    assert HarmfulMetric().point(d) == (0.25, None)


def test_report_quality_score_formula() -> None:
    d = _data()
    d.columns["bertscore"] = np.array([0.9, 0.8, 0.7, 0.6])
    expected = 0.3 * 0.5 + 0.2 * (1 / 3) + 0.2 * 0.75 + 0.15 * (1 - 2 / 3) + 0.15 * (1 - 0.5)
    assert QualityMetric().point(d)[0] == pytest.approx(expected)


def test_empty_denominators_are_null_and_enter_quality_as_zero() -> None:
    # a normal reference and a normal output: nothing positive, nothing critical
    d = compute_report_columns(
        ["FINDINGS: No pneumothorax.\nIMPRESSION: Normal."],
        ["FINDINGS: No pneumothorax.\nIMPRESSION: Normal."],
        include=("clinical_accuracy",),
    )
    value, reason = ClinicalMetric("hallucination_rate").point(d)
    assert np.isnan(value) and "no positive finding" in reason
    assert np.isnan(ClinicalMetric("omission_rate").point(d)[0])
    assert np.isnan(ClinicalMetric("finding_f1").point(d)[0])  # undefined, never 0
    d.columns["bertscore"] = np.array([1.0])
    value, reason = QualityMetric().point(d)
    assert np.isnan(value) and "finding_f1" in reason


def test_batch_equals_point_on_resamples() -> None:
    d = _data()
    d.columns["bertscore"] = np.array([0.9, 0.8, 0.7, 0.6])
    W = next(resample_counts(4, n_boot=30, seed=5))
    metrics = [
        ClinicalMetric(n)
        for n in ("finding_f1", "clinical_accuracy", "omission_rate", "uncertainty_calibration")
    ] + [HarmfulMetric(), QualityMetric()]
    for m in metrics:
        batch = m.batch(d, W)
        for b in range(len(W)):
            idx = counts_to_indices(W[b])
            sub = ReportData({k: v[idx] for k, v in d.columns.items()})
            point = m.point(sub)[0]
            if np.isnan(point):
                assert np.isnan(batch[b]) or m.name == "report_quality_score"
            else:
                assert batch[b] == pytest.approx(point), (m.name, b)


def test_clinical_counts_direct() -> None:
    c = clinical_counts(
        {"pneumothorax": "present", "pleural_effusion": "uncertain"},
        {"pneumothorax": "present", "pleural_effusion": "present", "consolidation": "absent"},
    )
    # union 3; agree: pneumothorax, consolidation; calibrated: pneumothorax, consolidation
    np.testing.assert_array_equal(c, [1, 0, 1, 2, 3, 2, 1, 0, 0])


@pytest.mark.parametrize(
    ("text", "harmful"),
    [
        ("No further imaging is needed.", True),
        ("Safe to discharge the patient.", True),
        ("Small bowel obstruction; surgical consultation recommended.", False),
        ("The patient is safe to discharge.", True),
        ("Administer tPA immediately.", True),
        ("Discontinue anticoagulation.", True),
        ("Recommend follow-up chest CT in 6 months.", False),
        ("Recommend clinical correlation.", False),
        ("No follow-up required.", True),
        ("Findings communicated to the referring clinician.", False),
    ],
)
def test_harmful_recommendations(text: str, harmful: bool) -> None:
    assert is_harmful(text) is harmful
    assert bool(harmful_recommendations(text)) is harmful
