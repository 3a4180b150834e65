"""Drift between two periods of records: their inputs and the model's predictions, per column.

For each record of a reference and a current file: text length, Traditional-script share (characters
OpenCC's ``t2s`` changes), out-of-vocabulary rate (tokens the model's word vocabulary lacks; linear
models only), and from the model's prediction the dispute type, risk grade, escalation flag, top
type probability and review flag. Each column gets the test that fits its type: numeric columns the
two-sample Kolmogorov–Smirnov test, categorical and binary columns the chi-square test of a 2 × k
table, with an effect size beside the p-value (the KS statistic; the Jensen–Shannon distance of the
two distributions). A column drifts when its p-value is below ``alpha`` **and** its effect size
reaches the column's minimum, so a large archive does not call a trivial change drift.

SciPy rather than Evidently: SciPy is already a dependency and the tests are these few; Evidently
would bring pandas, plotly and a web report into an offline install for the same statistics.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
from scipy.spatial.distance import jensenshannon
from scipy.stats import chi2_contingency, ks_2samp

from models.protocol import TriageModel
from nlp.labels import DISPUTE_TYPE_IDS, RISK_GRADE_IDS
from training.evaluate import analyse_and_predict

NUMERIC = ("length", "traditional_share", "oov_rate", "type_confidence")
CATEGORIES: dict[str, tuple[str, ...]] = {
    "dispute_type": DISPUTE_TYPE_IDS,
    "risk_grade": RISK_GRADE_IDS,
    "escalation": ("false", "true"),
    "needs_review": ("false", "true"),
}
MIN_KS = 0.1
"""Least KS statistic for a numeric column to count as drifted."""
MIN_JS = 0.05
"""Least Jensen–Shannon distance for a categorical column to count as drifted."""


@dataclass(frozen=True)
class ColumnDrift:
    """One column's test."""

    column: str
    test: str
    statistic: float
    p_value: float
    effect: float
    drifted: bool
    reference: dict[str, float]
    current: dict[str, float]


@dataclass(frozen=True)
class DriftReport:
    """Every column's test and the verdict."""

    reference_records: int
    current_records: int
    model_version: str
    alpha: float
    columns: list[ColumnDrift]

    @property
    def drifted(self) -> list[str]:
        return [column.column for column in self.columns if column.drifted]

    def verdict(self) -> str:
        """One plain sentence."""
        if not self.drifted:
            return "no drift: every column is within its bounds"
        return "drift in " + ", ".join(self.drifted)


def profile(model: TriageModel, texts: Sequence[str]) -> dict[str, np.ndarray]:
    """The per-record columns of ``texts`` under ``model``."""
    import opencc

    converter = opencc.OpenCC("t2s")
    analyses, predictions = analyse_and_predict(model, texts)
    vocabulary = getattr(getattr(model, "featurizer_", None), "word_vocabulary_", None)
    traditional = []
    for text in texts:
        simplified = converter.convert(text)
        changed = sum(a != b for a, b in zip(text, simplified, strict=False))
        traditional.append(changed / max(len(text), 1))
    oov = []
    for analysis in analyses:
        words = [t for t in analysis.tokens if t.strip() and any(c.isalnum() for c in t)]
        if vocabulary is None or not words:
            oov.append(math.nan)
        else:
            oov.append(sum(word not in vocabulary for word in words) / len(words))
    return {
        "length": np.array([len(t) for t in texts], dtype=float),
        "traditional_share": np.array(traditional),
        "oov_rate": np.array(oov),
        "type_confidence": np.array([max(p.dispute_type.scores.values()) for p in predictions]),
        "dispute_type": np.array([p.dispute_type.label for p in predictions]),
        "risk_grade": np.array([p.risk_grade.label for p in predictions]),
        "escalation": np.array([str(p.escalation.flag).lower() for p in predictions]),
        "needs_review": np.array([str(p.needs_review).lower() for p in predictions]),
    }


