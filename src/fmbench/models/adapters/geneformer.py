"""``type: geneformer``: rank-value encoding of single-cell expression, then a BERT encoder.

```yaml
model_id: geneformer-v1
type: geneformer
path: /models/Geneformer/gf-6L-30M-i2048        # BertModel / BertForMaskedLM folder
gene_median_file: /models/Geneformer/gene_median_dictionary.pkl   # {ensembl_id: median}
token_dictionary_file: /models/Geneformer/token_dictionary.pkl    # {ensembl_id: token id, "<pad>": 0, ...}
genes_file: genes.txt      # one gene id per column of X (else the dataset's feature_names)
special_tokens: false      # true for Geneformer V2 (<cls> ... <eos>)
layer: -2                  # Geneformer's EmbExtractor default: the penultimate layer
```

Tokenisation of one cell (as Geneformer's ``TranscriptomeTokenizer``): keep the genes present in
both dictionaries; scale the counts to ``target_sum`` (10,000) total counts, where the total
is over all genes of the row; divide each gene by its median; drop genes with zero counts;
sort the rest by normalised expression, highest first (ties keep the column order); map to
token ids; truncate to ``max_length`` (default: the model's ``max_position_embeddings``),
keeping room for ``<cls>``/``<eos>`` when ``special_tokens`` is on. The cell embedding is the
mean of the chosen layer's hidden states over the gene tokens (special tokens and padding
excluded). Dictionaries may be pickles (as Geneformer ships them; only load files you trust)
or JSON objects.
"""

from __future__ import annotations

import json
import pickle
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import Field

from fmbench.errors import ConfigError, DataError
from fmbench.models.adapters._common import Encoder, EncoderOptions, local_file, pad_ids, parse_options
from fmbench.models.capabilities import declare_methods
from fmbench.models.config import ModelConfig
from fmbench.models.factory import MODEL_TYPES
from fmbench.progress import report_batch


class GeneformerOptions(EncoderOptions):
    gene_median_file: str = Field(
        description="Per-gene median dictionary (pickle or JSON) {gene id: median}."
    )
    token_dictionary_file: str = Field(description="Token dictionary (pickle or JSON) {gene id: token id}.")
    genes_file: str | None = Field(
        None, description="Gene id of each column of X, one per line (default: the dataset's feature_names)."
    )
    target_sum: float = Field(10_000.0, gt=0, description="Total counts each cell is scaled to.")
    special_tokens: bool = Field(False, description="Wrap cells in <cls> ... <eos> (Geneformer V2).")
    layer: int = Field(
        -2, description="Hidden-state layer to pool; -2 (penultimate) as Geneformer's EmbExtractor."
    )


def read_dictionary(path: Path, *, model_id: str, field: str) -> dict[str, Any]:
    try:
        if path.suffix == ".json":
            data = json.loads(path.read_text(encoding="utf-8"))
        else:
            with open(path, "rb") as fh:
                data = pickle.load(fh)  # noqa: S301 - the user's own dictionary file, named in their config
    except (OSError, ValueError, pickle.UnpicklingError, EOFError) as exc:
        raise ConfigError(f"model {model_id}: {field} {path} cannot be read ({exc})") from None
    if not isinstance(data, dict):
        raise ConfigError(f"model {model_id}: {field} {path} must hold a mapping gene id -> value")
    return {str(k): v for k, v in data.items()}


