"""The built leaderboard and rendered pages, cached per version of the accepted records.

Each request costs one indexed read of ``hub_state.accepted_version``; when it changed (an
accept, reject or import, in this process or another), the leaderboard is rebuilt from the
accepted records, parsing only records not seen before, and rendered pages are dropped.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from fmbench.catalog.registry import Catalog
from fmbench.hub.store import Store, record_from_json
from fmbench.records.schema import EvalRecord


class LeaderboardCache:
    def __init__(self, store: Store, catalog: Catalog) -> None:
        self.store = store
        self.catalog = catalog
        self._lock = threading.Lock()
        self._version: int | None = None
        self._board: Any = None
        self._records: dict[int, EvalRecord] = {}
        self._ids: list[int] = []
        self._rendered: dict[tuple[int, str], Any] = {}
        self.builds = 0

    def invalidate(self) -> None:
        with self._lock:
            self._version = None

    def current(self) -> tuple[int, Any]:
        """(version, Leaderboard) of the accepted records, rebuilt if stale."""
        version = self.store.accepted_version()
        if version == self._version:
            return version, self._board
        with self._lock:
            if self._version is not None and self._version >= version:
                return self._version, self._board
            return self._rebuild()

    def _rebuild(self) -> tuple[int, Any]:
        from fmbench.leaderboard import build

        version, ids = self.store.accepted_ids()
        missing = [i for i in ids if i not in self._records]
        for sub_id, text in self.store.record_texts(missing):
            self._records[sub_id] = record_from_json(text)
        keep = set(ids)
        self._records = {i: r for i, r in self._records.items() if i in keep}
        board = build([self._records[i] for i in ids], self.catalog)
        self._version, self._board, self._ids, self._rendered = version, board, ids, {}
        self.builds += 1
        return version, board

    def records(self) -> list[EvalRecord]:
        """Accepted records as of the current version."""
        self.current()
        with self._lock:
            return [self._records[i] for i in self._ids if i in self._records]

    def rendered(self, key: str, render: Callable[[Any], Any]) -> Any:
        """``render(board)`` computed once per version and key (a None result is not kept)."""
        version, board = self.current()
        hit = self._rendered.get((version, key))
        if hit is None:
            hit = render(board)
            if hit is not None and version == self._version:
                self._rendered[(version, key)] = hit
        return hit
