"""``triage adapt``: retrain the linear model with weak labels from a site's unlabelled records."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from service._cli_errors import reports_errors
from service._options import DEFAULT_ENCODING, EncodingOption
from training.progress import progress_bars


@reports_errors
def adapt(
    unlabelled: Annotated[
        list[Path],
        typer.Option(help="The site's unlabelled records (JSONL/CSV/Parquet with a text column)."),
    ],
    data: Annotated[
        list[Path],
        typer.Option("--data", help="The labelled training data the model was trained on."),
    ],
    output: Annotated[Path, typer.Option(help="Bundle directory to write (replaced atomically).")],
    model: Annotated[
        Path | None,
        typer.Option(help="Linear bundle to adapt; the built-in default model when omitted."),
    ] = None,
    calibration: Annotated[
        list[Path] | None,
        typer.Option(help="Hand-labelled file(s) for calibration, as for `triage train`."),
    ] = None,
    min_confidence: Annotated[
        float, typer.Option(help="Least label-model confidence in the type for a record to join.")
    ] = 0.9,
    weak_weight: Annotated[
        float, typer.Option(help="Sample weight of each weak-labelled record relative to 1.0.")
    ] = 1.0,
    text_column: Annotated[str, typer.Option(help="Name of the text column.")] = "text",
    encoding: EncodingOption = DEFAULT_ENCODING,
) -> None:
    """Label a site's unlabelled records with voting rules and a label model, then retrain."""
    from models.linear import LinearTriageModel
    from models.loading import load_model
    from training.adapt import adapt as run_adapt
    from training.data import read_labelled, read_texts
    from training.default_model import ensure_default_model
    from training.train import training_record

    if not 0.0 < min_confidence <= 1.0:
        raise typer.BadParameter("must be within (0, 1]", param_hint="--min-confidence")
    with progress_bars() as progress:
        base = load_model(model or ensure_default_model(progress=progress))
        if not isinstance(base, LinearTriageModel):
            raise typer.BadParameter("adapt works on linear bundles", param_hint="--model")
        training = read_labelled(data, text_column=text_column, encoding=encoding)
        calibration_set = (
            read_labelled(calibration, text_column=text_column, encoding=encoding)
            if calibration
            else None
        )
        texts = read_texts(
            unlabelled, text_column=text_column, encoding=encoding, row_code="INVALID_TRAINING_ROW"
        )
        adapted, weak, seconds = run_adapt(
            base,
            training,
            texts,
            calibration=calibration_set,
            min_confidence=min_confidence,
            weight=weak_weight,
            progress=progress,
        )
    record = training_record(training, seconds, calibration_set, None)
    record["weak_labels"] = weak.summary
    manifest = adapted.save(output, training=record)
    typer.echo(
        f"adapted {base.version} -> {manifest.version} with {len(weak.records)} of "
        f"{len(texts)} unlabelled records in {seconds:.1f} s; written to {output}"
    )
    typer.echo(json.dumps(weak.summary["kept_by_label"], ensure_ascii=False))
