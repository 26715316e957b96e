"""Checks of a record against the catalog: what both the static builder and the hub refuse."""

from __future__ import annotations

import math
from typing import Any

from fmbench.catalog.registry import Catalog
from fmbench.records.definitions import EARLIER_RANGES, earlier_definitions
from fmbench.records.digest import compute_digest
from fmbench.records.schema import EvalRecord


def record_catalog_problems(record: EvalRecord, catalog: Catalog, *, require_digest: bool = False) -> list[str]:
    """Problems as ``field: message`` strings (empty when the record is acceptable)."""
    problems: list[str] = []
    bench = catalog.benchmarks.get(record.benchmark_id)
    if bench is None:
        return [f"benchmark_id: unknown benchmark {record.benchmark_id!r}"]
    if record.suite_id is not None and catalog.suites and record.evidence == "run":
        suite = catalog.suites.get(record.suite_id)
        if suite is None:
            problems.append(f"suite_id: unknown suite {record.suite_id!r}")
        elif suite.benchmark_id != record.benchmark_id:
            problems.append(
                f"suite_id: suite {record.suite_id!r} belongs to {suite.benchmark_id}, not {record.benchmark_id}"
            )
    if record.status == "completed" and record.metric_value(bench.primary_metric) is None and record.rankable:
        if bench.primary_metric not in record.metrics:
            problems.append(f"metrics: primary metric {bench.primary_metric!r} is missing")
    bounds = _bounds(bench)
    earlier = earlier_definitions(record)
    if earlier:  # valid under the definition the record used (e.g. Brier Score summed over classes, 0..2)
        bounds = {k: EARLIER_RANGES.get(k, v) if k in earlier else v for k, v in bounds.items()}
    for name, mv in record.metrics.items():
        if name in bounds and _out_of_range(bounds[name], mv.value, mv.ci):
            problems += _range_problems(bench, f"metrics.{name}", name, mv.value, mv.ci)
    for dim, groups in record.stratified.items():
        for group, result in groups.items():
            for name, mv in result.metrics.items():
                if name in bounds and _out_of_range(bounds[name], mv.value, mv.ci):
                    problems += _range_problems(bench, f"stratified.{dim}.{group}.{name}", name, mv.value, mv.ci)
    # Metric values and CIs are checked by the schema; these free-form fields take any data.
    bad = [p for key in ("resources", "details", "provenance")
           for p in data_problems(getattr(record, key), key)]
    if record.subgroups:
        bad += data_problems({k: v.to_data() for k, v in record.subgroups.items()}, "subgroups")
    problems += bad[:5]
    if bad:
        return problems  # the digest of such data cannot be computed
    if record.digest is not None:
        try:
            expected = compute_digest(record)
        except ValueError as exc:  # e.g. NaN inside a replicate list
            return [*problems, f"digest: cannot be computed: {exc}"]
        if record.digest != expected:
            problems.append(f"digest: does not match the content (expected {expected})")
    elif require_digest:
        problems.append("digest: missing")
    return problems


_BOUNDS: dict[int, tuple[object, dict[str, tuple[float, float]]]] = {}


def _bounds(bench) -> dict[str, tuple[float, float]]:  # noqa: ANN001
    """name -> (min, max) with infinities for open ends; cached per benchmark spec (hot path)."""
    cached = _BOUNDS.get(id(bench))
    if cached is None or cached[0] is not bench:
        table = {m.name: (-math.inf if m.min is None else m.min, math.inf if m.max is None else m.max)
                 for m in bench.metrics}
        cached = _BOUNDS[id(bench)] = (bench, table)
    return cached[1]


def _out_of_range(bound: tuple[float, float], value, ci) -> bool:  # noqa: ANN001
    lo, hi = bound
    if value is not None and not lo <= value <= hi:
        return True
    return ci is not None and not (lo <= ci[0] <= hi and lo <= ci[1] <= hi)


def _range_problems(bench, where: str, name: str, value, ci) -> list[str]:  # noqa: ANN001
    spec = bench.metric(name)
    if spec is None:
        return []
    out = []
    for v in [value, *(ci or ())]:
        if v is not None and not spec.in_range(v):
            lo = "-inf" if spec.min is None else spec.min
            hi = "inf" if spec.max is None else spec.max
            out.append(f"{where}: {v} is outside the valid range [{lo}, {hi}] of {name}")
            break
    return out


