"""Models: configs, the protocols a model offers, built-in baselines and adapters."""
