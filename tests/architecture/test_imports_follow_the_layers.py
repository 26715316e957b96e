"""Arrows point one way: no module imports a layer above it (imports inside functions included).

cli → runner → tasks → (models, data, metrics, probes, cache) → (catalog, records) → base;
leaderboard → (records, catalog); hub → (records, leaderboard). A module may import its own
package and anything in a lower layer; the table below is the whole rule.
"""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src" / "fmbench"

# package (first component under fmbench) -> layer; a module may import only lower layers,
# its own package, or packages listed in ALSO.
LAYER = {
    "errors": -1,
    "(root)": 0,
    "yamlio": 0,
    "registry": 0,
    "allocator": 0,
    "filemodes": 0,
    "svgplot": 0,
    "finding_lexicon": 0,
    "progress": 0,
    "multiple_testing": 0,
    "bounded": -0.5,  # input limits: below yamlio and records, above errors
    "catalog": 1,
    "records": 1,
    "metrics": 2,
    "models": 2,
    "data": 2,
    "perturbations": 3,
    "cache": 2,  # keyed on the model fingerprint the run context gives it; imports no model code
    "reports": 3,
    "tasks": 4,
    "spec_checks": 5,
    "runner": 6,
    "api": 7,
    "sweep": 7,  # grids of runs on Dask: runner, leaderboard (boards of the sweep's records)
    "validation": 7.5,  # also checks sweep files, whose grid it resolves (fmbench.sweep)
    "testing": 7,
    "leaderboard": 2,
    "hub": 8,
    "cli": 9,
    "__main__": 10,
}
ALSO = {
    "records": {"catalog"},  # records are checked against the catalog; the catalog never reads records
    "perturbations": {"metrics"},  # robustness summaries register as metrics
    "models": {"data"},  # DNA baselines read data's in-memory sequence form; data never imports models
}
ROOT_OK = {"__version__"}  # `from fmbench import __version__` is a constant, not a layer


def _package(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "(root)"


def _imports(path: Path) -> list[tuple[str, int, list[str]]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "fmbench":
            out.append((node.module, node.lineno, [a.name for a in node.names]))
        elif isinstance(node, ast.Import):
            out += [(a.name, node.lineno, []) for a in node.names if a.name.split(".")[0] == "fmbench"]
    return out


def test_every_package_has_a_layer():
    packages = {
        p.stem if p.is_file() else p.name
        for p in SRC.iterdir()
        if not p.name.startswith("_")
        and (p.suffix == ".py" or (p.is_dir() and (p / "__init__.py").exists()))
    }
    assert packages - set(LAYER) == set()


def test_no_module_imports_a_layer_above_it():
    problems = []
    for path in sorted(SRC.rglob("*.py")):
        rel = path.relative_to(SRC.parent).with_suffix("")
        module = ".".join(rel.parts).removesuffix(".__init__")
        own = _package(module) if module != "fmbench" else "(root)"
        if module == "fmbench":  # the package's face: re-exports the Python API lazily
            continue
        for target, line, names in _imports(path):
            pkg = _package(target) if target != "fmbench" else "(root)"
            if pkg == own or pkg in ALSO.get(own, set()):
                continue
            if pkg == "(root)" and set(names) <= ROOT_OK:
                continue
            if LAYER[pkg] >= LAYER[own]:
                problems.append(
                    f"{rel}.py:{line}: {own} (layer {LAYER[own]}) imports {target} (layer {LAYER[pkg]})"
                )
    assert problems == []
