"""Alembic migrations of the project file, run programmatically on open."""
