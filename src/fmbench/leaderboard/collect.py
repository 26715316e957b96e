"""Read eval records from files and folders, validate them, and cache the result.

Every file is read as bytes and keyed by the sha256 of its content. With a ``cache_dir``,
the parsed and validated outcome (the record, or why it is invalid) of each content hash
is kept in one pickle per catalog fingerprint, so a rebuild in which no record changed
parses nothing. The cache is only an accelerator: a missing, stale or corrupt cache file is
ignored and rebuilt, and the results are the same with or without it.
"""

from __future__ import annotations

import contextlib
import gc
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

try:  # optional Rust YAML parser, ~9x faster than libyaml+PyYAML on records (extra: fast)
    import yaml_rs as _yaml_rs
except ImportError:  # pragma: no cover - the reference parser is always there
    _yaml_rs = None

CACHE_FORMAT = 1
RECORD_SUFFIXES = (".yaml", ".yml", ".json")


@dataclass(frozen=True)
class ScannedFile:
    source: str
    content: bytes
    key: bytes  # sha256 of content


@dataclass
class CollectResult:
    """Valid records with the file each came from, and the files left out with why."""

    records: list[tuple[str, EvalRecord]] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    cache_hits: int = 0
    fingerprint: str = ""  # of the catalog and every (file, content hash): same inputs, same value


@contextlib.contextmanager
def no_gc():  # noqa: ANN201
    """Pause the cyclic garbage collector: building many small objects that all stay alive
    otherwise triggers full collections again and again (records hold no reference cycles)."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


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


def _validate(data: object, catalog: Catalog) -> EvalRecord | str:
    if not _looks_like_record(data):
        return "not an eval record (no eval_id or benchmark_id at the top level)"
    version = data.get("schema_version", 1)  # type: ignore[union-attr]
    if version != 1:
        return f"schema_version: unsupported version {version!r} (this fmbench reads 1)"
    try:
        record = EvalRecord.model_validate(data)
    except ValidationError as exc:
        return "; ".join(f"{'.'.join(str(p) for p in e['loc']) or '(root)'}: {e['msg']}"
                         for e in exc.errors())
    problems = record_catalog_problems(record, catalog)
    if problems:
        return "; ".join(problems)
    return record


def _fast_parse(content: bytes) -> object | None:
    if content[:1] == b"{":
        try:
            return json.loads(content)
        except ValueError:
            return None
    if _yaml_rs is None:
        return None
    try:
        return _yaml_rs.loads(content.decode("utf-8"))
    except Exception:  # noqa: BLE001 - the reference parser decides
        return None


def parse_and_check(content: bytes, catalog: Catalog) -> EvalRecord | str:
    """The valid record, or the reason (without the file name) it is not acceptable.

    Fast path: JSON, or YAML through yaml_rs when installed. Its result is trusted only for
    a record that carries a digest and whose digest matches the parsed content, which proves
    it read the same data as the reference parser would; anything else is parsed again with
    PyYAML (libyaml), the reference, so YAML 1.1/1.2 differences can never change a result.
    """
    fast = _fast_parse(content)
    if isinstance(fast, dict) and fast.get("digest"):
        outcome = _validate(fast, catalog)
        if isinstance(outcome, EvalRecord):
            return outcome
    try:
        data = parse_yaml(content, source="")
    except Exception as exc:  # noqa: BLE001 - any parse failure is a reason to skip
        return " ".join(str(exc).lstrip(": ").split())
    return _validate(data, catalog)


class _Cache:
    def __init__(self, cache_dir: Path | None, fingerprint: str) -> None:
        self.path = None if cache_dir is None else Path(cache_dir) / f"records-{fingerprint}.pickle"
        self.entries: dict[bytes, EvalRecord | str] = {}
        self.dirty = False
        if self.path is not None and self.path.is_file():
            try:
                with self.path.open("rb") as fh, no_gc():
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


def scan(paths: list[Path]) -> list[ScannedFile]:
    """Every record file under ``paths`` with its bytes and their sha256."""
    out = []
    for f in record_files(paths):
        content = f.read_bytes()
        out.append(ScannedFile(str(f), content, hashlib.sha256(content).digest()))
    return out


def inputs_fingerprint(scanned: list[ScannedFile], catalog: Catalog) -> str:
    h = hashlib.sha256(catalog_fingerprint(catalog).encode())
    for s in scanned:
        h.update(s.source.encode("utf-8", "surrogateescape") + b"\0" + s.key)
    return h.hexdigest()


def collect(paths: list[Path], catalog: Catalog, *, cache_dir: Path | None = None,
            scanned: list[ScannedFile] | None = None) -> CollectResult:
    """Read and validate every record under ``paths`` (or the already ``scanned`` files).

    Invalid files (malformed YAML, schema errors, unknown benchmark, out-of-range or NaN
    metrics, digest mismatch) and duplicate eval_ids are listed in ``skipped`` as
    ``file: reason``; they never raise. A path that does not exist raises NotFoundError.
    """
    files = scan(paths) if scanned is None else scanned
    cache = _Cache(cache_dir, catalog_fingerprint(catalog))
    result = CollectResult(fingerprint=inputs_fingerprint(files, catalog))
    used: set[bytes] = set()
    seen_ids: dict[str, str] = {}
    with no_gc():
        _collect_into(result, files, cache, catalog, used, seen_ids)
    cache.save(used)
    return result


def _collect_into(result: CollectResult, files: list[ScannedFile], cache: _Cache, catalog: Catalog,
                  used: set[bytes], seen_ids: dict[str, str]) -> None:
    for f in files:
        used.add(f.key)
        outcome = cache.entries.get(f.key)
        if outcome is None:
            outcome = parse_and_check(f.content, catalog)
            cache.entries[f.key] = outcome
            cache.dirty = True
        else:
            result.cache_hits += 1
        if isinstance(outcome, str):
            result.skipped.append(f"{f.source}: {outcome}")
            continue
        if outcome.eval_id in seen_ids:
            result.skipped.append(
                f"{f.source}: eval_id: duplicate {outcome.eval_id!r} (also in {seen_ids[outcome.eval_id]})")
            continue
        seen_ids[outcome.eval_id] = f.source
        result.records.append((f.source, outcome))
