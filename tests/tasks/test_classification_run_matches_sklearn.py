"""`fmbench run` end to end on the toy suite, from the command line."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import accuracy_score, brier_score_loss, f1_score, roc_auc_score

from fmbench.records.digest import digest_matches
from fmbench.records.io import read_record


@pytest.fixture(scope="module")
def logistic_run(tmp_path_factory, data_dir):  # noqa: ANN001, ANN201
    import os
    import subprocess
    import sys

    out = tmp_path_factory.mktemp("runs") / "logistic"
    env = {**os.environ, "FMBENCH_DATA": str(data_dir)}
    proc = subprocess.run([sys.executable, "-m", "fmbench", "run", "--suite", "SUITE-TOY-CLASS", "--model", "logistic",
                           "--out", str(out)], capture_output=True, text=True, env=env, timeout=600)
    assert proc.returncode == 0, proc.stderr
    return out


def test_logistic_beats_chance_with_ci_excluding_half(logistic_run):  # noqa: ANN001
    rec = read_record(logistic_run / "eval.yaml")
    auroc = rec.metrics["AUROC"]
    assert auroc.value > 0.75
    assert auroc.ci[0] > 0.5
    assert rec.benchmark_id == "BM-TOY-CLASS" and rec.evidence == "run" and rec.status == "completed"
    assert digest_matches(rec)
    assert rec.bootstrap.B == 1000 and rec.bootstrap.cluster == "subject_id"
    assert len(rec.bootstrap.replicate_array("AUROC")) == 1000
    assert {"scanner", "site", "disease_stage", "sex", "age_group", "ethnicity"} <= set(rec.stratified)


def test_reports_are_written(logistic_run):  # noqa: ANN001
    md = (logistic_run / "report.md").read_text()
    html = (logistic_run / "report.html").read_text()
    assert "| AUROC |" in md and "By Scanner" in md
    assert "<svg" in html and "by subgroup (95% CI)" in html


def test_record_metrics_equal_sklearn_on_the_same_split(logistic_run, data_dir):  # noqa: ANN001
    """Recompute the run independently with scikit-learn on the recorded split."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from fmbench.catalog.registry import load_catalog
    from fmbench.data.provision import load_dataset
    from fmbench.tasks.splits import holdout_split

    cat = load_catalog()
    suite = cat.suite("SUITE-TOY-CLASS")
    ds = load_dataset(cat.dataset(suite.dataset_id), data_dir)
    y = (ds.meta["label"] == "positive").to_numpy().astype(int)
    train, test = holdout_split(y, ds.meta, suite.split, suite.split.seed)
    clf = make_pipeline(StandardScaler(), LogisticRegression(C=0.1, max_iter=2000)).fit(np.asarray(ds.X)[train], y[train])
    p = clf.predict_proba(np.asarray(ds.X)[test])[:, 1]
    rec = read_record(logistic_run / "eval.yaml")
    assert rec.metrics["AUROC"].value == pytest.approx(roc_auc_score(y[test], p), abs=1e-9)
    assert rec.metrics["Accuracy"].value == pytest.approx(accuracy_score(y[test], p >= 0.5), abs=1e-9)
    assert rec.metrics["F1-Score"].value == pytest.approx(f1_score(y[test], p >= 0.5), abs=1e-9)
    assert rec.metrics["Macro F1"].value == pytest.approx(
        f1_score(y[test], p >= 0.5, average="macro"), abs=1e-9
    )
    # the run sees the float32 features as stored; sklearn here the same values: agree to float32 precision
    assert rec.metrics["Brier Score"].value == pytest.approx(brier_score_loss(y[test], p), abs=1e-6)
    assert rec.dataset.n == len(test)


def test_dummy_classifier_is_near_chance(cli, tmp_path):  # noqa: ANN001
    proc = cli("run", "--suite", "SUITE-TOY-CLASS", "--model", "dummy_classifier", "--out", tmp_path / "d")
    assert proc.returncode == 0, proc.stderr
    auroc = read_record(tmp_path / "d" / "eval.yaml").metrics["AUROC"]
    assert auroc.ci[0] < 0.5 < auroc.ci[1]


def test_same_seed_gives_identical_records(cli, tmp_path):  # noqa: ANN001
    for name in ("a", "b"):
        proc = cli(
            "run",
            "--suite",
            "SUITE-TOY-CLASS-CV",
            "--model",
            "logistic",
            "--out",
            tmp_path / name,
            "--seed",
            "3",
        )
        assert proc.returncode == 0, proc.stderr
    a = read_record(tmp_path / "a" / "eval.yaml").to_data()
    b = read_record(tmp_path / "b" / "eval.yaml").to_data()
    for volatile in ("eval_id", "created_at", "resources", "digest"):
        a.pop(volatile), b.pop(volatile)
    assert a == b


def test_linear_probe_runs_on_a_builtin_baseline(cli, tmp_path):  # noqa: ANN001
    """A never-fitted baseline embeds its raw features; the probe does the learning."""
    proc = cli(
        "run",
        "--suite",
        "SUITE-TOY-CLASS",
        "--model",
        "logistic",
        "--protocol",
        "linear_probe",
        "--out",
        tmp_path / "probe",
    )
    assert proc.returncode == 0, proc.stderr
    rec = read_record(tmp_path / "probe" / "eval.yaml")
    assert rec.provenance["protocol"] == "linear_probe"
    assert rec.metrics["AUROC"].ci[0] > 0.5
