"""Load the catalog (built-in YAML plus a user's ``--catalog`` folders), look up, validate.

A user's files are laid on top of the built-in catalog: the same id replaces the built-in
entry, so a lab can override a suite's bootstrap settings without forking the package.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar

from pydantic import ValidationError

from fmbench.catalog.schema import (
    KIND_TO_SPEC,
    BenchmarkSpec,
    DatasetCard,
    ModelCard,
    Spec,
    SuiteSpec,
)
from fmbench.errors import ConfigError, NotFoundError, validation_messages
from fmbench.yamlio import read_yaml

S = TypeVar("S", bound=Spec)
_DIR_TO_KIND = {"benchmarks": "benchmark", "suites": "suite", "datasets": "dataset", "models": "model"}


def parse_spec(data: Any, *, source: str, kind: str | None = None) -> Spec:
    """Validate one catalog document; raise ConfigError naming the file and field."""
    if not isinstance(data, dict):
        raise ConfigError(f"{source}: expected a mapping at the top level, got {type(data).__name__}")
    kind = data.get("kind", kind)
    if kind not in KIND_TO_SPEC:
        raise ConfigError(
            f"{source}: kind: must be one of {sorted(KIND_TO_SPEC)} "
            "(or put the file in a benchmarks/, suites/, datasets/ or models/ folder)"
        )
    try:
        return KIND_TO_SPEC[kind].model_validate({**data, "kind": kind})
    except ValidationError as exc:
        raise ConfigError("; ".join(validation_messages(exc, prefix=source))) from None


def kind_from_path(path: Path) -> str | None:
    return _DIR_TO_KIND.get(path.parent.name)


@dataclass
class Catalog:
    """All specs by kind and id, with the file each came from."""

    benchmarks: dict[str, BenchmarkSpec] = field(default_factory=dict)
    suites: dict[str, SuiteSpec] = field(default_factory=dict)
    datasets: dict[str, DatasetCard] = field(default_factory=dict)
    models: dict[str, ModelCard] = field(default_factory=dict)
    sources: dict[tuple[str, str], str] = field(default_factory=dict)

    def add(self, spec: Spec, source: str) -> None:
        table = self._table(spec.kind)  # type: ignore[attr-defined]
        table[spec.id] = spec  # type: ignore[attr-defined]
        self.sources[(spec.kind, spec.id)] = source  # type: ignore[attr-defined]
        if isinstance(spec, DatasetCard):  # where the store looks up `generator: module:function`
            spec._source_file = source

    def _table(self, kind: str) -> dict[str, Any]:
        return {"benchmark": self.benchmarks, "suite": self.suites,
                "dataset": self.datasets, "model": self.models}[kind]

    def _get(self, table: dict[str, S], kind: str, key: str) -> S:
        if key in table:
            return table[key]
        close = difflib.get_close_matches(key, table, n=1)
        hint = f" Did you mean {close[0]!r}?" if close else ""
        raise NotFoundError(
            f"unknown {kind} id {key!r}.{hint} Run `python -m fmbench list-{kind}s` to see them."
        )

    def benchmark(self, key: str) -> BenchmarkSpec:
        return self._get(self.benchmarks, "benchmark", key)

    def suite(self, key: str) -> SuiteSpec:
        return self._get(self.suites, "suite", key)

    def dataset(self, key: str) -> DatasetCard:
        return self._get(self.datasets, "dataset", key)

    def model(self, key: str) -> ModelCard:
        return self._get(self.models, "model", key)

    def check_references(self) -> list[str]:
        """Cross-file problems (suite → unknown benchmark or dataset), as messages."""
        problems = []
        for sid, suite in sorted(self.suites.items()):
            src = self.sources.get(("suite", sid), sid)
            if suite.benchmark_id not in self.benchmarks:
                problems.append(f"{src}: benchmark_id: unknown benchmark {suite.benchmark_id!r}")
            if suite.dataset_id not in self.datasets:
                problems.append(f"{src}: dataset_id: unknown dataset {suite.dataset_id!r}")
        for bid, bench in sorted(self.benchmarks.items()):
            if bench.canonical_suite is None:
                continue
            src = self.sources.get(("benchmark", bid), bid)
            suite = self.suites.get(bench.canonical_suite)
            if suite is None:
                close = difflib.get_close_matches(bench.canonical_suite, self.suites, n=1)
                hint = f" Did you mean {close[0]!r}?" if close else ""
                problems.append(f"{src}: canonical_suite: unknown suite {bench.canonical_suite!r}.{hint}")
            elif suite.benchmark_id != bid:
                problems.append(
                    f"{src}: canonical_suite: suite {suite.id!r} evaluates {suite.benchmark_id!r}, "
                    f"not {bid!r}"
                )
        return problems


def _builtin_files() -> list[tuple[str, Any]]:
    root = resources.files("fmbench.catalog") / "builtin"
    out = []
    for sub in sorted(_DIR_TO_KIND):
        folder = root / sub
        if not folder.is_dir():
            continue
        for entry in sorted(folder.iterdir(), key=lambda p: p.name):
            if entry.name.endswith((".yaml", ".yml")):
                out.append((sub, entry))
    return out


def iter_yaml_files(paths: Iterable[Path]) -> list[Path]:
    files: list[Path] = []
    for p in paths:
        if p.is_dir():
            files.extend(sorted(q for q in p.rglob("*") if q.suffix in {".yaml", ".yml"}))
        elif p.exists():
            files.append(p)
        else:
            raise NotFoundError(f"{p}: no such file or directory")
    return files


def load_catalog(extra_dirs: Iterable[str | Path] = ()) -> Catalog:
    """The built-in catalog with each user folder laid on top, references checked."""
    cat = Catalog()
    for sub, entry in _builtin_files():
        source = f"fmbench/catalog/builtin/{sub}/{entry.name}"
        from fmbench.yamlio import parse_yaml

        cat.add(parse_spec(parse_yaml(entry.read_bytes(), source=source), source=source,
                           kind=_DIR_TO_KIND[sub]), source)
    for d in extra_dirs:
        d = Path(d)
        if not d.exists():
            raise NotFoundError(f"--catalog {d}: no such directory")
        for f in iter_yaml_files([d]):
            cat.add(parse_spec(read_yaml(f), source=str(f), kind=kind_from_path(f)), str(f))
    problems = cat.check_references()
    if problems:
        raise ConfigError(problems[0])
    return cat
