"""Resolve a dataset card to a loaded, digest-checked ``Dataset``.

Generated data is made on demand in ``<data-dir>/<dataset id>/`` (into a temporary folder,
renamed when complete) with a ``manifest.json`` of file digests; every load re-checks them,
so a corrupted or hand-edited file is caught instead of silently changing results.

A card's ``generator`` is a registered name (``fmbench.data.generators``) or the import path of
a user's own function, ``module:function`` or ``file.py:function``, looked up in the folder of
the card's YAML file first and then on ``sys.path``; either way the generator's code is part of
the recipe, so editing it regenerates the data.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import inspect
import json
import os
import shutil
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

from fmbench.catalog.schema import DatasetCard
from fmbench.data.dataset import Dataset
from fmbench.data.digest import combined_digest, file_sha256
from fmbench.data.generators import GENERATORS
from fmbench.data.loaders import LOADERS
from fmbench.data.paths import check_writable_data_dir, resolve_data_dir
from fmbench.errors import ConfigError, DataError, FmbenchError
from fmbench.filemodes import temp_folder

MANIFEST = "manifest.json"
_FORMS = "a registered generator name, 'module:function' or 'file.py:function'"


@dataclass(frozen=True)
class Generator:
    """A card's generator, resolved: the function and a fingerprint of its code."""

    function: Callable[..., Any]
    code: str
    user: bool  # an import path (the user's code) rather than a registered name
    folder: Path | None = None  # a user module's folder, on sys.path while the generator runs


def card_source_file(card: DatasetCard) -> str | None:
    """The YAML file a catalog card was read from, when the catalog recorded it (``_source_file``)."""
    source = getattr(card, "_source_file", None)
    return str(source) if source else None


def _where(card: DatasetCard, card_file: str | Path | None) -> str:
    return f"{card_file}: generator" if card_file else f"dataset {card.id}: generator"


