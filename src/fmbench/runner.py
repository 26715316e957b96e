"""``fmbench run``: suite + model → eval record + reports, written all-or-nothing."""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fmbench.catalog.registry import Catalog, load_catalog
from fmbench.data.dataset import Dataset
from fmbench.data.provision import load_dataset
from fmbench.data.user_data import DataOptions, load_user_data
from fmbench.errors import ConfigError, RunInterrupted
from fmbench.models.capabilities import config_notes
from fmbench.models.config import ModelConfig, resolve_model_config
from fmbench.models.factory import build_model
from fmbench.records.io import finalize, record_to_yaml, write_outputs
from fmbench.records.provenance import peak_rss_mb, provenance
from fmbench.records.schema import DatasetRef, EvalRecord, ModelRef, utc_now
from fmbench.spec_checks import check_suite, repeated_subject_warning
from fmbench.tasks.base import PROTOCOLS, ProgressReporter, QuietProgress, RunContext, RunOptions, TaskResult


@dataclass
class RunOutcome:
    record: EvalRecord
    out_dir: Path
    files: list[Path]


def make_eval_id(suite_id: str, model_id: str, created: str, salt: str) -> str:
    stamp = created.replace("-", "").replace(":", "")
    short = hashlib.sha256(f"{suite_id}|{model_id}|{created}|{salt}".encode()).hexdigest()[:6]
    return f"{suite_id}.{model_id}.{stamp}.{short}"


def prepare_context(catalog: Catalog, suite_id: str, config: ModelConfig, *, data_dir: str | Path | None,
                    seed: int | None, options: RunOptions | dict[str, Any] | None = None,
                    dataset=None,  # noqa: ANN001
                    new_model: Callable[[], Any] | None = None,
                    progress: ProgressReporter | None = None) -> RunContext:
    """The run's context; ``new_model`` (default: build from ``config``) makes one fresh model per call."""
    if seed is not None and not 0 <= seed < 2**32:
        raise ConfigError(f"--seed {seed}: must be an integer from 0 to {2**32 - 1}")
    suite = catalog.suite(suite_id)
    check_suite(catalog, suite.id)  # metric names, protocol and its params: refused before any data loads
    benchmark = catalog.benchmark(suite.benchmark_id)
    if dataset is None:
        dataset = load_dataset(catalog.dataset(suite.dataset_id), data_dir)
    dataset.check(required_metadata=suite.required_metadata, label_column=suite.label_column)
    warning = repeated_subject_warning(suite, dataset.meta)
    ctx = RunContext(
        suite=suite, benchmark=benchmark, dataset=dataset, model_config=config,
        new_model=new_model if new_model is not None else (lambda: build_model(config)),
        seed_split=suite.run_seeds(seed)[0],
        seed_bootstrap=suite.run_seeds(seed)[1],
        options=RunOptions.of(options),
        progress=progress or QuietProgress(),
    )
    if warning:
        ctx.warnings.append(warning)
    ctx.warnings.extend(config_notes(config))
    return ctx


def record_from_result(ctx: RunContext, result: TaskResult, *, wall_s: float, seed: int | None,
                       status_note: str | None = None,
                       provenance_extra: dict[str, Any] | None = None) -> EvalRecord:
    from fmbench.cache import cache_counts

    cache = run_cache_status(ctx)
    created = utc_now()
    created_s = created.strftime("%Y-%m-%dT%H:%M:%SZ")
    n = max(result.n_eval, 1)
    inference = result.timings.get("inference_s")
    record = EvalRecord(
        eval_id=make_eval_id(ctx.suite.id, ctx.model_id, created_s,
                             f"{ctx.dataset.digest}{ctx.model_config.digest()}|{ctx.seed_split}|{ctx.seed_bootstrap}"
                             f"|{protocol_name(ctx)}"),
        benchmark_id=ctx.benchmark.id,
        suite_id=ctx.suite.id,
        model=ModelRef(id=ctx.model_id, name=ctx.model_config.display_name,
                       config_digest=ctx.model_config.digest()),
        dataset=DatasetRef(id=ctx.dataset.id, name=ctx.dataset.name, digest=ctx.dataset.digest or None,
                           n=result.n_eval, split=result.split),
        status="completed", evidence="run", created_at=created,
        metrics=result.metrics, stratified=result.stratified, withheld=result.withheld,
        subgroups=result.subgroups, bootstrap=result.bootstrap,
        rankable=result.rankable, rankable_reason=result.rankable_reason,
        details=result.details,
        resources={
            "wall_s": round(wall_s, 3),
            **{k: round(v, 3) for k, v in result.timings.items()},
            "per_sample_ms": round(1000 * inference / n, 4) if inference is not None else None,
            "peak_rss_mb": peak_rss_mb(),
            **({k: float(v) for k, v in cache_counts(ctx).items()} if cache == "on" else {}),
        },
        provenance=provenance(seed if seed is not None else ctx.seed_split, protocol=protocol_name(ctx),
                              split_seed=ctx.seed_split, bootstrap_seed=ctx.seed_bootstrap,
                              deviations=ctx.suite.deviations(split_seed=ctx.seed_split,
                                                              bootstrap_seed=ctx.seed_bootstrap,
                                                              protocol=protocol_name(ctx)),
                              cache=cache,
                              **({"warnings": list(ctx.warnings)} if ctx.warnings else {}),
                              **({"allow_hard_labels": True} if ctx.model_config.allow_hard_labels else {}),
                              **(provenance_extra or {})),
        notes=status_note,
    )
    return finalize(record)


