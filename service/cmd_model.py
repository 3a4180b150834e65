"""Commands that build and measure models: ``generate-corpus``, ``train``, ``evaluate``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from service._cli_errors import reports_errors
from training.progress import progress_bars

console = Console(stderr=False)

DataFiles = Annotated[
    list[Path],
    typer.Option("--data", help="Labelled JSONL/CSV/Parquet file(s); repeat the option for more."),
]


@reports_errors
def generate_corpus(
    output: Annotated[
        Path, typer.Option(help="Directory for train/dev/test JSONL + MANIFEST.json.")
    ] = Path("datasets/corpus"),
    seed: Annotated[
        int, typer.Option(help="Random seed; the same seed gives identical files.")
    ] = 20261122,
    records: Annotated[int, typer.Option(help="Number of records to generate in all.")] = 25_000,
) -> None:
    """Generate the synthetic training corpus deterministically."""
    from training.corpus import write_corpus

    write_corpus(output.resolve(), seed, records, progress=True)
    typer.echo(f"wrote {records} records to {output}")


@reports_errors
def train(
    data: DataFiles,
    output: Annotated[Path, typer.Option(help="Bundle directory to write (replaced atomically).")],
    eval_data: Annotated[
        list[Path] | None,
        typer.Option("--eval", help="Labelled file(s) to score after training (name = file stem)."),
    ] = None,
    calibration: Annotated[
        list[Path] | None,
        typer.Option(
            help="Hand-labelled file(s) for probability calibration and the escalation threshold; "
            "without it a share of --data is held out (overconfident on synthetic data)."
        ),
    ] = None,
    feedback: Annotated[
        list[Path] | None,
        typer.Option(help="Exported staff corrections, trained on alongside --data."),
    ] = None,
    feedback_weight: Annotated[
        float, typer.Option(help="Sample weight of each feedback record relative to 1.0.")
    ] = 3.0,
    text_column: Annotated[str, typer.Option(help="Name of the text column.")] = "text",
    feature_mode: Annotated[
        str, typer.Option(help="N-gram columns: 'vocabulary' (TF-IDF vocabulary) or 'hashing'.")
    ] = "vocabulary",
    seed: Annotated[int, typer.Option(help="Seed for the calibration split.")] = 20261122,
) -> None:
    """Train the linear model and write a bundle; prints a summary table."""
    from models.features import FeatureConfig
    from models.linear import LinearConfig
    from training.data import LabelledSet, read_labelled
    from training.train import train_linear

    training = read_labelled(data, text_column=text_column)
    if feedback:
        corrections = read_labelled(feedback, text_column=text_column, weight=feedback_weight)
        training = LabelledSet(
            training.records + corrections.records,
            training.files + corrections.files,
            training.sha256 + "+" + corrections.sha256,
        )
    evaluation = {
        path.stem: read_labelled([path], text_column=text_column) for path in eval_data or []
    }
    config = LinearConfig(features=FeatureConfig(mode=feature_mode), seed=seed)
    with progress_bars() as progress:
        run = train_linear(
            training,
            output,
            config=config,
            calibration=read_labelled(calibration, text_column=text_column)
            if calibration
            else None,
            evaluation_sets=evaluation,
            progress=progress,
        )
    table = Table(
        title=f"trained {run.manifest.version} on {len(training.records)} records "
        f"in {run.seconds:.1f} s -> {output}"
    )
    _metric_columns(table)
    for name, metrics in run.metrics.items():
        _metric_row(table, name, metrics)
    console.print(table)


@reports_errors
def evaluate(
    data: DataFiles,
    model: Annotated[
        Path | None, typer.Option(help="Bundle directory; the built-in default model when omitted.")
    ] = None,
    report: Annotated[
        Path | None, typer.Option(help="Write report.json, report.md and PNG plots here.")
    ] = None,
    baseline: Annotated[
        bool, typer.Option(help="Also score the keyword-trigger baseline on the same sets.")
    ] = False,
    text_column: Annotated[str, typer.Option(help="Name of the text column.")] = "text",
) -> None:
    """Score a model on labelled file(s): per-head F1, confusion, calibration, coverage."""
    from models.baseline import KeywordTriggerModel
    from models.loading import load_model
    from training.data import read_labelled
    from training.default_model import ensure_default_model
    from training.evaluate import evaluate_predictions, predict_all
    from training.report import write_report

    with progress_bars() as progress:
        directory = model or ensure_default_model(progress=progress)
    models: dict[str, Any] = {"model": load_model(directory)}
    if baseline:
        models["baseline"] = KeywordTriggerModel()
    table = Table(title=f"evaluation of {models['model'].version}")
    _metric_columns(table)
    for label, scored in models.items():
        results, sets = {}, {}
        for path in data:
            held_out = read_labelled([path], text_column=text_column)
            predictions = predict_all(scored, held_out.texts)
            results[path.stem] = evaluate_predictions(held_out, predictions)
            sets[path.stem] = (held_out, predictions)
            _metric_row(table, f"{path.stem} [{label}]", results[path.stem])
        if report:
            target = report if label == "model" else report / label
            write_report(target, results, sets, scored.version)
    console.print(table)
    if report:
        typer.echo(f"report written to {report}")


def _metric_columns(table: Table) -> None:
    for column in (
        "set",
        "n",
        "type macro-F1",
        "grade macro-F1",
        "esc. precision",
        "esc. recall",
        "type ECE",
        "coverage",
        "type acc. kept",
    ):
        table.add_column(column, justify="left" if column == "set" else "right")


def _metric_row(table: Table, name: str, metrics: dict[str, Any]) -> None:
    kept = metrics["review"]["dispute_type_accuracy_kept"]
    table.add_row(
        name,
        str(metrics["n"]),
        f"{metrics['dispute_type']['macro_f1']:.3f}",
        f"{metrics['risk_grade']['macro_f1']:.3f}",
        f"{metrics['escalation']['precision']:.3f}",
        f"{metrics['escalation']['recall']:.3f}",
        f"{metrics['dispute_type']['ece']:.3f}",
        f"{metrics['review']['coverage']:.3f}",
        "-" if kept is None else f"{kept:.3f}",
    )
