"""Model config YAML: how to load a model to run it.

``type: builtin`` names a baseline, ``python_class`` an import path; adapter types (added by
``fmbench.models.adapters``) take their own extra fields, which the adapter validates. A
``python_class`` module is looked up next to the config's YAML file first, then on ``sys.path``.
Any type may set ``allow_hard_labels: true`` (see ``fmbench.models.checks``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError

from fmbench.catalog.schema import ID_PATTERN
from fmbench.errors import ConfigError, validation_messages
from fmbench.records.digest import canonical_json, sha256_hex
from fmbench.yamlio import read_yaml


class ModelConfig(BaseModel):
    model_config = ConfigDict(frozen=True, extra="allow")

    model_id: str = Field(pattern=ID_PATTERN, description="Id the model gets in eval records.")
    name: str | None = Field(None, description="Display name (defaults to model_id).")
    type: str = Field("builtin", description="builtin | python_class | an adapter type.")
    baseline: str | None = Field(
        None, description="Built-in baseline name (type builtin; defaults to model_id).")
    import_path: str | None = Field(None, description="'package.module:Class' (type python_class).")
    init_kwargs: dict[str, Any] = Field(
        default_factory=dict, description="Keyword arguments for the constructor.")
    allow_hard_labels: bool = Field(
        False, description="Accept hard 0/1 labels from predict_proba (scored as they are; the record and "
        "the leaderboard row say so). Off: a model returning one-hot rows is refused.")
    # The folder of the YAML file the config was read from (None for catalog model cards). Not a
    # field, so neither ``model_dump`` nor ``digest`` sees it: the same YAML in two folders has one
    # digest; the output cache tells their modules apart by the module file's content instead.
    _base_dir: Path | None = PrivateAttr(None)

    @property
    def base_dir(self) -> Path | None:
        """Folder of the config's YAML file, where ``import_path`` modules are looked up first."""
        return self._base_dir

    @property
    def display_name(self) -> str:
        return self.name or self.model_id

    @property
    def options(self) -> dict[str, Any]:
        """Adapter-specific fields (everything not declared above)."""
        return dict(self.model_extra or {})

    def digest(self) -> str:
        data = self.model_dump(mode="json")
        if not data.get("allow_hard_labels"):  # the default keeps the digests earlier configs had
            data.pop("allow_hard_labels", None)
        return "sha256:" + sha256_hex(canonical_json(data))


def parse_model_config(data: Any, *, source: str, base_dir: str | Path | None = None) -> ModelConfig:
    if not isinstance(data, dict):
        raise ConfigError(f"{source}: expected a mapping with model_id and type")
    try:
        config = ModelConfig.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(validation_messages(exc, prefix=source, first_only=True)[0]) from None
    if base_dir is not None:
        config._base_dir = Path(base_dir).absolute()
    return config


def resolve_model_config(spec: str | Path, catalog: Any = None) -> tuple[ModelConfig, str]:
    """A path to a YAML file, or the id of a catalog model card that carries a config."""
    path = Path(spec)
    if path.suffix in {".yaml", ".yml"} or path.exists():
        source = str(path)
        config = parse_model_config(read_yaml(path), source=source, base_dir=path.absolute().parent)
        if config.type == "python_class":
            from fmbench.models.factory import preload_local_module

            # Import a module found next to the YAML now, so that everything that looks the module up
            # by name from here on (the output cache fingerprints its source file) sees this one.
            preload_local_module(config)
        return config, source
    if catalog is not None and str(spec) in catalog.models and catalog.models[str(spec)].config:
        card = catalog.models[str(spec)]
        cfg = {"name": card.name, **card.config}
        return parse_model_config(cfg, source=f"model card {card.id}"), f"model card {card.id}"
    runnable = sorted(m.id for m in (catalog.models.values() if catalog else []) if m.config)
    raise ConfigError(
        f"--model {spec}: not a model config file and not a built-in model id "
        f"(built-in: {', '.join(runnable)}); pass a YAML path"
    )
