"""Evaluation reports: ``report.json``, ``report.md`` and PNG plots."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from models.protocol import Triage
from nlp.labels import DISPUTE_TYPES, RISK_GRADES
from training.data import LabelledSet

_DISPLAY = {
    "dispute_type": DISPUTE_TYPES,
    "risk_grade": RISK_GRADES,
    "escalation": {"false": "no", "true": "yes"},
}


def write_report(
    directory: Path,
    results: Mapping[str, dict[str, Any]],
    sets: Mapping[str, tuple[LabelledSet, Sequence[Triage]]],
    model_version: str,
) -> list[Path]:
    """Write the report files for one or more evaluated sets.

    Args:
        directory: where to write (created).
        results: set name -> metrics from ``evaluate_predictions``.
        sets: set name -> (data, predictions), for the reliability diagrams.
        model_version: shown in the report.

    Returns:
        The paths written.
    """
    directory.mkdir(parents=True, exist_ok=True)
    written = [directory / "report.json", directory / "report.md"]
    (directory / "report.json").write_text(
        json.dumps({"model_version": model_version, "sets": results}, ensure_ascii=False, indent=2),
        encoding="utf-8",
    )
    (directory / "report.md").write_text(markdown_report(results, model_version), encoding="utf-8")
    for name, (data, predictions) in sets.items():
        written.extend(_plots(directory, name, results[name], data, predictions))
    return written


def markdown_report(results: Mapping[str, dict[str, Any]], model_version: str) -> str:
    """A Markdown summary: headline table, per-class tables and coverage."""
    lines = [
        f"# Evaluation of `{model_version}`",
        "",
        "| set | n | type macro-F1 | grade macro-F1 | escalation P | escalation R | "
        "type ECE | grade ECE | esc. ECE | coverage | type acc. kept | grade acc. kept | "
        "esc. R kept |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name, m in results.items():
        lines.append(
            f"| {name} | {m['n']} | {m['dispute_type']['macro_f1']:.3f} | "
            f"{m['risk_grade']['macro_f1']:.3f} | {m['escalation']['precision']:.3f} | "
            f"{m['escalation']['recall']:.3f} | {m['dispute_type']['ece']:.3f} | "
            f"{m['risk_grade']['ece']:.3f} | {m['escalation']['ece']:.3f} | "
            f"{m['review']['coverage']:.3f} | {_fmt(m['review']['dispute_type_accuracy_kept'])} | "
            f"{_fmt(m['review']['risk_grade_accuracy_kept'])} | "
            f"{_fmt(m['review']['escalation_recall_kept'])} |"
        )
    for name, m in results.items():
        lines += ["", f"## {name}"]
        for head in ("dispute_type", "risk_grade", "escalation"):
            h = m[head]
            lines += [
                "",
                f"### {head} (accuracy {h['accuracy']:.3f}, macro-F1 {h['macro_f1']:.3f})",
                "",
                "| label | precision | recall | F1 | support |",
                "|---|---|---|---|---|",
            ]
            for label, c in h["per_class"].items():
                shown = f"{label} {_DISPLAY[head].get(label, '')}".strip()
                lines.append(
                    f"| {shown} | {c['precision']:.3f} | {c['recall']:.3f} | "
                    f"{c['f1']:.3f} | {c['support']} |"
                )
            lines += [
                "",
                "Confusion (rows = truth, columns = predicted, order "
                f"{', '.join(h['labels'])}): `{h['confusion']}`",
            ]
        lines += _review_lines(m["review"])
    return "\n".join(lines) + "\n"


_CURVE_METRICS = {
    "dispute_type": "dispute_type_accuracy_kept",
    "risk_grade": "risk_grade_accuracy_kept",
    "escalation": "escalation_recall_kept",
}


def _review_lines(review: dict[str, Any]) -> list[str]:
    """The review section of one set: reasons, each head's risk–coverage, the policy's curve."""
    reasons = ", ".join(f"`{code}` {count}" for code, count in review["reasons"].items())
    lines = [
        "",
        f"### review (coverage {review['coverage']:.3f}, {review['kept']} kept)",
        "",
        f"Reasons: {reasons or 'none'}.",
        "",
        "Risk–coverage per head (keep the most confident share by that head alone; escalation: "
        "distance from the threshold, quality = recall of the kept escalations):",
        "",
        "| coverage | type acc. kept | grade acc. kept | esc. R kept |",
        "|---|---|---|---|",
    ]
    curves = review["risk_coverage"]
    for i, point in enumerate(curves["dispute_type"]):
        cells = [_fmt(curves[head][i][metric]) for head, metric in _CURVE_METRICS.items()]
        lines.append(f"| {point['coverage']:.3f} | {' | '.join(cells)} |")
    if "policy_curve" in review:
        lines += [
            "",
            "The review policy chosen again for each target coverage (on its calibration data) "
            "and measured here:",
            "",
            "| target | coverage | type acc. kept | grade acc. kept | esc. R kept | esc. P kept |",
            "|---|---|---|---|---|---|",
        ]
        for point in review["policy_curve"]:
            lines.append(
                f"| {point['target_coverage']} | {point['coverage']:.3f} | "
                f"{_fmt(point['dispute_type_accuracy_kept'])} | "
                f"{_fmt(point['risk_grade_accuracy_kept'])} | "
                f"{_fmt(point['escalation_recall_kept'])} | "
                f"{_fmt(point['escalation_precision_kept'])} |"
            )
    return lines


def _fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def _plots(
    directory: Path,
    name: str,
    metrics: dict[str, Any],
    data: LabelledSet,
    predictions: Sequence[Triage],
) -> list[Path]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    written = []
    figure, axes = plt.subplots(1, 3, figsize=(15, 4.5))
    for axis, head in zip(axes, ("dispute_type", "risk_grade", "escalation"), strict=True):
        matrix = np.asarray(metrics[head]["confusion"])
        axis.imshow(matrix, cmap="Blues")
        labels = metrics[head]["labels"]
        axis.set_xticks(range(len(labels)), labels, rotation=30)
        axis.set_yticks(range(len(labels)), labels)
        for (i, j), value in np.ndenumerate(matrix):
            axis.text(j, i, str(value), ha="center", va="center", fontsize=8)
        axis.set_title(f"{head} (truth rows)")
    figure.suptitle(f"Confusion matrices — {name}")
    figure.tight_layout()
    path = directory / f"{_safe(name)}-confusion.png"
    figure.savefig(path, dpi=100)
    plt.close(figure)
    written.append(path)

    figure, axis = plt.subplots(figsize=(5.5, 5))
    axis.plot([0, 1], [0, 1], linestyle="--", color="grey", label="perfect")
    series = {
        "dispute_type": (
            [max(p.dispute_type.scores.values()) for p in predictions],
            [
                p.dispute_type.label == t
                for p, t in zip(predictions, data.dispute_types, strict=True)
            ],
        ),
        "risk_grade": (
            [max(p.risk_grade.scores.values()) for p in predictions],
            [p.risk_grade.label == g for p, g in zip(predictions, data.risk_grades, strict=True)],
        ),
        "escalation": ([p.escalation.probability for p in predictions], list(data.escalations)),
    }
    for head, (confidence, outcome) in series.items():
        conf, hit = np.asarray(confidence), np.asarray(outcome, dtype=float)
        bins = np.minimum((conf * 10).astype(int), 9)
        xs = [conf[bins == b].mean() for b in range(10) if (bins == b).any()]
        ys = [hit[bins == b].mean() for b in range(10) if (bins == b).any()]
        axis.plot(xs, ys, marker="o", label=f"{head} (ECE {metrics[head]['ece']:.3f})")
    axis.set_xlabel("predicted probability (top label; escalation: P(true))")
    axis.set_ylabel("observed frequency")
    axis.set_title(f"Reliability — {name}")
    axis.legend(fontsize=8)
    figure.tight_layout()
    path = directory / f"{_safe(name)}-reliability.png"
    figure.savefig(path, dpi=100)
    plt.close(figure)
    written.append(path)

    review = metrics["review"]
    figure, axis = plt.subplots(figsize=(6, 5))
    for head, metric in _CURVE_METRICS.items():
        points = [p for p in review["risk_coverage"][head] if p[metric] is not None]
        axis.plot(
            [p["coverage"] for p in points],
            [1 - p[metric] for p in points],
            marker="o",
            label=f"{head} alone",
        )
    for metric, label in (
        ("dispute_type_accuracy_kept", "policy: type error"),
        ("escalation_recall_kept", "policy: missed escalations"),
    ):
        points = [p for p in review.get("policy_curve", []) if p[metric] is not None]
        if points:
            axis.plot(
                [p["coverage"] for p in points],
                [1 - p[metric] for p in points],
                linestyle="--",
                marker="s",
                label=label,
            )
    axis.axvline(review["coverage"], color="grey", linestyle=":", label="in use")
    axis.set_xlabel("coverage (share kept automatic)")
    axis.set_ylabel("risk on kept records (1 - accuracy; escalation: 1 - recall)")
    axis.set_title(f"Risk–coverage — {name}")
    axis.legend(fontsize=8)
    figure.tight_layout()
    path = directory / f"{_safe(name)}-risk-coverage.png"
    figure.savefig(path, dpi=100)
    plt.close(figure)
    written.append(path)
    return written


def _safe(name: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in name)
