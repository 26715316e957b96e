"""Read eval records from files and folders, validate them, and cache the result.

Every file is read as bytes and keyed by the sha256 of its content. With a ``cache_dir``,
the parsed and validated outcome (the record, or why it is invalid) of each content hash
is kept in one pickle per catalog fingerprint, so a rebuild in which no record changed
parses nothing. The cache is only an accelerator: a missing, stale or corrupt cache file is
ignored and rebuilt, and the results are the same with or without it.
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import ValidationError

from fmbench.catalog.registry import Catalog
from fmbench.errors import NotFoundError
from fmbench.records.schema import EvalRecord
from fmbench.records.validate import record_catalog_problems
from fmbench.yamlio import parse_yaml

CACHE_FORMAT = 1
RECORD_SUFFIXES = (".yaml", ".yml", ".json")


@dataclass
class CollectResult:
    """Valid records with the file each came from, and the files left out with why."""

    records: list[tuple[str, EvalRecord]] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    cache_hits: int = 0


def record_files(paths: Iterable[Path]) -> list[Path]:
    """Files given directly plus every *.yaml/*.yml/*.json under the folders, sorted."""
    files: list[Path] = []
    for p in paths:
        p = Path(p)
        if p.is_dir():
            found = [q for q in p.rglob("*") if q.suffix in RECORD_SUFFIXES and q.is_file()
                     and not any(part.startswith(".") for part in q.relative_to(p).parts)]
            files.extend(sorted(found, key=lambda q: q.as_posix()))
        elif p.is_file():
            files.append(p)
        else:
            raise NotFoundError(f"--evals {p}: no such file or directory")
    return files


def catalog_fingerprint(catalog: Catalog) -> str:
    """Changes whenever a benchmark definition that validation depends on changes."""
    from fmbench import __version__

    data = {bid: b.model_dump(mode="json") for bid, b in sorted(catalog.benchmarks.items())}
    data["__suites__"] = {sid: s.benchmark_id for sid, s in sorted(catalog.suites.items())}
    blob = json.dumps([CACHE_FORMAT, __version__, data], sort_keys=True).encode()
    return hashlib.sha256(blob).hexdigest()[:20]


def _looks_like_record(data: object) -> bool:
    return isinstance(data, dict) and ("eval_id" in data or "benchmark_id" in data)


def parse_and_check(content: bytes, catalog: Catalog) -> EvalRecord | str:
    """The valid record, or the reason (without the file name) it is not acceptable."""
    try:
        data = parse_yaml(content, source="")
    except Exception as exc:  # noqa: BLE001 - any parse failure is a reason to skip
        return " ".join(str(exc).lstrip(": ").split())
    if not _looks_like_record(data):
        return "not an eval record (no eval_id or benchmark_id at the top level)"
    version = data.get("schema_version", 1)
    if version != 1:
        return f"schema_version: unsupported version {version!r} (this fmbench reads 1)"
    try:
        record = EvalRecord.model_validate(data)
    except ValidationError as exc:
        return "; ".join(f"{'.'.join(str(p) for p in e['loc']) or '(root)'}: {e['msg']}" for e in exc.errors())
    problems = record_catalog_problems(record, catalog)
    if problems:
        return "; ".join(problems)
    return record


class _Cache:
    def __init__(self, cache_dir: Path | None, fingerprint: str) -> None:
        self.path = None if cache_dir is None else Path(cache_dir) / f"records-{fingerprint}.pickle"
        self.entries: dict[bytes, EvalRecord | str] = {}
        self.dirty = False
        if self.path is not None and self.path.is_file():
            try:
                with self.path.open("rb") as fh:
                    loaded = pickle.load(fh)  # noqa: S301 - our own cache file
                if isinstance(loaded, dict) and loaded.get("format") == CACHE_FORMAT:
                    self.entries = loaded["entries"]
            except Exception:  # noqa: BLE001 - a corrupt cache is rebuilt
                self.entries = {}

    def save(self, used: set[bytes]) -> None:
        if self.path is None or not (self.dirty or len(used) != len(self.entries)):
            return
        keep = {k: v for k, v in self.entries.items() if k in used}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".records.", suffix=".tmp", dir=self.path.parent)
        try:
            with os.fdopen(fd, "wb") as fh:
                pickle.dump({"format": CACHE_FORMAT, "entries": keep}, fh, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise


def collect(paths: list[Path], catalog: Catalog, *, cache_dir: Path | None = None) -> CollectResult:
    """Read and validate every record under ``paths``.

    Invalid files (malformed YAML, schema errors, unknown benchmark, out-of-range or NaN
    metrics, digest mismatch) and duplicate eval_ids are listed in ``skipped`` as
    ``file: reason``; they never raise. A path that does not exist raises NotFoundError.
    """
    files = record_files(paths)
    cache = _Cache(cache_dir, catalog_fingerprint(catalog))
    result = CollectResult()
    used: set[bytes] = set()
    seen_ids: dict[str, str] = {}
    for f in files:
        source = str(f)
        content = f.read_bytes()
        key = hashlib.sha256(content).digest()
        used.add(key)
        outcome = cache.entries.get(key)
        if outcome is None:
            outcome = parse_and_check(content, catalog)
            cache.entries[key] = outcome
            cache.dirty = True
        else:
            result.cache_hits += 1
        if isinstance(outcome, str):
            result.skipped.append(f"{source}: {outcome}")
            continue
        if outcome.eval_id in seen_ids:
            result.skipped.append(f"{source}: eval_id: duplicate {outcome.eval_id!r} (also in {seen_ids[outcome.eval_id]})")
            continue
        seen_ids[outcome.eval_id] = source
        result.records.append((source, outcome))
    cache.save(used)
    return result
