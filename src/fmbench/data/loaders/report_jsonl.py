"""Radiology report studies from JSONL (``train.jsonl``, ``test.jsonl``), and user predictions.

Study line: ``{"study_id", "report_type", "modality", "institution", "complexity", "indication",
"findings": [{"finding", "status", "severity"?, "location_pre"?, "location_post"?}], "reference",
"labels"?: {finding: status}, "input_text"?}``; the file name gives the split. The model input of
a study is everything but the reference and labels.

Predictions line (``run --predictions FILE``): ``{"study_id", "reference", "generated"}``.
Every problem (not UTF-8, not JSON, a missing or empty field, a duplicate id) is a DataError
naming the file and line.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from fmbench.catalog.schema import DatasetCard
from fmbench.data.dataset import Dataset
from fmbench.data.loaders import LOADERS
from fmbench.errors import DataError, NotFoundError, validation_messages

META_COLUMNS = ("study_id", "split", "report_type", "modality", "institution", "complexity")
Status = Literal["present", "absent", "uncertain"]


class StructuredFinding(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True)
    finding: str = Field(min_length=1)
    status: Status


class StudyLine(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True)
    study_id: str = Field(min_length=1)
    split: str | None = None
    report_type: str = Field(min_length=1)
    modality: str = ""
    institution: str = ""
    complexity: str = ""
    indication: str = ""
    findings: list[StructuredFinding] = Field(default_factory=list)
    reference: str = Field(min_length=1)
    labels: dict[str, Status] = Field(default_factory=dict)
    input_text: str | None = None


def read_jsonl_lines(path: Path) -> list[tuple[int, Any]]:
    """(line number, parsed JSON) of every non-blank line; UTF-8 and JSON errors name the line."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise NotFoundError(f"{path}: file not found") from None
    except IsADirectoryError:
        raise DataError(f"{path}: is a folder; pass a JSONL file") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise DataError(
            f"{path}:{line}: not valid UTF-8 (byte 0x{raw[exc.start]:02x}); save the file as UTF-8"
        ) from None
    out = []
    for i, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            out.append((i, json.loads(line)))
        except json.JSONDecodeError as exc:
            raise DataError(
                f"{path}:{i}: not valid JSON ({exc.msg} at column {exc.colno}); one object per line"
            ) from None
    if not out:
        raise DataError(f"{path}: no records; expected one JSON object per line")
    return out


def _validation_message(exc: ValidationError) -> str:
    return validation_messages(exc, first_only=True, root="(line)", render=_field_problem)[0]


def _field_problem(loc: str, msg: str, err: Mapping[str, Any]) -> str:
    if err["type"] == "missing":
        return f"field {loc!r} is missing"
    if err["type"] == "string_too_short":
        return f"field {loc!r} is empty"
    return f"field {loc!r}: {msg}"


def read_studies(path: Path, split: str) -> list[StudyLine]:
    studies = []
    for i, obj in read_jsonl_lines(path):
        if not isinstance(obj, dict):
            raise DataError(f"{path}:{i}: expected a JSON object with study_id, report_type, reference")
        try:
            s = StudyLine.model_validate(obj)
        except ValidationError as exc:
            raise DataError(f"{path}:{i}: {_validation_message(exc)}") from None
        if not s.reference.strip():
            raise DataError(f"{path}:{i}: field 'reference' is empty for study {s.study_id!r}")
        studies.append(s.model_copy(update={"split": split}))  # the file decides the split
    return studies


def model_input(s: StudyLine) -> dict[str, Any]:
    """What a model sees: the study without its reference report and labels."""
    return s.model_dump(mode="json", exclude={"reference", "labels"}, exclude_none=True)


@LOADERS.register("report_jsonl")
def load(folder: Path, card: DatasetCard, digest: str) -> Dataset:
    files = card.params.get("files", {"train": "train.jsonl", "test": "test.jsonl"})
    studies: list[StudyLine] = []
    for split, name in files.items():
        studies += read_studies(folder / name, split)
    seen: dict[str, int] = {}
    for s in studies:
        if s.study_id in seen:
            raise DataError(f"dataset {card.id}: study_id {s.study_id!r} occurs twice; ids must be unique")
        seen[s.study_id] = 1
    rows = [{c: getattr(s, c) for c in META_COLUMNS} for s in studies]
    meta = pd.DataFrame(rows, columns=list(META_COLUMNS))
    extras = {
        "inputs": [model_input(s) for s in studies],
        "references": [s.reference for s in studies],
        "labels": [dict(s.labels) for s in studies],
    }
    return Dataset(card=card, digest=digest, meta=meta, extras=extras)


class PredictionLine(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)
    study_id: str | int
    reference: str
    generated: str


def read_predictions(path: Path) -> tuple[list[str], list[str], list[str]]:
    """(study_ids, references, generated) of a predictions JSONL, every line checked."""
    ids: list[str] = []
    refs: list[str] = []
    gens: list[str] = []
    seen: dict[str, int] = {}
    for i, obj in read_jsonl_lines(Path(path)):
        if not isinstance(obj, dict):
            raise DataError(f"{path}:{i}: expected a JSON object with study_id, reference, generated")
        try:
            p = PredictionLine.model_validate(obj)
        except ValidationError as exc:
            raise DataError(
                f"{path}:{i}: {_validation_message(exc)}; each line needs study_id, reference, generated"
            ) from None
        sid = str(p.study_id).strip()
        if not sid:
            raise DataError(f"{path}:{i}: field 'study_id' is empty")
        for field, value in (("reference", p.reference), ("generated", p.generated)):
            if not value.strip():
                raise DataError(
                    f"{path}:{i}: field {field!r} is empty for study {sid!r}; every study needs a "
                    f"non-empty report"
                )
        if sid in seen:
            raise DataError(
                f"{path}:{i}: study_id {sid!r} already appears on line {seen[sid]}; ids must be unique"
            )
        seen[sid] = i
        ids.append(sid)
        refs.append(p.reference)
        gens.append(p.generated)
    return ids, refs, gens
