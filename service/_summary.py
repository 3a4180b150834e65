"""The end-of-run summary of ``triage score``: counts per type, grade, escalation, errors."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from rich.console import Console
from rich.table import Table

from nlp.labels import DISPUTE_TYPES, RISK_GRADES


@dataclass
class ScoreSummary:
    """Running counts over the records scored in this run."""

    records: int = 0
    kept_from_previous_run: int = 0
    blank_lines: int = 0
    seconds: float = 0.0
    dispute_types: Counter[str] = field(default_factory=Counter)
    risk_grades: Counter[str] = field(default_factory=Counter)
    escalations: int = 0
    needs_review: int = 0
    errors: Counter[str] = field(default_factory=Counter)

    def add(self, entries: Iterable[Mapping[str, Any]]) -> None:
        """Count nested entries (see ``service.records``)."""
        for entry in entries:
            self.records += 1
            error = entry.get("error")
            if error is not None:
                self.errors[error["code"]] += 1
                continue
            self.dispute_types[entry["dispute_type"]["label"]] += 1
            self.risk_grades[entry["risk_grade"]["label"]] += 1
            self.escalations += bool(entry["escalation"]["flag"])
            self.needs_review += bool(entry["needs_review"])

    @property
    def triaged(self) -> int:
        """Records with a prediction."""
        return self.records - sum(self.errors.values())

    @property
    def records_per_second(self) -> float:
        return self.records / self.seconds if self.seconds > 0 else 0.0

    def render(self, console: Console) -> None:
        """Print the summary table."""
        table = Table(title="triage score", show_header=True, header_style="bold")
        table.add_column("what")
        table.add_column("count", justify="right")
        table.add_column("share", justify="right")

        def row(name: str, count: int, of: int) -> None:
            table.add_row(name, str(count), f"{count / of:.1%}" if of else "-")

        row("records scored", self.records, self.records)
        if self.kept_from_previous_run:
            table.add_row("kept from the interrupted run", str(self.kept_from_previous_run), "")
        table.add_row("blank input lines (skipped)", str(self.blank_lines), "")
        for label, name in DISPUTE_TYPES.items():
            row(f"dispute type {label} {name}", self.dispute_types[label], self.triaged)
        for label, name in RISK_GRADES.items():
            row(f"risk grade {label} {name}", self.risk_grades[label], self.triaged)
        row("escalation flagged", self.escalations, self.triaged)
        row("needs review", self.needs_review, self.triaged)
        row("errors", sum(self.errors.values()), self.records)
        for code, count in sorted(self.errors.items()):
            row(f"  {code}", count, self.records)
        table.caption = f"{self.seconds:.1f} s, {self.records_per_second:,.0f} records/s"
        console.print(table)
