"""Dataset loaders by name; each module registers itself in LOADERS.

A loader turns a folder (or package resource) into a ``Dataset``:
``load(folder: Path, card: DatasetCard, digest: str) -> Dataset``.
"""

from fmbench.registry import Registry

LOADERS: Registry = Registry("dataset loader", discover="fmbench.data.loaders")
