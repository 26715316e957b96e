"""The output cache: keys, atomic entries, and helpers protocols call around model calls."""

from __future__ import annotations

import hashlib
import io
import json
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from fmbench.errors import ConfigError
from fmbench.records.io import write_text_atomic

ENTRY_EXTS = (".npy", ".json")


def cache_root(root: str | Path | None = None) -> Path:
    """``root``, else ``$FMBENCH_CACHE/outputs``, else ``~/.cache/fmbench/outputs``.

    ``FMBENCH_CACHE`` is the root of all of fmbench's caches (model outputs here, parsed records
    under ``leaderboard/``, the WordNet copy under ``nltk_data/``), as ``~/.cache/fmbench`` is.
    """
    if root is not None:
        return Path(root).expanduser()
    env = os.environ.get("FMBENCH_CACHE")
    if env:
        return Path(env).expanduser() / "outputs"
    cache = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(cache) / "fmbench" / "outputs"


# ---------------------------------------------------------------- content digests


def _update(h: Any, obj: Any) -> None:
    if isinstance(obj, np.ndarray):
        if obj.dtype == object:
            _update(h, obj.tolist())
            return
        h.update(f"nd|{obj.dtype.str}|{obj.shape}|".encode())
        step = max(1, (1 << 24) // max(1, obj[:1].nbytes)) if obj.ndim else 1
        if obj.ndim == 0:
            h.update(np.ascontiguousarray(obj).tobytes())
        else:
            for i in range(0, len(obj), step):  # memory maps are hashed block by block
                h.update(np.ascontiguousarray(obj[i : i + step]).tobytes())
    elif isinstance(obj, dict):
        h.update(b"{")
        for k in sorted(obj, key=str):
            _update(h, str(k))
            _update(h, obj[k])
        h.update(b"}")
    elif isinstance(obj, list | tuple):
        h.update(f"[{len(obj)}|".encode())
        for item in obj:
            _update(h, item)
        h.update(b"]")
    elif isinstance(obj, np.generic):
        _update(h, obj.item())
    elif obj is None or isinstance(obj, str | int | float | bool):
        h.update(json.dumps(obj).encode() + b";")
    elif isinstance(obj, Path):
        _update(h, str(obj))
    else:
        raise TypeError(f"cannot digest a {type(obj).__name__}")


def content_digest(obj: Any) -> str:
    """sha256 of arrays (dtype, shape, bytes), strings, numbers and nested lists/dicts of them."""
    h = hashlib.sha256()
    _update(h, obj)
    return h.hexdigest()


# ---------------------------------------------------------------- the cache

MANIFEST = "manifest.json"  # what an entry folder's key was made of, beside its method folders
HASH_SIDECAR = ".file-hashes.json"  # big files' content hashes by (path, size, times, inode), in the root


def _short(digest: str | None) -> str:
    return (digest or "none").removeprefix("sha256:")[:12] or "none"


def _safe(name: str) -> str:
    return "".join(c if c.isalnum() or c in "._-" else "_" for c in name) or "_"


@dataclass
class OutputCache:
    """Entries of one key (model config and fingerprint, dataset, protocol); ``folder=None``: off.

    ``manifest`` (what the key was made of) is written into the folder before its first entry,
    with the state of the modules the model imported while it was built (``build_imports``), which
    the next run compares with the disk before it reads the folder again."""

    root: Path | None
    folder: Path | None
    base: str
    off_reason: str | None = None  # why this run's outputs are not cached (None: cached)
    manifest: dict[str, Any] | None = None
    build_imports: Any = None  # fmbench.models.build_imports.BuildImports
    hits: int = 0
    misses: int = 0
    written: list[Path] = field(default_factory=list)
    kept: dict[str, int] = field(default_factory=dict)  # method -> entries read or written this run
    _recorded: dict[str, Any] = field(default_factory=dict)  # modules seen while building, as last written
    _recorded_names: frozenset[str] | None = None
    _manifest_on_disk: bool = False

    @property
    def enabled(self) -> bool:
        return self.folder is not None

    def key(self, method: str, part: Any) -> str:
        return hashlib.sha256(f"{self.base}|{method}|{content_digest(part)}".encode()).hexdigest()

    def _paths(self, method: str, key: str) -> list[Path]:
        assert self.folder is not None
        return [self.folder / _safe(method) / f"{key}{ext}" for ext in ENTRY_EXTS]

    def get(self, method: str, part: Any) -> Any | None:
        """The stored value, or None (also for an unreadable entry, which is removed)."""
        if self.folder is None:
            return None
        npy, js = self._paths(method, self.key(method, part))
        try:
            if npy.exists():
                value: Any = np.load(npy, allow_pickle=False)
            elif js.exists():
                value = json.loads(js.read_text(encoding="utf-8"))["value"]
            else:
                self.misses += 1
                return None
        except (OSError, ValueError, KeyError, EOFError):
            npy.unlink(missing_ok=True)
            js.unlink(missing_ok=True)
            self.misses += 1
            return None
        self.hits += 1
        self.kept[method] = self.kept.get(method, 0) + 1
        return value

    def put(self, method: str, part: Any, value: Any) -> None:
        if self.folder is None:
            return
        npy, js = self._paths(method, self.key(method, part))
        if isinstance(value, np.ndarray) and value.dtype != object:
            buf = io.BytesIO()
            np.save(buf, np.ascontiguousarray(value), allow_pickle=False)
            path, data = npy, buf.getvalue()
        else:
            try:
                path, data = js, json.dumps({"value": value}, ensure_ascii=False, allow_nan=False).encode()
            except (TypeError, ValueError):
                return  # not storable as JSON: simply not cached
        self._write_manifest()
        write_text_atomic(path, data)
        self.written.append(path)
        self.kept[method] = self.kept.get(method, 0) + 1

    def _write_manifest(self) -> None:
        """Write the manifest, again whenever building the model imported something new."""
        if self.manifest is None or self.folder is None:
            return
        names = frozenset(self.build_imports.names()) if self.build_imports is not None else frozenset()
        if names == self._recorded_names:
            return
        seen = self.build_imports.describe(self._recorded) if self.build_imports is not None else {}
        if seen != self._recorded or not self._manifest_on_disk:
            text = json.dumps({**self.manifest, "seen_while_building": seen}, indent=1, sort_keys=True)
            write_text_atomic(self.folder / MANIFEST, text)
            self._recorded, self._manifest_on_disk = seen, True
        self._recorded_names = names

    def open(self) -> None:
        """Check the folder before its entries are read: an earlier run's manifest must match the
        key, and the modules it saw imported while building the model must be as they were;
        otherwise (or without a manifest) its entries are dropped."""
        assert self.folder is not None and self.manifest is not None
        try:
            existing = json.loads((self.folder / MANIFEST).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            existing = None
        recorded = existing.get("seen_while_building") if isinstance(existing, dict) else None
        trusted = (
            isinstance(existing, dict)
            and existing.get("key") == self.base
            and isinstance(recorded, dict)
            and (self.build_imports is None or self.build_imports.unchanged(recorded))
        )
        if trusted:
            self._recorded, self._manifest_on_disk = recorded, True  # type: ignore[assignment]
            self.manifest["created"] = existing.get("created", self.manifest.get("created"))  # type: ignore[union-attr]
            return
        for p in _entries_under(self.folder):
            p.unlink(missing_ok=True)
        (self.folder / MANIFEST).unlink(missing_ok=True)


def _off(reason: str) -> OutputCache:
    return OutputCache(root=None, folder=None, base="", off_reason=reason)


def _protocol_settings(ctx: Any, namespace: str) -> dict[str, Any] | None:
    """The suite settings a protocol's outputs depend on beyond their part: its split, params and
    split seed. None for a namespace shared across protocols (embeddings depend on the rows only)."""
    if namespace != (ctx.options.protocol or ctx.suite.protocol):
        return None
    return {"split": ctx.suite.split.model_dump(mode="json"), "params": ctx.suite.params,
            "seed_split": ctx.seed_split}


def cache_for(ctx: Any, namespace: str | None = None) -> OutputCache:
    """The run's cache for ``namespace`` (default: the run's protocol), built once per run."""
    opts = ctx.options
    if opts.resume and opts.no_cache:
        raise ConfigError("--resume continues a run from its cache and cannot be combined with --no-cache")
    ns = namespace or opts.protocol or ctx.suite.protocol
    memo = ctx.caches
    if ns in memo:
        return memo[ns]
    if opts.no_cache:
        memo[ns] = _off(opts.no_cache_reason or "--no-cache")
        return memo[ns]
    fingerprint = ctx.model_fingerprint()
    if fingerprint.incomplete:
        memo[ns] = _off(fingerprint.incomplete)
        return memo[ns]
    config, ds = ctx.model_config, ctx.dataset
    settings = _protocol_settings(ctx, ns)
    base = content_digest(
        {
            "model": config.digest(),
            "fingerprint": fingerprint.key_data(),
            "dataset": ds.digest,
            "dataset_id": ds.id,
            "namespace": ns,
            "settings": settings,
        }
    )
    root = cache_root(opts.cache_dir)
    folder = (
        root
        / f"{_safe(config.model_id)}.{_short(config.digest())}"
        / f"{_safe(ds.id)}.{_short(ds.digest)}"
        / f"{_safe(ns)}.{base[:12]}"
    )
    manifest = {
        "format": 1,
        "key": base,
        "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "model": {"id": config.model_id, "type": config.type, "config_digest": config.digest()},
        "dataset": {"id": ds.id, "digest": ds.digest},
        "protocol": ns,
        "protocol_settings": settings,
        **fingerprint.manifest(),
    }
    cache = OutputCache(root=root, folder=folder, base=base, manifest=manifest,
                        build_imports=ctx.build_imports)
    cache.open()
    memo[ns] = cache
    return cache


def cache_status(ctx: Any, *, protocol_caches: bool = True) -> str:
    """``on``, or ``off: <why>``, for the record's ``provenance.cache``.

    ``protocol_caches``: whether the run's protocol sends model outputs through the cache at all."""
    caches = [c for c in ctx.caches.values() if isinstance(c, OutputCache)]
    reasons = [c.off_reason for c in caches if c.off_reason]
    if reasons:
        return f"off: {reasons[0]}"
    if not protocol_caches:
        return f"off: the {ctx.options.protocol or ctx.suite.protocol} protocol does not cache model outputs"
    if ctx.options.no_cache:
        return f"off: {ctx.options.no_cache_reason or '--no-cache'}"
    return "on"


def cache_counts(ctx: Any) -> dict[str, int]:
    """Entries read from and computed for the cache this run (for the record's resources)."""
    caches = [c for c in ctx.caches.values() if isinstance(c, OutputCache) and c.enabled]
    return {"cache_hits": sum(c.hits for c in caches), "cache_misses": sum(c.misses for c in caches)}


def kept_outputs(ctx: Any) -> dict[str, int]:
    """Method -> entries this run has in the cache (read or written): what an interrupted run keeps."""
    out: dict[str, int] = {}
    for cache in ctx.caches.values():
        if isinstance(cache, OutputCache) and cache.enabled:
            for method, n in cache.kept.items():
                out[method] = out.get(method, 0) + n
    return out


def cached_call(
    ctx: Any, method: str, part: Any, compute: Callable[[], Any], *, namespace: str | None = None
) -> Any:
    """``compute()``'s value for this (run, method, part), from the cache when present."""
    cache = cache_for(ctx, namespace)
    try:
        hit = cache.get(method, part)
    except TypeError:  # the part cannot be digested: no caching
        return compute()
    if hit is not None:
        return hit
    value = compute()
    if isinstance(value, np.ndarray | list):
        cache.put(method, part, value)
    return value


def cached_chunks(
    ctx: Any,
    method: str,
    inputs: Any,
    call: Callable[..., Any],
    *,
    chunk: int,
    extra: Sequence[Any] = (),
    namespace: str | None = None,
    on_chunk: Callable[[int, int], None] | None = None,
) -> list[Any]:
    """Call ``call(inputs[lo:hi], *[e[lo:hi] for e in extra])`` chunk by chunk, each chunk cached.

    A chunk's key is the digest of its inputs, so the same rows reuse their outputs in any run
    of the same model and dataset, and a killed run resumes at the first missing chunk.
    """
    n = len(inputs)
    out = []
    for lo in range(0, n, max(1, chunk)):
        hi = min(n, lo + chunk)
        args = [inputs[lo:hi], *[e[lo:hi] for e in extra]]
        out.append(cached_call(ctx, method, {"inputs": args}, lambda a=args: call(*a), namespace=namespace))
        if on_chunk is not None:
            on_chunk(hi, n)
    return out


# ---------------------------------------------------------------- ls / clear


def _is_entry(p: Path) -> bool:
    return p.suffix in ENTRY_EXTS and len(p.stem) == 64 and all(c in "0123456789abcdef" for c in p.stem)


def _entries(root: Path) -> list[Path]:
    if not root.is_dir():
        return []
    return sorted(p for ext in ENTRY_EXTS for p in root.glob(f"*/*/*/*/*{ext}") if _is_entry(p))


def _entries_under(folder: Path) -> list[Path]:
    """The entries of one key folder (``<protocol>.<key12>/<method>/<key>.npy``)."""
    return sorted(p for ext in ENTRY_EXTS for p in folder.glob(f"*/*{ext}") if _is_entry(p))


def _read_manifest(folder: Path) -> dict[str, Any] | None:
    try:
        data = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def keyed_on(manifest: dict[str, Any] | None) -> dict[str, Any] | None:
    """What ``cache ls`` shows of a manifest: model id, config digest, files and modules counted,
    package versions, dataset digest, protocol (and its settings), created."""
    if manifest is None:
        return None
    files = manifest.get("files") or []
    seen = manifest.get("seen_while_building") or {}
    packages = dict(manifest.get("packages") or {})
    packages.update({d: v[0] for d, v in (seen.get("packages") or {}).items() if d not in packages})
    return {
        "key": manifest.get("key"),
        "model_id": (manifest.get("model") or {}).get("id"),
        "config_digest": (manifest.get("model") or {}).get("config_digest"),
        "files": len(files),
        "file_bytes": sum(int(f.get("bytes") or 0) for f in files),
        "modules": len(set(manifest.get("modules") or {}) | set(seen.get("modules") or {})),
        "packages": dict(sorted(packages.items())),
        "fmbench": manifest.get("fmbench"),
        "python": manifest.get("python"),
        "dataset_digest": (manifest.get("dataset") or {}).get("digest"),
        "protocol": manifest.get("protocol"),
        "protocol_settings": manifest.get("protocol_settings"),
        "created": manifest.get("created"),
        "paths": [f.get("path") for f in files],
    }


def list_cache(root: str | Path | None = None) -> list[dict[str, Any]]:
    """One row per (model, dataset, protocol key, method): entry count, bytes, what it was keyed on."""
    base = cache_root(root)
    rows: dict[tuple[str, ...], dict[str, Any]] = {}
    for p in _entries(base):
        model, dataset, keyed, method = p.relative_to(base).parts[:4]
        protocol, _, short = keyed.rpartition(".")
        if not protocol or len(short) != 12:  # a folder of fmbench < 0.3 (no key in its name)
            protocol, short = keyed, ""
        row = rows.get((model, dataset, keyed, method))
        if row is None:
            row = rows[(model, dataset, keyed, method)] = {
                "model": model,
                "dataset": dataset,
                "protocol": protocol,
                "key": short or None,
                "method": method,
                "entries": 0,
                "bytes": 0,
                "keyed_on": keyed_on(_read_manifest(base / model / dataset / keyed)),
            }
        row["entries"] += 1
        row["bytes"] += p.stat().st_size
    return [rows[k] for k in sorted(rows)]


def clear_cache(
    root: str | Path | None = None, *, model: str | None = None, dataset: str | None = None
) -> int:
    """Delete cache entries (optionally of one model id / dataset id); returns how many.

    Only files laid out as cache entries are removed, with the manifests of folders left without
    entries, then empty folders, so pointing ``FMBENCH_CACHE`` at the wrong folder cannot delete
    anything else. Clearing everything also drops the sidecar of big files' hashes.
    """
    base = cache_root(root)
    removed = 0
    for p in _entries(base):
        m, d = p.relative_to(base).parts[:2]
        if model is not None and m.rsplit(".", 1)[0] != model:
            continue
        if dataset is not None and d.rsplit(".", 1)[0] != dataset:
            continue
        p.unlink(missing_ok=True)
        removed += 1
    if not base.is_dir():
        return removed
    for leftover in base.glob("*/*/*/*/.*.tmp"):
        leftover.unlink(missing_ok=True)  # half-written entries of a killed run
    for leftover in base.glob("*/*/*/.*.tmp"):
        leftover.unlink(missing_ok=True)  # half-written manifests
    for manifest in base.glob(f"*/*/*/{MANIFEST}"):
        if not _entries_under(manifest.parent):
            manifest.unlink(missing_ok=True)
    if model is None and dataset is None:
        (base / HASH_SIDECAR).unlink(missing_ok=True)
    for pattern in ("*/*/*/*", "*/*/*", "*/*", "*"):  # deepest first: empty folders go
        for folder in sorted(p for p in base.glob(pattern) if p.is_dir()):
            try:
                folder.rmdir()
            except OSError:
                continue
    return removed
