from models.suggestions import suggest, suggestion_rules
from nlp.labels import DISPUTE_TYPE_IDS, RISK_GRADE_IDS


def test_suggestions_route_wage_arrears_to_labour_inspection():
    advice = suggest("wages", "general", False, set())
    assert any("劳动监察" in line for line in advice)


def test_suggestions_put_dispatch_first_for_violent_difficult_cases():
    advice = suggest("land", "difficult", True, {"weapon"})
    assert "立即派警" in advice[0]


def test_every_prediction_gets_at_least_one_suggestion():
    for dispute_type in DISPUTE_TYPE_IDS:
        for grade in RISK_GRADE_IDS:
            for escalation in (False, True):
                assert suggest(dispute_type, grade, escalation, set()), (
                    dispute_type,
                    grade,
                    escalation,
                )


def test_suggestion_rules_only_name_known_labels():
    for rule in suggestion_rules():
        assert set(rule.when.get("dispute_type", [])) <= set(DISPUTE_TYPE_IDS)
        assert set(rule.when.get("risk_grade", [])) <= set(RISK_GRADE_IDS)
