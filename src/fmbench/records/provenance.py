"""Where a record came from: versions, platform, seed; and the resources a run used."""

from __future__ import annotations

import platform
import resource
import sys
from importlib import metadata

import fmbench
from fmbench.records.definitions import METRIC_DEFINITIONS_VERSION

TRACKED_PACKAGES = ("numpy", "scipy", "scikit-learn", "pandas", "torch", "transformers", "anndata", "scanpy",
                    "sacrebleu", "rouge-score", "nltk", "textstat", "bert-score", "nibabel")


def package_versions() -> dict[str, str]:
    out = {}
    for name in TRACKED_PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return out


def provenance(seed: int | None, **extra: object) -> dict[str, object]:
    return {
        "fmbench": fmbench.__version__,
        "python": platform.python_version(),
        "platform": f"{platform.system()}-{platform.machine()}",
        "seed": seed,
        "packages": package_versions(),
        "metric_definitions": METRIC_DEFINITIONS_VERSION,
        **extra,
    }


def peak_rss_mb() -> float:
    """Peak resident set size of this process so far, in MB."""
    ru = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return round(ru / (1024 * 1024) if sys.platform == "darwin" else ru / 1024, 1)
