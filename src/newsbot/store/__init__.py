"""Storage: SQLModel tables, small query functions (the only SQL), Alembic migrations."""

from __future__ import annotations
