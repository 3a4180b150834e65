"""The transformer as an ensemble member beside the linear model, built with ``triage ensemble``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from models.ensemble import EnsembleTriageModel
from models.loading import load_model
from service.cli import app
from tests.conftest import TinySet
from tests.training.test_cmd_model import write_set

runner = CliRunner()


def test_cli_builds_a_linear_plus_transformer_ensemble(
    tmp_path: Path, tiny_set: TinySet, tiny_linear_bundle: Path, tiny_transformer_bundle: Path
) -> None:
    calibration = write_set(tmp_path / "calibration.jsonl", tiny_set, step=5)
    held = write_set(tmp_path / "held.jsonl", tiny_set, step=7)
    output = tmp_path / "ensemble"
    result = runner.invoke(
        app,
        [
            "ensemble",
            "--member",
            str(tiny_linear_bundle),
            "--member",
            str(tiny_transformer_bundle),
            "--calibration",
            str(calibration),
            "--eval",
            str(held),
            "--threads",
            "1",
            "--output",
            str(output),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "held" in result.output
    model = load_model(output)
    assert isinstance(model, EnsembleTriageModel)
    assert [m.architecture for m in model.members] == ["linear.v1", "transformer.v1"]
    manifest = json.loads((output / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["metrics"]["held"]["n"] == len(tiny_set.texts[::7])
    assert [m["source"] for m in manifest["training"]["members"]] == [
        str(tiny_linear_bundle),
        str(tiny_transformer_bundle),
    ]
    results = model.predict(["老板拖欠工资三个月，扬言要拿刀砍人。"])
    assert results[0].model_version == model.version
    heads = {item.head for item in results[0].evidence}
    assert heads <= {"dispute_type", "risk_grade", "escalation"}
    assert heads


def test_cli_refuses_a_weight_count_that_does_not_match(
    tmp_path: Path, tiny_set: TinySet, tiny_linear_bundle: Path, tiny_transformer_bundle: Path
) -> None:
    calibration = write_set(tmp_path / "calibration.jsonl", tiny_set, step=5)
    result = runner.invoke(
        app,
        [
            "ensemble",
            "--member",
            str(tiny_linear_bundle),
            "--member",
            str(tiny_transformer_bundle),
            "--weight",
            "1",
            "--calibration",
            str(calibration),
            "--output",
            str(tmp_path / "ensemble"),
        ],
    )
    assert result.exit_code == 2
    assert "one --weight per --member" in result.output
    assert not (tmp_path / "ensemble").exists()


@pytest.mark.parametrize("explain", [True, False])
def test_transformer_member_triages_given_analyses_like_texts(
    tiny_transformer, explain: bool
) -> None:  # type: ignore[no-untyped-def]
    from nlp.pipeline import analyse

    model = tiny_transformer.configured()
    model.explain = explain
    texts = ["邻居家漏水到我家，双方情绪平稳。", "欠钱三年不还，称要跳楼自杀。"]
    assert model.predict_analyses(analyse(texts, model.segmenter)) == model.predict(texts)
