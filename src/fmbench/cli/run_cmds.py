"""run, generate-toy-data, quickstart."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from fmbench.cli.options import (
    CatalogOption,
    DataDirOption,
    DataOption,
    LabelColumnOption,
    LabelsFileOption,
    MetaColumnsOption,
    SequenceColumnOption,
    StrataOption,
    TextColumnOption,
    data_options,
)


def split_ids(values: list[str]) -> list[str]:
    """``--suite A --suite B,C`` -> ``[A, B, C]``: comma lists and repeats mixed, duplicates dropped."""
    ids: list[str] = []
    for value in values:
        for part in value.split(","):
            part = part.strip()
            if part and part not in ids:
                ids.append(part)
    return ids


def run(
    suite: Annotated[list[str], typer.Option(
        "--suite", help="Suite id (see `fmbench list-suites`); several as --suite A --suite B or "
        "--suite A,B, each written to DIR/<suite-id>/.")],
    model: Annotated[str, typer.Option(
        "--model", help="Model config YAML, or a built-in model id such as logistic.")],
    out: Annotated[Path, typer.Option("--out", help="Output folder for eval.yaml, report.md, report.html.")],
    seed: Annotated[int | None, typer.Option(
        "--seed", help="Override the suite's split and bootstrap seeds.")] = None,
    predictions: Annotated[Path | None, typer.Option(
        "--predictions",
        help="Score predictions made elsewhere (JSONL), for suites whose protocol supports it.")] = None,
    protocol: Annotated[str | None, typer.Option(
        "--protocol", help="Run with another protocol (e.g. linear_probe) instead of the suite's.")] = None,
    resume: Annotated[bool, typer.Option(
        "--resume", help="Continue an interrupted run from its cache.")] = False,
    no_cache: Annotated[bool, typer.Option(
        "--no-cache", help="Do not read or write the output cache.")] = False,
    data: DataOption = None,
    label_column: LabelColumnOption = None,
    meta_columns: MetaColumnsOption = None,
    text_column: TextColumnOption = None,
    sequence_column: SequenceColumnOption = None,
    labels_file: LabelsFileOption = None,
    strata: StrataOption = None,
    catalog: CatalogOption = None,
    data_dir: DataDirOption = None,
) -> None:
    """Run one or more suites on one model; write DIR/eval.yaml, DIR/report.md, DIR/report.html.

    With several suites, each suite's files go to DIR/<suite-id>/. Every suite id is checked
    before any suite runs; if a suite fails, nothing of it is written, the suites finished
    before it stay written, and the later ones do not run. With --data, every suite runs on
    your data instead of its own dataset.
    """
    from fmbench.catalog.registry import load_catalog
    from fmbench.cli import tune_for_bootstrap
    from fmbench.errors import ConfigError, FmbenchError
    from fmbench.models.config import resolve_model_config

    tune_for_bootstrap()

    cat = load_catalog(catalog or [])
    ids = split_ids(suite)
    if not ids:
        raise ConfigError("--suite: give at least one suite id, e.g. --suite SUITE-TOY-CLASS")
    suite_ids = list(dict.fromkeys(cat.suite(s).id for s in ids))  # unknown ids fail here, before any run
    options = {"predictions": predictions, "protocol": protocol, "resume": resume, "no_cache": no_cache}
    options = {k: v for k, v in options.items() if v not in (None, False)}
    from fmbench.cli.interrupted import as_interrupted

    reading = data_options(data, label_column=label_column, meta_columns=meta_columns,
                           text_column=text_column, strata=strata, sequence_column=sequence_column,
                           labels_file=labels_file)
    user = {"data": data, "data_options": reading}
    if len(suite_ids) == 1:
        try:
            _run_one(cat, suite_ids[0], model, out, seed=seed, options=options, data_dir=data_dir, **user)
        except KeyboardInterrupt as exc:
            raise as_interrupted(exc, target=out) from None
        return
    resolve_model_config(model, cat)  # a bad --model fails once, before the first suite runs
    finished: list[str] = []
    for sid in suite_ids:
        try:
            _run_one(cat, sid, model, out / sid, seed=seed, options=dict(options), data_dir=data_dir, **user)
        except (FmbenchError, OSError) as exc:
            raise _suite_failed(sid, exc, finished, suite_ids[len(finished) + 1:], out) from None
        except KeyboardInterrupt as exc:
            done = [f"{s} (in {out / s})" for s in finished]
            raise as_interrupted(exc, target=out / sid, finished=done) from None
        finished.append(sid)


def _run_one(cat, suite_id: str, model: str, out: Path, *, seed: int | None, options: dict,  # noqa: ANN001
             data_dir: Path | None, data: Path | None = None, data_options=None) -> None:  # noqa: ANN001
    from fmbench.cli.console import console
    from fmbench.progress import RichProgress
    from fmbench.reports.tables import estimate_text
    from fmbench.runner import run_suite

    outcome = run_suite(suite_id, model, out, catalog=cat, data_dir=data_dir, seed=seed, options=options,
                        progress=RichProgress(), data=data, data_options=data_options)
    rec = outcome.record
    for warning in rec.provenance.get("warnings") or []:
        print(f"warning: {warning}", file=sys.stderr)
    primary = cat.benchmark(rec.benchmark_id).primary_metric
    if primary not in rec.metrics:
        primary = next(iter(rec.metrics))
    console.print(f"{rec.suite_id} · {rec.model.id}: {primary} = {estimate_text(rec.metrics[primary])}")
    for f in outcome.files:
        console.print(f"wrote {f}")


def _suite_failed(suite_id: str, exc: Exception, finished: list[str], not_run: list[str],
                  out: Path) -> Exception:
    """One error naming the failed suite and where the suites finished before it were written."""
    from fmbench.errors import FmbenchError

    if isinstance(exc, OSError) and not isinstance(exc, FmbenchError):
        where = ": ".join(str(f) for f in (exc.filename, exc.filename2) if f is not None)
        reason = f"{where}: {exc.strerror or exc}" if where else f"{type(exc).__name__}: {exc}"
    else:
        reason = str(exc)
    message = f"suite {suite_id} failed: {reason}"
    if finished:
        message += "; finished: " + ", ".join(f"{s} (in {out / s})" for s in finished)
    else:
        message += "; no suite finished"
    if not_run:
        message += "; not run: " + ", ".join(not_run)
    err = FmbenchError(message)
    err.exit_code = getattr(exc, "exit_code", 2)
    return err


def generate_toy_data(
    out: Annotated[Path | None, typer.Option(
        "--out", help="Data folder (default: the data directory).")] = None,
    dataset: Annotated[list[str] | None, typer.Option(
        "--dataset", help="Dataset id(s); default all generated.")] = None,
    force: Annotated[bool, typer.Option("--force", help="Regenerate even if present.")] = False,
    catalog: CatalogOption = None,
    data_dir: DataDirOption = None,
) -> None:
    """Generate the seeded toy datasets of the catalog (also done on demand by `run`)."""
    from fmbench.catalog.registry import load_catalog
    from fmbench.cli.console import console
    from fmbench.data.provision import generate_dataset

    cat = load_catalog(catalog or [])
    ids = dataset or sorted(d.id for d in cat.datasets.values() if d.source == "generated")
    for ds_id in ids:
        card = cat.dataset(ds_id)
        if card.source != "generated":
            from fmbench.errors import ConfigError

            raise ConfigError(f"--dataset {ds_id}: source is {card.source!r}, not generated")
        folder = generate_dataset(card, out or data_dir, force=force)
        console.print(f"{ds_id}: {folder}")


def quickstart(
    out: Annotated[Path, typer.Option(
        "--out", help="Folder for all records, reports and the leaderboard.")] = Path("fmbench-out"),
    suites: Annotated[list[str] | None, typer.Option(
        "--suite", help="Only these suites (repeatable).")] = None,
    evals: Annotated[Path, typer.Option(
        "--evals", help="The hub's committed records to include.")] = Path("evals"),
    data_dir: DataDirOption = None,
) -> None:
    """Run every built-in baseline on every runnable suite, then build the leaderboard."""
    from fmbench.cli import tune_for_bootstrap
    from fmbench.cli.quickstart import run_quickstart

    tune_for_bootstrap()

    run_quickstart(out, suites=suites, evals=evals, data_dir=data_dir)


def register(app: typer.Typer) -> None:
    app.command("run")(run)
    app.command("generate-toy-data")(generate_toy_data)
    app.command("quickstart")(quickstart)
