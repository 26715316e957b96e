"""`fmbench sweep`: models × suites × seeds on Dask (spec, cells and keys, cluster, engine, task, report)."""
