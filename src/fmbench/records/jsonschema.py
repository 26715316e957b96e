"""The published JSON Schema of eval records (schemas/eval-record.schema.json)."""

from __future__ import annotations

import json

from fmbench.records.schema import EvalRecord


def eval_record_schema() -> dict:
    schema = EvalRecord.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = "https://fmbench.org/schemas/eval-record.schema.json"
    return schema


def eval_record_schema_text() -> str:
    return json.dumps(eval_record_schema(), indent=2, sort_keys=True) + "\n"
