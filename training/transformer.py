"""Training runs for the transformer: pretrain an encoder, fine-tune the triage heads."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from models.bundle import Manifest
from models.io import iter_rows
from models.linear import CalibrationData, Progress
from nlp.errors import InputFileError, InvalidRecordError
from nlp.validate import validate_text
from training.data import LabelledSet
from training.evaluate import evaluate_predictions, predict_all
from training.train import _headline


@dataclass(frozen=True)
class TransformerRun:
    """What a transformer training run produced."""

    model: Any
    manifest: Manifest
    metrics: dict[str, Any]
    seconds: float


def set_threads(threads: int | None) -> None:
    """Use ``threads`` CPU threads in torch (all cores when ``None``)."""
    import torch

    if threads is not None:
        if threads < 1:
            raise ValueError("threads must be at least 1")
        torch.set_num_threads(threads)


def read_texts(paths: Sequence[Path], *, text_column: str = "text") -> list[str]:
    """Unlabelled texts from JSONL/CSV/Parquet files (labels, if any, are ignored).

    Raises:
        InputFileError: a file is unreadable or a row's text is invalid (code
            ``INVALID_PRETRAINING_ROW``, naming file and row, never the text).
    """
    texts: list[str] = []
    for path in paths:
        for number, row in iter_rows(Path(path)):
            try:
                texts.append(validate_text(row.get(text_column)))
            except InvalidRecordError as error:
                raise InputFileError(
                    f"{path} row {number}: {error.message}", code="INVALID_PRETRAINING_ROW"
                ) from None
    if not texts:
        raise InputFileError("the input files hold no records", code="NO_RECORDS")
    return texts


def train_transformer(
    data: LabelledSet,
    output: Path,
    *,
    config: Any = None,
    base_model: Path | None = None,
    shape: Any = None,
    dev: LabelledSet | None = None,
    calibration: LabelledSet | None = None,
    evaluation_sets: Mapping[str, LabelledSet] | None = None,
    checkpoint_dir: Path | None = None,
    resume: bool = False,
    progress: Progress | None = None,
) -> TransformerRun:
    """Fine-tune the transformer model, evaluate it, and save it as a bundle.

    Args:
        data: the training records.
        output: bundle directory to write (replaced atomically).
        config: a ``TransformerConfig``; defaults apply when omitted.
        base_model: local Hugging Face checkpoint directory (e.g. from ``triage pretrain``).
        shape: an ``EncoderShape`` for a from-scratch encoder (without ``base_model``).
        dev: labelled data for early stopping; a share of ``data`` when omitted.
        calibration: hand-labelled data for temperatures and the escalation threshold.
        evaluation_sets: name -> labelled set to score after training.
        checkpoint_dir: resumable checkpoints go here.
        resume: continue from ``checkpoint_dir``.
        progress: callback for progress bars.

    Returns:
        The fitted model, its manifest, the metrics and the training time.
    """
    from models.transformer import TransformerTriageModel

    started = time.perf_counter()
    model = TransformerTriageModel(config, base_model=base_model, shape=shape).fit(
        data.texts,
        data.dispute_types,
        data.risk_grades,
        data.escalations,
        sample_weight=data.weights,
        dev=_as_calibration(dev),
        calibration=_as_calibration(calibration),
        checkpoint_dir=checkpoint_dir,
        resume=resume,
        progress=progress,
    )
    seconds = time.perf_counter() - started
    metrics = {
        name: evaluate_predictions(held_out, predict_all(model, held_out.texts))
        for name, held_out in (evaluation_sets or {}).items()
    }
    training = {
        "files": list(data.files),
        "records": len(data.records),
        "data_sha256": data.sha256,
        "seconds": round(seconds, 1),
        "base_model": None if base_model is None else str(base_model),
        "dev": None if dev is None else {"files": list(dev.files), "sha256": dev.sha256},
        "calibration": None
        if calibration is None
        else {"files": list(calibration.files), "sha256": calibration.sha256},
        "evaluation_sets": {name: held.sha256 for name, held in (evaluation_sets or {}).items()},
        "steps": model.training_.steps,
        "stopped": model.training_.stopped,
        "dev_history": model.training_.history,
    }
    manifest = model.save(output, training=training, metrics=_headline(metrics))
    return TransformerRun(model=model, manifest=manifest, metrics=metrics, seconds=seconds)


def _as_calibration(data: LabelledSet | None) -> CalibrationData | None:
    if data is None:
        return None
    return CalibrationData(data.texts, data.dispute_types, data.risk_grades, data.escalations)
