"""SUITE-BRAIN-MAE end to end: the CLI run, baseline ordering, bad models and bad NIfTI input."""

from __future__ import annotations

import json
import os
import shutil
import textwrap
from pathlib import Path

import nibabel as nib
import numpy as np
import pytest
import yaml
from nibabel.testing import data_path
from scipy.stats import pearsonr

from fmbench.catalog.registry import load_catalog
from fmbench.cli import main
from fmbench.data.provision import load_dataset
from fmbench.runner import run_suite
from fmbench.tasks.reconstruction import MaskParams, make_mask
from fmbench.tasks.splits import holdout_split

SUITE = "SUITE-BRAIN-MAE"

FAKES = '''
import numpy as np

class NaNRecon:
    def reconstruct(self, X_masked, mask):
        out = np.array(X_masked, dtype=float)
        out[0, 1, 2] = np.nan
        return out

class ShortRecon:
    def reconstruct(self, X_masked, mask):
        return np.asarray(X_masked)[:, :, :-1]

class OracleRecon:
    """Fills hidden entries with a known per-(ROI, time) pattern, the same for every subject and batch."""
    def reconstruct(self, X_masked, mask):
        return np.where(mask, known_fill(np.shape(X_masked)[1:]), X_masked)


def known_fill(shape):
    r, t = np.meshgrid(np.arange(shape[0]), np.arange(shape[1]), indexing="ij")
    return np.sin(0.7 * r + 0.13 * t * (r + 1))
'''


def run_main(capsys, *args):
    with pytest.raises(SystemExit) as exc:
        main([str(a) for a in args])
        raise SystemExit(0)
    cap = capsys.readouterr()
    return exc.value.code, cap.out, cap.err


def assert_one_line_failure(code, err, out_dir: Path, *needles):
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert code == 2 and len(lines) == 1, err
    assert "Traceback" not in err
    for n in needles:
        assert n in lines[0], lines[0]
    assert not out_dir.exists()


@pytest.fixture(scope="module")
def baseline_records(tmp_path_factory, data_dir):
    out = tmp_path_factory.mktemp("recon-runs")
    catalog = load_catalog()
    return {
        m: run_suite(SUITE, m, out / m, catalog=catalog, data_dir=data_dir).record
        for m in catalog.suite(SUITE).baselines
    }


def test_suite_is_listed_and_quickstart_ready(capsys):
    catalog = load_catalog()
    suite = catalog.suite(SUITE)
    assert suite.protocol == "reconstruction" and suite.baselines == ["mean_fill", "linear_interp", "lowrank"]
    assert all(catalog.models[m].config for m in suite.baselines)
    code, out, _ = run_main(capsys, "list-suites", "--json")
    listed = {s["id"]: s for s in json.loads(out)} if out.lstrip().startswith("[") else None
    assert code == 0 and listed is not None and SUITE in listed, out


def test_cli_run_linear_interp(cli, tmp_path):
    out = tmp_path / "run"
    proc = cli("run", "--suite", SUITE, "--model", "linear_interp", "--out", out)
    assert proc.returncode == 0, proc.stderr
    assert "Correlation" in proc.stdout
    rec = yaml.safe_load((out / "eval.yaml").read_text())
    assert rec["benchmark_id"] == "BM-BRAIN-MAE" and rec["dataset"]["n"] == 60
    assert set(rec["metrics"]) == {"Correlation", "MSE"}
    assert set(rec["stratified"]) == {"site", "scanner"}
    assert len(rec["bootstrap"]["replicates"]["Correlation"]) > 0
    assert (out / "report.md").exists() and (out / "report.html").exists()


def test_sensible_baselines_beat_mean_fill(baseline_records):
    corr = {m: r.metrics["Correlation"] for m, r in baseline_records.items()}
    for m in ("linear_interp", "lowrank"):
        assert corr[m].value > corr["mean_fill"].value
        assert corr[m].ci[0] > corr["mean_fill"].ci[1]  # CIs do not overlap
    assert (
        baseline_records["lowrank"].metrics["MSE"].value < baseline_records["mean_fill"].metrics["MSE"].value
    )


