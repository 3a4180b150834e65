"""What one app instance holds: its settings, metrics, model slot and prediction runner."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

import anyio.to_thread

from models.loading import default_model_dir
from nlp.errors import TriageError
from service.errors import ApiError
from service.feedback import AuditEntry, FeedbackStore
from service.limits import PredictionRunner
from service.metrics import ServiceMetrics
from service.model_holder import ModelHolder, ModelSlot, ReloadInProgressError
from service.rate_limit import RateLimiter
from service.settings import Settings

log = logging.getLogger("service.model")


@dataclass
class ServiceState:
    """The app's state; ``slot`` is the only part that changes after start-up."""

    settings: Settings
    metrics: ServiceMetrics
    runner: PredictionRunner
    feedback_limiter: RateLimiter
    slot: ModelSlot = field(default_factory=ModelSlot)
    store: FeedbackStore | None = None

    @classmethod
    def from_settings(cls, settings: Settings, metrics: ServiceMetrics) -> ServiceState:
        """State for ``settings`` with an empty slot."""
        runner = PredictionRunner(
            max_concurrent=settings.limits.max_concurrent_predictions,
            timeout_s=settings.limits.request_timeout_s,
        )
        limiter = RateLimiter(settings.feedback.max_per_minute)
        return cls(settings=settings, metrics=metrics, runner=runner, feedback_limiter=limiter)

    @property
    def configured_model_dir(self) -> Path:
        """The model directory from the settings, or the built-in default's."""
        return self.settings.model_directory() or default_model_dir()

    async def audit(self, entries: list[AuditEntry]) -> None:
        """Append ``entries`` to the audit log in a worker thread (nothing when it is off).

        Raises:
            DatabaseError: ``DATABASE_UNAVAILABLE``; the reply is then a 503, because an answer
                that is not in the audit log must not be given.
        """
        if self.store is not None and entries:
            await anyio.to_thread.run_sync(self.store.record_predictions, entries)

    def serve(self, holder: ModelHolder) -> None:
        """Make ``holder`` the served model (start-up)."""
        self.slot.install(holder)
        self.metrics.serve_model(holder.info.version, holder.info.architecture)

    async def reload(self, directory: Path | None = None) -> tuple[ModelHolder, ModelHolder | None]:
        """Load ``directory`` (default: the current model's) in a worker thread, then swap it in.

        Returns:
            The new holder and the one it replaced.

        Raises:
            ApiError: ``RELOAD_IN_PROGRESS`` (409), or the loading error's code (422); either
                way the previous model keeps serving.
        """
        target = directory or self._current_directory()
        try:
            holder, previous = await anyio.to_thread.run_sync(
                self.slot.reload, target, self.settings
            )
        except ReloadInProgressError:
            raise ApiError(
                "RELOAD_IN_PROGRESS", "another reload is running; retry when it has finished"
            ) from None
        except TriageError as error:
            self.metrics.reloads.labels(error.code).inc()
            log.error(
                "model reload failed [%s]: %s; the previous model keeps serving",
                error.code,
                error.message,
            )
            raise ApiError(
                error.code,
                f"{error.message} (the previous model keeps serving)",
                status=422,
            ) from None
        self.metrics.reloads.labels("ok").inc()
        self.metrics.serve_model(holder.info.version, holder.info.architecture)
        log.info(
            "model reloaded version=%s previous=%s directory=%s",
            holder.info.version,
            previous.info.version if previous else "-",
            holder.info.directory,
        )
        return holder, previous

    def _current_directory(self) -> Path:
        current = self.slot.current
        if current is not None and current.info.directory is not None:
            return current.info.directory
        return self.configured_model_dir
