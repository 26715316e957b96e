"""Built-in baselines; each module registers its classes in BASELINES."""
