"""What a model config's digest cannot see: the files a model loads and the code it runs.

The output cache keys every cached prediction on this fingerprint as well as on the config
digest, so changed weights or changed code never serve stale outputs. It lives with the models
(it knows their types) and reaches the cache through the run context.
"""

from __future__ import annotations

import hashlib
import inspect
from pathlib import Path
from typing import Any

_MAX_FINGERPRINT_FILES = 20_000


def _path_fingerprint(path: Path) -> list[Any]:
    files = [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file())
    out: list[Any] = []
    for p in files[:_MAX_FINGERPRINT_FILES]:
        st = p.stat()
        rel = p.name if p == path else p.relative_to(path).as_posix()
        out.append([rel, st.st_size, st.st_mtime_ns])
    return out


def _source_digest(obj: Any) -> str | None:
    try:
        src = inspect.getsourcefile(obj)
    except TypeError:
        return None
    if not src or not Path(src).is_file():
        return None
    return hashlib.sha256(Path(src).read_bytes()).hexdigest()


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list | tuple):
        return [s for v in value for s in _strings(v)]
    return []


def config_fingerprint(config: Any) -> dict[str, Any]:
    """What the config digest cannot see: the files a model loads and the code it runs.

    Local paths named anywhere in the adapter options (weights folders, dictionaries, scripts)
    contribute their files' names, sizes and modification times; ``python_class`` models and
    built-in baselines contribute the sha256 of their module's source.
    """
    out: dict[str, Any] = {}
    for s in _strings(config.options):
        if not s or len(s) > 4096 or "\n" in s or "://" in s:
            continue
        p = Path(s).expanduser()
        try:
            if p.exists():
                out[f"path:{s}"] = _path_fingerprint(p)
        except OSError:
            continue
    if config.type == "python_class" and config.import_path and ":" in config.import_path:
        import importlib.util

        try:
            spec = importlib.util.find_spec(config.import_path.partition(":")[0])
        except (ImportError, ValueError):
            spec = None
        if spec is not None and spec.origin and Path(spec.origin).is_file():
            out["source"] = hashlib.sha256(Path(spec.origin).read_bytes()).hexdigest()
    elif config.type == "builtin":
        from fmbench.models.factory import BASELINES  # same package: the registry of baselines

        try:
            out["source"] = _source_digest(BASELINES.get(config.baseline or config.model_id))
        except Exception:  # noqa: BLE001, S110 - an unknown baseline fails later, with its own message
            pass
    return out
