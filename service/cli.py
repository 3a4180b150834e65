"""The ``triage`` command line. Each command lives in its own module; this file only wires them.

Heavy imports (scikit-learn, FastAPI) happen inside the commands so ``triage --help`` stays fast.
"""

from __future__ import annotations

import typer

from service import cmd_adapt, cmd_drift, cmd_feedback, cmd_model, cmd_score, cmd_serve
from service._cli_errors import reports_errors

app = typer.Typer(
    name="triage",
    help="Offline triage of Chinese police call records and dispute reports.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

app.command("generate-corpus")(cmd_model.generate_corpus)
app.command("pretrain")(cmd_model.pretrain)
app.command("train")(cmd_model.train)
app.command("ensemble")(cmd_model.ensemble)
app.command("evaluate")(cmd_model.evaluate)
app.command("adapt")(cmd_adapt.adapt)
app.command("drift")(cmd_drift.drift)
app.command("predict")(cmd_score.predict)
app.command("score")(cmd_score.score)
app.command("serve")(cmd_serve.serve)
app.add_typer(cmd_feedback.app, name="feedback")


@app.command(
    "audit-corpus", context_settings={"allow_extra_args": True, "ignore_unknown_options": True}
)
@reports_errors
def audit_corpus(ctx: typer.Context) -> None:
    """Print per-register distances between corpus and real text (see python -m training.audit)."""
    from training.audit import main

    raise typer.Exit(main(ctx.args))
