"""Where datasets live: --data-dir, else $FMBENCH_DATA, else ~/.cache/fmbench/data."""

from __future__ import annotations

import os
from pathlib import Path


def default_data_dir() -> Path:
    env = os.environ.get("FMBENCH_DATA")
    if env:
        return Path(env)
    cache = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(cache) / "fmbench" / "data"


def resolve_data_dir(data_dir: str | Path | None) -> Path:
    path = Path(data_dir) if data_dir is not None else default_data_dir()
    if path.exists() and not path.is_dir():
        from fmbench.errors import ConfigError

        raise ConfigError(f"--data-dir {path}: exists and is not a directory; pass a folder "
                          "(or set FMBENCH_DATA)")
    return path