class RankValueTokenizer:
    """Geneformer's rank-value encoding of expression rows into token id lists."""

    def __init__(
        self,
        gene_medians: dict[str, float],
        token_ids: dict[str, int],
        *,
        max_length: int,
        target_sum: float = 10_000.0,
        special_tokens: bool = False,
    ) -> None:
        self.medians, self.tokens = gene_medians, token_ids
        self.max_length, self.target_sum, self.special = max_length, target_sum, special_tokens
        self.genes: list[str] | None = None
        if special_tokens and not {"<cls>", "<eos>"} <= set(token_ids):
            raise ConfigError("special_tokens: true needs <cls> and <eos> in the token dictionary")

    def set_genes(self, genes: list[str]) -> None:
        self.genes = [str(g) for g in genes]
        keep = [i for i, g in enumerate(self.genes) if g in self.medians and g in self.tokens]
        if not keep:
            raise DataError(
                "none of the dataset's genes are in both the gene median and token dictionaries; "
                "check that the gene ids are of the same kind (e.g. Ensembl ids)"
            )
        self.cols = np.array(keep, dtype=int)
        self.col_medians = np.array([float(self.medians[self.genes[i]]) for i in keep])
        self.col_tokens = np.array([int(self.tokens[self.genes[i]]) for i in keep], dtype=np.int64)

    def __call__(self, X: np.ndarray) -> list[list[int]]:
        if self.genes is None:
            raise ConfigError(
                "the Geneformer adapter does not know the gene of each column: set genes_file, "
                "or use a dataset that provides feature_names"
            )
        X = np.asarray(X, dtype=np.float64)
        if X.ndim != 2 or X.shape[1] != len(self.genes):
            raise DataError(
                f"expression matrix has shape {X.shape}, expected (cells, {len(self.genes)} genes)"
            )
        totals = X.sum(axis=1, keepdims=True)
        totals[totals == 0] = 1.0
        norm = X[:, self.cols] / totals * self.target_sum / self.col_medians
        budget = self.max_length - (2 if self.special else 0)
        out = []
        for i, row in enumerate(norm):
            nz = np.flatnonzero(row > 0)
            if len(nz) == 0:
                raise DataError(f"cell in row {i} expresses none of the genes in the token dictionary")
            order = nz[np.argsort(-row[nz], kind="stable")]
            ids = self.col_tokens[order][:budget].tolist()
            if self.special:
                ids = [int(self.tokens["<cls>"]), *ids, int(self.tokens["<eos>"])]
            out.append(ids)
        return out


class GeneformerModel(Encoder):
    def __init__(self, config: ModelConfig, opts: GeneformerOptions) -> None:
        super().__init__(config, opts, load_tokenizer=False)
        medians = read_dictionary(
            local_file(config, opts.gene_median_file, "gene_median_file"),
            model_id=config.model_id,
            field="gene_median_file",
        )
        tokens = read_dictionary(
            local_file(config, opts.token_dictionary_file, "token_dictionary_file"),
            model_id=config.model_id,
            field="token_dictionary_file",
        )
        self.pad_id = int(tokens.get("<pad>", self.pad_id))
        self.tokenizer_rv = RankValueTokenizer(
            medians,
            tokens,
            max_length=self.max_length,
            target_sum=opts.target_sum,
            special_tokens=opts.special_tokens,
        )
        if opts.genes_file:
            path = local_file(config, opts.genes_file, "genes_file")
            self.tokenizer_rv.set_genes([ln.strip() for ln in path.read_text().splitlines() if ln.strip()])

    def set_feature_names(self, names: list[str]) -> None:
        if self.tokenizer_rv.genes is None:
            self.tokenizer_rv.set_genes(names)

    def embed(self, X: Any) -> np.ndarray:
        seqs = self.tokenizer_rv(X)
        out = []
        for lo in range(0, len(seqs), self.opts.batch_size):
            ids, att = pad_ids(self.torch, seqs[lo : lo + self.opts.batch_size], self.pad_id, self.device)
            pool_mask = att.clone()
            if self.tokenizer_rv.special:
                pool_mask[:, 0] = 0
                pool_mask[self.torch.arange(len(ids)), att.sum(1) - 1] = 0
            out.append(self.forward(ids, att, pool_mask))
            report_batch(len(ids))
        return np.concatenate(out)


@MODEL_TYPES.register("geneformer")
def build(config: ModelConfig) -> GeneformerModel:
    return GeneformerModel(config, parse_options(config, GeneformerOptions))


declare_methods("geneformer", GeneformerModel)
