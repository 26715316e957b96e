"""Adapters for foundation models; each module registers a type in MODEL_TYPES."""
