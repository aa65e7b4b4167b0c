"""Alembic migrations of the registry schema, run by `registry.db.migrate`."""
