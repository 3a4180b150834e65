"""``triage predict`` and ``triage score`` through the command line."""

from __future__ import annotations

import json
import sys
import types
from pathlib import Path

import pytest
from typer.testing import CliRunner

from service import _model_source
from service.cli import app
from service.records import result_entry
from tests.service.fake_model import FakeTriageModel

TEXTS = ["邻居占地", "老板欠薪三个月", "借钱不还还打人"]


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def model_dir(tmp_path: Path) -> Path:
    directory = tmp_path / "model"
    FakeTriageModel("fake-cli").save(directory)
    return directory


@pytest.fixture
def records(tmp_path: Path) -> Path:
    path = tmp_path / "records.jsonl"
    rows = [{"id": f"JQ{i}", "text": t} for i, t in enumerate(TEXTS)] + [{"id": "bad", "text": ""}]
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), "utf-8")
    return path


def test_predict_writes_one_line_per_record(
    runner: CliRunner, model_dir: Path, records: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out.jsonl"
    result = runner.invoke(
        app, ["predict", "--input", str(records), "--output", str(out), "--model", str(model_dir)]
    )
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in out.read_text("utf-8").splitlines()]
    model = FakeTriageModel("fake-cli")
    assert lines[:3] == [result_entry(f"JQ{i}", model.predict([t])[0]) for i, t in enumerate(TEXTS)]
    assert lines[3] == {
        "id": "bad",
        "error": {"code": "EMPTY_TEXT", "message": lines[3]["error"]["message"]},
    }


def test_predict_to_stdout(runner: CliRunner, model_dir: Path, records: Path) -> None:
    result = runner.invoke(
        app, ["predict", "--input", str(records), "--output", "-", "--model", str(model_dir)]
    )
    assert result.exit_code == 0
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line["id"] for line in lines] == ["JQ0", "JQ1", "JQ2", "bad"]


def test_predict_malformed_file_exits_2_naming_line(
    runner: CliRunner, model_dir: Path, tmp_path: Path
) -> None:
    source = tmp_path / "broken.jsonl"
    source.write_text('{"id": 1, "text": "占地"}\nnot json\n', encoding="utf-8")
    result = runner.invoke(
        app,
        [
            "predict",
            "--input",
            str(source),
            "--output",
            str(tmp_path / "o.jsonl"),
            "--model",
            str(model_dir),
        ],
    )
    assert result.exit_code == 2
    assert "error [MALFORMED_LINE]" in result.stderr
    assert "line 2" in result.stderr


def test_predict_missing_bundle_exits_2(runner: CliRunner, records: Path, tmp_path: Path) -> None:
    result = runner.invoke(
        app,
        [
            "predict",
            "--input",
            str(records),
            "--output",
            str(tmp_path / "o.jsonl"),
            "--model",
            str(tmp_path / "none"),
        ],
    )
    assert result.exit_code == 2
    assert "error [BUNDLE_NOT_FOUND]" in result.stderr


def test_predict_builds_default_model_when_absent(
    runner: CliRunner, records: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    default = tmp_path / "default-model"
    built: list[Path | None] = []

    def ensure_default_model(directory: Path | None = None, progress: object = None) -> Path:
        built.append(directory)
        target = directory or default
        FakeTriageModel("fake-default").save(target)
        return target

    fake_module = types.ModuleType("training.default_model")
    fake_module.ensure_default_model = ensure_default_model  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "training.default_model", fake_module)
    monkeypatch.setattr(_model_source, "default_model_dir", lambda: default)
    out = tmp_path / "o.jsonl"
    result = runner.invoke(app, ["predict", "--input", str(records), "--output", str(out)])
    assert result.exit_code == 0, result.output
    assert built == [default]
    assert json.loads(out.read_text("utf-8").splitlines()[0])["model_version"] == "fake-default"
    # A second run finds the bundle and builds nothing.
    runner.invoke(app, ["predict", "--input", str(records), "--output", str(out)])
    assert built == [default]


def test_score_writes_csv_and_prints_summary(
    runner: CliRunner, model_dir: Path, records: Path, tmp_path: Path
) -> None:
    out = tmp_path / "scored.csv"
    result = runner.invoke(
        app,
        ["score", str(records), "--output", str(out), "--model", str(model_dir), "--no-progress"],
    )
    assert result.exit_code == 0, result.output
    assert (
        out.read_text("utf-8-sig").splitlines()[0].startswith("id,dispute_type,dispute_type_name")
    )
    assert out.read_bytes().startswith(b"\xef\xbb\xbf")  # a BOM by default, for Excel and WPS
    assert "records scored" in result.stderr
    assert "EMPTY_TEXT" in result.stderr


def test_score_uses_config_file_settings(
    runner: CliRunner, model_dir: Path, records: Path, tmp_path: Path
) -> None:
    config = tmp_path / "settings.toml"
    config.write_text(
        '[grade_colours]\ngeneral = "蓝"\ncomplex = "橙"\ndifficult = "紫"\n'
        "[limits]\nmax_text_chars = 4\n",
        encoding="utf-8",
    )
    out = tmp_path / "scored.jsonl"
    result = runner.invoke(
        app,
        [
            "score",
            str(records),
            "-o",
            str(out),
            "--model",
            str(model_dir),
            "--config",
            str(config),
            "--no-progress",
        ],
    )
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in out.read_text("utf-8").splitlines()]
    assert lines[0]["risk_grade"]["colour"] in {"蓝", "橙", "紫"}
    assert lines[1]["error"]["code"] == "TEXT_TOO_LONG"


def test_score_unknown_output_format_exits_2(
    runner: CliRunner, model_dir: Path, records: Path, tmp_path: Path
) -> None:
    result = runner.invoke(
        app, ["score", str(records), "-o", str(tmp_path / "out.xlsx"), "--model", str(model_dir)]
    )
    assert result.exit_code == 2
    assert "error [UNKNOWN_FORMAT]" in result.stderr


def test_predict_reads_stdin(runner: CliRunner, model_dir: Path, records: Path) -> None:
    result = runner.invoke(
        app,
        ["predict", "--input", "-", "--output", "-", "--model", str(model_dir)],
        input=records.read_text("utf-8"),
    )
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line["id"] for line in lines] == ["JQ0", "JQ1", "JQ2", "bad"]
