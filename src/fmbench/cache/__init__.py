"""On-disk cache of model outputs (predictions, embeddings, generated texts).

Layout: ``<root>/<model_id>.<config12>/<dataset_id>.<data12>/<protocol>.<key12>/<method>/<entry>.{npy,json}``
with a ``manifest.json`` in each ``<protocol>.<key12>`` folder saying what its key was made of;
``root`` is ``$FMBENCH_CACHE/outputs`` or ``~/.cache/fmbench/outputs``. The key covers
everything that can change an output: the model config digest; the content of every file or
folder its ``init_kwargs`` / adapter options name; the source of the user's modules the model
imports and the versions of the installed distributions they use; fmbench's version and the
Python version; the dataset digest; the protocol, its split, params and seed; then per entry the
method and the part (a fold's rows or a chunk's inputs). Modules imported by computed name while
the model was built are recorded in the manifest and checked before the folder is read again.
A run whose key cannot be made complete (an in-memory model without ``cache_key``) is not cached,
and its record's ``provenance.cache`` says why. Entries are written atomically, one per fold or
chunk, so a run killed part-way continues where it stopped (``run --resume``; the cache is read
by default) and a second suite on the same data reuses embeddings. ``--no-cache`` neither reads
nor writes.
"""

from __future__ import annotations

from fmbench.cache.inventory import clear_cache, list_cache
from fmbench.cache.layout import cache_root
from fmbench.cache.outputs import (
    OutputCache,
    cache_counts,
    cache_for,
    cache_status,
    cached_call,
    cached_chunks,
    kept_outputs,
)

__all__ = [
    "OutputCache",
    "cache_counts",
    "cache_for",
    "cache_root",
    "cache_status",
    "cached_call",
    "cached_chunks",
    "clear_cache",
    "kept_outputs",
    "list_cache",
]