def run_cache_status(ctx: RunContext) -> str:
    """The record's ``provenance.cache``: ``on``, or ``off: <why>`` (fmbench.cache.cache_status)."""
    from fmbench.cache import cache_status

    return cache_status(ctx, protocol_caches=PROTOCOLS.get(protocol_name(ctx)).caches_outputs)


def protocol_name(ctx: RunContext) -> str:
    """The suite's protocol, unless the run overrides it (``run --protocol linear_probe``)."""
    return ctx.options.protocol or ctx.suite.protocol


def evaluate_context(ctx: RunContext) -> tuple[TaskResult, float]:
    return PROTOCOLS.get(protocol_name(ctx))().run(ctx)


def run_context(ctx: RunContext, *, seed: int | None,
                provenance_extra: dict[str, Any] | None = None) -> EvalRecord:
    """The one path every run takes once its context is ready (``run``, ``run-robustness``,
    ``quickstart``, ``fmbench.evaluate``): the protocol's template, then the record.

    Ctrl-C while the protocol runs becomes ``RunInterrupted``, saying which model outputs the
    cache keeps (each finished fold or chunk is written as it completes)."""
    try:
        result, wall = evaluate_context(ctx)
    except KeyboardInterrupt as exc:
        ctx.progress.stop()
        if isinstance(exc, RunInterrupted):
            raise
        from fmbench.cache import cache_root, kept_outputs

        raise RunInterrupted(kept=kept_outputs(ctx), cache=run_cache_status(ctx),
                             cache_dir=cache_root(ctx.options.cache_dir), evaluating=True) from None
    return record_from_result(ctx, result, wall_s=wall, seed=seed, provenance_extra=provenance_extra)


def render_outputs(record: EvalRecord, catalog: Catalog) -> dict[str, str]:
    from fmbench.reports.html import render_report_html
    from fmbench.reports.markdown import render_report_md

    bench = catalog.benchmark(record.benchmark_id)
    return {
        "eval.yaml": record_to_yaml(record),
        "report.md": render_report_md(record, bench),
        "report.html": render_report_html(record, bench),
    }


def with_user_data(catalog: Catalog, suite_id: str, data: str | Path,
                   data_options: DataOptions | None = None) -> tuple[Catalog, Dataset, dict[str, Any]]:
    """``--data PATH``: the catalog with the suite adapted to the user's data (same suite id) and
    the data's card added, the loaded dataset, and the provenance entry that describes it."""
    suite = catalog.suite(suite_id)
    user = load_user_data(data, suite, data_options)
    catalog = dataclasses.replace(catalog, suites={**catalog.suites, suite.id: user.suite},
                                  datasets={**catalog.datasets, user.card.id: user.card})
    return catalog, user.dataset, {"data": user.provenance}


def run_suite(suite_id: str, model: str | Path, out_dir: str | Path, *, catalog_dirs: Iterable[Path] = (),
              data_dir: str | Path | None = None, seed: int | None = None,
              options: RunOptions | dict[str, Any] | None = None, catalog: Catalog | None = None,
              progress: ProgressReporter | None = None, data: str | Path | None = None,
              data_options: DataOptions | None = None) -> RunOutcome:
    """Run one suite on one model (on the user's ``data`` instead of the suite's dataset when
    given); nothing is written unless everything succeeded."""
    catalog = catalog or load_catalog(catalog_dirs)
    suite = catalog.suite(suite_id)
    config, _ = resolve_model_config(model, catalog)
    dataset, extra = None, None
    if data is not None:
        catalog, dataset, extra = with_user_data(catalog, suite.id, data, data_options)
    ctx = prepare_context(catalog, suite.id, config, data_dir=data_dir, seed=seed, options=options,
                          dataset=dataset, progress=progress)
    record = run_context(ctx, seed=seed, provenance_extra=extra)
    files = write_outputs(out_dir, render_outputs(record, catalog))
    return RunOutcome(record=record, out_dir=Path(out_dir), files=files)


DEFAULT_ROBUSTNESS_SUITE = "SUITE-ROBUSTNESS-NEURO"


def run_robustness(
    model: str | Path,
    out_dir: str | Path,
    *,
    suite_id: str | None = None,
    data: str | Path | None = None,
    probes: list[str] | None = None,
    sampling_freq: float | None = None,
    seed: int | None = None,
    batch_size: int | None = None,
    catalog_dirs: Any = (),
    data_dir: str | Path | None = None,
    catalog: Any = None,
    progress: ProgressReporter | None = None,
    data_options: DataOptions | None = None,
) -> Any:
    """``fmbench run-robustness``: the core run pipeline with the robustness protocol's options."""
    catalog = catalog or load_catalog(catalog_dirs)
    suite = catalog.suite(suite_id or DEFAULT_ROBUSTNESS_SUITE)
    if suite.protocol != "robustness":
        raise ConfigError(
            f"--suite {suite.id}: its protocol is {suite.protocol!r}; run-robustness runs suites "
            f"with protocol 'robustness' (e.g. {DEFAULT_ROBUSTNESS_SUITE}); use `fmbench run` for this one"
        )
    config, _ = resolve_model_config(model, catalog)
    dataset, extra = None, None
    if data is not None:
        catalog, dataset, extra = with_user_data(catalog, suite.id, data, data_options)
    options = {"probes": probes, "sampling_freq": sampling_freq, "batch_size": batch_size}
    ctx = prepare_context(
        catalog,
        suite.id,
        config,
        data_dir=data_dir,
        seed=seed,
        dataset=dataset,
        options=options,
        progress=progress,
    )
    record = run_context(ctx, seed=seed, provenance_extra=extra)
    files = write_outputs(out_dir, render_outputs(record, catalog))
    return RunOutcome(record=record, out_dir=Path(out_dir), files=files)
