"""run-robustness."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from fmbench.cli.options import (
    CatalogOption,
    DataDirOption,
    DataOption,
    LabelColumnOption,
    LabelsFileOption,
    SequenceColumnOption,
    StrataOption,
    data_options,
)


def run_robustness(
    model: Annotated[
        str, typer.Option("--model", help="Model config YAML, or a built-in model id such as logistic.")
    ],
    out: Annotated[Path, typer.Option("--out", help="Output folder for eval.yaml, report.md, report.html.")],
    suite: Annotated[
        str | None,
        typer.Option(
            "--suite",
            help="Robustness suite id (default SUITE-ROBUSTNESS-NEURO); with --data it supplies the "
            "settings (split, grids).",
        ),
    ] = None,
    data: DataOption = None,
    label_column: LabelColumnOption = None,
    sequence_column: SequenceColumnOption = None,
    labels_file: LabelsFileOption = None,
    strata: StrataOption = None,
    probes: Annotated[
        str | None,
        typer.Option(
            "--probes", help="Comma-separated probes, e.g. dropout,noise,line_noise,permutation,shift."
        ),
    ] = None,
    sampling_freq: Annotated[
        float | None,
        typer.Option(
            "--sampling-freq",
            min=0.0,
            help="Sampling frequency in Hz (default: the dataset card's, or the info.json of --data).",
        ),
    ] = None,
    seed: Annotated[int | None, typer.Option("--seed", help="Seed of the split and of every probe.")] = None,
    batch_size: Annotated[
        int | None,
        typer.Option(
            "--batch-size", min=1, help="Samples per batch (rounded up to whole blocks; default about 32 MB)."
        ),
    ] = None,
    catalog: CatalogOption = None,
    data_dir: DataDirOption = None,
) -> None:
    """Probe a model's robustness; write DIR/eval.yaml, DIR/report.md, DIR/report.html."""
    from fmbench.cli import tune_for_bootstrap
    from fmbench.cli.console import console

    tune_for_bootstrap()
    from fmbench.runner import run_robustness as run

    names = [p.strip() for p in probes.split(",") if p.strip()] if probes is not None else None
    if names is not None and not names:
        from fmbench.errors import ConfigError

        raise ConfigError("--probes: give at least one probe name, e.g. --probes noise,shift")
    if sampling_freq is not None and sampling_freq <= 0:
        from fmbench.errors import ConfigError

        raise ConfigError(f"--sampling-freq {sampling_freq:g}: must be a positive frequency in Hz")
    from fmbench.cli.interrupted import as_interrupted
    from fmbench.progress import RichProgress

    try:
        outcome = run(
            model,
            out,
            suite_id=suite,
            data=data,
            data_options=data_options(data, label_column=label_column, meta_columns=None, text_column=None,
                                      strata=strata, sequence_column=sequence_column, labels_file=labels_file),
            probes=names,
            sampling_freq=sampling_freq,
            seed=seed,
            batch_size=batch_size,
            catalog_dirs=catalog or [],
            data_dir=data_dir,
            progress=RichProgress(),
        )
    except KeyboardInterrupt as exc:
        raise as_interrupted(exc, target=out) from None
    rec = outcome.record
    from fmbench.reports.tables import estimate_text

    score = estimate_text(rec.metrics["robustness_score"])
    console.print(f"{rec.suite_id} · {rec.model.id}: robustness_score = {score}")
    if not rec.rankable:
        console.print(f"not ranked: {rec.rankable_reason}")
    for f in outcome.files:
        console.print(f"wrote {f}")


def register(app: typer.Typer) -> None:
    app.command("run-robustness")(run_robustness)
