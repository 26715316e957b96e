"""Record encoding: base64 replicates are checked strictly, and the digest's fast path writes
exactly the bytes of plain canonical JSON (json.dumps) in every case, common or odd."""

from __future__ import annotations

import base64
import hashlib
import json

import numpy as np
import pytest
from pydantic import ValidationError

from fmbench.records.digest import canonical_json, compute_digest, record_json
from fmbench.records.schema import BootstrapInfo, EvalRecord, decode_replicates, encode_replicates


def _record(replicates: dict, **extra) -> EvalRecord:  # noqa: ANN003
    return EvalRecord.model_validate(
        {
            "eval_id": "enc-1",
            "benchmark_id": "BM-TOY-CLASS",
            "model": {"id": "m", "name": "M"},
            "dataset": {"id": "d"},
            "created_at": "2025-01-01T00:00:00Z",
            "metrics": {"AUROC": {"value": 0.8, "ci": [0.7, 0.9], "n": 60}},
            "bootstrap": {"scheme": "sha256:x", "B": 4, "replicates": replicates},
            **extra,
        }
    )


def _reference_digest(record: EvalRecord) -> str:
    """The digest as DESIGN.md defines it: sha256 of json.dumps(sorted, compact, UTF-8)."""
    data = record.to_data(with_digest=False)
    text = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    return "sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest()


def test_replicates_round_trip_exactly():
    values = np.random.default_rng(0).normal(size=1000)
    stored = encode_replicates(values)
    assert np.array_equal(decode_replicates(stored), values)
    rec = _record({"AUROC": stored})
    assert np.array_equal(rec.bootstrap.replicate_array("AUROC"), values)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("AAAA AAAAAAA", "invalid base64"),  # space
        ("AAAAAAAAAAA", "invalid base64"),  # length not a multiple of 4
        ("AAAAAAAA=AAA", "invalid base64"),  # padding inside
        ("AAAAAAAAA===", "invalid base64"),  # three '='
        ("AAAAAAAAAAé=", "invalid base64"),  # non-ASCII
        ("AAAA", "multiple of 8"),  # 3 bytes
        ("AAAAAAAAAA==", "multiple of 8"),  # 7 bytes
    ],
)
def test_malformed_base64_replicates_are_refused(body: str, message: str):
    with pytest.raises(ValidationError, match=message):
        BootstrapInfo(scheme="s", B=1, replicates={"AUROC": "b64f8:" + body})


def test_accepted_strings_decode_to_whole_float64s():
    for n in range(0, 6):
        body = base64.b64encode(bytes(8 * n)).decode()
        info = BootstrapInfo(scheme="s", B=1, replicates={"AUROC": "b64f8:" + body})
        assert info.replicate_array("AUROC").shape == (n,)


def test_digest_fast_path_equals_plain_canonical_json():
    values = np.random.default_rng(1).uniform(size=1000)
    rec = _record(
        {"AUROC": encode_replicates(values), "Accuracy": [0.5, None, 0.25]},
        notes='quotes " and \\ and é and \n and the token "@fmbench-replicates-0@"',
    )
    data = rec.to_data(with_digest=False)
    assert record_json(data) == canonical_json(data)
    assert compute_digest(rec) == _reference_digest(rec)


def test_digest_falls_back_when_a_placeholder_occurs_elsewhere():
    rec = _record({"AUROC": encode_replicates(np.arange(4.0))}, details={"x": "@fmbench-replicates-0@"})
    data = rec.to_data(with_digest=False)
    assert record_json(data) == canonical_json(data)


def test_digest_escapes_strings_that_bypassed_validation():
    """A replicate string that was never validated (built with model_construct) is escaped
    exactly as json.dumps escapes it, not spliced in raw."""
    rec = _record({"AUROC": encode_replicates(np.arange(4.0))})
    odd = BootstrapInfo.model_construct(scheme="s", B=1, replicates={"AUROC": 'b64f8:"\n\\'})
    rec = rec.model_copy(update={"bootstrap": odd})
    data = rec.to_data(with_digest=False)
    assert record_json(data) == canonical_json(data)
    assert compute_digest(rec) == _reference_digest(rec)
