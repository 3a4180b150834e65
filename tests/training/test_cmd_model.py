import json

import pytest
from typer.testing import CliRunner

from models.loading import load_model
from service.cli import app

runner = CliRunner()


def write_set(path, tiny_set, step=1):
    rows = [
        {"id": str(i), "text": t, "dispute_type": d, "risk_grade": g, "escalation": e}
        for i, (t, d, g, e) in enumerate(tiny_set.rows())
    ][::step]
    path.write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8"
    )
    return path


def test_cli_train_then_evaluate_writes_bundle_and_report(tmp_path, tiny_set):
    data = write_set(tmp_path / "train.jsonl", tiny_set)
    held = write_set(tmp_path / "held.jsonl", tiny_set, step=7)
    result = runner.invoke(
        app,
        [
            "train",
            "--data",
            str(data),
            "--output",
            str(tmp_path / "model"),
            "--eval",
            str(held),
            "--calibration",
            str(held),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "held" in result.output
    manifest = json.loads((tmp_path / "model" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["training"]["records"] == len(tiny_set.texts)
    assert manifest["training"]["calibration"]["files"] == [str(held)]
    assert manifest["metrics"]["held"]["n"] == len(tiny_set.texts[::7])
    assert (
        load_model(tmp_path / "model").predict(["楼上天天噪音扰民"])[0].dispute_type.label
        == "neighbour"
    )

    result = runner.invoke(
        app,
        [
            "evaluate",
            "--model",
            str(tmp_path / "model"),
            "--data",
            str(held),
            "--report",
            str(tmp_path / "report"),
            "--baseline",
        ],
    )
    assert result.exit_code == 0, result.output
    assert (tmp_path / "report" / "report.md").exists()
    assert (tmp_path / "report" / "baseline" / "report.json").exists()


def test_cli_train_reports_a_bad_row_with_its_code(tmp_path):
    path = tmp_path / "bad.jsonl"
    path.write_text(
        '{"text": "欠钱", "dispute_type": "money", "risk_grade": "general", "escalation": false}\n',
        encoding="utf-8",
    )
    result = runner.invoke(app, ["train", "--data", str(path), "--output", str(tmp_path / "m")])
    assert result.exit_code == 2
    assert "INVALID_TRAINING_ROW" in result.output
    assert not (tmp_path / "m").exists()


def test_set_names_are_unique_when_file_stems_repeat(tmp_path):
    from service.cmd_model import set_names

    paths = [
        tmp_path / "corpus" / "test.jsonl",
        tmp_path / "gold" / "test.jsonl",
        tmp_path / "real.jsonl",
    ]
    assert set_names(paths) == ["corpus-test", "gold-test", "real"]
    assert len(set(set_names([tmp_path / "a.jsonl", tmp_path / "a.csv"]))) == 2


def test_metric_table_has_a_header_for_every_cell():
    from rich.table import Table

    from service.cmd_model import _metric_columns, _metric_row

    metrics = {
        "n": 3,
        "dispute_type": {"macro_f1": 0.9, "ece": 0.05},
        "risk_grade": {"macro_f1": 0.8},
        "escalation": {"precision": 0.7, "recall": 0.6},
        "review": {"coverage": 0.5, "dispute_type_accuracy_kept": None},
    }
    table = Table()
    _metric_columns(table)
    _metric_row(table, "gold-test", metrics, "baseline")
    headers = [str(column.header) for column in table.columns]
    cells = {str(column.header): next(iter(column.cells)) for column in table.columns}
    assert headers[:3] == ["model", "set", "n"]
    assert cells["model"] == "baseline" and cells["set"] == "gold-test"
    assert cells["type F1"] == "0.900" and cells["kept acc"] == "-"


def test_cli_adapt_writes_a_bundle_that_records_its_weak_labels(tmp_path, tiny_set):
    data = write_set(tmp_path / "train.jsonl", tiny_set)
    base = tmp_path / "base"
    trained = runner.invoke(app, ["train", "--data", str(data), "--output", str(base)])
    assert trained.exit_code == 0, trained.output
    unlabelled = tmp_path / "site.jsonl"
    unlabelled.write_text(
        "".join(
            json.dumps({"text": text}, ensure_ascii=False) + "\n"
            for text in [
                "被告人因民间借贷纠纷多次催讨欠款未果",
                "老板拖欠工资三个月不给",
                "今天天气不错",
            ]
        ),
        encoding="utf-8",
    )
    result = runner.invoke(
        app,
        [
            "adapt",
            "--model",
            str(base),
            "--unlabelled",
            str(unlabelled),
            "--data",
            str(data),
            "--output",
            str(tmp_path / "adapted"),
            "--min-confidence",
            "0.6",
        ],
    )
    assert result.exit_code == 0, result.output
    manifest = json.loads((tmp_path / "adapted" / "manifest.json").read_text("utf-8"))
    weak = manifest["training"]["weak_labels"]
    assert weak["unlabelled"] == 3 and 1 <= weak["kept"] <= 2
    assert set(weak["heads"]) == {"dispute_type", "risk_grade", "escalation"}
    assert load_model(tmp_path / "adapted").predict(["老板拖欠工资"])[0].dispute_type.label


def test_cli_adapt_refuses_a_confidence_outside_zero_to_one(tmp_path, tiny_set):
    data = write_set(tmp_path / "train.jsonl", tiny_set)
    result = runner.invoke(
        app,
        [
            "adapt",
            "--unlabelled",
            str(data),
            "--data",
            str(data),
            "--output",
            str(tmp_path / "x"),
            "--min-confidence",
            "1.5",
        ],
    )
    assert result.exit_code == 2
    assert "min-confidence" in result.output


def test_cli_evaluate_says_when_a_set_was_used_for_calibration(tmp_path, tiny_set):
    data = write_set(tmp_path / "train.jsonl", tiny_set)
    calibration = write_set(tmp_path / "calibration.jsonl", tiny_set, step=5)
    other = write_set(tmp_path / "other.jsonl", tiny_set, step=7)
    model = tmp_path / "model"
    trained = runner.invoke(
        app,
        ["train", "--data", str(data), "--calibration", str(calibration), "--output", str(model)],
    )
    assert trained.exit_code == 0, trained.output
    on_other = runner.invoke(app, ["evaluate", "--model", str(model), "--data", str(other)])
    assert on_other.exit_code == 0 and "in-sample" not in on_other.output
    on_calibration = runner.invoke(
        app, ["evaluate", "--model", str(model), "--data", str(calibration)]
    )
    assert on_calibration.exit_code == 0
    assert "calibrated on" in on_calibration.output and "in-sample" in on_calibration.output


def _write_rows(path, tiny_set, keep):
    rows = [
        {"id": str(i), "text": t, "dispute_type": d, "risk_grade": g, "escalation": e}
        for i, (t, d, g, e) in enumerate(tiny_set.rows())
        if keep(d, g, e)
    ]
    path.write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8"
    )
    return path


@pytest.mark.parametrize("with_calibration", [False, True])
def test_cli_train_refuses_data_without_a_class(tmp_path, tiny_set, with_calibration):
    data = _write_rows(tmp_path / "train.jsonl", tiny_set, lambda d, g, e: d != "other")
    calibration = write_set(tmp_path / "cal.jsonl", tiny_set, step=3)
    extra = ["--calibration", str(calibration)] if with_calibration else []
    result = runner.invoke(
        app, ["train", "--data", str(data), "--output", str(tmp_path / "m"), *extra]
    )
    assert result.exit_code == 2, result.output
    assert "error [TRAINING_CLASS_MISSING]" in result.output
    assert "other" in result.output and "dispute_type" in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "m").exists()


def test_cli_train_refuses_a_head_with_one_class(tmp_path, tiny_set):
    data = _write_rows(tmp_path / "train.jsonl", tiny_set, lambda d, g, e: not e)
    result = runner.invoke(app, ["train", "--data", str(data), "--output", str(tmp_path / "m")])
    assert result.exit_code == 2, result.output
    assert "error [TRAINING_TOO_FEW_CLASSES]" in result.output
    assert "escalation" in result.output
    assert not (tmp_path / "m").exists()
