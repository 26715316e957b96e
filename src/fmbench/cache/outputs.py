"""The output cache: keys, atomic entries, and helpers protocols call around model calls."""

from __future__ import annotations

import hashlib
import io
import json
import os
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


def _short(digest: str | None) -> str:
    return (digest or "none").removeprefix("sha256:")[:12] or "none"


def _safe(name: str) -> str:
    return "".join(c if c.isalnum() or c in "._-" else "_" for c in name) or "_"


@dataclass
class OutputCache:
    """Entries of one (model config, dataset, protocol); ``root=None`` disables it."""

    root: Path | None
    folder: Path | None
    base: str
    hits: int = 0
    misses: int = 0
    written: list[Path] = field(default_factory=list)

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
        return value

    def put(self, method: str, part: Any, value: Any) -> None:
        if self.folder is None:
            return
        npy, js = self._paths(method, self.key(method, part))
        if isinstance(value, np.ndarray) and value.dtype != object:
            buf = io.BytesIO()
            np.save(buf, np.ascontiguousarray(value), allow_pickle=False)
            write_text_atomic(npy, buf.getvalue())
            self.written.append(npy)
            return
        try:
            text = json.dumps({"value": value}, ensure_ascii=False, allow_nan=False)
        except (TypeError, ValueError):
            return  # not storable as JSON: simply not cached
        write_text_atomic(js, text)
        self.written.append(js)


def cache_for(ctx: Any, namespace: str | None = None) -> OutputCache:
    """The run's cache for ``namespace`` (default: the run's protocol), built once per run."""
    opts = ctx.options
    if opts.resume and opts.no_cache:
        raise ConfigError("--resume continues a run from its cache and cannot be combined with --no-cache")
    ns = namespace or opts.protocol or ctx.suite.protocol
    memo = ctx.caches
    if ns in memo:
        return memo[ns]
    config, ds = ctx.model_config, ctx.dataset
    base = content_digest(
        {
            "model": config.digest(),
            "fingerprint": ctx.model_fingerprint(),
            "dataset": ds.digest,
            "dataset_id": ds.id,
            "namespace": ns,
        }
    )
    if opts.no_cache:
        cache = OutputCache(root=None, folder=None, base=base)
    else:
        root = cache_root(opts.cache_dir)
        folder = (
            root
            / f"{_safe(config.model_id)}.{_short(config.digest())}"
            / f"{_safe(ds.id)}.{_short(ds.digest)}"
            / _safe(ns)
        )
        cache = OutputCache(root=root, folder=folder, base=base)
    memo[ns] = cache
    return cache


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


def _entries(root: Path) -> list[Path]:
    if not root.is_dir():
        return []
    return sorted(
        p
        for ext in ENTRY_EXTS
        for p in root.glob(f"*/*/*/*/*{ext}")
        if len(p.stem) == 64 and all(c in "0123456789abcdef" for c in p.stem)
    )


def list_cache(root: str | Path | None = None) -> list[dict[str, Any]]:
    """One row per (model, dataset, protocol, method): entry count and bytes."""
    base = cache_root(root)
    rows: dict[tuple[str, ...], dict[str, Any]] = {}
    for p in _entries(base):
        model, dataset, protocol, method = p.relative_to(base).parts[:4]
        row = rows.setdefault(
            (model, dataset, protocol, method),
            {
                "model": model,
                "dataset": dataset,
                "protocol": protocol,
                "method": method,
                "entries": 0,
                "bytes": 0,
            },
        )
        row["entries"] += 1
        row["bytes"] += p.stat().st_size
    return [rows[k] for k in sorted(rows)]


def clear_cache(
    root: str | Path | None = None, *, model: str | None = None, dataset: str | None = None
) -> int:
    """Delete cache entries (optionally of one model id / dataset id); returns how many.

    Only files laid out as cache entries are removed, then empty folders, so pointing
    ``FMBENCH_CACHE`` at the wrong folder cannot delete anything else.
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
    for leftover in base.glob("*/*/*/*/.*.tmp") if base.is_dir() else []:
        leftover.unlink(missing_ok=True)  # half-written entries of a killed run
    for folder in sorted((p for p in base.glob("*/*/*/*") if p.is_dir()), reverse=True):
        for f in (folder, folder.parent, folder.parent.parent, folder.parent.parent.parent):
            try:
                f.rmdir()
            except OSError:
                break
    return removed
