"""Shared pieces of the adapters: option parsing, local paths, torch, batching, pooling.

torch and transformers are imported inside functions, so fmbench works without the ``fm``
extra and says "install fmbench[fm]" only when an adapter that needs them is used.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal, TypeVar

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from fmbench.errors import ConfigError, DataError, RowDataError, validation_messages
from fmbench.models.config import ModelConfig
from fmbench.progress import report_batch

OptT = TypeVar("OptT", bound=BaseModel)


class AdapterOptions(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TorchOptions(AdapterOptions):
    """Options every torch-backed adapter takes."""

    path: str = Field(description="Local folder written by save_pretrained (config.json + weights).")
    batch_size: int = Field(32, ge=1, description="Samples per forward pass.")
    device: Literal["auto", "cpu", "cuda"] = Field("auto", description="auto: cuda when available, else cpu.")
    dtype: Literal["float32", "float16", "bfloat16"] = Field("float32", description="Weights' dtype.")


def parse_options(config: ModelConfig, cls: type[OptT]) -> OptT:
    """Validate ``config.options``; the error names the model, the field and the problem."""
    try:
        return cls.model_validate(config.options)
    except ValidationError as exc:
        where = f"model {config.model_id} (type {config.type})"
        [line] = validation_messages(
            exc, prefix=where, first_only=True, root="(options)", render=_options_problem
        )
        raise ConfigError(line) from None


def _options_problem(loc: str, msg: str, err: Mapping[str, Any]) -> str:
    return f"{loc}: unknown field for this type" if err["type"] == "extra_forbidden" else f"{loc}: {msg}"


def require_fm(config: ModelConfig) -> tuple[Any, Any]:
    """(torch, transformers), or a ConfigError saying to install the fm extra."""
    try:
        import torch
        import transformers
    except ImportError as exc:
        raise ConfigError(
            f"model {config.model_id}: type {config.type!r} needs torch and transformers ({exc.name} is "
            "missing); install fmbench[fm]"
        ) from None
    return torch, transformers


def local_dir(
    config: ModelConfig, path: str, *, required: tuple[str, ...] = ("config.json",), field: str = "path"
) -> Path:
    """An existing local folder holding the required files, or a ConfigError naming what is missing."""
    p = Path(path).expanduser()
    if not p.is_dir():
        raise ConfigError(
            f"model {config.model_id}: {field} {p} is not an existing folder; point it at a local "
            "copy of the model (fmbench never downloads)"
        )
    for name in required:
        if not (p / name).is_file():
            raise ConfigError(
                f"model {config.model_id}: {p / name} not found; {field} must hold the files "
                "save_pretrained writes"
            )
    weights = (
        "model.safetensors",
        "pytorch_model.bin",
        "model.safetensors.index.json",
        "pytorch_model.bin.index.json",
    )
    if "config.json" in required and not any((p / w).is_file() for w in weights):
        raise ConfigError(
            f"model {config.model_id}: no weights in {p} (expected one of {', '.join(weights)})"
        )
    return p


def local_file(config: ModelConfig, path: str, field: str) -> Path:
    p = Path(path).expanduser()
    if not p.is_file():
        raise ConfigError(f"model {config.model_id}: {field} {p} not found")
    return p


def torch_device(torch: Any, device: str) -> Any:
    if device == "auto":
        device = "cuda" if torch.cuda.is_available() else "cpu"
    if device == "cuda" and not torch.cuda.is_available():
        raise ConfigError("device: cuda requested but torch sees no CUDA device; use device: cpu or auto")
    return torch.device(device)


def torch_dtype(torch: Any, name: str) -> Any:
    return {"float32": torch.float32, "float16": torch.float16, "bfloat16": torch.bfloat16}[name]


def load_pretrained(cls: Any, config: ModelConfig, folder: Path, opts: TorchOptions, **kw: Any) -> Any:
    """``cls.from_pretrained`` from a local folder only, in eval mode on the chosen device."""
    torch, tf = require_fm(config)
    tf.utils.logging.disable_progress_bar()
    try:
        # transformers >= 5 names the argument dtype; 4.x called it torch_dtype
        dtype_kw = "dtype" if int(tf.__version__.split(".")[0]) >= 5 else "torch_dtype"
        kw[dtype_kw] = torch_dtype(torch, opts.dtype)
        model = cls.from_pretrained(str(folder), local_files_only=True, **kw)
    except (OSError, ValueError) as exc:
        raise ConfigError(
            f"model {config.model_id}: cannot load {folder}: {' '.join(str(exc).split())[:300]}"
        ) from None
    return model.to(torch_device(torch, opts.device)).eval()


def pool(torch: Any, hidden: Any, mask: Any, how: str) -> Any:
    """cls: the first token; mean: the average over positions where ``mask`` is 1."""
    if how == "cls":
        return hidden[:, 0]
    m = mask.to(hidden.dtype).unsqueeze(-1)
    return (hidden * m).sum(1) / m.sum(1).clamp(min=1)


def as_texts(X: Any, what: str = "text") -> list[str]:
    """A list of strings from a list or a numpy string array; DataError otherwise."""
    items = X.tolist() if isinstance(X, np.ndarray) else list(X)
    for i, v in enumerate(items):
        if not isinstance(v, str):
            raise DataError(f"input row {i} is a {type(v).__name__}, not a {what}")
    return items


def is_token_ids(X: Any) -> bool:
    if isinstance(X, np.ndarray):
        return X.dtype.kind in "iu"
    return (
        len(X) > 0
        and isinstance(X[0], list | tuple | np.ndarray)
        and all(isinstance(t, int | np.integer) for t in X[0])
    )


def pad_ids(torch: Any, seqs: list[list[int]], pad_id: int, device: Any) -> tuple[Any, Any]:
    """Right-padded input_ids and attention_mask tensors of a batch of token id lists."""
    width = max(1, max(len(s) for s in seqs))
    ids = np.full((len(seqs), width), pad_id, dtype=np.int64)
    att = np.zeros((len(seqs), width), dtype=np.int64)
    for i, s in enumerate(seqs):
        ids[i, : len(s)] = s
        att[i, : len(s)] = 1
    return torch.from_numpy(ids).to(device), torch.from_numpy(att).to(device)


class EncoderOptions(TorchOptions):
    pooling: Literal["mean", "cls"] = Field(
        "mean", description="mean over non-padding tokens, or the first token."
    )
    max_length: int | None = Field(
        None,
        ge=1,
        description="Truncate inputs to this many tokens (default: the tokenizer's or the model's maximum).",
    )
    layer: int = Field(-1, description="Hidden-state layer to pool (-1: the last; -2: the one before).")
    truncate: bool = Field(
        False,
        description="false: an input longer than max_length tokens is a DataError; true: keep its first "
        "max_length tokens (the record's provenance.warnings says so).",
    )
    trust_remote_code: bool = Field(
        False,
        description="Allow the model folder's own modelling code "
        "(DNABERT-2 style checkpoints); it still loads from the local folder only.",
    )


TOKENIZER_FILES = ("tokenizer.json", "vocab.txt", "tokenizer_config.json", "vocab.json", "spiece.model")


def truncation_notes(config: ModelConfig) -> list[str]:
    """The record's warning for an encoder config that truncates (read from the config, so a run
    served from the cache says it too)."""
    if config.options.get("truncate") is True:
        return [
            f"model {config.model_id!r} ({config.type}, truncate: true): inputs longer than the model's "
            "max_length tokens were cut to their first max_length tokens; the model did not see their ends"
        ]
    return []


class Encoder:
    """A transformers encoder (AutoModel) turning token id sequences into pooled vectors."""

    def __init__(self, config: ModelConfig, opts: EncoderOptions, *, load_tokenizer: bool = True) -> None:
        torch, tf = require_fm(config)
        self.torch, self.config, self.opts = torch, config, opts
        folder = local_dir(config, opts.path)
        self.folder = folder
        self.model = load_pretrained(
            tf.AutoModel, config, folder, opts, trust_remote_code=opts.trust_remote_code
        )
        self.device = next(self.model.parameters()).device
        self.tokenizer = None
        if load_tokenizer and any((folder / f).is_file() for f in TOKENIZER_FILES):
            try:
                self.tokenizer = tf.AutoTokenizer.from_pretrained(
                    str(folder), local_files_only=True, trust_remote_code=opts.trust_remote_code
                )
            except (OSError, ValueError) as exc:
                raise ConfigError(
                    f"model {config.model_id}: cannot load the tokenizer in {folder}: "
                    f"{' '.join(str(exc).split())[:300]}"
                ) from None
        limits = [getattr(self.model.config, "max_position_embeddings", None)]
        if self.tokenizer is not None and self.tokenizer.model_max_length < 1_000_000:
            limits.append(self.tokenizer.model_max_length)
        known = [v for v in limits if isinstance(v, int) and v > 0]
        self.max_length = opts.max_length or (min(known) if known else 512)
        pad = self.tokenizer.pad_token_id if self.tokenizer is not None else None
        self.pad_id = pad if pad is not None else (getattr(self.model.config, "pad_token_id", None) or 0)

    def require_tokenizer(self, what: str) -> Any:
        if self.tokenizer is None:
            raise ConfigError(
                f"model {self.config.model_id}: {what} need a tokenizer, but {self.folder} holds no "
                f"tokenizer files ({', '.join(TOKENIZER_FILES)})"
            )
        return self.tokenizer

    def forward(self, ids: Any, att: Any, pool_mask: Any = None) -> np.ndarray:
        torch = self.torch
        with torch.inference_mode():
            out = self.model(input_ids=ids, attention_mask=att, output_hidden_states=self.opts.layer != -1)
            hidden = out.last_hidden_state if self.opts.layer == -1 else out.hidden_states[self.opts.layer]
            vec = pool(torch, hidden, att if pool_mask is None else pool_mask, self.opts.pooling)
        return vec.float().cpu().numpy()

    def refuse_too_long(self, lengths: list[int], describe: Any = None) -> None:
        """A DataError for the first input with more than ``max_length`` tokens, unless the config
        says ``truncate: true``: a model that never sees the end of an input is not the model the
        suite describes. ``describe(i, n_tokens)`` words the message (default: a generic input)."""
        if self.opts.truncate:
            return
        for i, n in enumerate(lengths):
            if n > self.max_length:
                what = describe(i, n) if describe is not None else f"input in row {{row}} is {n:,} tokens"
                raise RowDataError(
                    i,
                    f"{what}; model {self.config.model_id} takes at most {self.max_length:,}. Shorten or "
                    f"split the inputs, or set truncate: true in the model config to keep the first "
                    f"{self.max_length:,} tokens",
                )

    def embed_ids(self, seqs: list[list[int]], describe: Any = None) -> np.ndarray:
        """Pooled vectors of token id sequences (right-padded per batch); a sequence longer than
        ``max_length`` is refused (``refuse_too_long``) or, with ``truncate: true``, cut."""
        self.refuse_too_long([len(s) for s in seqs], describe)
        out = []
        for lo in range(0, len(seqs), self.opts.batch_size):
            batch = [list(s)[: self.max_length] for s in seqs[lo : lo + self.opts.batch_size]]
            ids, att = pad_ids(self.torch, batch, self.pad_id, self.device)
            out.append(self.forward(ids, att))
            report_batch(len(batch))
        return np.concatenate(out) if out else np.zeros((0, self.model.config.hidden_size), dtype=np.float32)

    def embed_texts(self, texts: list[str], describe: Any = None) -> np.ndarray:
        """Tokenise once (specials added; cut by the tokenizer, which keeps its end token, only with
        ``truncate: true``), then ``embed_ids``: the lengths it checks are the ids it embeds."""
        tok = self.require_tokenizer("text inputs")
        cut = self.opts.truncate
        ids = tok(texts, add_special_tokens=True, truncation=cut, max_length=self.max_length if cut else None,
                  verbose=False)["input_ids"]
        return self.embed_ids(ids, describe or (lambda i, n: f"text in row {{row}} is {n:,} tokens (specials included)"))

    def fingerprint_paths(self) -> list[str]:
        return [str(self.folder)]
