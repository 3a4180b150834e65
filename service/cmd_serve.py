"""``triage serve``: the HTTP service (FastAPI on uvicorn)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Any

import typer

from service._cli_errors import reports_errors


@reports_errors
def serve(
    model: Annotated[
        Path | None,
        typer.Option(
            "--model",
            help="Model bundle directory (model_dir); default: $TRIAGE_MODEL_DIR or the built-in "
            "default model, built first if it does not exist yet.",
            file_okay=False,
            resolve_path=True,
        ),
    ] = None,
    config: Annotated[
        Path | None,
        typer.Option(
            "--config",
            help="Settings file (.json or .toml); default: $TRIAGE_CONFIG_FILE. Environment "
            "variables (TRIAGE_...) override it; these options override both.",
            dir_okay=False,
            resolve_path=True,
        ),
    ] = None,
    host: Annotated[
        str | None, typer.Option("--host", help="Interface to listen on (server.host).")
    ] = None,
    port: Annotated[
        int | None, typer.Option("--port", min=1, max=65535, help="TCP port (server.port).")
    ] = None,
    workers: Annotated[
        int | None,
        typer.Option(
            "--workers",
            min=1,
            max=64,
            help="Worker processes, each with its own model (server.workers).",
        ),
    ] = None,
    log_level: Annotated[
        str | None,
        typer.Option("--log-level", help="DEBUG, INFO, WARNING or ERROR (log_level)."),
    ] = None,
) -> None:
    """Serve the triage API until stopped (Ctrl+C or SIGTERM); SIGHUP reloads the model."""
    from models.loading import load_model
    from service._model_source import resolve_model_dir
    from service._server import run_server, worker_environment
    from service.feedback import FeedbackStore
    from service.settings import check_servable, load_settings

    overrides: dict[str, Any] = {}
    if model is not None:
        overrides["model_dir"] = model
    if log_level is not None:
        overrides["log_level"] = log_level.upper()
    listening = {"host": host, "port": port, "workers": workers}
    if any(value is not None for value in listening.values()):
        overrides["server"] = {k: v for k, v in listening.items() if v is not None}
    settings = load_settings(config, overrides)
    check_servable(settings)
    model_dir = resolve_model_dir(settings.model_directory())
    # Verify the bundle (hashes and self-check predictions) and migrate the feedback database
    # here, so that a bad bundle or a database that is unreachable or too new ends the command
    # with its code before any worker starts (workers then find the schema up to date).
    load_model(model_dir)
    if settings.feedback.enabled:
        FeedbackStore.open(settings.feedback.url()).close()
    os.environ.update(worker_environment(settings, model_dir, config))
    run_server(settings)