def _one_line(exc: BaseException, limit: int = 300) -> str:
    text = " ".join(str(exc).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _card_dir(card_file: str | Path | None) -> Path | None:
    if not card_file:
        return None
    folder = Path(card_file).expanduser().absolute().parent
    return folder if folder.is_dir() else None


def _module_tag(path: Path) -> str:
    stem = "".join(c if c.isalnum() else "_" for c in path.stem)
    return f"_fmbench_generator_{stem}_{hashlib.sha256(str(path).encode()).hexdigest()[:10]}"


def _under(module: ModuleType, folder: Path) -> Path | None:
    file = getattr(module, "__file__", None)
    try:
        return Path(file).resolve() if file and Path(file).resolve().is_relative_to(folder) else None
    except (OSError, ValueError):
        return None


def _exec_file(path: Path, where: str) -> tuple[ModuleType, str]:
    """Import ``path`` afresh (its folder on sys.path meanwhile); return it and a code fingerprint.

    The fingerprint covers the bytes that were executed and the modules it imported from its own
    folder; those are dropped from ``sys.modules`` again, so a later resolve re-reads them too.
    """
    source = path.read_bytes()
    folder = path.parent.resolve()
    name = _module_tag(path.resolve())
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    before = set(sys.modules)
    sys.modules[name] = module
    sys.path.insert(0, str(folder))
    importlib.invalidate_caches()
    helpers: dict[str, bytes] = {}
    try:
        exec(compile(source, str(path), "exec"), module.__dict__)  # noqa: S102 - the user's generator
    except FmbenchError:
        sys.modules.pop(name, None)
        raise
    except Exception as exc:  # noqa: BLE001 - the user's module may raise anything (SyntaxError, ...)
        sys.modules.pop(name, None)
        raise ConfigError(
            f"{where}: importing {path} raised {type(exc).__name__}: {_one_line(exc)}"
        ) from None
    finally:
        try:
            sys.path.remove(str(folder))
        except ValueError:  # the module removed it itself
            pass
        for other in sorted(set(sys.modules) - before - {name}):
            file = _under(sys.modules[other], folder)
            if file is not None:
                helpers[file.relative_to(folder).as_posix()] = file.read_bytes()
                del sys.modules[other]
    digest = hashlib.sha256(source)
    for rel, data in sorted(helpers.items()):
        digest.update(f"\0{rel}\0".encode() + hashlib.sha256(data).digest())
    return module, digest.hexdigest()[:16]


def _import_module(module_ref: str, base: Path | None, where: str, ref: str) -> tuple[ModuleType, str]:
    """The module part of an import path: a .py file, or a dotted name next to the card, or on sys.path."""
    if module_ref.endswith(".py"):
        path = Path(module_ref).expanduser()
        if not path.is_absolute():
            path = (base or Path.cwd()) / path
        if not path.is_file():
            raise ConfigError(f"{where}: {ref!r}: no such file {path}")
        return _exec_file(path, where)
    if not all(part.isidentifier() for part in module_ref.split(".")):
        raise ConfigError(f"{where}: {ref!r} is not {_FORMS}")
    if base is not None:
        stem = base.joinpath(*module_ref.split("."))
        for candidate in (stem.with_name(stem.name + ".py"), stem / "__init__.py"):
            if candidate.is_file():
                return _exec_file(candidate, where)
    try:
        module = importlib.import_module(module_ref)
    except ImportError as exc:
        place = f"not next to the card (in {base}) and " if base is not None else ""
        raise ConfigError(
            f"{where}: {ref!r}: cannot import {module_ref!r} ({place}{_one_line(exc)})"
        ) from None
    except FmbenchError:
        raise
    except Exception as exc:  # noqa: BLE001 - the user's module may raise anything
        raise ConfigError(
            f"{where}: importing {module_ref!r} raised {type(exc).__name__}: {_one_line(exc)}"
        ) from None
    try:
        code = hashlib.sha256(inspect.getsource(module).encode()).hexdigest()[:16]
    except (OSError, TypeError):  # no source (a compiled extension): fingerprint the file itself
        file = getattr(module, "__file__", None)
        code = file_sha256(Path(file))[:16] if file else "no-source"
    return module, code


def resolve_generator(card: DatasetCard, card_file: str | Path | None = None) -> Generator:
    """The card's generator function and code fingerprint; a bad reference is one ConfigError line
    naming the card file and field (``datasets/DS-X.yaml: generator: …``)."""
    card_file = card_file if card_file is not None else card_source_file(card)
    where = _where(card, card_file)
    ref = (card.generator or "").strip()
    if not ref:
        raise ConfigError(f"{where}: generated datasets need a generator ({_FORMS})")
    if ":" not in ref:
        try:
            function = GENERATORS.get(ref)
        except FmbenchError as exc:
            raise ConfigError(f"{where}: {exc}; or 'module:function' of your own generator") from None
        module = inspect.getmodule(function)
        source = inspect.getsource(module) if module is not None else ""
        return Generator(function, hashlib.sha256(source.encode()).hexdigest()[:16], user=False)
    module_ref, _, attr = ref.rpartition(":")
    if not module_ref or not all(part.isidentifier() for part in attr.split(".")):
        raise ConfigError(f"{where}: {ref!r} is not {_FORMS}")
    module, code = _import_module(module_ref, _card_dir(card_file), where, ref)
    file = getattr(module, "__file__", None)
    function: Any = module
    for part in attr.split("."):
        function = getattr(function, part, None)
    if function is None:
        raise ConfigError(f"{where}: {ref!r}: {module_ref} has no function {attr!r}")
    if not callable(function):
        raise ConfigError(f"{where}: {ref!r}: {attr!r} is a {type(function).__name__}, not a function")
    return Generator(function, code, user=True, folder=Path(file).parent.resolve() if file else None)


def generator_problems(card: DatasetCard, card_file: str | Path | None = None) -> list[str]:
    """What is wrong with a generated card's generator reference (empty when it resolves)."""
    if card.source != "generated":
        return []
    try:
        resolve_generator(card, card_file)
    except FmbenchError as exc:
        return [exc.one_line()]
    return []


def _recipe(card: DatasetCard, generator: Generator) -> dict:
    """What determines a generated dataset: generator name and code, seed and parameters.

    The generator's source is hashed in, so editing a generator regenerates the data instead of
    silently serving files made by the old code.
    """
    return {"generator": card.generator, "seed": card.seed, "params": card.params, "code": generator.code}


def _hash_folder(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): file_sha256(p)
            for p in sorted(folder.rglob("*")) if p.is_file() and p.name != MANIFEST}


