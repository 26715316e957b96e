"""`fmbench validate`: check catalog files and eval records, collecting every problem.

Catalog files given together are validated together: a suite may refer to a dataset card
in the same folder, and a record to a suite among the files, as with ``--catalog``.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from fmbench.catalog.registry import iter_yaml_files, kind_from_path, load_catalog, parse_spec
from fmbench.errors import ConfigError, FmbenchError
from fmbench.records.io import parse_record
from fmbench.records.validate import record_catalog_problems
from fmbench.yamlio import read_yaml


def _looks_like_record(data: object) -> bool:
    return isinstance(data, dict) and ("eval_id" in data or "schema_version" in data)


def _problems_of(exc: FmbenchError) -> list[str]:
    return [p.strip() for p in str(exc).split("; ")]


def validate_paths(paths: Iterable[Path], *, extra_catalog: Iterable[Path] = (),
                   warnings: list[str] | None = None) -> tuple[int, list[str]]:
    """Return (files checked, problems as `file: field: message`); allowed but doubtful choices
    are appended to ``warnings`` when a list is given."""
    catalog = load_catalog(extra_catalog)
    problems: list[str] = []
    paths = list(paths)
    files = iter_yaml_files(paths)
    if not files:
        raise ConfigError(f"validate: no .yaml/.yml files in {', '.join(map(str, paths))}")
    records: list[tuple[str, Any]] = []
    suites: list[tuple[str, Any]] = []
    for f in files:  # first pass: parse everything, lay the catalog files over the catalog
        source = str(f)
        try:
            data = read_yaml(f)
            if _looks_like_record(data):
                records.append((source, parse_record(data, source=source)))
                continue
            spec = parse_spec(data, source=source, kind=kind_from_path(f))
            catalog.add(spec, source)
            if spec.kind == "suite":  # type: ignore[attr-defined]
                suites.append((source, spec))
        except FmbenchError as exc:
            problems.extend(_problems_of(exc))
    for source, suite in suites:  # second pass: references resolve against all of it
        if suite.benchmark_id not in catalog.benchmarks:
            problems.append(f"{source}: benchmark_id: unknown benchmark {suite.benchmark_id!r}")
        if suite.dataset_id not in catalog.datasets:
            problems.append(f"{source}: dataset_id: unknown dataset {suite.dataset_id!r}")
    given = {str(f) for f in files}
    problems += [p for p in catalog.check_references() if p.split(": ", 1)[0] in given
                 and "benchmark_id: unknown" not in p and "dataset_id: unknown" not in p]
    # what the files mean: metric names, protocols and their params (fmbench.spec_checks)
    specs = [(kind, key) for (kind, key), src in catalog.sources.items() if src in given]
    if specs:
        from fmbench.spec_checks import catalog_problems

        problems += catalog_problems(catalog, only=specs)
        if warnings is not None:
            from fmbench.spec_checks import suite_warnings

            for kind, key in sorted(specs):
                if kind == "suite":
                    warnings += suite_warnings(catalog.suites[key], catalog.sources[(kind, key)])
    for source, record in records:
        problems += [f"{source}: {p}" for p in record_catalog_problems(record, catalog)]
    return len(files), problems
