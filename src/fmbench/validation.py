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
from fmbench.records.validate import record_catalog_problems, record_intake_problems
from fmbench.yamlio import read_yaml


def _looks_like_record(data: object) -> bool:
    return isinstance(data, dict) and ("eval_id" in data or "schema_version" in data)


def _problems_of(exc: FmbenchError) -> list[str]:
    return [p.strip() for p in str(exc).split("; ")]


def _model_config_problems(data: dict, source: str, base_dir: Path) -> list[str]:
    """A model config (what ``run --model`` takes): its fields, and that its type and baseline exist.
    Nothing is imported or loaded."""
    from fmbench.models.config import parse_model_config
    from fmbench.models.factory import BASELINES, MODEL_TYPES

    config = parse_model_config(data, source=source, base_dir=base_dir)
    if config.type not in MODEL_TYPES.names():
        known = ", ".join(MODEL_TYPES.names())
        return [f"{source}: type: unknown model type {config.type!r} (known: {known})"]
    if config.type == "builtin" and (config.baseline or config.model_id) not in BASELINES.names():
        name = config.baseline or config.model_id
        known = ", ".join(BASELINES.names())
        return [f"{source}: baseline: unknown built-in model {name!r} (known: {known})"]
    return []


def _earlier(data: Any, path: Path, convert: bool, converted: list[Path] | None) -> list[str]:
    """Problems of a file in the hub's earlier format; with ``convert``, the converted file is
    written next to it (``<name>.converted.yaml``) when the conversion is complete."""
    from fmbench.catalog.earlier_format import recognise_earlier

    found = recognise_earlier(data)
    if found is None:
        return []
    if not (convert and found.converted is not None):
        return [found.explain(str(path))]
    from fmbench.records.io import write_text_atomic
    from fmbench.yamlio import dump_yaml

    target = path.with_name(path.stem + ".converted.yaml")
    problems = _model_config_problems(found.converted, str(target), path.parent)
    if problems:
        return problems
    write_text_atomic(target, dump_yaml(found.converted))
    if converted is not None:
        converted.append(target)
    return []


def sweep_file_problems(data: dict, path: Path, extra_catalog: Iterable[Path] = ()) -> list[str]:
    """A sweep file (``kind: sweep``): its fields and grid limits, then that every suite exists and
    every model config loads (``fmbench.sweep.run.plan_sweep``, which runs nothing)."""
    from fmbench.sweep.run import plan_sweep
    from fmbench.sweep.spec import SweepSpec, sweep_problems

    problems = sweep_problems(data, source=str(path))
    if problems:
        return problems
    spec = SweepSpec.model_validate(data)
    if extra_catalog:
        spec = spec.model_copy(update={"catalog": [*spec.catalog, *(str(Path(c).absolute()) for c in extra_catalog)]})
    try:
        plan_sweep(spec, base=path.absolute().parent, source=str(path))
    except FmbenchError as exc:
        return [exc.one_line()]
    return []


def validate_paths(paths: Iterable[Path], *, extra_catalog: Iterable[Path] = (),
                   warnings: list[str] | None = None, convert: bool = False,
                   converted: list[Path] | None = None, strict: bool = False) -> tuple[int, list[str]]:
    """Return (files checked, problems as `file: field: message`); allowed but doubtful choices
    are appended to ``warnings`` when a list is given. Files of the hub's earlier format are
    recognised and explained (converted with ``convert``, paths appended to ``converted``)."""
    from fmbench.catalog.earlier_format import recognise_earlier
    from fmbench.sweep.spec import is_sweep_data

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
            if is_sweep_data(data):
                problems += sweep_file_problems(data, f, extra_catalog)
                continue
            if recognise_earlier(data) is not None:
                problems += _earlier(data, f, convert, converted)
                continue
            if isinstance(data, dict) and "model_id" in data and "kind" not in data:
                problems += _model_config_problems(data, source, f.parent)
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
        found = record_catalog_problems(record, catalog)
        if strict and not found:  # what the hub checks before it accepts a submission
            found = record_intake_problems(record, catalog)
        problems += [f"{source}: {p}" for p in found]
    return len(files), problems
