"""``type: dna_lm``: DNA language models (DNABERT, DNABERT-2, Nucleotide Transformer style).

```yaml
model_id: nt-50m
type: dna_lm
path: /models/nucleotide-transformer-v2-50m
tokenizer: model          # model: the folder's own tokenizer (BPE, 6-mer, ...) on the raw sequence
                          # kmer: overlapping k-mers joined by spaces, then the folder's k-mer vocabulary
k: 6                      # k-mer length (tokenizer: kmer), DNABERT-1 style
stride: 1                 # step between k-mers (1: overlapping)
pooling: mean             # mean over every non-padding token ([CLS] and [SEP] included) | cls
max_length: 512           # tokens per sequence, specials included (default: the tokenizer's / model's maximum)
truncate: false           # a sequence longer than max_length is refused; true keeps its first max_length tokens
trust_remote_code: false  # DNABERT-2 ships its own modelling code; true runs it from the local folder
```

Sequences are upper-cased, ``U`` becomes ``T``; with ``tokenizer: kmer`` only A, C, G, T and N
are accepted. ``embed(seqs)`` takes a list or numpy string array and returns one pooled vector
per sequence.

A sequence whose tokens (``[CLS]`` and ``[SEP]`` included) exceed ``max_length`` is refused with a
DataError naming the row, its length and the limit, since a model that never sees the end of a
sequence is not the model the suite describes. ``truncate: true`` keeps the first ``max_length``
tokens instead; every record of such a run says so in ``provenance.warnings``.
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
from pydantic import Field

from fmbench.errors import RowDataError
from fmbench.models.adapters._common import Encoder, EncoderOptions, as_texts, parse_options, truncation_notes
from fmbench.models.capabilities import declare_methods, declare_notes
from fmbench.models.config import ModelConfig
from fmbench.models.factory import MODEL_TYPES

DNA = set("ACGTN")


class DnaOptions(EncoderOptions):
    tokenizer: Literal["model", "kmer"] = Field("model", description="The folder's own tokenizer, or k-mers.")
    k: int = Field(6, ge=1, le=12, description="k-mer length (tokenizer: kmer).")
    stride: int = Field(1, ge=1, description="Step between consecutive k-mers (tokenizer: kmer).")


def kmers(seq: str, k: int, stride: int = 1) -> list[str]:
    """``ACGTAC`` with k=3 -> ``[ACG, CGT, GTA, TAC]`` (stride 1); a shorter sequence is one token."""
    if len(seq) <= k:
        return [seq] if seq else []
    return [seq[i : i + k] for i in range(0, len(seq) - k + 1, stride)]


def clean_sequences(X: Any, *, strict: bool) -> list[str]:
    seqs = [s.strip().upper().replace("U", "T") for s in as_texts(X, "DNA sequence")]
    if strict:
        for i, s in enumerate(seqs):
            bad = set(s) - DNA
            if bad:
                raise RowDataError(i, f"sequence in row {{row}} holds characters {sorted(bad)}; expected A, C, G, T, N")
    return seqs


class DnaLanguageModel(Encoder):
    def embed(self, X: Any) -> np.ndarray:
        opts: DnaOptions = self.opts  # type: ignore[assignment]
        seqs = clean_sequences(X, strict=opts.tokenizer == "kmer")
        texts = [" ".join(kmers(s, opts.k, opts.stride)) for s in seqs] if opts.tokenizer == "kmer" else seqs
        how = f"{opts.k}-mers, stride {opts.stride}" if opts.tokenizer == "kmer" else "its tokenizer"
        return self.embed_texts(
            texts,
            lambda i, n: f"sequence in row {{row}} ({len(seqs[i]):,} bases) is {n:,} tokens ({how}, specials "
            "included)",
        )


@MODEL_TYPES.register("dna_lm")
def build(config: ModelConfig) -> DnaLanguageModel:
    return DnaLanguageModel(config, parse_options(config, DnaOptions))


declare_methods("dna_lm", DnaLanguageModel)
declare_notes("dna_lm", truncation_notes)
