"""Robustness probes: seeded, vectorised input perturbations and curve summaries.

``perturb`` holds the probes (time series, 2-D features, volumes) in the ``PROBES`` table;
``seeding`` derives one generator per (seed, probe, level, block); ``stream`` runs a model
over memory-mapped data batch by batch; ``curves`` turns per-level results into rAUCs. Nothing
here imports models or tasks: the robustness protocol passes the model in as a function.
"""
