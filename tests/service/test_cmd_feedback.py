"""``triage feedback export`` and the round trip into ``triage train --feedback``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import typer
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from models.bundle import read_manifest
from models.loading import load_model
from service.app import create_app
from service.cli import app as triage_cli
from service.cmd_feedback import app as feedback_cli
from service.cmd_feedback import parse_since
from tests.conftest import TinySet
from tests.service.conftest import AUTH, SettingsFactory

PHONE = "13812345678"


def _collect_corrections(settings_factory: SettingsFactory, bundle: Path) -> list[str]:
    """Triage two records with the tiny model and correct both; returns the texts sent."""
    texts = [
        f"报警人（电话{PHONE}）称邻居家漏水到我家，扬言要拿刀砍人。",
        "老板拖欠工资三个月，双方情绪平稳。",
    ]
    app = create_app(settings_factory(model_dir=str(bundle)))
    with TestClient(app) as client:
        for text, labels in zip(
            texts,
            [("邻里", "疑难", True), ("wages", "general", False)],
            strict=True,
        ):
            reply = client.post("/v1/triage", json={"text": text}, headers=AUTH)
            assert reply.status_code == 200
            body = {
                "request_id": reply.headers["x-request-id"],
                "text": text,
                "dispute_type": labels[0],
                "risk_grade": labels[1],
                "escalation": labels[2],
            }
            assert client.post("/v1/feedback", json=body, headers=AUTH).status_code == 201
    return texts


def test_feedback_export_round_trips_into_train(
    make_settings: SettingsFactory, tiny_linear_bundle: Path, tiny_set: TinySet, tmp_path: Path
) -> None:
    _collect_corrections(make_settings, tiny_linear_bundle)
    exported = tmp_path / "feedback.jsonl"
    runner = CliRunner()
    result = runner.invoke(feedback_cli, ["export", "--output", str(exported)])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in exported.read_text(encoding="utf-8").splitlines()]
    assert [(r["dispute_type"], r["risk_grade"], r["escalation"]) for r in rows] == [
        ("neighbour", "difficult", True),
        ("wages", "general", False),
    ]
    assert all(r["source"] == "feedback" and r["id"].startswith("feedback-") for r in rows)
    assert PHONE not in exported.read_text(encoding="utf-8")

    corpus = tmp_path / "tiny.jsonl"
    with corpus.open("w", encoding="utf-8") as handle:
        for i, text in enumerate(tiny_set.texts):
            row = {
                "id": f"tiny-{i}",
                "text": text,
                "dispute_type": tiny_set.dispute_types[i],
                "risk_grade": tiny_set.risk_grades[i],
                "escalation": tiny_set.escalations[i],
            }
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")
    bundle = tmp_path / "retrained"
    args = ["train", "--data", str(corpus), "--feedback", str(exported)]
    args += ["--feedback-weight", "3", "--output", str(bundle)]
    trained = runner.invoke(triage_cli, args)
    assert trained.exit_code == 0, trained.output
    manifest = read_manifest(bundle)
    assert manifest.training["records"] == len(tiny_set.texts) + len(rows)
    assert str(exported) in " ".join(manifest.training["files"])
    assert load_model(bundle).predict(["老板拖欠工资三个月"])[0].dispute_type.label == "wages"


def test_feedback_export_since_after_everything_writes_nothing(
    make_settings: SettingsFactory, tiny_linear_bundle: Path, tmp_path: Path
) -> None:
    _collect_corrections(make_settings, tiny_linear_bundle)
    exported = tmp_path / "later.jsonl"
    result = CliRunner().invoke(
        feedback_cli, ["export", "--output", str(exported), "--since", "2999-01-01"]
    )
    assert result.exit_code == 0, result.output
    assert exported.read_text(encoding="utf-8") == ""
    assert "wrote 0 corrections" in result.output


def test_feedback_export_reports_a_database_too_new_with_its_code(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from datetime import UTC, datetime

    from sqlalchemy import insert

    from service.feedback import SCHEMA_VERSION, FeedbackStore
    from service.feedback.tables import schema_version

    url = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    store = FeedbackStore.open(url)
    with store.engine.begin() as connection:
        connection.execute(
            insert(schema_version).values(
                version=SCHEMA_VERSION + 1, description="newer", applied_at=datetime.now(UTC)
            )
        )
    store.close()
    monkeypatch.setenv("TRIAGE_FEEDBACK__DATABASE_URL", url)
    result = CliRunner().invoke(feedback_cli, ["export", "--output", str(tmp_path / "x.jsonl")])
    assert result.exit_code == 2
    assert "error [DATABASE_TOO_NEW]" in result.output


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2024-05-01", datetime_utc := "2024-05-01T00:00:00+00:00"),
        ("2024-05-01T08:00+08:00", datetime_utc),
        ("2024-05-01T03:30", "2024-05-01T03:30:00+00:00"),
    ],
)
def test_parse_since_gives_utc(value: str, expected: str) -> None:
    parsed = parse_since(value)
    assert parsed is not None and parsed.isoformat() == expected


def test_parse_since_refuses_other_text() -> None:
    with pytest.raises(typer.BadParameter):
        parse_since("last tuesday")
