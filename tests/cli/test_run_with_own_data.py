"""``run --data`` / ``run-robustness --data`` from the command line: the hub's earlier folders work
without extra flags, tables and texts run, bad input is one line with exit 2 and no output."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from fmbench.catalog.registry import load_catalog
from fmbench.cli import main
from fmbench.records.io import read_record


def earlier_layout(folder: Path, X: np.ndarray, y: np.ndarray, sampling_freq: float, **meta) -> Path:  # noqa: ANN003
    """X.npy, y.npy, metadata.csv, info.json as the hub's earlier tooling wrote them."""
    folder.mkdir(parents=True)
    np.save(folder / "X.npy", X)
    np.save(folder / "y.npy", y)
    pd.DataFrame(meta).to_csv(folder / "metadata.csv", index=False)
    (folder / "info.json").write_text(json.dumps({"sampling_freq": sampling_freq, "n_channels": X.shape[1]}))
    return folder


@pytest.fixture(scope="module")
def eeg_folder(tmp_path_factory) -> Path:  # noqa: ANN001
    """The earlier robustness layout: 60 epochs x 4 channels x 256 samples at 128 Hz, two classes
    with different dominant rhythms, 2 epochs per subject."""
    rng = np.random.default_rng(3)
    n = 60
    y = np.arange(n) % 2
    t = np.arange(256) / 128
    rhythm = np.where(y[:, None] == 1, np.sin(2 * np.pi * 6 * t), np.sin(2 * np.pi * 10 * t))
    X = (rhythm[:, None, :] + rng.standard_normal((n, 4, 256))).astype(np.float32)
    folder = tmp_path_factory.mktemp("earlier") / "robustness"
    return earlier_layout(folder, X, y, 128, subject_id=[f"s{i // 2}" for i in range(n)],
                          site=np.tile(["A", "B", "C"], n // 3))


@pytest.fixture(scope="module")
def fmri_folder(tmp_path_factory) -> Path:  # noqa: ANN001
    """The earlier fMRI layout: 80 scans x 45 connectivity features, string labels, TR 2 s."""
    rng = np.random.default_rng(4)
    n = 80
    y = np.where(np.arange(n) % 2 == 1, "patient", "control")
    effect = 0.8 * (y == "patient")[:, None] * (np.arange(45) < 5)
    X = (rng.standard_normal((n, 45)) + effect).astype(np.float32)
    folder = tmp_path_factory.mktemp("earlier") / "fmri_connectivity"
    return earlier_layout(folder, X, y, 0.5, subject_id=[f"sub-{i:03d}" for i in range(n)],
                          scanner=np.tile(["Siemens", "GE"], n // 2))


def test_run_robustness_on_the_earlier_layout_needs_no_flags(eeg_folder, tmp_path, cli) -> None:  # noqa: ANN001
    out = tmp_path / "robust"
    proc = cli("run-robustness", "--model", "logistic", "--data", eeg_folder, "--out", out)
    assert proc.returncode == 0, proc.stderr
    rec = read_record(out / "eval.yaml")
    assert rec.dataset.id == "DS-USER-robustness" and rec.dataset.name == "robustness"
    assert "line_noise" in rec.details["probes"]  # info.json's 128 Hz made the mains probe possible
    assert rec.provenance["data"]["format"] == "earlier hub folder"
    assert rec.bootstrap.cluster == "subject_id"


@pytest.mark.slow
def test_run_on_the_earlier_layouts(eeg_folder, fmri_folder, tmp_path, cli) -> None:  # noqa: ANN001
    out = tmp_path / "robust-run"
    proc = cli("run", "--suite", "SUITE-ROBUSTNESS-NEURO", "--model", "logistic", "--data", eeg_folder,
               "--out", out)
    assert proc.returncode == 0, proc.stderr
    assert read_record(out / "eval.yaml").dataset.id == "DS-USER-robustness"
    out = tmp_path / "fmri"
    proc = cli("run", "--suite", "SUITE-TOY-CLASS", "--model", "logistic", "--data", fmri_folder,
               "--out", out)
    assert proc.returncode == 0, proc.stderr
    rec = read_record(out / "eval.yaml")
    assert rec.dataset.id == "DS-USER-fmri_connectivity" and rec.dataset.split == "holdout test 24/80"
    assert rec.metrics["AUROC"].value > 0.7
    assert set(rec.stratified) >= {"scanner"}  # a benchmark stratum the folder's metadata has
    assert rec.details["positive_class"] == "patient"  # 'positive' is not a label: the second class
    builtin = load_catalog().dataset("DS-TOY-FMRI-CLASS")
    assert rec.dataset.id != builtin.id


def test_run_on_a_csv_table_with_strata(tmp_path, cli) -> None:  # noqa: ANN001
    rng = np.random.default_rng(5)
    n = 100  # 30 test rows: 15 per centre, above the suite's min_group_size of 10
    label = np.where(np.arange(n) % 2 == 1, "case", "control")
    table = pd.DataFrame(rng.standard_normal((n, 6)), columns=[f"roi{i}" for i in range(6)])
    table["roi0"] += 1.5 * (label == "case")
    table["diagnosis"], table["centre"] = label, np.tile(["north", "south"], n // 2)
    path = tmp_path / "regions.csv"
    table.to_csv(path, index=False)
    out = tmp_path / "out"
    proc = cli("run", "--suite", "SUITE-TOY-CLASS", "--model", "logistic", "--data", path, "--label-column",
               "diagnosis", "--strata", "centre", "--out", out)
    assert proc.returncode == 0, proc.stderr
    rec = read_record(out / "eval.yaml")
    assert rec.dataset.id == "DS-USER-regions" and list(rec.stratified) == ["centre"]
    data = rec.provenance["data"]
    assert {k: data[k] for k in ("format", "name", "label_column")} == {
        "format": "table", "name": "regions.csv", "label_column": "diagnosis"}
    assert "split without groups (no 'subject_id' column)" in data["suite_adapted"]


BOW = '''
import numpy as np


class BagOfWords:
    """Counts of a fixed vocabulary: a stand-in for a sentence encoder."""

    vocab = ["effusion", "opacity", "clear", "normal", "small", "left", "right", "no"]

    def embed(self, texts):
        return np.array([[t.lower().split().count(w) for w in self.vocab] for t in texts], dtype=float)
'''


def test_texts_run_with_a_probe(tmp_path, cli) -> None:  # noqa: ANN001
    (tmp_path / "bow.py").write_text(BOW)
    (tmp_path / "bow.yaml").write_text("model_id: bow\ntype: python_class\nimport_path: bow:BagOfWords\n")
    rng = np.random.default_rng(6)
    lines = []
    for i in range(60):
        finding = i % 2 == 1
        words = ["small left effusion", "right opacity"] if finding else ["lungs clear", "no effusion normal"]
        lines.append({"text": f"{words[rng.integers(2)]} study {i}",
                      "label": "finding" if finding else "none", "site": ["A", "B"][i % 2]})
    path = tmp_path / "reports.jsonl"
    path.write_text("".join(json.dumps(x) + "\n" for x in lines))
    suites = [s for s in ("SUITE-TOY-CLASS",) if s in load_catalog().suites]
    for suite in suites:
        out = tmp_path / f"out-{suite}"
        proc = cli("run", "--suite", suite, "--model", tmp_path / "bow.yaml", "--protocol", "linear_probe",
                   "--data", path, "--out", out)
        assert proc.returncode == 0, proc.stderr
        rec = read_record(out / "eval.yaml")
        assert rec.dataset.id == "DS-USER-reports" and rec.metrics["AUROC"].value > 0.9


def _text_suites() -> list[str]:
    """Built-in suites whose own dataset is texts (another branch adds one); run if present."""
    cat = load_catalog()
    return sorted(s.id for s in cat.suites.values()
                  if cat.datasets.get(s.dataset_id) is not None
                  and "text" in (cat.datasets[s.dataset_id].modality or "").lower()
                  and s.protocol in ("classification", "linear_probe", "knn_probe"))


@pytest.mark.parametrize("suite", _text_suites() or [pytest.param(None, marks=pytest.mark.skip(
    reason="no built-in text classification suite in this catalog yet"))])
def test_texts_on_a_builtin_text_suite(tmp_path, cli, suite) -> None:  # noqa: ANN001
    (tmp_path / "bow.py").write_text(BOW)
    (tmp_path / "bow.yaml").write_text("model_id: bow\ntype: python_class\nimport_path: bow:BagOfWords\n")
    path = tmp_path / "texts.jsonl"
    path.write_text("".join(json.dumps({"text": f"{'left effusion' if i % 2 else 'clear'} {i}",
                                        "label": "yes" if i % 2 else "no"}) + "\n" for i in range(40)))
    out = tmp_path / "out"
    proc = cli("run", "--suite", suite, "--model", tmp_path / "bow.yaml", "--protocol", "linear_probe",
               "--data", path, "--out", out)
    assert proc.returncode == 0, proc.stderr
    assert read_record(out / "eval.yaml").dataset.id == "DS-USER-texts"


# ---------------------------------------------------------- bad input: one line, exit 2, nothing written


def fails_cleanly(capsys, out: Path, argv: list, *needles: str) -> str:  # noqa: ANN001
    with pytest.raises(SystemExit) as exc:
        main([str(a) for a in argv])
    err = capsys.readouterr().err
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert exc.value.code == 2, err
    assert len(lines) == 1 and "Traceback" not in err, err
    for n in needles:
        assert n in lines[0], lines[0]
    assert not out.exists()
    return lines[0]


def test_bad_own_data_is_one_line(tmp_path, capsys, monkeypatch, data_dir) -> None:  # noqa: ANN001
    monkeypatch.setenv("FMBENCH_DATA", str(data_dir))
    out = tmp_path / "out"
    run = ["run", "--suite", "SUITE-TOY-CLASS", "--model", "logistic", "--out", out, "--data"]
    mismatch = earlier_layout(tmp_path / "mismatch", np.zeros((10, 3), np.float32), np.arange(9) % 2, 100,
                              site=["a"] * 10)
    fails_cleanly(capsys, out, [*run, mismatch], "y.npy has 9 labels but X.npy has 10 rows")
    (tmp_path / "t.csv").write_text("f1,f2,Label\n1,2,a\n3,4,b\n")
    fails_cleanly(capsys, out, [*run, tmp_path / "t.csv"], "t.csv", "no label column 'label'",
                  "did you mean 'Label'?", "--label-column")
    (tmp_path / "w.csv").write_text("f1,f2,label\n1,x,a\n3,y,b\n")
    fails_cleanly(capsys, out, [*run, tmp_path / "w.csv", "--meta-columns", "f1"],
                  "feature column 'f2' is not numeric", "line 2: 'x'")
    (tmp_path / "empty.jsonl").write_text("")
    fails_cleanly(capsys, out, [*run, tmp_path / "empty.jsonl"], "empty.jsonl", "empty")
    (tmp_path / "cells.loom").write_text("x")
    fails_cleanly(capsys, out, [*run, tmp_path / "cells.loom"], "unsupported file type '.loom'",
                  ".csv, .tsv, .parquet, .h5ad, .jsonl")
    fails_cleanly(capsys, out, ["run", "--suite", "SUITE-TOY-CLASS", "--model", "logistic", "--out", out,
                                "--label-column", "dx"], "--label-column applies to your own data", "--data")


def test_help_lists_the_data_options() -> None:
    from typer.testing import CliRunner

    from fmbench.cli import _register_all, app

    _register_all()
    text = CliRunner().invoke(app, ["run", "--help"], terminal_width=200).output
    for flag in ("--data", "--label-column", "--meta-columns", "--text-column", "--strata"):
        assert flag in text
