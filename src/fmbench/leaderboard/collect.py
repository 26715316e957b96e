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
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from fmbench.catalog.registry import Catalog
from fmbench.errors import NotFoundError, RecordError
from fmbench.leaderboard.cachefile import load_pickle, save_pickle
from fmbench.leaderboard.record_info import RecordInfo
from fmbench.records.earlier_format import is_earlier_record
from fmbench.records.io import record_or_problems
from fmbench.records.schema import EvalRecord
from fmbench.records.validate import record_catalog_problems
from fmbench.yamlio import parse_yaml

try:  # optional Rust YAML parser, ~9x faster than libyaml+PyYAML on records (extra: fast)
    import yaml_rs as _yaml_rs
except ImportError:  # pragma: no cover - the reference parser is always there
    _yaml_rs = None

CACHE_FORMAT = 3
PARALLEL_MIN = 400  # files to parse before forking workers pays off
RECORD_SUFFIXES = (".yaml", ".yml", ".json")


@dataclass(frozen=True)
class ScannedFile:
    """A record file and the sha256 of its bytes; the bytes themselves are kept only when
    this process read them (see scan_and_check) and are otherwise read again on demand."""

    source: str
    key: bytes  # sha256 of the content
    content: bytes | None = None

    def data(self) -> bytes:
        if self.content is not None:
            return self.content
        try:
            content = Path(self.source).read_bytes()
        except OSError as exc:
            raise RecordError(f"{self.source}: cannot be read again ({exc.strerror}); build again") from None
        if hashlib.sha256(content).digest() != self.key:
            raise RecordError(f"{self.source}: changed while the leaderboard was being built; build again")
        return content


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
    """Files given directly plus every *.yaml/*.yml/*.json under the folders, sorted.

    Hidden files and folders (a name starting with ".") under a folder are left out, and
    symlinked folders are not followed.
    """
    return [Path(s) for s in record_sources(paths)]


def record_sources(paths: Iterable[Path]) -> list[str]:
    """As record_files, as strings, each once. Walks with os.scandir: on 10,000 files pathlib's rglob +
    is_file + relative_to cost 0.4 s, this 0.03 s."""
    files: list[str] = []
    for p in paths:
        p = Path(p)
        if p.is_dir():
            found: list[str] = []
            stack = [os.fspath(p)]
            while stack:
                with os.scandir(stack.pop()) as it:
                    for entry in it:
                        if entry.name.startswith("."):
                            continue
                        if entry.is_dir(follow_symlinks=False):
                            stack.append(entry.path)
                        elif entry.name.endswith(RECORD_SUFFIXES) and entry.is_file():
                            found.append(entry.path)
            files.extend(sorted(found, key=lambda f: f.replace(os.sep, "/")))
        elif p.is_file():
            files.append(str(p))
        else:
            raise NotFoundError(f"--evals {p}: no such file or directory")
    return list(dict.fromkeys(files))  # a file named twice (a folder and a file in it) counts once


def catalog_fingerprint(catalog: Catalog) -> str:
    """Changes whenever a benchmark definition that validation depends on changes."""
    from fmbench import __version__

    data = {bid: b.model_dump(mode="json") for bid, b in sorted(catalog.benchmarks.items())}
    data["__suites__"] = {sid: s.model_dump(mode="json") for sid, s in sorted(catalog.suites.items())}
    blob = json.dumps([CACHE_FORMAT, __version__, data], sort_keys=True).encode()
    return hashlib.sha256(blob).hexdigest()[:20]


def _looks_like_record(data: object) -> bool:
    return isinstance(data, dict) and ("eval_id" in data or "benchmark_id" in data)


def _validate(data: object, catalog: Catalog) -> EvalRecord | str:
    if not _looks_like_record(data):
        return "not an eval record (no eval_id or benchmark_id at the top level)"
    record = record_or_problems(data)
    if not isinstance(record, EvalRecord):
        return "; ".join(record)
    problems = record_catalog_problems(record, catalog)
    if problems:
        return "; ".join(problems)
    return record


