"""Console objects: Rich on a terminal, plain when piped."""

from __future__ import annotations

import sys

from rich.console import Console

console = Console(highlight=False, soft_wrap=True)
err_console = Console(stderr=True, highlight=False, soft_wrap=True)


def is_interactive() -> bool:
    return sys.stderr.isatty()
