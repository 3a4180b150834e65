"""``triage pretrain`` then ``triage train --arch transformer`` through the command line."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from models.loading import load_model
from models.transformer import TransformerTriageModel
from service.cli import app
from tests.training.test_cmd_model import write_set

runner = CliRunner()


def test_cli_pretrain_then_train_transformer_writes_a_loadable_bundle(tmp_path, tiny_set):
    data = write_set(tmp_path / "train.jsonl", tiny_set)
    held = write_set(tmp_path / "held.jsonl", tiny_set, step=7)
    encoder = tmp_path / "encoder"
    result = runner.invoke(
        app,
        [
            "pretrain",
            "--data",
            str(data),
            "--output",
            str(encoder),
            "--layers",
            "1",
            "--hidden",
            "16",
            "--heads",
            "2",
            "--intermediate",
            "32",
            "--max-positions",
            "64",
            "--min-char-count",
            "1",
            "--epochs",
            "1",
            "--batch-size",
            "32",
            "--threads",
            "1",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "pretrained on" in result.output
    stats = json.loads((encoder / "pretraining.json").read_text(encoding="utf-8"))
    assert stats["texts"] == len(tiny_set.texts)
    assert stats["steps"] > 0

    result = runner.invoke(
        app,
        [
            "train",
            "--arch",
            "transformer",
            "--base-model",
            str(encoder),
            "--data",
            str(data),
            "--dev",
            str(held),
            "--calibration",
            str(held),
            "--eval",
            str(held),
            "--output",
            str(tmp_path / "model"),
            "--epochs",
            "1",
            "--batch-size",
            "16",
            "--learning-rate",
            "0.003",
            "--max-length",
            "32",
            "--checkpoint-dir",
            str(tmp_path / "checkpoint"),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "held" in result.output
    manifest = json.loads((tmp_path / "model" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["architecture"] == "transformer.v1"
    assert manifest["training"]["dev"]["files"] == [str(held)]
    assert manifest["metrics"]["held"]["n"] == len(tiny_set.texts[::7])
    assert (tmp_path / "checkpoint" / "trainer.json").is_file()
    model = load_model(tmp_path / "model")
    assert isinstance(model, TransformerTriageModel)
    assert len(model.predict(["楼上天天噪音扰民"])) == 1


def test_cli_train_rejects_an_unknown_architecture(tmp_path, tiny_set):
    data = write_set(tmp_path / "train.jsonl", tiny_set)
    result = runner.invoke(
        app, ["train", "--arch", "forest", "--data", str(data), "--output", str(tmp_path / "m")]
    )
    assert result.exit_code != 0
    assert "forest" in result.output or "--arch" in result.output


def test_cli_pretrain_reports_an_invalid_row_with_its_code(tmp_path):
    path = tmp_path / "texts.jsonl"
    path.write_text('{"text": "邻居吵架"}\n{"text": ""}\n', encoding="utf-8")
    result = runner.invoke(app, ["pretrain", "--data", str(path), "--output", str(tmp_path / "e")])
    assert result.exit_code == 2
    assert "INVALID_PRETRAINING_ROW" in result.output
