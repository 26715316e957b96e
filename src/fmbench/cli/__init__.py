"""The ``fmbench`` command line: thin commands over library functions.

Each module in this package defines ``register(app)`` and adds its commands; heavy imports
happen inside the commands. ``main`` is the single boundary where user errors become one
line on stderr and exit status 2.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
from typing import Annotated

import typer

try:  # typer >= 0.20 vendors click
    from typer._click import exceptions as click_exceptions
except ImportError:  # pragma: no cover - older typer on top of click
    from click import exceptions as click_exceptions

from fmbench.cli.interrupted import CommandInterrupted
from fmbench.errors import FmbenchError

app = typer.Typer(
    name="fmbench",
    help="Benchmark health foundation models locally; publish eval records and leaderboards.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},  # inherited by every command and sub-app
)

_registered = False


def _print_version(value: bool) -> None:
    if value:
        from fmbench import __version__

        print(f"fmbench {__version__}")
        raise typer.Exit(0)


@app.callback()
def _root(
    version: Annotated[bool, typer.Option(
        "--version", is_eager=True, callback=_print_version,
        help="Print the fmbench version and exit.")] = False,
) -> None:
    """Options before the command; the app's help text is Typer(help=...) above."""


def _register_all() -> None:
    global _registered
    if _registered:
        return
    _registered = True
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda i: i.name):
        module = importlib.import_module(f"{__name__}.{info.name}")
        register = getattr(module, "register", None)
        if register is not None:
            register(app)


def tune_for_bootstrap() -> None:
    """Commands that compute bootstrap CIs keep mid-sized NumPy buffers in the heap: the AUROC
    bootstrap (n=100,000, B=1,000) takes 0.69 s tuned vs 1.12 s with glibc's defaults
    (``benchmarks/bootstrap_auroc.py``). Other commands (validate, build-leaderboard, the hub)
    showed no difference and leave the allocator alone."""
    from fmbench.allocator import tune_allocator

    tune_allocator()


def fail(message: str, code: int = 2) -> None:
    """Print one line to stderr and exit: the only way commands report user errors."""
    print(f"error: {' '.join(message.split())}", file=sys.stderr)
    raise SystemExit(code)


def _interrupted(exc: KeyboardInterrupt, args: list[str]) -> None:
    """Ctrl-C: one line saying what was kept and how to continue, exit status 130, no traceback."""
    from fmbench.cli.interrupted import interrupted_line

    print(interrupted_line(exc, args), file=sys.stderr)
    raise SystemExit(130) from None


def main(argv: list[str] | None = None) -> None:
    args = list(argv) if argv is not None else sys.argv[1:]
    _register_all()
    try:
        result = app(args=args, prog_name="fmbench", standalone_mode=False)
    except FmbenchError as exc:
        fail(str(exc), exc.exit_code)
    except CommandInterrupted as exc:  # Ctrl-C in run, run-robustness, quickstart
        _interrupted(exc.run, args)
    except OSError as exc:  # a path the user gave cannot be read or written (permissions, file as folder)
        where = ": ".join(str(f) for f in (exc.filename, exc.filename2) if f is not None)
        fail(f"{where}: {exc.strerror or exc}" if where else f"{type(exc).__name__}: {exc}", 2)
    except click_exceptions.UsageError as exc:
        if isinstance(exc, getattr(click_exceptions, "NoArgsIsHelpError", ())) and exc.ctx is not None:
            print(exc.ctx.get_help(), file=sys.stderr)
            raise SystemExit(2) from None
        where = exc.ctx.command_path if exc.ctx is not None else "fmbench"
        fail(f"{exc.format_message()} (see `{where} --help`)", 2)
    except click_exceptions.ClickException as exc:
        fail(exc.format_message(), exc.exit_code or 2)
    except typer.Abort:  # typer >= 0.20 raises its own Abort (click is vendored without one)
        print("aborted", file=sys.stderr)
        raise SystemExit(130) from None
    except typer.Exit as exc:
        raise SystemExit(exc.exit_code) from None
    except KeyboardInterrupt as exc:
        _interrupted(exc, args)
    if result == 130:  # Typer's answer to Ctrl-C in other commands (standalone_mode=False)
        _interrupted(KeyboardInterrupt(), args)
    if isinstance(result, int) and result:
        raise SystemExit(result)
