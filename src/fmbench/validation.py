"""`fmbench validate`: check catalog files and eval records, collecting every problem."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from fmbench.catalog.registry import iter_yaml_files, kind_from_path, load_catalog, parse_spec
from fmbench.errors import FmbenchError
from fmbench.records.io import parse_record
from fmbench.records.validate import record_catalog_problems
from fmbench.yamlio import read_yaml


def _looks_like_record(data: object) -> bool:
    return isinstance(data, dict) and ("eval_id" in data or "schema_version" in data)


def validate_paths(paths: Iterable[Path], *, extra_catalog: Iterable[Path] = ()) -> tuple[int, list[str]]:
    """Return (files checked, problems as `file: field: message`)."""
    catalog = load_catalog(extra_catalog)
    problems: list[str] = []
    files = iter_yaml_files(list(paths))
    for f in files:
        source = str(f)
        try:
            data = read_yaml(f)
            if _looks_like_record(data):
                record = parse_record(data, source=source)
                problems += [f"{source}: {p}" for p in record_catalog_problems(record, catalog)]
            else:
                spec = parse_spec(data, source=source, kind=kind_from_path(f))
                if spec.kind == "suite":  # type: ignore[attr-defined]
                    if spec.benchmark_id not in catalog.benchmarks:  # type: ignore[attr-defined]
                        problems.append(f"{source}: benchmark_id: unknown benchmark {spec.benchmark_id!r}")  # type: ignore[attr-defined]
                    if spec.dataset_id not in catalog.datasets:  # type: ignore[attr-defined]
                        problems.append(f"{source}: dataset_id: unknown dataset {spec.dataset_id!r}")  # type: ignore[attr-defined]
        except FmbenchError as exc:
            problems.extend(p.strip() for p in str(exc).split("; "))
    return len(files), problems
