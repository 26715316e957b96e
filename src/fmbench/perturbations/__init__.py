"""Input perturbations for robustness evaluation: seeded, vectorised, with curve summaries.

(Named for what it does: "probe" in the robustness suites' ``probes:`` means one kind of
perturbation at graded severities; *linear probing* of embeddings is ``tasks.linear_probe``.)

``perturb`` holds the probes (time series, 2-D features, volumes) in the ``PROBES`` table and
``sequence_probes`` those of DNA sequences (``probe_table(data_kind(X))`` picks the table);
``seeding`` derives one generator per (seed, probe, level, block); ``stream`` runs a model
over memory-mapped data batch by batch; ``curves`` turns per-level results into rAUCs. Nothing
here imports models or tasks: the robustness protocol passes the model in as a function.
"""
