"""Alembic migrations of the hub store (run by ``fmbench serve`` and the hub commands)."""
