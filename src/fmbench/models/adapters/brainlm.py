"""``type: brainlm``: a BrainLM-style masked autoencoder for ROI time series on transformers' ViT-MAE.

```yaml
model_id: brainlm-tiny
type: brainlm
path: /models/brainlm-vitmae      # ViTMAEForPreTraining (embed + reconstruct) or ViTMAEModel (embed)
pooling: mean                     # mean over the real patch tokens | cls
hide_threshold: 0.5               # a patch is hidden when at least this share of its entries is
```

**Layout.** BrainLM cuts each ROI's series into windows and makes one token per (ROI, window).
The stock ViT-MAE takes a square one-channel image of side ``image_size`` cut into
``patch_size`` x ``patch_size`` patches, i.e. a ``G x G`` grid of tokens (``G = image_size /
patch_size``) of ``w = patch_size**2`` values each. A sample ``(ROIs, T)`` is laid out so that
**grid row r is ROI r and grid column j is time window j** (timepoints ``j*w .. j*w+w-1``,
written into the patch row by row). ROIs beyond ``G`` or windows beyond ``G`` do not fit
(an error says so); unused rows/columns and the tail of a last partial window are zero padding.
The 2-D sin-cos position embedding of ViT-MAE thus encodes (ROI, time window).

**embed(X)** with ``X`` of shape (n, ROIs, T): the encoder sees every patch (mask ratio 0, order
kept); the embedding is the mean of the last hidden states over the real (non-padding)
patch tokens, or the CLS token.

**reconstruct(X_masked, mask)** (``mask`` True = hidden, as the BM-BRAIN-MAE protocol passes
it): a patch whose share of hidden entries is at least ``hide_threshold`` is removed from the
encoder input, exactly as in MAE pre-training; the decoder predicts every patch; ``X_hat`` is
the prediction laid back into (ROIs, T), with observed entries copied from ``X_masked``.
Checkpoints trained with ``norm_pix_loss`` predict per-patch normalised values and are refused
for reconstruction.
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
from pydantic import Field

from fmbench.errors import DataError, ModelError
from fmbench.models.adapters._common import (
    TorchOptions,
    load_pretrained,
    local_dir,
    parse_options,
    require_fm,
)
from fmbench.models.capabilities import declare_methods
from fmbench.models.config import ModelConfig
from fmbench.models.factory import MODEL_TYPES
from fmbench.progress import report_batch


class BrainLMOptions(TorchOptions):
    pooling: Literal["mean", "cls"] = Field("mean", description="Mean over real patch tokens, or CLS.")
    hide_threshold: float = Field(0.5, gt=0, le=1, description="Share of hidden entries that hides a patch.")


class PatchLayout:
    """(ROIs, T) series <-> the G x G grid of p x p patches (row = ROI, column = time window)."""

    def __init__(self, image_size: int, patch_size: int) -> None:
        if image_size % patch_size:
            raise ValueError("image_size must be a multiple of patch_size")
        self.p, self.G = patch_size, image_size // patch_size
        self.w = patch_size * patch_size

    def check(self, R: int, T: int) -> int:
        n_win = -(-T // self.w)
        if R > self.G or n_win > self.G:
            raise DataError(
                f"series of {R} ROIs x {T} timepoints need a {R} x {n_win} grid of {self.w}-point "
                f"windows, but the model's grid is {self.G} x {self.G}"
            )
        return n_win

    def to_patches(self, X: np.ndarray) -> np.ndarray:
        """(n, R, T) -> (n, G*G, w) patch values in the grid's row-major order."""
        n, R, T = X.shape
        n_win = self.check(R, T)
        P = np.zeros((n, self.G, self.G, self.w), dtype=np.float32)
        padded = np.zeros((n, R, n_win * self.w), dtype=np.float32)
        padded[:, :, :T] = X
        P[:, :R, :n_win] = padded.reshape(n, R, n_win, self.w)
        return P.reshape(n, self.G * self.G, self.w)

    def to_image(self, patches: np.ndarray) -> np.ndarray:
        """(n, G*G, w) -> (n, 1, G*p, G*p), the inverse of ViT-MAE's patchify."""
        n = len(patches)
        x = patches.reshape(n, self.G, self.G, self.p, self.p).transpose(0, 1, 3, 2, 4)
        return x.reshape(n, 1, self.G * self.p, self.G * self.p)

    def from_patches(self, patches: np.ndarray, R: int, T: int) -> np.ndarray:
        n_win = self.check(R, T)
        grid = patches.reshape(len(patches), self.G, self.G, self.w)[:, :R, :n_win]
        return grid.reshape(len(patches), R, n_win * self.w)[:, :, :T]

    def real_tokens(self, R: int, T: int) -> np.ndarray:
        n_win = self.check(R, T)
        real = np.zeros((self.G, self.G), dtype=bool)
        real[:R, :n_win] = True
        return real.reshape(-1)


