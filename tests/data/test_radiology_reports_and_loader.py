"""The radiology study generator, its labels, and the report_jsonl loader."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from fmbench.catalog.registry import load_catalog
from fmbench.data.generators.radiology_reports import generate
from fmbench.data.loaders.report_jsonl import read_predictions
from fmbench.data.provision import load_dataset
from fmbench.errors import DataError
from fmbench.metrics.findings import label_report


def _studies(folder: Path) -> list[dict]:
    return [
        json.loads(line)
        for split in ("train", "test")
        for line in (folder / f"{split}.jsonl").read_text(encoding="utf-8").splitlines()
    ]


def test_generator_is_deterministic(tmp_path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    b.mkdir()
    generate(a, seed=7, n_train=60, n_test=20)
    generate(b, seed=7, n_train=60, n_test=20)
    for name in ("train.jsonl", "test.jsonl"):
        assert (a / name).read_bytes() == (b / name).read_bytes()
    c = tmp_path / "c"
    c.mkdir()
    generate(c, seed=8, n_train=60, n_test=20)
    assert (c / "train.jsonl").read_bytes() != (a / "train.jsonl").read_bytes()


def test_generated_studies_are_complete_and_varied(rg_data_dir) -> None:
    ds = load_dataset(load_catalog().dataset("DS-RADIOLOGY-REPORTS"), rg_data_dir)
    studies = _studies(rg_data_dir / "DS-RADIOLOGY-REPORTS")
    assert Counter(s["split"] for s in studies) == {"train": 800, "test": 200}
    assert {s["report_type"] for s in studies} == {"chest_xray", "brain_mri", "ct_abdomen"}
    assert {s["complexity"] for s in studies} == {"simple", "moderate", "complex"}
    assert {s["modality"] for s in studies} == {"CR", "DX", "MR", "CT"}
    assert len({s["institution"] for s in studies}) == 4
    statuses = Counter(f["status"] for s in studies for f in s["findings"])
    assert statuses["uncertain"] > 50 and statuses["present"] > 500 and statuses["absent"] > 1000
    for s in studies:
        ref = s["reference"]
        assert ref.startswith("FINDINGS: ") and "\nIMPRESSION: " in ref
        assert s["labels"] == {f["finding"]: f["status"] for f in s["findings"]}
    # several phrasings: the same finding is worded in several ways across studies
    assert len({s["reference"] for s in studies}) > 600
    # the model input holds no reference and no labels
    assert not {"reference", "labels"} & set(ds.extras["inputs"][0])
    assert ds.meta.columns.tolist() == [
        "study_id",
        "split",
        "report_type",
        "modality",
        "institution",
        "complexity",
    ]


def test_labeler_recovers_the_generator_labels(rg_data_dir) -> None:
    load_dataset(load_catalog().dataset("DS-RADIOLOGY-REPORTS"), rg_data_dir)
    studies = _studies(rg_data_dir / "DS-RADIOLOGY-REPORTS")
    wrong = [s["study_id"] for s in studies if label_report(s["reference"]) != s["labels"]]
    assert wrong == []


def _write(path: Path, lines: list) -> Path:
    path.write_text(
        "\n".join(x if isinstance(x, str) else json.dumps(x) for x in lines) + "\n", encoding="utf-8"
    )
    return path


def test_read_predictions_ok(tmp_path) -> None:
    p = _write(
        tmp_path / "p.jsonl",
        [
            {"study_id": "a", "reference": "R1", "generated": "G1"},
            "",
            {"study_id": 2, "reference": "R2", "generated": "G2", "extra": 1},
        ],
    )
    assert read_predictions(p) == (["a", "2"], ["R1", "R2"], ["G1", "G2"])


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        ([{"reference": "R", "generated": "G"}], "p.jsonl:1: field 'study_id' is missing"),
        ([{"study_id": "a", "reference": "R", "generated": "  "}], "p.jsonl:1: field 'generated' is empty"),
        (
            [
                {"study_id": "a", "reference": "R", "generated": "G"},
                {"study_id": "a", "reference": "R", "generated": "G"},
            ],
            "already appears on line 1",
        ),
        (["{not json"], "p.jsonl:1: not valid JSON"),
        (["[1, 2]"], "expected a JSON object"),
        ([], "no records"),
    ],
)
def test_read_predictions_errors(tmp_path, lines, message) -> None:
    p = _write(tmp_path / "p.jsonl", lines)
    with pytest.raises(DataError, match=message.replace("(", r"\(")):
        read_predictions(p)


def test_read_predictions_non_utf8(tmp_path) -> None:
    p = tmp_path / "p.jsonl"
    p.write_bytes(
        b'{"study_id": "a", "reference": "R", "generated": "G"}\n'
        b'{"study_id": "b", "reference": "caf\xe9", "generated": "G"}\n'
    )
    with pytest.raises(DataError, match=r"p.jsonl:2: not valid UTF-8 \(byte 0xe9\)"):
        read_predictions(p)
