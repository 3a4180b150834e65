import itertools
import re

from models import suggestions
from models.suggestions import CONDITIONS, SuggestionRule, suggest, suggestion_rules
from nlp.cues import CUE_KINDS
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


# --- safety over every combination -------------------------------------------------------------

SERIOUS_CUES = ("weapon", "threat", "kill_threat", "self_harm", "arson")
CROWD_CUES = ("collective", "gathering", "blocking")
OTHER_CUES = ("physical_contact", "injury", "alcohol", "reconciled")
CUE_SUBSETS = [
    frozenset(subset)
    for size in range(len(SERIOUS_CUES + CROWD_CUES + OTHER_CUES) + 1)
    for subset in itertools.combinations(SERIOUS_CUES + CROWD_CUES + OTHER_CUES, size)
]
CONSULTATION = re.compile(r"咨询|予以解答")
CIVIL_COURT = re.compile(r"民事纠纷.*起诉|起诉.*民事纠纷")
COLLECTIVE_EVENT = re.compile(r"群体性事件")


def _every_combination():
    for dispute_type in DISPUTE_TYPE_IDS:
        for grade in RISK_GRADE_IDS:
            for escalation in (False, True):
                for cues in CUE_SUBSETS:
                    yield dispute_type, grade, escalation, cues


def test_suggestion_combinations_cover_every_type_grade_escalation_and_cue_subset():
    assert len(CUE_SUBSETS) == 2**12
    assert sum(1 for _ in _every_combination()) == 5 * 3 * 2 * 2**12


def test_suggestions_never_advise_consultation_or_court_when_violence_is_in_view():
    unsafe = []
    for dispute_type, grade, escalation, cues in _every_combination():
        if not escalation and not cues.intersection(SERIOUS_CUES):
            continue
        for line in suggest(dispute_type, grade, escalation, set(cues)):
            if CONSULTATION.search(line) or CIVIL_COURT.search(line):
                unsafe.append((dispute_type, grade, escalation, sorted(cues), line))
    assert unsafe == []


def test_suggestions_advise_collective_event_handling_only_with_a_collective_cue():
    wrong = [
        (dispute_type, grade, escalation, sorted(cues))
        for dispute_type, grade, escalation, cues in _every_combination()
        if "collective" not in cues
        and any(
            COLLECTIVE_EVENT.search(line)
            for line in suggest(dispute_type, grade, escalation, set(cues))
        )
    ]
    assert wrong == []


def test_suggestions_always_give_advice_and_never_repeat_a_line():
    for dispute_type, grade, escalation, cues in _every_combination():
        advice = suggest(dispute_type, grade, escalation, set(cues))
        assert advice and len(advice) == len(set(advice)), (dispute_type, grade, escalation, cues)


def test_suggestions_with_a_serious_cue_never_call_the_case_general():
    for dispute_type, grade, escalation, cues in _every_combination():
        if cues.intersection(SERIOUS_CUES):
            advice = suggest(dispute_type, grade, escalation, set(cues))
            assert not any("一般纠纷" in line for line in advice), (dispute_type, grade, cues)


def test_the_safety_checks_catch_an_unsafe_table(monkeypatch):
    unsafe = SuggestionRule(
        id="unsafe", priority=1, when={}, advice="属民事纠纷，可向人民法院起诉；属于咨询的予以解答"
    )
    monkeypatch.setattr(suggestions, "suggestion_rules", lambda: (unsafe,))
    line = suggest("debt", "difficult", True, {"weapon"})[0]
    assert CONSULTATION.search(line) and CIVIL_COURT.search(line)


def test_suggestion_rules_name_only_known_conditions_and_cue_kinds():
    for rule in suggestion_rules():
        assert set(rule.when) <= CONDITIONS
        for key in ("cues_any", "cues_none"):
            assert set(rule.when.get(key, [])) <= set(CUE_KINDS), rule.id


def test_a_serious_cue_replaces_court_advice_with_safety_first():
    calm = suggest("debt", "complex", False, set())
    armed = suggest("debt", "complex", False, {"weapon"})
    assert any("起诉" in line for line in calm)
    assert not any("起诉" in line for line in armed)
    assert any("人身安全" in line for line in armed)


def test_a_crowd_without_a_collective_cue_gets_crowd_advice_not_collective_event():
    advice = suggest("neighbour", "complex", False, {"gathering"})
    assert any("聚集" in line for line in advice)
    assert not any("群体性事件" in line for line in advice)
    assert any(
        "群体性事件" in line for line in suggest("wages", "difficult", False, {"collective"})
    )
