"""Leaderboard -> JSON (with its JSON Schema) and per-benchmark CSV."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Sequence
from typing import Any

from fmbench.leaderboard.model import BenchmarkBoard, Leaderboard, Row

SCHEMA_ID = "https://fmbench.example/schemas/leaderboard.schema.json"


_BOARDS_SLOT = '"benchmarks":[],"skipped":'


def render_json(lb: Leaderboard, boards_json: Sequence[str] | None = None) -> str:
    """The leaderboard as compact JSON (keys in schema order, lists in page order) plus a newline.

    ``boards_json`` (each board's ``model_dump_json()``, in page order) lets boards be dumped
    elsewhere; they are spliced into the list pydantic would have written, byte for byte
    (pydantic writes a list as ``[`` + items joined by ``,`` + ``]``; tested)."""
    if boards_json is None:
        return lb.model_dump_json() + "\n"
    head = lb.model_copy(update={"benchmarks": []}).model_dump_json()
    if head.count(_BOARDS_SLOT) != 1:  # cannot happen: strings are escaped, keys are fixed
        raise AssertionError("leaderboard JSON: no unique slot for the boards")
    return head.replace(_BOARDS_SLOT, '"benchmarks":[' + ",".join(boards_json) + '],"skipped":') + "\n"


def leaderboard_json_schema() -> str:
    """The published JSON Schema (schemas/leaderboard.schema.json), generated from the model."""
    schema = Leaderboard.model_json_schema(mode="serialization")
    schema = {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": SCHEMA_ID, **schema}
    return json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def leaderboard_csv(lb: Leaderboard, benchmark_id: str) -> str:
    """One benchmark's ranked rows with every metric (value and CI bounds) as CSV."""
    return board_csv(lb.benchmark(benchmark_id))


def board_csv(board: BenchmarkBoard) -> str:
    """A board's ranked rows, table by table (``test_set`` names the table), with every metric
    (value and CI bounds) as CSV. Reported and exploratory results are in the JSON."""
    metrics: list[str] = []
    for r in board.rows:
        metrics += [m for m in r.metrics if m not in metrics]
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    header = ["test_set", "rank", "rank_label", "rank_low", "rank_high", "model_id", "model_name", "eval_id",
              "dataset", "evidence", "date"]
    for m in metrics:
        header += [m, f"{m}_ci_low", f"{m}_ci_high"]
    w.writerow([_csv_safe(h) for h in header])  # metric names come from records too
    for t in board.tables:
        for r in t.rows:
            _csv_row(w, t.test_set.key, r, metrics)
    return buf.getvalue()


def _csv_row(w: Any, key: str, r: Row, metrics: list[str]) -> None:
    row: list[object] = [
        key,
        r.rank,
        r.rank_label,
        "" if r.rank_interval is None else r.rank_interval[0],
        "" if r.rank_interval is None else r.rank_interval[1],
        r.model_id,
        r.model_name,
        r.eval_id,
        r.dataset,
        r.evidence,
        r.date,
    ]
    for m in metrics:
        c = r.metrics.get(m)
        row += [
            "" if c is None or c.value is None else repr(c.value),
            "" if c is None or c.ci is None else repr(c.ci[0]),
            "" if c is None or c.ci is None else repr(c.ci[1]),
        ]
    w.writerow([_csv_safe(x) for x in row])


_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


def _csv_safe(x: object) -> object:
    """Neutralise spreadsheet formula injection in every cell (a tie label '=1' included): text
    starting with = + - @ tab or CR gets a leading apostrophe; plain numbers (-0.26) stay numbers."""
    if isinstance(x, str) and x[:1] in ("=", "+", "-", "@", "\t", "\r") and not _NUMBER.fullmatch(x):
        return "'" + x
    return x
