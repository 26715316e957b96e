"""On-disk cache of model outputs (predictions, embeddings, generated texts).

Layout: ``<root>/<model_id>.<config12>/<dataset_id>.<data12>/<protocol>/<method>/<key>.{npy,json}``
where ``root`` is ``$FMBENCH_CACHE/outputs`` or ``~/.cache/fmbench/outputs`` (the data directory's
sibling). Every entry's key is the sha256 of the model config digest, a fingerprint of the
files the model loads (weights, scripts, module sources: size + mtime for large trees, content
for Python sources), the dataset digest, the protocol, the suite's params, the method and the
part (a fold's rows or a chunk's input content). Entries are written atomically, one per fold
or chunk, so a run killed part-way continues where it stopped (``run --resume``; the cache is
read by default) and a second suite on the same data reuses embeddings. ``--no-cache`` neither
reads nor writes.
"""

from __future__ import annotations

from fmbench.cache.outputs import (
    OutputCache,
    cache_for,
    cache_root,
    cached_call,
    cached_chunks,
    clear_cache,
    list_cache,
)

__all__ = [
    "OutputCache",
    "cache_for",
    "cache_root",
    "cached_call",
    "cached_chunks",
    "clear_cache",
    "list_cache",
]
