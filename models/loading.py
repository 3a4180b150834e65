"""Find and load model bundles by the architecture their manifest names."""

from __future__ import annotations

import json
import os
from importlib import resources
from pathlib import Path
from typing import Any

from models.bundle import read_manifest
from models.protocol import TriageModel
from nlp.errors import ModelBundleError
from nlp.registry import Registry

ARCHITECTURES: Registry[Any] = Registry("model architecture")
"""Architecture name (as written in a bundle's manifest) -> the class that loads it."""

MODEL_DIR_ENV = "TRIAGE_MODEL_DIR"
_REPO_ROOT = Path(__file__).resolve().parents[1]


@ARCHITECTURES.register("linear.v1")
def _linear() -> Any:
    from models.linear import LinearTriageModel

    return LinearTriageModel


@ARCHITECTURES.register("transformer.v1")
def _transformer() -> Any:
    from models.transformer import TransformerTriageModel

    return TransformerTriageModel


@ARCHITECTURES.register("ensemble.v1")
def _ensemble() -> Any:
    from models.ensemble import EnsembleTriageModel

    return EnsembleTriageModel


@ARCHITECTURES.register("keyword-baseline.v1")
def _keyword_baseline() -> Any:
    from models.baseline import KeywordTriggerModel

    return KeywordTriggerModel


def default_model_dir() -> Path:
    """Default model directory: ``$TRIAGE_MODEL_DIR`` or ``artifacts/default-model``."""
    configured = os.environ.get(MODEL_DIR_ENV)
    return Path(configured).resolve() if configured else _REPO_ROOT / "artifacts" / "default-model"


def load_model(directory: Path, *, check: bool = True) -> TriageModel:
    """Load any bundle, dispatching on the architecture named in its verified manifest.

    Args:
        directory: the bundle directory.
        check: predict the built-in self-check texts once (``self_check``), so that a bundle
            that loads is a bundle that predicts.

    Raises:
        ModelBundleError: the bundle is missing, damaged or of an unsupported format, or (code
            ``BUNDLE_SELF_CHECK_FAILED``) it loads but cannot predict.
        UnknownComponentError: the manifest names an architecture this software does not know.
    """
    manifest = read_manifest(directory)
    model_class = ARCHITECTURES.get(manifest.architecture)
    model: TriageModel = model_class.load(directory)
    if check:
        self_check(model, directory)
    return model


def self_check_texts() -> list[str]:
    """The short texts every bundle predicts at load time (``models/data/self_check.json``)."""
    raw = resources.files("models").joinpath("data/self_check.json").read_text("utf-8")
    texts: list[str] = json.loads(raw)["texts"]
    return texts


def self_check(model: TriageModel, directory: Path) -> None:
    """Predict the self-check texts and refuse the bundle when that fails.

    A hash-valid bundle can still hold arrays that do not fit together (written by hand, or by
    an older trainer from data that lacked a class); this finds it at load time instead of at
    the first request.

    Raises:
        ModelBundleError: code ``BUNDLE_SELF_CHECK_FAILED``.
    """
    texts = self_check_texts()
    try:
        predictions = model.predict(texts)
    except Exception as error:
        raise ModelBundleError(
            f"the bundle at {directory} loads but cannot predict ({type(error).__name__}); "
            "retrain it with triage train or restore a good copy",
            code="BUNDLE_SELF_CHECK_FAILED",
        ) from error
    if len(predictions) != len(texts):
        raise ModelBundleError(
            f"the bundle at {directory} returned {len(predictions)} predictions for "
            f"{len(texts)} texts; retrain it with triage train or restore a good copy",
            code="BUNDLE_SELF_CHECK_FAILED",
        )
