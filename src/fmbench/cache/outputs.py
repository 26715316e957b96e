"""The output cache: keys, atomic entries, and helpers protocols call around model calls.

Where entries live is ``fmbench.cache.layout``; listing and clearing them, ``fmbench.cache.inventory``.
"""

from __future__ import annotations

import hashlib
import io
import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from fmbench.cache.layout import ENTRY_EXTS, MANIFEST, cache_root, entries_under, safe_name, short_digest
from fmbench.errors import ConfigError
from fmbench.records.io import write_text_atomic

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
        return [self.folder / safe_name(method) / f"{key}{ext}" for ext in ENTRY_EXTS]

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
        for p in entries_under(self.folder):
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
        / f"{safe_name(config.model_id)}.{short_digest(config.digest())}"
        / f"{safe_name(ds.id)}.{short_digest(ds.digest)}"
        / f"{safe_name(ns)}.{base[:12]}"
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
