import json

import pytest

from models.linear import LinearTriageModel
from training.data import LabelledRecord, LabelledSet
from training.evaluate import evaluate_predictions, predict_all
from training.report import write_report


@pytest.fixture(scope="module")
def scored(tiny_linear_bundle, tiny_set):
    model = LinearTriageModel.load(tiny_linear_bundle)
    records = tuple(
        LabelledRecord(str(i), t, d, g, e)
        for i, (t, d, g, e) in enumerate(
            zip(
                tiny_set.texts,
                tiny_set.dispute_types,
                tiny_set.risk_grades,
                tiny_set.escalations,
                strict=True,
            )
        )
    )
    data = LabelledSet(records, ("tiny",), "0" * 64)
    return data, predict_all(model, data.texts, chunk=64)


def test_evaluate_on_training_data_of_tiny_model_is_near_perfect(scored):
    data, predictions = scored
    metrics = evaluate_predictions(data, predictions)
    assert metrics["n"] == len(data.records)
    assert metrics["dispute_type"]["macro_f1"] > 0.95
    assert metrics["escalation"]["recall"] > 0.95
    assert sum(map(sum, metrics["risk_grade"]["confusion"])) == len(data.records)
    assert 0.0 <= metrics["dispute_type"]["ece"] <= 1.0
    assert 0.0 <= metrics["review"]["coverage"] <= 1.0


def test_evaluate_counts_errors_when_labels_disagree(scored):
    data, predictions = scored
    flipped = LabelledSet(
        tuple(
            LabelledRecord(
                r.id,
                r.text,
                "other" if r.dispute_type != "other" else "land",
                r.risk_grade,
                not r.escalation,
            )
            for r in data.records
        ),
        data.files,
        data.sha256,
    )
    metrics = evaluate_predictions(flipped, predictions)
    assert metrics["dispute_type"]["accuracy"] < 0.3
    assert metrics["escalation"]["accuracy"] < 0.1


def test_evaluate_requires_one_prediction_per_record(scored):
    data, predictions = scored
    with pytest.raises(ValueError, match="one prediction per record"):
        evaluate_predictions(data, predictions[:-1])


def test_write_report_writes_json_markdown_and_plots(scored, tmp_path):
    data, predictions = scored
    metrics = {"tiny": evaluate_predictions(data, predictions)}
    written = write_report(tmp_path / "r", metrics, {"tiny": (data, predictions)}, "linear.v1-test")
    names = {p.name for p in written}
    assert {"report.json", "report.md", "tiny-confusion.png", "tiny-reliability.png"} <= names
    for path in written:
        assert path.stat().st_size > 0
    assert (tmp_path / "r" / "tiny-confusion.png").read_bytes().startswith(b"\x89PNG")
    report = json.loads((tmp_path / "r" / "report.json").read_text(encoding="utf-8"))
    assert report["sets"]["tiny"]["n"] == len(data.records)
    assert "| tiny |" in (tmp_path / "r" / "report.md").read_text(encoding="utf-8")
