"""Metrics: point estimates (scikit-learn where it has them) and vectorised bootstrap CIs."""
