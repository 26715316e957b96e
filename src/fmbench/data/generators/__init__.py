"""Seeded data generators; each module registers itself in GENERATORS.

A generator writes its files into an empty folder: ``generate(out_dir, *, seed, **params)``.
The store hashes what it wrote and records the digests in a manifest.
"""

from fmbench.registry import Registry

GENERATORS: Registry = Registry("data generator", discover="fmbench.data.generators")
