"""Commands that build and measure models: ``generate-corpus``, ``pretrain``, ``train``,
``ensemble``, ``evaluate``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from models.features import DEFAULT_LEXICON_SCALE
from service._cli_errors import reports_errors
from service._options import DEFAULT_ENCODING, EncodingOption
from training.progress import progress_bars

console = Console(stderr=False, width=120)

MIN_CORPUS_RECORDS = 10
"""The smallest corpus ``generate-corpus`` writes (train, dev and test each get records)."""

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

    if records < MIN_CORPUS_RECORDS:
        raise typer.BadParameter(
            f"give at least {MIN_CORPUS_RECORDS} so that dev and test are not empty",
            param_hint="--records",
        )
    try:
        write_corpus(output.resolve(), seed, records, progress=True)
    except ValueError as error:
        raise typer.BadParameter(str(error), param_hint="--records") from None
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
    encoding: EncodingOption = DEFAULT_ENCODING,
    feature_mode: Annotated[
        str, typer.Option(help="N-gram columns: 'vocabulary' (TF-IDF vocabulary) or 'hashing'.")
    ] = "vocabulary",
    keyword_features: Annotated[
        bool,
        typer.Option(
            help="Linear model: add one binary feature per keyword-trigger list "
            "(models/data/keyword_baseline.json); see docs/models.md for its measured trade-off."
        ),
    ] = False,
    lexicon: Annotated[
        bool,
        typer.Option(
            help="Linear model: add the legal-lexicon features (case causes, charges, injury "
            "grades; see docs/models.md)."
        ),
    ] = True,
    lexicon_file: Annotated[
        Path | None,
        typer.Option(help="Lexicon JSON (default: datasets/lexicon/legal_lexicon.json)."),
    ] = None,
    keyword_gate: Annotated[
        str,
        typer.Option(
            help="Linear model: 'court' reads the keyword-trigger features only in text written "
            "in the court register (needs --keyword-features and --lexicon); 'none' everywhere."
        ),
    ] = "none",
    lexicon_scale: Annotated[
        float, typer.Option(help="Linear model: multiplier of the lexicon columns.")
    ] = DEFAULT_LEXICON_SCALE,
    seed: Annotated[
        int, typer.Option(help="Seed of the calibration split (and of every transformer choice).")
    ] = 20261122,
    arch: Annotated[
        str, typer.Option(help="Model architecture: 'linear' (default) or 'transformer'.")
    ] = "linear",
    base_model: Annotated[
        Path | None,
        typer.Option(
            help="[transformer] Local Hugging Face checkpoint directory to fine-tune (from "
            "`triage pretrain`, or a BERT/RoBERTa copied in); never downloads. Without it "
            "a small encoder is trained from random weights."
        ),
    ] = None,
    dev: Annotated[
        list[Path] | None,
        typer.Option(
            help="[transformer] Labelled file(s) for early stopping; without it a share of "
            "--data is held out."
        ),
    ] = None,
    epochs: Annotated[int, typer.Option(help="[transformer] Most passes over --data.")] = 5,
    batch_size: Annotated[int, typer.Option(help="[transformer] Records per step.")] = 32,
    learning_rate: Annotated[
        float, typer.Option(help="[transformer] Peak learning rate after warm-up.")
    ] = 2e-4,
    max_length: Annotated[
        int,
        typer.Option(
            help="[transformer] Window length in tokens; longer texts are read as overlapping "
            "windows."
        ),
    ] = 256,
    overlap: Annotated[
        int | None,
        typer.Option(
            help="[transformer] Tokens shared by consecutive windows of a long text "
            "(default: a quarter of --max-length, at most 64)."
        ),
    ] = None,
    patience: Annotated[
        int, typer.Option(help="[transformer] Evaluations without dev gain before stopping.")
    ] = 2,
    eval_every: Annotated[
        int, typer.Option(help="[transformer] Steps between dev evaluations; 0 = per epoch.")
    ] = 0,
    max_minutes: Annotated[
        float, typer.Option(help="[transformer] Time budget in minutes; 0 = none.")
    ] = 0.0,
    threads: Annotated[
        int | None, typer.Option(help="[transformer] CPU threads for torch (default: all).")
    ] = None,
    checkpoint_dir: Annotated[
        Path | None,
        typer.Option(help="[transformer] Directory for resumable training checkpoints."),
    ] = None,
    resume: Annotated[
        bool, typer.Option(help="[transformer] Continue from --checkpoint-dir.")
    ] = False,
) -> None:
    """Train a model (linear by default, or the transformer) and write a bundle."""
    from models.features import FeatureConfig
    from models.linear import LinearConfig
    from training.data import LabelledSet, check_trainable, read_labelled
    from training.train import train_linear

    training = read_labelled(data, text_column=text_column, encoding=encoding)
    if feedback:
        corrections = read_labelled(
            feedback, text_column=text_column, encoding=encoding, weight=feedback_weight
        )
        training = LabelledSet(
            training.records + corrections.records,
            training.files + corrections.files,
            training.sha256 + "+" + corrections.sha256,
        )
    evaluation = {
        name: read_labelled([path], text_column=text_column, encoding=encoding)
        for path, name in zip(eval_data or [], set_names(eval_data or []), strict=True)
    }
    calibration_set = (
        read_labelled(calibration, text_column=text_column, encoding=encoding)
        if calibration
        else None
    )
    run: Any
    if arch == "transformer":
        check_trainable(training, calibration_set)
        from models.transformer import TransformerConfig
        from training.transformer import set_threads, train_transformer

        set_threads(threads)
        try:
            transformer_config = TransformerConfig(
                max_length=max_length,
                overlap=min(64, max_length // 4) if overlap is None else overlap,
                batch_size=batch_size,
                epochs=epochs,
                learning_rate=learning_rate,
                patience=patience,
                eval_every=eval_every,
                max_minutes=max_minutes,
                seed=seed,
            )
        except ValueError as error:
            raise typer.BadParameter(str(error)) from None
        with progress_bars() as progress:
            run = train_transformer(
                training,
                output,
                config=transformer_config,
                base_model=base_model,
                dev=read_labelled(dev, text_column=text_column, encoding=encoding) if dev else None,
                calibration=calibration_set,
                evaluation_sets=evaluation,
                checkpoint_dir=checkpoint_dir,
                resume=resume,
                progress=progress,
            )
    elif arch == "linear":
        from models.lexicon import LegalLexicon
        from training.default_model import LEXICON_PATH

        try:
            features = FeatureConfig(
                mode=feature_mode,
                keyword_features=keyword_features,
                legal_lexicon=lexicon,
                lexicon_scale=lexicon_scale,
                keyword_gate=keyword_gate,
            )
        except ValueError as error:
            raise typer.BadParameter(str(error)) from None
        config = LinearConfig(features=features, seed=seed)
        with progress_bars() as progress:
            run = train_linear(
                training,
                output,
                config=config,
                lexicon=LegalLexicon.from_file(lexicon_file or LEXICON_PATH) if lexicon else None,
                calibration=calibration_set,
                evaluation_sets=evaluation,
                progress=progress,
            )
    else:
        raise typer.BadParameter("use 'linear' or 'transformer'", param_hint="--arch")
    title = (
        f"trained {run.manifest.version} on {len(training.records)} records "
        f"in {run.seconds:.1f} s -> {output}"
    )
    _print_metrics(title, run.metrics)


@reports_errors
def pretrain(
    data: Annotated[
        list[Path],
        typer.Option(
            "--data", help="JSONL/CSV/Parquet file(s) with a text column; labels not needed."
        ),
    ],
    output: Annotated[
        Path, typer.Option(help="Checkpoint directory to write, for `train --base-model`.")
    ],
    text_column: Annotated[str, typer.Option(help="Name of the text column.")] = "text",
    encoding: EncodingOption = DEFAULT_ENCODING,
    epochs: Annotated[int, typer.Option(help="Passes over the texts.")] = 3,
    batch_size: Annotated[int, typer.Option(help="Windows per step.")] = 64,
    learning_rate: Annotated[float, typer.Option(help="Peak learning rate after warm-up.")] = 5e-4,
    max_minutes: Annotated[
        float, typer.Option(help="Time budget in minutes; the weights so far are kept. 0 = none.")
    ] = 0.0,
    layers: Annotated[int, typer.Option(help="Transformer layers.")] = 4,
    hidden: Annotated[int, typer.Option(help="Hidden size (a multiple of --heads).")] = 256,
    heads: Annotated[int, typer.Option(help="Attention heads.")] = 4,
    intermediate: Annotated[int, typer.Option(help="Feed-forward size.")] = 1024,
    max_positions: Annotated[int, typer.Option(help="Longest window in tokens.")] = 256,
    min_char_count: Annotated[
        int, typer.Option(help="Keep characters seen at least this often.")
    ] = 2,
    threads: Annotated[int | None, typer.Option(help="CPU threads for torch.")] = None,
    checkpoint_dir: Annotated[
        Path | None, typer.Option(help="Directory for resumable checkpoints.")
    ] = None,
    resume: Annotated[bool, typer.Option(help="Continue from --checkpoint-dir.")] = False,
    seed: Annotated[int, typer.Option(help="Seed of every random choice.")] = 20261122,
) -> None:
    """Pretrain a small character-level BERT on unlabelled records (masked language model)."""
    from models.transformer import EncoderShape
    from models.transformer.pretrain import PretrainConfig
    from models.transformer.pretrain import pretrain as run_pretraining
    from training.data import read_texts
    from training.transformer import set_threads

    set_threads(threads)
    texts = read_texts(data, text_column=text_column, encoding=encoding)
    try:
        shape = EncoderShape(
            layers=layers,
            hidden=hidden,
            heads=heads,
            intermediate=intermediate,
            max_positions=max_positions,
            min_char_count=min_char_count,
        )
    except ValueError as error:
        raise typer.BadParameter(str(error)) from None
    config = PretrainConfig(
        batch_size=batch_size,
        epochs=epochs,
        learning_rate=learning_rate,
        max_minutes=max_minutes,
        seed=seed,
    )
    with progress_bars() as progress:
        stats = run_pretraining(
            texts,
            output,
            shape=shape,
            config=config,
            checkpoint_dir=checkpoint_dir,
            resume=resume,
            progress=progress,
        )
    typer.echo(
        f"pretrained on {stats['texts']} texts ({stats['steps']} steps, vocabulary "
        f"{stats['vocabulary']}, {stats['seconds']} s, stopped: {stats['stopped']}) -> {output}"
    )


@reports_errors
def ensemble(
    member: Annotated[
        list[Path],
        typer.Option(help="Trained bundle directory (linear or transformer); repeat for each."),
    ],
    calibration: Annotated[
        list[Path],
        typer.Option(
            help="Hand-labelled file(s) the weights and the escalation threshold are chosen on "
            "(e.g. datasets/gold/dev.jsonl)."
        ),
    ],
    output: Annotated[Path, typer.Option(help="Bundle directory to write (replaced atomically).")],
    weight: Annotated[
        list[float] | None,
        typer.Option(
            help="Weight of each --member, in order; omitted: chosen on --calibration "
            "(two members)."
        ),
    ] = None,
    eval_data: Annotated[
        list[Path] | None,
        typer.Option("--eval", help="Labelled file(s) to score afterwards (name = file stem)."),
    ] = None,
    threads: Annotated[
        int | None, typer.Option(help="CPU threads for torch (transformer members).")
    ] = None,
    text_column: Annotated[str, typer.Option(help="Name of the text column.")] = "text",
    encoding: EncodingOption = DEFAULT_ENCODING,
) -> None:
    """Average the calibrated probabilities of trained bundles into one ensemble bundle."""
    from training.data import read_labelled
    from training.ensemble import build_ensemble
    from training.transformer import set_threads

    if len(member) < 2:
        raise typer.BadParameter("give at least two bundles", param_hint="--member")
    if weight is not None and len(weight) != len(member):
        raise typer.BadParameter("give one --weight per --member", param_hint="--weight")
    evaluation = {
        name: read_labelled([path], text_column=text_column, encoding=encoding)
        for path, name in zip(eval_data or [], set_names(eval_data or []), strict=True)
    }
    calibration_set = read_labelled(calibration, text_column=text_column, encoding=encoding)
    set_threads(threads)
    try:
        run = build_ensemble(
            member, calibration_set, output, weights=weight, evaluation_sets=evaluation
        )
    except (ValueError, TypeError) as error:
        raise typer.BadParameter(str(error)) from None
    weights = ", ".join(f"{w:.2f}" for w in run.model.weights_)  # type: ignore[attr-defined]
    _print_metrics(f"built {run.manifest.version} (weights {weights}) -> {output}", run.metrics)


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
    encoding: EncodingOption = DEFAULT_ENCODING,
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
    names = set_names(data)
    for label, scored in models.items():
        results, sets = {}, {}
        for path, name in zip(data, names, strict=True):
            held_out = read_labelled([path], text_column=text_column, encoding=encoding)
            predictions = predict_all(scored, held_out.texts)
            results[name] = evaluate_predictions(held_out, predictions, scored.review_policy)
            sets[name] = (held_out, predictions)
            _metric_row(table, name, results[name], label)
        if report:
            target = report if label == "model" else report / label
            write_report(target, results, sets, scored.version)
    console.print(table)
    calibrated_on = calibration_sets(directory, data)
    if calibrated_on:
        typer.echo(
            "note: the model was calibrated on "
            + ", ".join(calibrated_on)
            + "; its figures there are in-sample (cross-validate with python -m training.select)"
        )
    if report:
        typer.echo(f"report written to {report}")


def calibration_sets(directory: Path, paths: list[Path]) -> list[str]:
    """Which of ``paths`` the bundle at ``directory`` was calibrated on (by resolved path)."""
    from models.bundle import read_manifest

    calibration = read_manifest(directory).training.get("calibration") or {}
    used = {Path(file).resolve() for file in calibration.get("files", [])}
    return [str(path) for path in paths if path.resolve() in used]


def set_names(paths: list[Path]) -> list[str]:
    """A short unique name per data file: its stem, or ``folder-stem`` when stems repeat."""
    stems = [path.stem for path in paths]
    names = [
        f"{path.parent.name}-{path.stem}" if stems.count(path.stem) > 1 else path.stem
        for path in paths
    ]
    if len(set(names)) != len(names):
        names = [f"{i + 1}-{name}" for i, name in enumerate(names)]
    return names


def _print_metrics(title: str, metrics: dict[str, dict[str, Any]]) -> None:
    """The metrics table, or the title alone when no ``--eval`` set was scored."""
    if not metrics:
        console.print(f"{title}\n(no --eval set given, so no metrics)")
        return
    table = Table(title=title)
    _metric_columns(table)
    for name, values in metrics.items():
        _metric_row(table, name, values)
    console.print(table)


def _metric_columns(table: Table) -> None:
    for column in (
        "model",
        "set",
        "n",
        "type F1",
        "grade F1",
        "esc P",
        "esc R",
        "type ECE",
        "cover",
        "kept acc",
    ):
        left = column in ("model", "set")
        table.add_column(column, justify="left" if left else "right", no_wrap=True)


def _metric_row(table: Table, name: str, metrics: dict[str, Any], model: str = "model") -> None:
    kept = metrics["review"]["dispute_type_accuracy_kept"]
    table.add_row(
        model,
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
