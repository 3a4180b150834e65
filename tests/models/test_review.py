import pytest

from models.review import REVIEW_REASONS, ReviewPolicy


def test_review_policy_flags_low_confidence_and_close_calls():
    policy = ReviewPolicy()
    reasons = policy.reasons([0.45, 0.4, 0.05, 0.05, 0.05], [0.9, 0.05, 0.05], 0.5, 0.5)
    assert reasons == ["LOW_CONFIDENCE_TYPE", "CLOSE_CALL_TYPE", "ESCALATION_UNCERTAIN"]
    assert set(reasons) <= set(REVIEW_REASONS)


def test_review_policy_keeps_confident_predictions():
    assert (
        ReviewPolicy().reasons([0.95, 0.02, 0.01, 0.01, 0.01], [0.1, 0.85, 0.05], 0.02, 0.5) == []
    )


def test_review_policy_rejects_thresholds_outside_unit_interval():
    with pytest.raises(ValueError, match="min_type_confidence"):
        ReviewPolicy(min_type_confidence=1.5)
