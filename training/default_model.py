"""The built-in default model: generated corpus -> linear model in ``artifacts/default-model``."""

from __future__ import annotations

from pathlib import Path

from models.loading import default_model_dir
from models.linear import Progress
from training.data import read_labelled

REPO_ROOT = Path(__file__).resolve().parents[1]
CORPUS_DIR = REPO_ROOT / "datasets" / "corpus"
GOLD_DIR = REPO_ROOT / "datasets" / "gold"


def ensure_corpus(corpus_dir: Path = CORPUS_DIR) -> Path:
    """Generate the training corpus if its files are missing; returns its directory."""
    if not (corpus_dir / "train.jsonl").is_file():
        from training.corpus import write_corpus

        write_corpus(corpus_dir)
    return corpus_dir


def build_default_model(directory: Path | None = None, progress: Progress | None = None) -> Path:
    """Train the default model from ``datasets/`` (corpus train split; scored on dev and gold dev)."""
    from training.train import train_linear

    target = directory or default_model_dir()
    corpus = ensure_corpus()
    evaluation = {"generated-dev": read_labelled([corpus / "dev.jsonl"])}
    if (GOLD_DIR / "dev.jsonl").is_file():
        evaluation["gold-dev"] = read_labelled([GOLD_DIR / "dev.jsonl"])
    train_linear(
        read_labelled([corpus / "train.jsonl"]),
        target,
        evaluation_sets=evaluation,
        progress=progress,
    )
    return target


def ensure_default_model(directory: Path | None = None, progress: Progress | None = None) -> Path:
    """The default model's directory, building the model first if it is not there yet."""
    target = directory or default_model_dir()
    if not (target / "manifest.json").is_file():
        build_default_model(target, progress)
    return target
