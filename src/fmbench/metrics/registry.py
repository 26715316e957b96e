"""The one metric registry: every metric fmbench computes, by name.

Each metric registers its name, the data it is computed from, the protocols that compute it,
its direction and its valid range (like lm-evaluation-harness' ``register_metric`` or
scikit-learn's scorers). Benchmarks refer to metrics by name only; ``fmbench validate`` and
every run check those names against this registry, with "did you mean", and check that the
suite's protocol computes them — so a typo (``Acuracy``) is an error before compute instead
of a metric that silently never appears.

Metrics register themselves where they are implemented (``fmbench.metrics.classification``,
``.report_metrics``, ``.reconstruction``, ``fmbench.perturbations.summary``); ``metric_registry()``
imports those modules once.
"""

from __future__ import annotations

import difflib
import importlib
from dataclasses import dataclass
from typing import Any, Literal

from fmbench.errors import NotFoundError

Direction = Literal["higher", "lower", "target"]

# What each family of metrics is computed from, and the protocols that produce that data.
CLASSIFICATION_PROTOCOLS = ("classification", "linear_probe", "knn_probe")
NEEDS = {
    "class probabilities": CLASSIFICATION_PROTOCOLS,
    "generated reports": ("generation",),
    "reconstructions": ("reconstruction",),
    "perturbed outputs": ("robustness",),
}

_IMPLEMENTING_MODULES = (
    "fmbench.metrics.classification",
    "fmbench.metrics.report_metrics",
    "fmbench.metrics.reconstruction",
    "fmbench.perturbations.summary",
)


@dataclass(frozen=True)
class MetricInfo:
    """What the registry knows of one metric."""

    name: str
    needs: str  # a key of NEEDS: the data it is computed from
    direction: Direction
    min: float | None = None
    max: float | None = None
    description: str = ""
    impl: Any = None  # the point/batch implementation, where the metric has one of its own

    @property
    def protocols(self) -> tuple[str, ...]:
        return NEEDS[self.needs]


_METRICS: dict[str, MetricInfo] = {}
_loaded = False


def register_metric(info: MetricInfo) -> MetricInfo:
    """Add a metric; a name registered twice with different information is a bug."""
    if info.needs not in NEEDS:
        raise ValueError(f"metric {info.name!r}: needs must be one of {sorted(NEEDS)}")
    old = _METRICS.get(info.name)
    if old is not None and old != info:
        raise ValueError(f"metric {info.name!r} is registered twice")
    _METRICS[info.name] = info
    return info


def metric_registry() -> dict[str, MetricInfo]:
    """Every registered metric by name (imports the implementing modules on first use)."""
    global _loaded
    if not _loaded:
        _loaded = True
        for module in _IMPLEMENTING_MODULES:
            importlib.import_module(module)
    return _METRICS


def get_metric(name: str) -> MetricInfo:
    registry = metric_registry()
    if name in registry:
        return registry[name]
    raise NotFoundError(f"unknown metric {name!r}.{did_you_mean(name, registry)}")


def metrics_for_protocol(protocol: str) -> list[str]:
    """Names of the metrics a protocol computes, in registration order."""
    return [m.name for m in metric_registry().values() if protocol in m.protocols]


def implementations(names: list[str], needs: str) -> list[Any]:
    """The point/batch implementations of ``names`` computed from ``needs`` data, in order;
    names of other families are skipped (a benchmark may list metrics only reported elsewhere)."""
    registry = metric_registry()
    return [registry[n].impl for n in names if n in registry and registry[n].needs == needs]


def did_you_mean(name: str, choices: Any) -> str:
    """' Did you mean 'X'?' for the closest choice (case-insensitive), or ''."""
    choices = list(choices)
    lowered = {c.lower(): c for c in choices}
    close = difflib.get_close_matches(name.lower(), list(lowered), n=1, cutoff=0.6)
    return f" Did you mean {lowered[close[0]]!r}?" if close else ""