def _run_generator(card: DatasetCard, generator: Generator, out: Path, where: str) -> None:
    if not generator.user:
        generator.function(out, seed=card.seed, **card.params)
        return
    entry = str(generator.folder) if generator.folder is not None else None
    if entry:  # the generator may import its siblings when called
        sys.path.insert(0, entry)
    try:
        generator.function(out, seed=card.seed, **card.params)
    except Exception as exc:  # noqa: BLE001 - the user's generator may raise anything
        raise DataError(f"{where}: {card.generator} raised {type(exc).__name__}: {_one_line(exc)}") from None
    finally:
        if entry and entry in sys.path:
            sys.path.remove(entry)
    if not any(p.is_file() for p in out.rglob("*")):
        raise DataError(f"{where}: {card.generator} wrote no files into the folder it was given")


def generate_dataset(card: DatasetCard, data_dir: str | Path | None = None, *, force: bool = False,
                     card_file: str | Path | None = None) -> Path:
    """Make a generated dataset's folder if it is missing or was made with another recipe.

    ``card_file`` (default: the file the catalog read the card from) is where a ``module:function``
    generator is looked up first and what errors name.
    """
    card_file = card_file if card_file is not None else card_source_file(card)
    generator = resolve_generator(card, card_file)
    recipe = _recipe(card, generator)
    root = resolve_data_dir(data_dir)
    folder = root / card.id
    manifest_path = folder / MANIFEST
    if not force and manifest_path.exists():
        manifest = json.loads(manifest_path.read_text())
        if manifest.get("recipe") == recipe:
            return folder
    check_writable_data_dir(root)
    root.mkdir(parents=True, exist_ok=True)
    tmp = temp_folder(root, prefix=f".{card.id}.")
    try:
        _run_generator(card, generator, tmp, _where(card, card_file))
        files = _hash_folder(tmp)
        manifest = {"dataset_id": card.id, "recipe": recipe, "files": files,
                    "digest": combined_digest(files)}
        (tmp / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
        if folder.exists():
            shutil.rmtree(folder)
        os.replace(tmp, folder)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return folder


def dataset_identity(card: DatasetCard, data_dir: str | Path | None = None) -> str:
    """What determines a dataset's content, known before it is loaded (a sweep's cell keys).

    Generated: its recipe (generator, its code, seed, params); pinned files: their digests; other
    local data: the digest of the folder's files where this machine has it; otherwise (package
    data, a folder only the workers see) the card itself."""
    if card.source == "generated":
        recipe = _recipe(card, resolve_generator(card))
        text = json.dumps(recipe, sort_keys=True, separators=(",", ":"), default=str)
        return "recipe:" + hashlib.sha256(text.encode()).hexdigest()
    if card.files:
        return combined_digest({f.path: f.sha256 for f in card.files})
    if card.source == "file":
        folder = dataset_folder(card, data_dir)
        if folder.is_dir():
            return combined_digest(_hash_folder(folder))
    text = json.dumps(card.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
    return "card:" + hashlib.sha256(text.encode()).hexdigest()


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


def dataset_folder(card: DatasetCard, data_dir: str | Path | None, *,
                   card_file: str | Path | None = None) -> Path:
    if card.source == "generated":
        return generate_dataset(card, data_dir, card_file=card_file)
    if "path" in card.params:
        return Path(card.params["path"]).expanduser()
    return resolve_data_dir(data_dir) / card.id


def load_dataset(card: DatasetCard, data_dir: str | Path | None = None, *,
                 card_file: str | Path | None = None) -> Dataset:
    """Generate (if needed), verify and load a dataset."""
    if card.source == "external":
        raise DataError(
            f"dataset {card.id} ({card.name}) is external: fmbench cannot obtain it; "
            f"get it from {card.url or 'its provider'} and describe it with a card of source 'file'"
        )
    loader = LOADERS.get(card.loader or "npy_table")
    if card.source == "package":
        return loader(Path("."), card, "")
    folder = dataset_folder(card, data_dir, card_file=card_file)
    if not folder.exists():
        raise DataError(
            f"dataset {card.id}: folder {folder} not found; check the card's params.path or --data-dir"
        )
    if card.source == "generated":
        manifest = json.loads((folder / MANIFEST).read_text())
        digest = verify_folder(folder, manifest["files"], what=f"the manifest of {card.id}")
    elif card.files:
        digest = verify_folder(folder, {f.path: f.sha256 for f in card.files}, what=f"dataset card {card.id}")
    else:
        digest = combined_digest(_hash_folder(folder))
    return loader(folder, card, digest)
