"""Schema migrations of the feedback database: an ordered list, applied at start-up.

``migrate`` runs in one transaction: it creates the version table when missing, refuses a
database whose version is newer than the last migration known here (``DATABASE_TOO_NEW``: this
code is older than the database; run the newer release), then applies each missing migration in
order and records its number, description and time (UTC). Running it again changes nothing.

``tables.py`` describes the schema after the last migration. A schema change adds a migration at
the end of ``MIGRATIONS`` (never edits an applied one) and updates ``tables.py`` to match.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Final

from sqlalchemy import (
    Boolean,
    Column,
    Connection,
    DateTime,
    Engine,
    Float,
    Integer,
    MetaData,
    String,
    Table,
    func,
    insert,
    inspect,
    select,
    text,
)
from sqlalchemy.exc import SQLAlchemyError

from service.errors import DatabaseError
from service.feedback.tables import feedback, prediction_audit, schema_version

# Any fixed number works; it only has to be the same in every process of this application.
_PG_MIGRATION_LOCK: Final = 4_172_031_907


@dataclass(frozen=True, slots=True)
class Migration:
    """One schema step: its number (1, 2, ... in order), a description and the change itself."""

    number: int
    description: str
    apply: Callable[[Connection], None]


# The audit table as migration 1 created it. ``tables.prediction_audit`` is the table after the
# last migration; creating that here would create later migrations' columns too early.
_PREDICTION_AUDIT_V1: Final = Table(
    prediction_audit.name,
    MetaData(),
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("request_id", String(128), nullable=False, index=True),
    Column("record_index", Integer, nullable=False),
    Column("endpoint", String(32), nullable=False),
    Column("model_version", String(200), nullable=False),
    Column("dispute_type", String(32), nullable=False),
    Column("risk_grade", String(32), nullable=False),
    Column("escalation", Boolean, nullable=False),
    Column("escalation_probability", Float, nullable=False),
    Column("needs_review", Boolean, nullable=False),
    Column("review_reasons", String(400), nullable=False),
    Column("latency_ms", Float, nullable=False),
    Column("operator_id", String(64), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)


def _create_tables(connection: Connection) -> None:
    feedback.create(connection)
    _PREDICTION_AUDIT_V1.create(connection)


def _audit_append_only(connection: Connection) -> None:
    # The code has no update or delete path for the audit log; these triggers make the database
    # refuse one too, so a stray UPDATE from a console is stopped as well.
    if connection.dialect.name == "sqlite":
        for action in ("UPDATE", "DELETE"):
            connection.execute(
                text(
                    f"CREATE TRIGGER prediction_audit_no_{action.lower()} BEFORE {action} "
                    "ON prediction_audit BEGIN "
                    "SELECT RAISE(ABORT, 'prediction_audit is append-only'); END"
                )
            )
        return
    connection.execute(
        text(
            "CREATE FUNCTION prediction_audit_append_only() RETURNS trigger AS $$ BEGIN "
            "RAISE EXCEPTION 'prediction_audit is append-only'; END; $$ LANGUAGE plpgsql"
        )
    )
    connection.execute(
        text(
            "CREATE TRIGGER prediction_audit_append_only BEFORE UPDATE OR DELETE "
            "ON prediction_audit FOR EACH ROW EXECUTE FUNCTION prediction_audit_append_only()"
        )
    )


def _audit_text_hash(connection: Connection) -> None:
    # Nullable: rows written before this migration have no hash. Adding a nullable column
    # without a default rewrites no row, so the append-only triggers are not involved.
    for column in ("text_salt VARCHAR(32)", "text_sha256 VARCHAR(64)"):
        connection.execute(text(f"ALTER TABLE prediction_audit ADD COLUMN {column}"))


MIGRATIONS: Final[tuple[Migration, ...]] = (
    Migration(1, "feedback and prediction_audit tables", _create_tables),
    Migration(2, "prediction_audit refuses UPDATE and DELETE", _audit_append_only),
    Migration(3, "prediction_audit keeps a salted sha256 of each text", _audit_text_hash),
)
"""Every migration, in the order they are applied."""

SCHEMA_VERSION: Final = MIGRATIONS[-1].number
"""The schema version this code writes and reads."""


def migrate(engine: Engine, migrations: tuple[Migration, ...] = MIGRATIONS) -> list[int]:
    """Bring the database to the last migration, in one transaction.

    Args:
        engine: the feedback database.
        migrations: the migrations to know about (tests pass a shorter list).

    Returns:
        The numbers of the migrations applied now (empty when the database was up to date).

    Raises:
        DatabaseError: ``DATABASE_TOO_NEW`` when the database has a migration this code does not
            know; ``DATABASE_UNAVAILABLE`` when the database cannot be reached or changed.
    """
    known = migrations[-1].number if migrations else 0
    try:
        with engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                connection.execute(
                    text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_MIGRATION_LOCK}
                )
            schema_version.create(connection, checkfirst=True)
            current = connection.scalar(select(func.max(schema_version.c.version))) or 0
            if current > known:
                raise DatabaseError(
                    f"the feedback database is at schema version {current}, but this release "
                    f"knows versions up to {known}; run the release that wrote it (or newer), "
                    "or point feedback.database_url at another database",
                    code="DATABASE_TOO_NEW",
                )
            applied = []
            for migration in migrations:
                if migration.number <= current:
                    continue
                migration.apply(connection)
                connection.execute(
                    insert(schema_version).values(
                        version=migration.number,
                        description=migration.description,
                        applied_at=datetime.now(UTC),
                    )
                )
                applied.append(migration.number)
            return applied
    except SQLAlchemyError as error:
        raise DatabaseError(
            f"the feedback database could not be opened or migrated ({type(error).__name__}); "
            "check feedback.database_url, that the server runs and that the account may create "
            "tables",
            code="DATABASE_UNAVAILABLE",
        ) from None


def current_version(engine: Engine) -> int:
    """The highest migration recorded in the database (0 for a new database).

    Raises:
        DatabaseError: ``DATABASE_UNAVAILABLE`` when the database cannot be read.
    """
    try:
        with engine.connect() as connection:
            if not inspect(connection).has_table(schema_version.name):
                return 0
            return int(connection.scalar(select(func.max(schema_version.c.version))) or 0)
    except SQLAlchemyError as error:
        raise DatabaseError(
            f"the feedback database could not be read ({type(error).__name__}); "
            "check feedback.database_url",
            code="DATABASE_UNAVAILABLE",
        ) from None
