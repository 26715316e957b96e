"""Turning a submitted body into a record the hub can store, or a refusal naming the field.

The checks are the static leaderboard builder's (``fmbench.records.validate``) with the
digest required, plus the body size limit enforced by the caller.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from fmbench.bounded import parse_json_bounded
from fmbench.catalog.registry import Catalog, iter_yaml_files
from fmbench.errors import FmbenchError, RecordError
from fmbench.records.io import parse_record
from fmbench.records.schema import EvalRecord
from fmbench.records.validate import record_catalog_problems, record_intake_problems
from fmbench.yamlio import parse_yaml, read_yaml

JSON_TYPES = ("application/json", "text/json")


class Refusal(FmbenchError, ValueError):
    """A submission the hub refuses; ``status`` is the HTTP status to answer with."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = " ".join(detail.split())


def parse_body(body: bytes, content_type: str | None) -> object:
    """JSON when the content type says so, else YAML (a superset of JSON); 400 if malformed."""
    ctype = (content_type or "").split(";")[0].strip().lower()
    if not body.strip():
        raise Refusal(400, "body: empty; send an eval record as YAML or JSON")
    if ctype in JSON_TYPES:
        try:
            return parse_json_bounded(body, source="body")
        except UnicodeDecodeError as exc:
            raise Refusal(400, f"body: malformed JSON: {exc}") from None
        except FmbenchError as exc:
            raise Refusal(400, str(exc)) from None
    try:
        return parse_yaml(body, source="body")
    except FmbenchError as exc:
        raise Refusal(400, str(exc)) from None


def check_record(data: object, catalog: Catalog, *, source: str = "record") -> EvalRecord:
    """Schema, then catalog checks (benchmark, suite, metric ranges, digest); 422 on failure."""
    try:
        record = parse_record(data, source=source)
    except RecordError as exc:
        raise Refusal(422, str(exc)) from None
    problems = record_catalog_problems(record, catalog, require_digest=True)
    problems = problems or record_intake_problems(record, catalog)
    if problems:
        raise Refusal(422, "; ".join(f"{source}: {p}" for p in problems))
    return record


def parse_submission(body: bytes, content_type: str | None, catalog: Catalog) -> EvalRecord:
    return check_record(parse_body(body, content_type), catalog)


def load_record_folder(
    paths: Iterable[str | Path], catalog: Catalog
) -> tuple[list[tuple[str, EvalRecord]], list[str]]:
    """Valid records from files and folders (recursively), and one problem line per bad file."""
    good: list[tuple[str, EvalRecord]] = []
    problems: list[str] = []
    for f in iter_yaml_files([Path(p) for p in paths]):
        try:
            good.append((str(f), check_record(read_yaml(f), catalog, source=str(f))))
        except FmbenchError as exc:
            problems.append(" ".join(str(exc).split()))
    return good, problems
