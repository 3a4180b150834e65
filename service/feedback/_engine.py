"""Engines for the feedback database: SQLite files (default) and PostgreSQL through psycopg 3."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url

from service.errors import DatabaseError

SQLITE_BUSY_TIMEOUT_S = 30.0


def build_engine(url: str) -> Engine:
    """An engine for ``url``; for SQLite the file's parent directories are created first.

    The SQLite file is created (or tightened) to mode 0600 before SQLite opens it: SQLite gives
    its ``-wal`` and ``-shm`` files the mode of the database file, so all three are readable by
    the owner only, whatever the umask.

    Args:
        url: ``sqlite:///ABSOLUTE/PATH`` or ``postgresql+psycopg://user:password@host/db``
            (checked by the settings).

    Returns:
        The engine; nothing is connected yet.

    Raises:
        DatabaseError: ``DATABASE_UNAVAILABLE`` when the SQLite file's directory cannot be made.
    """
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(parsed, pool_pre_ping=True)
    if parsed.database and parsed.database != ":memory:":
        database = Path(parsed.database).expanduser()
        try:
            database.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            _owner_only(database)
        except OSError as error:
            raise DatabaseError(
                f"cannot create the directory of the SQLite feedback database ({error.strerror}); "
                "set feedback.database_url to a file in a writable directory",
                code="DATABASE_UNAVAILABLE",
            ) from None
    engine = create_engine(parsed, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_S})
    _serialise_sqlite_writes(engine)
    return engine


def _owner_only(database: Path) -> None:
    flags = os.O_CREAT | os.O_WRONLY | getattr(os, "O_NOFOLLOW", 0)
    os.close(os.open(database, flags, 0o600))
    for path in (database, *(database.with_name(database.name + s) for s in ("-wal", "-shm"))):
        if path.exists() and path.stat().st_mode & 0o077:
            path.chmod(0o600)


def _serialise_sqlite_writes(engine: Engine) -> None:
    # pysqlite's own transaction handling starts transactions late and lets DDL commit on its
    # own; SQLAlchemy's documented recipe hands BEGIN to SQLite instead. BEGIN IMMEDIATE takes
    # the write lock at the start, so two workers migrating at once wait for each other (up to
    # the busy timeout) instead of failing half-way.
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        # In WAL mode NORMAL syncs at checkpoints, not at every commit: a committed row survives
        # a crash of the process, only a power cut may lose the last commits.
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")
