import json

import numpy as np
import pytest

from models.linear import LinearTriageModel
from models.selective import CalibrationScores, ReviewTarget, review_mask, select_policy
from training.data import LabelledRecord, LabelledSet
from training.evaluate import CURVE_COVERAGES, POLICY_COVERAGES, evaluate_predictions, predict_all
from training.report import write_report
from training.review_select import cross_validated, stratified_folds


@pytest.fixture(scope="module")
def scored(tiny_linear_bundle, tiny_set):
    model = LinearTriageModel.load(tiny_linear_bundle)
    records = tuple(
        LabelledRecord(str(i), t, d, g, e) for i, (t, d, g, e) in enumerate(tiny_set.rows())
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


def test_evaluate_review_has_a_risk_coverage_curve_per_head(scored):
    data, predictions = scored
    review = evaluate_predictions(data, predictions)["review"]
    for head, metric in (
        ("dispute_type", "dispute_type_accuracy_kept"),
        ("risk_grade", "risk_grade_accuracy_kept"),
        ("escalation", "escalation_recall_kept"),
    ):
        curve = review["risk_coverage"][head]
        assert [round(p["coverage"], 2) for p in curve] == list(CURVE_COVERAGES)
        confidences = [p["min_confidence"] for p in curve]
        assert confidences == sorted(confidences, reverse=True)
        assert all(0.0 <= p[metric] <= 1.0 for p in curve if p[metric] is not None)
    everything = review["risk_coverage"]["dispute_type"][-1]["dispute_type_accuracy_kept"]
    assert everything == review["dispute_type_accuracy_all"]
    assert "policy_curve" not in review


def test_evaluate_review_counts_reasons_and_curves_a_chosen_policy(scored):
    data, predictions = scored
    scores = CalibrationScores.from_predictions(predictions, data, 0.5)
    policy = select_policy(scores, ReviewTarget(coverage=0.8))
    flagged = review_mask(policy, scores)
    assert flagged.any()
    review = evaluate_predictions(data, predictions, policy)["review"]
    assert sum(review["reasons"].values()) >= sum(p.needs_review for p in predictions) > 0
    targets = [p["target_coverage"] for p in review["policy_curve"]]
    assert targets == list(POLICY_COVERAGES)
    at_80 = next(p for p in review["policy_curve"] if p["target_coverage"] == 0.8)
    assert at_80["coverage"] == round(float((~flagged).mean()), 4)


def test_write_report_plots_risk_coverage_and_writes_the_review_tables(scored, tmp_path):
    data, predictions = scored
    scores = CalibrationScores.from_predictions(predictions, data, 0.5)
    policy = select_policy(scores, ReviewTarget(coverage=0.8))
    metrics = {"tiny": evaluate_predictions(data, predictions, policy)}
    written = write_report(tmp_path / "r", metrics, {"tiny": (data, predictions)}, "linear.v1-test")
    plot = tmp_path / "r" / "tiny-risk-coverage.png"
    assert plot in written and plot.read_bytes().startswith(b"\x89PNG")
    markdown = (tmp_path / "r" / "report.md").read_text(encoding="utf-8")
    assert "Risk–coverage per head" in markdown
    assert "| 0.8 |" in markdown  # the policy curve row for the 0.8 target
    report = json.loads((tmp_path / "r" / "report.json").read_text(encoding="utf-8"))
    assert report["sets"]["tiny"]["review"]["policy_curve"]


def test_stratified_folds_balance_escalations(scored):
    data, _ = scored
    folds = stratified_folds(data, 5, seed=1)
    counts = [int(np.sum(np.asarray(data.escalations)[folds == f])) for f in range(5)]
    assert max(counts) - min(counts) <= 1
    assert sorted(set(folds.tolist())) == [0, 1, 2, 3, 4]
    with pytest.raises(ValueError, match="folds"):
        stratified_folds(data, 1, seed=1)


def test_cross_validated_review_never_chooses_with_the_held_out_fold(scored):
    data, _ = scored
    n = len(data.records)
    rng = np.random.default_rng(3)
    confidence = rng.uniform(0.3, 1.0, n)
    escalation = rng.uniform(0.0, 1.0, n)
    scores = CalibrationScores(
        type_confidence=confidence,
        type_correct=rng.uniform(size=n) < confidence,
        grade_confidence=rng.uniform(0.4, 1.0, n),
        grade_correct=np.ones(n, dtype=bool),
        grade_difficult=rng.uniform(0.0, 1.0, n),
        escalation_probability=escalation,
        escalation_truth=rng.uniform(size=n) < escalation,
        contradicted=np.zeros(n, dtype=bool),
        escalation_threshold=0.5,
    )
    folds = stratified_folds(data, 5, seed=1)
    target = ReviewTarget(coverage=0.8, observed_weight=1.0)
    before = cross_validated(scores, folds, target)
    fold_zero = folds == 0
    flipped = CalibrationScores(
        **{
            **vars(scores),
            "type_correct": np.where(fold_zero, ~scores.type_correct, scores.type_correct),
            "escalation_truth": np.where(
                fold_zero, ~scores.escalation_truth, scores.escalation_truth
            ),
        }
    )
    after = cross_validated(flipped, folds, target)
    assert before["choices"][0] == after["choices"][0]
    assert before["choices"][1:] != after["choices"][1:]
