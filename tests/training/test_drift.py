import json

import numpy as np
from typer.testing import CliRunner

from service.cli import app
from training.drift import compare


def _profile(rng: np.random.Generator, n: int, length: float, share_other: float) -> dict:
    types = np.where(rng.random(n) < share_other, "other", "debt")
    return {
        "length": rng.normal(length, 10, n),
        "traditional_share": np.zeros(n),
        "oov_rate": np.full(n, np.nan),
        "type_confidence": rng.uniform(0.5, 1.0, n),
        "dispute_type": types,
        "risk_grade": np.array(["general"] * n),
        "escalation": np.array(["false"] * n),
        "needs_review": np.where(rng.random(n) < 0.2, "true", "false"),
    }


def test_drift_finds_what_changed_and_nothing_else():
    rng = np.random.default_rng(0)
    reference = _profile(rng, 2000, 80, 0.2)
    same = compare(reference, _profile(rng, 2000, 80, 0.2))
    assert same.drifted == [] and same.verdict().startswith("no drift")
    changed = compare(reference, _profile(rng, 2000, 120, 0.6))
    assert changed.drifted == ["length", "dispute_type"]
    assert "length" in changed.verdict() and "dispute_type" in changed.verdict()


def test_drift_needs_an_effect_not_only_a_small_p_value():
    rng = np.random.default_rng(1)
    reference = _profile(rng, 50_000, 80, 0.20)
    slightly = compare(reference, _profile(rng, 50_000, 80.8, 0.21))
    by_name = {column.column: column for column in slightly.columns}
    assert by_name["length"].p_value < 0.01 and not by_name["length"].drifted


def test_cli_drift_reports_traditional_input_and_writes_the_report(tmp_path, tiny_linear_bundle):
    texts = ["报警人称邻居家漏水到我家", "老板拖欠工资三个月", "借了五万元不还"] * 40
    traditional = ["報警人稱鄰居家漏水到我家", "老闆拖欠工資三個月", "借了五萬元不還"] * 40
    for name, rows in (("a.jsonl", texts), ("b.jsonl", texts), ("c.jsonl", traditional)):
        (tmp_path / name).write_text(
            "".join(json.dumps({"text": t}, ensure_ascii=False) + "\n" for t in rows), "utf-8"
        )
    runner = CliRunner()
    base = ["drift", "--model", str(tiny_linear_bundle), "--reference", str(tmp_path / "a.jsonl")]
    same = runner.invoke(app, [*base, "--current", str(tmp_path / "b.jsonl")])
    assert same.exit_code == 0, same.output
    assert "no drift" in same.output
    moved = runner.invoke(
        app, [*base, "--current", str(tmp_path / "c.jsonl"), "--report", str(tmp_path / "rep")]
    )
    assert moved.exit_code == 0, moved.output
    assert "drift in traditional_share" in moved.output
    report = json.loads((tmp_path / "rep" / "report.json").read_text("utf-8"))
    assert "traditional_share" in report["drifted"]
    assert (tmp_path / "rep" / "length.png").is_file() and (
        tmp_path / "rep" / "report.md"
    ).is_file()
