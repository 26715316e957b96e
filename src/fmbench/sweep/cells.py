"""The grid's cells, their content-addressed keys, and their state on disk.

A cell is (suite, model, seed). Its key is the sha256 of what decides its record: the suite's
spec and its benchmark's, the model config's digest and the fingerprint of the files and code
behind it (``fmbench.models.fingerprint``, which the output cache keys on too), what decides
the dataset's content (``fmbench.data.provision.dataset_identity``), the seed and fmbench's
version. A cell whose model cannot be fingerprinted completely has no key and always runs.

Each cell's folder ``DIR/<suite>/<model>/seed-<k>/`` holds its record and reports and
``cell.json`` (status ``done`` or ``failed``, the key, the one-line error, the wall time). A rerun
skips a cell whose ``cell.json`` says ``done`` with the current key and whose ``eval.yaml`` is
there; every other cell (new, changed, failed before) runs.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fmbench.catalog.registry import Catalog
from fmbench.errors import ConfigError, FmbenchError
from fmbench.models.config import ModelConfig
from fmbench.records.digest import canonical_json, sha256_hex

CELL_FILE = "cell.json"
CELL_FORMAT = 1


@dataclass(frozen=True)
class SweepModel:
    config: ModelConfig
    source: str  # the file or model card it came from, for messages
    resources: dict[str, float]
    fingerprint: dict[str, Any] | None  # None: incomplete (the cells of this model always run)
    why_unkeyed: str | None = None


@dataclass(frozen=True)
class Cell:
    suite_id: str
    model: SweepModel
    seed: int
    key: str | None

    @property
    def model_id(self) -> str:
        return self.model.config.model_id

    @property
    def rel(self) -> Path:
        return Path(self.suite_id) / self.model_id / f"seed-{self.seed}"

    @property
    def label(self) -> str:
        return f"{self.suite_id} · {self.model_id} · seed {self.seed}"


@dataclass
class Plan:
    """A resolved grid: every id, file and seed checked, every cell keyed."""

    catalog: Catalog
    models: list[SweepModel]
    suites: list[str]
    seeds: dict[str, list[int]]  # per suite
    cells: list[Cell]
    data_dir: Path | None
    catalog_dirs: list[Path] = field(default_factory=list)


def _where(source: str | None, field_: str, flag: str) -> str:
    return f"{source}: {field_}" if source else flag


def resolve_models(entries: list[Any], catalog: Catalog, *, base: Path, source: str | None,
                   resources: dict[str, float]) -> list[SweepModel]:
    """Model configs (files relative to ``base``, or built-in ids), fingerprinted; ids distinct."""
    from fmbench.models.config import resolve_model_config
    from fmbench.models.fingerprint import model_fingerprint

    out: list[SweepModel] = []
    seen: dict[str, str] = {}
    for i, entry in enumerate(entries):
        spec = entry.model
        path = Path(spec).expanduser()
        if not path.is_absolute() and (path.suffix in {".yaml", ".yml"} or (base / path).exists()):
            path = base / path
        where = _where(source, f"models[{i}]", f"--model {spec}")
        looks_like_file = path.suffix in {".yaml", ".yml"} or path.exists()
        try:
            config, label = resolve_model_config(path if looks_like_file else spec, catalog)
        except FmbenchError as exc:
            msg = exc.one_line()
            raise type(exc)(msg if msg.startswith("--model") else f"{where}: {msg}") from None
        if config.model_id in seen:
            raise ConfigError(
                f"{where}: model_id {config.model_id!r} is also the id of {seen[config.model_id]}; each "
                "model of a sweep needs its own model_id (its cells are written to DIR/<suite>/<model_id>/)")
        seen[config.model_id] = label
        fp = model_fingerprint(config)
        out.append(SweepModel(config=config, source=label, resources={**resources, **entry.resources},
                              fingerprint=None if fp.incomplete else fp.key_data(), why_unkeyed=fp.incomplete))
    return out


def resolve_suites(ids: list[str], catalog: Catalog, *, source: str | None) -> list[str]:
    from fmbench.spec_checks import check_suite

    out = []
    for i, sid in enumerate(ids):
        try:
            suite = catalog.suite(sid)
            check_suite(catalog, suite.id)
        except FmbenchError as exc:
            where = _where(source, f"suites[{i}]", f"--suite {sid}")
            raise type(exc)(f"{where}: {exc.one_line()}") from None
        if suite.id not in out:
            out.append(suite.id)
    return out


def suite_digest(catalog: Catalog, suite_id: str) -> str:
    suite = catalog.suite(suite_id)
    bench = catalog.benchmark(suite.benchmark_id)
    data = {"suite": suite.model_dump(mode="json"), "benchmark": bench.model_dump(mode="json")}
    return "sha256:" + sha256_hex(canonical_json(data))


def cell_key(*, suite: str, model: SweepModel, dataset: str, seed: int) -> str | None:
    """sha256 over everything that decides the cell's record (None when the model has no fingerprint)."""
    from fmbench import __version__

    if model.fingerprint is None:
        return None
    data = {"format": CELL_FORMAT, "suite": suite, "model": model.config.digest(),
            "fingerprint": model.fingerprint, "dataset": dataset, "seed": seed, "fmbench": __version__}
    return "sha256:" + sha256_hex(canonical_json(data))


