"""Every catalog file validates; list/validate commands; record schema and digest."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from fmbench.catalog.registry import load_catalog
from fmbench.records.digest import compute_digest
from fmbench.records.io import finalize, parse_record, record_to_yaml
from fmbench.records.jsonschema import eval_record_schema_text
from fmbench.records.schema import EvalRecord
from fmbench.yamlio import parse_yaml

REPO = Path(__file__).resolve().parents[2]

BENCHMARKS = {"BM-REPORT-GEN": "report_quality_score", "robustness_testing": "robustness_score",
              "BM-002": "Accuracy", "BM-001": "AUROC", "BM-BRAIN-MAE": "Correlation",
              "BM-TOY-CLASS": "AUROC", "BM-FMRI-GRANULAR": "AUROC", "BM-REPORT-FINDING": "AUROC"}


def test_eight_benchmarks_with_primary_metrics():
    cat = load_catalog()
    assert {k: v.primary_metric for k, v in cat.benchmarks.items() if k in BENCHMARKS} == BENCHMARKS
    for b in cat.benchmarks.values():
        assert b.clinical_relevance and b.health_domain and b.ai_task and b.input_modality and b.output_type
        for m in b.metrics:
            assert m.definition
    assert cat.benchmark("BM-BRAIN-MAE").metric("MSE").direction == "lower"


def test_every_suite_references_resolve_and_hub_models_listed():
    cat = load_catalog()
    assert cat.check_references() == []
    assert {"Flamingo", "Geneformer", "UNI", "BrainLM", "dummy_classifier", "majority", "logistic"} <= set(cat.models)
    for mid in ("Flamingo", "Geneformer", "UNI", "BrainLM"):
        card = cat.model(mid)
        assert card.paper and card.repo and card.license


def test_list_commands_json(cli):  # noqa: ANN001
    for what in ("benchmarks", "suites", "datasets", "models"):
        proc = cli(f"list-{what}", "--json")
        assert proc.returncode == 0, proc.stderr
        rows = json.loads(proc.stdout)
        assert rows and all("id" in r for r in rows)


def test_validate_reports_each_problem_as_file_field_message(cli, tmp_path):  # noqa: ANN001
    bad_suite = tmp_path / "suites" / "S.yaml"
    bad_suite.parent.mkdir()
    bad_suite.write_text("id: S\nbenchmark_id: BM-NOPE\nname: s\ndataset_id: DS-TOY-FMRI-CLASS\nprotocol: classification\n"
                         "min_group_size: 0\n")
    rec = tmp_path / "eval.yaml"
    rec.write_text("schema_version: 1\neval_id: a/b\nbenchmark_id: BM-001\nmodel: {id: m, name: M}\n"
                   "dataset: {id: d}\ncreated_at: 2024-01-01\nmetrics: {AUROC: 1.7}\n")
    proc = cli("validate", bad_suite, rec)
    assert proc.returncode == 2
    out = proc.stdout
    assert f"{bad_suite}: min_group_size:" in out
    assert f"{rec}: eval_id:" in out


def test_validate_catches_out_of_range_metric(cli, tmp_path):  # noqa: ANN001
    rec = tmp_path / "eval.yaml"
    rec.write_text("schema_version: 1\neval_id: ok.1\nbenchmark_id: BM-001\nmodel: {id: m, name: M}\n"
                   "dataset: {id: d}\ncreated_at: 2024-01-01\nmetrics: {AUROC: 1.7}\n")
    proc = cli("validate", rec)
    assert proc.returncode == 2
    assert f"{rec}: metrics.AUROC: 1.7 is outside the valid range" in proc.stdout


def test_builtin_catalog_validates(cli):  # noqa: ANN001
    proc = cli("validate", REPO / "src" / "fmbench" / "catalog" / "builtin")
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_flat_seed_format_loads_and_null_needs_reason():
    rec = parse_record({"eval_id": "x", "benchmark_id": "BM-002", "model": {"id": "g", "name": "G"},
                        "dataset": {"id": "pbmc"}, "created_at": "2023-11-01",
                        "metrics": {"Accuracy": 0.91, "F1-Score": 0.85}}, source="seed")
    assert rec.metrics["Accuracy"].value == 0.91 and rec.metrics["Accuracy"].ci is None
    with pytest.raises(Exception, match="reason"):
        parse_record({"eval_id": "x", "benchmark_id": "BM-002", "model": {"id": "g", "name": "G"},
                      "dataset": {"id": "pbmc"}, "created_at": "2023-11-01",
                      "metrics": {"Accuracy": None}}, source="seed")


def test_digest_is_canonical_and_survives_yaml_roundtrip():
    rec = finalize(EvalRecord(eval_id="e.1", benchmark_id="BM-002", model={"id": "m", "name": "M"},
                              dataset={"id": "d"}, created_at=datetime(2024, 1, 2, tzinfo=UTC),
                              metrics={"Accuracy": {"value": 0.5, "ci": [0.4, 0.6], "n": 10}}))
    again = parse_record(parse_yaml(record_to_yaml(rec), source="t"), source="t")
    assert again.digest == rec.digest == compute_digest(again)
    changed = again.model_copy(update={"notes": "x"})
    assert compute_digest(changed) != rec.digest


def test_published_json_schema_is_current():
    assert (REPO / "schemas" / "eval-record.schema.json").read_text() == eval_record_schema_text()


def test_validate_a_user_catalog_folder_resolves_its_own_references(cli, tmp_path):  # noqa: ANN001
    (tmp_path / "datasets").mkdir()
    (tmp_path / "suites").mkdir()
    (tmp_path / "datasets" / "DS-MINE.yaml").write_text(
        "id: DS-MINE\nname: mine\nsource: file\nformat: npy+csv\nlicense: CC0-1.0\nparams: {path: /data/mine}\n")
    (tmp_path / "suites" / "SUITE-MINE.yaml").write_text(
        "id: SUITE-MINE\nbenchmark_id: BM-TOY-CLASS\nname: mine\ndataset_id: DS-MINE\nprotocol: classification\n")
    ok = cli("validate", tmp_path)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    (tmp_path / "suites" / "SUITE-BAD.yaml").write_text(
        "id: SUITE-BAD\nbenchmark_id: BM-TOY-CLASS\nname: bad\ndataset_id: DS-NOPE\nprotocol: classification\n")
    bad = cli("validate", tmp_path)
    assert bad.returncode == 2
    assert f"{tmp_path / 'suites' / 'SUITE-BAD.yaml'}: dataset_id: unknown dataset 'DS-NOPE'" in bad.stdout
