"""fmbench: benchmark health foundation models locally, publish only the metrics.

The Python API (``fmbench.evaluate``, ``list_suites``, ``load_record``, ``build_leaderboard``,
``EvaluationResult``) lives in :mod:`fmbench.api` and is imported on first use, so that
``import fmbench`` and ``python -m fmbench --help`` stay fast.
"""

from typing import TYPE_CHECKING, Any

__version__ = "0.2.0"

_API = ("EvaluationResult", "build_leaderboard", "evaluate", "list_suites", "load_record")

__all__ = ["__version__", *_API]

if TYPE_CHECKING:
    from fmbench.api import EvaluationResult as EvaluationResult
    from fmbench.api import build_leaderboard as build_leaderboard
    from fmbench.api import evaluate as evaluate
    from fmbench.api import list_suites as list_suites
    from fmbench.api import load_record as load_record


def __getattr__(name: str) -> Any:  # PEP 562: the API module loads on first access
    if name in _API:
        from fmbench import api

        value = getattr(api, name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'fmbench' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *_API})