def plan_cells(catalog: Catalog, models: list[SweepModel], suites: list[str], seeds: list[int] | None,
               *, data_dir: Path | None) -> tuple[list[Cell], dict[str, list[int]]]:
    """Cells suite by suite, model by model, seed by seed; ``seeds=None``: each suite's own."""
    from fmbench.data.provision import dataset_identity

    cells: list[Cell] = []
    per_suite: dict[str, list[int]] = {}
    for sid in suites:
        suite = catalog.suite(sid)
        suite_seeds = list(seeds) if seeds is not None else suite.prespecified_seeds()
        per_suite[sid] = suite_seeds
        digest = suite_digest(catalog, sid)
        try:
            dataset = dataset_identity(catalog.dataset(suite.dataset_id), data_dir)
        except FmbenchError as exc:
            raise type(exc)(f"suite {sid}: dataset {suite.dataset_id}: {exc.one_line()}") from None
        for model in models:
            for seed in suite_seeds:
                cells.append(Cell(sid, model, seed, cell_key(suite=digest, model=model, dataset=dataset, seed=seed)))
    return cells, per_suite


# ------------------------------------------------------------------ state on disk

def read_cell_state(folder: Path) -> dict[str, Any] | None:
    """The cell's ``cell.json``, or None when missing or unreadable."""
    from fmbench.bounded import parse_json_bounded

    try:
        data = parse_json_bounded((folder / CELL_FILE).read_bytes(), source=str(folder / CELL_FILE))
    except (OSError, FmbenchError):
        return None
    return data if isinstance(data, dict) else None


def is_finished(out: Path, cell: Cell) -> bool:
    """Done before with the same key, and its record is still there."""
    if cell.key is None:
        return False
    state = read_cell_state(out / cell.rel)
    return (state is not None and state.get("status") == "done" and state.get("key") == cell.key
            and (out / cell.rel / "eval.yaml").is_file())


def cell_state(cell: Cell, *, status: str, error: str | None, wall_s: float | None,
               primary: dict[str, Any] | None, worker: str | None) -> str:
    """The text of ``cell.json``."""
    data = {
        "format": CELL_FORMAT,
        "suite": cell.suite_id,
        "model": cell.model_id,
        "seed": cell.seed,
        "key": cell.key,
        "status": status,
        "error": error,
        "wall_s": None if wall_s is None else round(wall_s, 3),
        "primary": primary,
        "worker": worker,
        **({"unkeyed": cell.model.why_unkeyed} if cell.key is None else {}),
    }
    return json.dumps(data, indent=1, sort_keys=True) + "\n"