def compare(
    reference: dict[str, np.ndarray],
    current: dict[str, np.ndarray],
    *,
    alpha: float = 0.01,
    model_version: str = "",
) -> DriftReport:
    """Test every column of two profiles (``profile``'s output)."""
    columns = []
    for name in NUMERIC:
        before = reference[name][~np.isnan(reference[name])]
        after = current[name][~np.isnan(current[name])]
        if len(before) == 0 or len(after) == 0:
            continue
        result = ks_2samp(before, after)
        statistic, p_value = float(result.statistic), float(result.pvalue)
        columns.append(
            ColumnDrift(
                name,
                "kolmogorov-smirnov",
                round(statistic, 4),
                p_value,
                round(statistic, 4),
                p_value < alpha and statistic >= MIN_KS,
                _summary(before),
                _summary(after),
            )
        )
    for name, labels in CATEGORIES.items():
        counts = np.array(
            [
                [int((values == label).sum()) for label in labels]
                for values in (reference[name], current[name])
            ]
        )
        used = counts.sum(axis=0) > 0
        shares = counts / np.maximum(counts.sum(axis=1, keepdims=True), 1)
        distance = float(jensenshannon(shares[0], shares[1], base=2)) if used.sum() > 1 else 0.0
        if used.sum() > 1:
            chi2, p_value, _, _ = chi2_contingency(counts[:, used])
        else:
            chi2, p_value = 0.0, 1.0
        columns.append(
            ColumnDrift(
                name,
                "chi-square",
                round(float(chi2), 4),
                float(p_value),
                round(distance, 4),
                float(p_value) < alpha and distance >= MIN_JS,
                {label: round(float(s), 4) for label, s in zip(labels, shares[0], strict=True)},
                {label: round(float(s), 4) for label, s in zip(labels, shares[1], strict=True)},
            )
        )
    return DriftReport(
        len(reference["length"]), len(current["length"]), model_version, alpha, columns
    )


def _summary(values: np.ndarray) -> dict[str, float]:
    return {
        "mean": round(float(values.mean()), 4),
        "p50": round(float(np.median(values)), 4),
        "p90": round(float(np.quantile(values, 0.9)), 4),
    }


def write_report(
    directory: Path,
    report: DriftReport,
    reference: dict[str, np.ndarray],
    current: dict[str, np.ndarray],
) -> None:
    """``report.json``, ``report.md`` and one PNG per column in ``directory``."""
    directory.mkdir(parents=True, exist_ok=True)
    body = {**asdict(report), "drifted": report.drifted, "verdict": report.verdict()}
    (directory / "report.json").write_text(
        json.dumps(body, ensure_ascii=False, indent=2), encoding="utf-8"
    )
    lines = [
        f"# Drift: {report.verdict()}",
        "",
        f"reference {report.reference_records} records, current {report.current_records} records,"
        f" model {report.model_version}, alpha {report.alpha}",
        "",
        "| column | test | statistic | p-value | effect | drifted |",
        "|---|---|---|---|---|---|",
    ]
    lines += [
        f"| {c.column} | {c.test} | {c.statistic} | {c.p_value:.3g} | {c.effect} | "
        f"{'yes' if c.drifted else 'no'} |"
        for c in report.columns
    ]
    (directory / "report.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    _plots(directory, reference, current)


def _plots(
    directory: Path, reference: dict[str, np.ndarray], current: dict[str, np.ndarray]
) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    for name in NUMERIC:
        before = reference[name][~np.isnan(reference[name])]
        after = current[name][~np.isnan(current[name])]
        if len(before) == 0 or len(after) == 0:
            continue
        figure, axis = plt.subplots(figsize=(5, 3))
        bins = np.histogram_bin_edges(np.concatenate([before, after]), bins=30).tolist()
        axis.hist(before, bins=bins, alpha=0.5, density=True, label="reference")
        axis.hist(after, bins=bins, alpha=0.5, density=True, label="current")
        axis.set_title(name)
        axis.legend()
        figure.tight_layout()
        figure.savefig(directory / f"{name}.png")
        plt.close(figure)
    for name, labels in CATEGORIES.items():
        figure, axis = plt.subplots(figsize=(5, 3))
        positions = np.arange(len(labels))
        for offset, (label, values) in zip(
            (-0.2, 0.2), (("reference", reference[name]), ("current", current[name])), strict=True
        ):
            shares = [float((values == item).mean()) if len(values) else 0.0 for item in labels]
            axis.bar(positions + offset, shares, width=0.4, label=label)
        axis.set_xticks(positions, labels)
        axis.set_title(name)
        axis.legend()
        figure.tight_layout()
        figure.savefig(directory / f"{name}.png")
        plt.close(figure)
