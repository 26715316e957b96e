"""Permissions of what fmbench writes: what the umask allows, as a plain ``open()`` would give.

Atomic writers create a temporary file or folder and rename it into place, and ``tempfile``
makes those private (0600 / 0700) whatever the umask: a record, a report or a leaderboard site
would then be unreadable to the group or to the web server that serves it. Every writer makes
its temporary file or folder through here, which applies the usual modes right after creating
it: ``0o666 & ~umask`` for files, ``0o777 & ~umask`` for folders (0644 / 0755 under umask 022,
0600 / 0700 under umask 077).
"""

from __future__ import annotations

import os
import tempfile
from functools import cache
from pathlib import Path


@cache
def current_umask() -> int:
    """The process's umask, read once.

    Linux reports it in ``/proc/self/status``; elsewhere it is read by setting it and setting it
    back (the only portable way), which is done once so other threads see the change at most once.
    """
    try:
        with open("/proc/self/status", encoding="ascii", errors="replace") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def file_mode() -> int:
    """Mode of a new file: ``0o666`` less the umask (0644 under umask 022)."""
    return 0o666 & ~current_umask()


def folder_mode() -> int:
    """Mode of a new folder: ``0o777`` less the umask (0755 under umask 022)."""
    return 0o777 & ~current_umask()


def temp_file(folder: str | Path, *, prefix: str, suffix: str = ".tmp") -> tuple[int, Path]:
    """A new temporary file in ``folder`` with the umask's file mode: (open descriptor, path)."""
    fd, name = tempfile.mkstemp(prefix=prefix, suffix=suffix, dir=folder)
    try:
        os.fchmod(fd, file_mode())
    except BaseException:
        os.close(fd)
        Path(name).unlink(missing_ok=True)
        raise
    return fd, Path(name)


def temp_folder(folder: str | Path, *, prefix: str) -> Path:
    """A new temporary folder in ``folder`` with the umask's folder mode."""
    path = Path(tempfile.mkdtemp(prefix=prefix, dir=folder))
    try:
        os.chmod(path, folder_mode())
    except BaseException:
        path.rmdir()
        raise
    return path
