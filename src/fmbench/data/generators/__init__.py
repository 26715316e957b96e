"""Seeded data generators; each module registers itself in GENERATORS.

A generator writes its files into an empty folder: ``generate(out_dir, *, seed, **params)``.
The store hashes what it wrote and records the digests in a manifest.

A dataset card names a generator registered here, or one of its own by import path
(``module:function`` or ``file.py:function``, looked up next to the card first, then on
``sys.path``), so a catalog folder can bring its generator without changing fmbench; see
``fmbench.data.provision.resolve_generator``.
"""

from fmbench.registry import Registry

GENERATORS: Registry = Registry("data generator", discover="fmbench.data.generators")
