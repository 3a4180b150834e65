"""The served model: an immutable holder (model + bundle facts) behind one swappable reference.

A request reads ``ModelSlot.current`` once and uses that holder to the end, so a reload, which
builds a complete new holder (loaded, configured, warmed) before it replaces the reference,
never shows a request a half-loaded model.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any

from models.bundle import read_manifest
from models.loading import load_model
from models.protocol import Triage, TriageModel
from models.threads import limit_torch_threads
from nlp.errors import ModelBundleError
from service.settings import Settings


@dataclass(frozen=True)
class ModelInfo:
    """Facts about the served model, from its bundle manifest where there is one."""

    version: str
    architecture: str
    directory: Path | None
    created_at: str = ""
    labels: dict[str, list[str]] = field(default_factory=dict)
    metrics: dict[str, Any] = field(default_factory=dict)
    training: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ModelHolder:
    """A configured, warmed model and what is known about it; never mutated."""

    model: TriageModel
    info: ModelInfo
    loaded_at: datetime


def warmup_texts() -> list[str]:
    """The texts predicted once at load time (``service/static/warmup.json``)."""
    raw = resources.files("service").joinpath("static/warmup.json").read_text("utf-8")
    texts: list[str] = json.loads(raw)
    return texts


def prepare_holder(model: TriageModel, info: ModelInfo, settings: Settings) -> ModelHolder:
    """Apply the settings' review thresholds and colours to ``model``, warm it up, wrap it.

    Raises:
        ModelBundleError: code ``WARMUP_FAILED`` when the warm-up predictions fail.
    """
    configured = model.configured(
        review_policy=settings.review.to_policy(model.review_policy),
        grade_colours=dict(settings.grade_colours),
    )
    texts = warmup_texts()
    try:
        results = configured.predict(texts)
    except Exception as error:
        raise ModelBundleError(
            f"the model failed its warm-up predictions ({type(error).__name__}); check the "
            "bundle and the installed software version",
            code="WARMUP_FAILED",
        ) from error
    if len(results) != len(texts) or not all(isinstance(r, Triage) for r in results):
        raise ModelBundleError(
            "the model's warm-up predictions returned the wrong number or type of results",
            code="WARMUP_FAILED",
        )
    return ModelHolder(configured, info, datetime.now(UTC))


def load_holder(directory: Path, settings: Settings) -> ModelHolder:
    """Load, verify, configure and warm up the bundle in ``directory`` (blocking; minutes at most).

    Raises:
        ModelBundleError: the bundle is missing, damaged, changed while loading, or fails warm-up.
        UnknownComponentError: the manifest names an architecture this software lacks.
    """
    model = load_model(directory)
    limit_torch_threads(settings.server.torch_threads)
    manifest = read_manifest(directory)
    if manifest.version != model.version:
        raise ModelBundleError(
            f"the bundle at {directory} was replaced while it was loading; retry the reload",
            code="BUNDLE_CHANGED_WHILE_LOADING",
        )
    info = ModelInfo(
        version=manifest.version,
        architecture=manifest.architecture,
        directory=Path(directory).resolve(),
        created_at=manifest.created_at,
        labels=manifest.labels,
        metrics=manifest.metrics,
        training=manifest.training,
    )
    return prepare_holder(model, info, settings)


class ReloadInProgressError(RuntimeError):
    """A reload was asked for while another one is running."""


class ModelSlot:
    """The one reference to the served holder, and the lock that serialises reloads."""

    def __init__(self) -> None:
        self._holder: ModelHolder | None = None
        self._reloading = threading.Lock()

    @property
    def current(self) -> ModelHolder | None:
        """The holder serving now, or ``None`` before the first load completes."""
        return self._holder

    def install(self, holder: ModelHolder) -> ModelHolder | None:
        """Serve ``holder`` from now on; returns the one it replaces."""
        previous, self._holder = self._holder, holder
        return previous

    def reload(self, directory: Path, settings: Settings) -> tuple[ModelHolder, ModelHolder | None]:
        """Load ``directory`` completely, then swap it in (blocking; run it in a worker thread).

        Returns:
            The new holder and the one it replaced.

        Raises:
            ReloadInProgressError: another reload holds the lock.
            ModelBundleError, UnknownComponentError: loading failed; the old model keeps serving.
        """
        if not self._reloading.acquire(blocking=False):
            raise ReloadInProgressError
        try:
            holder = load_holder(directory, settings)
            return holder, self.install(holder)
        finally:
            self._reloading.release()
