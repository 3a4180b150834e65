"""The built-in default model: generated corpus -> linear model in ``artifacts/default-model``."""

from __future__ import annotations

from pathlib import Path

from models.linear import Progress
from models.loading import default_model_dir
from training.data import read_labelled

REPO_ROOT = Path(__file__).resolve().parents[1]
CORPUS_DIR = REPO_ROOT / "datasets" / "corpus"
GOLD_DIR = REPO_ROOT / "datasets" / "gold"
LEXICON_PATH = REPO_ROOT / "datasets" / "lexicon" / "legal_lexicon.json"


def ensure_corpus(corpus_dir: Path = CORPUS_DIR) -> Path:
    """Generate the training corpus if its files are missing; returns its directory."""
    if not (corpus_dir / "train.jsonl").is_file():
        from training.corpus import DEFAULT_RECORDS, DEFAULT_SEED, write_corpus

        write_corpus(corpus_dir, DEFAULT_SEED, DEFAULT_RECORDS)
    return corpus_dir


def build_default_model(directory: Path | None = None, progress: Progress | None = None) -> Path:
    """Train the default model from ``datasets/``.

    Trained on the generated train split with the legal-lexicon features, calibrated on the
    hand-written gold dev split, scored on the generated dev split (the test splits stay untouched
    for evaluation).
    """
    from models.features import FeatureConfig
    from models.lexicon import LegalLexicon
    from models.linear import LinearConfig
    from training.train import train_linear

    target = directory or default_model_dir()
    corpus = ensure_corpus()
    train_linear(
        read_labelled([corpus / "train.jsonl"]),
        target,
        config=LinearConfig(features=FeatureConfig(legal_lexicon=True)),
        lexicon=LegalLexicon.from_file(LEXICON_PATH),
        calibration=read_labelled([GOLD_DIR / "dev.jsonl"]),
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
