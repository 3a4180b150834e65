"""The FastAPI application: ``create_app(settings)``, and the factory uvicorn workers call.

Start-up (the lifespan) opens and migrates the feedback database (unless ``feedback.enabled`` is
off), loads the bundle, applies the configured review thresholds and colours,
warms the model with a couple of predictions and only then serves: ``/readyz`` answers 200 from
that moment. A missing or damaged bundle stops start-up with its error code; nothing falls back.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import threading
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

import anyio.to_thread
from fastapi import FastAPI

from models.protocol import TriageModel
from nlp.errors import TriageError
from service import api_admin, api_feedback, api_ops, api_page, api_triage
from service.errors import ApiError
from service.feedback import FeedbackStore
from service.handlers import install_handlers
from service.limits import BodySizeLimitMiddleware
from service.metrics import ServiceMetrics
from service.model_holder import ModelHolder, ModelInfo, load_holder, prepare_holder
from service.request_context import RequestContextMiddleware
from service.settings import Settings, check_servable, load_settings
from service.state import ServiceState

log = logging.getLogger("service.app")

DESCRIPTION = """\
Triage of Chinese police call records and dispute reports (警情, 矛盾纠纷): dispute type
(土地/邻里/债务/工资/其他), risk grade (一般/复杂/疑难, with a colour), violence escalation,
whether a person should review, the phrases behind the prediction, cues and suggested handling.

Send the API key as `X-API-Key: <key>` or `Authorization: Bearer <key>`. Every error is
`{"error": {"code", "message", "request_id"}}`; codes are listed in docs/service.md.
"""


def create_app(
    settings: Settings,
    *,
    model: TriageModel | None = None,
    metrics: ServiceMetrics | None = None,
) -> FastAPI:
    """Build the app; its lifespan loads and warms the model.

    Args:
        settings: validated settings (``service.settings.load_settings``).
        model: serve this model instead of loading ``settings.model_dir`` (tests, embedding); it
            is still configured and warmed at start-up.
        metrics: the metrics to record into; default: new ones, multiprocess when
            ``$PROMETHEUS_MULTIPROC_DIR`` is set.

    Returns:
        The app, not yet started.

    Raises:
        ServiceConfigError: ``AUTH_NO_KEYS`` when auth is on and no API key is configured.
    """
    check_servable(settings)
    logging.getLogger("service").setLevel(settings.log_level)
    metrics = metrics or ServiceMetrics.from_environment()
    state = ServiceState.from_settings(settings, metrics)
    docs = settings.server.docs_ui
    app = FastAPI(
        title="Police triage service",
        summary="警情 / 矛盾纠纷 triage",
        description=DESCRIPTION,
        version="1",
        lifespan=_lifespan,
        docs_url="/docs" if docs else None,
        redoc_url="/redoc" if docs else None,
    )
    app.state.service = state
    app.state.injected_model = model
    install_handlers(app)
    app.include_router(api_ops.router)
    app.include_router(api_triage.router)
    app.include_router(api_feedback.router, include_in_schema=settings.feedback.enabled)
    app.include_router(api_page.router)
    app.include_router(api_admin.router, include_in_schema=settings.admin.enabled)
    app.add_middleware(BodySizeLimitMiddleware, max_body_bytes=settings.limits.max_body_bytes)
    app.add_middleware(RequestContextMiddleware, metrics=metrics)
    return app


def create_app_from_environment() -> FastAPI:
    """The factory ``triage serve`` hands uvicorn: settings from the environment and config file.

    Each worker process calls it, so every worker sees the same settings.
    """
    return create_app(load_settings())


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    state: ServiceState = app.state.service
    injected: TriageModel | None = app.state.injected_model
    try:
        if state.settings.feedback.enabled:
            state.store = await anyio.to_thread.run_sync(
                FeedbackStore.open, state.settings.feedback.url()
            )
        holder = await anyio.to_thread.run_sync(_first_holder, state, injected)
    except TriageError as error:
        log.error("start-up failed [%s]: %s", error.code, error.message)
        _close_store(state)
        raise
    state.serve(holder)
    log.info("model ready version=%s directory=%s", holder.info.version, holder.info.directory)
    remove_handler = _install_sighup(state)
    try:
        yield
    finally:
        remove_handler()
        _close_store(state)
        state.metrics.close()


def _close_store(state: ServiceState) -> None:
    if state.store is not None:
        state.store.close()
        state.store = None


def _first_holder(state: ServiceState, injected: TriageModel | None) -> ModelHolder:
    if injected is None:
        return load_holder(state.configured_model_dir, state.settings)
    info = ModelInfo(
        version=injected.version,
        architecture=str(getattr(injected, "architecture", type(injected).__name__)),
        directory=None,
    )
    return prepare_holder(injected, info, state.settings)


def _install_sighup(state: ServiceState) -> Callable[[], None]:
    """Reload on SIGHUP when enabled and possible (main thread of a Unix process)."""
    if (
        not state.settings.admin.reload_on_sighup
        or not hasattr(signal, "SIGHUP")
        or threading.current_thread() is not threading.main_thread()
    ):
        return lambda: None
    loop = asyncio.get_running_loop()
    tasks: set[asyncio.Task[None]] = set()

    def on_hangup() -> None:
        log.info("SIGHUP received; reloading the model")
        task = loop.create_task(_reload_logged(state))
        tasks.add(task)
        task.add_done_callback(tasks.discard)

    try:
        loop.add_signal_handler(signal.SIGHUP, on_hangup)
    except (NotImplementedError, RuntimeError, ValueError):
        return lambda: None

    def remove() -> None:
        loop.remove_signal_handler(signal.SIGHUP)

    return remove


async def _reload_logged(state: ServiceState) -> None:
    try:
        await state.reload()
    except ApiError as error:
        # state.reload logged the cause; a signal has nobody to answer.
        log.warning("SIGHUP reload not done [%s]", error.code)
