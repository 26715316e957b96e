"""``type: huggingface``: any transformers encoder from a local folder (AutoModel + AutoTokenizer).

```yaml
model_id: my-bert
type: huggingface
path: /models/my-bert        # written by save_pretrained; nothing is downloaded
pooling: mean                # mean over non-padding tokens | cls (first token)
batch_size: 32
device: auto                 # cuda when available, else cpu
max_length: 512              # default: the tokenizer's / model's maximum
truncate: false              # a longer input is refused (naming its row); true keeps its first max_length tokens
dtype: float32
```

``embed(X)`` accepts texts (a list or numpy string array, tokenised by the folder's tokenizer)
or token ids (an integer array (n, L), where ids equal to the pad id count as padding, or a
list of id lists of any lengths). Fitting a probe on the embeddings is the protocol's job
(``linear_probe``), not the adapter's.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from fmbench.models.adapters._common import (
    Encoder,
    EncoderOptions,
    as_texts,
    is_token_ids,
    parse_options,
    truncation_notes,
)
from fmbench.models.capabilities import declare_methods, declare_notes
from fmbench.models.config import ModelConfig
from fmbench.models.factory import MODEL_TYPES


class HuggingFaceEncoder(Encoder):
    def embed(self, X: Any) -> np.ndarray:
        if is_token_ids(X):
            if isinstance(X, np.ndarray) and X.ndim == 2:
                seqs = [[int(t) for t in row if t != self.pad_id] for row in X]
            else:
                seqs = [[int(t) for t in row] for row in X]
            return self.embed_ids(seqs)
        return self.embed_texts(as_texts(X))


@MODEL_TYPES.register("huggingface")
def build(config: ModelConfig) -> HuggingFaceEncoder:
    return HuggingFaceEncoder(config, parse_options(config, EncoderOptions))


declare_methods("huggingface", HuggingFaceEncoder)
declare_notes("huggingface", truncation_notes)
