"""Find and load model bundles by the architecture their manifest names."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from models.bundle import read_manifest
from models.protocol import TriageModel
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


def load_model(directory: Path) -> TriageModel:
    """Load any bundle, dispatching on the architecture named in its verified manifest.

    Raises:
        ModelBundleError: the bundle is missing, damaged or of an unsupported format.
        UnknownComponentError: the manifest names an architecture this software does not know.
    """
    manifest = read_manifest(directory)
    model_class = ARCHITECTURES.get(manifest.architecture)
    model: TriageModel = model_class.load(directory)
    return model
