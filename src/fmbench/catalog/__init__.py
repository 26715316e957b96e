"""The catalog: benchmarks, suites, dataset cards and model cards, as validated YAML."""
