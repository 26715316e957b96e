"""run-robustness on DNA sequences through the CLI (subprocess): a `loader: sequences` dataset card and
a robustness suite in a --catalog folder, a user model from a python_class config, and the one-line
refusals of bad probes and levels."""

from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path

import pytest
import yaml

from fmbench.catalog.registry import load_catalog
from fmbench.records.io import read_record
from fmbench.testing import write_yaml

HELPERS = Path(__file__).resolve().parents[1] / "perturbations" / "sequence_models.py"


def _helpers():  # noqa: ANN202
    spec = importlib.util.spec_from_file_location("sequence_models_for_cli", HELPERS)
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("seqcli")
    cat = _helpers().write_sequence_catalog(root, n=160)
    suite = yaml.safe_load((cat / "suites" / "SUITE-SEQ-ROB.yaml").read_text())
    for sid, grids in [
        ("SUITE-SEQ-BAD-SUB", {"substitution": [0.0, 0.01, 1.5]}),
        ("SUITE-SEQ-BAD-MASK", {"n_mask": [0.0, 0.5, 1.2]}),
    ]:
        write_yaml(
            cat / "suites" / f"{sid}.yaml",
            {**suite, "id": sid, "params": {"probes": list(grids), "probe_grids": grids}},
        )
    models = root / "models"
    models.mkdir()
    shutil.copy(HELPERS, models / "user_dna_models.py")  # another name than the tests' own import
    write_yaml(
        models / "dimer.yaml",
        {"model_id": "dimer_logistic", "type": "python_class", "import_path": "user_dna_models:DimerLogistic"},
    )
    return {"root": root, "catalog": cat, "model": models / "dimer.yaml"}


def test_sequence_run_writes_curves_and_raucs_with_intervals(setup: dict[str, Path], cli) -> None:  # noqa: ANN001
    out = setup["root"] / "out"
    proc = cli(
        "run-robustness", "--suite", "SUITE-SEQ-ROB", "--catalog", setup["catalog"],
        "--model", setup["model"], "--out", out,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert "robustness_score =" in proc.stdout
    rec = read_record(out / "eval.yaml")
    assert rec.dataset.id == "DS-SEQ-TEST" and rec.dataset.n == 80
    bench = load_catalog().benchmark("robustness_testing")
    expected = {
        "robustness_score", "reverse_complement_consistency", "reverse_complement_retention",
        "substitution_rAUC", "substitution_retention_rAUC", "n_mask_rAUC", "n_mask_retention_rAUC",
        "dinuc_shuffle_AUROC", "dinuc_shuffle_skill_share", "dinuc_shuffle_similarity",
        "clean_AUROC", "clean_Accuracy",
    }  # fmt: skip
    assert set(rec.metrics) == expected
    for name, mv in rec.metrics.items():
        spec = bench.metric(name)
        assert spec is not None and mv.value is not None and spec.in_range(mv.value), (name, mv)
    for name in ("robustness_score", "substitution_rAUC", "n_mask_rAUC", "reverse_complement_consistency",
                 "dinuc_shuffle_AUROC", "clean_AUROC"):  # fmt: skip
        ci = rec.metrics[name].ci
        assert ci is not None and ci[0] <= rec.metrics[name].value <= ci[1], name
    score = rec.metrics["robustness_score"].value
    assert score == pytest.approx(
        (rec.metrics["substitution_rAUC"].value + rec.metrics["n_mask_rAUC"].value) / 2, abs=2e-6
    )
    # a 2-mer model: the shuffle keeps every dinucleotide count, so its outputs do not move
    assert rec.metrics["dinuc_shuffle_similarity"].value == pytest.approx(1.0)
    probes = rec.details["probes"]
    assert probes["substitution"]["levels"] == [0.0, 0.001, 0.01, 0.02, 0.05, 0.1]
    assert probes["n_mask"]["levels"] == [0.0, 0.05, 0.1, 0.2, 0.3, 0.5]
    assert probes["reverse_complement"]["levels"] == probes["dinuc_shuffle"]["levels"] == [0.0, 1.0]
    md = (out / "report.md").read_text()
    for probe in ("reverse\\_complement", "substitution", "n\\_mask", "dinuc\\_shuffle"):
        assert f"## Probe {probe}" in md
    html = (out / "report.html").read_text()
    assert html.count("<svg") >= 8 and "output stability" in html


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--suite", "SUITE-SEQ-BAD-SUB"], "probe substitution: levels are per-base substitution rates in [0, 1), got [1.5]"),
        (["--suite", "SUITE-SEQ-BAD-MASK"], "probe n_mask: levels are fractions of each sequence in [0, 1], got [1.2]"),
        (["--suite", "SUITE-SEQ-ROB", "--probes", "noise"], "probe 'noise' does not apply to DNA sequences"),
        (["--probes", "substitution"], "probe 'substitution' does not apply to time series"),
    ],
)
def test_bad_probes_and_levels_are_one_line_errors(setup: dict[str, Path], cli, args, message) -> None:  # noqa: ANN001
    out = setup["root"] / "refused"
    model = setup["model"] if "--suite" in args else "logistic"
    proc = cli("run-robustness", *args, "--catalog", setup["catalog"], "--model", model, "--out", out)
    lines = proc.stderr.strip().splitlines()
    assert proc.returncode == 2 and len(lines) == 1, proc.stderr
    assert message in lines[0]
    assert not out.exists()
