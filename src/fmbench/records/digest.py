"""Canonical JSON and the content digest of a record."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from fmbench.records.schema import EvalRecord

# ASCII characters json.dumps writes as they are (it escapes '"', '\\' and controls below 0x20).
_VERBATIM = bytes(c for c in range(0x20, 0x80) if c not in b'"\\')


def canonical_json(data: Any) -> bytes:
    """Sorted keys, no whitespace, no NaN: the same content always gives the same bytes."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      allow_nan=False).encode("utf-8")


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def compute_digest(record: EvalRecord) -> str:
    return "sha256:" + sha256_hex(record_json(record.to_data(with_digest=False)))


def record_json(data: dict[str, Any]) -> bytes:
    """``canonical_json(data)`` of a record's data, byte for byte, about 40 us faster.

    json's string escaper walks every character, and a record's base64 replicates are ~11 KB
    per metric that never need escaping (the schema admits only the base64 alphabet there).
    They are dumped as short placeholders and spliced back in; anything unexpected (a string
    that would need escaping, a placeholder that also occurs elsewhere) takes the plain path.
    """
    boot = data.get("bootstrap")
    reps = boot.get("replicates") if isinstance(boot, dict) else None
    if not isinstance(reps, dict) or not reps:
        return canonical_json(data)
    spliced: dict[str, str] = {}
    stand_in: dict[str, Any] = {}
    for i, (metric, stored) in enumerate(reps.items()):
        if isinstance(stored, str) and stored.isascii() and not stored.encode().translate(None, _VERBATIM):
            token = f"\"@fmbench-replicates-{i}@\""
            spliced[token] = f'"{stored}"'
            stand_in[metric] = token[1:-1]
        else:
            stand_in[metric] = stored
    if not spliced:
        return canonical_json(data)
    text = json.dumps({**data, "bootstrap": {**boot, "replicates": stand_in}}, sort_keys=True,
                      separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    for token, value in spliced.items():
        if text.count(token) != 1:
            return canonical_json(data)
        text = text.replace(token, value)
    return text.encode("utf-8")


def with_digest(record: EvalRecord) -> EvalRecord:
    return record.model_copy(update={"digest": compute_digest(record)})


def digest_matches(record: EvalRecord) -> bool:
    return record.digest is not None and record.digest == compute_digest(record)
