"""fmbench: benchmark health foundation models locally, publish only the metrics."""

__version__ = "0.1.0"
