"""Build a model object from its config; adapters register further types in MODEL_TYPES."""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

from fmbench.errors import ConfigError, FmbenchError, ModelError
from fmbench.models.config import ModelConfig
from fmbench.models.import_closure import remember_imported
from fmbench.registry import Registry

BASELINES: Registry = Registry("built-in model", discover="fmbench.models.baselines")
MODEL_TYPES: Registry[Callable[[ModelConfig], Any]] = Registry(
    "model type", discover="fmbench.models.adapters")


def _no_extra(config: ModelConfig) -> None:
    if config.options:
        raise ConfigError(
            f"model {config.model_id}: unknown field(s) {sorted(config.options)} for type {config.type!r}"
        )


def _construct(cls: Any, config: ModelConfig) -> Any:
    try:
        return cls(**config.init_kwargs)
    except TypeError as exc:
        raise ConfigError(f"model {config.model_id}: init_kwargs do not fit {cls.__name__}: {exc}") from None
    except Exception as exc:  # noqa: BLE001 - the user's constructor may raise anything
        raise ModelError(f"model {config.model_id}: constructor raised {type(exc).__name__}: {exc}") from None


@MODEL_TYPES.register("builtin")
def _builtin(config: ModelConfig) -> Any:
    _no_extra(config)
    return _construct(BASELINES.get(config.baseline or config.model_id), config)


# Modules imported from a model YAML's folder: module name -> that folder. At most one folder's
# module of a given name is in sys.modules; loading another folder's evicts the previous one.
_LOCAL_MODULES: dict[str, Path] = {}

# Modules first imported along with a model's class module (module name -> their names), including
# any it imports by computed name, which reading its source cannot find: the output cache records
# them with its entries and checks them again before reusing the entries (fmbench.models.build_imports).
IMPORTED_WITH: dict[str, set[str]] = {}


def _split_import_path(config: ModelConfig) -> tuple[str, str]:
    if not config.import_path or ":" not in config.import_path:
        raise ConfigError(f"model {config.model_id}: import_path must look like 'package.module:Class'")
    module_name, _, attr = config.import_path.partition(":")
    if not module_name or not all(part.isidentifier() for part in module_name.split(".")):
        raise ConfigError(f"model {config.model_id}: import_path must look like 'package.module:Class'")
    return module_name, attr


def local_module_file(module_name: str, base_dir: Path | None) -> Path | None:
    """The file of ``module_name`` under ``base_dir`` (``a/b.py`` or ``a/b/__init__.py``), if there."""
    if base_dir is None:
        return None
    stem = base_dir.joinpath(*module_name.split("."))
    for candidate in (stem.with_name(stem.name + ".py"), stem / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def _is_under(module: ModuleType, folder: Path) -> bool:
    """Whether the module's file (or, for a namespace package, one of its folders) is in ``folder``."""
    places = [getattr(module, "__file__", None), *list(getattr(module, "__path__", None) or [])]
    try:
        root = folder.resolve()
        return any(p and Path(p).resolve().is_relative_to(root) for p in places)
    except (OSError, TypeError):
        return False


def _same_file(module: ModuleType | None, path: Path) -> bool:
    file = getattr(module, "__file__", None)
    try:
        return bool(file) and os.path.samefile(file, path)
    except OSError:
        return False


def _import_local(config: ModelConfig, module_name: str, base_dir: Path, file: Path) -> ModuleType:
    """Import ``module_name`` from ``base_dir``: on sys.path only while it is imported."""
    loaded = sys.modules.get(module_name)
    if _same_file(loaded, file):
        return loaded  # type: ignore[return-value]
    top = module_name.split(".")[0]
    for name, folder in list(_LOCAL_MODULES.items()):  # another YAML folder's module of a name found here
        if folder != base_dir and local_module_file(name.split(".")[0], base_dir) is not None:
            sys.modules.pop(name, None)
            del _LOCAL_MODULES[name]
    clash = sys.modules.get(top)
    if clash is not None and not _is_under(clash, base_dir):
        where = getattr(clash, "__file__", None) or "a built-in module"
        raise ConfigError(
            f"model {config.model_id}: {file} cannot be imported as {top!r}: a module of that name is "
            f"already imported (from {where}); rename {file.name}"
        )
    before = set(sys.modules)
    entry = str(base_dir)
    sys.path.insert(0, entry)
    importlib.invalidate_caches()
    try:
        return importlib.import_module(module_name)
    finally:
        try:
            sys.path.remove(entry)
        except ValueError:  # the module removed it itself
            pass
        for name in set(sys.modules) - before:  # the module and the siblings it imported from base_dir
            module = sys.modules.get(name)
            if module is not None and _is_under(module, base_dir):
                _LOCAL_MODULES[name] = base_dir


def import_class_module(config: ModelConfig) -> ModuleType:
    """The module of ``import_path``: from the model YAML's folder if it is there, else from sys.path."""
    module_name, _ = _split_import_path(config)
    file = local_module_file(module_name, config.base_dir)
    before = set(sys.modules)
    try:
        if file is not None and config.base_dir is not None:
            return _import_local(config, module_name, config.base_dir, file)
        return importlib.import_module(module_name)
    except ImportError as exc:
        missing = exc.name if isinstance(exc, ModuleNotFoundError) else None
        if missing is None:  # found, but an import inside it failed ("cannot import name ...")
            hint = ""
        elif not (module_name == missing or module_name.startswith(missing + ".")):
            hint = f"; importing it needs {missing!r}: is that installed?"
        elif config.base_dir is not None:
            hint = f"; put it next to the model YAML (in {config.base_dir}), install it, or use PYTHONPATH"
        else:
            hint = "; is it installed or on PYTHONPATH?"
        raise ConfigError(f"model {config.model_id}: cannot import {module_name!r} ({exc}){hint}") from None
    except FmbenchError:
        raise
    except Exception as exc:  # noqa: BLE001 - the user's module may raise anything (SyntaxError, ...)
        raise ModelError(
            f"model {config.model_id}: importing {module_name!r} raised {type(exc).__name__}: {exc}"
        ) from None
    finally:
        new = set(sys.modules) - before
        IMPORTED_WITH.setdefault(module_name, set()).update(new)
        remember_imported(new)


def preload_local_module(config: ModelConfig) -> None:
    """Import the config's ``import_path`` module now if it lives next to the model YAML."""
    if config.import_path and ":" in config.import_path:
        module_name = config.import_path.partition(":")[0]
        valid = all(p.isidentifier() for p in module_name.split("."))
        if valid and local_module_file(module_name, config.base_dir) is not None:
            import_class_module(config)


@MODEL_TYPES.register("python_class")
def _python_class(config: ModelConfig) -> Any:
    _no_extra(config)
    module_name, attr = _split_import_path(config)
    module = import_class_module(config)
    cls = getattr(module, attr, None)
    if cls is None:
        raise ConfigError(f"model {config.model_id}: module {module_name!r} has no attribute {attr!r}")
    return _construct(cls, config)


def build_model(config: ModelConfig) -> Any:
    return MODEL_TYPES.get(config.type)(config)
