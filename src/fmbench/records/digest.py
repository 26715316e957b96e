"""Canonical JSON and the content digest of a record."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from fmbench.records.schema import EvalRecord


def canonical_json(data: Any) -> bytes:
    """Sorted keys, no whitespace, no NaN: the same content always gives the same bytes."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      allow_nan=False).encode("utf-8")


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def compute_digest(record: EvalRecord) -> str:
    return "sha256:" + sha256_hex(canonical_json(record.to_data(with_digest=False)))


def with_digest(record: EvalRecord) -> EvalRecord:
    return record.model_copy(update={"digest": compute_digest(record)})


def digest_matches(record: EvalRecord) -> bool:
    return record.digest is not None and record.digest == compute_digest(record)
