import numpy as np
import pytest

from models.features import FeatureConfig
from models.lexicon import LegalLexicon
from models.linear import LinearConfig, LinearTriageModel
from nlp.pipeline import analyse
from tests.models.test_lexicon import CURATED
from training.adapt import adapt, cue_function, keyword_function, lexicon_function, weak_labels
from training.data import LabelledRecord, LabelledSet
from training.label_model import ABSTAIN


@pytest.fixture(scope="module")
def lexicon_model(tiny_set) -> LinearTriageModel:
    return LinearTriageModel(
        LinearConfig(features=FeatureConfig(legal_lexicon=True)),
        lexicon=LegalLexicon.from_file(CURATED),
    ).fit(tiny_set.texts, tiny_set.dispute_types, tiny_set.risk_grades, tiny_set.escalations)


def test_adapt_lexicon_function_votes_the_named_cause():
    vote = lexicon_function(LegalLexicon.from_file(CURATED))
    (analysis,) = analyse(["被告人因宅基地纠纷与邻居发生争执，致其轻伤二级"])
    votes = vote(analysis)
    assert votes["dispute_type"] == [0]  # land: the cause frame wins over 邻居
    assert votes["risk_grade"] == [2] and votes["escalation"] == [1]


def test_adapt_cue_and_keyword_functions_abstain_where_they_know_nothing():
    (calm,) = analyse(["今天想问一下办事流程"])
    assert keyword_function(calm)["dispute_type"] == [ABSTAIN]
    assert cue_function(calm)["risk_grade"] == [0] and cue_function(calm)["escalation"] == [0]
    (knife,) = analyse(["他拿着菜刀说要砍死我"])
    assert cue_function(knife)["risk_grade"] == [2] and cue_function(knife)["escalation"] == [1]


def test_adapt_keeps_confident_records_backed_by_a_rule(lexicon_model):
    texts = [
        "被告人因民间借贷纠纷多次催讨欠款未果",
        "因拖欠工资问题，工人多次讨薪",
        "今天天气不错",
    ]
    weak = weak_labels(lexicon_model, texts, min_confidence=0.6)
    kept = {record.text: record for record in weak.records}
    assert "今天天气不错" not in kept
    assert kept[texts[0]].dispute_type == "debt" and kept[texts[1]].dispute_type == "wages"
    assert weak.summary["unlabelled"] == 3 and weak.summary["kept"] == len(weak.records)
    assert set(weak.trusted) == {"dispute_type", "risk_grade", "escalation"}
    assert all(len(v) == len(weak.records) for v in weak.trusted.values())


def test_adapt_without_history_trains_the_same_model(lexicon_model, tiny_set):
    data = LabelledSet(
        tuple(LabelledRecord(str(i), t, d, g, e) for i, (t, d, g, e) in enumerate(tiny_set.rows())),
        ("tiny",),
        "x",
    )
    adapted, weak, _ = adapt(lexicon_model, data, [], calibration=None)
    assert weak.records == ()
    for head in ("dispute_type", "risk_grade", "escalation"):
        np.testing.assert_array_equal(adapted.heads_[head].coef, lexicon_model.heads_[head].coef)
