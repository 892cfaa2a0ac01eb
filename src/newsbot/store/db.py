"""Engines and sessions. SQLite by default; PostgreSQL through ``NEWSBOT_DATABASE_URL``.

Usage::

    engine = open_database(database_url(), create=False)  # the CLI: checked, one-line errors
    engine = make_engine(database_url())                   # tests and benches
    with Session(engine) as session: ...

This is the one place database errors are translated: a URL that names no usable database
(garbage, an unknown kind, a driver not installed, a folder, a device) is a
:class:`DatabaseError` with exit code 2; one that cannot be reached or read (a closed
port, a corrupt or foreign file) has exit code 1. Each says what to do, with the
password hidden.
"""

from __future__ import annotations

import contextlib
import os
import stat
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine, event, text
from sqlmodel import create_engine

from newsbot.errors import DatabaseError, SchemaOutdatedError

if TYPE_CHECKING:
    from sqlalchemy.engine import URL

DEFAULT_SQLITE_PATH = Path("var/newsbot.db")
SQLITE_MAGIC = b"SQLite format 3\x00"
USE = "use sqlite:///PATH or postgresql+psycopg://USER@HOST/DB"


def database_url(explicit: str | None = None) -> str:
    """The URL in force: an explicit one, else NEWSBOT_DATABASE_URL, else ``var/newsbot.db``."""
    url = explicit or os.environ.get("NEWSBOT_DATABASE_URL")
    if url:
        return url
    return f"sqlite:///{DEFAULT_SQLITE_PATH}"