def test_run_metrics_match_independent_computation(tmp_path, monkeypatch, data_dir):
    """Recompute the record's metrics from the dataset, split and mask with scipy/numpy."""
    (tmp_path / "recon_fakes_a.py").write_text(FAKES)
    monkeypatch.syspath_prepend(str(tmp_path))
    cfg = tmp_path / "oracle.yaml"
    cfg.write_text("model_id: oracle-recon\ntype: python_class\nimport_path: recon_fakes_a:OracleRecon\n")
    catalog = load_catalog()
    suite = catalog.suite(SUITE)
    rec = run_suite(SUITE, cfg, tmp_path / "out", catalog=catalog, data_dir=data_dir).record
    ds = load_dataset(catalog.dataset(suite.dataset_id), data_dir)
    X = np.asarray(ds.X, dtype=float)
    mask = make_mask(X.shape, MaskParams(**suite.params["mask"]))
    _, test = holdout_split(np.zeros(len(X), dtype=int), ds.meta, suite.split, suite.split.seed)
    from recon_fakes_a import known_fill

    X_hat = np.broadcast_to(known_fill(X.shape[1:]), X[test].shape)
    corr = [pearsonr(X[i][mask[i]], X_hat[j][mask[i]]).statistic for j, i in enumerate(test)]
    mse = [np.mean((X[i][mask[i]] - X_hat[j][mask[i]]) ** 2) for j, i in enumerate(test)]
    assert rec.metrics["Correlation"].value == pytest.approx(np.mean(corr), abs=1e-9)
    assert rec.metrics["MSE"].value == pytest.approx(np.mean(mse), abs=1e-9)
    scanner = ds.meta["scanner"].to_numpy()[test]
    for g, res in rec.stratified["scanner"].items():
        assert res.metrics["MSE"].value == pytest.approx(np.mean(np.array(mse)[scanner == g]), abs=1e-9)


@pytest.mark.parametrize(("cls", "needle"), [("NaNRecon", "NaN"), ("ShortRecon", "shape")])
def test_bad_model_output_fails_cleanly(capsys, tmp_path, monkeypatch, data_dir, cls, needle):
    (tmp_path / "recon_fakes_b.py").write_text(FAKES)
    monkeypatch.syspath_prepend(str(tmp_path))
    cfg = tmp_path / "bad.yaml"
    cfg.write_text(f"model_id: bad\ntype: python_class\nimport_path: recon_fakes_b:{cls}\n")
    out = tmp_path / "out"
    code, _, err = run_main(
        capsys, "run", "--suite", SUITE, "--model", cfg, "--out", out, "--data-dir", data_dir
    )
    assert_one_line_failure(code, err, out, "model 'bad'", needle)


def nifti_catalog(tmp_path: Path) -> Path:
    data = tmp_path / "study"
    data.mkdir()
    img = nib.load(os.path.join(data_path, "functional.nii"))
    x, y, _ = np.meshgrid(*[np.arange(s) for s in img.shape[:3]], indexing="ij")
    labels = (1 + (x * 4 // img.shape[0]) + 4 * (y * 3 // img.shape[1])).astype(np.int16)  # 12 blocks
    nib.save(nib.Nifti1Image(labels, img.affine), data / "atlas.nii")
    for i in range(12):
        shutil.copy(os.path.join(data_path, "functional.nii"), data / f"sub-{i:02d}.nii")
    rows = "".join(f"sub-{i:02d},{'AB'[i % 2]},{'GE' if i < 6 else 'Siemens'}\n" for i in range(12))
    (data / "participants.csv").write_text("subject_id,site,scanner\n" + rows)
    cat = tmp_path / "catalog"
    cat.mkdir()
    (cat / "DS-MY-NIFTI.yaml").write_text(
        textwrap.dedent(f"""\
        kind: dataset
        id: DS-MY-NIFTI
        name: My fMRI study
        source: file
        loader: nifti_roi
        format: nifti
        license: PDDL
        params: {{path: {data}, bold: "sub-*.nii", labels: atlas.nii, meta_file: participants.csv}}
        """)
    )
    (cat / "SUITE-MY-NIFTI.yaml").write_text(
        textwrap.dedent("""\
        kind: suite
        id: SUITE-MY-NIFTI
        benchmark_id: BM-BRAIN-MAE
        name: masked reconstruction on my NIfTI files
        dataset_id: DS-MY-NIFTI
        protocol: reconstruction
        split: {kind: none}
        bootstrap: {n_boot: 200, cluster_column: subject_id}
        min_group_size: 5
        required_metadata: [subject_id, site, scanner]
        params: {mask: {kind: timepoints, fraction: 0.25, span: 1, seed: 0}}
        """)
    )
    return cat


def test_real_nifti_runs_and_wrong_dimensionality_fails(capsys, tmp_path):
    cat = nifti_catalog(tmp_path)
    good = tmp_path / "good"
    code, out, err = run_main(
        capsys,
        "run",
        "--suite",
        "SUITE-MY-NIFTI",
        "--model",
        "linear_interp",
        "--out",
        good,
        "--catalog",
        cat,
    )
    assert code == 0, err
    rec = yaml.safe_load((good / "eval.yaml").read_text())
    assert rec["dataset"]["n"] == 12 and rec["metrics"]["Correlation"]["value"] is not None

    bad_file = tmp_path / "study" / "sub-05.nii"
    nib.save(nib.Nifti1Image(np.zeros((17, 21, 3), dtype=np.int16), np.eye(4)), bad_file)
    bad = tmp_path / "bad"
    code, _, err = run_main(
        capsys, "run", "--suite", "SUITE-MY-NIFTI", "--model", "linear_interp", "--out", bad, "--catalog", cat
    )
    assert_one_line_failure(code, err, bad, "sub-05.nii", "expected a 4-D volume, got shape (17, 21, 3)")
