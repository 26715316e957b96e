"""run-robustness end to end through the CLI (subprocess), on the toy EEG suite and on --data."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from fmbench.catalog.registry import load_catalog
from fmbench.records.io import read_record


@pytest.fixture(scope="module")
def eeg_run(tmp_path_factory: pytest.TempPathFactory, data_dir: Path):  # noqa: ANN201
    import subprocess
    import sys

    out = tmp_path_factory.mktemp("rbcli") / "logistic"
    env = {**os.environ, "FMBENCH_DATA": str(data_dir)}
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "fmbench",
            "run-robustness",
            "--model",
            "logistic",
            "--suite",
            "SUITE-ROBUSTNESS-NEURO",
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    return proc, out


def test_toy_eeg_run_writes_record_and_reports(eeg_run) -> None:  # noqa: ANN001
    proc, out = eeg_run
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""  # no progress bar when piped
    assert sorted(p.name for p in out.iterdir()) == ["eval.yaml", "report.html", "report.md"]
    rec = read_record(out / "eval.yaml")
    assert rec.benchmark_id == "robustness_testing" and rec.suite_id == "SUITE-ROBUSTNESS-NEURO"
    assert rec.dataset.id == "DS-TOY-EEG" and rec.dataset.n == 30
    bench = load_catalog().benchmark("robustness_testing")
    for name, mv in rec.metrics.items():
        spec = bench.metric(name)
        assert spec is not None, f"{name} is not defined by the benchmark"
        assert mv.value is None or spec.in_range(mv.value), (name, mv.value)
    assert rec.metrics["clean_AUROC"].ci is not None
    md = (out / "report.md").read_text()
    for probe in ("dropout", "noise", "line\\_noise", "permutation", "shift"):
        assert f"## Probe {probe}" in md
    html = (out / "report.html").read_text()
    assert html.count("<svg") >= 10  # stability and performance plot per probe
    assert "output stability" in html and "task performance" in html


def test_probe_failure_fails_the_run_cleanly(tmp_path: Path, cli) -> None:  # noqa: ANN001
    model = tmp_path / "m.yaml"
    model.write_text(
        yaml.safe_dump(
            {"model_id": "fails", "type": "python_class", "import_path": "fmbench.testing:FailOnFifthCall"}
        )
    )
    out = tmp_path / "out"
    proc = cli(
        "run-robustness",
        "--model",
        model,
        "--out",
        out,
        "--probes",
        "noise",
    )
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    # call 1 is the clean pass; calls 2.. are noise at 40, 30, 20, 10 dB: the fifth is 10 dB
    assert "probe noise at level 10" in lines[0] and "simulated failure" in lines[0]
    assert not out.exists()


def test_nyquist_refusal_through_cli(tmp_path: Path, cli) -> None:  # noqa: ANN001
    out = tmp_path / "out"
    proc = cli("run-robustness", "--model", "dummy_classifier", "--out", out, "--sampling-freq", "100")
    assert proc.returncode == 2 and len(proc.stderr.strip().splitlines()) == 1
    assert "Nyquist" in proc.stderr and "50 Hz" in proc.stderr
    assert not out.exists()


def test_data_folder_without_sampling_freq_skips_line_noise_only_when_asked(tmp_path: Path, cli) -> None:  # noqa: ANN001
    folder = tmp_path / "mydata"
    folder.mkdir()
    rng = np.random.default_rng(0)
    y = np.arange(40) % 2
    np.save(folder / "X.npy", (rng.standard_normal((40, 4, 64)) + y[:, None, None]).astype(np.float32))
    pd.DataFrame({"label": np.where(y == 1, "case", "control")}).to_csv(folder / "meta.csv", index=False)
    refused = cli("run-robustness", "--model", "logistic", "--data", folder, "--out", tmp_path / "a")
    assert refused.returncode == 2 and "--sampling-freq" in refused.stderr
    ok = cli(
        "run-robustness",
        "--model",
        "logistic",
        "--data",
        folder,
        "--out",
        tmp_path / "b",
        "--probes",
        "dropout,noise,shift",
    )
    assert ok.returncode == 0, ok.stderr
    rec = read_record(tmp_path / "b" / "eval.yaml")
    assert rec.dataset.id == "DS-USER-mydata" and set(rec.details["probes"]) == {"dropout", "noise", "shift"}


def test_non_robustness_suite_and_bad_probe_are_refused(tmp_path: Path, cli) -> None:  # noqa: ANN001
    proc = cli("run-robustness", "--model", "logistic", "--suite", "SUITE-TOY-CLASS", "--out", tmp_path / "x")
    assert proc.returncode == 2 and "protocol 'robustness'" in proc.stderr
    proc = cli("run-robustness", "--model", "logistic", "--probes", "masking", "--out", tmp_path / "y")
    assert proc.returncode == 2 and "does not apply to time series" in proc.stderr


def test_suite_is_in_quickstart() -> None:
    suite = load_catalog().suite("SUITE-ROBUSTNESS-NEURO")
    assert suite.baselines == ["dummy_classifier", "logistic"] and suite.protocol == "robustness"
