"""Resolve a dataset card to a loaded, digest-checked ``Dataset``.

Generated data is made on demand in ``<data-dir>/<dataset id>/`` (into a temporary folder,
renamed when complete) with a ``manifest.json`` of file digests; every load re-checks them,
so a corrupted or hand-edited file is caught instead of silently changing results.
"""

from __future__ import annotations

import hashlib
import inspect
import json
import os
import shutil
import tempfile
from pathlib import Path

from fmbench.catalog.schema import DatasetCard
from fmbench.data.dataset import Dataset
from fmbench.data.digest import combined_digest, file_sha256
from fmbench.data.generators import GENERATORS
from fmbench.data.loaders import LOADERS
from fmbench.data.paths import resolve_data_dir
from fmbench.errors import DataError

MANIFEST = "manifest.json"


def _recipe(card: DatasetCard) -> dict:
    """What determines a generated dataset: generator name and code, seed and parameters.

    The generator module's source is hashed in, so editing a generator regenerates the data
    instead of silently serving files made by the old code.
    """
    generator = GENERATORS.get(card.generator)  # type: ignore[arg-type]
    module = inspect.getmodule(generator)
    source = inspect.getsource(module) if module is not None else ""
    return {"generator": card.generator, "seed": card.seed, "params": card.params,
            "code": hashlib.sha256(source.encode()).hexdigest()[:16]}


def _hash_folder(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): file_sha256(p)
            for p in sorted(folder.rglob("*")) if p.is_file() and p.name != MANIFEST}


def generate_dataset(card: DatasetCard, data_dir: str | Path | None = None, *, force: bool = False) -> Path:
    """Make a generated dataset's folder if it is missing or was made with another recipe."""
    root = resolve_data_dir(data_dir)
    folder = root / card.id
    manifest_path = folder / MANIFEST
    if not force and manifest_path.exists():
        manifest = json.loads(manifest_path.read_text())
        if manifest.get("recipe") == _recipe(card):
            return folder
    generator = GENERATORS.get(card.generator)  # type: ignore[arg-type]
    root.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{card.id}.", dir=root))
    try:
        generator(tmp, seed=card.seed, **card.params)
        files = _hash_folder(tmp)
        manifest = {"dataset_id": card.id, "recipe": _recipe(card), "files": files,
                    "digest": combined_digest(files)}
        (tmp / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
        if folder.exists():
            shutil.rmtree(folder)
        os.replace(tmp, folder)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return folder


def verify_folder(folder: Path, expected: dict[str, str], *, what: str) -> str:
    """Check every expected file's sha256; return the combined digest."""
    for name, digest in sorted(expected.items()):
        path = folder / name
        if not path.exists():
            raise DataError(f"{path}: file missing from {what}; delete {folder} to regenerate or restore it")
        actual = file_sha256(path)
        if actual != digest:
            raise DataError(
                f"{path}: sha256 {actual[:12]}… does not match {what} ({digest[:12]}…); "
                f"the file changed — delete {folder} to regenerate or restore the original"
            )
    return combined_digest(expected)


def dataset_folder(card: DatasetCard, data_dir: str | Path | None) -> Path:
    if card.source == "generated":
        return generate_dataset(card, data_dir)
    if "path" in card.params:
        return Path(card.params["path"]).expanduser()
    return resolve_data_dir(data_dir) / card.id


def load_dataset(card: DatasetCard, data_dir: str | Path | None = None) -> Dataset:
    """Generate (if needed), verify and load a dataset."""
    if card.source == "external":
        raise DataError(
            f"dataset {card.id} ({card.name}) is external: fmbench cannot obtain it; "
            f"get it from {card.url or 'its provider'} and describe it with a card of source 'file'"
        )
    loader = LOADERS.get(card.loader or "npy_table")
    if card.source == "package":
        return loader(Path("."), card, "")
    folder = dataset_folder(card, data_dir)
    if not folder.exists():
        raise DataError(f"dataset {card.id}: folder {folder} not found; check the card's params.path or --data-dir")
    if card.source == "generated":
        manifest = json.loads((folder / MANIFEST).read_text())
        digest = verify_folder(folder, manifest["files"], what=f"the manifest of {card.id}")
    elif card.files:
        digest = verify_folder(folder, {f.path: f.sha256 for f in card.files}, what=f"dataset card {card.id}")
    else:
        digest = combined_digest(_hash_folder(folder))
    return loader(folder, card, digest)
