"""Modules a model imports while it is built: checked again before cached outputs are reused.

The output-cache key is made before the model is built (a fully cached rerun never builds it),
so it can only know the imports it can read (``fmbench.models.import_closure``). A module
imported by computed name (``importlib.import_module(plugin)``), in the class's module or while
the constructor runs, is seen here instead: the modules new in ``sys.modules`` after importing
the class's module or building the model. The cache writes their state (user modules' sources,
distributions' versions) into the entry folder's manifest and, before it reads that folder
again, compares it with what is on disk now; if anything changed, the folder's entries are
dropped and computed again.

Imports happen once per process, so what one run saw is remembered for the process, by the
modules the model is made of: a second run of the same class in a notebook sees nothing new
but records the same modules.
"""

from __future__ import annotations

import hashlib
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from fmbench.models.distributions import describe_packages
from fmbench.models.factory import BASELINES, IMPORTED_WITH, MODEL_TYPES
from fmbench.models.import_closure import describe_modules, module_file, remember_imported

_SEEN: dict[tuple[str, ...], set[str]] = {}  # code roots -> modules seen while building, this process


class BuildImports:
    """What one run's model imported while it was built, and the state of those modules."""

    def __init__(self) -> None:
        self.roots: tuple[str, ...] = ()
        self.search: tuple[str, ...] = ()
        self._names: set[str] = set()

    def watch(self, factory: Callable[[], Any]) -> Callable[[], Any]:
        """``factory`` that also notes the modules each call imports."""

        def build() -> Any:
            MODEL_TYPES.names(), BASELINES.names()  # fmbench's own adapters and baselines: not the model's
            before = set(sys.modules)
            try:
                return factory()
            finally:
                new = set(sys.modules) - before
                remember_imported(new)
                self._add(new)

        return build

    def bind(self, roots: list[str], search: tuple[str, ...]) -> None:
        """The model's code roots (known once the key's fingerprint is made)."""
        self.roots, self.search = tuple(roots), search
        self._add(set())

    def _add(self, names: set[str]) -> None:
        self._names |= names
        if self.roots:
            _SEEN.setdefault(self.roots, set()).update(self._names)

    def names(self) -> set[str]:
        out = set(self._names) | _SEEN.get(self.roots, set())
        for root in self.roots:
            out |= IMPORTED_WITH.get(root, set())
        return out

    def describe(self, recorded: dict[str, Any] | None = None) -> dict[str, Any]:
        """{modules: {name: [path, sha256]}, packages: {dist: [version, RECORD sha256]}} of what was
        seen (and of ``recorded``, an earlier run's), as now on disk."""
        recorded = recorded or {}
        state = describe_modules(self.names() | set(recorded.get("modules", {})), search=self.search)
        packages = {**describe_packages(set(recorded.get("packages", {}))), **state.packages}
        return {
            "modules": {n: [m["path"], m["sha256"]] for n, m in sorted(state.modules.items())},
            "packages": {d: [p["version"], p["record"]] for d, p in sorted(packages.items())},
        }

    def unchanged(self, recorded: dict[str, Any]) -> bool:
        """Whether the modules and distributions an earlier run recorded are as they were.

        A module is looked up by name as an import would find it, else at its recorded path (one
        loaded from a file under a made-up name, which no lookup by name finds)."""
        modules = recorded.get("modules") or {}
        packages = recorded.get("packages") or {}
        for name, entry in modules.items():
            if not (isinstance(entry, list) and len(entry) == 2):
                return False
            file = module_file(name, self.search) or entry[0]
            try:
                if hashlib.sha256(Path(file).read_bytes()).hexdigest() != entry[1]:
                    return False
            except (OSError, TypeError):
                return False
        now_packages = describe_packages(set(packages))
        return {d: [p["version"], p["record"]] for d, p in now_packages.items()} == packages
