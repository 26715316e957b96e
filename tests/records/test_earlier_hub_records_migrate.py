"""The hub's 25 published records (its earlier tooling's format, copied unchanged into
data/reference-records) load, keep everything, reach a board as reported results with the
published scores, and are never ranked against fmbench's runs (issue 14)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

import fmbench
from fmbench.catalog.registry import load_catalog
from fmbench.records.digest import compute_digest
from fmbench.records.io import read_record
from fmbench.records.validate import record_catalog_problems

REF = Path(__file__).parent / "data" / "reference-records"
FILES = sorted(REF.glob("*/*.yaml"))
EVALS = Path(__file__).resolve().parents[2] / "evals" / "run"
PUBLISHED = {  # the hub's page: benchmark -> (model, primary score)
    "BM-REPORT-GEN": ("Flamingo", 0.84),
    "robustness_testing": ("dummy_classifier", 0.781),
    "BM-002": ("Geneformer", 0.91),
    "BM-001": ("UNI", 0.92),
    "BM-BRAIN-MAE": ("BrainLM", 0.78),
    "BM-FMRI-GRANULAR": ("BrainLM", 0.91),
    "BM-TOY-CLASS": ("dummy_classifier", 0.5597),
}


def test_there_are_25_reference_files():
    assert len(FILES) == 25


@pytest.mark.parametrize("path", FILES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_earlier_record_loads_and_validates(path: Path):
    rec = read_record(path)
    assert rec.evidence == "reported" and rec.suite_id is None
    assert rec.digest == compute_digest(rec)
    assert record_catalog_problems(rec, load_catalog(), require_digest=True) == []
    original = yaml.safe_load(path.read_text())
    # every metric value and every breakdown cell as published
    renames = rec.provenance["migrated_from"].get("metric_renames", {})  # expression_rAUC -> fmbench's name
    flat = {renames.get(k, k): v for k, v in original["metrics"].items() if k != "stratified"}
    assert {k: rec.metrics[k].value for k in flat} == flat
    for dim, groups in (original["metrics"].get("stratified") or {}).items():
        for group, cells in groups.items():
            got = rec.stratified[dim][str(group)]
            assert got.N == cells["N"]
            published = {k: v for k, v in cells.items() if k != "N"}
            assert {k: got.metrics[k].value for k in published} == published
    migrated = rec.provenance["migrated_from"]
    assert migrated["format"] == "hub-v0" and migrated["model_ids"] == original["model_ids"]
    assert migrated["run_metadata"] == original["run_metadata"]


def test_notes_hardware_breakdowns_and_probe_curves_are_kept():
    flamingo = read_record(REF / "evals" / "eval_flamingo_report_gen.yaml")
    assert flamingo.model.id == "Flamingo" and flamingo.dataset.id == "mimic_cxr_reports"
    assert flamingo.provenance["migrated_from"]["run_metadata"]["hardware"] == "4x NVIDIA A100"
    assert "4x NVIDIA A100" in flamingo.source
    assert flamingo.notes == "Chest X-ray report generation evaluation"
    assert flamingo.stratified["finding_count"]["6+_findings"].metrics["clinical_accuracy"].value == 0.79
    uni = read_record(REF / "evals" / "eval_uni_adni.yaml")
    assert uni.notes == "Fine-tuned on 10% of data." and uni.model.id == "UNI"
    assert uni.provenance["migrated_from"]["dataset_id"] == "DS-ADNI"
    rob = read_record(REF / "evals" / "ROBUSTNESS-dummy_classifier-20251127-065232.yaml")
    path = REF / "evals" / "ROBUSTNESS-dummy_classifier-20251127-065232.yaml"
    original = yaml.safe_load(path.read_text())
    assert rob.details["earlier_probes"] == original["probes"]
    curve = rob.details["curves"]["dropout"]
    assert curve["levels"] == original["probes"]["dropout"]["grid"]
    assert curve["stability (logits)"] == original["probes"]["dropout"]["logit"]["mean"]


def test_the_earlier_toy_data_keeps_its_own_identity():
    rec = read_record(REF / "evals" / "SUITE-TOY-CLASS-dummy_classifier-20251127-064058.yaml")
    assert rec.dataset.id != "DS-TOY-FMRI-CLASS" and rec.dataset.digest is None
    assert rec.provenance["migrated_from"]["dataset_id"] == "DS-TOY-FMRI-CLASS"
    assert rec.provenance["migrated_from"]["suite_id"] == "SUITE-TOY-CLASS"


def _board(tmp_path: Path, *evals: Path) -> dict:
    fmbench.build_leaderboard(list(evals), out_json=tmp_path / "lb.json", no_cache=True)
    return {b["id"]: b for b in json.loads((tmp_path / "lb.json").read_text())["benchmarks"]}


def test_a_board_of_the_reference_records_shows_the_published_scores(tmp_path: Path):
    boards = _board(tmp_path, REF)
    for bench, (model, score) in PUBLISHED.items():
        reported = boards[bench]["reported"]
        shown = [(r["model_id"], r["score"]["value"]) for r in reported]
        assert any(m == model and v == pytest.approx(score) for m, v in shown), bench
        assert all(not t["rows"] for t in boards[bench]["tables"])  # nothing ranked
    flamingo = next(r for r in boards["BM-REPORT-GEN"]["reported"] if r["model_id"] == "Flamingo")
    assert "finding_count" in {b["dimension"] for b in flamingo["breakdowns"]}
    dummy = boards["robustness_testing"]["reported"][0]
    assert {c["probe"] for c in dummy["curves"]} >= {"dropout", "noise", "shift"}


def test_with_fmbench_runs_the_reference_records_are_never_ranked(tmp_path: Path):
    boards = _board(tmp_path, REF, EVALS)
    for bench in PUBLISHED:
        for table in boards[bench]["tables"]:
            assert all(r["evidence"] == "run" for r in table["rows"])
            assert not any(r["eval_id"].startswith(("EVAL-", "SUITE-TOY-CLASS-dummy", "ROBUSTNESS-dummy"))
                           for r in table["rows"])
    toy = boards["BM-TOY-CLASS"]
    assert any(t["rows"] for t in toy["tables"])  # fmbench's own runs are still ranked
    assert any(r["score"]["value"] == pytest.approx(0.5597) for r in toy["reported"])


def test_import_records_writes_current_records_once(cli, tmp_path: Path):
    out = tmp_path / "imported"
    proc = cli("import-records", REF, "--out", out)
    assert proc.returncode == 0, proc.stderr
    written = sorted(out.glob("*.yaml"))
    assert len(written) == 15  # 10 results/ files repeat records of evals/
    assert "same record as" in proc.stdout and "wrote 15 record(s)" in proc.stdout
    for path in written:
        data = yaml.safe_load(path.read_text())
        assert "model_ids" not in data and data["evidence"] == "reported"
        assert read_record(path).digest == data["digest"]


def test_import_records_refuses_a_bad_file_and_writes_nothing(cli, tmp_path: Path):
    bad = tmp_path / "in"
    bad.mkdir()
    data = yaml.safe_load((REF / "evals" / "eval_uni_adni.yaml").read_text())
    del data["run_metadata"]["date"]
    (bad / "undated.yaml").write_text(yaml.safe_dump(data))
    (bad / "good.yaml").write_text((REF / "evals" / "eval_geneformer_pbmc.yaml").read_text())
    proc = cli("import-records", bad, "--out", tmp_path / "out")
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "undated.yaml" in lines[0] and "run_metadata.date" in lines[0]
    assert "Traceback" not in proc.stderr and not (tmp_path / "out").exists()


EARLIER_FILES = {
    "bm_toy.yaml": "benchmark_id: BM-TOY-CLASS\nname: Toy\nhealth_domain: Neurology\n"
                   "ai_task: Classification\ndescription: A toy benchmark.\n",
    "ds_pbmc.yaml": 'dataset_id: "DS-PBMC"\nname: "PBMC 68k"\nsource: "10x Genomics"\nn_subjects: 1\n',
    "model_brainlm.yaml": "model_id: brainlm\ntype: adapter\nadapter_name: brainlm\ncheckpoint_path: ckpt\n"
                          "device: cpu\n",
    "model_dummy.yaml": "model_id: dummy_classifier\ntype: python_class\n"
                        'import_path: "fmbench.dummy_model:DummyClassifier"\n'
                        "init_kwargs: {random_seed: 123}\n",
}


def test_validate_says_what_an_earlier_catalog_or_model_file_is(cli, tmp_path: Path):
    for name, text in EARLIER_FILES.items():
        (tmp_path / name).write_text(text)
    proc = cli("validate", *sorted(tmp_path.glob("*.yaml")))
    assert proc.returncode == 2
    lines = dict(line.split(": ", 1) for line in proc.stdout.strip().splitlines())
    bm, ds = lines[str(tmp_path / "bm_toy.yaml")], lines[str(tmp_path / "ds_pbmc.yaml")]
    assert "benchmark file in the hub's earlier format" in bm and "benchmark_id -> id" in bm
    assert "health_topic" in bm and "--convert" not in bm  # cannot be completed automatically
    assert "dataset card" in ds and "license" in ds
    model = lines[str(tmp_path / "model_brainlm.yaml")]
    assert "model config" in model and "checkpoint_path -> path" in model and "--convert" in model


def test_validate_convert_writes_model_configs_that_validate_and_run(cli, tmp_path: Path):
    for name in ("model_brainlm.yaml", "model_dummy.yaml"):
        (tmp_path / name).write_text(EARLIER_FILES[name])
    proc = cli("validate", "--convert", tmp_path / "model_brainlm.yaml", tmp_path / "model_dummy.yaml")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    brainlm = yaml.safe_load((tmp_path / "model_brainlm.converted.yaml").read_text())
    assert brainlm == {"model_id": "brainlm", "type": "brainlm", "path": "ckpt", "device": "cpu"}
    dummy = tmp_path / "model_dummy.converted.yaml"
    assert yaml.safe_load(dummy.read_text())["init_kwargs"] == {"seed": 123}
    run = cli("run", "--suite", "SUITE-TOY-CLASS", "--model", dummy, "--out", tmp_path / "run")
    assert run.returncode == 0, run.stderr