def _fast_parse(content: bytes) -> object | None:
    if content[:1] == b"{":
        try:
            return json.loads(content)
        except (ValueError, RecursionError):  # the reference parser refuses it with a reason
            return None
    if _yaml_rs is None:
        return None
    try:
        return _yaml_rs.loads(content.decode("utf-8"))
    except (Exception, RecursionError):  # noqa: BLE001 - the reference parser decides
        return None


def _parse(content: bytes, parser: str) -> object:
    return _fast_parse(content) if parser == "fast" else parse_yaml(content, source="")


def check(content: bytes, catalog: Catalog) -> tuple[str, EvalRecord] | str:
    """(parser, valid record), or the reason (without the file name) it is not acceptable.

    Fast path: JSON, or YAML through yaml_rs when installed. Its result is trusted only for
    a record that carries a digest and whose digest matches the parsed content, which proves
    it read the same data as the reference parser would; anything else is parsed again with
    PyYAML (libyaml), the reference, so YAML 1.1/1.2 differences can never change a result.
    """
    fast = _fast_parse(content)
    if isinstance(fast, dict) and fast.get("digest"):
        outcome = _validate(fast, catalog)
        if isinstance(outcome, EvalRecord):
            return "fast", outcome
    try:
        data = parse_yaml(content, source="")
    except Exception as exc:  # noqa: BLE001 - any parse failure is a reason to skip
        return " ".join(str(exc).lstrip(": ").split())
    outcome = _validate(data, catalog)
    return outcome if isinstance(outcome, str) else ("ref", outcome)


def parse_and_check(content: bytes, catalog: Catalog) -> EvalRecord | str:
    """The valid record, or the reason (without the file name) it is not acceptable."""
    out = check(content, catalog)
    return out if isinstance(out, str) else out[1]


def _load_verified(content: bytes, parser: str) -> EvalRecord:
    """A record whose content (by hash) was already validated: parse and build, no checks."""
    data = _parse(content, parser)
    if is_earlier_record(data):  # validated (and so migratable) before; migrate again, as it was then
        record = record_or_problems(data)
        assert isinstance(record, EvalRecord)  # noqa: S101 - checked when first read
        return record
    return EvalRecord.model_validate(data)


Outcome = str | tuple[str, tuple]  # reason, or (parser, RecordInfo summary)


def _outcome(content: bytes, catalog: Catalog) -> tuple[Outcome, EvalRecord | None]:
    out = check(content, catalog)
    if isinstance(out, str):
        return out, None
    parser, rec = out
    bench = catalog.benchmarks[rec.benchmark_id]
    return (parser, RecordInfo.of(rec, bench.primary_metric).summary()), rec


_WORK: tuple[list[ScannedFile], Catalog] | None = None


def _work_chunk(lo: int, hi: int) -> list[Outcome]:
    assert _WORK is not None
    files, catalog = _WORK
    with no_gc():
        return [_outcome(f.data(), catalog)[0] for f in files[lo:hi]]


def _outcomes_parallel(files: list[ScannedFile], catalog: Catalog, workers: int) -> list[Outcome]:
    """Check many files in forked worker processes (they inherit the bytes, or read them;
    only small summaries come back)."""
    global _WORK
    _WORK = (files, catalog)
    try:
        return _in_workers(_work_chunk, len(files), workers)
    finally:
        _WORK = None


