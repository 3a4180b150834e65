"""Running uvicorn for ``triage serve``: settings handed to workers through the environment."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

from service.metrics import MULTIPROC_ENV
from service.settings import CONFIG_FILE_ENV, ENV_PREFIX, Settings

APP_FACTORY = "service.app:create_app_from_environment"


def worker_environment(
    settings: Settings, model_dir: Path, config_file: Path | None
) -> dict[str, str]:
    """Environment variables that make every worker build the same settings as this process.

    Workers rebuild the settings from the environment and the config file; the values that came
    from the command line are added here so that they win there too.
    """
    env = {
        f"{ENV_PREFIX}MODEL_DIR": str(model_dir),
        f"{ENV_PREFIX}LOG_LEVEL": settings.log_level,
        f"{ENV_PREFIX}SERVER__HOST": settings.server.host,
        f"{ENV_PREFIX}SERVER__PORT": str(settings.server.port),
        f"{ENV_PREFIX}SERVER__WORKERS": str(settings.server.workers),
    }
    if config_file is not None:
        env[CONFIG_FILE_ENV] = str(config_file)
    return env


def log_config(level: str) -> dict[str, Any]:
    """Logging for the server and the service loggers; uvicorn's access log stays off."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
        "handlers": {
            "stderr": {
                "class": "logging.StreamHandler",
                "formatter": "plain",
                "stream": "ext://sys.stderr",
            }
        },
        "loggers": {
            "uvicorn": {"handlers": ["stderr"], "level": level, "propagate": False},
            "uvicorn.access": {"handlers": [], "level": "WARNING", "propagate": False},
            "service": {"handlers": ["stderr"], "level": level, "propagate": False},
        },
    }


def run_server(settings: Settings) -> None:
    """Serve until stopped: one process, or a supervisor with ``server.workers`` workers.

    With several workers, metrics go through a temporary ``PROMETHEUS_MULTIPROC_DIR`` (unless
    one is set already), removed when the server stops.
    """
    import uvicorn

    server = settings.server
    with tempfile.TemporaryDirectory(prefix="triage-metrics-") as metrics_dir:
        if server.workers > 1 and not os.environ.get(MULTIPROC_ENV):
            os.environ[MULTIPROC_ENV] = metrics_dir
        uvicorn.run(
            APP_FACTORY,
            factory=True,
            host=server.host,
            port=server.port,
            workers=server.workers,
            log_config=log_config(settings.log_level),
            log_level=settings.log_level.lower(),
            access_log=False,
            server_header=False,
        )
