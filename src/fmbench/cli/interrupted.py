"""The one line Ctrl-C prints: what the run keeps, and the exact command that continues it.

Runs write each finished fold or chunk of model outputs to the output cache as it completes,
and their records and reports all at once at the end (``fmbench.records.io.write_outputs``), so
an interrupted run leaves no partial files, only cache entries. Reading the cache is the
default; ``run --resume`` says so explicitly (and refuses ``--no-cache``), so the command to
continue an interrupted ``run`` is the same one with ``--resume``. ``quickstart`` reads the
same cache, and ``run-robustness`` caches nothing: both are rerun as they were. ``sweep`` writes
each cell as it finishes and skips finished cells when rerun, so the same command continues it.
"""

from __future__ import annotations

import shlex
import sys
from pathlib import Path

from fmbench.errors import RunInterrupted

# what one cache entry is, by the method that made it
ENTRY_WORDS = {
    "fit_predict_proba": ("fold prediction", "fold predictions"),
    "embed": ("embedding chunk", "embedding chunks"),
    "generate": ("generated-report chunk", "generated-report chunks"),
    "reconstruct": ("reconstruction chunk", "reconstruction chunks"),
}


class CommandInterrupted(Exception):  # noqa: N818 - a signal, not an error
    """Ctrl-C in a run command, on its way to ``fmbench.cli.main``.

    Not a KeyboardInterrupt: Typer turns those into a bare exit status 130 and drops what they
    carry (``standalone_mode=False``), while this passes through to the one place that prints."""

    def __init__(self, run: RunInterrupted) -> None:
        super().__init__("interrupted")
        self.run = run


def as_interrupted(exc: KeyboardInterrupt, *, target: Path | str | None = None,
                   finished: list[str] | None = None) -> CommandInterrupted:
    """``exc`` with the command's output folder and what it finished before, for ``main`` to print."""
    run = exc if isinstance(exc, RunInterrupted) else RunInterrupted(cache="")
    run.target = str(target) if target is not None else None
    run.finished = list(finished or [])
    return CommandInterrupted(run)


def _entries(kept: dict[str, int]) -> str:
    parts = []
    for method, n in sorted(kept.items()):
        one, many = ENTRY_WORDS.get(method, (f"{method} output", f"{method} outputs"))
        parts.append(f"{n} {one if n == 1 else many}")
    return ", ".join(parts)


def command_line(args: list[str], *, add: tuple[str, ...] = ()) -> str:
    """The command as typed (``fmbench ...`` or ``python -m fmbench ...``), with ``add`` appended."""
    prog = "fmbench" if Path(sys.argv[0]).name == "fmbench" else "python -m fmbench"
    return " ".join([prog, shlex.join([*args, *(a for a in add if a not in args)])])


def interrupted_line(exc: KeyboardInterrupt, args: list[str]) -> str:
    """``interrupted: <what is kept>; continue with: <command>`` (or ``rerun:``)."""
    command = args[0] if args else ""
    resume = command == "run" and "--no-cache" not in args
    again = command_line(args, add=("--resume",) if resume else ())
    if not isinstance(exc, RunInterrupted):
        verb = "continue with" if resume or command == "sweep" else "rerun"
        return f"interrupted; {verb}: {again}"
    parts = []
    if exc.finished:
        parts.append("finished and written: " + ", ".join(exc.finished))
    if exc.cache == "on":
        if exc.kept:
            parts.append(f"kept {_entries(exc.kept)} in the output cache ({exc.cache_dir})")
        else:
            parts.append("no fold or chunk had finished, so no model output was cached")
    elif exc.cache.startswith("off: "):
        parts.append(f"nothing cached ({exc.cache.removeprefix('off: ')})")
    if exc.evaluating and exc.target:
        parts.append(f"nothing written to {exc.target}")
    verb = "continue with" if resume or command == "sweep" or (command == "quickstart" and exc.cache == "on") \
        else "rerun"
    return f"interrupted: {'; '.join(parts) or 'nothing kept'}; {verb}: {again}"
