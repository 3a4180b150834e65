"""``triage drift``: compare inputs and predictions of two periods of records."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from service._cli_errors import reports_errors
from training.progress import progress_bars


@reports_errors
def drift(
    reference: Annotated[
        Path, typer.Option(help="Records of the reference period (JSONL/CSV/Parquet).")
    ],
    current: Annotated[Path, typer.Option(help="Records of the current period.")],
    model: Annotated[
        Path | None, typer.Option(help="Bundle directory; the built-in default model when omitted.")
    ] = None,
    report: Annotated[
        Path | None, typer.Option(help="Write report.json, report.md and one PNG per column here.")
    ] = None,
    alpha: Annotated[float, typer.Option(help="Significance level of every test.")] = 0.01,
    text_column: Annotated[str, typer.Option(help="Name of the text column.")] = "text",
) -> None:
    """Test text length, script mix, out-of-vocabulary rate, class shares, confidence and review
    share between two periods; print a plain verdict (exit 0 either way)."""
    from models.loading import load_model
    from training.data import read_texts
    from training.default_model import ensure_default_model
    from training.drift import compare, profile, write_report

    if not 0.0 < alpha < 1.0:
        raise typer.BadParameter("must be within (0, 1)", param_hint="--alpha")
    with progress_bars() as progress:
        scored = load_model(model or ensure_default_model(progress=progress))
    before = profile(
        scored, read_texts([reference], text_column=text_column, row_code="INVALID_RECORD_ROW")
    )
    after = profile(
        scored, read_texts([current], text_column=text_column, row_code="INVALID_RECORD_ROW")
    )
    result = compare(before, after, alpha=alpha, model_version=scored.version)
    for column in result.columns:
        typer.echo(
            f"{column.column:<18} {column.test:<19} effect {column.effect:<7} "
            f"p {column.p_value:<10.3g} {'DRIFT' if column.drifted else 'ok'}"
        )
    typer.echo(result.verdict())
    if report:
        write_report(report, result, before, after)
        typer.echo(f"report written to {report}")
