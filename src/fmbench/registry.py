"""One generic name → object registry.

Used for metrics, baselines, protocols, data generators and probes so that YAML refers to
code by name only. Duplicates raise; unknown names raise with close matches and the list
of valid names; lookups never return ``None``.
"""

from __future__ import annotations

import difflib
import importlib
import pkgutil
from collections.abc import Callable, Iterator
from typing import Generic, TypeVar

from fmbench.errors import NotFoundError

T = TypeVar("T")


class Registry(Generic[T]):
    """A named collection of objects of one kind (e.g. "baseline model")."""

    def __init__(self, kind: str, *, discover: str | None = None) -> None:
        self.kind = kind
        self._items: dict[str, T] = {}
        self._discover = discover
        self._discovered = discover is None

    def register(self, name: str) -> Callable[[T], T]:
        def deco(obj: T) -> T:
            self.add(name, obj)
            return obj

        return deco

    def add(self, name: str, obj: T) -> None:
        if name in self._items and self._items[name] is not obj:
            raise ValueError(f"{self.kind} {name!r} is registered twice")
        self._items[name] = obj

    def _ensure_discovered(self) -> None:
        """Import every module of the discovery package once, so each registers itself."""
        if self._discovered:
            return
        self._discovered = True
        package = importlib.import_module(self._discover)
        for info in pkgutil.iter_modules(package.__path__, prefix=f"{self._discover}."):
            importlib.import_module(info.name)

    def get(self, name: str) -> T:
        self._ensure_discovered()
        try:
            return self._items[name]
        except KeyError:
            close = difflib.get_close_matches(name, self._items, n=1)
            hint = f" Did you mean {close[0]!r}?" if close else ""
            valid = ", ".join(sorted(self._items)) or "(none)"
            raise NotFoundError(f"unknown {self.kind} {name!r}.{hint} Valid: {valid}") from None

    def __contains__(self, name: object) -> bool:
        self._ensure_discovered()
        return name in self._items

    def names(self) -> list[str]:
        self._ensure_discovered()
        return sorted(self._items)

    def __iter__(self) -> Iterator[str]:
        return iter(self.names())
