"""Alembic environment: runs newsbot's migrations on the engine the caller passes in."""

from __future__ import annotations

from alembic import context
from sqlmodel import SQLModel

import newsbot.store.tables  # noqa: F401  (registers the tables on the metadata)

target_metadata = SQLModel.metadata


def run_migrations_online() -> None:
    connection = context.config.attributes.get("connection")
    if connection is None:
        raise RuntimeError(
            "newsbot runs migrations through newsbot.store.schema, with a connection"
        )
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations_online()
