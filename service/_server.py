"""Running uvicorn for ``triage serve``: settings handed to workers through the environment."""

from __future__ import annotations

import errno
import os
import socket
import tempfile
from pathlib import Path
from typing import Any

from service.errors import ServiceConfigError
from service.metrics import MULTIPROC_ENV
from service.settings import CONFIG_FILE_ENV, ENV_PREFIX, Settings

# uvicorn's exit status when the server cannot start (uvicorn.server.STARTUP_FAILURE).
STARTUP_FAILURE = 3

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


def check_listen_address(host: str, port: int) -> None:
    """Bind ``host:port`` once and let it go, so that a taken port stops start-up with its code.

    uvicorn would log one line and exit with status 3; this check reports it the way every
    other start-up failure is reported.

    Raises:
        ServiceConfigError: code ``PORT_IN_USE`` when another process listens there,
            ``LISTEN_FAILED`` when the address cannot be used at all (unknown host, no permission).
    """
    try:
        family, kind, proto, _, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )[0]
        with socket.socket(family, kind, proto) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind(address)
    except OSError as error:
        if error.errno == errno.EADDRINUSE:
            raise ServiceConfigError(
                f"port {port} on {host} is already in use; stop the other server or choose "
                "another port with --port (server.port)",
                code="PORT_IN_USE",
            ) from None
        raise ServiceConfigError(
            f"cannot listen on {host}:{port} ({error.strerror or type(error).__name__}); check "
            "--host and --port (server.host, server.port)",
            code="LISTEN_FAILED",
        ) from None


def run_server(settings: Settings) -> None:
    """Serve until stopped: one process, or a supervisor with ``server.workers`` workers.

    With several workers, metrics go through a temporary ``PROMETHEUS_MULTIPROC_DIR`` (unless
    one is set already), removed when the server stops.
    """
    server = settings.server
    check_listen_address(server.host, server.port)
    with tempfile.TemporaryDirectory(prefix="triage-metrics-") as metrics_dir:
        if server.workers > 1 and not os.environ.get(MULTIPROC_ENV):
            os.environ[MULTIPROC_ENV] = metrics_dir
        try:
            _run_uvicorn(settings)
        except SystemExit as stop:
            # uvicorn logs why and exits with status 3 when it cannot start (e.g. the port
            # was taken between the check above and its own bind).
            if stop.code == STARTUP_FAILURE:
                raise ServiceConfigError(
                    "the server could not start; the log line above says why",
                    code="LISTEN_FAILED",
                ) from None
            raise


def _run_uvicorn(settings: Settings) -> None:
    import uvicorn

    server = settings.server
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