def _in_workers(task, n: int, workers: int) -> list:  # noqa: ANN001
    """task(lo, hi) over [0, n) in forked worker processes, results in order."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    step = max(64, n // (workers * 8))
    bounds = [(i, min(i + step, n)) for i in range(0, n, step)]
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork")) as pool:
        futures = [pool.submit(task, lo, hi) for lo, hi in bounds]
        return [o for f in futures for o in f.result()]


class _Cache:
    """Outcome of checking each file, by content hash, for one catalog fingerprint."""

    def __init__(self, cache_dir: Path | None, fingerprint: str) -> None:
        self.path = None if cache_dir is None else Path(cache_dir) / f"records-{fingerprint}.pickle"
        self.entries: dict[bytes, Outcome] = {}
        self.dirty = False
        with no_gc():
            loaded = load_pickle(self.path)
        if isinstance(loaded, dict) and loaded.get("format") == CACHE_FORMAT:
            self.entries = loaded["entries"]

    def save(self, used: set[bytes]) -> str | None:
        """Keep the outcomes of the files in ``used``; None, or why the cache was not saved."""
        if self.path is None or not (self.dirty or len(used) != len(self.entries)):
            return None
        keep = {k: v for k, v in self.entries.items() if k in used}
        # other catalog versions' caches are stale
        return save_pickle(self.path, {"format": CACHE_FORMAT, "entries": keep}, stale="records-*.pickle")


def scan(paths: list[Path]) -> list[ScannedFile]:
    """Every record file under ``paths`` with its bytes and their sha256."""
    out = []
    for f in record_files(paths):
        content = f.read_bytes()
        out.append(ScannedFile(str(f), hashlib.sha256(content).digest(), content))
    return out


_SCAN: tuple[list[str], Catalog, dict[bytes, Outcome]] | None = None


def _scan_chunk(lo: int, hi: int) -> list[tuple[bytes, Outcome | None]]:
    """Read, hash and (unless the cache knows the content) check files[lo:hi]."""
    assert _SCAN is not None
    sources, catalog, known = _SCAN
    out: list[tuple[bytes, Outcome | None]] = []
    with no_gc():
        for source in sources[lo:hi]:
            with open(source, "rb") as fh:
                content = fh.read()
            key = hashlib.sha256(content).digest()
            out.append((key, None if key in known else _outcome(content, catalog)[0]))
    return out


@dataclass
class Checked:
    """Record files read and checked (outcomes in the record cache, which is saved); their
    summaries are made on first use: a rebuild whose outputs are cached needs none."""

    files: list[ScannedFile]
    _make: Callable[[], InfoResult]
    cache_errors: list[str] = field(default_factory=list)  # caches that could not be saved
    _made: InfoResult | None = None

    def summaries(self) -> InfoResult:
        if self._made is None:
            self._made = self._make()
        return self._made


def scan_and_check(
    paths: list[Path], catalog: Catalog, *, cache_dir: Path | None = None, workers: int = 1
) -> Checked:
    """``scan`` then ``collect_infos``, faster.

    - Files whose stat signature is unchanged since the last build (FileState, with a
      ``cache_dir``) are not read at all: their content hash is remembered.
    - Many other files are read, hashed and checked in one pass by forked workers: each is
      read once, by the process that checks it, and its bytes stay there (the few records a
      page shows are read again, hash-verified). On 10,000 files (140 MB) this takes the 0.5 s
      of reading and hashing off the main process.
    """
    from fmbench.leaderboard.filestate import FileState, signature

    sources = record_sources(paths)
    state = FileState(cache_dir)
    sigs = {s: signature(os.stat(s)) for s in sources}
    keys = {s: k for s in sources if (k := state.known_key(s, sigs[s])) is not None}
    todo = [s for s in sources if s not in keys]
    cache = _Cache(cache_dir, catalog_fingerprint(catalog))
    known = set(cache.entries)
    contents: dict[str, bytes] = {}
    if workers > 1 and len(todo) >= PARALLEL_MIN:
        global _SCAN
        _SCAN = (todo, catalog, cache.entries)
        try:
            results = _in_workers(_scan_chunk, len(todo), workers)
        finally:
            _SCAN = None
        for source, (key, outcome) in zip(todo, results, strict=True):
            keys[source] = key
            if outcome is not None:
                cache.entries[key] = outcome
                cache.dirty = True
    else:
        for source in todo:
            with open(source, "rb") as fh:
                contents[source] = fh.read()
            keys[source] = hashlib.sha256(contents[source]).digest()
    scanned = [ScannedFile(s, keys[s], contents.get(s)) for s in sources]
    errors = [state.save({s: (sigs[s], keys[s]) for s in sources}, hashed=len(todo))]
    records = _check_uncached(scanned, cache, catalog, workers)  # e.g. the record cache was lost
    hits = sum(1 for f in scanned if f.key in known)
    errors.append(cache.save({f.key for f in scanned}))
    return Checked(scanned, lambda: _summaries(scanned, cache, hits, records), [e for e in errors if e])


def inputs_fingerprint(scanned: list[ScannedFile], catalog: Catalog) -> str:
    h = hashlib.sha256(catalog_fingerprint(catalog).encode())
    for s in scanned:
        h.update(s.source.encode("utf-8", "surrogateescape") + b"\0" + s.key)
    return h.hexdigest()


@dataclass
class InfoResult:
    infos: list[tuple[str, RecordInfo]]
    skipped: list[str]
    cache_hits: int


def collect_infos(
    files: list[ScannedFile], catalog: Catalog, *, cache_dir: Path | None = None, workers: int = 1
) -> InfoResult:
    """Validate every file (or take its outcome from the cache) and return summaries whose
    full records are parsed again only when a renderer needs them."""
    cache = _Cache(cache_dir, catalog_fingerprint(catalog))
    hits = sum(1 for f in files if f.key in cache.entries)
    records = _check_uncached(files, cache, catalog, workers)
    res = _summaries(files, cache, hits, records)
    cache.save({f.key for f in files})
    return res


def _check_uncached(
    files: list[ScannedFile], cache: _Cache, catalog: Catalog, workers: int
) -> dict[bytes, EvalRecord]:
    """Check each distinct content the cache does not know and record its outcome there; the
    records parsed in this process (none when workers did the checking), by content hash."""
    todo = list({f.key: f for f in files if f.key not in cache.entries}.values())
    records: dict[bytes, EvalRecord] = {}
    if not todo:
        return records
    cache.dirty = True
    if workers > 1 and len(todo) >= PARALLEL_MIN:
        for f, o in zip(todo, _outcomes_parallel(todo, catalog, workers), strict=True):
            cache.entries[f.key] = o
        return records
    with no_gc():
        for f in todo:
            o, rec = _outcome(f.data(), catalog)
            cache.entries[f.key] = o
            if rec is not None:
                records[f.key] = rec
    return records


def _summaries(
    files: list[ScannedFile], cache: _Cache, hits: int, records: dict[bytes, EvalRecord]
) -> InfoResult:
    """RecordInfos in file order and the skipped files as 'file: reason', sorted by file.

    Of several files with the same eval_id the one whose path sorts first is kept, so neither
    the page nor the skip list depends on the order the folders were given in."""
    infos: list[tuple[str, RecordInfo]] = []
    skipped: list[tuple[str, str]] = []
    with no_gc():
        for f in files:
            o = cache.entries[f.key]
            if isinstance(o, str):
                skipped.append((f.source, o))
                continue
            parser, summary = o
            info = RecordInfo.from_summary(summary, _loader(f, parser))
            info._record = records.get(f.key)
            infos.append((f.source, info))
        keeper: dict[str, int] = {}  # eval_id -> index in infos of the file kept
        for k, (source, info) in enumerate(infos):
            best = keeper.get(info.eval_id)
            if best is None or _path_key(source) < _path_key(infos[best][0]):
                keeper[info.eval_id] = k
        kept = []
        for k, (source, info) in enumerate(infos):
            best = keeper[info.eval_id]
            if best == k:
                kept.append((source, info))
            else:
                why = f"eval_id: duplicate {info.eval_id!r} (also in {infos[best][0]})"
                skipped.append((source, why))
    skipped.sort(key=lambda sr: (_path_key(sr[0]), sr[1]))
    return InfoResult(kept, [f"{source}: {why}" for source, why in skipped], hits)


def _path_key(source: str) -> str:
    return source.replace(os.sep, "/")


def _loader(f: ScannedFile, parser: str):  # noqa: ANN202
    return lambda: _load_verified(f.data(), parser)


def collect(
    paths: list[Path],
    catalog: Catalog,
    *,
    cache_dir: Path | None = None,
    scanned: list[ScannedFile] | None = None,
) -> CollectResult:
    """Read and validate every record under ``paths`` (or the already ``scanned`` files).

    Invalid files (malformed YAML, schema errors, unknown benchmark, out-of-range or NaN
    metrics, digest mismatch) and duplicate eval_ids are listed in ``skipped`` as
    ``file: reason``; they never raise. A path that does not exist raises NotFoundError.
    """
    files = scan(paths) if scanned is None else scanned
    res = collect_infos(files, catalog, cache_dir=cache_dir)
    with no_gc():
        records = [(src, info.record) for src, info in res.infos]
    return CollectResult(
        records=records,
        skipped=res.skipped,
        cache_hits=res.cache_hits,
        fingerprint=inputs_fingerprint(files, catalog),
    )
