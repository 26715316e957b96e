"""sweep: models × suites × seeds on Dask (a local cluster, an existing scheduler, or Slurm)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from fmbench.cli.options import CatalogOption, DataDirOption

# SweepSpec field -> the option that sets it, for messages about command-line values
FLAGS = {"models": "--model", "suites": "--suite", "seeds": "--seeds", "cluster": "--cluster",
         "workers": "--workers", "resources": "--resources", "retries": "--retries", "slurm": "--slurm-*",
         "catalog": "--catalog", "out": "--out"}


def sweep(
    file: Annotated[Path | None, typer.Argument(
        help="A sweep YAML file (kind: sweep) naming the models, suites, seeds and cluster; instead of "
        "--model/--suite/--seeds.")] = None,
    model: Annotated[list[str] | None, typer.Option(
        "--model", help="Model config YAML or built-in model id (repeatable).")] = None,
    suite: Annotated[list[str] | None, typer.Option(
        "--suite", help="Suite id (repeatable, or comma-separated).")] = None,
    seeds: Annotated[str | None, typer.Option(
        "--seeds", help="Seeds, e.g. 0,1,2 or 0-4 (each cell runs as `run --seed k`); default: each suite's "
        "pre-specified seeds.")] = None,
    out: Annotated[Path | None, typer.Option(
        "--out", help="Output folder: DIR/<suite>/<model>/seed-<k>/ per cell.")] = None,
    cluster: Annotated[str | None, typer.Option(
        "--cluster", help="local (default: a LocalCluster of worker processes), slurm (dask-jobqueue), or a "
        "scheduler address such as tcp://host:8786.")] = None,
    workers: Annotated[int | None, typer.Option(
        "--workers", min=1, help="Local worker processes (default: the CPUs), or Slurm jobs (default 1).")] = None,
    resources: Annotated[list[str] | None, typer.Option(
        "--resources", help="Dask resources each cell needs, e.g. GPU=1 (local and Slurm workers offer them).")
    ] = None,
    retries: Annotated[int | None, typer.Option(
        "--retries", min=0, max=10, help="Times a cell whose worker died is run again (default 2); model errors "
        "are recorded, not retried.")] = None,
    leaderboard: Annotated[Path | None, typer.Option(
        "--leaderboard", help="Also build the leaderboards from the sweep's records into this folder.")] = None,
    slurm_partition: Annotated[str | None, typer.Option("--slurm-partition", help="Slurm partition.")] = None,
    slurm_account: Annotated[str | None, typer.Option("--slurm-account", help="Slurm account.")] = None,
    slurm_walltime: Annotated[str | None, typer.Option(
        "--slurm-walltime", help="Time limit of each worker job (default 01:00:00).")] = None,
    slurm_cores: Annotated[int | None, typer.Option("--slurm-cores", help="CPUs per job (default 1).")] = None,
    slurm_memory: Annotated[str | None, typer.Option("--slurm-memory", help="Memory per job (default 2GB).")] = None,
    slurm_gpus: Annotated[int | None, typer.Option("--slurm-gpus", help="GPUs per job (default 0).")] = None,
    slurm_interface: Annotated[str | None, typer.Option(
        "--slurm-interface", help="Network interface for the scheduler and workers (e.g. ib0).")] = None,
    catalog: CatalogOption = None,
    data_dir: DataDirOption = None,
) -> None:
    """Run every model × suite × seed as Dask tasks; write each cell's record when it finishes.

    Cells are content-addressed: rerunning skips finished cells and reruns changed or failed ones.
    A cell whose model fails is recorded (status: failed) and the others go on. Exit status 1 when
    a cell failed, 2 for a bad sweep (nothing written), 130 on Ctrl-C (rerun the same command)."""
    from fmbench.cli.console import console
    from fmbench.sweep.report import RichSweepProgress, print_summary
    from fmbench.sweep.run import plan_sweep, run_planned

    slurm = {"partition": slurm_partition, "account": slurm_account, "walltime": slurm_walltime,
             "cores": slurm_cores, "memory": slurm_memory, "gpus": slurm_gpus, "interface": slurm_interface}
    slurm = {k: v for k, v in slurm.items() if v is not None}
    overrides: dict[str, Any] = {"cluster": cluster, "workers": workers, "retries": retries}
    overrides = {k: v for k, v in overrides.items() if v is not None}
    if file is not None:
        spec, base, source = _from_file(file, model=model, suite=suite, seeds=seeds, catalog=catalog,
                                        resources=resources, slurm=slurm, overrides=overrides)
    else:
        spec, base, source = _from_options(model, suite, seeds, resources, slurm, catalog, overrides), Path.cwd(), None
    target = out if out is not None else (base / spec.out if spec.out else None)
    if target is None:
        from fmbench.errors import ConfigError

        raise ConfigError(f"--out: give the output folder (or `out:` in {file})" if file else
                          "--out: give the output folder, e.g. --out runs/sweep")
    boards = leaderboard if leaderboard is not None else (base / spec.leaderboard if spec.leaderboard else None)
    plan = plan_sweep(spec, base=base, source=source, data_dir=data_dir)
    from fmbench.sweep.cluster import quiet_dask_logs

    quiet_dask_logs()
    try:
        result = run_planned(plan, spec, out=target, leaderboard=boards, reporter=RichSweepProgress())
    except KeyboardInterrupt as exc:
        from fmbench.cli.interrupted import as_interrupted

        raise as_interrupted(exc, finished=getattr(exc, "finished", None)) from None
    print_summary(result, console)
    if result.count("failed"):
        raise typer.Exit(1)


def _validated(data: dict[str, Any]) -> Any:
    """``data`` as a SweepSpec; a bad command-line value is one line naming its option."""
    from pydantic import ValidationError

    from fmbench.errors import ConfigError, validation_messages
    from fmbench.sweep.spec import SweepSpec

    try:
        return SweepSpec.model_validate(data)
    except ValidationError as exc:
        def render(loc: str, msg: str, err: Any) -> str:
            where = err.get("loc", ("",))
            flag = FLAGS.get(str(where[0]), str(where[0]))
            if where[0] == "slurm" and len(where) > 1:
                flag = f"--slurm-{where[1]}"
            return f"{flag}: {msg}"

        raise ConfigError(validation_messages(exc, first_only=True, render=render)[0]) from None


def _from_file(file: Path, *, model: Any, suite: Any, seeds: Any, catalog: Any, resources: Any,
               slurm: dict[str, Any], overrides: dict[str, Any]) -> tuple[Any, Path, str]:
    from fmbench.errors import ConfigError
    from fmbench.sweep.spec import read_sweep

    given = [flag for flag, v in (("--model", model), ("--suite", suite), ("--seeds", seeds),
                                  ("--catalog", catalog), ("--resources", resources)) if v]
    if given:
        raise ConfigError(f"{given[0]}: {file} names the grid; change it there, or leave the file out and give "
                          "--model/--suite/--seeds")
    spec = read_sweep(file)
    if slurm or overrides:
        data = spec.model_dump(mode="json", exclude_unset=True)
        data.update(overrides)
        if slurm:
            data["slurm"] = {**data.get("slurm", {}), **slurm}
        spec = _validated(data)
    return spec, file.absolute().parent, str(file)


def _from_options(model: Any, suite: Any, seeds: str | None, resources: Any, slurm: dict[str, Any],
                  catalog: Any, overrides: dict[str, Any]) -> Any:
    from fmbench.cli.run_cmds import split_ids
    from fmbench.errors import ConfigError
    from fmbench.sweep.spec import parse_resources, parse_seeds

    if not model:
        raise ConfigError("--model: give at least one model config or built-in model id (or a sweep file)")
    suites = split_ids(suite or [])
    if not suites:
        raise ConfigError("--suite: give at least one suite id, e.g. --suite SUITE-TOY-CLASS (or a sweep file)")
    data: dict[str, Any] = {"models": list(model), "suites": suites,
                            "resources": parse_resources(resources or []),
                            "catalog": [str(c) for c in catalog or []], "slurm": slurm, **overrides}
    if seeds is not None:
        data["seeds"] = parse_seeds(seeds)
    return _validated(data)


def register(app: typer.Typer) -> None:
    app.command("sweep")(sweep)
