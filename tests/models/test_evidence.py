"""Evidence phrases (``models._evidence``): whole words, cue spans first, ranked per head."""

from __future__ import annotations

import numpy as np
import pytest

from models._evidence import (
    EVIDENCE_PER_HEAD,
    SERIOUS_CUE_KINDS,
    function_words,
    phrase_characters,
    ranked_evidence,
    salient_phrases,
)
from models.linear import LinearTriageModel
from nlp.pipeline import analyse

ARMED = "隔壁老王拿着菜刀在我家门口骂，说今天不把钱还他就砍死我"
LONE_CHARACTERS = ("那", "想", "还", "就", "都", "把", "不", "他")


def _saliency_on(text: str, characters: str) -> np.ndarray:
    return np.array([1.0 if char in characters else 0.0 for char in text])


def test_salient_phrases_never_show_a_lone_function_character():
    (analysis,) = analyse([ARMED])
    saliency = _saliency_on(analysis.masked, "不把还他就都")
    phrases = salient_phrases("risk_grade", saliency, analysis, phrase_characters(analysis.masked))
    assert phrases == []


def test_salient_phrases_trim_function_words_but_keep_the_content():
    (analysis,) = analyse([ARMED])
    start = analysis.masked.index("就砍死我")
    saliency = np.zeros(len(analysis.masked))
    saliency[start : start + 4] = 1.0
    (phrase,) = salient_phrases(
        "escalation", saliency, analysis, phrase_characters(analysis.masked)
    )
    assert phrase["phrase"] == "砍死"
    assert phrase["source"] == "model"
    assert ARMED[phrase["start"] : phrase["end"]] == phrase["phrase"]


def test_function_words_hold_the_characters_the_issue_found():
    assert set(LONE_CHARACTERS) <= function_words()


def test_ranked_evidence_puts_weapons_and_threats_first_for_risk_and_escalation():
    (analysis,) = analyse([ARMED])
    model = [
        {"head": "risk_grade", "phrase": "骂", "start": 13, "end": 14, "weight": 2.0},
        {"head": "risk_grade", "phrase": "家门口", "start": 10, "end": 13, "weight": 1.5},
        {"head": "dispute_type", "phrase": "钱", "start": 21, "end": 22, "weight": 1.0},
    ]
    evidence = ranked_evidence(analysis, model, risk_grade="difficult", escalation=True)
    for head in ("risk_grade", "escalation"):
        items = [e for e in evidence if e["head"] == head]
        assert [e["source"] for e in items[:2]] == ["cue", "cue"]
        assert "菜刀" in items[0]["phrase"] and items[1]["phrase"] == "砍死我"
        assert len(items) <= EVIDENCE_PER_HEAD
    risk = [e for e in evidence if e["head"] == "risk_grade"]
    assert risk[0]["weight"] == 2.0
    assert [e["head"] for e in evidence] == sorted(
        (e["head"] for e in evidence), key=["dispute_type", "risk_grade", "escalation"].index
    )


def test_ranked_evidence_shows_serious_cues_even_when_the_model_says_calm():
    (analysis,) = analyse([ARMED])
    evidence = ranked_evidence(analysis, [], risk_grade="general", escalation=False)
    kinds = {cue.kind for cue in analysis.cues}
    assert kinds <= set(SERIOUS_CUE_KINDS)
    assert {e["phrase"] for e in evidence if e["head"] == "escalation"} >= {"砍死我"}


def test_ranked_evidence_drops_model_phrases_overlapping_a_cue_and_member_cues():
    (analysis,) = analyse([ARMED])
    start = ARMED.index("菜刀")
    model = [
        {"head": "risk_grade", "phrase": "菜刀", "start": start, "end": start + 2, "weight": 3.0},
        {
            "head": "risk_grade",
            "phrase": "砍死我",
            "start": 24,
            "end": 27,
            "weight": 1.0,
            "source": "cue",
        },
    ]
    evidence = ranked_evidence(analysis, model, risk_grade="difficult", escalation=True)
    risk = [e for e in evidence if e["head"] == "risk_grade"]
    assert [e["source"] for e in risk] == ["cue", "cue"]
    spans = [(e["start"], e["end"]) for e in risk]
    assert len(spans) == len(set(spans))


def test_ranked_evidence_shows_a_denied_fight_as_calm_evidence():
    text = "两家为晒被子吵了几句，他也没动手，已经和好了"
    (analysis,) = analyse([text])
    evidence = ranked_evidence(analysis, [], risk_grade="general", escalation=False)
    risk = {e["phrase"] for e in evidence if e["head"] == "risk_grade"}
    assert any("动手" in phrase for phrase in risk)
    violent = ranked_evidence(analysis, [], risk_grade="complex", escalation=True)
    assert not any("动手" in e["phrase"] for e in violent)


@pytest.fixture(scope="module")
def model(tiny_linear_bundle):
    return LinearTriageModel.load(tiny_linear_bundle)


def test_linear_evidence_on_the_armed_threat_shows_the_knife_and_the_threat(model):
    (result,) = model.predict([ARMED])
    for head in ("risk_grade", "escalation"):
        phrases = [e.phrase for e in result.evidence if e.head == head]
        assert any("菜刀" in phrase for phrase in phrases[:2]), (head, phrases)
        assert "砍死我" in phrases[:2], (head, phrases)
    for item in result.evidence:
        assert ARMED[item.start : item.end] == item.phrase
        assert len(item.phrase) >= 2
        assert item.phrase not in LONE_CHARACTERS


def test_linear_evidence_on_traditional_input_marks_cue_spans_in_the_original(model):
    text = "隔壁老王拿著菜刀在我家門口罵，說今天不把錢還他就砍死我"
    (result,) = model.predict([text])
    cues = [e for e in result.evidence if e.source == "cue"]
    assert any("菜刀" in e.phrase for e in cues)
    assert all(text[e.start : e.end] == e.phrase for e in result.evidence)


def test_evidence_for_an_unflagged_escalation_is_cues_only(tiny_linear_bundle):
    from models.linear import LinearTriageModel

    model = LinearTriageModel.load(tiny_linear_bundle)
    results = model.predict(
        ["报警人称楼上天天噪音扰民，双方情绪平稳。", "借了五万元不还，经劝说已离开"]
    )
    calm = [result for result in results if not result.escalation.flag]
    assert calm
    for result in calm:
        assert all(item.source == "cue" for item in result.evidence if item.head == "escalation")


def test_lexicon_terms_lead_the_dispute_type_evidence(tiny_set, tmp_path):
    from pathlib import Path

    from models.features import FeatureConfig
    from models.lexicon import LegalLexicon
    from models.linear import LinearConfig, LinearTriageModel

    curated = Path(__file__).resolve().parents[2] / "datasets" / "lexicon" / "legal_lexicon.json"
    model = LinearTriageModel(
        LinearConfig(features=FeatureConfig(legal_lexicon=True)),
        lexicon=LegalLexicon.from_file(curated),
    ).fit(tiny_set.texts, tiny_set.dispute_types, tiny_set.risk_grades, tiny_set.escalations)
    (result,) = model.predict(["报警人称宅基地边界不清，邻居砌墙占了我家地，双方情绪平稳。"])
    assert result.dispute_type.label == "land"
    type_items = [item for item in result.evidence if item.head == "dispute_type"]
    assert type_items[0].phrase == "宅基地"
