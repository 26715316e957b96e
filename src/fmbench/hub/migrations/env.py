"""Alembic environment: runs on the connection handed over by fmbench.hub.database.migrate."""

from alembic import context

from fmbench.hub.tables import metadata

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - the alembic CLI is not how fmbench runs migrations
    raise RuntimeError("run migrations through fmbench (fmbench.hub.database.migrate)")

context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
