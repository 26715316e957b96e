"""The built leaderboard and rendered pages, per version of the accepted records; readers never wait.

Every accept or reject once rebuilt all boards under a lock that readers queued behind: with
12,000 records and one accept a second, page p95 was 2.1 s. Now

- a reader takes the last complete board (one atomic attribute read) and never waits on a
  build; only the very first board of a process is built while a reader waits;
- when the accepted version moved (an accept, reject or import, in this process or another),
  one builder thread rebuilds in the background while readers keep the previous board;
- a writer (``refresh``, called after an accept or reject) rebuilds at once, so its own reply
  and every later request see the new board;
- a rebuild re-ranks only the benchmarks whose accepted records changed; the other boards
  are reused as they are, and the new state is swapped in with one assignment.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from fmbench.catalog.registry import Catalog
from fmbench.hub.store import Store, record_from_json
from fmbench.records.schema import EvalRecord


@dataclass(frozen=True)
class BoardState:
    """One complete, immutable build: what readers see until the next one is swapped in."""

    version: int
    board: Any
    ids: tuple[int, ...]
    built_at: datetime
    boards: dict[str, tuple[tuple[int, ...], Any]] = field(default_factory=dict)  # bench -> (ids, board)


class LeaderboardCache:
    def __init__(self, store: Store, catalog: Catalog) -> None:
        self.store = store
        self.catalog = catalog
        self._build_lock = threading.Lock()  # builders only; readers never take it once a board exists
        self._state: BoardState | None = None
        self._records: dict[int, EvalRecord] = {}
        self._infos: dict[int, Any] = {}  # sub id -> RecordInfo (summaries are reused across builds)
        self._rendered: dict[tuple[int, str], Any] = {}
        self._background: threading.Thread | None = None
        self.builds = 0
        self.boards_built = 0

    @property
    def built_at(self) -> datetime | None:
        state = self._state
        return None if state is None else state.built_at

    def invalidate(self) -> None:
        """Kept for callers that changed the store: rebuild now (as ``refresh``)."""
        self.refresh()

    def refresh(self, at_least: int | None = None) -> BoardState:
        """Rebuild now if the accepted records changed (writers call this after a change, with the
        version their change produced). Writers queued behind one rebuild are all served by it: a
        build reads the newest version, so it covers every change committed before it started."""
        with self._build_lock:
            state = self._state
            target = self.store.accepted_version() if at_least is None else at_least
            if state is not None and state.version >= target:
                return state
            return self._rebuild()

    def current(self) -> tuple[int, Any]:
        """(version, Leaderboard) of the last complete build; a newer version is built in the
        background while this one is served."""
        state = self._state
        if state is None:
            state = self.refresh()
        elif state.version != self.store.accepted_version():
            self._rebuild_in_background()
        return state.version, state.board

    def _rebuild_in_background(self) -> None:
        thread = self._background
        if thread is not None and thread.is_alive():
            return
        thread = threading.Thread(target=self.refresh, name="fmbench-board-rebuild", daemon=True)
        self._background = thread
        thread.start()

    def _rebuild(self) -> BoardState:
        from fmbench.leaderboard.boards import plan_leaderboard
        from fmbench.leaderboard.record_info import RecordInfo

        version, ids = self.store.accepted_ids()
        missing = [i for i in ids if i not in self._records]
        for sub_id, text in self.store.record_texts(missing):
            self._records[sub_id] = record_from_json(text)
        keep = set(ids)
        self._records = {i: r for i, r in self._records.items() if i in keep}
        self._infos = {i: info for i, info in self._infos.items() if i in keep}
        infos, by_bench_ids, skipped = [], {}, []
        for i in ids:
            rec = self._records[i]
            bench = self.catalog.benchmarks.get(rec.benchmark_id)
            if bench is None:
                skipped.append(f"{rec.eval_id}: benchmark_id: unknown benchmark {rec.benchmark_id!r}")
                continue
            info = self._infos.get(i)
            if info is None:
                info = self._infos[i] = RecordInfo.of(rec, bench.primary_metric)
            infos.append(info)
            by_bench_ids.setdefault(rec.benchmark_id, []).append(i)
        plan = plan_leaderboard(infos, self.catalog, skipped=skipped)
        previous = self._state.boards if self._state is not None else {}
        boards: dict[str, tuple[tuple[int, ...], Any]] = {}
        for bench, _anchor in plan.benches:
            members = tuple(by_bench_ids.get(bench.id, ()))
            cached = previous.get(bench.id)
            if cached is not None and cached[0] == members:
                boards[bench.id] = cached
            else:
                boards[bench.id] = (members, plan.board(bench.id))
                self.boards_built += 1
        board = plan.leaderboard([boards[b.id][1] for b, _ in plan.benches])
        state = BoardState(version, board, tuple(ids), datetime.now(UTC).replace(microsecond=0), boards)
        self._rendered = {k: v for k, v in self._rendered.items() if k[0] == version}
        self._state = state  # one assignment: readers see the old state or the new one, never a mix
        self.builds += 1
        return state

    def records(self) -> list[EvalRecord]:
        """Accepted records of the board being served."""
        state = self._state or self.refresh()
        records = self._records
        return [records[i] for i in state.ids if i in records]

    def response_body(self, key: str, render: Callable[[Any], Any], *, gzip_ok: bool) -> tuple[bytes, bool] | None:
        """(body, gzipped) of a rendered page: encoded and compressed once per version (level 6) and
        served to every client that accepts gzip — a 4 MB board page is ~10x smaller on the wire,
        and no request pays for compressing it again. None when ``render`` gives None."""
        version, board = self.current()
        text = self._rendered_at(version, board, key, render)
        if text is None:
            return None
        raw = self._rendered_at(version, board, key + "\x00bytes",
                                lambda _: text.encode("utf-8") if isinstance(text, str) else text)
        if not gzip_ok or len(raw) < 1024:
            return raw, False
        import gzip

        return self._rendered_at(version, board, key + "\x00gzip",
                                 lambda _: gzip.compress(raw, compresslevel=6, mtime=0)), True

    def rendered(self, key: str, render: Callable[[Any], Any]) -> Any:
        """``render(board)`` computed once per version and key (a None result is not kept)."""
        version, board = self.current()
        return self._rendered_at(version, board, key, render)

    def _rendered_at(self, version: int, board: Any, key: str, render: Callable[[Any], Any]) -> Any:
        """One version's rendering of ``key``: the text, its bytes and their gzip all come from the
        same board, however the served version moves meanwhile."""
        hit = self._rendered.get((version, key))
        if hit is None:
            hit = render(board)
            if hit is not None:
                self._rendered[(version, key)] = hit
        return hit
