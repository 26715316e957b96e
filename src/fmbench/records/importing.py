"""``fmbench import-records``: records in any format fmbench reads, written as current records.

Earlier-format records (``fmbench.records.earlier_format``) are migrated; current ones pass
through unchanged. Every file is read and checked against the catalog before anything is
written, so one bad file leaves the output folder as it was. Files that hold the same record
(same eval_id and digest — the hub published some runs twice) are written once; two different
records under one eval_id are refused.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from fmbench.catalog.registry import Catalog
from fmbench.errors import RecordError
from fmbench.records.io import parse_record, record_to_yaml, write_outputs
from fmbench.records.schema import EvalRecord
from fmbench.records.validate import record_catalog_problems
from fmbench.yamlio import read_yaml


@dataclass
class ImportResult:
    written: list[Path] = field(default_factory=list)
    migrated: int = 0
    duplicates: list[tuple[Path, Path]] = field(default_factory=list)  # (file, the file it repeats)


def import_records(files: list[Path], out_dir: Path, catalog: Catalog) -> ImportResult:
    from fmbench.records.earlier_format import is_earlier_record

    kept: dict[str, tuple[Path, EvalRecord]] = {}
    result = ImportResult()
    for path in files:
        data = read_yaml(path)
        record = parse_record(data, source=str(path))
        problems = record_catalog_problems(record, catalog)
        if problems:
            raise RecordError(f"{path}: {problems[0]}")
        result.migrated += is_earlier_record(data)
        first = kept.get(record.eval_id)
        if first is None:
            kept[record.eval_id] = (path, record)
        elif first[1].digest == record.digest:
            result.duplicates.append((path, first[0]))
        else:
            raise RecordError(f"{path}: eval_id {record.eval_id!r} is also in {first[0]} with different "
                              "content; rename one of them")
    if not kept:
        raise RecordError("import-records: no record files found (*.yaml, *.yml, *.json)")
    files_out = {f"{eid}.yaml": record_to_yaml(rec) for eid, (_, rec) in sorted(kept.items())}
    result.written = write_outputs(out_dir, files_out)
    return result
