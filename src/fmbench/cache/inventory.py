"""``cache ls`` and ``cache clear``: what the output cache holds, what each folder was keyed on."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from fmbench.cache.layout import HASH_SIDECAR, MANIFEST, cache_root, entries, entries_under


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
    for p in entries(base):
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
    for p in entries(base):
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
        if not entries_under(manifest.parent):
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
