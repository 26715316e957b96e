"""Build a model object from its config; adapters register further types in MODEL_TYPES."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

from fmbench.errors import ConfigError, ModelError
from fmbench.models.config import ModelConfig
from fmbench.registry import Registry

BASELINES: Registry = Registry("built-in model", discover="fmbench.models.baselines")
MODEL_TYPES: Registry[Callable[[ModelConfig], Any]] = Registry("model type", discover="fmbench.models.adapters")


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


@MODEL_TYPES.register("python_class")
def _python_class(config: ModelConfig) -> Any:
    _no_extra(config)
    if not config.import_path or ":" not in config.import_path:
        raise ConfigError(f"model {config.model_id}: import_path must look like 'package.module:Class'")
    module_name, _, attr = config.import_path.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise ConfigError(
            f"model {config.model_id}: cannot import {module_name!r} ({exc}); is it installed or on PYTHONPATH?"
        ) from None
    cls = getattr(module, attr, None)
    if cls is None:
        raise ConfigError(f"model {config.model_id}: module {module_name!r} has no attribute {attr!r}")
    return _construct(cls, config)


def build_model(config: ModelConfig) -> Any:
    return MODEL_TYPES.get(config.type)(config)
