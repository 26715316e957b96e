"""Which protocol methods a model may offer, read from its config without building it.

Building a foundation model loads its weights (seconds to minutes); a protocol that needs a
method the model lacks (a sentence encoder has ``embed`` but no ``predict_proba``) says so
before that, with a hint (``run with --protocol linear_probe``). The answer is the set of
methods the model *may* have: a method outside it, the model certainly lacks; one inside it is
still checked when called. ``None`` means only building the model would tell (an in-memory
object, a factory function, a class with ``__getattr__``, an adapter type that declared nothing).

Built-in baselines and ``python_class`` models are read from their class; adapter types declare
theirs with ``declare_methods`` (a class, or a function of the config such as the ``command``
adapter's ``methods`` list).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fmbench.errors import FmbenchError
from fmbench.models.config import ModelConfig

PROTOCOL_METHODS = ("predict_proba", "fit", "embed", "generate", "reconstruct")

_DECLARED: dict[str, Callable[[ModelConfig], frozenset[str] | None]] = {}
_NOTES: dict[str, Callable[[ModelConfig], list[str]]] = {}


def methods_of(obj: Any) -> frozenset[str]:
    """The protocol methods an object or class has."""
    return frozenset(m for m in PROTOCOL_METHODS if callable(getattr(obj, m, None)))


def _class_methods(cls: Any) -> frozenset[str] | None:
    if not isinstance(cls, type) or "__getattr__" in dir(cls):
        return None
    return methods_of(cls)


def declare_methods(model_type: str, source: type | Callable[[ModelConfig], frozenset[str] | None]) -> None:
    """Say which methods models of an adapter type may have: the class its factory builds (all
    methods it defines or may set), or a function of the config."""
    if isinstance(source, type):
        methods = methods_of(source)
        _DECLARED[model_type] = lambda config: methods
    else:
        _DECLARED[model_type] = source


def possible_methods(config: ModelConfig) -> frozenset[str] | None:
    """The methods the config's model may have, or None when only building it would tell."""
    from fmbench.models.factory import BASELINES, MODEL_TYPES, import_class_module

    if config.type == "builtin":
        name = config.baseline or config.model_id
        return _class_methods(BASELINES.get(name)) if name in BASELINES else None
    if config.type == "python_class":
        module_name, _, attr = (config.import_path or "").partition(":")
        try:
            module = import_class_module(config)
        except FmbenchError:
            return None  # building the model reports the import problem in full
        return _class_methods(getattr(module, attr, None)) if module_name and attr else None
    if config.type in MODEL_TYPES:  # importing the adapters lets each declare its methods
        declared = _DECLARED.get(config.type)
        return declared(config) if declared is not None else None
    return None


def declare_notes(model_type: str, notes: Callable[[ModelConfig], list[str]]) -> None:
    """Say which warnings a config of an adapter type puts in every record it runs (e.g. dna_lm's
    ``truncate: true``): read from the config, so a run served from the output cache says them too."""
    _NOTES[model_type] = notes


def config_notes(config: ModelConfig) -> list[str]:
    """The warnings the config's adapter type declared for it (none for other types)."""
    from fmbench.models.factory import MODEL_TYPES

    if config.type in {"builtin", "python_class"} or config.type not in MODEL_TYPES:
        return []
    notes = _NOTES.get(config.type)
    return notes(config) if notes is not None else []
