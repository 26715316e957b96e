"""Datasets: generators, loaders, digests and the on-disk data directory."""
