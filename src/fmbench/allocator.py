"""Keep mid-sized NumPy buffers in the heap instead of fresh mmaps (glibc only).

NumPy allocates each temporary with malloc; glibc serves blocks above its mmap threshold
(adaptively ~128 KB-32 MB) with fresh mmaps and trims freed heap eagerly, so a loop that
makes a few MB of temporaries per bootstrap chunk page-faults on every iteration. In this
project's VMs the page faults cost more than the arithmetic (the AUROC bootstrap ran ~1.7x
slower). `run`, `run-robustness` and `quickstart` raise the mmap threshold to 32 MB and the trim
threshold to 128 MB (fmbench.cli.tune_for_bootstrap; other commands leave glibc alone):
buffers up to 32 MB are reused, large arrays still come from (and return to) the OS, so peak
memory of big-data runs is unchanged. Library users can call ``tune_allocator()`` themselves.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import sys

M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3
_done = False


def tune_allocator(mmap_threshold: int = 32 << 20, trim_threshold: int = 128 << 20) -> bool:
    """Apply the thresholds once per process; returns False where glibc's mallopt is absent."""
    global _done
    if _done:
        return True
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        ok = libc.mallopt(M_MMAP_THRESHOLD, mmap_threshold) == 1 and libc.mallopt(M_TRIM_THRESHOLD, trim_threshold) == 1
    except (OSError, AttributeError):
        return False
    _done = ok
    return ok
