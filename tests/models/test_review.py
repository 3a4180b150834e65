import json

import numpy as np
import pytest

from models.bundle import MANIFEST_NAME
from models.linear import CalibrationData, LinearTriageModel
from models.protocol import Triage
from models.review import (
    REVIEW_REASON_NAMES,
    REVIEW_REASONS,
    ReviewPolicy,
    contradicted_cues,
)
from models.selective import (
    CalibrationScores,
    ReviewTarget,
    kept_summary,
    review_mask,
    select_policy,
)
from nlp.errors import ModelBundleError

CONFIDENT_TYPE = [0.95, 0.02, 0.01, 0.01, 0.01]
DIFFICULT = [0.05, 0.05, 0.9]
GENERAL = [0.9, 0.05, 0.05]
OPEN = ReviewPolicy(
    min_type_confidence=0.0,
    min_type_margin=0.0,
    min_grade_confidence=0.0,
    min_grade_margin=0.0,
    escalation_low=0.5,
    escalation_high=0.5,
)


def test_review_policy_flags_low_confidence_and_close_calls():
    policy = ReviewPolicy()
    reasons = policy.reasons([0.45, 0.4, 0.05, 0.05, 0.05], [0.9, 0.05, 0.05], 0.5, 0.5)
    assert reasons == ["LOW_CONFIDENCE_TYPE", "CLOSE_CALL_TYPE", "ESCALATION_UNCERTAIN"]
    assert set(reasons) <= set(REVIEW_REASONS)


def test_review_policy_keeps_confident_predictions():
    assert ReviewPolicy().reasons(CONFIDENT_TYPE, [0.1, 0.85, 0.05], 0.02, 0.5) == []


def test_review_policy_rejects_thresholds_outside_unit_interval():
    with pytest.raises(ValueError, match="min_type_confidence"):
        ReviewPolicy(min_type_confidence=1.5)


@pytest.mark.parametrize(
    ("low", "high"), [(0.2, None), (None, 0.3), (0.4, 0.3), (-0.1, 0.3), (0.1, 1.2)]
)
def test_review_policy_rejects_a_broken_escalation_band(low, high):
    with pytest.raises(ValueError, match="escalation"):
        ReviewPolicy(escalation_low=low, escalation_high=high)


def test_review_policy_band_is_half_open_and_replaces_the_symmetric_band():
    policy = ReviewPolicy(escalation_band=0.0, escalation_low=0.1, escalation_high=0.3)
    uncertain = [
        "ESCALATION_UNCERTAIN" in policy.reasons(CONFIDENT_TYPE, DIFFICULT, p, 0.2)
        for p in (0.09, 0.1, 0.2, 0.29, 0.3)
    ]
    assert uncertain == [False, True, True, True, False]


def test_review_reason_names_are_chinese_and_cover_every_code():
    assert list(REVIEW_REASON_NAMES) == list(REVIEW_REASONS)
    for name in REVIEW_REASON_NAMES.values():
        assert any("\u4e00" <= ch <= "\u9fff" for ch in name)
        assert not any("a" <= ch.lower() <= "z" for ch in name)


@pytest.mark.parametrize("kind", ["weapon", "kill_threat", "self_harm", "arson"])
def test_serious_cue_without_escalation_is_always_a_review_reason(kind):
    reasons = OPEN.reasons(CONFIDENT_TYPE, DIFFICULT, 0.1, 0.5, cue_kinds={kind})
    assert reasons == ["CUE_CONTRADICTS_MODEL"]
    general = OPEN.reasons(CONFIDENT_TYPE, GENERAL, 0.9, 0.5, cue_kinds={kind})
    assert general == ["CUE_CONTRADICTS_MODEL"]
    assert OPEN.reasons(CONFIDENT_TYPE, DIFFICULT, 0.9, 0.5, cue_kinds={kind}) == []


def test_crowd_cue_contradicts_only_the_general_grade():
    assert contradicted_cues({"collective"}, False, "general")
    assert not contradicted_cues({"collective"}, False, "complex")
    assert not contradicted_cues({"threat", "money_amount", "gathering"}, False, "general")
    assert not contradicted_cues(set(), False, "general")