_JSON_SCALARS = (str, int, bool, type(None))


def data_problems(data: Any, where: str = "") -> list[str]:
    """What keeps plain data from being canonical JSON, as ``path: message``: NaN/inf floats,
    values JSON has no type for (a YAML timestamp, a set) and non-text mapping keys. Lists of
    finite numbers, the common case (curves), are checked in one pass."""
    here = where or "(root)"
    if isinstance(data, float):
        return [] if math.isfinite(data) else [f"{here}: must be a finite number, got {data}"]
    if isinstance(data, _JSON_SCALARS):
        return []
    out: list[str] = []
    if isinstance(data, dict):
        for k, v in data.items():
            if not isinstance(k, str):
                out.append(f"{here}: keys must be text, got {k!r} (quote it)")
            elif not isinstance(v, _JSON_SCALARS):
                out += data_problems(v, f"{where}.{k}" if where else k)
    elif isinstance(data, list | tuple):
        if all(type(v) is int or (type(v) is float and math.isfinite(v)) for v in data):
            return out
        for i, v in enumerate(data):
            out += data_problems(v, f"{where}.{i}")
    else:
        out.append(f"{here}: must be text, a number, true/false, null, a list or a mapping, "
                   f"got {type(data).__name__} {str(data)!r} (quote it)")
    return out


def record_intake_problems(record: EvalRecord, catalog: Catalog) -> list[str]:
    """What the hub checks beyond ``record_catalog_problems`` before it accepts a submission (and
    ``validate --strict`` checks): that the record is internally consistent with its benchmark,
    suite and data. Each item was once accepted by the hub and then shown wrongly."""
    bench = catalog.benchmarks.get(record.benchmark_id)
    if bench is None:
        return []  # record_catalog_problems names it
    problems: list[str] = []
    defined = {m.name for m in bench.metrics}

    def unknown(name: str, where: str) -> None:
        import difflib

        close = difflib.get_close_matches(name, sorted(defined), n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else f" (its metrics: {', '.join(sorted(defined))})"
        problems.append(f"{where}: {name!r} is not a metric of {bench.id}{hint}")

    for name, mv in record.metrics.items():
        if name not in defined:
            unknown(name, f"metrics.{name}")
        elif mv.ci is not None and mv.value is not None and not mv.ci[0] <= mv.value <= mv.ci[1]:
            problems.append(f"metrics.{name}: value {mv.value} lies outside its CI {list(mv.ci)}")
        if mv.n is not None and record.dataset.n is not None and mv.n > record.dataset.n:
            problems.append(f"metrics.{name}.n: {mv.n} is larger than the dataset's n = {record.dataset.n}")
    for dim, groups in record.stratified.items():
        total = sum(g.N for g in groups.values())
        if record.dataset.n is not None and total > record.dataset.n:
            problems.append(f"stratified.{dim}: group N sum to {total}, more than the dataset's n = "
                            f"{record.dataset.n}")
        for group, result in groups.items():
            for name, mv in result.metrics.items():
                if name not in defined:
                    unknown(name, f"stratified.{dim}.{group}.{name}")
                elif mv.ci is not None and mv.value is not None and not mv.ci[0] <= mv.value <= mv.ci[1]:
                    problems.append(f"stratified.{dim}.{group}.{name}: value {mv.value} lies outside its CI")
    if record.suite_id is not None and catalog.suites:
        suite = catalog.suites.get(record.suite_id)
        if suite is None:
            problems.append(f"suite_id: unknown suite {record.suite_id!r}")
        elif suite.benchmark_id != record.benchmark_id:  # reported records too (found by the fuzz test)
            problems.append(f"suite_id: suite {suite.id!r} belongs to {suite.benchmark_id}, not "
                            f"{record.benchmark_id}")
        elif record.evidence == "run" and record.dataset.id != suite.dataset_id:
            problems.append(f"dataset.id: {record.dataset.id!r} is not suite {suite.id}'s dataset "
                            f"{suite.dataset_id!r}")
    return sorted(set(problems), key=problems.index)
