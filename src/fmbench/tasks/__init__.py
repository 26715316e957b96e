"""Evaluation protocols, one module each; each registers itself in PROTOCOLS."""
