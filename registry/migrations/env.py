"""Alembic environment: migrations run on the connection `registry.db.migrate` hands over."""

from __future__ import annotations

from alembic import context

from registry.models import Base

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - only `registry.db.migrate` runs these
    raise RuntimeError("run migrations through registry.db.migrate, not the alembic CLI")

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
