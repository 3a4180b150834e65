"""Which bundle a command uses: the configured one, or the built-in default (built if absent)."""

from __future__ import annotations

from pathlib import Path

from models.bundle import MANIFEST_NAME
from models.loading import default_model_dir


def resolve_model_dir(configured: Path | None) -> Path:
    """The bundle directory to use.

    Args:
        configured: ``--model`` / ``model_dir`` / ``$TRIAGE_MODEL_DIR``; used as it is (a missing
            bundle there fails when it is loaded, never silently replaced).

    Returns:
        ``configured``, or the built-in default model's directory, which is built first (with a
        progress bar) when it does not exist yet.
    """
    if configured is not None:
        return configured
    directory = default_model_dir()
    if (directory / MANIFEST_NAME).is_file():
        return directory
    from training.default_model import ensure_default_model
    from training.progress import progress_bars

    with progress_bars() as progress:
        return ensure_default_model(directory, progress)
