"""The one file a single-file dataset card names: shipped in a package or at a path, pinned.

Shared by the loaders that read one file (``anndata``, ``sequences``, ``regional_csv``):
``source: package`` finds ``params.resource`` inside the installed ``params.package`` without
importing it; ``source: file`` takes ``params.path`` (a file, or a folder plus ``params.file``).
``file_digest`` checks the file against the card's ``files`` pins.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

from fmbench.catalog.schema import DatasetCard
from fmbench.data.digest import combined_digest, file_sha256
from fmbench.errors import ConfigError, DataError


def package_file(card: DatasetCard) -> Path:
    """Path of ``params.resource`` inside the installed ``params.package`` (not imported)."""
    package, resource = card.params.get("package"), card.params.get("resource")
    if not package or not resource:
        raise ConfigError(f"dataset {card.id}: source 'package' needs params.package and params.resource")
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise DataError(f"dataset {card.id}: package {package!r} is not installed; "
                        f"install it (pip install 'fmbench[singlecell]') to use this dataset")
    path = Path(next(iter(spec.submodule_search_locations))) / resource
    if not path.is_file():
        raise DataError(f"dataset {card.id}: {path} not found in the installed {package}; "
                        f"this {package} version does not ship the file")
    return path


def card_file(folder: Path, card: DatasetCard, *, default: str, what: str) -> Path:
    """The card's file: the packaged resource, ``folder`` itself when it is a file, else
    ``folder / params.file`` (default ``default``); missing: a DataError saying to set
    params.path to ``what``."""
    if card.source == "package":
        return package_file(card)
    path = folder if folder.is_file() else folder / card.params.get("file", default)
    if not path.is_file():
        raise DataError(f"dataset {card.id}: {path} not found; set params.path to {what}")
    return path


def file_digest(path: Path, card: DatasetCard) -> str:
    """Combined digest of the one file; checked against a pin on its name in ``card.files``."""
    actual = file_sha256(path)
    for pin in card.files:
        if Path(pin.path).name == path.name and pin.sha256 != actual:
            raise DataError(f"{path}: sha256 {actual[:12]}… does not match the pin in dataset card {card.id} "
                            f"({pin.sha256[:12]}…); the file changed — restore it or update the card")
    return combined_digest({path.name: actual})
