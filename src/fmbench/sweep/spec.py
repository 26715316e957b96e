"""A sweep's grid and where it runs: the sweep YAML file and the ``fmbench sweep`` options.

```yaml
kind: sweep
models: [a.yaml, logistic, {model: fm.yaml, resources: {GPU: 1}}]
suites: [SUITE-TOY-CLASS, SUITE-TOY-CLASS-CV]
seeds: [0, 1, 2]          # default: each suite's pre-specified seeds
out: runs/sweep
cluster: local            # local | slurm | tcp://host:8786
workers: 2
```

Paths in the file (model configs, ``out``, ``catalog``, ``data_dir``, ``leaderboard``) are relative
to the file's folder. The file is read with the bounded YAML parser, and the grid is bounded:
at most ``MAX_MODELS`` models, ``MAX_SUITES`` suites, ``MAX_SEEDS`` seeds and ``MAX_CELLS`` cells.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from fmbench.errors import ConfigError, validation_messages

MAX_MODELS = 200
MAX_SUITES = 100
MAX_SEEDS = 100
MAX_CELLS = 10_000
MAX_SEED = 2**32 - 1
RESOURCE_NAME = r"^[A-Za-z][A-Za-z0-9_.-]{0,63}$"


class _Spec(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


def _check_resources(value: dict[str, float]) -> dict[str, float]:
    if len(value) > 16:
        raise ValueError("at most 16 resources")
    for name, amount in value.items():
        if not re.match(RESOURCE_NAME, name):
            raise ValueError(f"resource name {name!r}: letters, digits and ._- (e.g. GPU)")
        if not amount > 0 or amount > 1e6:
            raise ValueError(f"{name}: amount must be > 0 (e.g. GPU: 1)")
    return value


class ModelEntry(_Spec):
    """One model of the grid, with what each of its cells asks of a worker."""

    model: str = Field(min_length=1, max_length=4096,
                       description="Model config YAML (relative to the sweep file) or a built-in model id.")
    resources: dict[str, float] = Field(
        default_factory=dict,
        description="Dask worker resources each cell of this model needs, e.g. {GPU: 1}; added to the "
        "sweep's `resources`.")

    _resources = field_validator("resources")(_check_resources)


class SlurmSpec(_Spec):
    """One Slurm job per worker (dask-jobqueue's SLURMCluster); ``workers`` is the number of jobs."""

    partition: str | None = Field(None, max_length=200, description="Partition (sbatch -p).")
    account: str | None = Field(None, max_length=200, description="Account (sbatch -A).")
    walltime: str = Field("01:00:00", max_length=20, description="Time limit of each worker job, [D-]HH:MM[:SS].")
    cores: int = Field(1, ge=1, le=1024, description="CPUs of each worker job (the worker runs one cell at a time).")
    memory: str = Field("2GB", max_length=20, description="Memory of each job, e.g. 16GB.")
    gpus: int = Field(0, ge=0, le=64, description="GPUs of each job (--gres=gpu:N); the worker offers GPU=N.")
    interface: str | None = Field(
        None, max_length=64,
        description="Network interface the scheduler and workers listen on (e.g. ib0; lo on one machine); "
        "default: Dask's choice.")
    job_extra: list[str] = Field(default_factory=list, max_length=32,
                                 description="More #SBATCH directives, e.g. ['--qos=short'].")

    @field_validator("walltime")
    @classmethod
    def _walltime(cls, v: str) -> str:
        if not re.match(r"^(\d+-)?\d{1,3}:\d{2}(:\d{2})?$", v):
            raise ValueError(f"{v!r}: give [D-]HH:MM[:SS], e.g. 02:00:00")
        return v

    @field_validator("memory")
    @classmethod
    def _memory(cls, v: str) -> str:
        if not re.match(r"^\d+(\.\d+)?\s*([KMGT]i?B)$", v):
            raise ValueError(f"{v!r}: give an amount with a unit, e.g. 16GB")
        return v


class SweepSpec(_Spec):
    """A grid of models × suites × seeds and where to run it (see the module docstring)."""

    kind: Literal["sweep"] = Field("sweep", description="Marks the file as a sweep (`validate` tells files apart by it).")
    models: list[str | ModelEntry] = Field(min_length=1, max_length=MAX_MODELS,
                                           description="Model config files or built-in model ids.")
    suites: list[str] = Field(min_length=1, max_length=MAX_SUITES, description="Suite ids.")
    seeds: list[int] | None = Field(
        None, max_length=MAX_SEEDS,
        description="Seeds (`run --seed k` for each); default: each suite's pre-specified seeds.")
    out: str | None = Field(None, max_length=4096, description="Output folder (`--out` overrides it).")
    cluster: str = Field(
        "local", max_length=400,
        description="local (a LocalCluster of worker processes), slurm (dask-jobqueue), or a scheduler "
        "address such as tcp://host:8786.")
    workers: int | None = Field(None, ge=1, le=4096,
                                description="Local worker processes, or Slurm jobs (default: CPUs / 1 job).")
    resources: dict[str, float] = Field(default_factory=dict,
                                        description="Dask worker resources every cell needs, e.g. {GPU: 1}.")
    retries: int = Field(2, ge=0, le=10,
                         description="Times a cell whose worker died is run again elsewhere; model errors "
                         "are recorded, not retried.")
    slurm: SlurmSpec = Field(default_factory=SlurmSpec, description="Slurm job settings (cluster: slurm).")
    catalog: list[str] = Field(default_factory=list, max_length=32,
                               description="Folders of your own catalog YAML, as --catalog.")
    data_dir: str | None = Field(None, max_length=4096, description="Data folder, as --data-dir.")
    leaderboard: str | None = Field(None, max_length=4096,
                                    description="Build the leaderboards from the sweep's records into this folder.")

    _resources = field_validator("resources")(_check_resources)

    @field_validator("suites")
    @classmethod
    def _suites(cls, v: list[str]) -> list[str]:
        if len(set(v)) != len(v):
            raise ValueError("must be distinct")
        return v

    @field_validator("seeds")
    @classmethod
    def _seeds(cls, v: list[int] | None) -> list[int] | None:
        if v is None:
            return v
        if not v:
            raise ValueError("give at least one seed, or leave seeds out for each suite's own")
        bad = [s for s in v if not 0 <= s <= MAX_SEED]
        if bad:
            raise ValueError(f"seed {bad[0]}: must be an integer from 0 to {MAX_SEED}")
        if len(set(v)) != len(v):
            raise ValueError("must be distinct")
        return v

    @field_validator("cluster")
    @classmethod
    def _cluster(cls, v: str) -> str:
        if v in {"local", "slurm"} or re.match(r"^(tcp|tls|inproc|ucx|ws|wss)://\S+$", v):
            return v
        raise ValueError(f"{v!r}: local, slurm, or a scheduler address such as tcp://host:8786")

    @model_validator(mode="after")
    def _cells(self) -> SweepSpec:
        n = len(self.models) * len(self.suites) * (len(self.seeds) if self.seeds else 1)
        if n > MAX_CELLS:
            raise ValueError(f"the grid has {n} cells; at most {MAX_CELLS} per sweep (split it)")
        return self

    def model_entries(self) -> list[ModelEntry]:
        return [m if isinstance(m, ModelEntry) else ModelEntry(model=m) for m in self.models]


def parse_sweep(data: Any, *, source: str) -> SweepSpec:
    """Plain data as a SweepSpec; ConfigError ``source: field: message`` (the first problem)."""
    problems = sweep_problems(data, source=source)
    if problems:
        raise ConfigError(problems[0])
    return SweepSpec.model_validate(data)


def sweep_problems(data: Any, *, source: str) -> list[str]:
    """Every schema problem of a sweep file's data, as ``source: field: message`` lines."""
    if not isinstance(data, dict):
        return [f"{source}: expected a mapping with kind: sweep, models and suites"]
    if data.get("kind") != "sweep":
        return [f"{source}: kind: must be 'sweep' (a sweep file starts with `kind: sweep`)"]
    try:
        SweepSpec.model_validate(data)
    except ValidationError as exc:
        return validation_messages(exc, prefix=source, skip={"str", "ModelEntry", "list[int]"})
    return []


def is_sweep_data(data: Any) -> bool:
    return isinstance(data, dict) and data.get("kind") == "sweep"


def read_sweep(path: str | Path) -> SweepSpec:
    from fmbench.yamlio import read_yaml

    return parse_sweep(read_yaml(path), source=str(path))


# ------------------------------------------------------------------ command-line values

def parse_seeds(text: str) -> list[int]:
    """``--seeds 0,1,2`` (also ``0-4``) as a list of distinct ints."""
    seeds: list[int] = []
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        lo, dash, hi = part.partition("-")
        try:
            values = range(int(lo), int(hi) + 1) if dash else [int(part)]
        except ValueError:
            raise ConfigError(f"--seeds {text}: {part!r} is not an integer; give e.g. --seeds 0,1,2 or 0-4") from None
        if len(values) > MAX_SEEDS:
            raise ConfigError(f"--seeds {text}: at most {MAX_SEEDS} seeds")
        for s in values:
            if not 0 <= s <= MAX_SEED:
                raise ConfigError(f"--seeds {text}: seed {s} must be an integer from 0 to {MAX_SEED}")
            if s not in seeds:
                seeds.append(s)
    if not seeds:
        raise ConfigError(f"--seeds {text!r}: give at least one seed, e.g. --seeds 0,1,2")
    return seeds


def parse_resources(values: list[str], *, flag: str = "--resources") -> dict[str, float]:
    """``--resources GPU=1 --resources MEM=2`` (or ``GPU=1,MEM=2``) as a mapping."""
    out: dict[str, float] = {}
    for value in values:
        for part in (p.strip() for p in value.split(",")):
            if not part:
                continue
            name, eq, amount = part.partition("=")
            try:
                number = float(amount) if eq else float("nan")
            except ValueError:
                number = float("nan")
            if not (re.match(RESOURCE_NAME, name.strip()) and number > 0):
                raise ConfigError(f"{flag} {value}: expected NAME=AMOUNT with AMOUNT > 0, e.g. {flag} GPU=1")
            out[name.strip()] = number
    return out
