"""``triage feedback export``: staff corrections as a training file for ``triage train``."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Annotated

import typer

from service._cli_errors import reports_errors

app = typer.Typer(
    name="feedback",
    help="Corrections stored by POST /v1/feedback.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.callback()
def feedback() -> None:
    """Corrections stored by POST /v1/feedback."""
    # A callback keeps ``export`` a sub-command even while it is the only one.


@app.command("export")
@reports_errors
def export(
    output: Annotated[
        Path,
        typer.Option(
            "--output",
            "-o",
            help="JSONL file to write (replaced atomically): text (masked), dispute_type, "
            "risk_grade, escalation, id, source=feedback.",
            dir_okay=False,
            resolve_path=True,
        ),
    ],
    since: Annotated[
        str | None,
        typer.Option(
            "--since",
            help="Only corrections made on or after this date or time (ISO 8601, e.g. "
            "2024-05-01 or 2024-05-01T08:00+08:00; UTC when no zone is given).",
        ),
    ] = None,
    config: Annotated[
        Path | None,
        typer.Option(
            "--config",
            help="Settings file (.json or .toml) naming feedback.database_url; default: "
            "$TRIAGE_CONFIG_FILE, then TRIAGE_FEEDBACK__DATABASE_URL, then the project's "
            "artifacts/feedback.sqlite3.",
            dir_okay=False,
            resolve_path=True,
        ),
    ] = None,
) -> None:
    """Write the corrections (the last one per prediction) in the training format."""
    from service.feedback import FeedbackStore, export_feedback
    from service.settings import load_settings

    settings = load_settings(config)
    store = FeedbackStore.open(settings.feedback.url())
    try:
        count = export_feedback(store, output, parse_since(since))
    finally:
        store.close()
    typer.echo(f"wrote {count} corrections to {output}", err=True)


def parse_since(value: str | None) -> datetime | None:
    """The ``--since`` value as an aware UTC datetime (a date means its midnight, UTC).

    Raises:
        typer.BadParameter: the value is not an ISO 8601 date or time.
    """
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        try:
            day = date.fromisoformat(value.strip())
        except ValueError:
            raise typer.BadParameter(
                "give a date or time in ISO 8601, e.g. 2024-05-01 or 2024-05-01T08:00+08:00",
                param_hint="--since",
            ) from None
        moment = datetime(day.year, day.month, day.day)
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
