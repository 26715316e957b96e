"""What a catalog means, checked before compute: metric names, protocols, protocol params.

The catalog's pydantic schemas check each file's shape; they cannot know which metrics
fmbench computes or which settings a protocol takes (``catalog`` imports nothing above it).
This module sits above the metric registry and the protocols and checks:

- every benchmark metric is a registered metric (did-you-mean), with the registry's direction;
- every probe grid names a known probe;
- every suite's protocol is a registered protocol (did-you-mean);
- every suite's ``params`` validate against its protocol's params model, an unknown key
  answered with the closest valid one;
- the suite's protocol computes each of its benchmark's metrics (metrics marked
  ``reported_only`` excepted).

``fmbench validate`` reports every problem; ``run``, ``run-robustness`` and ``quickstart``
refuse a suite with any, before loading data.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from pydantic import BaseModel, ValidationError

from fmbench.catalog.registry import Catalog
from fmbench.catalog.schema import BenchmarkSpec, SuiteSpec
from fmbench.errors import ConfigError, NotFoundError, validation_messages


def _did_you_mean(name: str, choices: Iterable[str]) -> str:
    from fmbench.metrics.registry import did_you_mean

    return did_you_mean(name, choices)


def benchmark_problems(bench: BenchmarkSpec, source: str) -> list[str]:
    from fmbench.metrics.registry import metric_registry
    from fmbench.perturbations.perturb import check_probe_name

    registry = metric_registry()
    out = []
    for i, m in enumerate(bench.metrics):
        info = registry.get(m.name)
        if info is None:
            out.append(
                f"{source}: metrics.{i}.name: unknown metric {m.name!r}.{_did_you_mean(m.name, registry)} "
                "Run `python -m fmbench list-metrics` to see them."
            )
        elif info.direction != m.direction:
            out.append(
                f"{source}: metrics.{i}.direction: {m.name} is {info.direction}-is-better, not {m.direction}"
                if info.direction != "target"
                else f"{source}: metrics.{i}.direction: {m.name} has a target band, not {m.direction}"
            )
    for probe in bench.probe_grids:
        try:
            check_probe_name(probe)
        except ValueError as exc:
            out.append(f"{source}: probe_grids.{probe}: {exc}")
    return out


def _model_fields(model: type[BaseModel], loc: tuple) -> list[str]:
    """Field names of the (nested) model at ``loc`` (the location of an unknown key's parent)."""
    for part in loc:
        field = model.model_fields.get(str(part)) if isinstance(part, str) else None
        if field is None:
            return []
        inner = _model_type(field.annotation)
        if inner is None:
            return []
        model = inner
    return list(model.model_fields)


def _model_type(annotation: Any) -> type[BaseModel] | None:
    import typing

    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in typing.get_args(annotation):
        found = _model_type(arg)
        if found is not None:
            return found
    return None


def params_problems(model: type[BaseModel], params: dict[str, Any], *, prefix: str) -> list[str]:
    """One ``prefix.loc: message`` line per problem; unknown keys get the closest valid key."""

    def render(where: str, msg: str, e: Mapping[str, Any]) -> str:
        if e["type"] != "extra_forbidden":
            return f"{where}: {msg}"
        loc = tuple(e["loc"])
        valid = _model_fields(model, loc[:-1])
        hint = _did_you_mean(str(loc[-1]), valid)
        known = f" Valid: {', '.join(valid)}." if valid else " This protocol takes no settings here."
        return f"{where}: unknown setting.{hint}{known}"

    try:
        model.model_validate(params)
    except ValidationError as exc:
        return validation_messages(exc, lead=(prefix,), render=render)
    return []


def suite_problems(suite: SuiteSpec, catalog: Catalog, source: str) -> list[str]:
    from fmbench.metrics.registry import metric_registry
    from fmbench.tasks.base import PROTOCOLS

    try:
        protocol = PROTOCOLS.get(suite.protocol)
    except NotFoundError:
        names = PROTOCOLS.names()
        return [
            f"{source}: protocol: unknown protocol {suite.protocol!r}.{_did_you_mean(suite.protocol, names)} "
            f"Valid: {', '.join(names)}"
        ]
    out = params_problems(protocol.params_model, dict(suite.params), prefix=f"{source}: params")
    for other in suite.also_prespecified:  # a protocol ranked alongside: known, and computing the same data
        if other not in PROTOCOLS.names():
            names = PROTOCOLS.names()
            out.append(f"{source}: also_prespecified: unknown protocol {other!r}.{_did_you_mean(other, names)} "
                       f"Valid: {', '.join(names)}")
    bench = catalog.benchmarks.get(suite.benchmark_id)
    if bench is not None:
        registry = metric_registry()
        for m in bench.metrics:
            info = registry.get(m.name)
            if info is None or m.reported_only or suite.protocol in info.protocols:
                continue
            out.append(
                f"{source}: protocol: {suite.protocol!r} does not compute "
                f"{bench.id}'s metric {m.name!r} "
                f"(it needs {info.needs}, computed by {', '.join(info.protocols)}); use one of those "
                "protocols or mark the metric `reported_only: true` in the benchmark"
            )
    return out


def catalog_problems(catalog: Catalog, *, only: Iterable[tuple[str, str]] | None = None) -> list[str]:
    """Problems of every benchmark and suite (or of the (kind, id) pairs in ``only``)."""
    wanted = None if only is None else set(only)
    out = []
    for bid, bench in sorted(catalog.benchmarks.items()):
        if wanted is None or ("benchmark", bid) in wanted:
            out += benchmark_problems(bench, catalog.sources.get(("benchmark", bid), bid))
    for sid, suite in sorted(catalog.suites.items()):
        if wanted is None or ("suite", sid) in wanted:
            out += suite_problems(suite, catalog, catalog.sources.get(("suite", sid), sid))
    for did, card in sorted(catalog.datasets.items()):
        if wanted is not None and ("dataset", did) in wanted:  # validate: does the generator resolve?
            from fmbench.data.provision import generator_problems

            out += generator_problems(card, catalog.sources.get(("dataset", did)))
    return out


def check_suite(catalog: Catalog, suite_id: str) -> None:
    """Refuse to run a suite whose catalog entries have problems (before any data is loaded)."""
    suite = catalog.suite(suite_id)
    problems = catalog_problems(catalog, only=[("suite", suite.id), ("benchmark", suite.benchmark_id)])
    if problems:
        more = (
            f" (and {len(problems) - 1} more; run `python -m fmbench validate`)" if len(problems) > 1 else ""
        )
        raise ConfigError(problems[0] + more)


SUBJECT_COLUMNS = ("subject_id", "patient_id", "participant_id", "donor_id", "subject")


def suite_warnings(suite: SuiteSpec, source: str) -> list[str]:
    """Choices that are allowed but probably wrong. Today: a suite whose data name subjects but
    that neither splits nor resamples by them, so repeated rows of one subject count as
    independent and its CIs come out too narrow."""
    if suite.bootstrap.cluster_column or suite.split.group_column:
        return []
    named = [c for c in SUBJECT_COLUMNS if c in suite.required_metadata or c in (suite.strata or [])]
    if not named:
        return []
    return [
        f"{source}: bootstrap.cluster_column: the data carry {named[0]!r} but neither the split "
        f"(split.group_column) nor the bootstrap (bootstrap.cluster_column) uses it; if a subject has "
        f"several rows, set bootstrap.cluster_column: {named[0]} or the CIs will be too narrow"
    ]


def repeated_subject_warning(suite: SuiteSpec, meta: Any) -> str | None:
    """At run time: the metadata repeat a subject id and nothing clusters by it."""
    if suite.bootstrap.cluster_column or suite.split.group_column:
        return None
    for col in SUBJECT_COLUMNS:
        if col in getattr(meta, "columns", ()) and meta[col].duplicated().any():
            n = int(meta[col].duplicated().sum())
            return (
                f"suite {suite.id}: {n} row(s) repeat a {col} but the bootstrap resamples rows one by one "
                f"(no bootstrap.cluster_column or split.group_column): CIs may be too narrow; set "
                f"bootstrap.cluster_column: {col}"
            )
    return None
