"""Cache files of the leaderboard builder: written atomically, and never fatal.

A cache only saves work. One that cannot be written (a read-only home, a cache path under a
file) leaves the build correct, only slower next time, so the error is returned as a line for
the user instead of raised; a missing, stale or corrupt one is simply not used.
"""

from __future__ import annotations

import os
import pickle
from pathlib import Path
from typing import Any

from fmbench.filemodes import temp_file


def save_pickle(path: Path, data: Any, *, stale: str | None = None) -> str | None:  # noqa: ANN401
    """Write ``data`` to ``path`` atomically (other files matching the glob ``stale`` in the
    same folder are removed). Returns None, or why the cache could not be written."""
    tmp = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        if stale is not None:
            for old in path.parent.glob(stale):
                if old != path:
                    old.unlink(missing_ok=True)
        fd, tmp = temp_file(path.parent, prefix=f".{path.stem}.")
        with os.fdopen(fd, "wb") as fh:
            pickle.dump(data, fh, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)
        tmp = None
        return None
    except OSError as exc:
        why = exc.strerror or str(exc)
        return f"cache {path} not saved ({why}); the build is complete, the next one will be slower"
    finally:
        if tmp is not None:
            tmp.unlink(missing_ok=True)


def load_pickle(path: Path | None) -> Any:  # noqa: ANN401
    """The cache file's content, or None when it is missing or unreadable."""
    if path is None or not path.is_file():
        return None
    try:
        with path.open("rb") as fh:
            return pickle.load(fh)  # noqa: S301 - our own cache file
    except Exception:  # noqa: BLE001 - a corrupt cache is rebuilt
        return None