def test_triage_names_its_reasons_in_chinese_and_rejects_a_mismatch():
    result = {
        "dispute_type": {"label": "land", "name": "土地", "scores": {"land": 1.0}},
        "risk_grade": {"label": "general", "name": "一般", "colour": "绿", "scores": {}},
        "escalation": {"flag": False, "probability": 0.1},
        "needs_review": True,
        "review_reasons": ["CUE_CONTRADICTS_MODEL", "LOW_CONFIDENCE_TYPE"],
        "model_version": "test",
    }
    triage = Triage.model_validate(result)
    assert triage.review_reasons_zh == [
        REVIEW_REASON_NAMES["CUE_CONTRADICTS_MODEL"],
        REVIEW_REASON_NAMES["LOW_CONFIDENCE_TYPE"],
    ]
    assert Triage.model_validate(triage.model_dump()) == triage
    with pytest.raises(ValueError, match="review_reasons_zh"):
        Triage.model_validate({**result, "review_reasons_zh": ["纠纷类型把握不足"]})


def _scores(n: int = 400, seed: int = 7) -> CalibrationScores:
    """Calibrated synthetic scores: each label is right with its stated probability."""
    rng = np.random.default_rng(seed)
    type_confidence = rng.uniform(0.3, 1.0, n)
    grade_confidence = rng.uniform(0.4, 1.0, n)
    difficult = rng.uniform(0.0, 1.0, n)
    escalation = rng.beta(0.6, 1.2, n)
    contradicted = np.zeros(n, dtype=bool)
    contradicted[:6] = True
    return CalibrationScores(
        type_confidence=type_confidence,
        type_correct=rng.uniform(size=n) < type_confidence,
        grade_confidence=grade_confidence,
        grade_correct=rng.uniform(size=n) < grade_confidence,
        grade_difficult=difficult,
        escalation_probability=escalation,
        escalation_truth=rng.uniform(size=n) < np.maximum(escalation, difficult**4),
        contradicted=contradicted,
        escalation_threshold=0.3,
    )


@pytest.mark.parametrize("coverage", [0.6, 0.8, 0.95])
def test_select_policy_keeps_the_target_share_and_fewer_errors_than_chance(coverage):
    scores = _scores()
    policy = select_policy(scores, ReviewTarget(coverage=coverage))
    flagged = review_mask(policy, scores)
    kept = kept_summary(flagged, scores)
    assert coverage - 0.03 <= kept["coverage"] <= coverage
    assert flagged[scores.contradicted].all()
    everything = kept_summary(np.zeros(len(scores), dtype=bool), scores)
    assert kept["escalation_recall_kept"] > everything["escalation_recall_kept"]
    if coverage > 0.9:
        return  # too few records flagged to tell from chance
    missed = scores.escalation_truth & (scores.escalation_probability < 0.3)
    errors = (~scores.type_correct).astype(int) + 4 * missed
    rng = np.random.default_rng(0)
    by_chance = [errors[~(rng.permutation(flagged) | scores.contradicted)].sum() for _ in range(50)]
    assert errors[~flagged].sum() < np.quantile(by_chance, 0.05)


def test_select_policy_band_surrounds_the_threshold_and_matches_the_reasons():
    scores = _scores()
    policy = select_policy(scores, ReviewTarget(coverage=0.8))
    assert policy.escalation_low is not None and policy.escalation_high is not None
    assert policy.escalation_low < scores.escalation_threshold <= policy.escalation_high
    assert policy.min_type_margin == policy.min_grade_margin == 0.0
    flagged = review_mask(policy, scores)
    for i in range(len(scores)):
        type_scores = [scores.type_confidence[i], 0.0, 0.0, 0.0, 0.0]
        grade_scores = [scores.grade_confidence[i], 0.0, scores.grade_difficult[i]]
        if scores.contradicted[i]:
            grade_scores = [1.0, 0.0, 0.0]  # a weapon cue against the grade "general"
        reasons = policy.reasons(
            type_scores,
            grade_scores,
            float(scores.escalation_probability[i]),
            scores.escalation_threshold,
            cue_kinds={"weapon"} if scores.contradicted[i] else (),
        )
        assert bool(reasons) == flagged[i]


def test_select_policy_uses_a_likely_difficult_grade_to_find_missed_escalations():
    policy = select_policy(_scores(), ReviewTarget(coverage=0.8))
    assert policy.difficult_without_escalation is not None
    reasons = policy.reasons(CONFIDENT_TYPE, [0.0, 0.0, 1.0], 0.01, 0.3)
    assert reasons == ["ESCALATION_GRADE_MISMATCH"]
    assert policy.reasons(CONFIDENT_TYPE, [0.0, 0.0, 1.0], 0.9, 0.3) == []


