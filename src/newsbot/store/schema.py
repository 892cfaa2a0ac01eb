"""Schema versions through Alembic: upgrade, and refuse to run on an outdated schema.

Usage::

    upgrade(engine)          # newsbot db upgrade
    require_current(engine)  # raises SchemaOutdatedError naming the command to run
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

from newsbot.errors import DatabaseError, SchemaOutdatedError
from newsbot.store.db import open_database

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def _alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


def head_revision() -> str:
    """The newest migration this code knows."""
    head = ScriptDirectory.from_config(_alembic_config()).get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at; None for an empty database."""
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def foreign_tables(engine: Engine) -> list[str]:
    """Tables of a database without newsbot's schema: another program's, never to be touched."""
    from sqlalchemy import inspect
    from sqlmodel import SQLModel

    import newsbot.store.tables  # noqa: F401  (registers newsbot's tables on the metadata)

    names = set(inspect(engine).get_table_names())
    if "alembic_version" in names:
        return []
    return sorted(names - set(SQLModel.metadata.tables))


def refuse_foreign(engine: Engine) -> None:
    """Raise DatabaseError when the database holds another program's tables, not newsbot's."""
    if found := foreign_tables(engine):
        where = engine.url.render_as_string(hide_password=True)
        shown = ", ".join(found[:5]) + (", …" if len(found) > 5 else "")
        raise DatabaseError(
            f"the database at {where} holds another program's tables ({shown}), not newsbot's: "
            "point NEWSBOT_DATABASE_URL at a new database"
        )


def upgrade(engine: Engine, revision: str = "head") -> tuple[str | None, str]:
    """Migrate the database to ``revision``; returns (from, to). Refuses another program's."""
    before = current_revision(engine)
    if before is None:
        refuse_foreign(engine)
    config = _alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)
    return before, current_revision(engine) or ""


def open_current(url: str) -> Engine:
    """A connected engine whose schema is this code's head: how every command that reads or
    writes newsbot's tables opens the database (errors are one line, see ``open_database``)."""
    engine = open_database(url, create=False)
    try:
        require_current(engine)
    except BaseException:
        engine.dispose()
        raise
    return engine


def require_current(engine: Engine) -> None:
    """Raise SchemaOutdatedError unless the database is at this code's head revision."""
    current, head = current_revision(engine), head_revision()
    if current == head:
        return
    where = engine.url.render_as_string(hide_password=True)
    if current is None:
        refuse_foreign(engine)
        raise SchemaOutdatedError(
            f"the database at {where} has no newsbot schema: run `newsbot db upgrade`"
        )
    raise SchemaOutdatedError(
        f"the database at {where} is at schema {current}, this newsbot needs {head}: run `newsbot db upgrade`"
    )