class BrainLM:
    def __init__(self, config: ModelConfig, opts: BrainLMOptions) -> None:
        torch, tf = require_fm(config)
        self.torch, self.config, self.opts = torch, config, opts
        folder = local_dir(config, opts.path)
        cfg = tf.AutoConfig.from_pretrained(str(folder), local_files_only=True)
        if cfg.model_type != "vit_mae" or getattr(cfg, "num_channels", 1) != 1:
            raise ModelError(
                f"model {config.model_id}: {folder} holds a {cfg.model_type!r} model; brainlm needs "
                "a one-channel ViT-MAE (ViTMAEForPreTraining or ViTMAEModel)"
            )
        self.pretraining = "ViTMAEForPreTraining" in (cfg.architectures or [])
        cls = tf.ViTMAEForPreTraining if self.pretraining else tf.ViTMAEModel
        self.model = load_pretrained(cls, config, folder, opts)
        self.device = next(self.model.parameters()).device
        self.encoder = self.model.vit if self.pretraining else self.model
        size = cfg.image_size if isinstance(cfg.image_size, int) else cfg.image_size[0]
        patch = cfg.patch_size if isinstance(cfg.patch_size, int) else cfg.patch_size[0]
        self.layout = PatchLayout(int(size), int(patch))
        if self.pretraining:
            self.reconstruct = self._reconstruct

    def _series(self, X: Any, what: str) -> np.ndarray:
        X = np.asarray(X, dtype=np.float32)
        if X.ndim != 3:
            raise DataError(f"{what} must have shape (samples, ROIs, timepoints), got {X.shape}")
        return X

    def _run(self, model: Any, patches: np.ndarray, hidden: np.ndarray | None) -> Any:
        """Forward with a fixed mask: patches with ``hidden`` True removed, the rest in order."""
        torch = self.torch
        n, L, _ = patches.shape
        n_hidden = 0 if hidden is None else int(hidden[0].sum())
        noise = np.broadcast_to(np.arange(L, dtype=np.float32), (n, L)).copy()
        if hidden is not None:
            noise += hidden * L  # hidden patches sort last and are dropped
        pixel = torch.from_numpy(self.layout.to_image(patches)).to(self.device, dtype=self.model.dtype)
        cfg = self.encoder.config
        old = cfg.mask_ratio
        cfg.mask_ratio = (n_hidden - 0.5) / L if n_hidden else 0.0  # keeps exactly L - n_hidden patches
        try:
            with torch.inference_mode():
                return model(pixel_values=pixel, noise=torch.from_numpy(noise).to(self.device))
        finally:
            cfg.mask_ratio = old

    def embed(self, X: Any) -> np.ndarray:
        X = self._series(X, "embed() input")
        n, R, T = X.shape
        real = self.torch.from_numpy(self.layout.real_tokens(R, T)).to(self.device)
        out = []
        for lo in range(0, n, self.opts.batch_size):
            patches = self.layout.to_patches(X[lo : lo + self.opts.batch_size])
            hidden = self._run(self.encoder, patches, None).last_hidden_state
            if self.opts.pooling == "cls":
                vec = hidden[:, 0]
            else:
                vec = hidden[:, 1:][:, real].mean(1)
            out.append(vec.float().cpu().numpy())
            report_batch(len(patches))
        return np.concatenate(out)

    def _reconstruct(self, X_masked: Any, mask: Any) -> np.ndarray:
        if self.model.config.norm_pix_loss:
            raise ModelError(
                f"model {self.config.model_id}: trained with norm_pix_loss, its predictions are "
                "per-patch normalised and cannot be used as reconstructions"
            )
        X = self._series(X_masked, "reconstruct() input")
        M = np.asarray(mask, dtype=bool)
        if M.shape != X.shape:
            raise DataError(f"mask shape {M.shape} differs from the input's {X.shape}")
        n, R, T = X.shape
        share = self.layout.to_patches(M.astype(np.float32)).mean(-1)  # padding counts as observed
        hidden = share >= self.opts.hide_threshold
        counts = hidden.sum(1)
        patches_all = self.layout.to_patches(X)
        pred = np.zeros_like(patches_all)
        for c in np.unique(counts):  # one fixed number of kept patches per forward pass
            rows = np.flatnonzero(counts == c)
            for lo in range(0, len(rows), self.opts.batch_size):
                idx = rows[lo : lo + self.opts.batch_size]
                logits = self._run(self.model, patches_all[idx], hidden[idx]).logits
                pred[idx] = logits.float().cpu().numpy()
        X_hat = self.layout.from_patches(pred, R, T).astype(np.float64)
        return np.where(M, X_hat, np.asarray(X_masked, dtype=np.float64))


@MODEL_TYPES.register("brainlm")
def build(config: ModelConfig) -> BrainLM:
    return BrainLM(config, parse_options(config, BrainLMOptions))


# reconstruct() exists only for ViTMAEForPreTraining checkpoints, which only loading tells
declare_methods("brainlm", lambda config: frozenset({"embed", "reconstruct"}))
