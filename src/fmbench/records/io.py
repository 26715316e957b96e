"""Reading and writing records, and writing a run's outputs all-or-nothing."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from fmbench.bounded import tree_limit_problem
from fmbench.errors import NotFoundError, RecordError, validation_messages
from fmbench.filemodes import temp_file, temp_folder
from fmbench.records.digest import with_digest
from fmbench.records.earlier_format import FORMAT as EARLIER_FORMAT
from fmbench.records.earlier_format import is_earlier_record, migrate_earlier_record
from fmbench.records.schema import EvalRecord
from fmbench.yamlio import dump_yaml, parse_yaml


def record_or_problems(data: Any) -> EvalRecord | list[str]:
    """The record plain data describes, or why it is not one (messages without a file name).

    The one place records are validated: ``parse_record`` (validate, submit, the hub) and the
    leaderboard's collector both go through it. A record in the hub's earlier format is migrated
    first (``fmbench.records.earlier_format``); its digest is computed here."""
    if not isinstance(data, dict):
        return ["expected a mapping at the top level"]
    limit = tree_limit_problem(data)
    if limit:
        return [limit]
    if is_earlier_record(data):
        migrated = migrate_earlier_record(data)
        if isinstance(migrated, list):
            return [f"(earlier hub format {EARLIER_FORMAT}) {p}" for p in migrated]
        try:
            return with_digest(EvalRecord.model_validate(migrated))
        except ValidationError as exc:
            return [f"(earlier hub format {EARLIER_FORMAT}, migrated) {p}" for p in validation_messages(exc)]
    version = data.get("schema_version", 1)
    if version != 1:
        return [f"schema_version: unsupported version {version!r} (this fmbench reads 1)"]
    try:
        return EvalRecord.model_validate(data)
    except ValidationError as exc:
        return validation_messages(exc)


def parse_record(data: Any, *, source: str) -> EvalRecord:
    """Validate plain data as a record, migrating older forms; RecordError names the field."""
    out = record_or_problems(data)
    if isinstance(out, EvalRecord):
        return out
    raise RecordError("; ".join(f"{source}: {p}" for p in out))


def read_record(path: str | Path) -> EvalRecord:
    path = Path(path)
    try:
        text = path.read_bytes()
    except FileNotFoundError:
        raise NotFoundError(f"{path}: file not found") from None
    return parse_record(parse_yaml(text, source=str(path)), source=str(path))


def record_to_yaml(record: EvalRecord) -> str:
    return dump_yaml(record.to_data())


def write_text_atomic(path: str | Path, text: str | bytes) -> None:
    """Write to a temporary file in the same folder, then rename over the target.

    The file gets the mode the umask allows (0644 under umask 022), as a plain ``open()`` would."""
    path = Path(path)
    if path.is_dir():
        raise RecordError(f"{path}: is a directory; pass a file path to write")
    path.parent.mkdir(parents=True, exist_ok=True)
    data = text.encode("utf-8") if isinstance(text, str) else text
    fd, tmp = temp_file(path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_outputs(out_dir: str | Path, files: dict[str, str | bytes]) -> list[Path]:
    """Write a run's files so that a failure leaves ``out_dir`` absent or as it was.

    A new folder is filled under a temporary name and renamed into place; an existing one
    gets each file by atomic rename. Folder and files get the modes the umask allows.
    """
    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise RecordError(f"--out {out_dir}: exists and is not a directory")
    if not out_dir.exists():
        try:
            out_dir.parent.mkdir(parents=True, exist_ok=True)
            staging = temp_folder(out_dir.parent, prefix=f".{out_dir.name}.")
        except OSError as exc:
            raise RecordError(f"--out {out_dir}: cannot create the folder ({exc.strerror or exc})") from None
        try:
            for name, content in files.items():
                write_text_atomic(staging / name, content)
            os.replace(staging, out_dir)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
    else:
        for name, content in files.items():
            write_text_atomic(out_dir / name, content)
    return [out_dir / name for name in files]


def finalize(record: EvalRecord) -> EvalRecord:
    """Attach the digest; call last, after every field is set."""
    return with_digest(record)