def parse_database_url(url: str) -> URL:
    """``url`` parsed; a plain ``postgresql://`` means psycopg 3, the driver newsbot ships with."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError) as exc:
        raise DatabaseError(
            f"NEWSBOT_DATABASE_URL is not a database URL: {USE}", exit_code=2
        ) from exc
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


def as_utc(value: datetime) -> datetime:
    """A time read from the database, timezone-aware.

    Every stored time is UTC, but SQLite hands datetimes back naive (PostgreSQL's
    ``timestamptz`` does not): compare or convert one only after this.
    """
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def make_engine(url: str, *, create: bool = True) -> Engine:
    """An engine for ``url``; for SQLite, turns on WAL and foreign keys.

    ``create`` makes a SQLite file's folder (``db upgrade``, the demo, tests); without it
    nothing is made on disk until the engine connects (see :func:`open_database`).
    """
    parsed = parse_database_url(url)
    if (path := _sqlite_file(parsed)) is not None:
        _check_sqlite_file(path, create=create)
    return _engine(parsed)


def _sqlite_file(parsed: URL) -> Path | None:
    """The file of a SQLite URL; None for PostgreSQL and in-memory SQLite."""
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        return Path(str(parsed.database))
    return None


def _engine(parsed: URL) -> Engine:
    from sqlalchemy.exc import NoSuchModuleError

    shown = parsed.render_as_string(hide_password=True)
    try:
        if parsed.get_backend_name() == "sqlite":
            engine = create_engine(parsed, connect_args={"check_same_thread": False, "timeout": 30})
            event.listen(engine, "connect", _sqlite_pragmas)
            return engine
        return create_engine(parsed, pool_pre_ping=True)
    except NoSuchModuleError as exc:
        raise DatabaseError(
            f"{shown}: unknown database kind {parsed.drivername!r}; {USE}", exit_code=2
        ) from exc
    except ImportError as exc:
        raise DatabaseError(
            f"{shown}: its driver ({exc.name}) is not installed; newsbot supports SQLite and "
            "PostgreSQL: use sqlite:///PATH or postgresql+psycopg://USER@HOST/DB",
            exit_code=2,
        ) from exc


def _check_sqlite_file(path: Path, *, create: bool) -> bool:
    """Refuse a path that cannot be a SQLite file; True when the file exists.

    A missing file's folder is made when ``create``.
    """
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        if not create:
            return False
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise DatabaseError(
                f"cannot create the folder of {path}: {(exc.strerror or '').lower()}"
            ) from exc
        return False
    except OSError as exc:
        raise DatabaseError(f"cannot open {path}: {(exc.strerror or '').lower()}") from exc
    if stat.S_ISDIR(mode):
        raise DatabaseError(
            f"{path} is a folder, not a database file: use sqlite:///{path}/newsbot.db",
            exit_code=2,
        )
    if not stat.S_ISREG(mode):
        raise DatabaseError(
            f"{path} is not a regular file (a device or pipe): name a database file", exit_code=2
        )
    with path.open("rb") as handle:
        head = handle.read(len(SQLITE_MAGIC))
    if head and head != SQLITE_MAGIC:
        raise DatabaseError(
            f"{path} is not a SQLite database (corrupt, or another kind of file): "
            "point NEWSBOT_DATABASE_URL at a new file, or restore a backup"
        )
    return True


def open_database(url: str, *, create: bool) -> Engine:
    """A checked engine for the command line: connects once, so errors come here, in one line.

    Without ``create``, a missing SQLite file is a :class:`SchemaOutdatedError` saying to run
    ``newsbot db upgrade``, and no empty file is left behind.
    """
    parsed = parse_database_url(url)
    path = _sqlite_file(parsed)
    if path is not None and not _check_sqlite_file(path, create=create) and not create:
        raise SchemaOutdatedError(f"no database at {path}: run `newsbot db upgrade` to create it")
    engine = _engine(parsed)
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as exc:
        engine.dispose()
        raise database_error(exc, url=url) from exc
    return engine


# A driver's message, recognised by a few words, in the user's terms; first match wins.
_IN_WORDS: tuple[tuple[tuple[str, ...], str], ...] = (
    (("refused",), "cannot connect to {where}: connection refused (is the server running?)"),
    (
        ("file is not a database", "malformed"),
        "{where} is not a SQLite database (corrupt, or another kind of file): "
        "point NEWSBOT_DATABASE_URL at a new file, or restore a backup",
    ),
    (("unable to open database file",), "cannot open {where}: check the path and its permissions"),
    (("locked",), "{where} is locked by another process: try again"),
    (
        ("resolve host", "name or service not known"),
        "cannot connect to {where}: host name not found",
    ),
    (("timeout", "timed out"), "cannot connect to {where}: no answer (timed out)"),
)


def database_error(exc: BaseException, *, url: str | None = None) -> DatabaseError:
    """A driver or SQLAlchemy error in the user's terms: what is wrong, and what to do."""
    where = "the database"
    if url:
        with contextlib.suppress(DatabaseError):
            shown = parse_database_url(url).render_as_string(hide_password=True)
            where = f"the database at {shown}"
    detail = str(getattr(exc, "orig", None) or exc).strip().splitlines()
    first = detail[0] if detail else type(exc).__name__
    low = first.lower()
    if "fatal:" in low:  # the server's own words: database or role missing, login refused
        said = first[low.index("fatal:") + len("fatal:") :].strip()
        return DatabaseError(f"the server refused {where}: {said}; fix the URL or create it")
    for needles, words in _IN_WORDS:
        if any(needle in low for needle in needles):
            return DatabaseError(words.format(where=where))
    return DatabaseError(f"{where}: {first}")


def _sqlite_pragmas(dbapi_connection: object, _record: object) -> None:
    # WAL lets the CLI read while the service writes; foreign keys are off by default.
    cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]
    cursor.execute("PRAGMA journal_mode=WAL")
    # With WAL, NORMAL loses nothing on a process crash (only on power loss) and makes the
    # outbox's many small commits cheaper: 236 vs 166 msg/s measured (docs/benchmarks.md).
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def is_postgres(engine: Engine) -> bool:
    """True when ``engine`` talks to PostgreSQL (row locks, advisory locks available)."""
    return engine.dialect.name == "postgresql"
