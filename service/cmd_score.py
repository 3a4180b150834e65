"""``triage predict`` (JSONL in and out) and ``triage score`` (batch files, several processes)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from service._cli_errors import reports_errors
from service._options import DEFAULT_ENCODING, EncodingOption

if TYPE_CHECKING:
    from service.batch import ScoringConfig

_MODEL_HELP = (
    "Model bundle directory; default: $TRIAGE_MODEL_DIR or the built-in default model, built "
    "first if it does not exist yet."
)
_CONFIG_HELP = (
    "Settings file (.json or .toml; default: $TRIAGE_CONFIG_FILE) for review thresholds, grade "
    "colours and limits.max_text_chars; environment variables TRIAGE_... override it."
)


@reports_errors
def predict(
    input_path: Annotated[
        Path,
        typer.Option(
            "--input",
            help="JSONL file, one {id, text} object per line ('-': stdin).",
            allow_dash=True,
        ),
    ],
    output_path: Annotated[
        Path,
        typer.Option(
            "--output", help="JSONL results, one per input line ('-': stdout).", allow_dash=True
        ),
    ],
    model: Annotated[
        Path | None, typer.Option("--model", help=_MODEL_HELP, file_okay=False)
    ] = None,
    config: Annotated[
        Path | None, typer.Option("--config", help=_CONFIG_HELP, dir_okay=False)
    ] = None,
    chunk_size: Annotated[
        int, typer.Option("--chunk-size", min=1, help="Records per model call.")
    ] = 256,
    encoding: EncodingOption = DEFAULT_ENCODING,
    restart: Annotated[
        bool,
        typer.Option(
            "--restart",
            help="Discard an interrupted run's OUTPUT.partial (it stops the run otherwise).",
        ),
    ] = False,
) -> None:
    """Triage each record of a JSONL file; a bad record gets an error entry, nothing is dropped."""
    from service.batch import ScoreJob, run_scoring

    job = ScoreJob(
        input_path=_absolute(input_path),
        output_path=_absolute(output_path),
        input_format="jsonl",
        output_format="jsonl",
        chunk_size=chunk_size,
        restart=restart,
        encoding=encoding,
    )
    summary = run_scoring(job, _scoring_config(model, config))
    typer.echo(
        f"{summary.records} records, {sum(summary.errors.values())} errors, "
        f"{summary.blank_lines} blank lines skipped, "
        f"{summary.records_per_second:,.0f} records/s",
        err=True,
    )


@reports_errors
def score(
    input_path: Annotated[
        Path,
        typer.Argument(
            metavar="INPUT", help="Records to score: .csv, .jsonl or .parquet.", dir_okay=False
        ),
    ],
    output_path: Annotated[
        Path,
        typer.Option(
            "--output", "-o", help="Where to write: .csv, .jsonl or .parquet.", dir_okay=False
        ),
    ],
    input_format: Annotated[
        str | None,
        typer.Option("--format", help="Input format (jsonl, csv, parquet) if not from the name."),
    ] = None,
    output_format: Annotated[
        str | None,
        typer.Option(
            "--output-format", help="Output format (jsonl, csv, parquet) if not from the name."
        ),
    ] = None,
    text_column: Annotated[
        str, typer.Option("--text-column", help="Column holding the text.")
    ] = "text",
    id_column: Annotated[
        str, typer.Option("--id-column", help="Column holding the id (absent: the row number).")
    ] = "id",
    model: Annotated[
        Path | None, typer.Option("--model", help=_MODEL_HELP, file_okay=False)
    ] = None,
    config: Annotated[
        Path | None, typer.Option("--config", help=_CONFIG_HELP, dir_okay=False)
    ] = None,
    jobs: Annotated[
        int, typer.Option("--jobs", "-j", min=1, max=64, help="Scoring processes.")
    ] = 1,
    chunk_size: Annotated[
        int, typer.Option("--chunk-size", min=1, help="Records per chunk (per model call).")
    ] = 1000,
    resume: Annotated[
        bool,
        typer.Option(
            "--resume/--no-resume",
            help="Continue an interrupted run from OUTPUT.partial (JSONL and CSV outputs).",
        ),
    ] = False,
    restart: Annotated[
        bool,
        typer.Option(
            "--restart",
            help="Discard an interrupted run's OUTPUT.partial and score everything again "
            "(without --resume or --restart an existing OUTPUT.partial stops the run).",
        ),
    ] = False,
    progress: Annotated[
        bool, typer.Option("--progress/--no-progress", help="Show a progress bar on stderr.")
    ] = True,
    encoding: EncodingOption = DEFAULT_ENCODING,
    bom: Annotated[
        bool,
        typer.Option(
            "--bom/--no-bom",
            help="Start a CSV output with a UTF-8 byte-order mark, so that Excel and WPS show "
            "the Chinese text; --no-bom for pipelines.",
        ),
    ] = True,
) -> None:
    """Score a record file; writes OUTPUT only when complete and prints a summary table."""
    from rich.console import Console
    from tqdm import tqdm

    from service.batch import ScoreJob, estimate_rows, run_scoring

    job = ScoreJob(
        input_path=_absolute(input_path),
        output_path=_absolute(output_path),
        input_format=input_format,
        output_format=output_format,
        text_column=text_column,
        id_column=id_column,
        chunk_size=chunk_size,
        jobs=jobs,
        resume=resume,
        restart=restart,
        encoding=encoding,
        bom=bom,
    )
    scoring_config = _scoring_config(model, config, jobs=jobs)
    with tqdm(
        total=estimate_rows(job) if progress else None,
        unit=" records",
        unit_scale=True,
        disable=not progress,
        dynamic_ncols=True,
    ) as bar:
        summary = run_scoring(job, scoring_config, on_progress=bar.update)
    summary.render(Console(stderr=True))


def _absolute(path: Path) -> Path:
    return path if str(path) == "-" else path.expanduser().resolve()


def _scoring_config(model: Path | None, config: Path | None, *, jobs: int = 1) -> ScoringConfig:
    from models.threads import share_of_cores
    from service._model_source import resolve_model_dir
    from service.batch import ScoringConfig
    from service.settings import load_settings

    overrides = {"model_dir": _absolute(model)} if model is not None else {}
    settings = load_settings(_absolute(config) if config else None, overrides)
    return ScoringConfig(
        model_dir=resolve_model_dir(settings.model_directory()),
        review_policy=settings.review.overrides(),
        grade_colours=dict(settings.grade_colours),
        max_chars=settings.limits.max_text_chars,
        torch_threads=share_of_cores(jobs),
    )
