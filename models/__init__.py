"""Models behind one protocol: ``TriageModel.predict(texts) -> list[Triage]``, bundles, loading."""

from models.bundle import Manifest, read_manifest
from models.loading import ARCHITECTURES, default_model_dir, load_model
from models.protocol import (
    CueMatch,
    DisputeTypePrediction,
    EscalationPrediction,
    Evidence,
    RiskGradePrediction,
    Triage,
    TriageModel,
)
from models.review import REVIEW_REASONS, ReviewPolicy

__all__ = [
    "ARCHITECTURES",
    "REVIEW_REASONS",
    "CueMatch",
    "DisputeTypePrediction",
    "EscalationPrediction",
    "Evidence",
    "Manifest",
    "ReviewPolicy",
    "RiskGradePrediction",
    "Triage",
    "TriageModel",
    "default_model_dir",
    "load_model",
    "read_manifest",
]