def test_select_policy_with_full_coverage_flags_only_contradictions():
    scores = _scores()
    policy = select_policy(scores, ReviewTarget(coverage=1.0))
    assert (review_mask(policy, scores) == scores.contradicted).all()


def test_select_policy_flags_by_the_head_whose_errors_its_ranking_finds():
    scores = _scores()
    only_type_wrong = CalibrationScores(
        **{
            **scores.__dict__,
            "grade_correct": np.ones(len(scores), dtype=bool),
            "escalation_truth": scores.escalation_probability >= 0.3,
        }
    )
    policy = select_policy(only_type_wrong, ReviewTarget(coverage=0.8, observed_weight=1.0))
    flagged = review_mask(policy, only_type_wrong) & ~only_type_wrong.contradicted
    by_type = only_type_wrong.type_confidence < policy.min_type_confidence
    assert by_type[flagged].mean() > 0.8


def test_review_target_rejects_bad_values():
    with pytest.raises(ValueError, match="coverage"):
        ReviewTarget(coverage=0.0)
    with pytest.raises(ValueError, match="escalation_miss_cost"):
        ReviewTarget(escalation_miss_cost=-1.0)


def test_selected_policy_round_trips_through_json_and_reselects():
    scores = _scores()
    policy = select_policy(scores, ReviewTarget())
    stored = json.loads(json.dumps(policy.to_json()))
    loaded = ReviewPolicy(**stored)
    assert loaded == policy
    assert loaded.selection is not None
    assert loaded.with_overrides(target_coverage=0.8) == policy
    wider = loaded.with_overrides(target_coverage=0.6)
    assert review_mask(wider, scores).mean() > review_mask(policy, scores).mean()


def test_with_overrides_sets_thresholds_and_a_hand_band_replaces_the_chosen_one():
    policy = select_policy(_scores(), ReviewTarget())
    assert policy.with_overrides(min_type_confidence=0.99).min_type_confidence == 0.99
    banded = policy.with_overrides(escalation_band=0.05)
    assert banded.escalation_low is None and banded.escalation_high is None
    with pytest.raises(ValueError, match="unknown"):
        policy.with_overrides(min_type_confidnce=0.5)


def test_hand_policy_cannot_be_reselected():
    with pytest.raises(ModelBundleError) as caught:
        ReviewPolicy().with_overrides(target_coverage=0.8)
    assert caught.value.code == "REVIEW_NOT_SELECTABLE"


def test_policy_of_an_old_bundle_loads_as_the_fixed_thresholds():
    stored = {
        "min_type_confidence": 0.6,
        "min_type_margin": 0.2,
        "min_grade_confidence": 0.5,
        "min_grade_margin": 0.1,
        "escalation_band": 0.15,
    }
    policy = ReviewPolicy(**stored)
    assert policy == ReviewPolicy() and policy.selection is None


def test_linear_fit_with_calibration_chooses_and_stores_the_review_policy(tiny_set, tmp_path):
    texts, types = tiny_set.texts[::2], tiny_set.dispute_types[::2]
    grades, escalations = tiny_set.risk_grades[::2], tiny_set.escalations[::2]
    calibration = CalibrationData(
        tiny_set.texts[1::2],
        tiny_set.dispute_types[1::2],
        tiny_set.risk_grades[1::2],
        tiny_set.escalations[1::2],
    )
    model = LinearTriageModel().fit(texts, types, grades, escalations, calibration=calibration)
    policy = model.review_policy
    assert policy.selection is not None
    assert len(policy.selection.scores) == len(calibration.texts)
    assert policy.selection.scores.escalation_threshold == model.escalation_threshold_
    model.save(tmp_path / "bundle")
    stored = json.loads((tmp_path / "bundle" / MANIFEST_NAME).read_text(encoding="utf-8"))
    assert "selection" in stored["config"]["review_policy"]
    loaded = LinearTriageModel.load(tmp_path / "bundle")
    assert loaded.review_policy == policy
    results = loaded.predict(calibration.texts)
    flagged = np.array([r.needs_review for r in results])
    assert (flagged == review_mask(policy, policy.selection.scores)).all()
    contradicted = policy.selection.scores.contradicted.mean()
    assert flagged.mean() <= max(0.2, contradicted) + 0.01
